"""The reviewer's diff and checklist: pure functions on snapshot dicts, no database."""

import pytest
from django.template.loader import render_to_string

from uses.review_checks import (
    PLAIN_LANGUAGE_GRADE,
    checklist,
    diff_snapshots,
    reading_grade,
    word_diff,
)

PLAIN = "Naltrexone is a pill. It can help some people. Ask your doctor."
DENSE = (
    "Pharmacokinetic considerations notwithstanding, naltrexone demonstrates considerable "
    "heterogeneity in therapeutic responsiveness across immunologically mediated conditions."
)


def snapshot(**fields) -> dict:
    """A condition snapshot as serialize_condition writes it, with plain-language defaults."""
    author = {"name": "Ann Lee", "slug": "ann-lee", "credentials": "MD", "display_name": "Ann Lee"}
    return {
        "schema": 1,
        "kind": "condition",
        "title": "Fibromyalgia",
        "slug": "fibromyalgia",
        "article_heading": "",
        "category": "pain",
        "approval": "off_label",
        "regimen": "low_dose",
        "formulations": ["oral tablet"],
        "summary": PLAIN,
        "body": PLAIN,
        "author": author,
        "position": 0,
        "review_interval_months": 12,
        "evidence": [],
        "sources": [],
        **fields,
    }


def evidence(
    pk: int | None = 1,
    claim: str = "A few small, randomized studies found it eases pain.",
    **fields,
) -> dict:
    item = {"id": pk, "claim": claim, "design": "randomised", "certainty": "low"}
    return item | {"direction": "benefit", "rationale": "", "citation_needed": False} | fields


def source(key: str = "trial-1", **fields) -> dict:
    data = {"key": key, "title": f"A trial ({key})", "authors": "Smith J", "publisher": "BMJ"}
    data |= {"year": 2020, "kind": "study", "kind_label": "Study or studies", "url": ""}
    data |= {"doi": "10.1000/xyz123", "pmid": "31234567", "trial_id": "NCT01234567"}
    return data | {"mentioned_only": False, "note": ""} | fields


def field_html(diff: dict, name: str) -> str:
    return next(field["html"] for field in diff["fields"] if field["name"] == name)


# The diff: top-level fields


def test_identical_snapshots_have_no_changes():
    published = snapshot(evidence=[evidence()], sources=[source()])
    diff = diff_snapshots(published, snapshot(evidence=[evidence()], sources=[source()]))
    assert diff["is_new"] is False
    assert diff["has_changes"] is False
    assert diff["fields"] == []
    assert diff["evidence"] == {"added": [], "removed": [], "changed": []}
    assert diff["sources"] == {"added": [], "removed": [], "changed": []}


def test_a_never_published_entry_is_new_and_everything_shows_as_added():
    diff = diff_snapshots(None, snapshot(evidence=[evidence()], sources=[source()]))
    assert diff["is_new"] is True
    assert diff["has_changes"] is True
    assert field_html(diff, "title") == "<ins>Fibromyalgia</ins>"
    assert [item["claim"] for item in diff["evidence"]["added"]] == [
        "A few small, randomized studies found it eases pain."
    ]
    assert [s["key"] for s in diff["sources"]["added"]] == ["trial-1"]


def test_changed_words_are_marked_and_unchanged_words_stay_plain():
    old = snapshot(summary="Naltrexone may ease pain in some people.")
    new = snapshot(summary="Naltrexone may reduce pain in some adults.")
    html = field_html(diff_snapshots(old, new), "summary")
    assert html == (
        "Naltrexone may <del>ease</del><ins>reduce</ins> pain in some <del>people</del>"
        "<ins>adults</ins>."
    )


def test_a_rewritten_phrase_reads_as_one_deletion_and_one_insertion():
    html = word_diff("It may ease joint pain.", "It may help you sleep.")
    assert html == "It may <del>ease joint pain</del><ins>help you sleep</ins>."


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "Take 4 daily",
            "Give 4 twice",
            "<del>Take</del><ins>Give</ins> 4 <del>daily</del><ins>twice</ins>",
        ),
        (
            "Take 4.5 mg at night.",
            "Take 4.0 mg at night.",
            "Take <del>4.5</del><ins>4.0</ins> mg at night.",
        ),
        ("1 mg, then 2 mg.", "1 mg, then 20 mg.", "1 mg, then <del>2</del><ins>20</ins> mg."),
        ("Up to 50% (n = 31).", "Up to 5% (n = 31).", "Up to <del>50</del><ins>5</ins>% (n = 31)."),
        ("Take 1,000 mg.", "Take 1,500 mg.", "Take <del>1,000</del><ins>1,500</ins> mg."),
        ("Take 4.5mg daily.", "Take 4.5mg daily!", "Take 4.5mg daily<del>.</del><ins>!</ins>"),
        ("Doses of 1.5-4.5 mg", "Doses of 1.5-3 mg", "Doses of 1.5-<del>4.5</del><ins>3</ins> mg"),
    ],
    ids=["unchanged-number", "decimal", "units", "percent", "thousands", "punctuation", "range"],
)
def test_word_diff_marks_exactly_the_changed_numbers_units_and_punctuation(old, new, expected):
    assert word_diff(old, new) == expected


def test_word_diff_keeps_line_breaks_of_markdown_bodies():
    html = word_diff("## Dose\n\nTake 4.5 mg.", "## Dose\n\nTake 3 mg.")
    assert html == "## Dose\n\nTake <del>4.5</del><ins>3</ins> mg."


def test_html_in_summaries_is_escaped():
    diff = diff_snapshots(snapshot(), snapshot(summary="Safe <script>alert(1)</script> & sound"))
    html = field_html(diff, "summary")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; sound" in html
    assert html.__html__() == html  # a SafeString: templates must not escape it twice


def test_only_changed_fields_are_listed():
    diff = diff_snapshots(snapshot(), snapshot(title="Lupus", body=PLAIN))
    assert [(field["name"], field["label"]) for field in diff["fields"]] == [("title", "Title")]
    assert field_html(diff, "title") == "<del>Fibromyalgia</del><ins>Lupus</ins>"


def test_choice_fields_show_their_labels():
    diff = diff_snapshots(snapshot(), snapshot(approval="fda_approved", regimen="standard"))
    assert field_html(diff, "approval") == "<del>Off-label</del><ins>FDA-approved</ins>"
    assert "<ins>Standard dose</ins>" in field_html(diff, "regimen")


def test_formulations_interval_and_author_are_compared():
    author = {"name": "Bo Chen", "slug": "bo", "credentials": "PhD", "display_name": "Bo Chen, PhD"}
    new = snapshot(formulations=["oral tablet", "injection"], review_interval_months=6)
    diff = diff_snapshots(snapshot(), new | {"author": author})
    assert field_html(diff, "formulations") == "oral tablet<ins>, injection</ins>"
    assert field_html(diff, "review_interval_months") == "<del>12</del><ins>6</ins>"
    assert field_html(diff, "author") == "<del>Ann Lee</del><ins>Bo Chen, PhD</ins>"


def test_an_author_with_the_same_display_name_is_unchanged():
    new = snapshot()
    new["author"] = new["author"] | {"slug": "ann-lee-2"}
    assert diff_snapshots(snapshot(), new)["has_changes"] is False


def test_older_snapshots_are_upgraded_before_comparison():
    old = {"kind": "topic", "title": "Timing", "summary": PLAIN}
    new = {"kind": "topic", "title": "Timing", "summary": PLAIN, "body": "", "evidence": []}
    diff = diff_snapshots(old, new)
    assert diff["has_changes"] is False


# The diff: evidence


def test_evidence_is_matched_by_id_and_its_changes_listed():
    old = snapshot(evidence=[evidence(7, "It may ease pain.", sources=["a"])])
    item = evidence(7, "It eases pain.", certainty="moderate", citation_needed=True)
    changed = diff_snapshots(old, snapshot(evidence=[item]))["evidence"]
    assert changed["added"] == changed["removed"] == []
    [entry] = changed["changed"]
    assert entry["claim_html"] == "It <del>may ease</del><ins>eases</ins> pain."
    assert [(f["label"], f["old"], f["new"]) for f in entry["fields"]] == [
        ("Certainty", "Low", "Moderate"),
        ("Citation needed", "No", "Yes"),
        ("Sources", "a", ""),
    ]


def test_an_unchanged_claim_is_escaped_when_other_fields_change():
    old = snapshot(evidence=[evidence(claim="Dose <script>x</script>", rationale="One trial.")])
    new = snapshot(evidence=[evidence(claim="Dose <script>x</script>", rationale="Two trials.")])
    [entry] = diff_snapshots(old, new)["evidence"]["changed"]
    assert entry["claim_html"] == "Dose &lt;script&gt;x&lt;/script&gt;"
    assert entry["fields"] == [
        {
            "name": "rationale",
            "label": "Rationale",
            "old": "One trial.",
            "new": "Two trials.",
            "html": "<del>One trial</del><ins>Two trials</ins>.",
        }
    ]


def test_evidence_with_a_new_id_is_added_and_the_old_one_removed():
    old = snapshot(evidence=[evidence(1, "Same words.")])
    new = snapshot(evidence=[evidence(2, "Same words.", direction="harm")])
    diff = diff_snapshots(old, new)["evidence"]
    assert diff["changed"] == []
    [added], [removed] = diff["added"], diff["removed"]
    assert (added["id"], removed["id"]) == (2, 1)
    assert added["design_label"] == "Randomised trial"
    assert added["certainty_label"] == "Low"
    assert added["direction_label"] == "Reports possible harm"


def test_evidence_without_ids_is_matched_by_identical_claim():
    old = snapshot(evidence=[{"claim": "Kept."}, {"claim": "Dropped."}])
    new = snapshot(evidence=[evidence(None, "Kept."), evidence(None, "New.")])
    diff = diff_snapshots(old, new)["evidence"]
    assert [entry["claim_html"] for entry in diff["changed"]] == ["Kept."]  # design and so on
    assert [item["claim"] for item in diff["added"]] == ["New."]
    assert [item["claim"] for item in diff["removed"]] == ["Dropped."]
    assert diff["removed"][0]["design_label"] == "No study results mentioned"


def test_an_id_match_wins_over_a_claim_match():
    old = snapshot(evidence=[evidence(1, "Helps.")])
    new = snapshot(evidence=[evidence(None, "Helps."), evidence(1, "Helps a lot.")])
    diff = diff_snapshots(old, new)["evidence"]
    assert [entry["id"] for entry in diff["changed"]] == [1]
    assert [item["claim"] for item in diff["added"]] == ["Helps."]


# The diff: sources


def test_sources_are_matched_by_key():
    old = snapshot(sources=[source("kept"), source("gone")])
    new = snapshot(sources=[source("kept", doi="10.1000/abc", mentioned_only=True), source("new")])
    diff = diff_snapshots(old, new)["sources"]
    assert [s["key"] for s in diff["added"]] == ["new"]
    assert [s["key"] for s in diff["removed"]] == ["gone"]
    [changed] = diff["changed"]
    assert (changed["key"], changed["title"]) == ("kept", "A trial (kept)")
    assert [(f["label"], f["old"], f["new"]) for f in changed["fields"]] == [
        ("DOI", "10.1000/xyz123", "10.1000/abc"),
        ("Mentioned only", "No", "Yes"),
    ]


def test_source_kind_changes_show_labels():
    diff = diff_snapshots(snapshot(sources=[source()]), snapshot(sources=[source(kind="review")]))
    [changed] = diff["sources"]["changed"]
    assert changed["fields"][0] | {"name": ""} == {
        "name": "",
        "label": "Kind",
        "old": "Study or studies",
        "new": "Review article",
        "html": "<del>Study or studies</del><ins>Review article</ins>",
    }


# The checklist


def test_a_clean_snapshot_has_an_empty_checklist():
    sourced = evidence(sources=["trial-1"])
    flagged = evidence(2, "Small randomized trials found it eases pain.", citation_needed=True)
    assert checklist(snapshot(evidence=[sourced, flagged], sources=[source()])) == []


def test_a_label_stronger_than_its_sentence_is_a_warning_naming_the_claim():
    body = "No clinical trials have proven it effective, but doctors still use it."
    claim = "No clinical trials have proven it effective, but doctors still use it."
    honest = evidence(1, claim, design="clinical_experience", certainty="not_assessed")
    honest["direction"] = "unclear"
    stronger = {**honest, "id": 2, "certainty": "very_low", "direction": "benefit"}
    flagged = [{**item, "citation_needed": True} for item in (honest, stronger)]
    checks = checklist(snapshot(body=body, evidence=flagged))
    assert [check["where"] for check in checks] == ["Claim 2", "Claim 2"]
    assert all(check["level"] == "warning" for check in checks)
    assert "certainty “Very low” is stronger than GRADE allows" in checks[0]["message"]
    assert "does not report “reports a benefit”" in checks[1]["message"]


def test_an_unsourced_claim_not_marked_citation_needed_is_a_problem():
    claim = "Low-dose naltrexone " + "reduces pain " * 10 + "in small randomized trials"
    checks = checklist(snapshot(evidence=[evidence(sources=["trial-1"]), evidence(2, claim)]))
    [check] = checks
    assert check["level"] == "problem"
    assert check["where"] == "Claim 2"
    assert check["message"].startswith(
        "Claim 2 has no source and is not marked “citation needed”: Low-dose naltrexone reduces"
    )
    assert check["message"].endswith("…")
    assert len(check["message"].split(": ", 1)[1]) == 80


@pytest.mark.parametrize(
    ("field", "value", "label"),
    [
        ("doi", "https://doi.org/10.1000/xyz", "DOI"),
        ("pmid", "PMID 123", "PMID"),
        ("trial_id", "nct123", "trial id"),
    ],
)
def test_a_malformed_identifier_is_a_problem(field, value, label):
    [check] = checklist(snapshot(sources=[source("bad", **{field: value})]))
    assert check["level"] == "problem"
    assert check["message"] == f"Source “A trial (bad)” has a malformed {label}: {value}"
    assert check["where"] == "Source bad"


def test_a_mentioned_only_source_with_identifiers_is_a_problem():
    mentioned = source("talk", mentioned_only=True, doi="", pmid="", trial_id="")
    assert checklist(snapshot(sources=[mentioned])) == []
    [check] = checklist(snapshot(sources=[mentioned | {"url": "https://example.org", "pmid": "1"}]))
    assert check["level"] == "problem"
    assert "“A trial (talk)” is only mentioned in the article but has URL, PMID" in check["message"]


def test_a_mention_that_becomes_a_reference_asks_the_reviewer_to_check_its_identifiers():
    mentioned = source("stanford", title="Studies conducted by Stanford University")
    mentioned |= {"mentioned_only": True, "doi": "", "pmid": "", "trial_id": ""}
    published = snapshot(sources=[mentioned])
    cited = mentioned | {"mentioned_only": False, "pmid": "31234567"}
    [check] = checklist(snapshot(sources=[cited]), published)
    assert check["level"] == "warning"
    assert check["where"] == "Source stanford"
    assert check["message"] == (
        "Source “Studies conducted by Stanford University” was a mention and becomes a "
        "reference: check that its PMID leads to the research the article describes"
    )
    assert checklist(snapshot(sources=[cited]), snapshot(sources=[cited])) == []
    assert checklist(snapshot(sources=[cited])) == []  # a new reference: nothing was mentioned


def test_the_diff_shows_a_mention_as_readers_will_see_it():
    mentioned = source("limited", title="Limited studies", authors="Kept", publisher="Kept")
    mentioned |= {"mentioned_only": True, "doi": "", "pmid": "", "trial_id": ""}
    mentioned |= {"note": "Limited studies have found it helps."}
    diff = diff_snapshots(None, snapshot(sources=[mentioned]))
    html = render_to_string("admin/uses/_review_diff.html", {"diff": diff})
    assert "<cite" not in html and "No reference given" in html
    assert "Limited studies have found it helps." in html


def test_dense_text_is_a_reading_level_warning():
    grade = reading_grade(DENSE)
    assert grade > PLAIN_LANGUAGE_GRADE
    checks = checklist(snapshot(summary=DENSE, body=f"## Why\n\n{DENSE}"))
    assert [(check["level"], check["where"]) for check in checks] == [
        ("warning", "Summary"),
        ("warning", "Body"),
    ]
    assert checks[0]["message"] == (
        f"Summary reads at grade {grade:.1f}; plain language is grade 9 or below"
    )


# A dense paragraph of the source article, kept verbatim in the bodies (reading grade above 9).
ARTICLE_PARAGRAPH = (
    "Naltrexone uses are wide-ranging and highly varied. Some things naltrexone is used for "
    "include the treatment of certain addictions, pain disorders, autoimmune diseases, and "
    "ulcerative colitis. Patients need to understand the various Vivitrol uses and how the "
    "medication works on the body."
)


def test_the_articles_verbatim_words_raise_no_reading_warning():
    assert reading_grade(ARTICLE_PARAGRAPH) > PLAIN_LANGUAGE_GRADE
    body = f"## Uses\n\n{ARTICLE_PARAGRAPH}\n\n{PLAIN}"
    assert checklist(snapshot(body=body)) == []
    checks = checklist(snapshot(body=f"{ARTICLE_PARAGRAPH}\n\n{DENSE}"))
    assert [check["message"] for check in checks] == [
        f"New or changed text in Body reads at grade {reading_grade(DENSE):.1f}; "
        "plain language is grade 9 or below"
    ]


def test_only_text_changed_since_the_published_version_is_judged():
    published = snapshot(summary=DENSE, body=f"{DENSE}\n\n{PLAIN}")
    assert checklist(published, published) == []
    changed = snapshot(summary=DENSE, body=f"{DENSE}\n\n{DENSE} Indubitably.")
    assert [check["where"] for check in checklist(changed, published)] == ["Body"]


def test_plain_and_empty_texts_raise_no_reading_warning():
    assert reading_grade(PLAIN) <= PLAIN_LANGUAGE_GRADE
    assert checklist(snapshot(summary=PLAIN, body="")) == []
    assert checklist({"kind": "topic", "title": "Empty", "body": "## \n\n**"}) == []


def test_reading_grade_ignores_markdown_syntax():
    markdown = "# Dose\n\n**Take** one [tablet](https://example.org/a-very-long-address) _daily_."
    plain = "Dose.\n\nTake one tablet daily."
    assert reading_grade(markdown) == reading_grade(plain)


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("The cat sat on the mat. It was a good cat.", -5, 2),
        (
            "Studies conducted by Stanford University show that the drug is highly effective in "
            "the treatment of multiple fibromyalgia symptoms, ranging from pain to fatigue.",
            13,
            20,
        ),
    ],
)
def test_reading_grade_tells_plain_from_dense_text(text, low, high):
    assert low <= reading_grade(text) <= high


# The admin partials


def test_the_diff_partial_renders_changes_escaped():
    old = snapshot(evidence=[evidence(1, "Old claim."), evidence(2, "Gone.")], sources=[source()])
    new = snapshot(
        summary="<script>alert(1)</script>",
        evidence=[evidence(1, "New <script> claim.", certainty="high"), evidence(3, "<b>Add</b>")],
        sources=[source(title="Renamed"), source("extra", url="https://example.org")],
    )
    html = render_to_string("admin/uses/_review_diff.html", {"diff": diff_snapshots(old, new)})
    assert "<script>" not in html
    assert "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<del>Old</del><ins>New &lt;script&gt;</ins> claim." in html
    assert '<th scope="row">Certainty</th>' in html
    assert "Renamed" in html
    assert "https://example.org" in html
    assert "Gone." in html
    assert "nothing is published yet" not in html
    assert "No changes" not in html


def test_the_diff_partial_says_when_an_entry_is_new_or_unchanged():
    render = render_to_string
    new = render("admin/uses/_review_diff.html", {"diff": diff_snapshots(None, snapshot())})
    assert "New entry: nothing is published yet" in new
    same = render("admin/uses/_review_diff.html", {"diff": diff_snapshots(snapshot(), snapshot())})
    assert "No changes against the published version" in same


def test_the_checklist_partial_renders_problems_and_warnings():
    bad = snapshot(summary=DENSE, evidence=[evidence(claim="<script>x</script>")])
    html = render_to_string("admin/uses/_review_checklist.html", {"checks": checklist(bad)})
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    assert "<script>" not in html
    assert '<th scope="row">Problem</th>' in html
    assert '<th scope="row">Warning</th>' in html
    clean = render_to_string("admin/uses/_review_checklist.html", {"checks": []})
    assert "No problems found" in clean

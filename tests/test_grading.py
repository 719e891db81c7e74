"""Every label is exactly as strong as the article's words: the rules, the fixtures, the pages."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from uses import grading
from uses.grading import overstatements, use_label
from uses.models import Approval, Certainty, Evidence, Publication, StudyDesign

FIXTURES = Path(settings.BASE_DIR, "fixtures")
ARTICLE = (FIXTURES / "source-article.txt").read_text()
CLAIMS = [o["fields"] for o in json.loads((FIXTURES / "evidence.json").read_text())]
CLAIMS = [fields for fields in CLAIMS if "claim" in fields]
SM, CE, NA, VL = "studies_mentioned", "clinical_experience", "not_assessed", "very_low"

# Every claim of the article: (use, start of the claim) -> (design, certainty, direction).
# Read from the sentence (and its paragraph, for what it says about the studies).
PINNED = {
    (1, "There are just two FDA-approved"): ("regulatory", NA, "benefit"),
    (1, "When what Vivitrol is used for is alcohol"): ("none", NA, "unclear"),
    (2, "There are just two FDA-approved"): ("regulatory", NA, "benefit"),
    (2, "To use Vivitrol for this purpose safely"): ("none", NA, "harm"),
    (3, "Limited studies have found it"): (SM, VL, "benefit"),
    (3, "However, its use in pain management"): ("none", NA, "unclear"),
    (4, "Studies conducted by Stanford"): (SM, VL, "benefit"),
    (4, "However, naltrexone for fibromyalgia"): (SM, VL, "unclear"),
    (4, "Long-term safety of LDN"): ("none", NA, "unclear"),
    (5, "As with fibromyalgia, the studies"): (SM, VL, "benefit"),
    (6, "The use of low-dose naltrexone for peripheral"): ("none", NA, "benefit"),
    (6, "LDN for nerve pain can be used"): ("none", NA, "unclear"),
    (7, "For now, doctors mostly stick"): (CE, NA, "unclear"),
    (8, "Low-dose naltrexone for rheumatoid arthritis is quite"): ("none", NA, "unclear"),
    (8, "For now, doctors mostly stick"): ("none", NA, "unclear"),
    (9, "Limited research indicates"): (SM, VL, "harm"),
    (10, "Taking low-dose naltrexone for anxiety"): ("none", NA, "mixed"),
    (11, "Dr. Bernard Bihari observed"): (CE, VL, "unclear"),
    (11, "What they found is that"): (SM, VL, "benefit"),
    (12, "To date, there has been no"): ("none", NA, "unclear"),
    (12, "However, there have been case studies"): ("case_reports", VL, "benefit"),
    (13, "In a few small, randomized"): ("randomised", "low", "benefit"),
    (13, "While it does not cure anything"): ("none", NA, "benefit"),
    (13, "However, low-dose naltrexone for multiple"): ("none", NA, "unclear"),
    (14, "While it does not eliminate"): ("none", NA, "benefit"),
    (15, "Limited studies have found that"): (SM, VL, "benefit"),
    (15, "Clinical trials establishing"): ("none", NA, "unclear"),
    (16, "For Crohn’s patients"): (SM, VL, "benefit"),
    (16, "However, the studies are so small"): (SM, VL, "unclear"),
    (17, "Because it seems to have anti-inflammatory"): ("none", NA, "benefit"),
    (17, "At the moment, no clinical trials"): (CE, NA, "unclear"),
    # The research it names is of irritable bowel syndrome: nothing about ulcerative colitis.
    (18, "While studies are not conclusive"): ("none", NA, "unclear"),
    (18, "As it falls under the umbrella"): (CE, NA, "unclear"),
    (19, "LDN for Parkinson’s treatment"): ("none", NA, "mixed"),
    (19, "Clinical trials to prove"): ("none", NA, "unclear"),
    (20, "However, low-dose Vivitrol therapy"): ("none", NA, "benefit"),
    (20, "As with many other conditions"): ("none", NA, "unclear"),
    (21, "As Vivitrol can be effective"): (CE, NA, "unclear"),
    (22, "Small studies have shown"): (SM, VL, "benefit"),
    (22, "Still, more research is needed."): ("none", NA, "unclear"),
}
# The label each use earns from its best evidence.
USE_LABELS = {
    "alcohol-dependence": "FDA-approved", "opioid-addiction": "FDA-approved",
    "pain-disorders": "Limited evidence of benefit", "fibromyalgia": "Limited evidence of benefit",
    "chronic-pain": "Limited evidence of benefit", "nerve-pain": "No study results mentioned",
    "rheumatoid-arthritis": "In use, no study results mentioned",
    "other-forms-of-arthritis": "No study results mentioned", "depression": "May cause harm",
    "anxiety": "Mixed reports", "autoimmune-diseases": "Limited evidence of benefit",
    "cancer": "Case reports only", "multiple-sclerosis": "May help (low certainty)",
    "hashimotos-disease": "No study results mentioned", "lupus": "Limited evidence of benefit",
    "crohns-disease": "Limited evidence of benefit",
    "lyme-disease": "In use, no study results mentioned",
    "ulcerative-colitis": "In use, no study results mentioned",
    "parkinsons-disease": "Mixed reports",
    "chronic-fatigue-syndrome": "No study results mentioned",
    "bipolar-disorder": "In use, no study results mentioned",
    "ocd": "Limited evidence of benefit",
}  # fmt: skip


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def paragraph_of(claim: str) -> str:
    """The article's paragraph that contains ``claim``: what the article says around it."""
    paragraph = grading.paragraph_of(claim, ARTICLE)
    assert paragraph, f"not in the article: {claim}"
    return paragraph


def pinned(fields: dict) -> tuple[str, str, str]:
    matches = [
        labels
        for (use, start), labels in PINNED.items()
        if use == fields["condition"] and fields["claim"].startswith(start)
    ]
    assert len(matches) == 1, fields["claim"]
    return matches[0]


def test_every_claim_of_the_article_is_pinned():
    assert len(CLAIMS) == len(PINNED) == 40
    for fields in CLAIMS:
        assert (fields["design"], fields["certainty"], fields["direction"]) == pinned(fields)


@pytest.mark.parametrize("fields", CLAIMS, ids=lambda fields: fields["key"])
def test_no_claim_is_labelled_more_strongly_than_its_words(fields):
    assert overstatements(fields, paragraph_of(fields["claim"])) == []


def test_studies_the_article_mentions_without_a_design_say_so():
    for fields in CLAIMS:
        if grading.design_for(paragraph_of(fields["claim"])) == StudyDesign.STUDIES_MENTIONED:
            assert fields["design"] != StudyDesign.OBSERVATIONAL, fields["claim"]
    assert not [fields for fields in CLAIMS if fields["design"] == StudyDesign.OBSERVATIONAL]


@pytest.mark.parametrize(
    ("claim", "labels", "problem"),
    [
        (
            "No clinical trials have proven it effective, but doctors still use it.",
            ("clinical_experience", "not_assessed", "benefit"),
            "does not report “reports a benefit”",
        ),
        (
            "Limited studies have found it to have a positive impact.",
            ("observational", "very_low", "benefit"),
            "stronger than the words",
        ),
        (
            "Limited studies have found it to have a positive impact.",
            ("studies_mentioned", "low", "benefit"),
            "stronger than GRADE allows",
        ),
        (
            "Studies have found a positive impact.",
            ("case_reports", "very_low", "benefit"),
            "stronger than the words",
        ),
        (
            "Doctors mostly stick to it, waiting to see if it is effective.",
            ("clinical_experience", "very_low", "unclear"),
            "stronger than GRADE allows",
        ),
        (
            "To date, there has been no clinical trials.",
            ("none", "not_assessed", "benefit"),
            "does not report",
        ),
        (
            "In a few small, randomized studies, it has been shown to have a positive impact.",
            ("randomised", "moderate", "benefit"),
            "stronger than GRADE allows",
        ),
        (
            "It can ease symptoms in some people.",
            ("none", "not_assessed", "harm"),
            "does not report “reports possible harm”",
        ),
    ],
)
def test_a_label_stronger_than_its_sentence_is_caught(claim, labels, problem):
    design, certainty, direction = labels
    item = {"claim": claim, "design": design, "certainty": certainty, "direction": direction}
    assert any(problem in found for found in overstatements(item))


def item(certainty, direction="benefit", design="studies_mentioned"):
    return {"certainty": certainty, "direction": direction, "design": design}


@pytest.mark.parametrize(
    ("approval", "evidence", "label"),
    [
        (Approval.FDA_APPROVED, [item("not_assessed", design="regulatory")], "FDA-approved"),
        (Approval.OFF_LABEL, [], "No evidence recorded"),
        (Approval.OFF_LABEL, [item("high", design="randomised")], "Shown to help"),
        (Approval.OFF_LABEL, [item("moderate", design="randomised")], "Probably helps"),
        (Approval.OFF_LABEL, [item("low", design="randomised"), item("very_low")], "May help "
         "(low certainty)"),
        (Approval.OFF_LABEL, [item("very_low")], "Limited evidence of benefit"),
        (Approval.OFF_LABEL, [item("very_low", design="case_reports")], "Case reports only"),
        (Approval.OFF_LABEL, [item("very_low", design="clinical_experience")],
         "Doctors’ observations only"),
        (Approval.OFF_LABEL, [item("not_assessed", "unclear", "clinical_experience")],
         "In use, no study results mentioned"),
        (Approval.OFF_LABEL, [item("not_assessed", design="none")], "No study results mentioned"),
        (Approval.OFF_LABEL, [item("very_low", "harm")], "May cause harm"),
        (Approval.OFF_LABEL, [item("not_assessed", "mixed", "none")], "Mixed reports"),
        (Approval.OFF_LABEL, [item("moderate", "no_benefit", "randomised")],
         "Probably does not help"),
        (Approval.OFF_LABEL, [item("very_low", "unclear")], "Unclear evidence"),
    ],
)  # fmt: skip
def test_the_label_of_a_use_follows_its_best_evidence(approval, evidence, label):
    if approval == Approval.FDA_APPROVED:
        assert use_label(approval=approval, evidence=evidence).text == label
    else:
        assert grading.label_of(grading.best_evidence(evidence)).text == label


def test_a_claim_labelled_more_strongly_than_its_words_never_lifts_its_uses_label():
    overstated = {"claim": "Doctors still use it.", **item("very_low", "benefit", "randomised")}
    honest = {
        "claim": "In a few small, randomized studies it helped.",
        **item("low", design="randomised"),
    }
    label = use_label(approval=Approval.OFF_LABEL, evidence=[overstated])
    assert label.text == "In use, no study results mentioned"
    label = use_label(approval=Approval.OFF_LABEL, evidence=[overstated, honest])
    assert label.text == "May help (low certainty)"
    around = "They were small studies."
    studies = {"claim": "Studies found it helps.", **item("low")}
    body = f"Studies found it helps. {around}"
    assert (
        use_label(approval=Approval.OFF_LABEL, evidence=[studies]).text
        == "May help (low certainty)"
    )
    assert use_label(approval=Approval.OFF_LABEL, evidence=[studies], body=body).text == (
        "Limited evidence of benefit"
    )


def test_only_evidence_of_low_certainty_or_better_looks_like_a_benefit():
    for certainty in Certainty.values:
        for design in StudyDesign.values:
            label = grading.label_of(item(certainty, "benefit", design))
            strong = certainty in (Certainty.HIGH, Certainty.MODERATE, Certainty.LOW)
            assert (label.tone == "benefit") == strong, (certainty, design, label)
    assert {label.tone for label in grading.USE_LABELS} == {
        "approved", "benefit", "uncertain", "harm", "none"
    }  # fmt: skip
    assert len({label.text for label in grading.USE_LABELS}) == len(grading.USE_LABELS)


def test_the_order_of_the_claims_never_decides_a_label():
    benefit, harm, silent = item("very_low"), item("very_low", "harm"), item("very_low", "unclear")
    for evidence in ([benefit, harm, silent], [silent, harm, benefit], [harm, silent, benefit]):
        assert grading.label_of(grading.best_evidence(evidence)).text == "May cause harm"
    for evidence in ([benefit, silent], [silent, benefit]):
        assert grading.best_evidence(evidence) is benefit


def test_best_evidence_prefers_certainty_then_design():
    weaker = item("low", design=StudyDesign.OBSERVATIONAL)
    stronger = item("low", design=StudyDesign.RANDOMISED)
    assert grading.best_evidence([weaker, stronger]) is stronger
    best = grading.best_evidence([stronger, item("moderate", design="case_reports")])
    assert best["certainty"] == "moderate"


# --- the published article ----------------------------------------------------------------------


def test_each_use_of_the_article_carries_the_label_its_words_earn(article):
    labels = dict(Publication.objects.current().conditions().values_list("slug", "evidence_label"))
    assert labels == USE_LABELS


def text_of(html: str) -> str:
    main = html.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    return squash(re.sub(r"<[^>]+>", " ", main)).replace(" .", ".").replace(" ,", ",")


@pytest.mark.parametrize("slug", ["fibromyalgia", "crohns-disease", "alcohol-dependence"])
def test_a_use_page_shows_each_sentence_of_the_article_once(article, client, slug):
    text = text_of(client.get(f"/uses/{slug}/").content.decode())
    for fields in Evidence.objects.filter(condition__slug=slug).values("claim"):
        assert text.count(squash(fields["claim"])) == 1, fields["claim"]


def test_a_use_page_grades_each_claim_where_the_article_makes_it(article, client):
    html = client.get("/uses/fibromyalgia/").content.decode()
    first = html.index('<mark class="claim" id="claim-1">Studies conducted by Stanford')
    grade = html.index('id="evidence-1"')
    second = html.index('<mark class="claim" id="claim-2">')
    assert first < grade < second or first < second < grade
    assert "Studies mentioned, design not stated" in html
    assert "Very low" in html and "Non-randomised" not in html


def test_approved_uses_read_as_approved_with_a_calm_note_for_the_missing_reference(article, client):
    html = client.get("/uses/alcohol-dependence/").content.decode()
    assert "Approved by the U.S. Food and Drug Administration for this use." in html
    assert 'class="label tone-approved"' in html
    assert "The article gives no reference for this." in html
    assert "Citation needed" not in html and "citation-needed" not in html
    assert "Insufficient" not in html


def test_every_label_links_to_its_explanation_on_the_grading_page(article, client):
    page = client.get("/how-we-grade-evidence/").content.decode()
    assert page.count("<h1") == 1
    for label in grading.USE_LABELS:
        assert f'id="{label.anchor}"' in page
        assert label.text in page
    for level in ("High", "Moderate", "Low", "Very low", "Not assessed"):
        assert level in page
    assert "GRADE" in page
    for path in ("/uses/", "/uses/cancer/", "/uses/multiple-sclerosis/"):
        html = client.get(path).content.decode()
        links = re.findall(
            r'<a class="label tone-\w+" href="/how-we-grade-evidence/#([\w-]+)"', html
        )
        assert links, path
        for anchor in links:
            assert f'id="{anchor}"' in page


def test_the_grading_page_names_the_uses_under_each_label(article, client):
    page = client.get("/how-we-grade-evidence/").content.decode()
    section = page.split(f'id="{grading.CASE_REPORTS.anchor}"', 1)[1].split("</div>", 1)[0]
    assert ">Cancer</a>" in section


# --- the passage: claims are marked in its text, never in its markup ---------------------------


def numbered(*claims):
    return [{"number": number, "claim": claim} for number, claim in enumerate(claims, 1)]


def test_a_claim_is_marked_only_in_text_so_the_markup_stays_whole():
    from uses.presenters import annotated_passage

    body = "See [Stanford](https://stanford.edu/x), a p. It helps\nacross lines & more.\n\n- b"
    claims = numbered("stanford.edu", "p", "It helps across lines & more.", "class", "b")
    passage, unplaced = annotated_passage(body, claims)
    html = "".join(block["html"] for block in passage)
    assert 'href="https://stanford.edu/x"' in html  # the address is untouched
    assert '<mark class="claim" id="claim-2">p</mark>' in html
    assert '<mark class="claim" id="claim-3">It helps\nacross lines &amp; more.</mark>' in html
    assert '<li><mark class="claim" id="claim-5">b</mark>' in html
    assert [item["claim"] for item in unplaced] == ["stanford.edu", "class"]
    assert [[item["number"] for item in block["evidence"]] for block in passage] == [[2, 3], [5]]


def test_a_claim_inside_a_link_is_listed_on_its_own_not_nested():
    from uses.presenters import annotated_passage

    passage, unplaced = annotated_passage("[It helps.](https://x.org)", numbered("It helps."))
    assert "<mark" not in passage[0]["html"] and [item["number"] for item in unplaced] == [1]


@pytest.mark.parametrize(
    ("claim", "labels"),
    [
        ("Studies found no benefit.", ("studies_mentioned", "very_low", "benefit")),
        ("It showed no improvement in pain.", ("none", "not_assessed", "benefit")),
        ("It did not reduce pain.", ("none", "not_assessed", "benefit")),
        ("Naltrexone is not effective here.", ("none", "not_assessed", "mixed")),
        ("It is not FDA-approved for this.", ("regulatory", "not_assessed", "unclear")),
        ("No randomized trials have been done.", ("randomised", "low", "unclear")),
        ("There is no research on this.", ("studies_mentioned", "low", "unclear")),
        ("Trials are ongoing to see if it helps.", ("studies_mentioned", "low", "benefit")),
        ("There have been case studies where patients saw benefits.",
         ("studies_mentioned", "low", "benefit")),
    ],
)  # fmt: skip
def test_denials_and_pending_studies_never_count_as_evidence(claim, labels):
    design, certainty, direction = labels
    item = {"claim": claim, "design": design, "certainty": certainty, "direction": direction}
    assert overstatements(item)


@pytest.mark.parametrize(
    ("claim", "direction"),
    [
        ("Studies found no benefit.", "no_benefit"),
        ("It did not reduce pain.", "no_benefit"),
        ("It can make symptoms worse.", "harm"),
    ],
)
def test_an_honest_negative_label_is_not_flagged(claim, direction):
    item = {"claim": claim, "design": "none", "certainty": "not_assessed", "direction": direction}
    assert overstatements(item) == []


PROPER_NAMES = {
    "crohns-disease": "Crohn’s disease", "hashimotos-disease": "Hashimoto’s disease",
    "parkinsons-disease": "Parkinson’s disease", "lyme-disease": "Lyme disease",
    "ocd": "Obsessive-compulsive disorder (OCD)",
}  # fmt: skip


def test_proper_names_keep_their_case_wherever_a_page_names_them(article, client):
    paths = ("/", "/evidence/", "/how-we-grade-evidence/")
    pages = {path: client.get(path).content.decode() for path in paths}
    pages["/uses/"] = "".join(client.get(f"/uses/?page={page}").content.decode() for page in (1, 2))
    for slug, name in PROPER_NAMES.items():
        html = client.get(f"/uses/{slug}/").content.decode()
        assert f"<h1>{name}</h1>" in html
        assert f"<title>{name} ·" in html and f'content="{name}' in html  # og:title
        for path, page in pages.items():
            assert f">{name}</a>" in page, (path, name)


@pytest.mark.parametrize("label", grading.USE_LABELS, ids=lambda label: label.anchor)
def test_a_label_links_to_its_explanation_on_the_grading_page(label):
    assert label.explained_at == f"{reverse('uses:grading')}#{label.anchor}"

"""The one test module that uses the article fixtures: they load, publish and stay faithful."""

import json
import re
from html import unescape
from pathlib import Path
from xml.etree import ElementTree

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils.html import escape

from uses.models import Condition, Evidence, Publication, Source, Topic

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
FIXTURES = Path(settings.BASE_DIR, "fixtures")
ARTICLE = (FIXTURES / "source-article.txt").read_text()
FDA_APPROVED = {"alcohol-dependence", "opioid-addiction"}
# Every use the article names, including those whose heading the text lost.
USES = FDA_APPROVED | {
    "pain-disorders", "fibromyalgia", "chronic-pain", "nerve-pain", "rheumatoid-arthritis",
    "other-forms-of-arthritis", "depression", "anxiety", "autoimmune-diseases", "cancer",
    "multiple-sclerosis", "hashimotos-disease", "lupus", "crohns-disease", "lyme-disease",
    "ulcerative-colitis", "parkinsons-disease", "chronic-fatigue-syndrome", "bipolar-disorder",
    "ocd",
}  # fmt: skip
TOPICS = {
    "overview", "mechanism-of-action", "how-naltrexone-works", "how-long-it-takes",
    "best-time-to-take", "contraindications", "getting-help",
}  # fmt: skip


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_load_article_publishes_every_use_with_its_approval_status(article):
    published = Publication.objects.current().conditions()
    assert set(published.values_list("slug", flat=True)) == USES
    approved = published.filter(approval="fda_approved").values_list("slug", flat=True)
    assert set(approved) == FDA_APPROVED
    assert set(published.filter(evidence_label="FDA-approved").values_list("slug", flat=True)) == (
        FDA_APPROVED
    )
    assert not published.filter(approval="fda_approved", regimen="low_dose").exists()
    assert published.exclude(slug__in=FDA_APPROVED).filter(regimen="low_dose").count() == 20


def test_load_article_publishes_the_topics_and_the_overview(article):
    topics = Publication.objects.current().exclude(kind="condition")
    assert set(topics.values_list("slug", flat=True)) == TOPICS
    assert Publication.objects.current().overview().get().slug == "overview"


def test_the_article_is_published_as_reviewed_by_its_reviewer_on_its_dates(article):
    for publication in Publication.objects.select_related("reviewer", "author"):
        assert publication.reviewer.name == "Michael Espelin"
        assert publication.reviewer.credentials == "APRN"
        assert publication.author.name == "Olivier George"
        assert str(publication.reviewed_on) == "2020-06-24"
        assert str(publication.first_published_on) == "2019-06-07"
        assert publication.approved_by is None


def test_load_article_twice_changes_nothing(article):
    before = list(Publication.objects.values_list("pk", "snapshot", "is_current"))
    conditions = list(Condition.objects.values())
    call_command("load_article", verbosity=0)
    assert list(Publication.objects.values_list("pk", "snapshot", "is_current")) == before
    assert list(Condition.objects.values()) == conditions


def test_load_article_never_overwrites_an_editors_work(article):
    Condition.objects.filter(slug="lupus").update(summary="Edited by an editor")
    call_command("load_article", verbosity=0)
    assert Condition.objects.get(slug="lupus").summary == "Edited by an editor"


def test_every_claim_is_the_articles_own_words(article):
    text = squash(ARTICLE)
    for evidence in Evidence.objects.all():
        assert squash(evidence.claim) in text, evidence.claim


def test_bodies_keep_the_articles_paragraphs(article):
    text = squash(ARTICLE)
    for entry in [*Condition.objects.all(), *Topic.objects.all()]:
        for paragraph in entry.body.split("\n\n"):
            if paragraph.startswith("## "):
                paragraph = paragraph.removeprefix("## ")
            assert squash(paragraph) in text, paragraph


def test_sources_are_never_invented(article):
    for source in Source.objects.all():
        assert source.mentioned_only
        assert not (source.doi or source.pmid or source.trial_id or source.url)
        # The article names no author, publisher or year for anything it mentions.
        assert (source.authors, source.publisher, source.year) == ("", "", None), source.key


# Each mention's name: the article's own words for what it mentions (see fixtures/sources.json).
MENTIONS = {
    "fda-approval": "FDA-approved naltrexone uses",
    "limited-studies-pain-disorders": "Limited studies",
    "stanford-fibromyalgia": "Studies conducted by Stanford University",
    "short-term-studies-fibromyalgia": "Short-term studies",
    "limited-studies-chronic-pain": "The studies on its safety and efficacy",
    "limited-research-depression": "Limited research",
    "bihari-aids-observations": "Dr. Bernard Bihari observed…",
    "clinical-tests-autoimmune": "Clinical tests",
    "case-studies-cancer": "Case studies",
    "small-randomised-studies-ms": "A few small, randomized studies",
    "limited-studies-lupus": "Limited studies",
    "small-studies-crohns": "The studies",
    "limited-research-ibs": "Limited research",
    "small-studies-ocd": "Small studies",
}


def test_every_mention_is_named_and_quoted_in_the_articles_words(article):
    assert dict(Source.objects.values_list("key", "title")) == MENTIONS
    text = squash(ARTICLE)
    for source in Source.objects.all():
        assert squash(source.note) in text, source.key
        # The name is a run of the quoted sentence's words; only its first letter may be raised,
        # and "…" marks where a clause is cut.
        name = source.title.removesuffix("…")
        assert (name in source.note) or (name[0].lower() + name[1:] in source.note), source.key


def test_sources_page_shows_each_mention_in_the_articles_words(article, client):
    html = client.get("/sources/").content.decode()
    assert "No published use gives a reference yet." in html
    assert "<cite" not in html
    for source in Source.objects.all():
        assert escape(source.note) in html, source.key
        assert f'id="mention-{source.key}"' in html
    assert "Bernard Bihari." not in html  # never shown as an author


def test_claims_without_a_source_are_marked_citation_needed(article):
    for evidence in Evidence.objects.prefetch_related("sources"):
        assert evidence.citation_needed != bool(list(evidence.sources.all())), evidence.claim


def test_the_articles_wording_drives_the_grades(article):
    def grade(fragment):
        evidence = Evidence.objects.get(claim__contains=fragment)
        return evidence.design, evidence.certainty, evidence.direction

    assert grade("a few small, randomized studies")[:2] == ("randomised", "low")
    assert grade("there have been case studies")[:2] == ("case_reports", "very_low")
    assert grade("could actually cause depression")[2] == "harm"
    assert grade("Studies conducted by Stanford University")[0] == "studies_mentioned"


def test_people_carry_their_credentials_and_bios(article, client):
    html = client.get("/people/michael-espelin/").content.decode()
    assert "Michael Espelin, APRN" in html
    assert "psychopharmacology" in html
    html = client.get("/people/olivier-george/").content.decode()
    assert "Olivier George, Ph.D." in html


def test_the_published_article_reads_as_a_site(article, client):
    home = client.get("/").content.decode()
    assert "Naltrexone Uses And Mechanism Of Action" in home
    assert "Last medically reviewed" in home
    assert "June 7, 2019" in home and "June 24, 2020" in home
    page = client.get("/uses/fibromyalgia/").content.decode()
    assert "Stanford University" in page
    for slug in USES:
        assert client.get(f"/uses/{slug}/").status_code == 200
    for slug in TOPICS - {"overview"}:
        assert client.get(f"/topics/{slug}/").status_code == 200


ATOM = "{http://www.w3.org/2005/Atom}"
# Summaries are read before the article's passage and its quoted claims, so they restate them in
# plain words, all in one attributed form, and never quote them (no run of QUOTE_WORDS words).
ATTRIBUTION = "The article says "
QUOTE_WORDS = 8
SUMMARY_CHARS = 300


def fixture_rows(name: str, model: str) -> list[dict]:
    rows = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return [row for row in rows if row["model"] == model]


CONDITIONS = fixture_rows("conditions.json", "uses.condition")
TOPIC_ROWS = fixture_rows("topics.json", "uses.topic")
CLAIMS = fixture_rows("evidence.json", "uses.evidence")
ENTRIES = [
    pytest.param(row, id=f"{row['model'].removeprefix('uses.')}:{row['fields']['slug']}")
    for row in CONDITIONS + TOPIC_ROWS
]


def word_runs(text: str, length: int = QUOTE_WORDS) -> set[tuple[str, ...]]:
    """Every run of ``length`` words, so quotes, case, punctuation and hyphens hide no copying."""
    text = re.sub("['\u2018\u2019]", "", text.lower())  # an apostrophe never splits a word
    words = re.sub(r"[^\w\s]", " ", text).split()
    return {tuple(words[i : i + length]) for i in range(len(words) - length + 1)}


def test_word_runs_see_through_quotes_case_and_punctuation():
    quoted = "For Crohn\u2019s patients, \u201cVivitrol\u201d has been VERY promising."
    assert word_runs("for crohn's patients vivitrol has been very promising") == word_runs(quoted)
    assert not word_runs("Seven words are never a run here")


@pytest.mark.parametrize("row", ENTRIES)
def test_summaries_are_short_attributed_and_curly(row):
    summary = row["fields"]["summary"]
    assert len(summary) <= SUMMARY_CHARS, summary
    assert summary.startswith(ATTRIBUTION), summary
    assert "'" not in summary and '"' not in summary, "use the article's curly quotes"


@pytest.mark.parametrize("row", ENTRIES)
def test_summaries_restate_the_article_and_never_quote_it(row):
    summary = row["fields"]["summary"]
    copied = word_runs(summary) & word_runs(ARTICLE)
    assert not copied, " / ".join(" ".join(run) for run in sorted(copied))
    if row["model"] == "uses.condition":
        claims = [c["fields"]["claim"] for c in CLAIMS if c["fields"]["condition"] == row["pk"]]
        assert claims, "every use has a claim to compare with"
        for claim in claims:
            assert not word_runs(summary) & word_runs(claim), claim


def test_summaries_of_the_fda_approved_uses_say_so():
    for row in CONDITIONS:
        approved = row["fields"]["approval"] == "fda_approved"
        says_so = "is an FDA-approved use" in row["fields"]["summary"]
        assert approved == says_so, row["fields"]["slug"]


def text_of(html: str, tag: str) -> str:
    """The text of the first ``tag`` element, tags stripped and entities decoded."""
    inner = re.search(rf"<{tag}(?:\s[^>]*)?>(.*?)</{tag}>", html, re.S)
    assert inner, tag
    return squash(unescape(re.sub(r"<[^>]+>", "", inner.group(1))))


def test_names_keep_the_case_the_article_gives_them(article, client):
    """Names such as Crohn's disease and (OCD) are shown as stored, never recased."""
    feed = ElementTree.fromstring(client.get("/feed/").content)
    feed_titles = {entry.findtext(f"{ATOM}title") for entry in feed.iter(f"{ATOM}entry")}
    for condition in Condition.objects.all():
        html = client.get(f"/uses/{condition.slug}/").content.decode()
        assert condition.name in text_of(html, "h1"), condition.name
        assert condition.name in text_of(html, "title"), condition.name
        data = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
        assert json.loads(data.group(1))["name"] == condition.name
        assert condition.name in feed_titles, condition.name


def test_the_editorial_policy_names_only_the_configured_address(article, client, settings):
    settings.EDITORIAL_EMAIL = ""
    html = client.get("/editorial-policy/").content.decode()
    assert "How pages are reviewed" in html and "Not medical advice" in html
    assert "mailto:" not in html and "localhost" not in html and "Report an error" not in html
    settings.EDITORIAL_EMAIL = "editors@naltrexone.example"
    html = client.get("/editorial-policy/").content.decode()
    assert html.count('<h2 id="report-an-error">') == 1
    assert html.count("mailto:editors@naltrexone.example") == 2  # the section and the footer

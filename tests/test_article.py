"""The one test module that uses the article fixtures: they load, publish and stay faithful."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils.html import escape

from uses.models import Condition, Evidence, Publication, Source, Topic

pytestmark = pytest.mark.django_db

ARTICLE = Path(settings.BASE_DIR, "fixtures", "source-article.txt").read_text()
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


@pytest.fixture
def article(db):
    call_command("load_article", verbosity=0)


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
    assert grade("Studies conducted by Stanford University")[0] == "observational"


def test_people_carry_their_credentials_and_bios(article, client):
    html = client.get("/people/michael-espelin/").content.decode()
    assert "Michael Espelin, APRN" in html
    assert "psychopharmacology" in html
    html = client.get("/people/olivier-george/").content.decode()
    assert "Olivier George, Ph.D." in html


def test_the_published_article_reads_as_a_site(article, client):
    home = client.get("/").content.decode()
    assert "Naltrexone Uses And Mechanism Of Action" in home
    assert "Medically reviewed by" in home
    assert "June 7, 2019" in home and "June 24, 2020" in home
    page = client.get("/uses/fibromyalgia/").content.decode()
    assert "Stanford University" in page
    for slug in USES:
        assert client.get(f"/uses/{slug}/").status_code == 200
    for slug in TOPICS - {"overview"}:
        assert client.get(f"/topics/{slug}/").status_code == 200

"""Sources are what the article says they are: a mention is shown as a mention, in the article's
words; only a source with an identifier a reviewer approved is shown, and structured, as a
citation."""

import contextlib
import os
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils.html import escape

from tests import factories
from tests.test_public_views import json_ld
from uses.models import Publication, Source
from uses.presenters import present
from uses.serializers import is_reference, upgrade_snapshot
from uses.services import publish

ARTICLE_WORDS = (
    "Limited studies have found it to have a positive impact on symptom severity in several "
    "pain disorders."
)


def make_mention(**fields) -> Source:
    fields.setdefault("title", "Limited studies")
    fields.setdefault("note", ARTICLE_WORDS)
    return factories.make_source(mentioned_only=True, **fields)


def section(html: str, heading_id: str) -> str:
    """The HTML of the <section> labelled by the heading with ``heading_id``."""
    match = re.search(rf'<section aria-labelledby="{heading_id}">(.*?)</section>', html, flags=re.S)
    assert match, heading_id
    return match.group(1)


def item(html: str, item_id: str) -> str:
    match = re.search(rf'<li id="{item_id}"[^>]*>(.*?)</li>', html, flags=re.S)
    assert match, item_id
    return match.group(1)


# --- which sources are references: one rule on snapshot dicts ---------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ({"mentioned_only": False, "doi": "10.1000/xyz123"}, True),
        ({"mentioned_only": False, "url": "https://example.org/study"}, True),
        ({"mentioned_only": True}, False),
        # Older snapshots, or ones approved before references needed an identifier.
        ({"mentioned_only": False, "url": "", "doi": "", "pmid": "", "trial_id": ""}, False),
        ({"key": "old", "title": "A study"}, False),
        ({"key": "old", "title": "A study", "pmid": "31234567"}, True),
    ],
)
def test_a_source_is_a_reference_only_with_an_identifier_and_not_a_mention(source, expected):
    assert is_reference(source) is expected


def test_older_snapshots_gain_the_source_keys_they_lack():
    content = upgrade_snapshot({"sources": [{"key": "old", "title": "A study"}]})
    [source] = content["sources"]
    assert source["mentioned_only"] is False
    assert source["authors"] == source["publisher"] == source["url"] == source["note"] == ""
    assert source["year"] is None


# --- the database and the model -----------------------------------------------------------------


def test_a_reference_without_any_identifier_is_refused_by_the_database(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Source.objects.create(key="k", title="A trial", publisher="BMJ", year=2020)


@pytest.mark.parametrize("field", ["url", "doi", "pmid", "trial_id"])
def test_one_identifier_makes_a_reference(db, field):
    value = {
        "url": "https://example.org/trial",
        "doi": "10.1000/xyz123",
        "pmid": "31234567",
        "trial_id": "NCT01234567",
    }[field]
    source = Source(key="k", title="A trial", **{field: value})
    source.full_clean()
    source.save()


def test_a_reference_without_an_identifier_is_refused_by_validation_with_a_message(db):
    source = Source(key="k", title="A trial", publisher="BMJ", year=2020)
    with pytest.raises(ValidationError) as error:
        source.full_clean()
    [message] = error.value.message_dict["mentioned_only"]
    assert "needs a URL, DOI, PMID or trial id" in message
    assert "mentioned in the article only" in message
    assert "__all__" not in error.value.message_dict  # said once, by the field, not twice


def test_mentions_with_the_same_words_are_told_apart_where_editors_pick_them(client, editor):
    make_mention(key="limited-studies-pain")
    make_mention(key="limited-studies-lupus", note="Limited studies have found that it…")
    client.force_login(editor)
    response = client.get(
        "/admin/autocomplete/",
        {"term": "limited", "app_label": "uses", "model_name": "evidence", "field_name": "sources"},
    )
    assert [result["text"] for result in response.json()["results"]] == [
        "Limited studies (mention: limited-studies-lupus)",
        "Limited studies (mention: limited-studies-pain)",
    ]


def test_a_mention_needs_no_identifier(db):
    mention = Source(key="k", title="Limited studies", mentioned_only=True, note=ARTICLE_WORDS)
    mention.full_clean()
    mention.save()


# --- the use page ------------------------------------------------------------------------------


@pytest.fixture
def use_with_both(reviewer):
    """A use citing a mention (cited first) and a reference."""
    mention = make_mention(key="a-mention", authors="Kept Author", publisher="Kept Press")
    reference = factories.make_source(
        key="z-reference", title="A randomised trial", authors="Smith J", pmid="31234567"
    )
    condition = factories.make_condition(name="Fibromyalgia", slug="fibromyalgia")
    factories.make_evidence(condition, claim="It eases pain.", sources=[mention], position=1)
    factories.make_evidence(condition, claim="It eases fatigue.", sources=[reference], position=2)
    publish(entry=condition, reviewer=reviewer)
    return {"mention": mention, "reference": reference}


def test_a_mention_on_a_use_page_is_no_citation(client, use_with_both):
    html = client.get("/uses/fibromyalgia/").content.decode()
    sources = section(html, "sources")
    assert '<h2 id="sources">Sources and mentions</h2>' in sources
    mention = item(sources, "source-2")
    assert "<cite" not in mention and "<em" not in mention and "<i>" not in mention
    assert "Limited studies" in mention
    # The passage above shows the article's words once; /sources/ quotes them.
    assert escape(ARTICLE_WORDS) not in mention
    assert "No reference given" in mention
    assert "Kept Author" not in html and "Kept Press" not in html
    assert "{#" not in html and "Needs: source" not in html  # no template comment shows


def test_a_reference_on_a_use_page_is_a_citation(client, use_with_both):
    sources = section(client.get("/uses/fibromyalgia/").content.decode(), "sources")
    reference = item(sources, "source-1")
    assert "<cite>A randomised trial</cite>" in reference
    assert "Smith J" in reference
    assert "https://pubmed.ncbi.nlm.nih.gov/31234567/" in reference
    assert "No reference given" not in reference


def test_use_page_groups_references_then_mentions_and_numbers_stay_linked(client, use_with_both):
    html = client.get("/uses/fibromyalgia/").content.decode()
    sources = section(html, "sources")
    assert sources.index("References") < sources.index(
        "Mentioned in the article, no reference given"
    )
    assert '<ol class="source-list mention-list" start="2">' in sources
    # Each claim's grade still leads to its own source, and says what kind it is.
    pain = html.split("It eases pain.", 1)[1].split("</li>", 1)[0]
    assert re.search(r'The article mentions: <a href="#source-2">2\. [^<]*</a>, with no ref', pain)
    fatigue = html.split("It eases fatigue.", 1)[1].split("</li>", 1)[0]
    assert re.search(r'Reference: <a href="#source-1">1\. A randomised trial</a>', fatigue)


def test_a_use_with_only_mentions_has_no_references_heading(client, reviewer):
    condition = factories.make_condition(name="Lupus", slug="lupus")
    factories.make_evidence(condition, sources=[make_mention()])
    publish(entry=condition, reviewer=reviewer)
    sources = section(client.get("/uses/lupus/").content.decode(), "sources")
    assert "References" not in sources
    assert "Mentioned in the article, no reference given" in sources
    assert 'id="source-1"' in sources


def test_json_ld_cites_references_and_never_mentions(client, use_with_both):
    data = json_ld(client.get("/uses/fibromyalgia/").content.decode())[0]
    assert [work["name"] for work in data["citation"]] == ["A randomised trial"]
    assert "Limited studies" not in str(data)


def test_json_ld_has_no_citation_when_the_article_only_mentions(client, reviewer):
    condition = factories.make_condition(name="Lupus", slug="lupus")
    factories.make_evidence(condition, sources=[make_mention()])
    publish(entry=condition, reviewer=reviewer)
    data = json_ld(client.get("/uses/lupus/").content.decode())[0]
    assert "citation" not in data


def test_an_older_snapshot_reference_without_identifiers_shows_as_a_mention(client, reviewer):
    """What was approved before references needed an identifier is shown for what it is."""
    _, publication = factories.make_published_condition(
        name="Crohns", slug="crohns", reviewer=reviewer
    )
    snapshot = publication.snapshot
    [old] = snapshot["sources"]
    snapshot["sources"] = [
        {"key": old["key"], "title": "An old study", "authors": "Smith J", "publisher": "BMJ"}
    ]
    Publication.objects.filter(pk=publication.pk).update(snapshot=snapshot)

    html = client.get("/uses/crohns/").content.decode()
    mention = item(section(html, "sources"), "source-1")
    assert "An old study" in mention and "No reference given" in mention
    assert "<cite" not in mention and "Smith J" not in html and "BMJ" not in html
    assert "citation" not in json_ld(html)[0]


def test_present_numbers_references_before_mentions(use_with_both):
    publication = Publication.objects.current().get(slug="fibromyalgia")
    content = present(publication)
    assert [s["key"] for s in content["references"]] == ["z-reference"]
    assert [s["key"] for s in content["mentions"]] == ["a-mention"]
    assert [(s["key"], s["number"]) for s in content["sources"]] == [
        ("z-reference", 1),
        ("a-mention", 2),
    ]


# --- the sources page ----------------------------------------------------------------------------


def test_sources_page_says_what_it_lists_and_separates_mentions(client, use_with_both, reviewer):
    other = factories.make_condition(name="Lupus", slug="lupus")
    factories.make_evidence(other, sources=[use_with_both["mention"]])
    publish(entry=other, reviewer=reviewer)

    html = client.get("/sources/").content.decode()
    assert "<title>Sources and mentions" in html
    assert len(re.findall(r"<h1[\s>]", html)) == 1
    assert "<table" not in html
    references = section(html, "references")
    mentions = section(html, "mentions")
    assert '<h2 id="references">References <span class="count">(1)</span></h2>' in references
    assert (
        '<h2 id="mentions">Mentioned in the article, no reference given '
        '<span class="count">(1)</span></h2>'
    ) in mentions

    assert "<cite>A randomised trial</cite>" in references
    assert 'href="/uses/fibromyalgia/"' in item(references, "reference-z-reference")
    assert "Limited studies" not in references

    mention = item(mentions, "mention-a-mention")
    assert "Limited studies" in mention and escape(ARTICLE_WORDS) in mention
    assert "No reference given" in mention
    assert "<cite" not in mention and "Kept Author" not in html and "Kept Press" not in html
    assert 'href="/uses/fibromyalgia/"' in mention and 'href="/uses/lupus/"' in mention
    assert "{#" not in html and "Needs: source" not in html


def test_sources_page_says_so_when_no_use_gives_a_reference(client, reviewer):
    condition = factories.make_condition(name="Lupus", slug="lupus")
    factories.make_evidence(condition, sources=[make_mention()])
    publish(entry=condition, reviewer=reviewer)
    references = section(client.get("/sources/").content.decode(), "references")
    assert "No published use gives a reference yet." in references


def test_sources_page_without_published_uses(client, db):
    html = client.get("/sources/").content.decode()
    assert "No published use cites or mentions any research yet." in html


# --- the data migration ---------------------------------------------------------------------


MIGRATION = "0007_sources_mentions_or_citations"
BEFORE = [("uses", "0006_review_visits")]
AFTER = [("uses", MIGRATION)]
SCRATCH = "migrating"  # the alias of the database these tests migrate


@pytest.fixture
def at_0006(django_db_blocker, tmp_path):
    """A database of the test's own, migrated from nothing to the schema before this migration.

    Rolling the shared test database back there and forward again afterwards took eleven
    migrations each way; this takes the six before it, and leaves the shared one alone."""
    with django_db_blocker.unblock(), scratch_database(tmp_path):
        yield migrate(BEFORE)


@contextlib.contextmanager
def scratch_database(tmp_path):
    """An empty database on the test database's server, as the connection ``SCRATCH``."""
    settings = {**connections[DEFAULT_DB_ALIAS].settings_dict}  # the test database's, as set up
    server = connections[DEFAULT_DB_ALIAS]
    if server.vendor == "sqlite":
        settings["NAME"] = str(tmp_path / "migrating.sqlite3")
    else:
        settings["NAME"] = f"{settings['NAME']}_{SCRATCH}_{os.getpid()}"  # one a test process
        name = server.ops.quote_name(settings["NAME"])
        with server._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name}")  # left by an interrupted run
            cursor.execute(f"CREATE DATABASE {name}")
    connections.settings[SCRATCH] = settings
    try:
        yield
    finally:
        connections[SCRATCH].close()
        del connections[SCRATCH]
        del connections.settings[SCRATCH]
        if server.vendor != "sqlite":
            with server._nodb_cursor() as cursor:
                cursor.execute(f"DROP DATABASE {name}")


def migrate(targets):
    """Migrate the scratch database to ``targets``; the models as they were there."""
    executor = MigrationExecutor(connections[SCRATCH])
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def rows(apps, model: str):
    return apps.get_model("uses", model).objects.using(SCRATCH)


def test_migration_turns_references_without_identifiers_into_mentions_and_back(at_0006):
    fields = {"title": "An old study", "authors": "Smith J", "publisher": "BMJ", "year": 2001}
    # Each data migration wrote to the database it migrated: 0002 made the roles there.
    groups = at_0006.get_model("auth", "Group").objects.using(SCRATCH)
    assert groups.filter(name="Editors").exists()
    old_sources = rows(at_0006, "Source")
    old_sources.create(key="bare", note="An editor's note.", **fields)
    old_sources.create(key="cited", title="A trial", doi="10.1000/xyz123")
    old_sources.create(key="mentioned", title="Limited studies", mentioned_only=True)

    apps = migrate(AFTER)
    sources = rows(apps, "Source")
    bare = sources.get(key="bare")
    assert bare.mentioned_only is True
    assert {name: getattr(bare, name) for name in fields} == fields  # nothing lost
    assert bare.note == "An editor's note."
    assert bare.revision == 1  # a form opened before the migration is a conflict, not a save
    assert sources.get(key="cited").mentioned_only is False
    assert sources.get(key="mentioned").mentioned_only is True
    [record] = rows(apps, "HistoricalSource").filter(key="bare")
    assert record.mentioned_only is True and record.history_type == "~"
    assert "mention" in record.history_change_reason

    old_sources = rows(migrate(BEFORE), "Source")
    assert old_sources.get(key="bare").mentioned_only is False
    assert old_sources.get(key="mentioned").mentioned_only is True
    assert old_sources.get(key="cited").mentioned_only is False


def test_migration_leaves_a_source_edited_since_alone_when_reversed(at_0006):
    rows(at_0006, "Source").create(key="bare", title="An old study")
    historical = rows(migrate(AFTER), "HistoricalSource")
    record = historical.get(key="bare")
    # An editor saved it afterwards: the mention is theirs now, not the migration's.
    historical.create(
        **{
            field.attname: getattr(record, field.attname)
            for field in historical.model._meta.concrete_fields
            if field.attname != "history_id"
        }
        | {"history_change_reason": None, "history_date": record.history_date}
    )
    assert rows(migrate(BEFORE), "Source").get(key="bare").mentioned_only is True


# --- the admin --------------------------------------------------------------------------------


def test_admin_refuses_a_reference_without_an_identifier_by_the_mention_box(client, editor):
    client.force_login(editor)
    data = {"key": "bare", "title": "A trial", "kind": "study", "note": ""}
    response = client.post("/admin/uses/source/add/", data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "needs a URL, DOI, PMID or trial id" in form.errors["mentioned_only"][0]
    assert not Source.objects.exists()

    response = client.post("/admin/uses/source/add/", {**data, "mentioned_only": "on"})
    assert response.status_code == 302
    assert Source.objects.get().mentioned_only


def test_admin_explains_mentions_and_references_to_editors(client, editor):
    client.force_login(editor)
    html = client.get("/admin/uses/source/add/").content.decode()
    assert "the article's own words" in html
    assert "No reference given" in html
    assert "a reviewer approves" in html

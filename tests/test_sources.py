"""Sources are what the article says they are: a mention is shown as a mention, in the article's
words; only a source with an identifier a reviewer approved is shown, and structured, as a
citation."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from uses.models import Source

ARTICLE_WORDS = (
    "Limited studies have found it to have a positive impact on symptom severity in several "
    "pain disorders."
)


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


def test_a_mention_needs_no_identifier(db):
    mention = Source(key="k", title="Limited studies", mentioned_only=True, note=ARTICLE_WORDS)
    mention.full_clean()
    mention.save()


# --- the data migration ---------------------------------------------------------------------


MIGRATION = "0007_sources_mentions_or_citations"
BEFORE = [("uses", "0006_review_visits")]
AFTER = [("uses", MIGRATION)]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def at_0006(transactional_db):
    """The schema before this migration; back to the latest one afterwards, whatever happens."""
    apps = migrate(BEFORE)
    yield apps
    executor = MigrationExecutor(connection)
    migrate(executor.loader.graph.leaf_nodes())


def test_migration_turns_references_without_identifiers_into_mentions_and_back(at_0006):
    OldSource = at_0006.get_model("uses", "Source")
    fields = {"title": "An old study", "authors": "Smith J", "publisher": "BMJ", "year": 2001}
    OldSource.objects.create(key="bare", note="An editor's note.", **fields)
    OldSource.objects.create(key="cited", title="A trial", doi="10.1000/xyz123")
    OldSource.objects.create(key="mentioned", title="Limited studies", mentioned_only=True)

    apps = migrate(AFTER)
    Source = apps.get_model("uses", "Source")
    bare = Source.objects.get(key="bare")
    assert bare.mentioned_only is True
    assert {name: getattr(bare, name) for name in fields} == fields  # nothing lost
    assert bare.note == "An editor's note."
    assert bare.revision == 1  # a form opened before the migration is a conflict, not a save
    assert Source.objects.get(key="cited").mentioned_only is False
    assert Source.objects.get(key="mentioned").mentioned_only is True
    history = apps.get_model("uses", "HistoricalSource").objects.filter(key="bare")
    [record] = history
    assert record.mentioned_only is True and record.history_type == "~"
    assert "mention" in record.history_change_reason

    apps = migrate(BEFORE)
    OldSource = apps.get_model("uses", "Source")
    assert OldSource.objects.get(key="bare").mentioned_only is False
    assert OldSource.objects.get(key="mentioned").mentioned_only is True
    assert OldSource.objects.get(key="cited").mentioned_only is False


def test_migration_leaves_a_source_edited_since_alone_when_reversed(at_0006):
    at_0006.get_model("uses", "Source").objects.create(key="bare", title="An old study")
    apps = migrate(AFTER)
    historical = apps.get_model("uses", "HistoricalSource")
    record = historical.objects.get(key="bare")
    # An editor saved it afterwards: the mention is theirs now, not the migration's.
    historical.objects.create(
        **{
            field.attname: getattr(record, field.attname)
            for field in historical._meta.concrete_fields
            if field.attname != "history_id"
        }
        | {"history_change_reason": None, "history_date": record.history_date}
    )
    apps = migrate(BEFORE)
    assert apps.get_model("uses", "Source").objects.get(key="bare").mentioned_only is True


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

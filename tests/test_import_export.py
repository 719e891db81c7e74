"""Import and export: natural keys, all or nothing, harmless previews, escaping, round trips."""

import json
import re

import pytest
import tablib
from django.contrib.auth.models import User
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from tests import factories
from uses import review
from uses.models import Condition, Evidence, Person, Publication, Source, Submission, Topic
from uses.resources import (
    WORKING_COPY_RESOURCES,
    ConditionResource,
    EvidenceResource,
    PublishedEntryResource,
    PublishedEvidenceResource,
    escape_formula,
    unescape_formula,
)

pytestmark = pytest.mark.django_db

FORMATS = ["csv", "xlsx", "json"]
FORMAT_INDEX = {"csv": 0, "xlsx": 1, "json": 2}  # the order of uses.admin.imports.FORMATS
EVIDENCE_HEADERS = ["key", "condition", "position", "claim", "design", "certainty", "direction",
                    "rationale", "sources", "citation_needed"]  # fmt: skip


def working_copy() -> dict:
    """Everything editors own, by natural key and without database ids."""

    def rows(resource_class):
        dataset = resource_class().export()
        return sorted(dataset.dict, key=lambda row: json.dumps(row, sort_keys=True, default=str))

    return {resource.__name__: rows(resource) for resource in WORKING_COPY_RESOURCES}


def export_all(fmt: str) -> dict:
    return {r.__name__: getattr(r().export(), fmt) for r in WORKING_COPY_RESOURCES}


def empty_working_copy():
    Evidence.objects.all().delete()
    Submission.objects.all().delete()
    Publication.objects.all().delete()
    Condition.objects.all().delete()
    Topic.objects.all().delete()
    Source.objects.all().delete()
    Person.objects.all().delete()


def import_all(files: dict, fmt: str):
    for resource_class in WORKING_COPY_RESOURCES:
        dataset = tablib.Dataset().load(files[resource_class.__name__], format=fmt)
        result = resource_class().import_data(dataset, dry_run=False)
        errors = [row.error_dict for row in result.invalid_rows]
        errors += [(e.error, e.row) for _, row_errors in result.row_errors() for e in row_errors]
        errors += [e.error for e in result.base_errors]
        assert errors == [], resource_class.__name__


def build_working_copy():
    author = factories.make_person(name="Ada Author", slug="ada", bio="Writes *clearly*.")
    source = factories.make_source(
        key="trial",
        doi="10.1000/xyz123",
        pmid="31234567",
        trial_id="NCT01234567",
        url="https://example.org/t",
    )
    mentioned = factories.make_source(key="mentioned", mentioned_only=True, year=None)
    lupus = factories.make_condition(
        name="Lupus",
        slug="lupus",
        author=author,
        oral=True,
        category="autoimmune",
        body="=SUM(A1) is text here",
    )
    factories.make_evidence(
        lupus, claim="-5 is not a formula", sources=[source, mentioned], key="lupus-1", position=1
    )
    factories.make_evidence(lupus, claim="Unsourced.", citation_needed=True, key="lupus-2")
    factories.make_topic(title="Timing", slug="timing", author=author, is_overview=False)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_full_export_rebuilds_an_identical_working_copy(fmt):
    build_working_copy()
    before = working_copy()
    files = export_all(fmt)
    empty_working_copy()
    import_all(files, fmt)
    assert working_copy() == before


def test_the_article_fixtures_survive_a_round_trip():
    call_command("loaddata", "people", "sources", "conditions", "evidence", "topics", verbosity=0)
    before = working_copy()
    assert len(before["EvidenceResource"]) == 40
    files = export_all("csv")
    empty_working_copy()
    import_all(files, "csv")
    assert working_copy() == before


def test_foreign_keys_and_sources_are_exported_by_natural_key():
    build_working_copy()
    row = next(r for r in EvidenceResource().export().dict if r["key"] == "lupus-1")
    assert row["condition"] == "lupus"
    assert row["sources"] == "mentioned,trial"
    assert "id" not in row
    assert ConditionResource().export().dict[0]["author"] == "ada"


@pytest.mark.parametrize("fmt", FORMATS)
def test_formula_cells_are_escaped_in_every_format(fmt):
    build_working_copy()
    exported = getattr(EvidenceResource().export(), fmt)
    dataset = tablib.Dataset().load(exported, format=fmt)
    claims = dataset["claim"]
    assert "'-5 is not a formula" in claims
    bodies = tablib.Dataset().load(getattr(ConditionResource().export(), fmt), format=fmt)["body"]
    assert bodies == ["'=SUM(A1) is text here"]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_escape_and_unescape_are_inverse(start):
    value = f"{start}cmd|' /C calc'!A0"
    assert escape_formula(value) == "'" + value
    assert unescape_formula(escape_formula(value)) == value
    assert escape_formula("plain") == "plain"
    assert unescape_formula("'quoted") == "'quoted"


# --- all or nothing, through the admin -------------------------------------------------------


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def upload(client, model: str, content, *, fmt="csv", name=None):
    data = content if isinstance(content, bytes) else content.encode()
    file = SimpleUploadedFile(name or f"import.{fmt}", data)
    return client.post(
        reverse(f"admin:uses_{model}_import"),
        {"resource": "0", "format": FORMAT_INDEX[fmt], "import_file": file},
    )


def confirm(client, model: str, response):
    form = response.context["confirm_form"]
    return client.post(reverse(f"admin:uses_{model}_process_import"), form.initial)


def evidence_csv(*rows, headers=EVIDENCE_HEADERS) -> str:
    dataset = tablib.Dataset(headers=headers)
    for row in rows:
        dataset.append(row)
    return dataset.csv


def good_row(key="lupus-new", **overrides):
    row = {
        "key": key,
        "condition": "lupus",
        "position": 3,
        "claim": "It helps.",
        "design": "observational",
        "certainty": "low",
        "direction": "benefit",
        "rationale": "",
        "sources": "trial",
        "citation_needed": "",
    }
    row.update(overrides)
    return [row[h] for h in EVIDENCE_HEADERS]


@pytest.fixture
def lupus(db):
    condition = factories.make_condition(name="Lupus", slug="lupus")
    factories.make_source(key="trial")
    return condition


def database_state():
    return (
        list(Evidence.objects.values()),
        list(Evidence.history.values_list("pk", flat=True)),
        list(Source.objects.values()),
    )


BAD_FILE_IDS = [
    "missing-column", "unknown-choice", "unknown-source", "unknown-use", "duplicate-key",
    "citation-rule", "too-long", "header-only",
]  # fmt: skip


@pytest.mark.parametrize(
    ("content", "messages"),
    [
        (
            evidence_csv(good_row(), headers=EVIDENCE_HEADERS).replace("condition,", "use,", 1),
            ["lacks the column(s) condition"],
        ),
        (
            evidence_csv(good_row(), good_row(key="x", design="astrology")),
            ["Row 2", "design", "astrology"],
        ),
        (
            evidence_csv(good_row(), good_row(key="x", sources="trial,nowhere")),
            ["Row 2", "sources", "Unknown source key(s): nowhere"],
        ),
        (
            evidence_csv(good_row(), good_row(key="x", condition="nowhere")),
            ["Row 2", "condition", "no use (condition) with the key “nowhere”"],
        ),
        (
            evidence_csv(good_row(), good_row()),
            ["Row 2", "appears more than once", "first on row 1"],
        ),
        (
            evidence_csv(good_row(key="x", sources="", citation_needed="")),
            ["Row 1", "citation_needed", "citation needed"],
        ),
        (evidence_csv(good_row(key="x" * 200)), ["Row 1", "key", "at most 140 characters"]),
        ("key,condition,claim,design,certainty,direction\n", ["No valid data to import"]),
    ],
    ids=BAD_FILE_IDS,
)
def test_a_bad_evidence_file_names_row_and_column_and_writes_nothing(
    editor_client, lupus, content, messages
):
    before = database_state()
    response = upload(editor_client, "evidence", content)
    html = response.content.decode()
    for message in messages:
        assert message in html, message
    assert "confirm_form" not in response.context or response.context["confirm_form"] is None
    assert database_state() == before


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (["bad-doi", "A study", "doi-without-prefix", "", ""], "doi", "Enter a DOI"),
        (["bad-pmid", "A study", "", "PMID123", ""], "pmid", "Enter a PubMed ID"),
        (["bad-trial", "A study", "", "", "NCT123"], "trial_id", "trial registry id"),
    ],
)
def test_malformed_identifiers_stop_a_source_import(editor_client, row, column, message):
    dataset = tablib.Dataset(headers=["key", "title", "doi", "pmid", "trial_id"])
    dataset.append(["good", "Fine", "10.1000/xyz123", "", ""])
    dataset.append(row)
    response = upload(editor_client, "source", dataset.csv)
    html = response.content.decode()
    assert "Row 2" in html and column in html and message in html
    assert not Source.objects.exists()


def test_a_reference_without_an_identifier_stops_a_source_import(editor_client):
    dataset = tablib.Dataset(headers=["key", "title", "doi", "mentioned_only", "note"])
    dataset.append(["good", "Fine", "10.1000/xyz123", "", ""])
    dataset.append(["limited", "Limited studies", "", "TRUE", "Limited studies have found…"])
    dataset.append(["bare", "A study we could not find", "", "", ""])
    html = upload(editor_client, "source", dataset.csv).content.decode()
    assert "Row 3" in html and "mentioned_only" in html
    assert "needs a URL, DOI, PMID or trial id" in html
    assert "Row 2" not in html
    assert not Source.objects.exists()


def test_unticking_a_mention_by_import_needs_an_identifier(editor_client):
    factories.make_source(key="limited", title="Limited studies", mentioned_only=True)
    before = database_state()
    dataset = tablib.Dataset(headers=["key", "title", "mentioned_only"])
    dataset.append(["limited", "Limited studies", "FALSE"])
    html = upload(editor_client, "source", dataset.csv).content.decode()
    assert "Row 1" in html and "mentioned_only" in html
    assert "needs a URL, DOI, PMID or trial id" in html
    assert database_state() == before


def test_wrong_encoding_empty_file_wrong_type_and_size_have_clear_messages(
    editor_client, lupus, settings
):
    latin1 = evidence_csv(good_row(claim="Café au lait")).encode("latin-1")
    assert "not UTF-8 text" in upload(editor_client, "evidence", latin1).content.decode()
    assert "The submitted file is empty." in upload(editor_client, "evidence", b"").content.decode()
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    html = upload(editor_client, "evidence", png, fmt="xlsx", name="photo.png").content.decode()
    assert "could not be read in the format chosen" in html
    settings.IMPORT_MAX_UPLOAD_BYTES = 100
    html = upload(editor_client, "evidence", evidence_csv(good_row(), good_row(key="b"))).content
    assert "the limit is 100" in html.decode()
    assert not Evidence.objects.exists()


def test_the_preview_is_harmless_and_the_confirmation_writes_the_working_copy_only(
    editor_client, client, lupus, editor, medical_reviewer, django_capture_on_commit_callbacks
):
    condition, _ = factories.make_published_condition(name="Crohns", slug="crohns")
    public_before = client.get("/uses/crohns/").content
    before = database_state()
    content = evidence_csv(good_row(), good_row(key="crohns-new", condition="crohns"))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        preview = upload(editor_client, "evidence", content)
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "New" in html and "It helps." in html
    assert database_state() == before
    assert callbacks == [] and mail.outbox == []

    done = confirm(editor_client, "evidence", preview)
    assert done.status_code == 302
    assert done["Location"] == reverse("admin:uses_submission_submit_imported")
    assert Evidence.objects.count() == 3
    imported = Evidence.history.filter(history_user=editor).values_list("key", flat=True)
    assert set(imported) == {"lupus-new", "crohns-new"}
    assert Publication.objects.filter(condition=condition).count() == 1
    assert client.get("/uses/crohns/").content == public_before

    page = editor_client.get(done["Location"]).content.decode()
    assert "Lupus" in page and "Crohns" in page
    editor_client.post(done["Location"], {"note": "Imported from the spreadsheet"})
    notes = set(Submission.objects.pending().values_list("note", flat=True))
    assert notes == {"Imported from the spreadsheet"}
    assert Submission.objects.pending().count() == 2
    assert client.get("/uses/crohns/").content == public_before
    review.approve(
        submission=Submission.objects.get(condition=condition), reviewer=medical_reviewer
    )
    assert "It helps." in client.get("/uses/crohns/").content.decode()


def test_the_upload_waits_in_the_shared_database_cache_between_preview_and_confirm(
    editor_client, lupus
):
    from django.core.cache import caches

    preview = upload(editor_client, "evidence", evidence_csv(good_row()))
    name = preview.context["confirm_form"].initial["import_file_name"]
    assert caches["imports"].get(f"django-import-export-{name}") is not None
    confirm(editor_client, "evidence", preview)
    assert caches["imports"].get(f"django-import-export-{name}") is None


def test_an_unchanged_row_changes_nothing_and_is_not_offered_for_review(editor_client, lupus):
    upload_and_confirm = lambda: confirm(  # noqa: E731
        editor_client, "evidence", upload(editor_client, "evidence", evidence_csv(good_row()))
    )
    upload_and_confirm()
    history = Evidence.history.count()
    second = upload_and_confirm()
    assert Evidence.history.count() == history
    assert second["Location"] == reverse("admin:uses_evidence_changelist")


# --- permissions ------------------------------------------------------------------------------

ROLE_ACCESS = {
    # role: (may import, may export)
    "anonymous": (False, False),
    "editor": (True, True),
    "reviewer": (False, True),
}


@pytest.mark.parametrize("role", ROLE_ACCESS)
@pytest.mark.parametrize("model", ["condition", "topic", "source", "evidence"])
def test_import_needs_add_and_change_and_export_needs_view(
    client, editor, medical_reviewer, role, model
):
    user = {"anonymous": None, "editor": editor, "reviewer": medical_reviewer}[role]
    if user:
        client.force_login(user)
    may_import, may_export = ROLE_ACCESS[role]
    imported = client.get(reverse(f"admin:uses_{model}_import"))
    exported = client.get(reverse(f"admin:uses_{model}_export"))
    if user is None:
        assert imported.status_code == exported.status_code == 302
        assert "/admin/login/" in imported["Location"]
        return
    assert imported.status_code == (200 if may_import else 403)
    assert exported.status_code == (200 if may_export else 403)


def test_crafted_confirmation_without_permission_is_refused(client, medical_reviewer, lupus):
    client.force_login(medical_reviewer)
    response = client.post(
        reverse("admin:uses_evidence_process_import"),
        {"import_file_name": "x", "original_file_name": "x.csv", "format": "0", "resource": "0"},
    )
    assert response.status_code == 403


def test_people_import_is_for_administrators_only(client, editor):
    client.force_login(editor)
    assert client.get(reverse("admin:uses_person_import")).status_code == 403
    superuser = User.objects.create_superuser("root", "r@example.com", "pw")
    client.force_login(superuser)
    assert client.get(reverse("admin:uses_person_import")).status_code == 200


def test_an_admin_export_downloads_the_working_copy(client, editor):
    build_working_copy()
    client.force_login(editor)
    response = client.post(
        reverse("admin:uses_evidence_export"),
        {
            "resource": "0",
            "format": FORMAT_INDEX["csv"],
            **{f"evidenceresource_{h}": "on" for h in EVIDENCE_HEADERS},
        },
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert text.splitlines()[0].startswith("key,condition")
    assert "'-5 is not a formula" in text


# --- the published record ---------------------------------------------------------------------


def test_the_published_export_is_what_the_public_sees(reviewer, editor, medical_reviewer):
    live, _ = factories.make_published_condition(name="Live", slug="live", reviewer=reviewer)
    gone, _ = factories.make_published_condition(name="Gone", slug="gone", reviewer=reviewer)
    review.approve(
        submission=review.withdraw(entry=gone, user=editor, note="Outdated"),
        reviewer=medical_reviewer,
    )
    draft = factories.make_condition(name="Draft", slug="draft")
    factories.make_evidence(draft, claim="Secret claim", citation_needed=True)
    live.summary = "Unreviewed edit"
    live.save()

    entries = PublishedEntryResource().export().dict
    assert [row["slug"] for row in entries] == ["live"]
    assert entries[0]["reviewed_by"] == reviewer.display_name
    assert "Unreviewed edit" not in json.dumps(entries)
    claims = PublishedEvidenceResource().export().dict
    assert {row["use"] for row in claims} == {"live"}
    assert "Secret claim" not in json.dumps(claims)


@pytest.mark.parametrize("resource", ["0", "1"])
def test_the_published_record_exports_from_the_admin(client, medical_reviewer, reviewer, resource):
    factories.make_published_condition(name="Live", slug="live", reviewer=reviewer)
    client.force_login(medical_reviewer)
    url = reverse("admin:uses_publication_export")
    assert client.get(url).status_code == 200
    form = client.get(url).context["form"]
    fields = {name: "on" for name in form.fields if name.startswith(("published", "publication"))}
    response = client.post(url, {"resource": resource, "format": "0", **fields})
    assert response.status_code == 200, response.content[:500]
    assert "live" in response.content.decode()


def test_the_public_never_reaches_an_export(client):
    for url in ["/admin/uses/publication/export/", "/admin/uses/evidence/export/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_an_expired_upload_is_refused_at_confirmation_with_a_message(editor_client, lupus):
    preview = upload(editor_client, "evidence", evidence_csv(good_row()))
    data = {**preview.context["confirm_form"].initial, "import_file_name": "0" * 32}
    response = editor_client.post(reverse("admin:uses_evidence_process_import"), data, follow=True)
    assert "Nothing was imported" in response.content.decode()
    assert not Evidence.objects.exists()


def test_text_longer_than_the_field_allows_is_refused(editor_client):
    dataset = tablib.Dataset(headers=["slug", "name", "category", "summary"])
    dataset.append(["lupus", "Lupus", "autoimmune", "x" * 601])
    html = upload(editor_client, "condition", dataset.csv).content.decode()
    assert "Row 1" in html and "summary" in html and "at most 600 characters" in html
    assert not Condition.objects.exists()


def test_moving_claims_offers_both_uses_for_review(editor_client, lupus):
    crohns = factories.make_condition(name="Crohns", slug="crohns")
    confirm(editor_client, "evidence", upload(editor_client, "evidence", evidence_csv(good_row())))
    moved = evidence_csv(good_row(condition="crohns"))
    confirm(editor_client, "evidence", upload(editor_client, "evidence", moved))
    page = editor_client.get(reverse("admin:uses_submission_submit_imported")).content.decode()
    assert "Lupus" in page and crohns.name in page


@pytest.mark.parametrize("value", ["A study\nBcc: x@example.com", "A study\x00", "Tab\there"])
def test_a_control_character_in_a_single_line_cell_is_a_row_error(editor_client, value):
    dataset = tablib.Dataset(headers=["key", "title", "doi", "pmid", "trial_id"])
    dataset.append(["good", "Fine", "", "", ""])
    dataset.append(["bad", value, "", "", ""])
    html = upload(editor_client, "source", dataset.csv).content.decode()
    assert "Row 2" in html and "title" in html and "line break or control character" in html
    assert not Source.objects.exists()


def test_a_file_exported_before_the_grading_vocabulary_changed_still_imports(lupus):
    from uses.resources import EvidenceResource

    old = good_row(certainty="insufficient", design="none", direction="unclear")
    dataset = tablib.Dataset().load(evidence_csv(old), format="csv")
    result = EvidenceResource().import_data(dataset, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert Evidence.objects.get(key="lupus-new").certainty == "not_assessed"


def pending_uploads() -> int:
    """Uploads kept for a confirmation (``uses.resources.PendingImportStorage``)."""
    from django.conf import settings
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM {connection.ops.quote_name(settings.IMPORT_CACHE_TABLE)}"
        )
        return cursor.fetchone()[0]


def test_a_spreadsheet_that_unpacks_past_the_limit_is_refused_before_it_is_opened(
    editor_client, lupus, settings
):
    """An XLSX is a zip: 800 KB of one repeated character unpacks to gigabytes in memory. Its
    members' sizes, from the zip's directory, are checked before the spreadsheet is read."""
    dataset = tablib.Dataset(headers=EVIDENCE_HEADERS)
    dataset.append(good_row(claim="a" * 30_000))
    spreadsheet = dataset.export("xlsx")
    assert len(spreadsheet) < 10_000  # it compresses 5:1 and more
    settings.IMPORT_MAX_UNPACKED_BYTES = 20_000
    html = upload(editor_client, "evidence", spreadsheet, fmt="xlsx").content.decode()
    assert "unpacks to" in html and "the limit is 19.5\xa0KB" in html
    assert not Evidence.objects.filter(key="lupus-new").exists()
    assert pending_uploads() == 0


def test_too_many_rows_and_too_long_cells_are_refused_with_where_they_are(
    editor_client, lupus, settings
):
    settings.IMPORT_MAX_ROWS = 2
    rows = [good_row(key=f"row-{number}") for number in range(3)]
    html = upload(editor_client, "evidence", evidence_csv(*rows)).content.decode()
    assert "3 rows; the limit is 2" in html
    settings.IMPORT_MAX_CELL_CHARS = 50
    long = [good_row(key="short"), good_row(key="long", claim="x" * 51, rationale="y" * 60)]
    html = upload(editor_client, "evidence", evidence_csv(*long)).content.decode()
    # Every cell past the limit, each by row and column, in one answer.
    assert "Row 2, column “claim”: 51 characters" in html
    assert "Row 2, column “rationale”: 60 characters" in html
    assert "the limit is 50" in html
    errors = re.search(r'<ul class="import-errors">(.*?)</ul>', html, re.DOTALL).group(1)
    assert errors.count("<li>") == 1  # that message alone
    assert not Evidence.objects.filter(key__in=["short", "long"]).exists()
    assert pending_uploads() == 0


def test_a_refused_upload_is_deleted_at_once_and_a_good_one_kept_only_until_confirmed(
    editor_client, lupus
):
    bad = evidence_csv(good_row(certainty="certain"))
    assert "certain" in upload(editor_client, "evidence", bad).content.decode()
    assert pending_uploads() == 0
    preview = upload(editor_client, "evidence", evidence_csv(good_row()))
    assert pending_uploads() == 1
    assert confirm(editor_client, "evidence", preview).status_code == 302
    assert pending_uploads() == 0


def test_an_upload_waits_an_hour_for_its_confirmation(editor_client, lupus):
    import datetime

    from django.conf import settings
    from django.db import connection

    upload(editor_client, "evidence", evidence_csv(good_row()))
    table = connection.ops.quote_name(settings.IMPORT_CACHE_TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT expires FROM {table}")
        (expires,) = cursor.fetchone()
    if isinstance(expires, str):  # SQLite gives the column's text
        expires = datetime.datetime.fromisoformat(expires)
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=datetime.UTC)
    left = expires - datetime.datetime.now(datetime.UTC)
    assert datetime.timedelta(minutes=59) < left <= datetime.timedelta(hours=1)

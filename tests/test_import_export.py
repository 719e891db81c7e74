"""Import and export: natural keys, all or nothing, harmless previews, escaping, round trips."""

import datetime
import json
import re

import pytest
import tablib
from django.contrib.auth.models import User
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.worker import run_queued_tasks
from uses import review
from uses.models import (
    Condition,
    Evidence,
    ImportStatus,
    Person,
    Publication,
    Source,
    Submission,
    Topic,
)
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
    """Upload a file and let a worker check it: the import's page, or the form when the upload
    itself is refused."""
    data = content if isinstance(content, bytes) else content.encode()
    file = SimpleUploadedFile(name or f"import.{fmt}", data)
    response = client.post(
        reverse(f"admin:uses_{model}_import"),
        {"resource": "0", "format": FORMAT_INDEX[fmt], "import_file": file},
    )
    if response.status_code != 302:
        return response
    run_queued_tasks()
    return client.get(response["Location"])


def confirm(client, model: str, response):
    """Confirm a checked file and let a worker import it: the import's page."""
    job = response.context["job"]
    done = client.post(reverse(f"admin:uses_{model}_import_confirm", args=[job.pk]))
    assert done.status_code == 302, done
    run_queued_tasks()
    return client.get(done["Location"])


def checked(response) -> bool:
    """Whether the upload was checked clean and waits for confirmation."""
    job = (response.context or {}).get("job")
    return job is not None and job.status == ImportStatus.READY


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
        ("key,condition,claim,design,certainty,direction\n", ["a header row but no data rows"]),
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
    assert not checked(response)
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
    editor_client, client, lupus, editor, medical_reviewer
):
    condition, _ = factories.make_published_condition(name="Crohns", slug="crohns")
    public_before = client.get("/uses/crohns/").content
    before = database_state()
    content = evidence_csv(good_row(), good_row(key="crohns-new", condition="crohns"))

    preview = upload(editor_client, "evidence", content)
    html = preview.content.decode()
    assert preview.status_code == 200 and checked(preview)
    assert "New" in html and "It helps." in html and "2 new" in html
    assert html.count("<ins>trial</ins>") == 2  # each row's sources, though none is written
    assert database_state() == before
    assert mail.outbox == []

    done = confirm(editor_client, "evidence", preview)
    job = done.context["job"]
    assert job.status == ImportStatus.IMPORTED and "2 new" in done.content.decode()
    assert Evidence.objects.count() == 3
    imported = Evidence.history.filter(history_user=editor).values_list("key", flat=True)
    assert set(imported) == {"lupus-new", "crohns-new"}
    assert Publication.objects.filter(condition=condition).count() == 1
    assert client.get("/uses/crohns/").content == public_before

    submit_url = reverse("admin:uses_submission_submit_imported", args=[job.pk])
    assert submit_url in done.content.decode()
    page = editor_client.get(submit_url).content.decode()
    assert "Lupus" in page and "Crohns" in page
    editor_client.post(submit_url, {"note": "Imported from the spreadsheet"})
    notes = set(Submission.objects.pending().values_list("note", flat=True))
    assert notes == {"Imported from the spreadsheet"}
    assert Submission.objects.pending().count() == 2
    assert client.get("/uses/crohns/").content == public_before
    review.approve(
        submission=Submission.objects.get(condition=condition), reviewer=medical_reviewer
    )
    assert "It helps." in client.get("/uses/crohns/").content.decode()


def test_what_an_import_changed_waits_for_its_editor_across_logins_once(
    client, editor, lupus, second_editor
):
    client.force_login(editor)
    done = confirm(client, "evidence", upload(client, "evidence", evidence_csv(good_row())))
    submit_url = reverse("admin:uses_submission_submit_imported", args=[done.context["job"].pk])
    client.logout()

    client.force_login(second_editor)  # another editor's import is not theirs to submit
    assert client.get(submit_url).status_code == 404
    assert client.post(submit_url, {"note": "x"}).status_code == 404

    client.force_login(editor)
    assert "Lupus" in client.get(submit_url).content.decode()
    client.post(submit_url, {"note": "After a new login"})
    client.post(submit_url, {"note": "A second click"})
    assert list(Submission.objects.values_list("note", flat=True)) == ["After a new login"]
    assert "nothing from an import waiting" in client.get(submit_url).content.decode()


def test_the_upload_waits_with_its_import_only_until_it_is_imported(editor_client, lupus):
    from uses.models import ImportJob

    preview = upload(editor_client, "evidence", evidence_csv(good_row()))
    job = ImportJob.objects.get()
    assert bytes(job.data).startswith(b"key,condition")
    confirm(editor_client, "evidence", preview)
    job.refresh_from_db()
    assert bytes(job.data) == b"" and job.status == ImportStatus.IMPORTED


def test_an_import_writes_citations_and_one_history_record_each_as_a_save_would(
    editor_client, lupus, editor
):
    trial, cohort = Source.objects.get(key="trial"), factories.make_source(key="cohort")
    as_in_file = {"design": "observational", "position": 3, "claim": "It helps."}
    factories.make_evidence(lupus, key="kept", sources=[trial], **as_in_file)
    factories.make_evidence(lupus, key="moved", sources=[trial, cohort], **as_in_file)
    history_before = Evidence.history.count()
    rows = [
        good_row(key="kept", sources="trial"),
        good_row(key="moved", claim="Changed.", sources="cohort"),
        good_row(key="fresh", sources="cohort,trial"),
    ]
    done = confirm(
        editor_client, "evidence", upload(editor_client, "evidence", evidence_csv(*rows))
    )
    assert done.context["job"].report["totals"]["skip"] == 1  # "kept" is unchanged

    def cited(key):
        return sorted(Evidence.objects.get(key=key).sources.values_list("key", flat=True))

    assert (cited("kept"), cited("moved"), cited("fresh")) == (
        ["trial"],
        ["cohort"],
        ["cohort", "trial"],
    )
    records = Evidence.history.filter(history_user=editor).order_by("key")
    assert [(r.key, r.history_type, r.claim) for r in records] == [
        ("fresh", "+", "It helps."),
        ("moved", "~", "Changed."),
    ]
    assert Evidence.history.count() == history_before + 2
    for record in records:  # each record holds the claim's citations as they now are
        through = record.sources.values_list("source__key", "id", "evidence_id")
        links = Evidence.objects.get(key=record.key).evidencesource_set
        assert sorted(through) == sorted(links.values_list("source__key", "id", "evidence_id"))


def test_a_file_of_many_existing_claims_is_read_and_written_in_chunks(
    editor_client, lupus, monkeypatch
):
    """Existing entries are looked up, and citations written, a chunk at a time: one query of
    10,000 keys was past SQLite's limits. Here a chunk is 10 rows, the file 25."""
    monkeypatch.setattr("uses.resources.BATCH", 10)
    trial = Source.objects.get(key="trial")
    for number in range(25):
        factories.make_evidence(lupus, key=f"claim-{number}", sources=[trial], position=3)
    rows = [good_row(key=f"claim-{number}", claim=f"Claim {number}.") for number in range(25)]
    done = confirm(
        editor_client, "evidence", upload(editor_client, "evidence", evidence_csv(*rows))
    )
    assert done.context["job"].report["totals"]["update"] == 25
    assert sorted(Evidence.objects.values_list("claim", flat=True)) == sorted(
        f"Claim {number}." for number in range(25)
    )
    assert set(Evidence.sources.through.objects.values_list("source__key", flat=True)) == {"trial"}
    assert Evidence.sources.through.objects.count() == 25


def test_an_unchanged_row_changes_nothing_and_is_not_offered_for_review(editor_client, lupus):
    upload_and_confirm = lambda: confirm(  # noqa: E731
        editor_client, "evidence", upload(editor_client, "evidence", evidence_csv(good_row()))
    )
    upload_and_confirm()
    history = Evidence.history.count()
    second = upload_and_confirm()
    assert Evidence.history.count() == history
    assert second.context["job"].entries == []
    assert "1 unchanged" in second.content.decode()
    assert "for review</a>" not in second.content.decode()


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


def test_crafted_confirmation_without_permission_is_refused(
    client, editor, medical_reviewer, second_editor, lupus
):
    client.force_login(editor)
    job = upload(client, "evidence", evidence_csv(good_row())).context["job"]
    pages = [
        reverse(f"admin:uses_evidence_import_{step}", args=[job.pk])
        for step in ("job", "confirm", "cancel")
    ]
    client.force_login(medical_reviewer)  # may not import
    assert [client.post(page).status_code for page in pages] == [403, 403, 403]
    client.force_login(second_editor)  # may import, but it is not their file
    assert [client.post(page).status_code for page in pages] == [404, 404, 404]
    wrong_model = reverse("admin:uses_source_import_confirm", args=[job.pk])
    client.force_login(editor)
    assert client.post(wrong_model).status_code == 404
    assert client.get(pages[1]).status_code == 405  # confirming takes a POST
    run_queued_tasks()
    assert not Evidence.objects.filter(key="lupus-new").exists()


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
    from uses.models import ImportJob

    preview = upload(editor_client, "evidence", evidence_csv(good_row()))
    ImportJob.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    url = reverse("admin:uses_evidence_import_confirm", args=[preview.context["job"].pk])
    response = editor_client.post(url, follow=True)
    assert "its upload has expired" in response.content.decode()
    run_queued_tasks()
    assert not Evidence.objects.exists()


def test_a_confirmation_from_before_background_imports_is_refused_with_a_message(editor_client):
    response = editor_client.post(
        reverse("admin:uses_evidence_process_import"),
        {"import_file_name": "x", "original_file_name": "x.csv", "format": "0", "resource": "0"},
    )
    assert response.status_code == 400
    assert "confirmed from their own page" in response.content.decode()


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
    job = confirm(editor_client, "evidence", upload(editor_client, "evidence", moved)).context[
        "job"
    ]
    submit_url = reverse("admin:uses_submission_submit_imported", args=[job.pk])
    page = editor_client.get(submit_url).content.decode()
    assert "Lupus" in page and crohns.name in page


@pytest.mark.parametrize("value", ["A study\nBcc: x@example.com", "A study\x07", "Tab\there"])
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
    """Uploads kept for a confirmation (an ImportJob's file)."""
    from uses.models import ImportJob

    return ImportJob.objects.exclude(data=b"").count()


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
    nul = [good_row(key="a\x00b"), good_row(key="fine", claim="It\x00helps.")]
    html = upload(editor_client, "evidence", evidence_csv(*nul)).content.decode()
    # PostgreSQL refuses a NUL even in a query: named, never a failed import.
    assert "Row 1, column “key”: a NUL character; Row 2, column “claim”: a NUL character" in html


def test_a_refused_upload_is_deleted_at_once_and_a_good_one_kept_only_until_confirmed(
    editor_client, lupus
):
    bad = evidence_csv(good_row(certainty="certain"))
    assert "certain" in upload(editor_client, "evidence", bad).content.decode()
    assert pending_uploads() == 0
    preview = upload(editor_client, "evidence", evidence_csv(good_row()))
    assert pending_uploads() == 1
    assert confirm(editor_client, "evidence", preview).context["job"].status == "imported"
    assert pending_uploads() == 0


def test_an_upload_waits_an_hour_for_its_confirmation_and_a_report_a_week(editor_client, lupus):
    from uses.models import ImportJob

    job = upload(editor_client, "evidence", evidence_csv(good_row())).context["job"]
    left = job.expires_at - timezone.now()
    assert datetime.timedelta(minutes=59) < left <= datetime.timedelta(hours=1)
    confirm(editor_client, "evidence", upload(editor_client, "evidence", evidence_csv(good_row())))
    imported = ImportJob.objects.get(status=ImportStatus.IMPORTED)
    left = imported.expires_at - timezone.now()
    assert datetime.timedelta(days=6, hours=23) < left <= datetime.timedelta(days=7)

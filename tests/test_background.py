"""Background work: imports checked and imported by a worker with progress, periodic culling and
reminders. Tasks run for real, through the database queue (``run_tasks``)."""

import datetime
import re

import pytest
import tablib
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tests import factories
from tests.test_import_export import evidence_csv, good_row, upload
from uses import importing
from uses.models import Evidence, ImportJob, ImportStatus, Publication


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def lupus(db):
    factories.make_source(key="trial")
    return factories.make_condition(name="Lupus", slug="lupus")


def post_upload(client, content: str):
    """The upload alone, as the browser sends it: no worker has run."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    file = SimpleUploadedFile("claims.csv", content.encode())
    return client.post(
        reverse("admin:uses_evidence_import"), {"resource": "0", "format": "0", "import_file": file}
    )


def test_the_upload_answers_at_once_and_a_worker_checks_the_file(editor_client, lupus, run_tasks):
    response = post_upload(editor_client, evidence_csv(good_row()))
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:uses_evidence_import_job", args=[job.pk])
    assert job.status == ImportStatus.CHECKING and job.started_at is None

    waiting = editor_client.get(response["Location"])
    html = waiting.content.decode()
    assert "Waiting for a worker (0 s so far)." in html and "db_worker" not in html
    assert "Show the latest progress" in html  # without a script, a link to the latest
    assert 'src="/static/js/import-progress.js"' in html  # with one, the page follows by itself
    assert (
        waiting["Cache-Control"].startswith("max-age=0") or "no-cache" in waiting["Cache-Control"]
    )

    ImportJob.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=1))
    assert (
        "is manage.py db_worker running?"
        in editor_client.get(response["Location"]).content.decode()
    )

    run_tasks()
    ready = editor_client.get(response["Location"]).content.decode()
    assert "Checked: waiting for confirmation" in ready and "http-equiv" not in ready
    assert "Confirm import" in ready


def test_the_page_shows_rows_done_of_the_total_while_a_worker_runs(editor_client, lupus):
    post_upload(editor_client, evidence_csv(good_row()))
    job = ImportJob.objects.get()
    ImportJob.objects.update(started_at=timezone.now() - datetime.timedelta(seconds=12))
    url = reverse("admin:uses_evidence_import_job", args=[job.pk])
    assert "Reading the file" in editor_client.get(url).content.decode()

    assert '<progress max="1" value="0" aria-labelledby="import-progress-text" hidden>' in (
        editor_client.get(url).content.decode()
    )

    progress = importing.Progress(job, total=10_000, every=0)
    progress(2_345)
    html = editor_client.get(url).content.decode()
    assert '<progress max="10000" value="2345" aria-labelledby="import-progress-text">' in html
    assert "2,345 of 10,000 rows checked, in 12 s." in html

    state = editor_client.get(reverse("admin:uses_evidence_import_progress", args=[job.pk]))
    assert state.json() == {
        "status": "checking",
        "working": True,
        "done": 2345,
        "total": 10000,
        "seconds": 12,
        "text": "2,345 of 10,000 rows checked, in 12 s.",
    }
    assert "no-store" in state["Cache-Control"]


def test_the_preview_shows_the_first_rows_changes_and_counts_them_all(
    editor_client, lupus, monkeypatch
):
    monkeypatch.setattr("uses.resources.PREVIEW_ROWS", 2)
    monkeypatch.setattr("uses.importing.PREVIEW_ROWS", 2)
    rows = [good_row(key=f"claim-{number}", claim=f"Claim {number}.") for number in range(3)]
    html = upload(editor_client, "evidence", evidence_csv(*rows)).content.decode()
    assert "Preview of the first 2 rows" in html and "3 new" in html
    assert "<ins>Claim 1.</ins>" in html and "Claim 2." not in html


def test_the_resource_reports_each_row_as_it_goes(lupus):
    from uses.resources import EvidenceResource

    seen = []
    resource = EvidenceResource()
    resource.progress = seen.append
    rows = [good_row(key=f"claim-{number}") for number in range(5)]
    resource.import_data(tablib.Dataset().load(evidence_csv(*rows), format="csv"), dry_run=True)
    assert seen == [1, 2, 3, 4, 5]


def test_every_problem_of_a_file_is_reported_in_one_pass_with_the_valid_choices(
    editor_client, lupus, run_tasks
):
    rows = [
        good_row(key="first"),
        # a repeated key, an unknown source, a design that is no design: all of this row
        good_row(key="first", sources="trial,nowhere", design="astrology"),
        good_row(key="third", certainty="certain", condition="nowhere"),
    ]
    html = upload(editor_client, "evidence", evidence_csv(*rows)).content.decode()
    errors = re.findall(r"<li>(Row .*?)</li>", html)
    assert any("Row 2, column “key”" in error and "more than once" in error for error in errors)
    assert any("Row 2, column “sources”" in error and "nowhere" in error for error in errors)
    assert any("Row 2, column “design”" in error for error in errors)
    assert any("Row 3, column “condition”" in error for error in errors)
    assert any("Row 3, column “certainty”" in error for error in errors)
    design = next(error for error in errors if "column “design”" in error)
    assert "“astrology” is not a valid choice; the choices are:" in design
    assert "randomised" in design and "observational" in design
    assert "5 problems" in html
    assert not Evidence.objects.exists()


def test_an_unexpected_error_in_the_worker_fails_the_import_and_writes_nothing(
    editor_client, lupus, run_tasks, monkeypatch
):
    from tests.test_import_export import confirm

    preview = upload(editor_client, "evidence", evidence_csv(good_row()))

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(importing, "entries_changed_by", broken)  # after the rows are written
    done = confirm(editor_client, "evidence", preview)
    html = done.content.decode()
    assert done.context["job"].status == ImportStatus.FAILED
    assert "Nothing was imported" in html and "RuntimeError: disk on fire" in html
    assert not Evidence.objects.exists()
    assert DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).count() == 1


def test_a_row_that_fails_at_the_import_rolls_back_the_whole_file(editor_client, lupus):
    from tests.test_import_export import confirm

    factories.make_source(key="gone-soon")
    rows = [good_row(key="first"), good_row(key="second", sources="gone-soon")]
    preview = upload(editor_client, "evidence", evidence_csv(*rows))
    assert preview.context["job"].status == ImportStatus.READY
    Source = type(factories.make_source(key="unrelated"))
    Source.objects.filter(key="gone-soon").delete()  # between the check and the import
    done = confirm(editor_client, "evidence", preview)
    assert done.context["job"].status == ImportStatus.REFUSED
    assert "Row 2" in done.content.decode() and "gone-soon" in done.content.decode()
    assert not Evidence.objects.exists()  # the first row too: all or nothing


def test_a_checked_file_can_be_discarded_and_then_is_gone(editor_client, lupus):
    job = upload(editor_client, "evidence", evidence_csv(good_row())).context["job"]
    response = editor_client.post(reverse("admin:uses_evidence_import_cancel", args=[job.pk]))
    assert response.status_code == 302 and not ImportJob.objects.exists()


def test_a_confirmed_import_cannot_be_confirmed_twice(editor_client, lupus, run_tasks):
    job = upload(editor_client, "evidence", evidence_csv(good_row())).context["job"]
    url = reverse("admin:uses_evidence_import_confirm", args=[job.pk])
    editor_client.post(url)
    second = editor_client.post(url, follow=True)
    assert "can no longer be imported from here" in second.content.decode()
    assert DBTaskResult.objects.filter(task_path="uses.tasks.confirm_import").count() == 1
    run_tasks()
    assert Evidence.objects.count() == 1


def test_the_import_page_lists_the_editors_recent_imports(editor_client, lupus, second_editor):
    job = upload(editor_client, "evidence", evidence_csv(good_row())).context["job"]
    page = editor_client.get(reverse("admin:uses_evidence_import")).content.decode()
    assert reverse("admin:uses_evidence_import_job", args=[job.pk]) in page
    editor_client.force_login(second_editor)
    page = editor_client.get(reverse("admin:uses_evidence_import")).content.decode()
    assert "recent-imports" not in page


# --- periodic work ------------------------------------------------------------------------------


def waiting_runs(path: str):
    return DBTaskResult.objects.filter(status=TaskResultStatus.READY, task_path=path)


def test_expired_uploads_and_reports_are_culled_by_a_periodic_task(editor, run_tasks):
    now = timezone.now()
    kept = ImportJob.objects.create(
        model="evidence", file_format=0, file_name="new.csv", data=b"x", created_by=editor
    )
    ImportJob.objects.create(
        model="evidence",
        file_format=0,
        file_name="old.csv",
        data=b"x",
        created_by=editor,
        expires_at=now - datetime.timedelta(seconds=1),
    )
    call_command("schedule_tasks", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("schedule_tasks", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert waiting_runs("uses.tasks.cull_expired").count() == 1  # safe to repeat

    run_tasks()
    assert list(ImportJob.objects.all()) == [kept]
    (following,) = waiting_runs("uses.tasks.cull_expired")
    assert following.run_after - now >= datetime.timedelta(minutes=9)


def test_an_import_whose_worker_stopped_is_failed_by_the_periodic_task(editor, run_tasks):
    now = timezone.now()

    def job(name, started_minutes_ago):
        return ImportJob.objects.create(
            model="evidence",
            file_format=0,
            file_name=name,
            data=b"x",
            created_by=editor,
            status=ImportStatus.IMPORTING,
            started_at=now - datetime.timedelta(minutes=started_minutes_ago),
        )

    abandoned, running = job("abandoned.csv", 31), job("running.csv", 1)
    call_command("schedule_tasks", stdout=open("/dev/null", "w"))  # noqa: SIM115
    run_tasks()
    abandoned.refresh_from_db()
    running.refresh_from_db()
    assert abandoned.status == ImportStatus.FAILED and running.status == ImportStatus.IMPORTING
    assert "The worker stopped before the end" in abandoned.report["errors"][0]["message"]
    assert bytes(abandoned.data) == b""  # its upload is gone with it


def test_the_review_reminder_runs_daily_as_a_periodic_task(published, medical_reviewer, run_tasks):
    Publication.objects.filter(condition=published).update(
        next_review_due=datetime.date(2021, 1, 1)
    )
    call_command("schedule_tasks", stdout=open("/dev/null", "w"))  # noqa: SIM115
    run_tasks()
    assert [message.to for message in mail.outbox] == [["mara@example.com"]]
    assert "Fibromyalgia" in mail.outbox[0].body
    (following,) = waiting_runs("uses.tasks.remind_reviewers")
    assert following.run_after - timezone.now() > datetime.timedelta(hours=23)
    run_tasks()  # not due again before tomorrow
    assert len(mail.outbox) == 1

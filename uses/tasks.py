"""Background work, run by ``manage.py db_worker`` from the database queue (django-tasks).

Work is queued inside the transaction that asks for it: it runs if and only if that work was
saved, and never slows down or fails the request. The same code runs on Django 6's
``django.tasks`` once the site moves to it.
"""

import fcntl
import logging
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from uses import export, importing, notifications, selectors
from uses.models import ImportJob, Publication, Submission

logger = logging.getLogger(__name__)

#: Minutes before each new attempt at an email that could not be sent.
MAIL_RETRY_MINUTES = (1, 5, 30, 120)


def send_or_retry(send_task, args: tuple, attempt: int, send) -> None:
    """Send an email; when the mail server refuses, queue the next attempt, then fail this one
    (its result keeps the error for the task list)."""
    try:
        send()
    except Exception:
        if attempt <= len(MAIL_RETRY_MINUTES):
            later = timezone.now() + timedelta(minutes=MAIL_RETRY_MINUTES[attempt - 1])
            send_task.using(run_after=later).enqueue(*args, attempt=attempt + 1)
            logger.warning("An email could not be sent; attempt %d comes later.", attempt + 1)
        raise


@task()
def email_reviewers(submission_id: int, attempt: int = 1) -> None:
    """Tell the medical reviewers that a submission waits for them."""
    submission = Submission.objects.select_related("submitted_by").get(pk=submission_id)
    send_or_retry(
        email_reviewers,
        (submission_id,),
        attempt,
        lambda: notifications.submitted(submission, selectors.reviewer_emails()),
    )


@task()
def email_submitter(submission_id: int, attempt: int = 1) -> None:
    """Tell the submitter what the reviewer decided."""
    submission = Submission.objects.select_related("submitted_by").get(pk=submission_id)
    send_or_retry(
        email_submitter, (submission_id,), attempt, lambda: notifications.decided(submission)
    )


@task()
def check_import(job_id: str) -> None:
    """The preview: run the whole file and roll it back, reporting every problem."""
    run_import_step(job_id, confirm=False)


@task()
def confirm_import(job_id: str) -> None:
    """The import: all of the file, or nothing."""
    run_import_step(job_id, confirm=True)


def run_import_step(job_id: str, *, confirm: bool) -> None:
    try:
        importing.run(job_id, confirm=confirm)
    except BaseException as error:
        importing.fail(
            job_id, f"The import stopped on an unexpected error ({type(error).__name__}: {error})."
        )
        raise


# --- the static export ------------------------------------------------------------------------


@task(queue_name="export")
def export_changes(addresses: list[str]) -> int | None:
    """Bring the static export up to date after a change to the public record: the changed
    entry's ``addresses`` and every page that is not an entry's (uses.export). On the machine
    that serves the export: its own queue, for its own worker."""
    folder = Path(settings.STATIC_EXPORT_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:  # one update at a time, whatever the workers
        fcntl.flock(lock, fcntl.LOCK_EX)
        return export.update_export(folder, addresses, app=settings.STATIC_EXPORT_APP)


def queue_export_of(publication) -> None:
    """Queue an update of the static export for a new publication of an entry: every address
    the entry has had."""
    if settings.STATIC_EXPORT_DIR:
        slugs = Publication.objects.of_entry(publication).values_list("slug", flat=True)
        queue_export(export.entry_addresses(publication.kind, sorted(set(slugs))))


def queue_export(addresses: list[str]) -> None:
    """Queue an update of the static export, where the site keeps one (in the transaction of
    the change: it runs if and only if the change is saved)."""
    if settings.STATIC_EXPORT_DIR:
        export_changes.enqueue(addresses)


# --- periodic work -------------------------------------------------------------------------


@task()
def cull_expired(every_minutes: int = 10) -> int:
    """Fail the imports whose worker stopped in the middle; delete uploads and import reports
    past their time, and finished task results older than two weeks; then come back in
    ``every_minutes``."""
    importing.fail_abandoned()
    deleted, _ = ImportJob.objects.expired().delete()
    call_command("prune_db_task_results", min_age_days=14, verbosity=0)
    schedule(cull_expired, timedelta(minutes=every_minutes), every_minutes)
    return deleted


@task()
def remind_reviewers(every_hours: int = 24) -> int:
    """Email the medical reviewers the published entries past their review date (the
    ``review_due`` command, once a day); then come back in ``every_hours``."""
    due = list(selectors.due_for_review())
    sent = notifications.review_due(due, selectors.reviewer_emails()) if due else 0
    schedule(remind_reviewers, timedelta(hours=every_hours), every_hours)
    return sent


PERIODIC = (cull_expired, remind_reviewers)


def waiting(periodic_task) -> bool:
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path=periodic_task.module_path
    ).exists()


def schedule(periodic_task, delay: timedelta, *args) -> None:
    """Queue the next run of a periodic task, unless one already waits."""
    if not waiting(periodic_task):
        periodic_task.using(run_after=timezone.now() + delay).enqueue(*args)


def schedule_periodic() -> list[str]:
    """Queue each periodic task that has no run waiting, to run now (``manage.py
    schedule_tasks``, run on each deployment: safe to repeat)."""
    queued = []
    for periodic_task in PERIODIC:
        if not waiting(periodic_task):
            periodic_task.enqueue()
            queued.append(periodic_task.name)
    return queued

"""Imports in the background: check a file (the preview), then import it, with progress.

The admin saves an upload as an ``ImportJob`` and queues ``tasks.check_import``; a worker reads
the file and runs the admin's own resource over it as the admin would in a request: a check
validates every row and writes nothing, an import writes the file in one transaction that any
error rolls back (all or nothing). Progress goes to the "progress" cache, not the database: the
import's transaction holds the database (SQLite's only writer) until it ends, and what it writes
is not seen before then.
"""

import time
from contextlib import contextmanager, nullcontext
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.core.cache import caches
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from import_export.signals import post_import
from simple_history.models import HistoricalRecords

from uses.models import Condition, Evidence, ImportJob, ImportStatus, Source, Topic
from uses.models.imports import WORKING
from uses.resources import PREVIEW_ROWS

#: Errors kept for the job's page; the count says how many there were.
SHOWN_ERRORS = 500


def model_admin_for(job: ImportJob):
    return admin.site._registry[apps.get_model("uses", job.model)]


def read_fail_message(error: Exception) -> str:
    """What to tell the editor when the file cannot be read in the format they chose."""
    if isinstance(error, UnicodeDecodeError):
        return (
            f"The file is not UTF-8 text (unreadable byte at position {error.start}). Save it "
            f"as “CSV UTF-8” or as XLSX and upload it again."
        )
    return (
        f"The file could not be read in the format chosen ({type(error).__name__}: "
        f"{str(error)[:200]}). Check that the format matches the file: CSV, XLSX or JSON."
    )


class Progress:
    """Rows done of the total, written at most every ``every`` seconds for the job's page."""

    def __init__(self, job: ImportJob, total: int, every: float = 0.5):
        self.key, self.total, self.every, self.last = job.progress_key(), total, every, 0.0
        self(0)

    def __call__(self, done: int) -> None:
        now = time.monotonic()
        if now - self.last >= self.every or done >= self.total:
            self.last = now
            caches["progress"].set(self.key, {"done": done, "total": self.total}, 3600)


def state_of(job: ImportJob, now=None) -> dict:
    """Where the job stands, for its page and the page's script: rows done of the total while a
    worker has it (when the progress cache is shared with the worker), seconds, and a sentence."""
    now = now or timezone.now()
    progress = caches["progress"].get(job.progress_key()) if job.working else None
    done, total = (progress["done"], progress["total"]) if progress else (None, None)
    seconds = round(((job.finished_at or now) - (job.started_at or now)).total_seconds())
    if not job.working:
        text = job.get_status_display()
    elif job.started_at is None:
        waited = round((now - job.created_at).total_seconds())
        text = f"Waiting for a worker ({waited} s so far)."
        if waited > 30:
            text += " No worker has taken it yet: is manage.py db_worker running?"
    elif progress is None:
        text = f"Reading the file ({seconds} s so far)."
    else:
        verb = "checked" if job.status == ImportStatus.CHECKING else "imported"
        text = f"{done:,} of {total:,} rows {verb}, in {seconds} s."
    return {
        "status": job.status,
        "working": job.working,
        "done": done,
        "total": total,
        "seconds": seconds,
        "text": text,
    }


@contextmanager
def acting_as(user):
    """What a request by ``user`` would give: history records name them as the author."""
    request = HttpRequest()
    request.user = user
    HistoricalRecords.context.request = request
    try:
        yield request
    finally:
        del HistoricalRecords.context.request


def run(job_id, *, confirm: bool) -> None:
    """Check (``confirm=False``) or import the job's file, and record what came of it."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    expected = ImportStatus.IMPORTING if confirm else ImportStatus.CHECKING
    if job.status != expected:  # already done by another worker, or cancelled
        return
    job.started_at, job.finished_at = timezone.now(), None
    job.save(update_fields=["started_at", "finished_at"])
    model_admin = model_admin_for(job)
    with acting_as(job.created_by) as request:
        try:
            dataset = read(model_admin, job)
        except Exception as error:
            finish(job, ImportStatus.REFUSED, errors=[problem(read_fail_message(error))])
            return
        job.rows = len(dataset)
        resource_class = model_admin.get_import_resource_classes(request)[job.resource]
        resource = resource_class(**model_admin.get_import_resource_kwargs(request))
        resource.progress = Progress(job, total=len(dataset))
        # An import, its admin log and its report are one transaction: all of it, or nothing
        # (and then ``fail`` says so). A check writes nothing (uses.resources).
        with transaction.atomic() if confirm else nullcontext():
            result = resource.import_data(
                dataset,
                dry_run=not confirm,
                raise_errors=False,
                use_transactions=True,
                collect_failed_rows=False,
                rollback_on_validation_errors=True,
                retain_instance_in_row_result=confirm,  # for the admin log
                file_name=job.file_name,
                user=job.created_by,
            )
            if result.has_errors() or result.has_validation_errors():
                finish(job, ImportStatus.REFUSED, errors=errors_of(result), totals=result.totals)
            elif not confirm:
                finish(job, ImportStatus.READY, totals=result.totals, preview=preview_of(result))
            else:
                model_admin.generate_log_entries(result, request)
                post_import.send(sender=None, model=model_admin.model)
                changed = [
                    int(row.object_id)
                    for row in result.rows
                    if row.import_type in ("new", "update") and row.object_id is not None
                ]
                job.entries = entries_changed_by(
                    model_admin.model, changed, getattr(result, "earlier_conditions", ())
                )
                finish(job, ImportStatus.IMPORTED, totals=result.totals)


def read(model_admin, job: ImportJob):
    file_format = model_admin.get_import_formats()[job.file_format]()
    if not file_format.is_binary():
        file_format.encoding = model_admin.from_encoding
    return file_format.create_dataset(bytes(job.data))


def problem(message: str, row: int | None = None, column: str | None = None) -> dict:
    return {"row": row, "column": column, "message": message}


def errors_of(result) -> list[dict]:
    """Every problem of the file, by row and column, in one list, in row order."""
    errors = [problem(str(error.error)) for error in result.base_errors]
    for number, row_errors in result.row_errors():
        errors += [problem(str(error.error), row=number) for error in row_errors]
    for row in result.invalid_rows:
        for column, messages in row.field_specific_errors.items():
            errors += [problem(message, row=row.number, column=column) for message in messages]
        errors += [problem(message, row=row.number) for message in row.non_field_specific_errors]
    return sorted(errors, key=lambda error: error["row"] or 0)


def preview_of(result) -> dict:
    return {
        "headers": [str(header) for header in result.diff_headers],
        "rows": [
            {"type": row.import_type, "cells": [str(cell) for cell in row.diff]}
            for row in result.valid_rows()[:PREVIEW_ROWS]
        ],
    }


def finish(job: ImportJob, status: str, *, errors=(), totals=None, preview=None) -> None:
    job.status, job.finished_at = status, timezone.now()
    job.report = {
        "totals": dict(totals or {}),
        "errors": list(errors[:SHOWN_ERRORS]),
        "error_count": len(errors),
        "preview": preview or {},
    }
    fields = ["status", "finished_at", "rows", "report", "entries"]
    if status in (ImportStatus.IMPORTED, ImportStatus.REFUSED, ImportStatus.FAILED):
        # Done with the upload: what remains is the report, kept for the editor to read and to
        # submit what was imported, until it expires too.
        job.data = b""
        job.expires_at = timezone.now() + timedelta(seconds=settings.IMPORT_REPORT_TTL)
        fields += ["data", "expires_at"]
    job.save(update_fields=fields)
    caches["progress"].delete(job.progress_key())


def fail(job_id, message: str) -> None:
    """A worker's unexpected error, or a worker gone: the job says so instead of working
    forever, and nothing was written."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or not job.working:
            return
        finish(job, ImportStatus.FAILED, errors=[problem(message[:1000])])


#: A worker that has had a job this long without finishing it has stopped (10,000 rows take
#: well under a minute): ``fail_abandoned`` says so on the job's page.
ABANDONED_AFTER = timedelta(minutes=30)


def fail_abandoned(now=None) -> int:
    """Fail the jobs whose worker stopped (killed, or its machine gone) in the middle."""
    started_before = (now or timezone.now()) - ABANDONED_AFTER
    abandoned = ImportJob.objects.filter(status__in=WORKING, started_at__lt=started_before)
    pks = list(abandoned.values_list("pk", flat=True))
    for pk in pks:
        fail(
            pk,
            "The worker stopped before the end, more than 30 minutes ago (it was stopped, or "
            "its machine was). Nothing was imported: upload the file again.",
        )
    return len(pks)


def entries_changed_by(model, pks, earlier_conditions=()) -> list[str]:
    """The reviewed entries (as "condition:12" / "topic:3") that an import of ``model`` changed;
    ``earlier_conditions`` are the uses that imported claims belonged to before."""
    if model is Condition:
        conditions = pks
    elif model is Evidence:
        conditions = [
            *Evidence.objects.filter(pk__in=pks).values_list("condition_id", flat=True),
            *earlier_conditions,
        ]
    elif model is Source:
        conditions = Condition.objects.citing(pks).values_list("pk", flat=True)
    elif model is Topic:
        return [f"topic:{pk}" for pk in pks]
    else:
        return []
    return [f"condition:{pk}" for pk in sorted(set(conditions))]

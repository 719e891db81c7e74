"""An import of a file into the working copy, run in the background (uses/tasks.py).

The upload waits here between its check (the preview) and its confirmation, so that any app
server and any worker can read it, and the entries it changed wait here for the editor to submit
them for review, whatever happens to their session.
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone


class ImportStatus(models.TextChoices):
    CHECKING = "checking", "Checking the file"
    READY = "ready", "Checked: waiting for confirmation"
    REFUSED = "refused", "Refused: nothing was imported"
    IMPORTING = "importing", "Importing"
    IMPORTED = "imported", "Imported"
    FAILED = "failed", "Failed: nothing was imported"


#: The statuses in which a worker has the job: its page follows the progress.
WORKING = (ImportStatus.CHECKING, ImportStatus.IMPORTING)


def upload_expiry():
    return timezone.now() + timedelta(seconds=settings.IMPORT_UPLOAD_TTL)


class ImportJobQuerySet(models.QuerySet):
    def expired(self, now=None):
        return self.filter(expires_at__lt=now or timezone.now())


class ImportJob(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    model = models.CharField(max_length=40, help_text="The model_name of what is imported.")
    resource = models.PositiveSmallIntegerField(default=0, help_text="Index in the admin's.")
    file_format = models.PositiveSmallIntegerField(help_text="Index in the admin's formats.")
    file_name = models.CharField(max_length=255)
    data = models.BinaryField(help_text="The upload; emptied once it is imported.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=20, choices=ImportStatus.choices, default=ImportStatus.CHECKING
    )
    started_at = models.DateTimeField(null=True, blank=True, help_text="Of the current step.")
    finished_at = models.DateTimeField(null=True, blank=True, help_text="Of the current step.")
    rows = models.PositiveIntegerField(null=True, blank=True, help_text="Data rows in the file.")
    report = models.JSONField(default=dict, blank=True, help_text="Totals, preview and errors.")
    entries = models.JSONField(
        default=list, blank=True, help_text="The reviewed entries it changed: “condition:12”."
    )
    submitted = models.BooleanField(default=False)
    expires_at = models.DateTimeField(default=upload_expiry, db_index=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ImportStatus.values), name="import_status_known"
            )
        ]

    def __str__(self):
        return f"{self.file_name} ({self.get_status_display().lower()})"

    @property
    def working(self) -> bool:
        return self.status in WORKING

    @property
    def expired(self) -> bool:
        return self.expires_at < timezone.now()

    def progress_key(self) -> str:
        return f"import-progress:{self.pk}"

"""Submissions: an entry's frozen snapshot waiting for, or decided by, a medical reviewer."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from uses.validators import validate_single_line, validate_text

from .content import Condition, Topic

PUBLIC_NOTE_MAX_LENGTH = 300


class Action(models.TextChoices):
    PUBLISH = "publish", "Publish"
    WITHDRAW = "withdraw", "Withdraw"


class Status(models.TextChoices):
    PENDING = "pending", "Waiting for review"
    APPROVED = "approved", "Approved"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    SUPERSEDED = "superseded", "Superseded by a later submission"
    CANCELLED = "cancelled", "Cancelled by an editor"


class ReviewState(models.TextChoices):
    """Where an entry stands in review, as its editors and reviewers see it."""

    DRAFT = "draft", "Draft (never published)"
    PUBLISHED = "published", "Published"
    CHANGED = "changed", "Published, with unpublished changes"
    IN_REVIEW = "in_review", "In review"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    WITHDRAWN = "withdrawn", "Withdrawn"


class SubmissionQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=Status.PENDING)

    def for_entry(self, entry: Condition | Topic):
        return self.filter(**{entry.entry_field: entry})


class Submission(models.Model):
    """What an editor asked a reviewer to approve, frozen at the moment of asking."""

    condition = models.ForeignKey(
        Condition, on_delete=models.PROTECT, null=True, blank=True, related_name="submissions"
    )
    topic = models.ForeignKey(
        Topic, on_delete=models.PROTECT, null=True, blank=True, related_name="submissions"
    )
    action = models.CharField(max_length=10, choices=Action.choices, default=Action.PUBLISH)
    snapshot = models.JSONField(help_text="The entry exactly as it was submitted.")
    fingerprint = models.CharField(max_length=64, help_text="Hash of the snapshot.")
    title = models.CharField(max_length=200)
    note = models.TextField(
        "note to the reviewer",
        blank=True,
        validators=[validate_text],
        help_text="Private: seen only by the reviewers in the admin.",
    )
    public_note = models.CharField(
        "what changed (public)",
        max_length=PUBLIC_NOTE_MAX_LENGTH,
        blank=True,
        validators=[validate_single_line],
        help_text="One line for readers, shown in the page's review history and the feed. "
        "Proposed by the editor; the reviewer may reword it before approving.",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submissions"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decisions",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(
        "reviewer's comment",
        blank=True,
        validators=[validate_text],
        help_text="Private: seen only in the admin and by the submitter.",
    )
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The editor who cancelled this withdrawal request.",
    )

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["submitted_at", "pk"]
        verbose_name = "submission"
        get_latest_by = "submitted_at"
        permissions = [
            ("submit_entry", "Can submit entries for review"),
            ("review_submission", "Can approve or send back submissions"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(condition__isnull=False, topic__isnull=True)
                | Q(condition__isnull=True, topic__isnull=False),
                name="submission_has_one_entry",
            ),
            models.UniqueConstraint(
                fields=["condition"],
                condition=Q(status=Status.PENDING),
                name="one_pending_submission_per_condition",
            ),
            models.UniqueConstraint(
                fields=["topic"],
                condition=Q(status=Status.PENDING),
                name="one_pending_submission_per_topic",
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("submitted_by")),
                name="four_eyes_decider_is_not_submitter",
                violation_error_message="Nobody may decide on their own submission.",
            ),
            models.CheckConstraint(
                condition=Q(status=Status.PENDING)
                | Q(status=Status.SUPERSEDED)
                | Q(status=Status.CANCELLED, cancelled_by__isnull=False, decided_at__isnull=False)
                | Q(decided_by__isnull=False, decided_at__isnull=False),
                name="decision_names_who_and_when",
            ),
        ]
        indexes = [models.Index(fields=["status", "submitted_at"], name="submission_queue")]

    def __str__(self):
        return f"{self.get_action_display()} “{self.title}” ({self.submitted_at:%Y-%m-%d})"

    @property
    def entry(self) -> Condition | Topic:
        return self.condition or self.topic

    @property
    def is_pending(self) -> bool:
        return self.status == Status.PENDING

    @property
    def is_withdrawal(self) -> bool:
        return self.action == Action.WITHDRAW

    @property
    def is_approved(self) -> bool:
        return self.status == Status.APPROVED

    @property
    def changes_were_requested(self) -> bool:
        return self.status == Status.CHANGES_REQUESTED


class ReviewVisit(models.Model):
    """A medical reviewer opened a submission's review page. When the entry comes back, its
    review page shows them what changed since the version they last saw."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="visits")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-seen_at"]
        verbose_name = "review visit"
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "reviewer"], name="one_visit_per_reviewer"
            )
        ]

    def __str__(self):
        return f"{self.reviewer} saw {self.submission} at {self.seen_at:%Y-%m-%d %H:%M}"

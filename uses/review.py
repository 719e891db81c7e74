"""The review workflow: submit, approve, request changes, withdraw, confirm.

Every rule of the workflow lives here. Admin views, actions, commands and tests call these
functions; they never repeat the rules.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from uses import notifications
from uses.models import (
    Action,
    Condition,
    Evidence,
    Person,
    Publication,
    Source,
    Status,
    Submission,
    Topic,
)
from uses.serializers import fingerprint, serialize
from uses.services import lock_entry, publish

EDITORS = "Editors"
REVIEWERS = "Medical reviewers"
CONFIRM_NOTE = "Confirmed still accurate; no changes."


class ReviewError(Exception):
    """A workflow rule refused the step. The message says why, in words for the user."""


@dataclass(frozen=True)
class EntryState:
    code: str
    label: str
    changed_since_submitted: bool = False
    review_overdue: bool = False


DRAFT = "draft"
PUBLISHED = "published"
CHANGED = "changed"
IN_REVIEW = "in_review"
CHANGES_REQUESTED = "changes_requested"
WITHDRAWN = "withdrawn"
STATE_LABELS = {
    DRAFT: "Draft (never published)",
    PUBLISHED: "Published",
    CHANGED: "Published, with unpublished changes",
    IN_REVIEW: "In review",
    CHANGES_REQUESTED: "Changes requested",
    WITHDRAWN: "Withdrawn",
}


def current_publication(entry: Condition | Topic) -> Publication | None:
    return Publication.objects.current().filter(**{entry.entry_field: entry}).first()


def reviewer_emails() -> list[str]:
    group = Group.objects.filter(name=REVIEWERS).first()
    if group is None:
        return []
    users = group.user_set.filter(is_active=True).exclude(email="")
    return list(users.values_list("email", flat=True))


@transaction.atomic
def submit(*, entry: Condition | Topic, user, note: str = "", action: str = Action.PUBLISH):
    """Freeze the entry as it is now and ask for review; an earlier pending request is superseded.

    For a withdrawal the snapshot is the current publication's: that is what will be taken down.
    """
    entry = lock_entry(entry)
    current = current_publication(entry)
    if action == Action.WITHDRAW:
        if current is None or current.is_withdrawn:
            raise ReviewError("Only a published entry can be withdrawn.")
        snapshot = current.snapshot
    else:
        snapshot = serialize(entry)
    Submission.objects.for_entry(entry).pending().update(status=Status.SUPERSEDED)
    submission = Submission.objects.create(
        **{entry.entry_field: entry},
        action=action,
        snapshot=snapshot,
        fingerprint=fingerprint(snapshot),
        title=snapshot.get("title", str(entry)),
        note=note.strip(),
        submitted_by=user,
    )
    transaction.on_commit(lambda: notifications.submitted(submission, reviewer_emails()))
    return submission


def edited_since_publication(*, entry: Condition | Topic, user, snapshot: dict | None = None):
    """Did ``user`` change the entry, its evidence or a source it cites (now, or in ``snapshot``)
    since the published content was frozen? Such edits have not been reviewed by anyone else."""
    current = current_publication(entry)
    since = current.frozen_at if current else datetime.datetime.min.replace(tzinfo=datetime.UTC)

    def edited(history) -> bool:
        return history.filter(history_user=user, history_date__gt=since).exists()

    if edited(entry.history):
        return True
    if not isinstance(entry, Condition):
        return False
    # Claims that belong, or once belonged, to the entry; sources it cites or its snapshot cites.
    claims = Evidence.history.filter(condition_id=entry.pk).values("id")
    cited_keys = [source["key"] for source in (snapshot or {}).get("sources", [])]
    sources = Source.history.filter(
        Q(id__in=Condition.objects.filter(pk=entry.pk).cited_sources()) | Q(key__in=cited_keys)
    )
    return edited(Evidence.history.filter(id__in=claims)) or edited(sources)


def submitted_it_problem(*, submission: Submission, user) -> str:
    if submission.submitted_by_id == user.pk:
        return "You submitted this yourself: another medical reviewer must decide on it."
    return ""


def edited_it_problem(*, entry: Condition | Topic, user, snapshot: dict | None = None) -> str:
    if edited_since_publication(entry=entry, user=user, snapshot=snapshot):
        return (
            "You edited this entry since its published version was submitted: another "
            "medical reviewer must review it."
        )
    return ""


def four_eyes_problem(*, submission: Submission, user) -> str:
    """Why ``user`` may not approve ``submission``, or "" when they may."""
    return submitted_it_problem(submission=submission, user=user) or edited_it_problem(
        entry=submission.entry, user=user, snapshot=submission.snapshot
    )


def reviewer_profile(user) -> Person:
    person = Person.objects.filter(user=user).first()
    if person is None:
        raise ReviewError(
            "Your login has no public reviewer profile, so the page could not say who reviewed "
            "it. Ask an administrator to link a Person (name and credentials) to your login under "
            "People, then approve again."
        )
    return person


def lock_pending(submission: Submission) -> tuple[Condition | Topic, Submission]:
    """Lock the entry, then re-read the submission: a concurrent decision is seen, not repeated."""
    entry = lock_entry(submission.entry)
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    if not submission.is_pending:
        decided = f" by {submission.decided_by}" if submission.decided_by else ""
        raise ReviewError(
            f"This submission is no longer waiting for review: it was "
            f"{submission.get_status_display().lower()}{decided}. Nothing was changed."
        )
    return entry, submission


def approve(*, submission: Submission, reviewer, comment: str = "") -> Publication:
    """Publish exactly the submitted snapshot, as reviewed by ``reviewer`` today."""
    try:
        with transaction.atomic():
            entry, submission = lock_pending(submission)
            problem = four_eyes_problem(submission=submission, user=reviewer)
            if problem:
                raise ReviewError(problem)
            person = reviewer_profile(reviewer)
            now = timezone.now()
            submission.status = Status.APPROVED
            submission.decided_by = reviewer
            submission.decided_at = now
            submission.comment = comment.strip()
            submission.save()
            publication = publish(
                entry=entry,
                snapshot=submission.snapshot,
                reviewer=person,
                approved_by=reviewer,
                change_note=submission.note or submission.comment,
                published_at=now,
                submission=submission,
                withdrawn=submission.action == Action.WITHDRAW,
            )
    except IntegrityError as error:
        raise ReviewError(
            "Someone else decided on this entry at the same moment; reload the page."
        ) from error
    transaction.on_commit(lambda: notifications.decided(submission))
    return publication


@transaction.atomic
def request_changes(*, submission: Submission, reviewer, comment: str) -> Submission:
    """Send the submission back to its editor with a comment saying what to change."""
    if not comment.strip():
        raise ReviewError("Say what needs to change: the comment is required.")
    _, submission = lock_pending(submission)
    problem = submitted_it_problem(submission=submission, user=reviewer)
    if problem:
        raise ReviewError(problem)
    submission.status = Status.CHANGES_REQUESTED
    submission.decided_by = reviewer
    submission.decided_at = timezone.now()
    submission.comment = comment.strip()
    submission.save()
    transaction.on_commit(lambda: notifications.decided(submission))
    return submission


def withdraw(*, entry: Condition | Topic, user, note: str) -> Submission:
    """Ask for a published entry to be withdrawn. Nothing changes until a reviewer approves."""
    if not note.strip():
        raise ReviewError("Say why the entry should be withdrawn: the note is required.")
    return submit(entry=entry, user=user, note=note, action=Action.WITHDRAW)


@transaction.atomic
def confirm(*, entry: Condition | Topic, reviewer, comment: str = "") -> Publication:
    """Confirm that the published entry is still accurate: renews its review dates."""
    entry = lock_entry(entry)
    current = current_publication(entry)
    if current is None or current.is_withdrawn:
        raise ReviewError("Only a published entry can be confirmed as still accurate.")
    if Submission.objects.for_entry(entry).pending().exists():
        raise ReviewError("A submission of this entry waits for review: decide on it instead.")
    problem = edited_it_problem(entry=entry, user=reviewer, snapshot=current.snapshot)
    if problem:
        raise ReviewError(problem)
    return publish(
        entry=entry,
        snapshot=current.snapshot,
        reviewer=reviewer_profile(reviewer),
        approved_by=reviewer,
        change_note=comment.strip() or CONFIRM_NOTE,
        frozen_at=current.frozen_at,  # the same content: its edits stay unreviewed by others
    )


def entry_states(entries) -> dict[int, EntryState]:
    """The review state of each entry (all of one model), in a fixed number of queries."""
    entries = list(entries)
    if not entries:
        return {}
    model = type(entries[0])
    field = entries[0].entry_field
    pks = [entry.pk for entry in entries]
    if model is Condition:
        from uses.serializers import condition_queryset

        working = {entry.pk: entry for entry in condition_queryset().filter(pk__in=pks)}
    else:
        working = {
            entry.pk: entry for entry in Topic.objects.select_related("author").filter(pk__in=pks)
        }
    current = {
        getattr(publication, f"{field}_id"): publication
        for publication in Publication.objects.current()
        .filter(**{f"{field}__in": pks})
        .only("pk", field, "fingerprint", "is_withdrawn", "published_at", "next_review_due")
    }
    latest = {}
    for submission in (
        Submission.objects.filter(**{f"{field}__in": pks})
        .order_by("submitted_at", "pk")
        .only("pk", field, "status", "action", "fingerprint", "submitted_at")
    ):
        latest[getattr(submission, f"{field}_id")] = submission
    return {
        pk: state_of(
            working_fingerprint=fingerprint(serialize(working[pk])),
            current=current.get(pk),
            latest=latest.get(pk),
        )
        for pk in pks
        if pk in working
    }


def state_of(*, working_fingerprint: str, current, latest) -> EntryState:
    overdue = bool(current and current.is_review_overdue)
    if latest is not None and latest.status == Status.PENDING:
        changed = latest.action == Action.PUBLISH and latest.fingerprint != working_fingerprint
        return EntryState(IN_REVIEW, STATE_LABELS[IN_REVIEW], changed, overdue)
    if current is not None and current.is_withdrawn:
        return EntryState(WITHDRAWN, STATE_LABELS[WITHDRAWN])
    sent_back = latest is not None and latest.status == Status.CHANGES_REQUESTED
    if sent_back and (current is None or latest.submitted_at > current.published_at):
        return EntryState(CHANGES_REQUESTED, STATE_LABELS[CHANGES_REQUESTED], False, overdue)
    if current is None:
        return EntryState(DRAFT, STATE_LABELS[DRAFT])
    if current.fingerprint != working_fingerprint:
        return EntryState(CHANGED, STATE_LABELS[CHANGED], False, overdue)
    return EntryState(PUBLISHED, STATE_LABELS[PUBLISHED], False, overdue)


def entry_state(entry: Condition | Topic) -> EntryState:
    return entry_states([entry])[entry.pk]


def due_for_review(today: datetime.date | None = None):
    """Current publications whose next review date has passed, oldest first."""
    today = today or timezone.localdate()
    return (
        Publication.objects.public()
        .filter(next_review_due__lt=today)
        .select_related("reviewer")
        .defer("snapshot", "search_text")
        .order_by("next_review_due", "title")
    )

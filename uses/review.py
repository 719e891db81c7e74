"""The review workflow: submit, withdraw, cancel a withdrawal, approve, request changes, confirm.

Each step decides itself who may take it (the roles in ``uses.roles``) and applies the four-eyes
rule, so admin views, actions, imports, commands and tests call these functions and never
repeat the rules. The reads they share (states, queues, due lists) are in ``uses.selectors``.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from uses import selectors, tasks
from uses.models import (
    Action,
    Condition,
    Person,
    Publication,
    ReviewType,
    ReviewVisit,
    Status,
    Submission,
    Topic,
)
from uses.models.review import PUBLIC_NOTE_MAX_LENGTH
from uses.roles import can_review, can_submit
from uses.serializers import fingerprint, serialize, with_snapshot_data
from uses.services import UNREAD, lock_entry, publish
from uses.validators import validate_single_line, validate_text

CONFIRM_NOTE = "Confirmed still accurate; no changes."
# The public "what changed" line when nobody proposed one: neutral, and true of every approval.
DEFAULT_PUBLIC_NOTES = {
    Action.PUBLISH: "Published after medical review.",
    Action.WITHDRAW: "Withdrawn after medical review.",
}
PRIVATE_TEXT_MAX_LENGTH = 4000
# What a decision writes to its submission; the frozen snapshot is never written again.
DECISION_FIELDS = ["status", "decided_by", "decided_at", "comment", "public_note"]


class ReviewError(Exception):
    """A workflow rule refused the step. The message says why, in words for the user."""


class NotAllowed(ReviewError):
    """The user's role does not allow the step at all."""


def require(allowed: bool, step: str) -> None:
    if not allowed:
        raise NotAllowed(f"Your login may not {step}. Ask an administrator if it should.")


def clean_text(value: str, *, label: str, single_line: bool = False) -> str:
    """``value`` stripped, or a ReviewError naming ``label`` if it cannot be stored or shown."""
    value = (value or "").strip()
    limit = PUBLIC_NOTE_MAX_LENGTH if single_line else PRIVATE_TEXT_MAX_LENGTH
    try:
        (validate_single_line if single_line else validate_text)(value)
    except ValidationError as error:
        raise ReviewError(f"{label}: {error.messages[0]}") from error
    if len(value) > limit:
        raise ReviewError(f"{label}: write at most {limit} characters (it has {len(value)}).")
    return value


def proposed_public_note(submission: Submission) -> str:
    """The public line an approval publishes unless the reviewer rewords it."""
    return submission.public_note or DEFAULT_PUBLIC_NOTES[submission.action]


@transaction.atomic
def submit(
    *,
    entry: Condition | Topic,
    user,
    note: str = "",
    public_note: str = "",
    action: str = Action.PUBLISH,
) -> Submission:
    """Freeze the entry as it is now and ask for review; an earlier pending request is superseded.

    For a withdrawal the snapshot is the current publication's: that is what will be taken down.
    A pending withdrawal is never replaced by a routine submission: it must be cancelled first.
    """
    require(can_submit(user, type(entry)), "submit entries for review")
    note = clean_text(note, label="Note to the reviewer")
    public_note = clean_text(public_note, label="What changed", single_line=True)
    entry = lock_entry(entry)
    pending = selectors.pending_submission(entry)
    if action == Action.WITHDRAW:
        current = selectors.current_publication(entry)
        if current is None or current.is_withdrawn:
            raise ReviewError("Only a published entry can be withdrawn.")
        snapshot = current.snapshot
    else:
        if pending is not None and pending.is_withdrawal:
            raise ReviewError(
                f"A withdrawal of “{entry}” waits for review (requested by "
                f"{selectors.who(pending.submitted_by)} on {pending.submitted_at:%Y-%m-%d}). "
                f"Submitting changes would replace it: cancel the withdrawal request first if "
                f"the entry should stay public."
            )
        snapshot = serialize(with_snapshot_data(entry))
        if problem := selectors.address_problem(entry=entry, snapshot=snapshot):
            raise ReviewError(problem)
    if pending is not None:  # a newer request replaces it (a withdrawal may replace changes)
        pending.status = Status.SUPERSEDED
        pending.save(update_fields=["status"])
    submission = Submission.objects.create(
        **{entry.entry_field: entry},
        action=action,
        snapshot=snapshot,
        fingerprint=fingerprint(snapshot),
        title=snapshot.get("title", str(entry)),
        note=note,
        public_note=public_note,
        submitted_by=user,
    )
    submission.superseded = pending  # for the caller's message; not stored
    tasks.email_reviewers.enqueue(submission.pk)
    return submission


def withdraw(*, entry: Condition | Topic, user, note: str, public_note: str = "") -> Submission:
    """Ask for a published entry to be withdrawn. Nothing changes until a reviewer approves."""
    if not (note or "").strip():
        raise ReviewError("Say why the entry should be withdrawn: the note is required.")
    return submit(
        entry=entry, user=user, note=note, public_note=public_note, action=Action.WITHDRAW
    )


@transaction.atomic
def cancel_withdrawal(*, entry: Condition | Topic, user) -> Submission:
    """Take back a withdrawal request that waits for review: the page stays as it is."""
    require(can_submit(user, type(entry)), "cancel withdrawal requests")
    entry = lock_entry(entry)
    pending = (
        Submission.objects.for_entry(entry)
        .pending()
        .filter(action=Action.WITHDRAW)
        .select_for_update()
        .first()
    )
    if pending is None:
        raise ReviewError(f"No withdrawal of “{entry}” waits for review: nothing was cancelled.")
    pending.status = Status.CANCELLED
    pending.cancelled_by = user
    pending.decided_at = timezone.now()
    pending.save(update_fields=["status", "cancelled_by", "decided_at"])
    return pending


def record_visit(*, submission: Submission, user) -> None:
    """Remember that a medical reviewer saw this version, so that when the entry comes back
    its review page can show them what changed since."""
    if not (submission.is_pending and can_review(user)):
        return  # an old decision opened from the history is not the version under review
    try:
        with transaction.atomic():
            ReviewVisit.objects.update_or_create(
                submission=submission, reviewer=user, defaults={"seen_at": timezone.now()}
            )
    except IntegrityError:
        pass  # the same reviewer's other tab recorded it at the same moment


def submitted_it_problem(*, submission: Submission, user) -> str:
    if submission.submitted_by_id == user.pk:
        return "You submitted this yourself: another medical reviewer must decide on it."
    return ""


def edited_it_problem(
    *, entry: Condition | Topic, user, current: Publication | None, snapshot: dict | None = None
) -> str:
    if selectors.edited_since_content_review(
        entry=entry, user=user, current=current, snapshot=snapshot
    ):
        return (
            "You edited this entry since its content was last reviewed, and nobody else has "
            "reviewed your changes yet: another medical reviewer must review it."
        )
    return ""


def four_eyes_problem(*, submission: Submission, user, current=UNREAD) -> str:
    """Why ``user`` may not approve ``submission``, or "" when they may. A caller that has read
    the entry's ``current`` publication (None if it has none) passes it.

    A withdrawal publishes no new content (only a page taking the reviewed one down), so the
    reviewer's own unreviewed edits do not stand in its way: an urgent withdrawal is not held up.
    """
    if problem := submitted_it_problem(submission=submission, user=user):
        return problem
    if submission.is_withdrawal:
        return ""
    entry = submission.entry
    if current is UNREAD:
        current = selectors.current_publication(entry)
    return edited_it_problem(entry=entry, user=user, current=current, snapshot=submission.snapshot)


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
    submission = (
        Submission.objects.select_related("submitted_by")  # whom the decision is emailed to
        .select_for_update(of=("self",))
        .get(pk=submission.pk)
    )
    setattr(submission, entry.entry_field, entry)  # the row just locked, not read once more
    if not submission.is_pending:
        decided = f" by {submission.decided_by}" if submission.decided_by else ""
        raise ReviewError(
            f"This submission is no longer waiting for review: it was "
            f"{submission.get_status_display().lower()}{decided}. Nothing was changed."
        )
    return entry, submission


def approve(
    *, submission: Submission, reviewer, comment: str = "", public_note: str | None = None
) -> Publication:
    """Publish exactly the submitted snapshot, as reviewed by ``reviewer`` today.

    ``public_note`` is the "what changed" line readers see; by default the editor's proposal,
    or a neutral line. The note to the reviewer and ``comment`` stay private.
    """
    require(can_review(reviewer), "approve submissions")
    comment = clean_text(comment, label="Comment")
    if public_note is not None:
        public_note = clean_text(public_note, label="What changed", single_line=True)
    try:
        with transaction.atomic():
            entry, submission = lock_pending(submission)
            current = selectors.current_publication(entry)
            if problem := four_eyes_problem(submission=submission, user=reviewer, current=current):
                raise ReviewError(problem)
            withdrawal = submission.is_withdrawal
            if not withdrawal and (
                problem := selectors.address_problem(entry=entry, snapshot=submission.snapshot)
            ):
                raise ReviewError(problem)
            person = reviewer_profile(reviewer)
            if public_note is not None:  # the reviewer's wording; empty means the neutral line
                submission.public_note = public_note
            submission.public_note = proposed_public_note(submission)
            now = timezone.now()
            submission.status = Status.APPROVED
            submission.decided_by = reviewer
            submission.decided_at = now
            submission.comment = comment
            submission.save(update_fields=DECISION_FIELDS)
            publication = publish(
                entry=entry,
                snapshot=submission.snapshot,
                reviewer=person,
                review_type=ReviewType.WITHDRAWAL if withdrawal else ReviewType.CONTENT,
                approved_by=reviewer,
                change_note=submission.public_note,
                published_at=now,
                submission=submission,
                current=current,
            )
    except IntegrityError as error:
        raise ReviewError(
            "Someone else published this entry, or another one at the same address, at the "
            "same moment; reload the page to see what changed."
        ) from error
    tasks.email_submitter.enqueue(submission.pk)
    return publication


@transaction.atomic
def request_changes(*, submission: Submission, reviewer, comment: str) -> Submission:
    """Send the submission back to its editor with a comment saying what to change."""
    require(can_review(reviewer), "send submissions back")
    comment = clean_text(comment, label="Comment")
    if not comment:
        raise ReviewError("Say what needs to change: the comment is required.")
    _, submission = lock_pending(submission)
    if problem := submitted_it_problem(submission=submission, user=reviewer):
        raise ReviewError(problem)
    submission.status = Status.CHANGES_REQUESTED
    submission.decided_by = reviewer
    submission.decided_at = timezone.now()
    submission.comment = comment
    submission.save(update_fields=DECISION_FIELDS)
    tasks.email_submitter.enqueue(submission.pk)
    return submission


@transaction.atomic
def confirm(*, entry: Condition | Topic, reviewer, comment: str = "") -> Publication:
    """Confirm that the published entry is still accurate: renews its review dates only.

    The content, its "Updated" date and the four-eyes window stay those of its last content
    review; the reviewer's comment stays private.
    """
    require(can_review(reviewer), "confirm entries as still accurate")
    comment = clean_text(comment, label="Comment")
    entry = lock_entry(entry)
    current = selectors.current_publication(entry)
    if current is None or current.is_withdrawn:
        raise ReviewError("Only a published entry can be confirmed as still accurate.")
    if selectors.pending_submission(entry) is not None:
        raise ReviewError("A submission of this entry waits for review: decide on it instead.")
    if problem := edited_it_problem(
        entry=entry, user=reviewer, current=current, snapshot=current.snapshot
    ):
        raise ReviewError(problem)
    return publish(
        entry=entry,
        current=current,
        snapshot=current.snapshot,
        reviewer=reviewer_profile(reviewer),
        review_type=ReviewType.CONFIRMATION,
        approved_by=reviewer,
        change_note=CONFIRM_NOTE,
        reviewer_comment=comment,
    )

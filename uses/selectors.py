"""Reads that the review workflow, the admin and the commands share: states, queues, due lists.

Writes (the workflow steps) live in ``uses.review``; nothing here changes a row.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Exists, F, Func, IntegerField, Max, OuterRef, Q, Value
from django.db.models.lookups import Exact
from django.utils import timezone

from uses.models import (
    Action,
    Condition,
    Evidence,
    EvidenceSource,
    Kind,
    Publication,
    ReviewState,
    Source,
    Status,
    Submission,
    Topic,
)
from uses.models.content import history_rows
from uses.models.publishing import address_of
from uses.roles import REVIEWERS
from uses.serializers import condition_queryset, fingerprint, serialize

__all__ = ["EntryState", "ReviewState"]


@dataclass(frozen=True)
class EntryState:
    code: ReviewState
    changed_since_submitted: bool = False
    review_overdue: bool = False

    @property
    def label(self) -> str:
        return self.code.label


def current_publication(entry: Condition | Topic) -> Publication | None:
    return Publication.objects.current().filter(**{entry.entry_field: entry}).first()


def pending_submission(entry: Condition | Topic) -> Submission | None:
    """The entry's submission waiting for review, without its snapshot (nobody reads it)."""
    return Submission.objects.for_entry(entry).pending().defer("snapshot").first()


def last_seen_submission(*, submission: Submission, user) -> Submission | None:
    """The earlier submission of the same entry that ``user`` last opened for review."""
    return (
        Submission.objects.for_entry(submission.entry)
        .filter(visits__reviewer=user, submitted_at__lt=submission.submitted_at)
        .select_related("decided_by")
        .order_by("-visits__seen_at")
        .first()
    )


def pending_count() -> int:
    return Submission.objects.pending().count()


def reviewer_emails() -> list[str]:
    users = get_user_model().objects.filter(groups__name=REVIEWERS, is_active=True)
    return list(users.exclude(email="").values_list("email", flat=True))


def made_by(user) -> Exact:
    """History rows that ``user`` made, as a condition the database checks row by row.

    What one person edited may span the whole catalogue (an import, years of work); an entry's
    history does not. The unary plus keeps the database from starting at the index of who made
    each change (SQLite, without table statistics, would), so each query below starts from the
    entry's own rows.
    """
    editor = Func(F("history_user_id"), template="+%(expressions)s", output_field=IntegerField())
    return Exact(editor, user.pk)


def edited_since_content_review(
    *, entry: Condition | Topic, user, current: Publication | None, snapshot: dict | None = None
) -> bool:
    """Did ``user`` change the entry, its evidence or a source it cites (now, or in
    ``snapshot``) in a way no other person has reviewed as this entry's content? ``current``
    is the entry's current publication (None if it has none).

    Claims and sources in the published content count from the time it was frozen. Any other
    claim or source (newly cited, or moved in from another use) counts from the beginning: its
    text was never reviewed as part of this entry. One query, whatever the size of the history.
    """
    since = current.frozen_at if current else datetime.datetime.min.replace(tzinfo=datetime.UTC)
    recent = Q(history_date__gt=since)
    edits = [history_rows(type(entry)).filter(made_by(user), recent, id=entry.pk)]
    if isinstance(entry, Condition):
        reviewed = current.content if current else {"evidence": [], "sources": []}
        reviewed_claims = [item["id"] for item in reviewed["evidence"] if item["id"] is not None]
        reviewed_sources = [source["key"] for source in reviewed["sources"]]
        # Claims that belong, or once belonged, to the entry.
        claims = history_rows(Evidence).filter(condition_id=entry.pk).values("id")
        edits.append(
            history_rows(Evidence)
            .filter(made_by(user), id__in=claims)
            .filter(recent | ~Q(id__in=reviewed_claims))
        )
        # Sources it cites, and sources its snapshot cites: two look-ups, one index each (as one
        # condition with OR between them, PostgreSQL reads every row of the table instead).
        source_edits = (
            history_rows(Source).filter(made_by(user)).filter(recent | ~Q(key__in=reviewed_sources))
        )
        cited = EvidenceSource.objects.filter(evidence__condition_id=entry.pk).values("source_id")
        edits.append(source_edits.filter(id__in=cited))
        if cited_keys := [source["key"] for source in (snapshot or {}).get("sources", [])]:
            edits.append(source_edits.filter(key__in=cited_keys))
    first, *others = (edit.values_list(Value(1)) for edit in edits)
    return first.union(*others, all=True).exists()


# What ``address_problem`` says of the publication that holds an address.
ADDRESS_HOLDER_COLUMNS = ("kind", "slug", "title", "is_current", "is_withdrawn")


def address_holder(*, entry: Condition | Topic, snapshot: dict) -> Publication | None:
    """The publication of another entry that holds the address ``snapshot`` would take.

    Any publication holds its address for its entry: a current page, a withdrawn one (410
    Gone) and an earlier address that now redirects (301) to the entry's page.
    """
    kind, slug = snapshot.get("kind"), snapshot.get("slug")
    if kind == Kind.OVERVIEW:  # the home page, whatever its slug: held by the public overview
        holders = Publication.objects.public().overview()
    else:
        holders = Publication.objects.filter(kind=kind, slug=slug)
    holders = holders.exclude(**{entry.entry_field: entry}).only(*ADDRESS_HOLDER_COLUMNS)
    return holders.order_by("-is_current", "-published_at", "-pk").first()


def address_problem(*, entry: Condition | Topic, snapshot: dict) -> str:
    """Why ``snapshot`` may not be published at its address, or "" when it may."""
    holder = address_holder(entry=entry, snapshot=snapshot)
    if holder is None:
        return ""
    if holder.kind == Kind.OVERVIEW:
        return (
            f"The home page belongs to “{holder.title}”, the published overview. Another topic "
            f"becomes the overview only after that one is withdrawn through review."
        )
    address = address_of(holder.kind, holder.slug)
    if holder.is_current and holder.is_withdrawn:
        how = "a withdrawn page, which answers 410 Gone there"
    elif holder.is_current:
        how = "a published page"
    else:
        how = "its earlier address, which redirects (301) to its page"
    return (
        f"The address {address} belongs to “{holder.title}”: {how}. Another entry cannot take "
        f"it. Change the slug of “{snapshot.get('title', entry)}” and submit again."
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
        .exclude(status=Status.CANCELLED)
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
        return EntryState(ReviewState.IN_REVIEW, changed, overdue)
    if current is not None and current.is_withdrawn:
        return EntryState(ReviewState.WITHDRAWN)
    sent_back = latest is not None and latest.status == Status.CHANGES_REQUESTED
    if sent_back and (current is None or latest.submitted_at > current.published_at):
        return EntryState(ReviewState.CHANGES_REQUESTED, False, overdue)
    if current is None:
        return EntryState(ReviewState.DRAFT)
    if current.fingerprint != working_fingerprint:
        return EntryState(ReviewState.CHANGED, False, overdue)
    return EntryState(ReviewState.PUBLISHED, False, overdue)


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


# --- each role's inbox on the admin index -------------------------------------------------------

INBOX_LIMIT = 20  # rows a list shows; its count is always the full number


def _latest_per_entry(submissions):
    """Keep each entry's newest submission only (later ones supersede what was sent back)."""
    same_entry = Q(condition__isnull=False, condition_id=OuterRef("condition_id")) | Q(
        topic__isnull=False, topic_id=OuterRef("topic_id")
    )
    newer = Submission.objects.filter(same_entry, submitted_at__gt=OuterRef("submitted_at"))
    newer = newer.exclude(status=Status.CANCELLED)
    return submissions.exclude(Exists(newer))


def changes_requested_of(user):
    """The user's submissions a reviewer sent back, not yet resubmitted: newest decision first."""
    return (
        _latest_per_entry(
            Submission.objects.filter(submitted_by=user, status=Status.CHANGES_REQUESTED)
        )
        .select_related("decided_by", "condition", "topic")
        .order_by("-decided_at")
    )


def waiting_submissions(user=None):
    """Submissions waiting for a decision, oldest first (only ``user``'s when given)."""
    queue = Submission.objects.pending().select_related("submitted_by", "condition", "topic")
    if user is not None:
        queue = queue.filter(submitted_by=user)
    return queue.order_by("submitted_at", "pk")


def unsubmitted_edits(user, *, limit: int = INBOX_LIMIT) -> list[dict]:
    """Entries ``user`` edited that hold changes not yet submitted, most recently edited first:
    [{"entry", "state", "edited_at"}]. Looks at the entries they edited last (``limit`` * 3)."""
    rows = []
    for model in (Condition, Topic):
        edits = (
            history_rows(model)
            .filter(history_user=user)
            .values("id")
            .annotate(edited_at=Max("history_date"))
            .order_by("-edited_at")[: limit * 3]
        )
        edited_at = {row["id"]: row["edited_at"] for row in edits}
        states = entry_states(model.objects.filter(pk__in=edited_at))
        entries = model.objects.in_bulk(list(states))
        for pk, state in states.items():
            unsubmitted = state.code in UNSUBMITTED_STATES or state.changed_since_submitted
            if unsubmitted:
                rows.append({"entry": entries[pk], "state": state, "edited_at": edited_at[pk]})
    rows.sort(key=lambda row: row["edited_at"], reverse=True)
    return rows[:limit]


# An entry sent back is listed under "changes requested" instead.
UNSUBMITTED_STATES = {ReviewState.DRAFT, ReviewState.CHANGED}


# --- every version of an entry, for comparing any two -----------------------------------------


@dataclass(frozen=True)
class Version:
    key: str  # "working", "s12" (a submission) or "p7" (a publication)
    label: str
    snapshot: dict
    detail: str = ""
    is_current: bool = False


def who(user) -> str:
    """A login as people call it: full name, or the username when it has none."""
    return (user.get_full_name() or user.get_username()) if user else "nobody"


def entry_versions(entry: Condition | Topic) -> list[Version]:
    """The working copy, then every submission and publication of ``entry``, newest first,
    each labelled with who submitted or approved it and when."""
    dated = []
    for publication in (
        Publication.objects.filter(**{entry.entry_field: entry})
        .select_related("reviewer")
        .order_by("-published_at", "-pk")
    ):
        when = f"{publication.published_at:%Y-%m-%d %H:%M}"
        current = ", current" if publication.is_current else ""
        label = (
            f"{when}: {publication.get_review_type_display().lower()} by "
            f"{publication.reviewer.display_name}{current}"
        )
        detail = f"Public line: “{publication.change_note}”" if publication.change_note else ""
        dated.append(
            (
                publication.published_at,
                Version(
                    f"p{publication.pk}",
                    label,
                    publication.snapshot,
                    detail,
                    is_current=publication.is_current,
                ),
            )
        )
    for submission in (
        Submission.objects.for_entry(entry)
        .select_related("submitted_by", "decided_by")
        .order_by("-submitted_at", "-pk")
    ):
        when = f"{submission.submitted_at:%Y-%m-%d %H:%M}"
        decided = f" by {who(submission.decided_by)}" if submission.decided_by else ""
        label = (
            f"{when}: {submission.get_action_display().lower()} submitted by "
            f"{who(submission.submitted_by)}; {submission.get_status_display().lower()}"
            f"{decided}"
        )
        dated.append(
            (submission.submitted_at, Version(f"s{submission.pk}", label, submission.snapshot))
        )
    dated.sort(key=lambda pair: pair[0], reverse=True)
    working = Version("working", "Working copy, as it is now (not reviewed)", serialize(entry))
    return [working, *(version for _, version in dated)]

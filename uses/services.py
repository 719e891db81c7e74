"""Writes that touch several models. Admin actions, views, commands and tests call these."""

import datetime

from django.db import transaction
from django.utils import timezone

from uses import tallies, tasks
from uses.cache import public_record_changed
from uses.models import Condition, Person, Publication, PublishedSource, ReviewType, Topic
from uses.serializers import (
    SCHEMA_VERSION,
    is_reference,
    publication_columns,
    serialize,
    upgrade_snapshot,
    with_snapshot_data,
)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later, or the month's last day when it has fewer days."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")


# What ``publish`` is given when its caller has not read the entry's current publication.
UNREAD = object()


def lock_entry(entry: Condition | Topic) -> Condition | Topic:
    """Lock the entry's row until the transaction ends: its publications happen one at a time."""
    return type(entry).objects.select_for_update().get(pk=entry.pk)


def build_publication(
    *,
    entry: Condition | Topic,
    snapshot: dict,
    reviewer: Person,
    review_type: str = ReviewType.CONTENT,
    current: Publication | None = None,
    submission=None,
    published_at: datetime.datetime | None = None,
    reviewed_on: datetime.date | None = None,
    first_published_on: datetime.date | None = None,
    author: Person | None = None,
    **record,
) -> Publication:
    """The publication that publishing ``snapshot`` makes, unsaved.

    ``publish`` saves it; the review page's preview renders it, so that the preview cannot drift
    from what approval does. ``current`` is the entry's current publication, or None when the
    entry has never been published (publications are never deleted, and the latest stays
    current, a withdrawal too). Every publication of an entry carries the date of its first,
    so the new one takes it from ``current``. A confirmation or a withdrawal keeps the content
    dates of ``current``, so neither moves the "Updated" date readers see nor reopens the
    four-eyes window for edits nobody else has reviewed.

    A caller that builds many publications at once may pass the snapshot's ``author`` (it is
    used only if its slug is the snapshot's): that spares a query.
    """
    published_at = published_at or timezone.now()
    reviewed_on = reviewed_on or timezone.localdate(published_at)
    author_slug = (snapshot.get("author") or {}).get("slug")
    if author is None or author.slug != author_slug:
        author = Person.objects.filter(slug=author_slug).first()
    if current is not None:
        first_published_on = current.first_published_on
    if review_type == ReviewType.CONTENT or current is None:
        frozen_at = submission.submitted_at if submission else published_at
        content_published_at = published_at
    else:
        frozen_at, content_published_at = current.frozen_at, current.content_published_at
    interval = snapshot.get("review_interval_months", entry.review_interval_months)
    return Publication(
        **{entry.entry_field: entry},
        **publication_columns(snapshot),
        is_current=True,
        is_withdrawn=review_type == ReviewType.WITHDRAWAL,
        review_type=review_type,
        submission=submission,
        schema_version=snapshot.get("schema", SCHEMA_VERSION),
        snapshot=snapshot,
        author=author,
        reviewer=reviewer,
        published_at=published_at,
        content_published_at=content_published_at,
        frozen_at=frozen_at,
        reviewed_on=reviewed_on,
        first_published_on=first_published_on or timezone.localdate(published_at),
        next_review_due=add_months(reviewed_on, interval),
        **record,
    )


def published_sources(publication: Publication) -> list[PublishedSource]:
    """The rows that list what ``publication`` (saved) cites, unsaved: one per source of its
    snapshot, shown as a reference or a mention by the same rule as its page."""
    public = tallies.is_public_use(publication)
    return [
        PublishedSource(
            publication=publication,
            key=source["key"],
            title=source["title"],
            sort_title=source["title"].lower(),
            is_reference=is_reference(source),
            position=position,
            data=source,
            use_position=publication.position,
            use_title=publication.title,
            is_public=public,
        )
        for position, source in enumerate(upgrade_snapshot(publication.snapshot)["sources"])
    ]


# Atomic on its own; inside a caller's transaction (an approval, a confirmation) it is part of
# that one, with no savepoint of its own: a failure undoes the caller's whole step anyway.
@transaction.atomic(savepoint=False)
def publish(
    *,
    entry: Condition | Topic,
    reviewer: Person,
    snapshot: dict | None = None,
    review_type: str = ReviewType.CONTENT,
    approved_by=None,
    change_note: str = "",
    reviewer_comment: str = "",
    published_at: datetime.datetime | None = None,
    reviewed_on: datetime.date | None = None,
    first_published_on: datetime.date | None = None,
    submission=None,
    current=UNREAD,
) -> Publication:
    """Make ``snapshot`` (by default the entry as it is now) the entry's current publication.

    The review workflow passes the snapshot it froze at submission, so that what is published is
    exactly what was reviewed. ``first_published_on`` is only for history older than this site
    (the source article's own publication date); otherwise the entry's first publication sets it.

    A caller that has locked the entry (``lock_entry``) in this transaction and then read its
    ``current`` publication (None if it has none) passes both; otherwise publish does both.
    """
    history = Publication.objects.filter(**{entry.entry_field: entry})
    if current is UNREAD:
        entry = lock_entry(entry)
        current = history.filter(is_current=True).first()
    # Before anything is counted, so that publishing transactions take the version one after
    # the other (uses.tallies): every server's pages and ETags move with this transaction.
    public_record_changed()
    publication = build_publication(
        entry=entry,
        snapshot=serialize(with_snapshot_data(entry)) if snapshot is None else snapshot,
        reviewer=reviewer,
        review_type=review_type,
        current=current,
        submission=submission,
        published_at=published_at,
        reviewed_on=reviewed_on,
        first_published_on=first_published_on,
        approved_by=approved_by,
        change_note=change_note,
        reviewer_comment=reviewer_comment,
    )
    if current is not None:  # the entry is locked: no other publication became current since
        history.filter(pk=current.pk).update(is_current=False)
        PublishedSource.objects.filter(publication=current).update(is_public=False)
    publication.save(force_insert=True)
    PublishedSource.objects.bulk_create(published_sources(publication))
    tallies.record_publication(before=current, after=publication)
    tasks.queue_export_of(publication)
    return publication

"""Writes that touch several models. Admin actions, views, commands and tests call these."""

import datetime

from django.db import transaction
from django.utils import timezone

from uses.models import Condition, Person, Publication, Topic
from uses.serializers import SCHEMA_VERSION, publication_columns, serialize


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


def lock_entry(entry: Condition | Topic) -> Condition | Topic:
    """Lock the entry's row until the transaction ends: its publications happen one at a time."""
    return type(entry).objects.select_for_update().get(pk=entry.pk)


@transaction.atomic
def publish(
    *,
    entry: Condition | Topic,
    reviewer: Person,
    snapshot: dict | None = None,
    approved_by=None,
    change_note: str = "",
    published_at: datetime.datetime | None = None,
    reviewed_on: datetime.date | None = None,
    first_published_on: datetime.date | None = None,
    submission=None,
    withdrawn: bool = False,
    frozen_at: datetime.datetime | None = None,
) -> Publication:
    """Make ``snapshot`` (by default the entry as it is now) the entry's current publication.

    The review workflow passes the snapshot it froze at submission, so that what is published is
    exactly what was reviewed. ``first_published_on`` is only for history older than this site
    (the source article's own publication date); otherwise the entry's first publication sets it.
    """
    entry = lock_entry(entry)
    if snapshot is None:
        snapshot = serialize(entry)
    published_at = published_at or timezone.now()
    reviewed_on = reviewed_on or timezone.localdate(published_at)
    history = Publication.objects.filter(**{entry.entry_field: entry})
    earliest = history.order_by("first_published_on").first()
    if earliest is not None:
        first_published_on = earliest.first_published_on
    history.filter(is_current=True).update(is_current=False)
    interval = snapshot.get("review_interval_months", entry.review_interval_months)
    return Publication.objects.create(
        **{entry.entry_field: entry},
        **publication_columns(snapshot),
        is_current=True,
        is_withdrawn=withdrawn,
        submission=submission,
        schema_version=snapshot.get("schema", SCHEMA_VERSION),
        snapshot=snapshot,
        author=Person.objects.filter(slug=(snapshot.get("author") or {}).get("slug")).first(),
        reviewer=reviewer,
        approved_by=approved_by,
        change_note=change_note,
        published_at=published_at,
        frozen_at=frozen_at or (submission.submitted_at if submission else published_at),
        reviewed_on=reviewed_on,
        first_published_on=first_published_on or timezone.localdate(published_at),
        next_review_due=add_months(reviewed_on, interval),
    )

"""The public record's version: what every public page's cache key and ETag are made of.

Every change that alters what public pages show calls ``public_record_changed()`` in its own
transaction: a publication (approval, withdrawal, confirmation, the article's load) through
``services.publish``, and the site-level text that goes live when saved (people, the editorial
policy's flat page) through the signals below. Every app server reads the version once per
public request (``current_version``), so the next request to any server after the commit sees the
change, with no shared cache and nothing to purge.
"""

import datetime

from django.contrib.flatpages.models import FlatPage
from django.db import connection
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from uses import tasks
from uses.models import Person, Publication, PublicVersion

VERSION_PK = 1
_READ_VERSION = (
    f"SELECT counter, changed_at FROM {PublicVersion._meta.db_table} WHERE id = {VERSION_PK}"
)


def public_record_changed() -> None:
    """Move the public record to a new version, in the caller's transaction.

    The row stays locked until the transaction ends, so concurrent publishing transactions
    take their versions one after the other, and a rolled-back change leaves the version alone.
    """
    now = timezone.now()
    updated = PublicVersion.objects.filter(pk=VERSION_PK).update(
        counter=F("counter") + 1, changed_at=now
    )
    if not updated:  # a database flushed after its migrations (some tests)
        PublicVersion.objects.update_or_create(
            pk=VERSION_PK, defaults={"counter": 1, "changed_at": now}
        )


def current_version() -> tuple[int, datetime.datetime | None]:
    """The public record's version and when it changed: one query on the primary key."""
    with connection.cursor() as cursor:
        cursor.execute(_READ_VERSION)
        row = cursor.fetchone()
    if row is None:
        return 0, None
    counter, changed_at = row
    if isinstance(changed_at, str):  # pragma: no cover - a backend without converters
        changed_at = datetime.datetime.fromisoformat(changed_at)
    if timezone.is_naive(changed_at):  # SQLite keeps UTC without an offset
        changed_at = changed_at.replace(tzinfo=datetime.UTC)
    return counter, changed_at


# Site-level text goes live when saved (DESIGN.md, invariant 1): its saves change the record too.
# These run inside the save's transaction (the admin's is atomic), not on commit: a version moved
# after the commit would leave a moment in which a server caches the new content as the old one.
# Publications are written by ``services.publish``, which calls ``public_record_changed`` itself.
# The sites framework's domain is not here: it follows DJANGO_SITE_URL (apps.sync_site), which is
# part of the release token (uses/http.py).
@receiver(post_save, sender=Person, dispatch_uid="public-record-person-saved")
@receiver(post_delete, sender=Person, dispatch_uid="public-record-person-deleted")
@receiver(post_save, sender=FlatPage, dispatch_uid="public-record-flatpage-saved")
@receiver(post_delete, sender=FlatPage, dispatch_uid="public-record-flatpage-deleted")
@receiver(post_delete, sender=Publication, dispatch_uid="public-record-publication-deleted")
def site_text_changed(sender, **kwargs):
    public_record_changed()
    tasks.queue_export([])  # the pages that are not an entry's: people, the editorial policy


@receiver(m2m_changed, sender=FlatPage.sites.through, dispatch_uid="public-record-flatpage-sites")
def flatpage_sites_changed(sender, action, **kwargs):
    if action in {"post_add", "post_remove", "post_clear"}:
        public_record_changed()
        tasks.queue_export([])

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from uses.models import Person, Publication


class PublicationSitemap(Sitemap):
    """Every current publication; its last modification is its content's last approval.

    In pages of ``limit`` addresses (about 100 bytes each), so each file stays near 50 KB and
    renders in a few tens of milliseconds."""

    limit = 500

    def items(self):
        return (
            Publication.objects.public()
            .only("kind", "slug", "content_published_at")
            .order_by("kind", "position", "pk")
        )

    def lastmod(self, item):
        return item.content_published_at

    def get_latest_lastmod(self):
        # The framework's default calls lastmod() on every item: one aggregate instead.
        return Publication.objects.public().aggregate(latest=Max("content_published_at"))["latest"]


class PersonSitemap(Sitemap):
    """The profiles of the people public pages name."""

    def items(self):
        # A few dozen people at most: one query, where a queryset would also be counted, and
        # once per request (the framework asks for the items to count them and again to date them).
        if self._people is None:
            self._people = list(
                Person.objects.named_on_public_pages().with_last_change().order_by("slug")
            )
        return self._people

    _people = None

    def lastmod(self, item):
        return item.last_change


class PageSitemap(Sitemap):
    def items(self):
        return [
            "uses:condition-list",
            "uses:source-list",
            "uses:evidence-map",
            "uses:grading",
            "uses:editorial-policy",
        ]

    def location(self, item):
        return reverse(item)


SITEMAPS = {"entries": PublicationSitemap, "people": PersonSitemap, "pages": PageSitemap}

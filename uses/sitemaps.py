import functools

from django.contrib.sitemaps import Sitemap
from django.db.models import Max

from uses.addresses import address, address_maker
from uses.models import Person, Publication
from uses.models.publishing import PAGE_OF_KIND, address_of


class PlainSitemap(Sitemap):
    """A section with no change frequency or priority (the framework asks for both for every
    address: said here, it finds them at once), printed by ``uses/sitemap.xml``."""

    changefreq = None
    priority = None


class PublicationSitemap(PlainSitemap):
    """Every current publication; its last modification is its content's last approval.

    In pages of ``limit`` addresses (about 100 bytes each), so each file stays near 50 KB and
    renders in a few tens of milliseconds. An item is a row's kind, slug and date: no model
    instance is built for an address."""

    limit = 500

    def items(self):
        return (
            Publication.objects.public()
            .order_by("kind", "position", "pk")
            .values_list("kind", "slug", "content_published_at")
        )

    def location(self, item):
        kind, slug, _ = item
        if kind in self._addresses:
            return self._addresses[kind](slug)
        return address_of(kind, slug)

    @functools.cached_property
    def _addresses(self):
        # The framework makes a sitemap for each request: these hold for one request's pages.
        return {kind: address_maker(page) for kind, page in PAGE_OF_KIND.items()}

    def lastmod(self, item):
        return item[2]

    def get_latest_lastmod(self):
        # The framework's default calls lastmod() on every item: one aggregate instead.
        return Publication.objects.public().aggregate(latest=Max("content_published_at"))["latest"]


class PersonSitemap(PlainSitemap):
    """The profiles of the people public pages name."""

    # Built once per process and copied for each request, as a generic view's ``queryset`` is:
    # its five subqueries took longer to build than the database takes to answer them. An
    # address and a date are all it reads of a person.
    queryset = (
        Person.objects.named_on_public_pages().with_last_change().only("slug").order_by("slug")
    )

    def items(self):
        # A few dozen people at most: one query, where a queryset would also be counted, and
        # once per request (the framework asks for the items to count them and again to date them).
        if self._people is None:
            self._people = list(self.queryset.all())  # a copy: never the shared queryset
        return self._people

    _people = None

    def lastmod(self, item):
        return item.last_change


class PageSitemap(PlainSitemap):
    def items(self):
        return [
            "uses:condition-list",
            "uses:source-list",
            "uses:evidence-map",
            "uses:grading",
            "uses:editorial-policy",
        ]

    def location(self, item):
        return address(item)


SITEMAPS = {"entries": PublicationSitemap, "people": PersonSitemap, "pages": PageSitemap}

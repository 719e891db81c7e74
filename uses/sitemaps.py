from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from uses.models import Person, Publication


class PublicationSitemap(Sitemap):
    """Every current publication; its last modification is its content's last approval."""

    def items(self):
        return (
            Publication.objects.public()
            .defer("snapshot", "search_text")
            .order_by("kind", "position", "pk")
        )

    def lastmod(self, item):
        return item.content_published_at


class PersonSitemap(Sitemap):
    """The profiles of the people public pages name."""

    def items(self):
        # A few dozen people at most: one query, where a queryset would also be counted.
        return list(Person.objects.named_on_public_pages().with_last_change().order_by("slug"))

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

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from uses.models import Publication


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


SITEMAPS = {"entries": PublicationSitemap, "pages": PageSitemap}

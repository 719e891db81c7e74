from django.conf import settings
from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed

from uses.models import Publication


class PlainTextAtomFeed(Atom1Feed):
    """Atom whose summaries are plain text: a reader never interprets a change line as HTML."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, {**item, "description": None})
        if item["description"] is not None:
            handler.addQuickElement("summary", item["description"], {"type": "text"})


class UpdatesFeed(Feed):
    """Every approved publication, newest first: what changed and who reviewed it."""

    feed_type = PlainTextAtomFeed
    title = "Naltrexone uses: reviewed updates"
    subtitle = "Each entry as it is published after medical review."
    link = "/"
    limit = 50

    def items(self):
        return (
            Publication.objects.of_public_entries()
            .select_related("reviewer")
            .defer("snapshot", "search_text")
            .order_by("-published_at", "-pk")[: self.limit]
        )

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        note = item.change_note or "Published after medical review."
        reviewed = f"{item.reviewed_on:%B} {item.reviewed_on.day}, {item.reviewed_on.year}"
        return f"{note} Medically reviewed by {item.reviewer.display_name} on {reviewed}."

    def item_link(self, item):
        return item.get_absolute_url()

    def item_guid(self, item):
        return f"{settings.SITE_URL}/feed/publication/{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.published_at

    def item_author_name(self, item):
        return item.reviewer.display_name

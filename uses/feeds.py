import io

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed

from uses.models import Publication

# What an entry of the feed says: its page, title, change line, dates and reviewer.
ITEM_COLUMNS = (
    "kind", "slug", "title", "change_note", "reviewed_on", "published_at",
    "reviewer", "reviewer__name", "reviewer__credentials",
)  # fmt: skip


class PlainTextAtomFeed(Atom1Feed):
    """Atom whose summaries are plain text: a reader never interprets a change line as HTML."""

    def write(self, outfile, encoding):
        # Into a buffer, then once into the response: written straight to it, each of the XML
        # writer's ~1,800 events was a write of the response's own.
        buffer = io.BytesIO()
        super().write(buffer, encoding)
        outfile.write(buffer.getvalue())

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
            .only(*ITEM_COLUMNS)
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
    # What the entries do not have, said once: the framework asks for each of these for every
    # entry and, not finding it, pays for an exception.
    item_enclosures = ()
    item_author_email = item_author_link = None
    item_comments = item_categories = item_copyright = None

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.published_at

    def item_author_name(self, item):
        return item.reviewer.display_name

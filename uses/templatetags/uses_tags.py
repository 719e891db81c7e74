import datetime
import json
import threading

import markdown as markdown_lib
import nh3
from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from uses import addresses
from uses.grading import label_named

register = template.Library()

ALLOWED_TAGS = {
    "p", "a", "em", "strong", "ul", "ol", "li", "blockquote", "h2", "h3", "h4",
    "code", "pre", "br", "hr", "abbr", "sup", "sub", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}}
# What JSON inside a <script> element must not contain literally.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def render_markdown(text: str, *, anchors: bool = False) -> str:
    """Markdown to HTML, sanitised: whatever an editor types, no script or style survives.

    With ``anchors``, headings get ids so that other pages can link to a section.
    """
    return sanitise(_converter(anchors).convert(text or ""), anchors=anchors)


def sanitise(html: str, *, anchors: bool = False) -> str:
    """Only the tags and attributes that Markdown text may produce, links to the web only."""
    attributes = ALLOWED_ATTRIBUTES
    if anchors:
        attributes = {**attributes, "h2": {"id"}, "h3": {"id"}}
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=attributes,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


_converters = threading.local()


def _converter(anchors: bool) -> markdown_lib.Markdown:
    """A Markdown converter of this thread's, reset for a new text. Made once a thread (one
    holds state while converting): making one took as long as converting a page's text."""
    name = "anchors" if anchors else "plain"
    converter = getattr(_converters, name, None)
    if converter is None:
        extensions = ["sane_lists", *(["toc"] if anchors else [])]
        converter = markdown_lib.Markdown(extensions=extensions, output_format="html")
        setattr(_converters, name, converter)
    return converter.reset()


@register.filter
def markdown(text: str, option: str = "") -> str:
    return mark_safe(render_markdown(text, anchors=option == "anchors"))


@register.simple_tag
def jsonld(data: dict) -> str:
    """A JSON-LD data block. Browsers never run it, so the CSP needs no inline-script exception."""
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))


@register.simple_tag
def address(viewname: str, slug: str | None = None) -> str:
    """``{% url viewname slug %}`` for a public page (``slug`` or none), without a ``reverse()``
    each time (see uses.addresses): every page prints its layout's links, and lists print one
    for each entry."""
    return addresses.address(viewname, slug)


@register.filter(expects_localtime=True)
def isodate(value) -> str:
    """A date, or the day of a datetime in the current time zone, as ISO 8601 writes it: what
    ``|date:'Y-m-d'`` prints, without its lookups of the language's formats (a page of a
    sitemap prints 500)."""
    if value in (None, ""):
        return ""
    try:
        return (value.date() if isinstance(value, datetime.datetime) else value).isoformat()
    except AttributeError:
        return ""


@register.filter(expects_localtime=True)
def longdate(value) -> str:
    """A date (or a datetime's day in the current time zone) in words, "March 4, 2024": what
    ``|date:"F j, Y"`` prints, month names translated as Django's, without its parsing of the
    format and its lookups of the language's formats for every date."""
    if value in (None, ""):
        return ""
    try:
        return f"{MONTHS[value.month]} {value.day}, {value.year:04d}"
    except AttributeError:
        return ""


@register.simple_tag
def sitemap_urls(urlset: list[dict]) -> str:
    """The ``<url>`` elements of a page of a sitemap, as Django's ``sitemap.xml`` prints those
    of sections with no change frequency, priority or alternate languages (ours).

    Written here, not by a loop in ``uses/sitemap.xml``: a page lists 500 addresses, and the
    template engine spent more time on each than the rest of the page took."""
    zone = timezone.get_current_timezone() if settings.USE_TZ else None

    def lastmod(value) -> str:  # {{ value|isodate }}, the time zone looked up once a page
        if zone is not None and isinstance(value, datetime.datetime) and timezone.is_aware(value):
            value = value.astimezone(zone)
        return f"<lastmod>{isodate(value)}</lastmod>" if value else ""

    return mark_safe(
        "".join(
            f"<url><loc>{escape(url['location'])}</loc>{lastmod(url['lastmod'])}</url>"
            for url in urlset
        )
    )


@register.filter
def use_label(publication):
    """The plain-words label of a published use, with its colour family and its meaning."""
    return label_named(publication.evidence_label)


@register.filter
def filled_cells(row: dict, directions: list[dict]) -> list[dict]:
    """The cells of an evidence-map row that name a use, each with its direction's label.

    The map lists what is there instead of drawing a mostly empty grid, so it reads the same on
    a phone as on a desktop.
    """
    labels = {direction["value"]: direction["label"] for direction in directions}
    return [
        {**cell, "label": labels.get(cell["direction"], cell["direction"])}
        for cell in row["cells"]
        if cell["uses"]
    ]


class CaptureNode(template.Node):
    def __init__(self, nodelist, name: str):
        self.nodelist = nodelist
        self.name = name

    def render(self, context):
        # The nodelist's output is already escaped; strip() would return a plain str.
        context[self.name] = mark_safe(self.nodelist.render(context).strip())
        return ""


@register.tag
def capture(parser, token):
    """``{% capture as name %}…{% endcapture %}`` renders its content once into ``name``.

    A block may appear only once in a template, so base.html captures a page's ``title`` and
    ``description`` blocks to use each twice: in ``<title>`` and description, and in Open Graph.
    """
    bits = token.split_contents()
    if len(bits) != 3 or bits[1] != "as":
        raise template.TemplateSyntaxError(f"Use {{% {bits[0]} as name %}}…{{% end{bits[0]} %}}.")
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(nodelist, bits[2])

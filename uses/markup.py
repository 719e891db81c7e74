"""HTML the site makes from text: Markdown, sanitised, and JSON-LD blocks."""

import json
import threading

import markdown as markdown_lib
import nh3
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import mark_safe

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


def markdown(text: str, option: str = "") -> str:
    return mark_safe(render_markdown(text, anchors=option == "anchors"))


def jsonld(data: dict) -> str:
    """A JSON-LD data block. Browsers never run it, so the CSP needs no inline-script exception."""
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))

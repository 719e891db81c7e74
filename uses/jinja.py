"""The Jinja2 environment of the public pages (``templates/jinja2/``), and its filters.

Public pages render with Jinja2, which compiles a template to Python: a use page's template took
5 ms in Django's engine and takes about 1 ms here. The admin and the emails stay with Django's
engine. What a filter prints is what Django's own filter would (the tests compare them).
"""

import datetime

import jinja2
from django.conf import settings
from django.template.defaultfilters import pluralize
from django.templatetags.static import static
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.html import escape
from django.utils.safestring import mark_safe

from uses import addresses, markup
from uses.grading import label_named


def local_day(value):
    """A date, or the day of a datetime in the current time zone; None for anything else."""
    if isinstance(value, datetime.datetime):
        return timezone.template_localtime(value).date()
    return value if isinstance(value, datetime.date) else None


def isodate(value) -> str:
    """What ``|date:'Y-m-d'`` prints, without its lookups of the language's formats (a page of
    a sitemap prints 500)."""
    day = local_day(value)
    return day.isoformat() if day else ""


def longdate(value) -> str:
    """A date in words, "March 4, 2024": what ``|date:"F j, Y"`` prints, month names translated
    as Django's, without its parsing of the format for every date."""
    day = local_day(value)
    return f"{MONTHS[day.month]} {day.day}, {day.year:04d}" if day else ""


def sitemap_urls(urlset: list[dict]) -> str:
    """The ``<url>`` elements of a page of a sitemap, as Django's ``sitemap.xml`` prints those
    of sections with no change frequency, priority or alternate languages (ours): a page lists
    500 addresses, and a loop in the template took longer than the rest of the page."""
    zone = timezone.get_current_timezone() if settings.USE_TZ else None

    def lastmod(value) -> str:  # {{ value|isodate }}, the time zone looked up once a page
        if isinstance(value, datetime.datetime):
            if zone is not None and timezone.is_aware(value):
                value = value.astimezone(zone)
            value = value.date()
        return f"<lastmod>{value.isoformat()}</lastmod>" if value else ""

    return mark_safe(
        "".join(
            f"<url><loc>{escape(url['location'])}</loc>{lastmod(url['lastmod'])}</url>"
            for url in urlset
        )
    )


def use_label(publication):
    """The plain-words label of a published use, with its colour family and its meaning."""
    return label_named(publication.evidence_label)


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


class FailingUndefined(jinja2.StrictUndefined):
    """What the tests render with: printing, iterating or reading into a variable the view did
    not give fails (``--fail-on-template-vars`` for Django's engine), while ``{% if name %}``
    is false, as an optional variable's test is in Django's engine."""

    def __bool__(self) -> bool:
        return False


def environment(**options) -> jinja2.Environment:
    # A template ends with the newline its file ends with, as in Django's engine.
    env = jinja2.Environment(keep_trailing_newline=True, **options)
    env.globals.update(
        address=addresses.address,  # {% url %} for a public page, without a reverse() each
        static=static,
        jsonld=markup.jsonld,
        sitemap_urls=sitemap_urls,
    )
    env.filters.update(
        markdown=markup.markdown,
        isodate=isodate,
        longdate=longdate,
        pluralize=pluralize,
        use_label=use_label,
        filled_cells=filled_cells,
    )
    return env

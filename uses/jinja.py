"""The Jinja2 environment of the public pages (``templates/jinja2/``).

Public pages render with Jinja2, which compiles a template to Python: a use page rendered in
a quarter of the time Django's engine took. The admin and the emails stay with Django's
engine. Each helper here is the one the Django templates use too (``uses_tags``), so a page
prints the same whichever engine a template is written for.
"""

import jinja2
from django.template.defaultfilters import pluralize
from django.templatetags.static import static
from django.utils.timezone import template_localtime

from uses import addresses
from uses.templatetags import uses_tags


def in_local_time(date_filter):
    """A date filter given local time, as Django's engine gives one ``expects_localtime``."""

    def local(value):
        return date_filter(template_localtime(value))

    return local


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
        address=addresses.address,
        static=static,
        jsonld=uses_tags.jsonld,
        sitemap_urls=uses_tags.sitemap_urls,
    )
    env.filters.update(
        markdown=uses_tags.markdown,
        isodate=in_local_time(uses_tags.isodate),
        longdate=in_local_time(uses_tags.longdate),
        pluralize=pluralize,
        use_label=uses_tags.use_label,
        filled_cells=uses_tags.filled_cells,
    )
    return env

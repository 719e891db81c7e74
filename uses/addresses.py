"""Public addresses without a ``reverse()`` each.

A list of twenty uses, a feed of fifty entries or a sitemap page of five hundred prints an address
per item, and ``reverse()`` costs about as much as rendering the item. An address is its URL
pattern's fixed text around the slug: that text is found once per process (by ``reverse()``
itself, with a stand-in slug) and joined to each slug. It is found again for another URLconf
or script prefix (a site served under a path), so the result is always what ``reverse()``
gives; a slug the pattern would refuse goes to ``reverse()``, which raises as it always did.
"""

import functools
import re
from collections.abc import Callable

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.urls.converters import SlugConverter

# What a ``<slug:...>`` part of a pattern accepts.
_is_slug = re.compile(SlugConverter.regex).fullmatch
# A slug that no fixed part of a public address contains.
_STAND_IN = "slug-stand-in-0"


@functools.lru_cache(maxsize=64)
def _parts(viewname: str, urlconf: str, script_prefix: str) -> tuple[str, str]:
    """The text before and after the slug in the address of ``viewname``."""
    address = reverse(viewname, urlconf=urlconf, kwargs={"slug": _STAND_IN})
    before, _, after = address.rpartition(_STAND_IN)
    return before, after


@functools.lru_cache(maxsize=64)
def _fixed(viewname: str, urlconf: str, script_prefix: str) -> str:
    return reverse(viewname, urlconf=urlconf)


def address(viewname: str, slug: str | None = None) -> str:
    """``reverse(viewname, kwargs={"slug": slug})``, or ``reverse(viewname)`` without a slug."""
    if slug is None:
        return _fixed(viewname, get_urlconf(settings.ROOT_URLCONF), get_script_prefix())
    return address_maker(viewname)(slug)


def address_maker(viewname: str) -> Callable[[str], str]:
    """``address(viewname, slug)`` for the many slugs of one request (a page of a sitemap):
    the request's URLconf and script prefix are looked up once."""
    urlconf = get_urlconf(settings.ROOT_URLCONF)
    before, after = _parts(viewname, urlconf, get_script_prefix())

    def address_of_slug(slug: str) -> str:
        if not isinstance(slug, str) or not _is_slug(slug):
            return reverse(viewname, urlconf=urlconf, kwargs={"slug": slug})
        return f"{before}{slug}{after}"

    return address_of_slug

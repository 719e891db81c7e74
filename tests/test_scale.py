"""Every public page is bounded whatever the size of the catalogue: the same number of queries and
at most 200 KB of HTML with 30 published uses and with 1,500.

The catalogue is the article plus synthetic uses modelled on it (``uses.synthetic``), spread over
every category. ``SCALE_USES=10000`` runs the big size by hand (see the README).
"""

import os
import re

import pytest
from django.conf import settings
from django.contrib.sites.models import Site
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from uses.models import Person, Publication
from uses.synthetic import add_published_uses

pytestmark = pytest.mark.django_db

SMALL = 30
LARGE = int(os.environ.get("SCALE_USES", "1500"))
MAX_BYTES = 200_000


def last_page(client, url: str) -> int:
    """The number of the last page a paginated page links to (its "Page 1 of N")."""
    html = client.get(url).content.decode()
    found = re.search(r"Page 1 of (\d+)", html)
    return int(found.group(1)) if found else 1


def public_pages(client) -> dict[str, str]:
    """What a reader or a crawler can reach, by what each page is (its address changes with the
    catalogue's size: the last page is deeper in a bigger one)."""
    use = Publication.objects.public().conditions().order_by("-position").first()
    sitemap = client.get("/sitemap.xml").content.decode()
    entries = re.findall(r"<loc>http://[^/]+(/sitemap-entries\.xml[^<]*)</loc>", sitemap)
    pages = {
        "home": "/",
        "uses": "/uses/",
        "uses, last page": f"/uses/?page={last_page(client, '/uses/')}",
        "uses, a category": "/uses/?category=pain",
        "an article use": "/uses/fibromyalgia/",
        "a synthetic use": use.get_absolute_url(),
        "a topic": "/topics/mechanism-of-action/",
        "sources": "/sources/",
        "sources, last page": f"/sources/?page={last_page(client, '/sources/')}",
        "evidence map": "/evidence/",
        "grading": "/how-we-grade-evidence/",
        "sitemap index": "/sitemap.xml",
        "sitemap entries, first page": entries[0],
        "sitemap entries, last page": entries[-1].replace("&amp;", "&"),
        "sitemap people": "/sitemap-people.xml",
        "feed": "/feed/",
    }
    for person in Person.objects.named_on_public_pages().order_by("slug"):
        pages[f"person {person.slug}"] = person.get_absolute_url()
    return pages


def measure(client) -> dict[str, tuple[int, int]]:
    """Queries and bytes of each public page."""
    Site.objects.get_current()  # the sites framework caches it once per process
    assert Site.objects.get(pk=settings.SITE_ID)
    measured = {}
    for name, url in public_pages(client).items():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (name, url)
        measured[name] = (len(queries), len(response.content))
    return measured


@override_settings(PAGE_CACHE_ENABLED=False)  # what each page costs to render, every time
def test_public_pages_stay_bounded_in_queries_and_bytes_as_the_catalogue_grows(client):
    add_published_uses(SMALL - 22)  # after the article's own 22 uses
    assert Publication.objects.public().conditions().count() == SMALL
    small = measure(client)

    add_published_uses(LARGE - SMALL)
    assert Publication.objects.public().conditions().count() == LARGE
    large = measure(client)

    assert small.keys() == large.keys()
    for name in small:  # shown with ``pytest -s``: the figures the README quotes
        print(f"{name:<32} {small[name][0]:>3} queries {small[name][1]:>8} B {large[name][1]:>8} B")
    for name in small:
        assert small[name][0] == large[name][0], (name, small[name], large[name])
        assert large[name][1] <= MAX_BYTES, (name, large[name])
    # The big catalogue really is paged: deep pages exist where lists would have grown.
    assert public_pages(client)["uses, last page"] != "/uses/?page=1"
    assert public_pages(client)["sources, last page"] != "/sources/?page=1"
    assert "?p=" in public_pages(client)["sitemap entries, last page"]

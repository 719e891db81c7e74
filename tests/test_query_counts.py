"""Public pages stay constant in queries as the published record grows."""

import pytest
from django.conf import settings
from django.contrib.sites.models import Site

from tests import factories

pytestmark = pytest.mark.django_db

# url -> queries, whatever the number of uses (the sites framework's lookup is cached first).
EXPECTED_QUERIES = {
    "/": 5,  # overview, counts by category, a few names of each, topics, history
    "/uses/": 2,
    "/uses/use-0/": 3,
    "/topics/timing/": 3,
    "/sources/": 3,  # references and mentions counted, a page of sources, their first uses
    "/people/rita-reviewer/": 2,  # the person with their counts, a page of their reviews
    "/editorial-policy/": 1,
    "/evidence/": 2,  # counts by certainty and direction, a few names of each
    "/how-we-grade-evidence/": 2,  # counts by label, a few names of each
    "/sitemap.xml": 3,  # entries' latest change and count, people (listed once a request)
    "/sitemap-entries.xml": 2,  # a count and a page
    "/sitemap-people.xml": 1,
    "/feed/": 1,
}


def build_site(uses: int, reviewer, editorial_policy):
    factories.make_published_topic(title="Overview", is_overview=True, reviewer=reviewer)
    factories.make_published_topic(title="Timing", slug="timing", reviewer=reviewer)
    for number in range(uses):
        factories.make_published_condition(
            name=f"Use {number}", slug=f"use-{number}", reviewer=reviewer, evidence=2,
            category=["pain", "autoimmune", "digestive"][number % 3],
        )  # fmt: skip


@pytest.mark.parametrize("uses", [3, 300])
def test_public_pages_are_constant_in_queries(
    client, django_assert_num_queries, reviewer, editorial_policy, uses
):
    build_site(uses, reviewer, editorial_policy)
    Site.objects.get_current()  # the framework caches the current site once per process
    assert Site.objects.get(pk=settings.SITE_ID)
    for url, queries in EXPECTED_QUERIES.items():
        with django_assert_num_queries(queries + 1):  # + the public record's version
            response = client.get(url)
        assert response.status_code == 200, url

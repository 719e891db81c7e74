"""The sitemaps say what Django's sitemap framework says, in a lighter rendering."""

import datetime

import pytest
from django.contrib.sitemaps import views as sitemap_views
from django.test import RequestFactory
from django.utils import timezone

from tests import factories
from uses.models import Publication
from uses.sitemaps import SITEMAPS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("section", list(SITEMAPS))
@pytest.mark.parametrize("zone", ["UTC", "Pacific/Kiritimati"])
def test_each_section_is_what_djangos_sitemap_template_renders(
    client, published_site, reviewer, section, zone
):
    # A day that is not the same day everywhere, so the time zone decides the date printed.
    Publication.objects.filter(kind="condition").update(
        content_published_at=datetime.datetime(2024, 5, 31, 20, 0, tzinfo=datetime.UTC)
    )
    factories.make_published_topic(title="Later", slug="later", reviewer=reviewer)
    with timezone.override(zone):
        response = client.get(f"/sitemap-{section}.xml")
        request = RequestFactory(HTTP_HOST="127.0.0.1:8000").get(f"/sitemap-{section}.xml")
        djangos = sitemap_views.sitemap(request, sitemaps=SITEMAPS, section=section)
        djangos.render()
    assert response.status_code == 200
    assert response.content.decode() == djangos.content.decode()
    assert "<url><loc>" in djangos.content.decode()


def test_the_people_section_reads_the_people_named_now_at_each_request(client, published_site):
    before = client.get("/sitemap-people.xml").content.decode()
    newcomer = factories.make_person(slug="newcomer")
    factories.make_published_condition(name="Lupus", reviewer=newcomer)
    after = client.get("/sitemap-people.xml").content.decode()
    assert "/people/newcomer/" not in before
    assert "/people/newcomer/" in after

"""The pages that sum up the whole catalogue count every use and name only a few of each group,
with a link to the full list; long lists are paged. (Caps are lowered here to keep data small.)"""

import importlib
import re

import pytest
from django.apps import apps

from tests import factories
from uses import catalogue, views
from uses.models import Publication, PublishedSource
from uses.services import publish
from uses.sitemaps import PublicationSitemap

pytestmark = pytest.mark.django_db


def publish_uses(count: int, reviewer, **fields) -> list[Publication]:
    return [
        factories.make_published_condition(
            name=f"Pain use {number}", slug=f"pain-use-{number}", reviewer=reviewer, **fields
        )[1]
        for number in range(count)
    ]


def test_home_names_a_few_uses_of_a_big_category_and_links_to_all(
    client, published_site, reviewer, monkeypatch
):
    monkeypatch.setattr(catalogue, "NAMES_PER_CATEGORY", 2)
    publish_uses(3, reviewer, category="pain")
    html = client.get("/").content.decode()
    category = html.split('id="category-pain"')[1].split("</div>")[0]
    assert '">Pain <span class="count">(4<' in category
    assert len(re.findall(r"<li><a href=", category)) == 2
    assert 'href="/uses/?approval=off_label&amp;category=pain">All 4 ' in category
    assert "(2 more)" in category
    # A small category is named in full, with no link to more.
    addiction = html.split('id="approved-uses"')[1].split('id="off-label-uses"')[0]
    assert ">Alcohol dependence</a>" in addiction and "All 1" not in addiction


def test_home_links_to_every_approved_use_when_there_are_many(client, published_site, reviewer):
    for number in range(catalogue.NAMES_PER_CATEGORY):
        factories.make_published_condition(
            name=f"Approved {number}", slug=f"approved-{number}", approval="fda_approved",
            category="addiction", reviewer=reviewer,
        )  # fmt: skip
    html = client.get("/").content.decode()
    approved = html.split('id="approved-uses"')[1].split('id="off-label-uses"')[0]
    assert len(re.findall(r"<li><a href=", approved)) == catalogue.NAMES_PER_CATEGORY
    assert 'href="/uses/?approval=fda_approved">All 9 FDA-approved uses</a>' in approved


def test_evidence_map_counts_each_cell_and_names_its_first_uses(
    client, published_site, reviewer, monkeypatch
):
    monkeypatch.setattr(catalogue, "NAMES_PER_CELL", 2)
    publish_uses(3, reviewer)  # low certainty, benefit, like Fibromyalgia
    html = client.get("/evidence/").content.decode()
    level = html.split('id="certainty-low"')[1].split('class="map-level"')[0]
    assert "<dt>Reports a benefit <span" in level and "(4)" in level
    assert ">Fibromyalgia</a>" in level and ">Pain use 0</a>" in level
    assert ">Pain use 1</a>" not in level and "and 2 more" in level
    assert 'href="/uses/?approval=off_label&amp;certainty=low">All 4 off-label uses' in level


def test_grading_page_counts_the_uses_of_each_label(client, published_site, reviewer, monkeypatch):
    monkeypatch.setattr(catalogue, "NAMES_PER_LABEL", 1)
    publish_uses(2, reviewer)
    html = client.get("/how-we-grade-evidence/").content.decode()
    labelled = re.search(r"Uses with this label \(3\): (.*?)</span>", html, re.S).group(1)
    assert ">Fibromyalgia</a>" in labelled and "Pain use" not in labelled
    assert 'and 2 more, <a href="/evidence/">' in labelled


def test_publishing_writes_a_row_for_each_source_it_cites(reviewer):
    mention = factories.make_source(title="Limited studies", mentioned_only=True)
    condition = factories.make_condition(name="Lupus", slug="lupus")
    factories.make_evidence(condition, sources=[factories.make_source(key="b-ref"), mention])
    publication = publish(entry=condition, reviewer=reviewer)
    rows = list(publication.published_sources.all())
    assert [(row.key, row.is_reference, row.position) for row in rows] == [
        ("b-ref", True, 0),
        (mention.key, False, 1),
    ]
    assert rows[0].data == publication.snapshot["sources"][0]
    assert rows[1].sort_title == "limited studies"
    # A new version writes its own rows; the earlier version keeps what it cited.
    again = publish(entry=condition, reviewer=reviewer)
    assert again.published_sources.count() == 2 and publication.published_sources.count() == 2


def test_the_migration_fills_the_rows_publishing_writes(reviewer):
    factories.make_published_condition(name="Lupus", slug="lupus", reviewer=reviewer, evidence=2)
    expected = sorted(PublishedSource.objects.values_list("publication", "key", "is_reference"))
    PublishedSource.objects.all().delete()
    migration = importlib.import_module("uses.migrations.0010_published_sources")
    migration.fill_sources(apps, None)
    assert sorted(PublishedSource.objects.values_list("publication", "key", "is_reference")) == (
        expected
    )


def test_sources_page_is_paged_and_names_a_few_uses_of_each_source(client, reviewer, monkeypatch):
    monkeypatch.setattr(views, "SOURCES_PAGE_SIZE", 2)
    monkeypatch.setattr(catalogue, "USES_PER_SOURCE", 2)
    shared = factories.make_source(key="a-shared", title="A shared trial")
    for number in range(3):
        condition = factories.make_condition(name=f"Use {number}", slug=f"use-{number}")
        factories.make_evidence(condition, sources=[shared, factories.make_source()])
        publish(entry=condition, reviewer=reviewer)

    first = client.get("/sources/").content.decode()
    assert "Page 1 of 2" in first and 'href="?page=2"' in first
    assert '<h2 id="references">References <span class="count">(4)</span></h2>' in first
    shared_item = first.split('id="reference-a-shared"')[1].split("</li>")[0]
    assert ">Use 0</a>, <a" in shared_item and ">Use 1</a>" in shared_item
    assert ">Use 2</a>" not in shared_item and "and 1 more use" in shared_item
    second = client.get("/sources/?page=2").content.decode()
    assert "A shared trial" not in second and len(re.findall(r'id="reference-', second)) == 2


@pytest.mark.parametrize(("page", "status"), [("x", 400), ("1.0", 400), ("3", 404), ("0", 404)])
def test_a_page_that_does_not_exist_answers_as_the_list_of_uses_does(
    client, published_site, monkeypatch, page, status
):
    monkeypatch.setattr(views, "SOURCES_PAGE_SIZE", 1)
    response = client.get(f"/sources/?page={page}")
    assert response.status_code == status
    if status == 400:
        assert f"There is no page “{page}”" in response.content.decode()
    assert client.get(f"/uses/?page={page}").status_code == (400 if status == 400 else 404)


def test_person_pages_page_what_they_reviewed_and_count_it(
    client, published_site, reviewer, monkeypatch
):
    monkeypatch.setattr(views, "PEOPLE_PAGE_SIZE", 2)
    html = client.get("/people/rita-reviewer/").content.decode()
    assert 'Medically reviewed <span class="count">(4)</span>' in html
    assert "Page 1 of 2" in html and 'href="?reviewed=2"' in html
    assert 'aria-label="Pages of their reviews"' in html
    second = client.get("/people/rita-reviewer/?reviewed=2").content.decode()
    assert "Page 2 of 2" in second
    assert client.get("/people/rita-reviewer/?reviewed=x").status_code == 400
    assert client.get("/people/rita-reviewer/?reviewed=9").status_code == 404
    assert client.get("/people/rita-reviewer/?wrote=9").status_code == 404


def test_sitemap_is_an_index_of_paged_sections(client, published_site, monkeypatch):
    monkeypatch.setattr(PublicationSitemap, "limit", 2)
    index = client.get("/sitemap.xml").content.decode()
    assert "<sitemapindex" in index
    pages = re.findall(r"<loc>http://127.0.0.1:8000(/sitemap-entries\.xml[^<]*)</loc>", index)
    assert pages == ["/sitemap-entries.xml", "/sitemap-entries.xml?p=2"]
    latest = Publication.objects.public().latest("content_published_at").content_published_at
    assert f"<lastmod>{latest.isoformat()}</lastmod>" in index
    entries = "".join(client.get(page).content.decode() for page in pages)
    for path in ["/", "/uses/alcohol-dependence/", "/uses/fibromyalgia/", "/topics/"]:
        assert f"<loc>http://127.0.0.1:8000{path}" in entries
    robots = client.get("/robots.txt").content.decode()
    assert "Sitemap: http://127.0.0.1:8000/sitemap.xml" in robots

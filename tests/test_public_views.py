import json
import re

import pytest
from django.urls import reverse

from tests import factories
from uses.models import Condition, Publication
from uses.services import publish

pytestmark = pytest.mark.django_db

PUBLIC_URLS = [
    "/",
    "/uses/",
    "/uses/alcohol-dependence/",
    "/uses/fibromyalgia/",
    "/topics/mechanism-of-action/",
    "/uses/fibromyalgia/reviews/",
    "/sources/",
    "/people/rita-reviewer/",
    "/editorial-policy/",
    "/evidence/",
    "/how-we-grade-evidence/",
]


def h1_count(html: str) -> int:
    return len(re.findall(r"<h1[\s>]", html))


def json_ld(html: str) -> list[dict]:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [json.loads(block) for block in blocks]


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_every_public_page_answers_with_one_h1_and_parseable_json_ld(client, published_site, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert h1_count(html) == 1
    assert len(json_ld(html)) == 1
    assert '<link rel="canonical" href="http://127.0.0.1:8000' in html
    assert '<meta name="description" content="' in html
    assert 'href="#main"' in html
    assert "<script>" not in html and " style=" not in html


ENTRY_URLS = {
    "/",
    "/uses/alcohol-dependence/",
    "/uses/fibromyalgia/",
    "/topics/mechanism-of-action/",
}


def head_values(html: str) -> dict[str, str]:
    """Open Graph properties, the description, the canonical address and the title of a page."""
    head = html.split("</head>")[0]
    values = dict(re.findall(r'<meta property="(og:[a-z_]+)" content="([^"]*)">', head))
    values["description"] = re.search(r'<meta name="description" content="([^"]*)">', head)[1]
    values["canonical"] = re.search(r'<link rel="canonical" href="([^"]*)">', head)[1]
    values["title"] = re.search(r"<title>(.*?)</title>", head, re.S)[1]
    return values


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_every_public_page_has_open_graph_tags(client, published_site, url):
    html = client.get(url).content.decode()
    values = head_values(html)
    assert values["og:url"] == values["canonical"] == f"http://127.0.0.1:8000{url}"
    assert values["og:title"] and values["title"] == f"{values['og:title']} · Naltrexone uses"
    assert values["og:description"] and values["og:description"] == values["description"]
    assert values["og:type"] == ("article" if url in ENTRY_URLS else "website")
    assert values["og:site_name"] == "Naltrexone uses"
    assert values["og:locale"] == "en_US"
    assert "og:image" not in html  # no picture exists; none is invented


def test_open_graph_uses_the_entrys_own_title_and_summary(client, published_site):
    values = head_values(client.get("/uses/fibromyalgia/").content.decode())
    assert values["og:title"] == "Fibromyalgia"
    assert values["og:description"] == "What naltrexone does for Fibromyalgia."


@pytest.mark.parametrize("url", ["/uses/unknown/", "/topics/unknown/", "/people/unknown/"])
def test_unknown_pages_answer_404_with_the_site_page(client, published_site, url):
    response = client.get(url)
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert '<meta name="robots" content="noindex">' in html
    assert 'rel="canonical"' not in html and 'property="og:' not in html


def test_the_server_error_page_is_never_indexed_nor_canonical():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert '<meta name="robots" content="noindex">' in html
    assert 'rel="canonical"' not in html


def test_home_page_shows_byline_approved_and_off_label_uses(client, published_site, reviewer):
    html = client.get("/").content.decode()
    assert "Naltrexone overview" in html
    assert "Last medically reviewed" in html and "Rita Reviewer, RN" in html
    assert "FDA-approved uses" in html
    assert "Alcohol dependence" in html and "Fibromyalgia" in html
    assert "Not medical advice" in html


def test_home_page_is_an_index_of_names_by_category_not_a_card_per_use(client, published_site):
    html = client.get("/").content.decode()
    # Each off-label category links to the filtered list, with the number of uses it holds.
    assert 'href="/uses/?approval=off_label&amp;category=pain">Pain <span class="count">(1' in html
    # Names only: each use's summary and evidence label are on its own page.
    assert 'href="/uses/fibromyalgia/">Fibromyalgia</a>' in html
    assert "What naltrexone does for Fibromyalgia." not in html
    assert "use-card" not in html
    assert "/topics/mechanism-of-action/" in html


def test_home_page_without_an_overview_still_answers(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert h1_count(response.content.decode()) == 1


def test_use_page_numbers_citations_into_its_source_list(client, reviewer):
    source = factories.make_source(title="The Stanford study", pmid="31234567")
    condition = factories.make_condition(name="Fibromyalgia", slug="fibromyalgia")
    factories.make_evidence(condition, claim="Highly effective.", sources=[source])
    factories.make_evidence(condition, claim="Long-term safety is unknown.", citation_needed=True)
    publish(entry=condition, reviewer=reviewer)

    html = client.get("/uses/fibromyalgia/").content.decode()

    assert 'href="#source-1"' in html and 'id="source-1"' in html
    assert "The Stanford study" in html
    assert "https://pubmed.ncbi.nlm.nih.gov/31234567/" in html
    assert "The article gives no reference for this." in html
    assert "Randomised trial" in html and "Low" in html and "Reports a benefit" in html
    assert "Review history" in html
    assert "Next review due" in html


def test_use_page_lists_related_uses_of_its_category(client, reviewer):
    factories.make_published_condition(name="Lupus", slug="lupus", category="autoimmune")
    factories.make_published_condition(name="Crohn", slug="crohn", category="autoimmune")
    factories.make_published_condition(name="Pain", slug="pain", category="pain")
    html = client.get("/uses/lupus/").content.decode()
    assert "/uses/crohn/" in html
    assert "/uses/pain/" not in html


def test_editing_the_working_copy_changes_no_public_page_until_publish(client, published_site):
    condition = published_site["off_label"]
    before = {url: client.get(url).content for url in PUBLIC_URLS}

    condition.summary = "A CHANGED SUMMARY"
    condition.save()
    evidence = condition.evidence.get()
    evidence.claim = "A CHANGED CLAIM"
    evidence.save()
    source = evidence.sources.get()
    source.title = "A CHANGED SOURCE"
    source.save()
    factories.make_condition(name="Unpublished draft", slug="draft")

    after = {url: client.get(url).content for url in PUBLIC_URLS}
    assert after == before
    assert client.get("/uses/draft/").status_code == 404

    publish(entry=condition, reviewer=factories.make_person())
    html = client.get("/uses/fibromyalgia/").content.decode()
    assert "A CHANGED SUMMARY" in html
    assert "A CHANGED CLAIM" in html
    assert "A CHANGED SOURCE" in html


def test_drafts_never_reach_lists_sitemap_feed_or_sources(client, published_site):
    draft = factories.make_condition(name="Secret draft", slug="secret-draft")
    factories.make_evidence(draft, sources=[factories.make_source(title="Secret source")])
    for url in [
        "/",
        "/uses/",
        "/uses/?q=secret",
        "/sources/",
        "/evidence/",
        "/how-we-grade-evidence/",
        "/sitemap.xml",
        "/sitemap-entries.xml",
        "/feed/",
    ]:
        html = client.get(url).content.decode()
        assert "secret draft" not in html.lower(), url
        assert "secret source" not in html.lower(), url


def test_a_renamed_entry_redirects_from_its_old_address(client, reviewer):
    condition, _ = factories.make_published_condition(name="Crohns", slug="crohns")
    Condition.objects.filter(pk=condition.pk).update(slug="crohns-disease")
    condition.refresh_from_db()
    publish(entry=condition, reviewer=reviewer)
    response = client.get("/uses/crohns/")
    assert response.status_code == 301
    assert response["Location"] == "/uses/crohns-disease/"


def test_json_ld_describes_a_reviewed_medical_page(client, published_site, reviewer):
    data = json_ld(client.get("/uses/fibromyalgia/").content.decode())[0]
    publication = Publication.objects.current().get(slug="fibromyalgia")
    assert data["@type"] == "MedicalWebPage"
    assert data["about"]["@type"] == "MedicalCondition"
    assert data["reviewedBy"]["name"] == "Rita Reviewer"
    assert data["lastReviewed"] == publication.reviewed_on.isoformat()
    assert data["datePublished"] == publication.first_published_on.isoformat()
    assert data["dateModified"] == publication.published_at.date().isoformat()
    assert data["author"]["@type"] == "Person"
    assert data["citation"][0]["@type"] == "CreativeWork"

    home = json_ld(client.get("/").content.decode())[0]
    assert home["@type"] == "MedicalWebPage"
    assert home["about"]["@type"] == "Drug"
    assert home["mainEntity"]["name"] == "Naltrexone"


def test_json_ld_cannot_break_out_of_its_script_element(client, reviewer):
    factories.make_published_condition(
        name="Tricky", slug="tricky", summary="</script><script>alert(1)</script>"
    )
    html = client.get("/uses/tricky/").content.decode()
    assert "<script>alert(1)" not in html
    assert json_ld(html)[0]["description"] == "</script><script>alert(1)</script>"


def test_markdown_is_sanitised(client, reviewer):
    factories.make_published_condition(
        name="Unsafe",
        slug="unsafe",
        body="Hello <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>"
        "\n\n**bold** and [a link](https://example.org)",
    )
    html = client.get("/uses/unsafe/").content.decode()
    assert "<script>alert" not in html
    assert "javascript:" not in html
    assert "onerror" not in html
    assert "<strong>bold</strong>" in html
    assert 'href="https://example.org"' in html


def test_person_page_lists_what_they_wrote_and_reviewed(client, published_site, reviewer):
    html = client.get(reverse("uses:person-detail", args=["rita-reviewer"])).content.decode()
    assert "Medically reviewed" in html
    assert "Fibromyalgia" in html and "Mechanism of action" in html
    author = published_site["off_label"].author
    html = client.get(author.get_absolute_url()).content.decode()
    assert "Wrote" in html and "Fibromyalgia" in html


def test_people_named_on_no_published_page_have_no_public_page(client, published_site):
    staff = factories.make_person(name="Staff Only", slug="staff-only")
    factories.make_condition(
        name="Draft", slug="draft", author=factories.make_person(slug="drafter")
    )
    assert client.get("/people/staff-only/").status_code == 404
    assert client.get("/people/drafter/").status_code == 404
    sitemap = client.get("/sitemap-people.xml").content.decode()
    assert "/people/staff-only/" not in sitemap and "/people/drafter/" not in sitemap
    # Once a reviewer approves a page they wrote, they are named on it and get their page.
    factories.make_published_condition(name="Lupus", slug="lupus", author=staff)
    assert client.get("/people/staff-only/").status_code == 200


def test_a_reviewer_named_in_a_review_history_keeps_their_page(client, published_site):
    earlier = factories.make_person(name="Earlier Reviewer", slug="earlier-reviewer")
    condition, _ = factories.make_published_condition(name="Lupus", slug="lupus", reviewer=earlier)
    publish(entry=condition, reviewer=factories.make_person())
    assert 'href="/people/earlier-reviewer/"' in client.get("/uses/lupus/").content.decode()
    html = client.get("/people/earlier-reviewer/").content.decode()
    assert "Lupus" in html and "No published page names" not in html


def test_people_pages_are_in_the_sitemap_with_their_last_change(client, published_site):
    sitemap = client.get("/sitemap-people.xml").content.decode()
    author = published_site["off_label"].author
    latest = Publication.objects.current().filter(reviewer__slug="rita-reviewer").latest()
    for person in [author.slug, "rita-reviewer"]:
        assert f"<loc>http://127.0.0.1:8000/people/{person}/</loc>" in sitemap
    entry = sitemap.split("<loc>http://127.0.0.1:8000/people/rita-reviewer/</loc>")[1]
    assert entry.split("</url>")[0].strip() == (
        f"<lastmod>{latest.published_at:%Y-%m-%d}</lastmod>"
    )


def test_sources_page_lists_cited_sources_with_the_uses_citing_them(client, published_site):
    html = client.get("/sources/").content.decode()
    source = published_site["off_label"].evidence.get().sources.get()
    assert source.title in html
    assert 'href="/uses/fibromyalgia/"' in html


def test_evidence_map_places_uses_in_words(client, published_site):
    html = client.get("/evidence/").content.decode()
    level = html.split('id="certainty-low"')[1].split('class="map-level"')[0]
    assert "Certainty:</span> Low</h2>" in level
    assert "<dt>Reports a benefit" in level and "Fibromyalgia" in level
    # Only directions that name a use are listed; an empty level says so in words.
    assert "<dt>Reports possible harm" not in level
    assert "No use has its best evidence at this level." in html
    # Approved uses are their own group, never graded alongside uses with no study results.
    approved = html.split('id="fda-approved"')[1].split('class="map-level"')[0]
    assert "Alcohol dependence" in approved and "Fibromyalgia" not in approved
    assert "Alcohol dependence" not in level


def test_sitemap_robots_and_feed(client, published_site):
    index = client.get("/sitemap.xml").content.decode()
    assert "<sitemapindex" in index
    for section in ["entries", "people", "pages"]:
        assert f"<loc>http://127.0.0.1:8000/sitemap-{section}.xml</loc>" in index
    sitemap = client.get("/sitemap-entries.xml").content.decode()
    assert "http://127.0.0.1:8000/uses/fibromyalgia/" in sitemap
    assert "http://127.0.0.1:8000/topics/mechanism-of-action/" in sitemap
    robots = client.get("/robots.txt")
    assert robots["Content-Type"].startswith("text/plain")
    assert "Sitemap: http://127.0.0.1:8000/sitemap.xml" in robots.content.decode()
    feed = client.get("/feed/")
    assert feed["Content-Type"].startswith("application/atom+xml")
    assert "Medically reviewed by Rita Reviewer, RN" in feed.content.decode()


def test_pages_send_a_strict_content_security_policy(client, published_site):
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy


@pytest.mark.parametrize(
    ("address", "status"),
    [
        ("/", 200),
        ("/uses/fibromyalgia/", 200),
        ("/uses/?certainty=nonsense", 400),
        ("/no-such-page/", 404),
        ("/static/css/site.css", 200),
        ("/admin/login/", 200),
        ("/feed/", 200),
    ],
)
def test_every_response_limits_browser_features_and_cross_origin_loads(
    client, published_site, address, status
):
    for _ in range(2):  # rendered, then from the page cache
        response = client.get(address)
        assert response.status_code == status
        assert "camera=()" in response["Permissions-Policy"]
        assert "geolocation=()" in response["Permissions-Policy"]
        assert response["Cross-Origin-Resource-Policy"] == "same-origin"


def test_draft_topics_and_a_changed_overview_stay_private(client, published_site):
    factories.make_topic(title="Secret topic", slug="secret-topic")
    overview = published_site["overview"]
    overview.body = "UNREVIEWED OVERVIEW TEXT"
    overview.save()
    assert client.get("/topics/secret-topic/").status_code == 404
    for url in ["/", "/sitemap.xml", "/sitemap-entries.xml", "/feed/"]:
        html = client.get(url).content.decode()
        assert "Secret topic" not in html and "UNREVIEWED OVERVIEW TEXT" not in html


def test_the_byline_gives_review_dates_like_nhs_pages(client, published_site):
    publication = Publication.objects.current().get(slug="fibromyalgia")
    html = client.get("/uses/fibromyalgia/").content.decode()
    reviewed = f'<time datetime="{publication.reviewed_on:%Y-%m-%d}">'
    due = f'<time datetime="{publication.next_review_due:%Y-%m-%d}">'
    assert f"<dt>Last medically reviewed</dt><dd>{reviewed}" in html
    assert 'href="/people/rita-reviewer/">Rita Reviewer, RN</a>' in html
    assert f"<dt>Next review due</dt><dd>{due}" in html
    assert "<dt>Published</dt>" in html and "<dt>Updated</dt>" in html


def test_a_page_past_its_review_date_says_so_once_and_calmly(client, published_site):
    import datetime

    Publication.objects.filter(slug="fibromyalgia").update(
        next_review_due=datetime.date(2021, 6, 24)
    )
    reviewed_on = Publication.objects.current().get(slug="fibromyalgia").reviewed_on
    html = client.get("/uses/fibromyalgia/").content.decode()
    sentence = (
        "This page is due for its next medical review. Until then it reflects the article as "
        f'it was reviewed on <time datetime="{reviewed_on:%Y-%m-%d}">'
    )
    assert html.count(sentence) == 1
    assert html.count("due for its next medical review") == 1
    assert "overdue" not in html
    note = re.search(r'<p class="review-due">(.*?)</p>', html, re.S).group(1)
    assert "<strong" not in note
    assert "due for its next medical review" not in (
        client.get("/uses/alcohol-dependence/").content.decode()
    )


def test_without_an_editorial_address_no_page_offers_to_report_an_error(
    client, published_site, settings
):
    settings.EDITORIAL_EMAIL = ""
    for url in PUBLIC_URLS:
        html = client.get(url).content.decode()
        assert "mailto:" not in html and "Report an error" not in html, url


def test_the_editorial_address_is_the_report_an_error_link(client, published_site, settings):
    settings.EDITORIAL_EMAIL = "corrections@naltrexone.example"
    link = '<a href="mailto:corrections@naltrexone.example">'
    home = client.get("/").content.decode()
    assert f"{link}Report an error</a>" in home.split('<footer class="site-footer">')[1]
    policy = client.get("/editorial-policy/").content.decode()
    assert '<h2 id="report-an-error">Report an error</h2>' in policy
    assert f"{link}corrections@naltrexone.example</a>" in policy
    assert policy.count("Report an error") == 2  # the section and the footer


# --- review histories ---------------------------------------------------------------------------


def reviewed_again(entry, reviewer, times: int) -> None:
    """``times`` more reviews of ``entry``, each with its own public line."""
    for number in range(2, times + 2):
        publish(entry=entry, reviewer=reviewer, change_note=f"Review number {number}.")


def review_items(html: str) -> list[str]:
    """The review history's lines, as the page lists them (newest first)."""
    section = html.split("<ol reversed start=", 1)[1].split("</ol>", 1)[0]
    return re.findall(r"Review number \d+\.|First published\.", section)


def test_a_page_lists_its_latest_reviews_and_links_every_review(client, reviewer):
    condition, _ = factories.make_published_condition(
        name="Fibromyalgia", slug="fibromyalgia", reviewer=reviewer
    )
    Publication.objects.update(change_note="First published.")
    reviewed_again(condition, reviewer, 11)  # twelve reviews in all

    html = client.get("/uses/fibromyalgia/").content.decode()
    assert review_items(html) == [f"Review number {number}." for number in range(12, 2, -1)]
    assert '<ol reversed start="12">' in html  # numbered as the whole history numbers them
    assert '<a href="/uses/fibromyalgia/reviews/">All 12 reviews of this page</a>' in html

    response = client.get("/uses/fibromyalgia/reviews/")
    assert response.status_code == 200
    page = response.content.decode()
    assert h1_count(page) == 1 and "<h1>Review history: Fibromyalgia</h1>" in page
    assert '<a href="/uses/fibromyalgia/">Fibromyalgia</a>' in page
    assert '<ol reversed start="12">' in page
    everything = [f"Review number {number}." for number in range(12, 1, -1)]
    assert review_items(page) == [*everything, "First published."]
    assert "All 12 reviews" not in page  # the page of every review links no further
    assert json_ld(page)


def test_a_short_history_is_listed_whole_without_a_link(
    client, reviewer, django_assert_num_queries
):
    condition, _ = factories.make_published_condition(name="Lupus", slug="lupus", reviewer=reviewer)
    reviewed_again(condition, reviewer, 9)  # ten: all of them fit
    html = client.get("/uses/lupus/").content.decode()
    assert len(review_items(html)) == 9 and '<ol reversed start="10">' in html
    assert "/uses/lupus/reviews/" not in html


def test_a_use_page_makes_the_same_queries_however_long_its_history(client, reviewer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    condition, _ = factories.make_published_condition(name="Lupus", slug="lupus", reviewer=reviewer)
    counts, sizes = [], []
    for more in (10, 40):
        reviewed_again(condition, reviewer, more)
        with CaptureQueriesContext(connection) as queries:
            html = client.get("/uses/lupus/").content.decode()
        counts.append(len(queries))
        sizes.append(len(html))
    assert counts[0] == counts[1]
    assert abs(sizes[0] - sizes[1]) < 100  # the same ten lines, and a count one digit longer


def test_the_review_history_pages_through_every_review(client, reviewer, monkeypatch):
    from uses import views

    monkeypatch.setattr(views, "REVIEWS_PAGE_SIZE", 5)
    topic, _ = factories.make_published_topic(
        title="Mechanism", slug="mechanism", reviewer=reviewer
    )
    reviewed_again(topic, reviewer, 11)  # twelve: pages of 5, 5 and 2

    first = client.get("/topics/mechanism/reviews/").content.decode()
    assert '<a href="?page=2" rel="next">Next</a>' in first and "Page 1 of 3" in first
    last = client.get("/topics/mechanism/reviews/?page=3").content.decode()
    assert '<ol reversed start="2">' in last
    assert review_items(last) == ["Review number 2."] and "First published" not in last

    wrong = client.get("/topics/mechanism/reviews/?page=two")
    assert wrong.status_code == 400
    assert "There is no page “two”: pages run from 1 to 3." in wrong.content.decode()
    assert client.get("/topics/mechanism/reviews/?page=9").status_code == 404


def test_a_review_history_follows_its_page_moved_withdrawn_or_never_published(
    client, reviewer, editor, medical_reviewer
):
    from uses import review

    condition, _ = factories.make_published_condition(name="Lupus", slug="lupus", reviewer=reviewer)
    factories.edit(condition, editor, slug="lupus-erythematosus")
    review.approve(
        submission=review.submit(entry=condition, user=editor), reviewer=medical_reviewer
    )
    moved = client.get("/uses/lupus/reviews/")
    assert moved.status_code == 301 and moved["Location"] == "/uses/lupus-erythematosus/reviews/"
    moved = client.get("/uses/lupus/reviews/?page=2")  # the same page of it
    assert moved["Location"] == "/uses/lupus-erythematosus/reviews/?page=2"

    withdrawal = review.withdraw(entry=condition, user=editor, note="Outdated.")
    review.approve(submission=withdrawal, reviewer=medical_reviewer)
    assert client.get("/uses/lupus-erythematosus/reviews/").status_code == 410
    assert client.get("/uses/never-published/reviews/").status_code == 404
    assert client.get("/topics/never-published/reviews/").status_code == 404


def test_the_home_page_links_the_overviews_whole_review_history(client, reviewer):
    overview, _ = factories.make_published_topic(
        title="Naltrexone overview", slug="overview", is_overview=True, reviewer=reviewer
    )
    reviewed_again(overview, reviewer, 10)
    html = client.get("/").content.decode()
    assert '<a href="/reviews/">All 11 reviews of this page</a>' in html
    page = client.get("/reviews/").content.decode()
    assert "<h1>Review history: Naltrexone overview</h1>" in page
    assert len(review_items(page)) == 10  # and the first, whose line is not a numbered review

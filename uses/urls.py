from django.contrib.sitemaps import views as sitemaps
from django.urls import path

from uses import views
from uses.feeds import UpdatesFeed
from uses.http import public_page
from uses.models import Kind
from uses.sitemaps import SITEMAPS

app_name = "uses"
urlpatterns = [
    path("", views.home, name="home"),
    path("uses/", views.condition_list, name="condition-list"),
    path("uses/<slug:slug>/", views.condition_detail, name="condition-detail"),
    path(
        "uses/<slug:slug>/reviews/",
        views.entry_reviews,
        {"kind": Kind.CONDITION},
        name="condition-reviews",
    ),
    path("topics/<slug:slug>/", views.topic_detail, name="topic-detail"),
    path(
        "topics/<slug:slug>/reviews/",
        views.entry_reviews,
        {"kind": Kind.TOPIC},
        name="topic-reviews",
    ),
    path("reviews/", views.overview_reviews, name="overview-reviews"),
    path("sources/", views.source_list, name="source-list"),
    path("people/<slug:slug>/", views.person_detail, name="person-detail"),
    path("evidence/", views.evidence_map, name="evidence-map"),
    path("how-we-grade-evidence/", views.grading_page, name="grading"),
    path("editorial-policy/", views.editorial_policy, name="editorial-policy"),
    path("feed/", public_page(UpdatesFeed()), name="feed"),
    # An index of sections, each in pages small enough for any catalogue's size.
    path(
        "sitemap.xml",
        public_page(sitemaps.index),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "uses:sitemap-section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        public_page(sitemaps.sitemap),
        {"sitemaps": SITEMAPS, "template_name": "uses/sitemap.xml"},
        name="sitemap-section",
    ),
    path("robots.txt", views.robots_txt, name="robots-txt"),
]

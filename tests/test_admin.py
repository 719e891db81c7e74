import pytest
from django.contrib import admin
from django.urls import reverse

from tests import factories
from uses.models import Condition, Evidence, Publication

pytestmark = pytest.mark.django_db

REGISTERED = [model for model in admin.site._registry if model._meta.app_label == "uses"]


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def sample(reviewer):
    condition, publication = factories.make_published_condition(reviewer=reviewer)
    topic, _ = factories.make_published_topic(reviewer=reviewer)
    source = condition.evidence.get().sources.get()
    return {
        "Condition": condition,
        "Topic": topic,
        "Source": source,
        "Person": reviewer,
        "Publication": publication,
    }


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m.__name__)
def test_every_admin_page_opens_for_a_superuser(admin_client, sample, model):
    assert admin_client.get(admin_url(model, "changelist")).status_code == 200
    assert admin_client.get(admin_url(model, "changelist") + "?q=a").status_code == 200
    obj = sample[model.__name__]
    assert admin_client.get(admin_url(model, "change", obj.pk)).status_code == 200
    add = admin_client.get(admin_url(model, "add"))
    assert add.status_code == (403 if model is Publication else 200)


def test_publications_are_read_only_in_the_admin(admin_client, sample):
    publication = sample["Publication"]
    response = admin_client.post(admin_url(Publication, "delete", publication.pk), {"post": "yes"})
    assert response.status_code == 403
    assert Publication.objects.filter(pk=publication.pk).exists()


@pytest.mark.parametrize("model", [Condition, *REGISTERED], ids=lambda m: m.__name__)
def test_changelists_are_constant_in_queries(admin_client, reviewer, model):
    def queries_for_changelist():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(admin_url(model, "changelist")).status_code == 200
        return len(captured)

    for _ in range(2):
        factories.make_published_condition(reviewer=reviewer, evidence=2)
        factories.make_published_topic(reviewer=reviewer)
    few = queries_for_changelist()
    for _ in range(20):
        factories.make_published_condition(reviewer=reviewer, evidence=2)
        factories.make_published_topic(reviewer=reviewer)
    assert queries_for_changelist() == few


def test_an_editor_adds_evidence_with_sources_on_the_condition_page(admin_client, reviewer):
    condition = factories.make_condition(name="Lupus", slug="lupus")
    source = factories.make_source(title="Lupus study")
    url = admin_url(Condition, "change", condition.pk)
    form = admin_client.get(url).context["adminform"].form
    data = {
        **{name: value for name, value in form.initial.items() if value is not None},
        "author": condition.author.pk,
        "evidence-TOTAL_FORMS": "2",
        "evidence-INITIAL_FORMS": "0",
        "evidence-MIN_NUM_FORMS": "0",
        "evidence-MAX_NUM_FORMS": "1000",
        "evidence-0-claim": "It can reverse the disease.",
        "evidence-0-design": "observational",
        "evidence-0-certainty": "low",
        "evidence-0-direction": "benefit",
        "evidence-0-cited_sources": [source.pk],
        "evidence-0-position": "1",
        "evidence-1-claim": "Trials are ongoing.",
        "evidence-1-design": "none",
        "evidence-1-certainty": "insufficient",
        "evidence-1-direction": "unclear",
        "evidence-1-position": "2",
    }
    data.pop("id", None)
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "tick “citation needed”" in response.content.decode()
    assert not Evidence.objects.exists()

    data["evidence-1-citation_needed"] = "on"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["errors"]
    first, second = Evidence.objects.order_by("position")
    assert list(first.sources.all()) == [source]
    assert second.citation_needed


def test_source_autocomplete_finds_sources_for_the_evidence_form(admin_client):
    factories.make_source(title="Stanford fibromyalgia study")
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "stanford",
            "app_label": "uses",
            "model_name": "evidence",
            "field_name": "sources",
        },
    )
    assert response.status_code == 200
    assert response.json()["results"][0]["text"] == "Stanford fibromyalgia study"

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def uses(reviewer):
    factories.make_published_condition(
        name="Alcohol dependence", slug="alcohol", category="addiction",
        approval="fda_approved", regimen="standard", reviewer=reviewer,
    )  # fmt: skip
    factories.make_published_condition(
        name="Lupus", slug="lupus", category="autoimmune", reviewer=reviewer,
        body="Limited studies found that it can reverse the disease.",
    )  # fmt: skip
    factories.make_published_condition(name="Fibromyalgia", slug="fibro", reviewer=reviewer)


def titles(response) -> list[str]:
    return [use.title for use in response.context["page_obj"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Alcohol dependence", "Lupus", "Fibromyalgia"]),
        ("approval=fda_approved", ["Alcohol dependence"]),
        ("approval=off_label", ["Lupus", "Fibromyalgia"]),
        ("category=autoimmune", ["Lupus"]),
        ("regimen=standard", ["Alcohol dependence"]),
        ("certainty=low", ["Alcohol dependence", "Lupus", "Fibromyalgia"]),
        ("certainty=high", []),
        ("q=REVERSE", ["Lupus"]),
        ("q=reverse+disease", ["Lupus"]),
        ("q=lupus&category=pain", []),
    ],
)
def test_filters_narrow_the_list(client, uses, query, expected):
    response = client.get(f"/uses/?{query}")
    assert response.status_code == 200
    assert sorted(titles(response)) == sorted(expected)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("approval=maybe", "approval"),
        ("category=astrology", "category"),
        ("certainty=certain", "certainty"),
        ("regimen=megadose", "regimen"),
        (f"q={'x' * 101}", "q"),
    ],
)
def test_an_invalid_filter_answers_400_with_the_forms_error(client, uses, query, field):
    response = client.get(f"/uses/?{query}")
    assert response.status_code == 400
    assert field in response.context["filter"].form.errors
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "Select a valid choice" in html or "at most 100 characters" in html
    assert titles(response) == []


@pytest.mark.parametrize("page", ["abc", "2nd"])
def test_a_page_that_is_not_a_number_answers_400_with_a_message(client, uses, page):
    response = client.get(f"/uses/?page={page}")
    assert response.status_code == 400
    assert f"There is no page “{page}”" in response.content.decode()


@pytest.mark.parametrize("page", ["0", "2", "99", "-1", "9" * 5000])
def test_a_page_number_out_of_range_answers_404_like_djangos_list_views(client, uses, page):
    response = client.get("/uses/", {"page": page})
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_invalid_filters_answer_400_whatever_the_page(client, uses):
    response = client.get("/uses/?approval=maybe&page=5")
    assert response.status_code == 400
    assert "approval" in response.context["filter"].form.errors


def test_the_list_is_paginated_and_keeps_filters_in_page_links(client, reviewer):
    for number in range(25):
        factories.make_published_condition(name=f"Use {number}", reviewer=reviewer, evidence=0)
    first = client.get("/uses/?approval=off_label")
    assert len(first.context["page_obj"]) == 20
    assert "?approval=off_label&amp;page=2" in first.content.decode()
    second = client.get("/uses/?approval=off_label&page=2")
    assert len(second.context["page_obj"]) == 5


def test_uses_are_listed_in_the_articles_order(client, reviewer):
    for name, position in [("Later", 20), ("Earlier", 10), ("Middle", 15)]:
        factories.make_published_condition(name=name, position=position, reviewer=reviewer)
    assert titles(client.get("/uses/")) == ["Earlier", "Middle", "Later"]


@pytest.mark.parametrize("page", ["\u00b2", "\u0661", " 1", "1.0"])
def test_unusual_page_numbers_answer_400_not_500(client, uses, page):
    assert client.get("/uses/", {"page": page}).status_code == 400

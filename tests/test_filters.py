import html
import re

import pytest
from django import forms
from django.http import QueryDict

from tests import factories
from uses import views
from uses.filters import ConditionFilter
from uses.models import Publication
from uses.services import publish

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


USE_CARD = re.compile(r'<li class="use-card">\s*<a href="[^"]*">([^<]*)</a>')
ERRORS = re.compile(r'<div class="errors" role="alert">(.*?)</div>', re.DOTALL)


def titles(response) -> list[str]:
    """The uses a list page shows, from its cards."""
    return [html.unescape(title) for title in USE_CARD.findall(response.content.decode())]


def fields_in_error(response) -> list[str]:
    """The filters that the page's error summary names, each linking to its field."""
    summary = ERRORS.search(response.content.decode())
    return re.findall(r'href="#id_([a-z_]+)"', summary.group(1)) if summary else []


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
    assert fields_in_error(response) == [field]
    page = response.content.decode()
    assert "Select a valid choice" in page or "at most 100 characters" in page
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
    assert fields_in_error(response) == ["approval"]


def test_the_list_is_paginated_and_keeps_filters_in_page_links(client, reviewer):
    for number in range(25):
        factories.make_published_condition(name=f"Use {number}", reviewer=reviewer, evidence=0)
    first = client.get("/uses/?approval=off_label")
    assert len(titles(first)) == 20
    assert "?approval=off_label&amp;page=2" in first.content.decode()
    second = client.get("/uses/?approval=off_label&page=2")
    assert len(titles(second)) == 5


def test_uses_are_listed_in_the_articles_order(client, reviewer):
    for name, position in [("Later", 20), ("Earlier", 10), ("Middle", 15)]:
        factories.make_published_condition(name=name, position=position, reviewer=reviewer)
    assert titles(client.get("/uses/")) == ["Earlier", "Middle", "Later"]


@pytest.mark.parametrize("page", ["\u00b2", "\u0661", " 1", "1.0"])
def test_unusual_page_numbers_answer_400_not_500(client, uses, page):
    assert client.get("/uses/", {"page": page}).status_code == 400


def publish_two_uses_about_cravings(reviewer):
    """ "Sleep" comes first in the article; "Cravings" matches "craving" better."""
    factories.make_published_condition(
        name="Sleep", position=1, reviewer=reviewer, evidence=0,
        body="Naltrexone is used for sleep. Some readers also report fewer cravings.",
    )  # fmt: skip
    factories.make_published_condition(
        name="Cravings", position=2, reviewer=reviewer, evidence=0,
        body="Cravings: naltrexone blocks the reward that feeds cravings.",
    )  # fmt: skip


def test_search_puts_the_best_match_first(client, reviewer):
    publish_two_uses_about_cravings(reviewer)
    factories.make_published_condition(name="Lupus", position=3, reviewer=reviewer, evidence=0)
    assert titles(client.get("/uses/?q=craving")) == ["Cravings", "Sleep"]


def test_a_search_with_more_matches_than_are_ranked_lists_them_in_the_articles_order(
    client, reviewer, monkeypatch, settings
):
    settings.PAGE_CACHE_ENABLED = False  # the same address, answered under two rules
    publish_two_uses_about_cravings(reviewer)
    monkeypatch.setattr(views, "RANKED_MATCHES", 2)
    assert titles(client.get("/uses/?q=craving")) == ["Cravings", "Sleep"]
    monkeypatch.setattr(views, "RANKED_MATCHES", 1)
    assert titles(client.get("/uses/?q=craving")) == ["Sleep", "Cravings"]
    assert titles(client.get("/uses/?q=craving&page=1")) == ["Sleep", "Cravings"]


def test_equally_good_matches_keep_the_articles_order(client, reviewer):
    for name, position in [("Bravo", 2), ("Alpha", 3), ("Delta", 1)]:
        factories.make_published_condition(
            name=name, position=position, reviewer=reviewer, evidence=0,
            summary="Same words.", body="It eases tremor.",
        )  # fmt: skip
    assert titles(client.get("/uses/?q=tremor")) == ["Delta", "Bravo", "Alpha"]


@pytest.mark.parametrize("query", ["reverse", "REVERSES", "reversing", "rev", "symptom"])
def test_search_finds_other_forms_and_beginnings_of_words(client, reviewer, query):
    factories.make_published_condition(
        name="Lupus", reviewer=reviewer, evidence=0, body="It reversed the symptoms."
    )
    factories.make_published_condition(name="Fibromyalgia", reviewer=reviewer, evidence=0)
    assert titles(client.get("/uses/", {"q": query})) == ["Lupus"]


def test_search_finds_only_what_is_public_now(client, reviewer):
    condition, _ = factories.make_published_condition(
        name="Lupus", reviewer=reviewer, evidence=0, body="An older text about flares."
    )
    condition.body = "A newer text about remission."
    condition.save()
    publish(entry=condition, reviewer=reviewer)
    assert titles(client.get("/uses/?q=flares")) == []
    assert titles(client.get("/uses/?q=remission")) == ["Lupus"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('lupus"', ["Lupus"]),
        ("lupus*", ["Lupus"]),
        ("lupus:*", ["Lupus"]),
        ("lupus & !", ["Lupus"]),
        ("(lupus)", ["Lupus"]),
        ('"', ["Alcohol dependence", "Lupus", "Fibromyalgia"]),  # no words: nothing to narrow
        ("NEAR(lupus", None),
        ("lupus' OR 1=1 --", None),
        ("^-:", None),
        ("it s", []),  # short words find only themselves: "s" is not the start of every word
    ],
)
def test_search_reads_words_never_search_syntax(client, uses, query, expected):
    response = client.get("/uses/", {"q": query})
    assert response.status_code == 200
    if expected is not None:
        assert sorted(titles(response)) == sorted(expected)


@pytest.mark.parametrize("count", [25, 50])
def test_searches_and_later_pages_are_constant_in_queries(
    client, reviewer, django_assert_num_queries, count
):
    for number in range(count):
        factories.make_published_condition(name=f"Use {number}", reviewer=reviewer, evidence=0)
    client.get("/uses/")  # the sites framework caches the current site once per process
    for url in [
        "/uses/?q=use",
        "/uses/?page=2",
        "/uses/?q=naltrexone&page=2",
        "/uses/?q=nal&page=2",
    ]:
        with django_assert_num_queries(3):  # the public record's version, the count, the page
            response = client.get(url)
        assert response.status_code == 200, url
        assert len(titles(response)) == min(20, count - 20 * (url.endswith("2")))


def test_a_later_page_shows_the_rows_that_follow_the_first(client, reviewer):
    for number in range(45):
        factories.make_published_condition(
            name=f"Use {number:02}", position=number % 7, reviewer=reviewer, evidence=0
        )
    pages = [titles(client.get("/uses/", {"page": page})) for page in (1, 2, 3)]
    everything = [title for page in pages for title in page]
    assert len(everything) == 45
    assert everything == [p.title for p in Publication.objects.public().in_article_order()]


def test_later_pages_of_a_search_show_the_matches_that_follow(client, reviewer):
    for number in range(45):
        factories.make_published_condition(
            name=f"Use {number:02}", position=number, reviewer=reviewer, evidence=0,
            body="It helps zebras." if number % 2 else "It helps people.",
        )  # fmt: skip
    first, second = (titles(client.get("/uses/", {"q": "zebra", "page": page})) for page in (1, 2))
    assert first + second == [f"Use {number:02}" for number in range(1, 45, 2)]


@pytest.mark.parametrize(
    "query",
    ["", "approval=fda_approved", "category=pain&certainty=not_assessed", "regimen=megadose"],
)
def test_the_filters_drop_downs_are_what_djangos_select_renders(query):
    """Each is written in one template of the site's (not one per option): same markup."""
    form = ConditionFilter(QueryDict(query), queryset=Publication.objects.none()).form
    form.is_valid()
    selects = [field for field in form if isinstance(field.field.widget, forms.Select)]
    assert [field.name for field in selects] == ["approval", "category", "certainty", "regimen"]
    for field in selects:
        django_select = forms.Select(choices=field.field.widget.choices)
        assert str(field) == field.as_widget(widget=django_select)


def test_the_filter_form_class_is_built_once_and_its_forms_stay_apart():
    first = ConditionFilter(QueryDict("category=pain"), queryset=Publication.objects.none())
    second = ConditionFilter(QueryDict("category=bogus"), queryset=Publication.objects.none())
    assert type(first.form) is type(second.form)
    assert first.is_valid() and not second.is_valid()
    assert first.form.cleaned_data["category"] == "pain"
    assert first.form["category"].value() == "pain" and second.form["category"].value() == "bogus"
    assert list(first.form.fields) == ["q", "approval", "category", "certainty", "regimen"]


@pytest.mark.parametrize("query", ["", "q=", "q=pain", "q=%3Cb%3E%22x%22+%26", f"q={'x' * 101}"])
def test_the_search_box_is_what_djangos_text_input_renders(query):
    form = ConditionFilter(QueryDict(query), queryset=Publication.objects.none()).form
    form.is_valid()
    django_input = forms.TextInput(attrs={"type": "search", **form["q"].field.widget.attrs})
    assert str(form["q"]) == form["q"].as_widget(widget=django_input)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "approval=off_label",
        "category=pain",
        "category=digestive&certainty=low",
        "approval=fda_approved&category=addiction",
        "regimen=low_dose",
        "q=use",
        "category=pain&q=use",
    ],
)
def test_the_list_says_how_many_public_uses_match_as_a_count_from_scratch(
    client, editor, medical_reviewer, query
):
    from uses import review

    for number, category in enumerate(["pain", "pain", "digestive", "addiction"]):
        condition = factories.make_condition(name=f"Use {number}", category=category)
        factories.make_evidence(condition, sources=[factories.make_source()])
        review.approve(
            submission=review.submit(entry=condition, user=editor), reviewer=medical_reviewer
        )
    pain = Publication.objects.get(is_current=True, title="Use 0").condition
    factories.edit(pain, editor, category="digestive")  # a new version moves it
    review.approve(submission=review.submit(entry=pain, user=editor), reviewer=medical_reviewer)
    gone = Publication.objects.get(is_current=True, title="Use 3").condition
    review.approve(
        submission=review.withdraw(entry=gone, user=editor, note="Outdated"),
        reviewer=medical_reviewer,
    )
    filters = QueryDict(query)
    expected = ConditionFilter(filters, queryset=Publication.objects.public().conditions())
    count = len(list(expected.qs))
    response = client.get(f"/uses/?{query}")
    assert response.status_code == 200
    assert f'<h2 id="results-heading">{count} use{"" if count == 1 else "s"}</h2>' in (
        response.content.decode()
    )
    assert len(titles(response)) == count

"""Generated requests at every address the site answers, for every role: none may answer 500.

Hypothesis draws an address from the URL configuration (its parameters filled with real ids and
slugs, or with any text), a method, a query string and form values (known parameter names and
arbitrary ones, with any text as values) and sends them as each role. The test client raises the
view's exception, so a failure shows its traceback, shrunk to the smallest request that fails.
"""

import re
from urllib.parse import quote, urlencode

import pytest
from django.urls import get_resolver
from django.urls.resolvers import URLResolver
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from uses import review

# Looking for 500s: Django's own admin templates leave variables unset on some error pages (its
# "invalid setup" page has no site title), which --fail-on-template-vars would report; the other
# tests hold this site's templates to it.
pytestmark = [pytest.mark.django_db, pytest.mark.ignore_template_errors]

ROLES = ["anonymous", "editor", "reviewer", "superuser"]
# Names the site's own forms and lists read, so that generated values reach their code.
PARAMETERS = [
    "q", "page", "p", "o", "e", "all", "category", "certainty", "approval", "regimen", "label",
    "state", "queue", "action", "wrote", "reviewed", "term", "app_label", "model_name",
    "field_name", "_changelist_filters", "_selected_action", "select_across", "index", "format",
    "resource", "import_file_name", "original_file_name", "decision", "comment", "note",
    "public_note", "old", "new", "revision_seen", "post", "_popup", "_to_field", "next",
]  # fmt: skip
ANY_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)


def routes(patterns=None, prefix: str = "") -> list[str]:
    """Every route of the URL configuration, as one string of its patterns' text."""
    found = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        text = prefix + str(pattern.pattern).lstrip("^").rstrip("$")
        if isinstance(pattern, URLResolver):
            found += routes(pattern.url_patterns, text)
        else:
            found.append(text)
    return found


PARAMETER = re.compile(r"<(?:\w+:)?\w+>|\(\?P<\w+>[^)]*\)|\([^)]*\)")


@st.composite
def addresses(draw, values: list[str]) -> str:
    """A route with each parameter filled with a known value or any text."""
    route = draw(st.sampled_from(ROUTES))
    filled = PARAMETER.sub(
        lambda _: quote(draw(st.sampled_from(values) | ANY_TEXT) or "x", safe=""), route
    )
    return "/" + filled


def form_values():
    keys = st.sampled_from(PARAMETERS) | ANY_TEXT.filter(bool)
    return st.dictionaries(
        keys, st.lists(st.sampled_from(["1", "0", ""]) | ANY_TEXT, max_size=3), max_size=5
    )


ROUTES = routes()


@pytest.fixture
def site(published_site, users, editor):
    submission = review.submit(entry=published_site["off_label"], user=editor)
    people = users
    values = [
        str(value)
        for value in (
            submission.pk,
            published_site["off_label"].pk,
            published_site["topic"].pk,
            editor.pk,
            "fibromyalgia",
            "mechanism-of-action",
            "entries",
            "uses",
            "condition",
        )
    ]
    return people, values


@pytest.mark.parametrize("role", ROLES)
def test_no_generated_request_answers_500(client, site, role):
    people, values = site

    @settings(
        max_examples=100,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        address=addresses(values),
        method=st.sampled_from(["get", "post", "head"]),
        query=form_values(),
        form=form_values(),
    )
    def check(address, method, query, form):
        client.logout()
        if people[role] is not None:
            client.force_login(people[role])
        url = f"{address}?{urlencode(query, doseq=True)}" if query else address
        response = getattr(client, method)(url, form if method == "post" else None)
        event(f"{method} {response.status_code}")  # --hypothesis-show-statistics shows the mix
        assert response.status_code < 500, (method, url, form)

    check()

"""Public addresses built from their patterns' fixed text are exactly what ``reverse()`` gives."""

import pytest
from django.template import Context, Template, engines
from django.urls import (
    NoReverseMatch,
    get_script_prefix,
    include,
    path,
    reverse,
    set_script_prefix,
    set_urlconf,
)

from uses.addresses import address
from uses.models.publishing import Kind, address_of

# Another URLconf, as a request's ``urlconf`` may name: the site mounted under a path.
urlpatterns = [path("elsewhere/", include("uses.urls"))]

WITH_SLUG = ["uses:condition-detail", "uses:topic-detail", "uses:person-detail"]
WITHOUT = ["uses:home", "uses:condition-list", "uses:grading", "uses:feed"]
SLUGS = ["fibromyalgia", "use-0", "a", "9", "under_score", "MiXeD-Case-2", "-", "_"]
NOT_SLUGS = ["", "two words", "a/b", "café", "a.b", "?q=1"]


@pytest.fixture
def script_prefix():
    """Restores the process's script prefix after a test sets one."""
    before = get_script_prefix()
    yield set_script_prefix
    set_script_prefix(before)


@pytest.mark.parametrize("viewname", WITH_SLUG)
@pytest.mark.parametrize("slug", SLUGS)
def test_an_address_with_a_slug_is_what_reverse_gives(viewname, slug):
    assert address(viewname, slug) == reverse(viewname, kwargs={"slug": slug})


@pytest.mark.parametrize("viewname", WITHOUT)
def test_an_address_without_a_slug_is_what_reverse_gives(viewname):
    assert address(viewname) == reverse(viewname)


@pytest.mark.parametrize("slug", NOT_SLUGS)
def test_a_slug_the_pattern_refuses_raises_as_reverse_does(slug):
    with pytest.raises(NoReverseMatch):
        reverse("uses:condition-detail", kwargs={"slug": slug})
    with pytest.raises(NoReverseMatch):
        address("uses:condition-detail", slug)


def test_addresses_follow_the_script_prefix(script_prefix):
    plain = address("uses:condition-detail", "lupus"), address("uses:home")
    script_prefix("/site/")
    prefixed = address("uses:condition-detail", "lupus"), address("uses:home")
    assert prefixed == ("/site/uses/lupus/", "/site/")
    assert prefixed == (reverse("uses:condition-detail", args=["lupus"]), reverse("uses:home"))
    script_prefix("/")
    assert (address("uses:condition-detail", "lupus"), address("uses:home")) == plain


def test_addresses_follow_the_requests_urlconf():
    set_urlconf(__name__)
    try:
        moved = address("uses:topic-detail", "timing"), address("uses:home")
        assert moved == ("/elsewhere/topics/timing/", "/elsewhere/")
        assert moved == (reverse("uses:topic-detail", args=["timing"]), reverse("uses:home"))
    finally:
        set_urlconf(None)
    assert address("uses:topic-detail", "timing") == "/topics/timing/"


@pytest.mark.parametrize(
    ("kind", "viewname"),
    [(Kind.CONDITION, "uses:condition-detail"), (Kind.TOPIC, "uses:topic-detail")],
)
def test_a_publications_address_is_its_pages_address(kind, viewname):
    assert address_of(kind, "some-slug") == reverse(viewname, kwargs={"slug": "some-slug"})
    assert address_of(Kind.OVERVIEW, "any-slug") == reverse("uses:home")


@pytest.mark.parametrize(
    ("arguments", "url_arguments"),
    [
        ("'uses:home'", "'uses:home'"),
        ("'uses:grading'", "'uses:grading'"),
        ("'uses:person-detail', 'rita'", "'uses:person-detail' 'rita'"),
        ("name, slug", "name slug"),
    ],
)
def test_the_public_templates_address_prints_what_the_url_tag_prints(arguments, url_arguments):
    values = {"name": "uses:topic-detail", "slug": "timing"}
    ours = engines["jinja2"].from_string(f"{{{{ address({arguments}) }}}}").render(values)
    assert ours == Template(f"{{% url {url_arguments} %}}").render(Context(values))

"""The public templates' filters and engine, and the Markdown they print."""

import datetime
import zoneinfo

import jinja2
import markdown
import pytest
from django.template import Context, Template, engines
from django.utils import timezone, translation

from uses.markup import render_markdown, sanitise

TEXTS = [
    "Plain words.",
    "## Dose\n\nTake **one** tablet.\n\n## Dose\n\nAgain.",  # two headings with one name
    "See [the label][fda].\n\n[fda]: https://www.fda.gov/",
    "See [the label][fda].",  # the reference above must not carry over
    "1. one\n2. two\n\n* a\n* b",
    "",
]


@pytest.mark.parametrize("anchors", [False, True])
def test_markdown_converts_each_text_as_a_fresh_converter_would(anchors):
    extensions = ["sane_lists", *(["toc"] if anchors else [])]
    for _ in range(2):  # converters are reused: nothing of one text may reach the next
        for text in TEXTS:
            fresh = markdown.markdown(text, extensions=extensions, output_format="html")
            assert render_markdown(text, anchors=anchors) == sanitise(fresh, anchors=anchors)


def test_a_reference_defined_in_one_text_is_not_a_link_in_the_next():
    assert 'href="https://www.fda.gov/"' in render_markdown(TEXTS[2])
    assert "href" not in render_markdown(TEXTS[3])


DAYS = [
    *(datetime.date(2024, month, 1 + month) for month in range(1, 13)),
    datetime.date(999, 12, 31),
    datetime.datetime(2024, 2, 29, 23, 30, tzinfo=datetime.UTC),
    datetime.datetime(2024, 3, 1, 0, 30, tzinfo=datetime.UTC),
    datetime.datetime(2024, 12, 31, 23, 59, 59, tzinfo=zoneinfo.ZoneInfo("Asia/Tokyo")),
    datetime.datetime(2024, 6, 30, 23, 0),  # naive: printed as it is
    None,
    "",
]


@pytest.mark.parametrize("language", ["en-us", "de"])
@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Tokyo"])
def test_the_date_filters_print_what_djangos_date_filter_prints(zone, language):
    ours = engines["jinja2"].from_string("{{ day|longdate }}|{{ day|isodate }}")
    djangos = Template('{{ day|date:"F j, Y" }}|{{ day|date:"Y-m-d" }}')
    with timezone.override(zone), translation.override(language):
        for day in DAYS:
            assert ours.render({"day": day}) == djangos.render(Context({"day": day})), day


def test_a_public_template_fails_on_a_variable_it_was_not_given_in_the_tests():
    page = engines["jinja2"].from_string("{% if note %}{{ note }}{% endif %}[{{ title }}]")
    assert page.render({"title": "Lupus"}) == "[Lupus]"  # an optional variable tests false
    with pytest.raises(jinja2.UndefinedError):
        page.render({})

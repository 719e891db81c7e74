"""Public filters for the list of uses. Every field reads an indexed column of Publication; the
search reads the full-text index; the list puts the best matches first."""

import django_filters
from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from uses.models import Approval, Category, Certainty, Publication, Regimen


class FilterSelect(forms.Select):
    """Django's drop-down, written out here: through templates it took three renders for each
    option, and the list renders four drop-downs (some 25 options) on every request. Flat
    choices; a test holds its markup to Django's ``Select``'s. The filter form has no other
    use for templates (its labels and errors are the list's template's)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        options = format_html_join(
            "",
            '\n  <option value="{}"{}>{}</option>\n',
            (
                (option["value"], attributes(option["attrs"]), option["label"])
                for _, group, _ in widget["optgroups"]
                for option in group
            ),
        )
        attrs = attributes(widget["attrs"])
        return format_html('<select name="{}"{}>{}\n</select>', widget["name"], attrs, options)


class SearchInput(forms.TextInput):
    """Django's text input of type "search", written out here as ``FilterSelect`` is (it took
    three templates); a test holds its markup to Django's."""

    input_type = "search"

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        value = "" if widget["value"] is None else format_html(' value="{}"', widget["value"])
        attrs = attributes(widget["attrs"])
        return format_html(
            '<input type="{}" name="{}"{}{}>', widget["type"], widget["name"], value, attrs
        )


def attributes(attrs: dict) -> str:
    """Attributes as ``django/forms/widgets/attrs.html`` writes them, in their order."""
    return mark_safe(
        "".join(
            format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
            for name, value in attrs.items()
            if value is not False
        )
    )


def choice_filter(choices, **kwargs):
    return django_filters.ChoiceFilter(
        choices=choices, empty_label="Any", widget=FilterSelect, **kwargs
    )


class ConditionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search",
        method="search",
        max_length=100,
        widget=SearchInput,
    )
    approval = choice_filter(Approval.choices)
    category = choice_filter(Category.choices)
    certainty = choice_filter(Certainty.choices, label="Certainty of best evidence")
    regimen = choice_filter(Regimen.choices)

    class Meta:
        model = Publication
        fields = ["q", "approval", "category", "certainty", "regimen"]

    def get_form_class(self):
        # django-filter builds a form class from the filters for every request; they never
        # change, so this one is built once per process (each request still has its own form).
        cls = type(self)
        if "_form_class" not in cls.__dict__:
            cls._form_class = super().get_form_class()
        return cls._form_class

    def search(self, queryset, name, value):
        # Only the matches: the list ranks the page it shows (uses.views.condition_list).
        return queryset.matching(value)

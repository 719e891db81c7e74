"""Public filters for the list of uses. Every field reads an indexed column of Publication; the
search reads the full-text index and puts the best matches first."""

import django_filters
from django import forms
from django.forms.renderers import TemplatesSetting

from uses.models import Approval, Category, Certainty, Publication, Regimen


class FilterSelect(forms.Select):
    """Django's drop-down, its options written in its own template rather than in a template
    each: the list renders four of these on every request (about 25 options)."""

    template_name = "includes/_select.html"


class FilterForm(forms.Form):
    default_renderer = TemplatesSetting  # the site's templates: ``FilterSelect``'s is one


def choice_filter(choices, **kwargs):
    return django_filters.ChoiceFilter(
        choices=choices, empty_label="Any", widget=FilterSelect, **kwargs
    )


class ConditionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search",
        method="search",
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    approval = choice_filter(Approval.choices)
    category = choice_filter(Category.choices)
    certainty = choice_filter(Certainty.choices, label="Certainty of best evidence")
    regimen = choice_filter(Regimen.choices)

    class Meta:
        model = Publication
        form = FilterForm
        fields = ["q", "approval", "category", "certainty", "regimen"]

    def get_form_class(self):
        # django-filter builds a form class from the filters for every request; they never
        # change, so this one is built once per process (each request still has its own form).
        cls = type(self)
        if "_form_class" not in cls.__dict__:
            cls._form_class = super().get_form_class()
        return cls._form_class

    def search(self, queryset, name, value):
        return queryset.search(value)

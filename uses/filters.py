"""Public filters for the list of uses. Every field reads an indexed column of Publication; the
search reads the full-text index; the list puts the best matches first."""

import django_filters
from django import forms

from uses.models import Approval, Category, Certainty, Publication, Regimen


class ConditionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search",
        method="search",
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    approval = django_filters.ChoiceFilter(choices=Approval.choices, empty_label="Any")
    category = django_filters.ChoiceFilter(choices=Category.choices, empty_label="Any")
    certainty = django_filters.ChoiceFilter(
        choices=Certainty.choices, empty_label="Any", label="Certainty of best evidence"
    )
    regimen = django_filters.ChoiceFilter(choices=Regimen.choices, empty_label="Any")

    class Meta:
        model = Publication
        fields = ["q", "approval", "category", "certainty", "regimen"]

    def search(self, queryset, name, value):
        # Only the matches: the list ranks the page it shows (uses.views.condition_list).
        return queryset.matching(value)

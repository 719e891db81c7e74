from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelectMultiple

from uses.models import Evidence, Source

CITATION_REQUIRED_MESSAGE = (
    "Choose at least one source, or tick “citation needed” so that readers see it is unsourced."
)


def citation_problem(*, has_sources: bool, citation_needed: bool) -> str:
    """What is wrong with a claim's citations, or "" when nothing is. One rule, used everywhere."""
    if not has_sources and not citation_needed:
        return CITATION_REQUIRED_MESSAGE
    return ""


class EvidenceForm(forms.ModelForm):
    """An evidence item with its sources picked by autocomplete, saved through EvidenceSource."""

    cited_sources = forms.ModelMultipleChoiceField(
        queryset=Source.objects.all(),
        required=False,
        label="Sources",
        help_text="Type to search sources by title, key or identifier.",
        widget=AutocompleteSelectMultiple(Evidence._meta.get_field("sources"), admin.site),
    )

    class Meta:
        model = Evidence
        fields = [
            "position",
            "claim",
            "design",
            "certainty",
            "direction",
            "cited_sources",
            "citation_needed",
            "rationale",
        ]
        widgets = {
            "claim": forms.Textarea(attrs={"rows": 3, "cols": 60}),
            "rationale": forms.Textarea(attrs={"rows": 2, "cols": 40}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["cited_sources"] = list(self.instance.sources.all())

    def clean(self):
        cleaned = super().clean()
        problem = citation_problem(
            has_sources=bool(cleaned.get("cited_sources")),
            citation_needed=bool(cleaned.get("citation_needed")),
        )
        if problem and cleaned.get("claim"):
            self.add_error("cited_sources", problem)
        return cleaned

    def _save_m2m(self):
        super()._save_m2m()
        self.instance.sources.set(self.cleaned_data["cited_sources"])

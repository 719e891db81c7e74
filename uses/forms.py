from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.core.exceptions import ValidationError
from django.utils import timezone

from uses.models import Evidence, Source
from uses.models.content import citation_problem
from uses.models.review import PUBLIC_NOTE_MAX_LENGTH
from uses.review import DEFAULT_PUBLIC_NOTES, PRIVATE_TEXT_MAX_LENGTH
from uses.validators import validate_single_line, validate_text


def last_change(instance) -> tuple[str, str]:
    """Who made the latest saved change of ``instance`` and when, in words."""
    record = instance.history.select_related("history_user").order_by("-history_date").first()
    if record is None:
        return "someone", "recently"
    who = record.history_user
    name = (who.get_full_name() or who.username) if who else "an automated process"
    when = timezone.localtime(record.history_date).strftime("%H:%M on %B %-d")
    return name, when


class ConflictCheckingForm(forms.ModelForm):
    """Carries the row's revision from when the form was opened; a different one is a conflict."""

    revision_seen = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["revision_seen"].initial = self.instance.revision

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None:
            return cleaned
        # Lock the row until the admin's transaction commits, so two saves cannot both pass.
        model = type(self.instance)
        current = model.objects.select_for_update().filter(pk=self.instance.pk)
        revision = current.values_list("revision", flat=True).first()
        if cleaned.get("revision_seen") != revision:
            who, when = last_change(self.instance)
            raise ValidationError(
                f"{who} changed this {model._meta.verbose_name} at {when}, after you opened "
                f"it. Your changes were not saved and nothing of theirs was overwritten. Copy "
                f"what you typed, reload the page to see their version, then make your changes "
                f"again.",
                code="conflict",
            )
        return cleaned


class ReviewedEntryForm(ConflictCheckingForm):
    """A use or topic, with the two notes that go with "Save and submit for review"."""

    review_note = forms.CharField(
        label="Note to the reviewer (private)",
        required=False,
        max_length=PRIVATE_TEXT_MAX_LENGTH,
        validators=[validate_text],
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text="Seen only by the medical reviewers: what changed, why, and what to check.",
    )
    public_note = forms.CharField(
        label="What changed (public)",
        required=False,
        max_length=PUBLIC_NOTE_MAX_LENGTH,
        validators=[validate_single_line],
        widget=forms.TextInput(attrs={"size": 60}),
        help_text="One line for readers, shown in the page's review history and the feed once "
        "a reviewer approves it (they may reword it), e.g. “Added the 2020 Stanford study.” "
        f"Left empty, it reads “{DEFAULT_PUBLIC_NOTES['publish']}”",
    )

    def submission_fields(self):
        """The bound note fields, for the "Save and submit for review" part of the page."""
        return [self["review_note"], self["public_note"]]


class EvidenceForm(ConflictCheckingForm):
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

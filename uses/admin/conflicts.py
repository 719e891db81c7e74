"""Refuse to save a change form opened before someone else saved the same row."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone


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

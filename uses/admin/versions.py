"""Compare any two versions of a use or topic (working copy, submissions, publications)."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path

from uses import selectors
from uses.review_checks import diff_snapshots

from .links import entry_url


class CompareForm(forms.Form):
    old = forms.ChoiceField(label="Compare")
    new = forms.ChoiceField(label="with")

    def __init__(self, *args, versions, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(version.key, version.label) for version in versions]
        for field in self.fields.values():
            field.choices = choices


def default_pair(versions: list[selectors.Version]) -> dict:
    """The published version (or else the oldest one) against the working copy."""
    published = next((version for version in versions if version.is_current), versions[-1])
    return {"old": published.key, "new": versions[0].key}


class CompareVersionsMixin:
    """Adds /<pk>/compare/ to an entry's admin, linked from its change and history pages."""

    def get_urls(self):
        name = f"uses_{self.model._meta.model_name}_compare"
        view = self.admin_site.admin_view(self.compare_view)
        return [path("<int:pk>/compare/", view, name=name), *super().get_urls()]

    def compare_url(self, entry) -> str:
        return entry_url(entry, "compare")

    def history_view(self, request, object_id, extra_context=None):
        entry = self.get_object(request, object_id)
        context = {**(extra_context or {})}
        if entry is not None:
            context["compare_url"] = self.compare_url(entry)
        return super().history_view(request, object_id, extra_context=context)

    def compare_view(self, request, pk):
        entry = get_object_or_404(self.model, pk=pk)
        if not self.has_view_permission(request, entry):
            raise PermissionDenied
        versions = selectors.entry_versions(entry)
        by_key = {version.key: version for version in versions}
        chosen = "old" in request.GET or "new" in request.GET
        form = CompareForm(request.GET if chosen else default_pair(versions), versions=versions)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": entry,
            "title": f"Compare versions of “{entry}”",
            "subtitle": None,
            "form": form,
            "versions": versions,
        }
        status = 200
        if form.is_valid():
            old, new = by_key[form.cleaned_data["old"]], by_key[form.cleaned_data["new"]]
            context.update(old=old, new=new)
            context["diff"] = diff_snapshots(
                old.snapshot,
                new.snapshot,
                name="compare",
                compared_with="from the first to the second",
            )
        else:
            status = 400
        return TemplateResponse(request, "admin/uses/compare_versions.html", context, status=status)

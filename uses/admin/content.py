"""The working copy in the admin: editors change entries here; nothing here is public."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, Max, Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.views.decorators.http import require_POST

from uses import selectors
from uses.forms import ConflictCheckingForm, EvidenceForm
from uses.models import Condition, Evidence, Person, Publication, Source, Topic
from uses.resources import (
    ConditionResource,
    EvidenceResource,
    PersonResource,
    PublishedEntryResource,
    PublishedEvidenceResource,
    SourceResource,
    TopicResource,
)
from uses.roles import can_submit

from .entries import RecordAdminMixin, ReviewedEntryAdmin, StateFilter, submit_each
from .history import HistoryAdmin
from .imports import ExportOnlyMixin, WorkingCopyImportExportMixin


class PublishedOnMixin:
    """A "published" column from one annotation, so changelists stay constant in queries."""

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                current_published_at=Max(
                    "publications__published_at", filter=Q(publications__is_current=True)
                )
            )
        )

    @admin.display(description="published", ordering="current_published_at")
    def published(self, obj):
        return obj.current_published_at or "Never"


class EvidenceInline(admin.StackedInline):
    model = Evidence
    form = EvidenceForm
    extra = 0
    ordering = ["position", "pk"]
    verbose_name = "evidence item (one claim)"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("sources")


@admin.register(Condition)
class ConditionAdmin(PublishedOnMixin, WorkingCopyImportExportMixin, ReviewedEntryAdmin):
    resource_classes = [ConditionResource]
    list_display = [
        "name", "category", "approval", "regimen", "evidence_count", "review_state", "published",
    ]  # fmt: skip
    ordering = ["position", "name"]
    list_filter = [StateFilter, "approval", "category", "regimen"]
    search_fields = ["name", "slug", "summary", "article_heading"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["author"]
    list_select_related = ["author"]
    inlines = [EvidenceInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "slug",
                    "article_heading",
                    "category",
                    "position",
                    "revision_seen",
                ]
            },
        ),
        (
            "Approval and dosing",
            {"fields": ["approval", "regimen", "oral", "injection", "implant"]},
        ),
        ("Text", {"fields": ["summary", "body", "author"]}),
        ("Review", {"fields": ["review_interval_months"]}),
    ]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).annotate(evidence_total=Count("evidence", distinct=True))
        )

    @admin.display(description="evidence items", ordering="evidence_total")
    def evidence_count(self, obj):
        return obj.evidence_total


@admin.register(Evidence)
class EvidenceAdmin(WorkingCopyImportExportMixin, HistoryAdmin):
    """Every claim across the uses: for finding unsourced claims, and for imports."""

    resource_classes = [EvidenceResource]
    form = EvidenceForm
    list_display = [
        "claim_text",
        "condition",
        "design",
        "certainty",
        "direction",
        "citation_needed",
    ]
    list_filter = ["citation_needed", "certainty", "design", "direction", "condition__category"]
    search_fields = ["claim", "key", "condition__name"]
    list_select_related = ["condition"]
    autocomplete_fields = ["condition"]
    ordering = ["condition__position", "condition__name", "position"]
    fields = ["condition", "key", *EvidenceForm.Meta.fields, "revision_seen"]

    @admin.display(description="claim", ordering="claim")
    def claim_text(self, obj):
        return Truncator(obj.claim).chars(100)


@admin.register(Topic)
class TopicAdmin(PublishedOnMixin, WorkingCopyImportExportMixin, ReviewedEntryAdmin):
    resource_classes = [TopicResource]
    list_display = ["title", "is_overview", "position", "author", "review_state", "published"]
    ordering = ["position", "title"]
    list_filter = [StateFilter, "is_overview"]
    search_fields = ["title", "slug", "summary", "body"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["author"]
    list_select_related = ["author"]
    fields = [
        "title", "slug", "is_overview", "position", "summary", "body", "author",
        "review_interval_months", "revision_seen",
    ]  # fmt: skip


SOURCE_IDENTIFIERS_HELP = (
    "A reference needs at least one of these, checked to lead to the work; readers then see it "
    "as a citation once a reviewer approves the uses that cite it. A mention (research the "
    "article names without a reference) has none: never invent one."
)


@admin.register(Source)
class SourceAdmin(WorkingCopyImportExportMixin, HistoryAdmin):
    resource_classes = [SourceResource]
    form = ConflictCheckingForm
    list_display = ["title", "key", "kind", "year", "mentioned_only", "citations"]
    ordering = ["title", "key"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_filter = ["kind", "mentioned_only", "year"]
    search_fields = ["title", "key", "authors", "publisher", "doi", "pmid", "trial_id"]
    readonly_fields = ["cited_by"]
    change_form_template = "admin/uses/source_change_form.html"
    fieldsets = [
        (
            None,
            {"fields": ["key", "title", "authors", "publisher", "year", "kind", "revision_seen"]},
        ),
        (
            "Where to find it",
            {
                "fields": ["url", "doi", "pmid", "trial_id"],
                "description": SOURCE_IDENTIFIERS_HELP,
            },
        ),
        ("Mention or reference", {"fields": ["mentioned_only", "note"]}),
        ("Where it is cited", {"fields": ["cited_by"]}),
    ]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).annotate(citation_total=Count("evidence", distinct=True))
        )

    @admin.display(description="cited by (claims)", ordering="citation_total")
    def citations(self, obj):
        return obj.citation_total

    @staticmethod
    def citing_entries(source):
        return source.citing_conditions()

    @admin.display(description="uses citing this source")
    def cited_by(self, obj):
        entries = list(self.citing_entries(obj)) if obj.pk else []
        if not entries:
            return "Not cited by any use."
        states = selectors.entry_states(entries)
        return format_html(
            "<ul>{}</ul><p>Editing this source changes no public page until these uses are "
            "approved again.</p>",
            format_html_join(
                "",
                '<li><a href="{}">{}</a>: {}</li>',
                (
                    (reverse("admin:uses_condition_change", args=[e.pk]), e, states[e.pk].label)
                    for e in entries
                ),
            ),
        )

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/submit-citing/",
                wrap(require_POST(self.submit_citing_view)),
                name="uses_source_submit_citing",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        source = self.get_object(request, object_id)
        context = {**(extra_context or {})}
        if source is not None:
            context["citing_count"] = self.citing_entries(source).count()
            context["can_submit"] = can_submit(request.user, Condition)
        return super().change_view(request, object_id, form_url, extra_context=context)

    def submit_citing_view(self, request, pk):
        source = get_object_or_404(Source, pk=pk)
        if not can_submit(request.user, Condition):
            raise PermissionDenied
        note = request.POST.get("note", "") or f"Updated source: {source.title}"
        entries = list(self.citing_entries(source))
        submitted = submit_each(self, request, entries, note=note)
        self.message_user(
            request,
            f"{submitted} of {len(entries)} use(s) citing “{source}” were submitted for review.",
            messages.SUCCESS if submitted == len(entries) else messages.WARNING,
        )
        return HttpResponseRedirect(reverse("admin:uses_source_change", args=[pk]))


@admin.register(Person)
class PersonAdmin(WorkingCopyImportExportMixin, HistoryAdmin):
    resource_classes = [PersonResource]
    form = ConflictCheckingForm
    list_display = ["name", "credentials", "role", "user"]
    search_fields = ["name", "credentials", "role"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    fields = ["name", "slug", "credentials", "role", "bio", "user", "revision_seen"]


@admin.register(Publication)
class PublicationAdmin(RecordAdminMixin, ExportOnlyMixin, admin.ModelAdmin):
    """The published record, read only: it changes only through review. Exports what the
    public sees (whatever the list's filters: withdrawn and past versions are never exported)."""

    resource_classes = [PublishedEntryResource, PublishedEvidenceResource]

    list_display = [
        "title", "kind", "review_type", "is_current", "reviewer", "reviewed_on", "published_at",
    ]  # fmt: skip
    list_filter = ["kind", "review_type", "is_current", "is_withdrawn", "category", "approval"]
    search_fields = ["title", "slug", "change_note"]
    list_select_related = ["reviewer"]
    date_hierarchy = "published_at"
    exclude = ["snapshot", "search_text"]

"""The working copy in the admin: editors change entries here; nothing here is public."""

from django.contrib import admin
from django.db import models
from django.db.models import Count, Max, Q

from uses.forms import EvidenceForm
from uses.models import Condition, Evidence, Person, Publication, Source, Topic


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
class ConditionAdmin(PublishedOnMixin, admin.ModelAdmin):
    list_display = ["name", "category", "approval", "regimen", "evidence_count", "published"]
    ordering = ["position", "name"]
    list_filter = ["approval", "category", "regimen"]
    search_fields = ["name", "slug", "summary", "article_heading"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["author"]
    list_select_related = ["author"]
    inlines = [EvidenceInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "article_heading", "category", "position"]}),
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


@admin.register(Topic)
class TopicAdmin(PublishedOnMixin, admin.ModelAdmin):
    list_display = ["title", "is_overview", "position", "author", "published"]
    ordering = ["position", "title"]
    list_filter = ["is_overview"]
    search_fields = ["title", "slug", "summary", "body"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["author"]
    list_select_related = ["author"]
    fields = [
        "title",
        "slug",
        "is_overview",
        "position",
        "summary",
        "body",
        "author",
        "review_interval_months",
    ]


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["title", "key", "kind", "year", "mentioned_only", "citations"]
    ordering = ["title"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_filter = ["kind", "mentioned_only", "year"]
    search_fields = ["title", "key", "authors", "publisher", "doi", "pmid", "trial_id"]
    fieldsets = [
        (None, {"fields": ["key", "title", "authors", "publisher", "year", "kind"]}),
        ("Where to find it", {"fields": ["url", "doi", "pmid", "trial_id"]}),
        ("Provenance", {"fields": ["mentioned_only", "note"]}),
    ]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).annotate(citation_total=Count("evidence", distinct=True))
        )

    @admin.display(description="cited by (claims)", ordering="citation_total")
    def citations(self, obj):
        return obj.citation_total


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "credentials", "role", "user"]
    search_fields = ["name", "credentials", "role"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["user"]
    autocomplete_fields = ["user"]


@admin.register(Publication)
class PublicationAdmin(admin.ModelAdmin):
    """The published record, read only: it changes only through review."""

    list_display = ["title", "kind", "is_current", "reviewer", "reviewed_on", "published_at"]
    list_filter = ["kind", "is_current", "category", "approval"]
    search_fields = ["title", "slug", "change_note"]
    list_select_related = ["reviewer"]
    date_hierarchy = "published_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

"""The review queue and the review page, where medical reviewers approve or send back changes."""

from csp.constants import SELF
from csp.decorators import csp_replace, csp_update
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.timesince import timesince
from django.views.decorators.clickjacking import xframe_options_sameorigin

from uses import review, selectors
from uses.models import Condition, ImportJob, ImportStatus, Person, Status, Submission, Topic
from uses.review_checks import checklist, diff_snapshots
from uses.roles import can_review, can_submit_entries
from uses.views import preview_page

from .crafted import pk_or_404
from .entries import RecordAdminMixin, submit_each
from .links import entry_url


class QueueFilter(admin.SimpleListFilter):
    """Pending submissions by default: the queue is what waits for a decision."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [
            (None, "Waiting for review"),
            *[choice for choice in Status.choices if choice[0] != Status.PENDING],
            ("all", "All"),
        ]

    def choices(self, changelist):
        for value, label in self.lookup_choices:
            yield {
                "selected": self.value() == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}, [])
                if value
                else changelist.get_query_string(remove=[self.parameter_name]),
                "display": label,
            }

    def queryset(self, request, queryset):
        value = self.value()
        if value == "all":
            return queryset
        return queryset.filter(status=value or Status.PENDING)


@admin.register(Submission)
class SubmissionAdmin(RecordAdminMixin, admin.ModelAdmin):
    list_display = ["title_link", "action", "submitted_by", "age", "note", "status", "decided_by"]
    list_display_links = None
    list_filter = [QueueFilter, "action"]
    list_select_related = ["submitted_by", "decided_by"]
    search_fields = ["title", "note", "public_note", "comment"]
    ordering = ["submitted_at", "pk"]

    @admin.display(description="entry", ordering="title")
    def title_link(self, obj):
        from django.utils.html import format_html

        return format_html(
            '<a href="{}">{}</a>', reverse("admin:uses_submission_review", args=[obj.pk]), obj.title
        )

    @admin.display(description="waiting", ordering="submitted_at")
    def age(self, obj):
        return f"{timesince(obj.submitted_at, timezone.now())}"

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/review/", wrap(self.review_view), name="uses_submission_review"),
            path("<int:pk>/preview/", wrap(self.preview_view), name="uses_submission_preview"),
            path(
                "submit-imported/<uuid:job_id>/",
                wrap(self.submit_imported_view),
                name="uses_submission_submit_imported",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        submission = self.submission_or_denied(request, pk_or_404(Submission, object_id))
        return HttpResponseRedirect(reverse("admin:uses_submission_review", args=[submission.pk]))

    def submission_or_denied(self, request, pk) -> Submission:
        submission = get_object_or_404(
            Submission.objects.select_related("submitted_by", "decided_by", "condition", "topic"),
            pk=pk,
        )
        if not self.has_view_permission(request, submission):
            raise PermissionDenied
        return submission

    @csp_update({"frame-src": [SELF]})
    def review_view(self, request, pk):
        submission = self.submission_or_denied(request, pk)
        if request.method == "POST":
            return self.decide(request, submission)
        entry = submission.entry
        current = selectors.current_publication(entry)
        decides = can_review(request.user) and submission.is_pending
        diffs = [diff_snapshots(current.snapshot if current else None, submission.snapshot)]
        seen = selectors.last_seen_submission(submission=submission, user=request.user)
        if seen is not None and (current is None or seen.fingerprint != current.fingerprint):
            diffs.insert(0, diff_since(seen, submission))
        review.record_visit(submission=submission, user=request.user)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Review: {submission.title}",
            "subtitle": None,
            "submission": submission,
            "entry": entry,
            "entry_url": entry_url(entry, "change"),
            "compare_url": entry_url(entry, "compare"),
            "current": current,
            "diffs": diffs,
            "checks": checklist(submission.snapshot, current.snapshot if current else None),
            "state": selectors.entry_state(entry),
            "can_review": decides,
            "four_eyes": review.four_eyes_problem(
                submission=submission, user=request.user, current=current
            )
            if decides
            else "",
            "public_note": review.proposed_public_note(submission),
            "history": Submission.objects.for_entry(entry)
            .exclude(pk=submission.pk)
            .select_related("submitted_by", "decided_by")
            .order_by("-submitted_at"),
        }
        return TemplateResponse(request, "admin/uses/submission_review.html", context)

    def decide(self, request, submission):
        decision = request.POST.get("decision")
        comment = request.POST.get("comment", "")
        url = reverse("admin:uses_submission_review", args=[submission.pk])
        try:
            if decision == "approve":
                publication = review.approve(
                    submission=submission,
                    reviewer=request.user,
                    comment=comment,
                    public_note=request.POST.get("public_note"),  # absent: the proposal
                )
                message = (
                    f"Approved. “{submission.title}” is withdrawn from the public site."
                    if publication.is_withdrawn
                    else f"Approved. The public page of “{submission.title}” shows it now."
                )
            elif decision == "request_changes":
                review.request_changes(
                    submission=submission, reviewer=request.user, comment=comment
                )
                message = "Changes requested. The editor has been told what to change."
            else:
                raise review.ReviewError("Choose “Approve and publish” or “Request changes”.")
        except review.NotAllowed as error:
            raise PermissionDenied(str(error)) from error
        except review.ReviewError as error:
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(url)
        self.message_user(request, message, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:uses_submission_changelist"))

    @csp_replace({"frame-ancestors": [SELF]})
    @xframe_options_sameorigin
    def preview_view(self, request, pk):
        submission = self.submission_or_denied(request, pk)
        reviewer = Person.objects.filter(user=request.user).first()
        return preview_page(request, submission=submission, reviewer=reviewer)

    def submit_imported_view(self, request, job_id):
        """After an import: submit every entry it changed for review, with one note for all.
        The entries are kept with the import, so this waits for its editor across logins."""
        if not can_submit_entries(request.user):
            raise PermissionDenied
        job = get_object_or_404(
            ImportJob, pk=job_id, created_by=request.user, status=ImportStatus.IMPORTED
        )
        entries = [] if job.submitted else entries_from_keys(job.entries)
        if request.method == "POST":
            with transaction.atomic():
                locked = ImportJob.objects.select_for_update().get(pk=job.pk)
                if locked.submitted:  # a second click, or a second tab
                    entries = []
                submitted = submit_each(self, request, entries, note=request.POST.get("note", ""))
                locked.submitted = True
                locked.save(update_fields=["submitted"])
            self.message_user(
                request,
                f"{submitted} entr{'y' if submitted == 1 else 'ies'} submitted for review. "
                f"Nothing is public until a medical reviewer approves.",
                messages.SUCCESS if submitted else messages.WARNING,
            )
            return HttpResponseRedirect(reverse("admin:uses_submission_changelist"))
        states = {}
        for model in (Condition, Topic):
            states.update(
                {
                    (model, pk): state
                    for pk, state in selectors.entry_states(
                        [e for e in entries if isinstance(e, model)]
                    ).items()
                }
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Submit the imported changes for review",
            "subtitle": None,
            "rows": [
                (entry, entry._meta.verbose_name, states[(type(entry), entry.pk)])
                for entry in entries
            ],
        }
        return TemplateResponse(request, "admin/uses/submit_imported.html", context)


def diff_since(seen: Submission, submission: Submission) -> dict:
    """What changed since a version the reviewer saw, described as they will remember it."""
    decided = f" by {selectors.who(seen.decided_by)}" if seen.decided_by else ""
    return diff_snapshots(
        seen.snapshot,
        submission.snapshot,
        name="since-seen",
        compared_with=(
            f"since the version you last saw (submitted {seen.submitted_at:%B %-d, %Y %H:%M}; "
            f"{seen.get_status_display().lower()}{decided})"
        ),
    )


def entries_from_keys(keys: list[str]) -> list:
    """Entries named "condition:12" / "topic:3", in that order; vanished ones are skipped."""
    by_model = {"condition": Condition, "topic": Topic}
    wanted: dict[str, list[int]] = {"condition": [], "topic": []}
    for key in keys:
        kind, _, pk = key.partition(":")
        if kind in wanted and pk.isdigit():
            wanted[kind].append(int(pk))
    found = {
        f"{kind}:{obj.pk}": obj
        for kind, pks in wanted.items()
        for obj in by_model[kind].objects.filter(pk__in=pks)
    }
    return [found[key] for key in keys if key in found]

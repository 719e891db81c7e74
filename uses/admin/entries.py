"""What the two kinds of reviewed entry share in the admin: state, review panel and buttons."""

from functools import partial

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from uses import review
from uses.forms import ConflictCheckingForm
from uses.models import Status, Submission

from .history import HistoryAdmin

SUBMIT_PERMISSION = "uses.submit_entry"


def can_submit(user, model) -> bool:
    """Who may ask for review of an entry of ``model``: editors who may also change it."""
    return user.has_perm(SUBMIT_PERMISSION) and user.has_perm(
        f"{model._meta.app_label}.change_{model._meta.model_name}"
    )


REVIEW_PERMISSION = "uses.review_submission"


class RecordAdminMixin:
    """For the records of the workflow (publications, submissions): they change only through
    the review steps, never by adding, editing or deleting rows in the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class StateFilter(admin.SimpleListFilter):
    title = "review state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [*review.STATE_LABELS.items(), ("overdue", "Review overdue")]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        states = review.entry_states(queryset.model.objects.all())
        if value == "overdue":
            matching = [pk for pk, state in states.items() if state.review_overdue]
        else:
            matching = [pk for pk, state in states.items() if state.code == value]
        return queryset.filter(pk__in=matching)


class SubmitActionForm(ActionForm):
    note = forms.CharField(
        required=False,
        label="Note to the reviewer",
        widget=forms.TextInput(attrs={"size": 40, "placeholder": "What changed, and why"}),
    )


def entry_url(entry, view: str) -> str:
    return reverse(f"admin:uses_{entry._meta.model_name}_{view}", args=[entry.pk])


# step: (permission, posted field, what it does, message on success)
STEPS = {
    "submit": (
        SUBMIT_PERMISSION,
        "note",
        lambda entry, user, text: review.submit(entry=entry, user=user, note=text),
        "“{entry}” was submitted for review. The public page will not change until a medical "
        "reviewer approves it.",
    ),
    "withdraw": (
        SUBMIT_PERMISSION,
        "note",
        lambda entry, user, text: review.withdraw(entry=entry, user=user, note=text),
        "Withdrawal of “{entry}” was requested. The page stays public until a medical reviewer "
        "approves the withdrawal.",
    ),
    "confirm": (
        REVIEW_PERMISSION,
        "comment",
        lambda entry, user, text: review.confirm(entry=entry, reviewer=user, comment=text),
        "“{entry}” was confirmed as still accurate; its review dates are renewed.",
    ),
}


class ReviewedEntryAdmin(HistoryAdmin):
    """Admin of a Condition or Topic: shows its review state and offers the workflow's steps."""

    form = ConflictCheckingForm
    change_form_template = "admin/uses/entry_change_form.html"
    action_form = SubmitActionForm
    actions = ["submit_selected"]

    # The changelist computes every row's state in one pass (see get_changelist_instance).
    @admin.display(description="review state")
    def review_state(self, obj):
        state = getattr(obj, "review_state_", None)
        if state is None:
            return ""
        flags = []
        if state.changed_since_submitted:
            flags.append("changed since submitted")
        if state.review_overdue:
            flags.append("review overdue")
        return f"{state.label} ({', '.join(flags)})" if flags else state.label

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        states = review.entry_states(changelist.result_list)
        for obj in changelist.result_list:
            obj.review_state_ = states.get(obj.pk)
        return changelist

    def has_delete_permission(self, request, obj=None):
        # Published entries are never deleted, only withdrawn through review.
        if obj is not None and obj.publications.exists():
            return False
        return super().has_delete_permission(request, obj)

    def get_urls(self):
        name = f"uses_{self.model._meta.model_name}"
        wrap = self.admin_site.admin_view
        steps = [
            path(
                f"<int:pk>/{step}/",
                wrap(require_POST(partial(self.step_view, step=step))),
                name=f"{name}_{step}",
            )
            for step in STEPS
        ]
        return [*steps, *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        entry = self.get_object(request, object_id)
        context = {**(extra_context or {})}
        if entry is not None:
            context.update(self.review_panel(request, entry))
        return super().change_view(request, object_id, form_url, extra_context=context)

    def review_panel(self, request, entry) -> dict:
        submissions = Submission.objects.for_entry(entry).select_related(
            "submitted_by", "decided_by"
        )
        latest = submissions.order_by("-submitted_at", "-pk").first()
        current = review.current_publication(entry)
        state = review.entry_state(entry)
        return {
            "review_state": state,
            "current_publication": current,
            "latest_submission": latest,
            "pending_submission": latest if latest and latest.is_pending else None,
            "can_submit": can_submit(request.user, self.model),
            "can_review": request.user.has_perm(REVIEW_PERMISSION),
            "submit_url": entry_url(entry, "submit"),
            "withdraw_url": entry_url(entry, "withdraw"),
            "confirm_url": entry_url(entry, "confirm"),
        }

    def entry_or_denied(self, request, pk, permission: str):
        entry = get_object_or_404(self.model, pk=pk)
        allowed = (
            can_submit(request.user, self.model)
            if permission == SUBMIT_PERMISSION
            else request.user.has_perm(permission)
        )
        if not allowed:
            raise PermissionDenied
        return entry

    def step_view(self, request, pk, step: str):
        """One workflow step on one entry, from its change form; POST only."""
        permission, field, run, success = STEPS[step]
        entry = self.entry_or_denied(request, pk, permission)
        try:
            run(entry, request.user, request.POST.get(field, "")[:2000])
        except review.ReviewError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(request, success.format(entry=entry), messages.SUCCESS)
        return HttpResponseRedirect(entry_url(entry, "change"))

    @admin.action(description="Submit selected for review", permissions=["submit"])
    def submit_selected(self, request, queryset):
        note = request.POST.get("note", "")[:2000]
        submitted, refused = 0, []
        for entry in queryset:
            try:
                review.submit(entry=entry, user=request.user, note=note)
                submitted += 1
            except review.ReviewError as error:
                refused.append(f"{entry}: {error}")
        if submitted:
            self.message_user(request, f"{submitted} submitted for review.", messages.SUCCESS)
        for message in refused:
            self.message_user(request, message, messages.ERROR)

    def has_submit_permission(self, request):
        return can_submit(request.user, self.model)


def pending_count() -> int:
    return Submission.objects.filter(status=Status.PENDING).count()

"""What the two kinds of reviewed entry share in the admin: state, review panel and buttons."""

from functools import partial

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path
from django.views.decorators.http import require_POST

from uses import review, selectors
from uses.forms import ReviewedEntryForm
from uses.models import ReviewState, Submission
from uses.roles import can_review, can_submit

from .crafted import CraftedInputMixin
from .history import HistoryAdmin
from .links import entry_url
from .versions import CompareVersionsMixin

SUBMIT_BUTTON = "_submit_for_review"


def submit_each(model_admin, request, entries, *, note: str) -> int:
    """Submit each entry for review with one note; say which were refused and why, one line
    each. The number submitted; the caller sums up."""
    submitted = 0
    for entry in entries:
        try:
            review.submit(entry=entry, user=request.user, note=note)
        except review.ReviewError as error:
            model_admin.message_user(
                request, f"“{entry}” was not submitted: {error}", messages.ERROR
            )
        else:
            submitted += 1
    return submitted


class RecordAdminMixin(CraftedInputMixin):
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
        return [*ReviewState.choices, ("overdue", "Review overdue")]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        states = selectors.entry_states(queryset.model.objects.all())
        if value == "overdue":
            matching = [pk for pk, state in states.items() if state.review_overdue]
        else:
            matching = [pk for pk, state in states.items() if state.code == value]
        return queryset.filter(pk__in=matching)


class SubmitActionForm(ActionForm):
    note = forms.CharField(
        required=False,
        label="Note to the reviewer (when submitting)",
        widget=forms.TextInput(attrs={"size": 40, "placeholder": "What changed, and why"}),
    )


# step: (posted fields passed on, what it does, message on success). Saving and submitting the
# working copy is not a step of its own: it is the change form's "Save and submit for review"
# button, so that what the editor sees on the form is exactly what is submitted.
STEPS = {
    "withdraw": (
        ("note", "public_note"),
        lambda entry, user, note, public_note: review.withdraw(
            entry=entry, user=user, note=note, public_note=public_note
        ),
        "Withdrawal of “{entry}” was requested. The page stays public until a medical reviewer "
        "approves the withdrawal.",
    ),
    "cancel_withdrawal": (
        (),
        lambda entry, user: review.cancel_withdrawal(entry=entry, user=user),
        "The withdrawal request for “{entry}” was cancelled; its page stays as it is.",
    ),
    "confirm": (
        ("comment",),
        lambda entry, user, comment: review.confirm(entry=entry, reviewer=user, comment=comment),
        "“{entry}” was confirmed as still accurate; its review dates are renewed.",
    ),
}


class ReviewedEntryAdmin(CompareVersionsMixin, HistoryAdmin):
    """Admin of a Condition or Topic: shows its review state and offers the workflow's steps."""

    form = ReviewedEntryForm
    change_form_template = "admin/uses/entry_change_form.html"
    action_form = SubmitActionForm
    actions = ["submit_selected", "confirm_selected"]

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
        states = selectors.entry_states(changelist.result_list)
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
                f"<int:pk>/{step.replace('_', '-')}/",
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
        pending = latest if latest and latest.is_pending else None
        return {
            "review_state": selectors.entry_state(entry),
            "current_publication": selectors.current_publication(entry),
            "latest_submission": latest,
            "pending_submission": pending,
            "pending_withdrawal": pending if pending and pending.is_withdrawal else None,
            "can_submit": can_submit(request.user, self.model),
            "can_review": can_review(request.user),
            "withdraw_url": entry_url(entry, "withdraw"),
            "cancel_withdrawal_url": entry_url(entry, "cancel_withdrawal"),
            "confirm_url": entry_url(entry, "confirm"),
            "compare_url": self.compare_url(entry),
            "submit_button": SUBMIT_BUTTON,
        }

    def add_view(self, request, form_url="", extra_context=None):
        context = {**(extra_context or {}), "can_submit": can_submit(request.user, self.model)}
        context["submit_button"] = SUBMIT_BUTTON
        return super().add_view(request, form_url, extra_context=context)

    def step_view(self, request, pk, step: str):
        """One workflow step on one entry, from its change form; POST only."""
        fields, run, success = STEPS[step]
        entry = get_object_or_404(self.model, pk=pk)
        try:
            result = run(entry, request.user, *(request.POST.get(field, "") for field in fields))
        except review.NotAllowed as error:
            raise PermissionDenied(str(error)) from error
        except review.ReviewError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(request, success.format(entry=entry), messages.SUCCESS)
            if replaced := getattr(result, "superseded", None):
                self.message_user(
                    request,
                    f"It replaces the submission of changes by "
                    f"{selectors.who(replaced.submitted_by)} from "
                    f"{replaced.submitted_at:%Y-%m-%d}, which no longer waits for review; those "
                    f"edits stay in the working copy, to be submitted again.",
                    messages.WARNING,
                )
        return HttpResponseRedirect(entry_url(entry, "change"))

    def save_related(self, request, form, formsets, change):
        """After the entry and its inlines are saved, submit them when the editor asked to:
        one request, so no edit on the form can be left out of the submission."""
        super().save_related(request, form, formsets, change)
        if SUBMIT_BUTTON not in request.POST:
            return
        entry = form.instance
        try:
            review.submit(
                entry=entry,
                user=request.user,
                note=form.cleaned_data.get("review_note", ""),
                public_note=form.cleaned_data.get("public_note", ""),
            )
        except review.ReviewError as error:
            self.message_user(
                request,
                f"Your changes to “{entry}” were saved, but not submitted for review: {error}",
                messages.ERROR,
            )
        else:
            self.message_user(
                request,
                f"“{entry}” was saved and submitted for review. The public page will not change "
                f"until a medical reviewer approves it.",
                messages.SUCCESS,
            )

    def response_change(self, request, obj):
        if SUBMIT_BUTTON in request.POST:  # save_related said what happened
            return HttpResponseRedirect(entry_url(obj, "change"))
        return super().response_change(request, obj)

    def response_add(self, request, obj, post_url_continue=None):
        if SUBMIT_BUTTON in request.POST:
            return HttpResponseRedirect(entry_url(obj, "change"))
        return super().response_add(request, obj, post_url_continue)

    @admin.action(description="Submit selected for review", permissions=["submit"])
    def submit_selected(self, request, queryset):
        submitted = submit_each(self, request, queryset, note=request.POST.get("note", ""))
        if submitted:
            self.message_user(request, f"{submitted} submitted for review.", messages.SUCCESS)

    def has_submit_permission(self, request):
        return can_submit(request.user, self.model)

    @admin.action(description="Confirm selected as still accurate", permissions=["review"])
    def confirm_selected(self, request, queryset):
        """Renew the review of several unchanged entries: each one is checked (four eyes, a
        pending submission) on its own, with one result line each."""
        for entry in queryset:
            try:
                publication = review.confirm(entry=entry, reviewer=request.user)
            except review.ReviewError as error:
                self.message_user(request, f"“{entry}”: not confirmed. {error}", messages.ERROR)
            else:
                due = f"{publication.next_review_due:%B} {publication.next_review_due.day}"
                self.message_user(
                    request,
                    f"“{entry}”: confirmed as still accurate; next review due {due}, "
                    f"{publication.next_review_due.year}.",
                    messages.SUCCESS,
                )

    def has_review_permission(self, request):
        return can_review(request.user)

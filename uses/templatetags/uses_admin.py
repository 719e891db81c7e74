from django import template
from django.template import engines
from django.utils import timezone
from django.utils.safestring import mark_safe

from uses import selectors
from uses.admin.links import entry_url
from uses.roles import can_review, can_submit_entries

register = template.Library()


@register.inclusion_tag("admin/uses/_inbox.html", takes_context=True)
def inbox(context) -> dict:
    """Each user's work for the admin index: an editor's and a reviewer's lists, with counts
    (always the full number) and ages. Staff who may read submissions see the queue's size."""
    user = context["request"].user
    limit = selectors.INBOX_LIMIT
    data = {"user": user, "now": timezone.now(), "limit": limit}
    data["sees_queue"] = user.has_perm("uses.view_submission")
    data["is_editor"] = can_submit_entries(user)
    data["is_reviewer"] = can_review(user)
    if data["sees_queue"]:
        queue = selectors.waiting_submissions()
        data["queue"], data["queue_count"] = list(queue[:limit]), queue.count()
    if data["is_editor"]:
        requested = selectors.changes_requested_of(user)
        mine = selectors.waiting_submissions(user)
        data["changes_requested"] = list(requested[:limit])
        data["changes_requested_count"] = requested.count()
        data["my_waiting"], data["my_waiting_count"] = list(mine[:limit]), mine.count()
        data["unsubmitted"] = selectors.unsubmitted_edits(user)
    if data["is_reviewer"]:
        overdue = selectors.due_for_review().select_related("condition", "topic")
        data["overdue"], data["overdue_count"] = list(overdue[:limit]), overdue.count()
    return data


@register.filter
def admin_change_url(entry) -> str:
    """The admin page of a use or topic."""
    return entry_url(entry, "change")


@register.simple_tag
def public_source(source: dict) -> str:
    """One source as the public pages print it (the ``source_entry`` macro of the public
    templates' ``includes/_source.html``): a reviewer sees what readers will."""
    macros = engines["jinja2"].env.get_template("includes/_source.html").module
    return mark_safe(str(macros.source_entry(source)))

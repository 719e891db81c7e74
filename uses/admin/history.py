"""History in the admin: to read, never to write, with each change shown word by word."""

from django.core.exceptions import PermissionDenied
from django.utils.text import capfirst
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from uses.review_checks import word_diff

from .crafted import CraftedInputMixin


def as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(as_text(item) for item in value)
    return str(value)


class WordDiffContextHelper(HistoricalRecordContextHelper):
    """Each changed field as one word diff of its whole old and new values: never cut short
    (simple-history's own shortens long texts to "Studi[216 chars]own")."""

    def context_for_delta_changes(self, delta):
        changes = []
        for change in delta.changes:
            field = self.model._meta.get_field(change.field)
            old = self.prepare_delta_change_value(change, change.old)
            new = self.prepare_delta_change_value(change, change.new)
            changes.append(
                {
                    "field": capfirst(field.verbose_name),
                    "html": word_diff(as_text(old), as_text(new)),
                }
            )
        return changes


class HistoryAdmin(CraftedInputMixin, SimpleHistoryAdmin):
    """History to read, never to write: reverting would skip review-state and conflict checks,
    and simple-history's own form checks only the view permission."""

    object_history_list_template = "admin/uses/history_list.html"

    def get_historical_record_context_helper(self, request, historical_record):
        return WordDiffContextHelper(self.model, historical_record)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

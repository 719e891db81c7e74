"""Import and export in the admin. Imports write the working copy only, never a publication."""

import zipfile

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_permission_codename
from django.http import HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from import_export.admin import ExportMixin, ImportExportMixin
from import_export.formats.base_formats import CSV, JSON, XLSX
from import_export.forms import ImportForm

from uses.models import Condition, Evidence, Source, Topic
from uses.resources import PendingImportStorage
from uses.roles import can_submit_entries

from .crafted import CraftedExportMixin

FORMATS = [CSV, XLSX, JSON]
IMPORTED_ENTRIES_SESSION_KEY = "uses:imported-entries"


class LimitedImportForm(ImportForm):
    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {filesizeformat(upload.size)}; the limit is "
                f"{filesizeformat(limit)}. Split it into smaller files and import them one by one."
            )
        if upload.size == 0:
            raise forms.ValidationError("The file is empty.")
        unpacked, limit = unpacked_size(upload), settings.IMPORT_MAX_UNPACKED_BYTES
        if unpacked > limit:
            raise forms.ValidationError(
                f"The spreadsheet unpacks to {filesizeformat(unpacked)}; the limit is "
                f"{filesizeformat(limit)}. Remove what it need not hold (long texts, other "
                f"sheets, images), or split it into smaller files."
            )
        return upload


def unpacked_size(upload) -> int:
    """What a zipped file (an XLSX) unpacks to, from its directory, without unpacking it: its
    reader cannot unpack a member past the size the directory gives. 0 for any other file."""
    try:
        if not zipfile.is_zipfile(upload):
            return 0
        with zipfile.ZipFile(upload) as archive:
            return sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile:
        return 0  # the reader says what is wrong with it
    finally:
        upload.seek(0)


def model_permission(request, action: str, opts) -> bool:
    return request.user.has_perm(f"{opts.app_label}.{get_permission_codename(action, opts)}")


def entries_changed_by(model, pks, earlier_conditions=()) -> list[str]:
    """The reviewed entries (as "condition:12" / "topic:3") that an import of ``model`` changed;
    ``earlier_conditions`` are the uses that imported claims belonged to before."""
    if model is Condition:
        conditions = pks
    elif model is Evidence:
        conditions = [
            *Evidence.objects.filter(pk__in=pks).values_list("condition_id", flat=True),
            *earlier_conditions,
        ]
    elif model is Source:
        conditions = Condition.objects.citing(pks).values_list("pk", flat=True)
    elif model is Topic:
        return [f"topic:{pk}" for pk in pks]
    else:
        return []
    return [f"condition:{pk}" for pk in sorted(set(conditions))]


class ExportOnlyMixin(CraftedExportMixin, ExportMixin):
    formats = FORMATS

    def has_export_permission(self, request):
        return model_permission(request, "view", self.opts)


class WorkingCopyImportExportMixin(CraftedExportMixin, ImportExportMixin):
    """Import needs add and change permission, export needs view; both stay in the admin."""

    formats = FORMATS
    import_form_class = LimitedImportForm

    def has_import_permission(self, request):
        return model_permission(request, "add", self.opts) and model_permission(
            request, "change", self.opts
        )

    def has_export_permission(self, request):
        return model_permission(request, "view", self.opts)

    def get_import_data_kwargs(self, **kwargs):
        # All or nothing at confirmation too: a row that became invalid since the preview
        # rolls back the whole file.
        return {**super().get_import_data_kwargs(**kwargs), "rollback_on_validation_errors": True}

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None) or {}
        upload = getattr(context.get("form"), "cleaned_data", {}).get("import_file")
        name = getattr(upload, "tmp_storage_name", None)
        if name and not context.get("confirm_form"):  # refused: nothing waits for confirmation
            PendingImportStorage(name=name).remove()
        return response

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, UnicodeDecodeError):
            message = (
                f"The file is not UTF-8 text (unreadable byte at position {e.start}). Save it as "
                f"“CSV UTF-8” or as XLSX and upload it again."
            )
        else:
            message = (
                f"The file could not be read in the format chosen ({type(e).__name__}: "
                f"{str(e)[:200]}). Check that the format matches the file: CSV, XLSX or JSON."
            )
        form.add_error("import_file", message)

    def process_import(self, request, **kwargs):
        try:
            return super().process_import(request, **kwargs)
        except ValueError as error:  # the upload expired or never existed: nothing was written
            self.message_user(request, f"Nothing was imported: {error}", messages.ERROR)
            return HttpResponseRedirect(self.import_url())

    def import_url(self) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_import")

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            self.message_user(
                request,
                "Nothing was imported: the file no longer imports cleanly. Upload it again to "
                "see which rows and columns are wrong.",
                messages.ERROR,
            )
            return HttpResponseRedirect(self.import_url())
        response = super().process_result(result, request)
        changed = [
            int(row.object_id)
            for row in result.rows
            if row.import_type in ("new", "update") and row.object_id is not None
        ]
        entries = entries_changed_by(self.model, changed, getattr(result, "earlier_conditions", ()))
        if entries and can_submit_entries(request.user):
            request.session[IMPORTED_ENTRIES_SESSION_KEY] = entries
            return HttpResponseRedirect(reverse("admin:uses_submission_submit_imported"))
        return response

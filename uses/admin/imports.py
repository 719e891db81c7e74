"""Import and export in the admin. Imports write the working copy only, never a publication."""

import zipfile

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST
from import_export.admin import ExportMixin, ImportExportMixin
from import_export.formats.base_formats import CSV, JSON, XLSX
from import_export.forms import ImportForm

from uses import importing, tasks
from uses.models import ImportJob, ImportStatus
from uses.roles import can_submit_entries

from .crafted import CraftedExportMixin, bad_request

FORMATS = [CSV, XLSX, JSON]


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

    def get_urls(self):
        wrap = self.admin_site.admin_view
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("import/<uuid:job_id>/", wrap(self.import_job_view), name=f"{name}_import_job"),
            path(
                "import/<uuid:job_id>/progress/",
                wrap(self.import_progress_view),
                name=f"{name}_import_progress",
            ),
            path(
                "import/<uuid:job_id>/confirm/",
                wrap(self.confirm_import_view),
                name=f"{name}_import_confirm",
            ),
            path(
                "import/<uuid:job_id>/cancel/",
                wrap(self.cancel_import_view),
                name=f"{name}_import_cancel",
            ),
            *super().get_urls(),
        ]

    def import_action(self, request, **kwargs):
        """The upload: its limits are checked here, its rows by a worker (the preview), whose
        progress the job's page follows."""
        if request.method == "POST" and self.has_import_permission(request):
            form = self.create_import_form(request)
            if form.is_valid():
                upload = form.cleaned_data["import_file"]
                with transaction.atomic():
                    job = ImportJob.objects.create(
                        model=self.opts.model_name,
                        resource=self.get_resource_index(form),
                        file_format=int(form.cleaned_data["format"]),
                        file_name=upload.name[:255],
                        data=b"".join(upload.chunks()),
                        created_by=request.user,
                    )
                    tasks.check_import.enqueue(str(job.pk))
                return HttpResponseRedirect(self.job_url(job))
        response = super().import_action(request, **kwargs)
        if getattr(response, "context_data", None) is not None:
            response.context_data["recent_imports"] = [
                (job, self.job_url(job))
                for job in ImportJob.objects.filter(
                    created_by=request.user, model=self.opts.model_name
                ).only("pk", "file_name", "status", "created_at", "submitted", "entries")[:10]
            ]
        return response

    def job_or_404(self, request, job_id) -> ImportJob:
        """The job, for the editor who uploaded it and may still import into this model."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        return get_object_or_404(
            ImportJob, pk=job_id, model=self.opts.model_name, created_by=request.user
        )

    def job_url(self, job: ImportJob, step: str = "job") -> str:
        return reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_import_{step}", args=[job.pk]
        )

    def import_job_view(self, request, job_id):
        job = self.job_or_404(request, job_id)
        state = importing.state_of(job)
        report = job.report or {}
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Import of “{job.file_name}”",
            "subtitle": None,
            "job": job,
            "progress": state,
            "elapsed": state["seconds"],
            "totals": report.get("totals", {}),
            "errors": report.get("errors", []),
            "error_count": report.get("error_count", 0),
            "preview": report.get("preview", {}),
            "expired": job.expired,
            "can_submit": bool(job.entries) and can_submit_entries(request.user),
            "confirm_url": self.job_url(job, "confirm"),
            "cancel_url": self.job_url(job, "cancel"),
            "import_url": self.import_url(),
            "submit_url": reverse("admin:uses_submission_submit_imported", args=[job.pk]),
            "progress_url": self.job_url(job, "progress"),
        }
        response = TemplateResponse(request, "admin/uses/import_job.html", context)
        add_never_cache_headers(response)
        return response

    def import_progress_view(self, request, job_id):
        """How far the work has got, for the page's script (static/js/import-progress.js)."""
        response = JsonResponse(importing.state_of(self.job_or_404(request, job_id)))
        add_never_cache_headers(response)
        return response

    @method_decorator(require_POST)
    def confirm_import_view(self, request, job_id):
        """Queue the import of a checked file; refused if it changed state or expired."""
        with transaction.atomic():
            job = self.job_or_404(request, job_id)
            job = ImportJob.objects.select_for_update().get(pk=job.pk)
            if job.status != ImportStatus.READY or job.expired:
                self.message_user(
                    request,
                    "This file can no longer be imported from here"
                    + (": its upload has expired. Upload it again." if job.expired else "."),
                    messages.ERROR,
                )
                return HttpResponseRedirect(self.job_url(job))
            job.status, job.started_at, job.finished_at = ImportStatus.IMPORTING, None, None
            job.save(update_fields=["status", "started_at", "finished_at"])
            tasks.confirm_import.enqueue(str(job.pk))
        return HttpResponseRedirect(self.job_url(job))

    @method_decorator(require_POST)
    def cancel_import_view(self, request, job_id):
        """Discard a checked (or refused) upload that will not be imported."""
        with transaction.atomic():
            job = self.job_or_404(request, job_id)
            deleted, _ = ImportJob.objects.filter(
                pk=job.pk, status__in=[ImportStatus.READY, ImportStatus.REFUSED]
            ).delete()
        if deleted:
            self.message_user(request, f"“{job.file_name}” was discarded: nothing was imported.")
            return HttpResponseRedirect(self.import_url())
        self.message_user(request, "This import is under way and cannot be discarded now.")
        return HttpResponseRedirect(self.job_url(job))

    def process_import(self, request, **kwargs):
        """Confirmation forms of the old, in-request import: a page that old can't be used."""
        return bad_request(
            self,
            request,
            "Imports are confirmed from their own page, which the upload leads to: nothing was "
            "imported. Upload the file again.",
        )

    def import_url(self) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_import")

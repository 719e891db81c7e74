"""What a malformed or crafted admin request gets: 400 or 404 with a message, never a 500.

The admin's own forms never send these; a hand-made URL or POST does. Each check reads its value
the way the view would (the model's primary key field parses an id), so what passes here is what
the view can use.
"""

from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import Http404
from django.template.response import TemplateResponse


def bad_request(model_admin, request, message: str) -> TemplateResponse:
    """A 400 page in the admin's layout that says what was wrong with the request."""
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": "This request could not be used",
        "message": message,
    }
    return TemplateResponse(request, "admin/uses/bad_request.html", context, status=400)


def parse_pk(model, value: str):
    """``value`` as ``model``'s primary key, or ``None`` when it cannot be one."""
    try:
        return model._meta.pk.to_python(unquote(value))
    except ValidationError:
        return None


def pk_or_404(model, value: str):
    pk = parse_pk(model, value)
    if pk is None:
        raise Http404(f"There is no {model._meta.verbose_name} with the id “{value}”.")
    return pk


class CraftedInputMixin:
    """For every ModelAdmin of the site (``guard_every_admin``): ids that are not ids, and bulk
    selections of them, are refused with a message."""

    def get_object(self, request, object_id, from_field=None):
        # ``?_to_field=`` (empty) passes the admin's own check (it skips a false value) and then
        # names no field: Django raised FieldDoesNotExist. Empty means the primary key.
        return super().get_object(request, object_id, from_field or None)

    def response_action(self, request, queryset):
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if any(parse_pk(self.model, value) is None for value in selected):
            return bad_request(
                self, request, "The selection names an item that does not exist: nothing was done."
            )
        return super().response_action(request, queryset)

    def history_view(self, request, object_id, extra_context=None):
        pk_or_404(self.model, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        pk_or_404(self.model, object_id)
        pk_or_404(self.model.history.model, version_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


class CraftedExportMixin:
    """For the import-export admins (before their mixin): export filters that name no field
    are refused with a message."""

    def export_action(self, request):
        try:
            return super().export_action(request)
        except IncorrectLookupParameters:
            return bad_request(
                self,
                request,
                "The export's filters name something the list cannot filter by: nothing was "
                "exported. Choose the filters on the list page and export from there.",
            )


def guard_every_admin(site) -> None:
    """Give every ModelAdmin registered on ``site`` the refusals of ``CraftedInputMixin``, those of
    Django and other apps (users, groups, sites, login attempts) included."""
    for model, model_admin in list(site._registry.items()):
        admin_class = type(model_admin)
        if issubclass(admin_class, CraftedInputMixin):
            continue
        guarded = type(admin_class.__name__, (CraftedInputMixin, admin_class), {})
        site.unregister(model)
        site.register(model, guarded)

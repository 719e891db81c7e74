"""The site's flat pages: the editorial policy, which every footer links to, cannot be deleted."""

from django.contrib import admin
from django.contrib.flatpages.admin import FlatPageAdmin
from django.contrib.flatpages.models import FlatPage

from uses.views import EDITORIAL_POLICY_URL


class SitePageAdmin(FlatPageAdmin):
    """Deleting the policy, alone or in a bulk selection, is refused (403); editing it is not.
    The selection's other pages stay too: a bulk delete is all or nothing."""

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.url == EDITORIAL_POLICY_URL:
            return False
        return super().has_delete_permission(request, obj)


admin.site.unregister(FlatPage)
admin.site.register(FlatPage, SitePageAdmin)

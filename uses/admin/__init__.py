"""The admin: the working copy (content.py) and the review workflow (review.py)."""

from django.contrib import admin

from . import content, pages, review  # noqa: F401 - importing registers the admin classes
from .crafted import guard_every_admin

admin.site.site_header = "Naltrexone uses: editorial admin"
admin.site.site_title = "Naltrexone uses admin"
admin.site.index_title = "Working copy and medical review"
# The changelists need the width (key columns without horizontal scrolling at 1280 px); the
# index and the breadcrumbs lead everywhere the sidebar did.
admin.site.enable_nav_sidebar = False

# Last: every admin registered so far (this app's, Django's, django-axes') refuses crafted input.
guard_every_admin(admin.site)

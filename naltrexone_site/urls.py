from django.contrib import admin
from django.urls import include, path

from uses.views import favicon

urlpatterns = [
    path("admin/", admin.site.urls),
    path("favicon.ico", favicon),
    path("", include("uses.urls")),
]

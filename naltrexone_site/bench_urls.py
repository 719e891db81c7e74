"""The real site plus ``/_bench/floor/``: used only by ``manage.py bench`` (see bench_settings).

The floor answers bytes computed once, at import: what Django, the middleware and gunicorn cost
with no work in the view. ``manage.py bench`` writes a rendered use page to the file named by
``DJANGO_BENCH_FLOOR_FILE`` so that the floor sends as many (and as compressible) bytes as a page.
"""

import os
from pathlib import Path

from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_safe

FLOOR_FILE = os.environ.get("DJANGO_BENCH_FLOOR_FILE")
FLOOR_BYTES = (
    Path(FLOOR_FILE).read_bytes()
    if FLOOR_FILE
    else b"<!doctype html><html lang=en><title>Floor</title><h1>Floor</h1></html>\n"
)


@require_safe
def floor(request):
    return HttpResponse(FLOOR_BYTES, content_type="text/html; charset=utf-8")


urlpatterns = [
    path("_bench/floor/", floor, name="bench-floor"),
    path("", include("naltrexone_site.urls")),
]

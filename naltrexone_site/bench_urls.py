"""The real site plus ``/_bench/floor/``: used only by ``manage.py bench`` (see bench_settings).

The floor answers bytes computed once, at import: what Django, the middleware and gunicorn cost
with no work in the view. ``manage.py bench`` writes a rendered use page to the file named by
``DJANGO_BENCH_FLOOR_FILE`` so that the floor sends as many (and as compressible) bytes as a page.
"""

import gzip
import os
from pathlib import Path

from django.http import HttpResponse
from django.middleware.gzip import re_accepts_gzip
from django.urls import include, path
from django.views.decorators.http import require_safe

FLOOR_FILE = os.environ.get("DJANGO_BENCH_FLOOR_FILE")
FLOOR_BYTES = (
    Path(FLOOR_FILE).read_bytes()
    if FLOOR_FILE
    else b"<!doctype html><html lang=en><title>Floor</title><h1>Floor</h1></html>\n"
)
# Compressed once too, as the page cache keeps a page: a floor that compressed every response
# would be slower than the pages it is the floor of.
FLOOR_GZIP = gzip.compress(FLOOR_BYTES, compresslevel=6, mtime=0)


@require_safe
def floor(request):
    if re_accepts_gzip.search(request.headers.get("Accept-Encoding", "")):
        response = HttpResponse(FLOOR_GZIP, content_type="text/html; charset=utf-8")
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(FLOOR_BYTES, content_type="text/html; charset=utf-8")
    response["Vary"] = "Accept-Encoding"
    return response


urlpatterns = [
    path("_bench/floor/", floor, name="bench-floor"),
    path("", include("naltrexone_site.urls")),
]

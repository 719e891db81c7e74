"""HTTP caching of public pages: validators, a page cache and Cache-Control, in one decorator.

Every public page is a function of three things: the public record's version (one row, moved in
the same transaction as every change public pages show: ``uses.cache``), the deployed code and
settings (the release token) and the request's address. ``public_page`` reads the version with
one query, answers a conditional request with 304 before anything renders, and otherwise serves
the page from the "pages" cache under a key made of those three, rendering it on a miss. A change
makes new keys and new ETags on every server at its next request; old entries age out.

Public pages show nothing that depends on who asks (no user, session, CSRF token or message), so
one rendering serves everyone, and caching their compressed bytes gives away no secret (the
reason Django's GZipMiddleware pads its output against BREACH).
"""

import functools
import gzip
import hashlib
import os
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse, HttpResponseNotAllowed
from django.middleware.gzip import re_accepts_gzip
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date

from uses.cache import current_version

# Responses worth keeping: the page, and the redirects an old address answers with. Errors
# (400 for bad filters, 404, 410 for withdrawn pages) are rendered each time and never stored.
CACHEABLE = {200, 301, 302}
PRIVATE = "private, no-store"
# A Last-Modified date has whole seconds: a change in the same second as a response would keep
# its date. So a page says when it was modified only once that second has surely passed on every
# server (clocks a moment apart included); until then its ETag alone validates it.
SETTLED_AFTER_SECONDS = 2
# The headers a cached entry keeps; the validators and Cache-Control are made per request.
PER_REQUEST = {"etag", "last-modified", "cache-control", "vary", "content-length", "expires"}
# What a deploy changes that public pages show: the code, the templates, the static files.
RELEASE_SOURCES = ("templates", "static", "uses", "naltrexone_site")


def code_fingerprint(base: Path = settings.BASE_DIR) -> str:
    """A hash of the deployed templates, static files and Python code (or ``DJANGO_RELEASE``)."""
    if release := os.environ.get("DJANGO_RELEASE", "").strip():
        return release
    digest = hashlib.blake2b(digest_size=16)
    for folder in RELEASE_SOURCES:
        for path in sorted((base / folder).rglob("*")):
            if not path.is_file() or "__pycache__" in path.parts:
                continue
            if folder in {"uses", "naltrexone_site"} and path.suffix != ".py":
                continue
            digest.update(str(path.relative_to(base)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


RELEASE = code_fingerprint()  # once per process: a deploy starts new processes


def release_token() -> str:
    """The release and the settings that public pages print (their address, the error email)."""
    return f"{RELEASE}|{settings.SITE_URL}|{settings.EDITORIAL_EMAIL}|{settings.LANGUAGE_CODE}"


def public_cache_control() -> str:
    return (
        f"public, max-age={settings.PUBLIC_PAGE_MAX_AGE}, "
        f"stale-while-revalidate={settings.PUBLIC_PAGE_STALE_WHILE_REVALIDATE}"
    )


def page_key(request, version: tuple) -> str:
    """One page of one version of the record, for one release: the cache key and the ETag."""
    counter, changed_at = version
    parts = (
        str(counter),
        changed_at.isoformat() if changed_at else "",  # a restored backup reuses counters
        release_token(),
        request.scheme,  # the feed and the sitemap print absolute links
        request.get_host(),
        request.get_full_path(),
    )
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=16).hexdigest()


def stored(response) -> tuple:
    """What the cache keeps of a rendered response: its status, headers and bytes, plain and
    gzipped (compressed once per rendering, not once per request)."""
    if hasattr(response, "render"):
        response.render()
    body = response.content
    compressed = gzip.compress(body, compresslevel=6, mtime=0) if body else b""
    headers = [(name, value) for name, value in response.items() if name.lower() not in PER_REQUEST]
    return (
        response.status_code,
        headers,
        body,
        compressed if 0 < len(compressed) < len(body) else None,
    )


def from_stored(entry: tuple, *, gzipped: bool) -> HttpResponse:
    status, headers, body, compressed = entry
    response = HttpResponse(compressed if gzipped and compressed else body, status=status)
    del response["Content-Type"]
    for name, value in headers:
        response[name] = value
    if gzipped and compressed:
        response["Content-Encoding"] = "gzip"
    return response


def public_page(view):
    """Serve a public view (GET and HEAD only) with validators, the page cache and Cache-Control.

    Wraps any view callable: function views, the feed, the sitemap.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        version = current_version()
        key = page_key(request, version)
        validators = HttpResponse(status=200)
        validators["ETag"] = f'W/"{key}"'  # one tag for the plain and the gzipped bytes
        changed_at = version[1]
        last_modified = None
        if changed_at and (timezone.now() - changed_at).total_seconds() >= SETTLED_AFTER_SECONDS:
            last_modified = int(changed_at.timestamp())
            validators["Last-Modified"] = http_date(last_modified)
        validators["Cache-Control"] = public_cache_control()
        patch_vary_headers(validators, ("Accept-Encoding",))
        conditional = get_conditional_response(
            request, etag=validators["ETag"], last_modified=last_modified, response=validators
        )
        if conditional is not validators:
            return conditional  # 304 Not Modified (or 412 for a failed If-Match)

        cache = caches[settings.PAGE_CACHE_ALIAS]
        entry = cache.get(key)
        if entry is None:
            response = view(request, *args, **kwargs)
            if response.status_code not in CACHEABLE or getattr(response, "streaming", False):
                response.setdefault("Cache-Control", PRIVATE)
                return response
            entry = stored(response)
            cache.set(key, entry)
        gzipped = bool(re_accepts_gzip.search(request.headers.get("Accept-Encoding", "")))
        response = from_stored(entry, gzipped=gzipped)
        for header in ("ETag", "Last-Modified", "Cache-Control", "Vary"):
            if header in validators:
                response[header] = validators[header]
        return response

    return wrapper

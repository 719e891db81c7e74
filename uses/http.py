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

import datetime
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
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, parse_http_date

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


def start_of_today() -> datetime.datetime:
    """Midnight, local time: a page may change then without a publication (a review falls due)."""
    return timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time.min))


def public_cache_control() -> str:
    return (
        f"public, max-age={settings.PUBLIC_PAGE_MAX_AGE}, "
        f"stale-while-revalidate={settings.PUBLIC_PAGE_STALE_WHILE_REVALIDATE}"
    )


def page_key(request, version: tuple, midnight: datetime.datetime) -> str:
    """One page of one version of the record, for one release and one day (``midnight``, from
    ``start_of_today``): the cache key and the ETag."""
    counter, changed_at = version
    parts = (
        str(counter),
        changed_at.isoformat() if changed_at else "",  # a restored backup reuses counters
        midnight.isoformat(),  # a new day can make a page's review overdue
        release_token(),
        request.scheme,  # the feed and the sitemap print absolute links
        request.get_host(),
        request.get_full_path(),
    )
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=16).hexdigest()


def stored(response) -> tuple:
    """What the cache keeps of a rendered response: its status, headers and bytes, plain and
    gzipped (compressed once per rendering, not once per request)."""
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


CONDITIONAL_HEADERS = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
)


def validators(version: tuple, key: str, midnight: datetime.datetime) -> dict[str, str]:
    """The headers that every answer for this page and version carries, 200 or 304."""
    headers = {
        "ETag": f'W/"{key}"',  # one tag for the plain and the gzipped bytes: equivalent, not equal
        "Cache-Control": public_cache_control(),
        "Vary": "Accept-Encoding",
    }
    changed_at = version[1] and max(version[1], midnight)
    if changed_at and (timezone.now() - changed_at).total_seconds() >= SETTLED_AFTER_SECONDS:
        headers["Last-Modified"] = http_date(int(changed_at.timestamp()))
    return headers


def not_modified(request, headers: dict[str, str]) -> HttpResponse | None:
    """Django's RFC 9110 evaluation of the request's preconditions: a 304 (or a 412), or None."""
    if not any(name in request.META for name in CONDITIONAL_HEADERS):
        return None
    last_modified = headers.get("Last-Modified")
    answer = get_conditional_response(
        request,
        etag=headers["ETag"],
        last_modified=parse_http_date(last_modified) if last_modified else None,
    )
    if answer is not None and answer.status_code == 304:
        for name, value in headers.items():
            answer[name] = value
    return answer


def is_shared(response) -> bool:
    """Whether one rendering may serve every reader: a page, and nothing personal in it."""
    return (
        response.status_code in CACHEABLE
        and not getattr(response, "streaming", False)
        and not response.cookies
        and not response.has_header("Vary")  # public views vary by nothing
    )


def page_state(request) -> dict:
    """The key and validators of the public page ``request`` asks for, worked out once a request:
    the page cache's middleware and the view's wrapper share them (one version query)."""
    state = getattr(request, "_public_page", None)
    if state is None:
        version = current_version()
        midnight = start_of_today()  # once: the key and the dates must agree on the day
        key = page_key(request, version, midnight)
        state = {"key": key, "headers": validators(version, key, midnight), "missed": False}
        request._public_page = state
    return state


def served(request, entry: tuple, headers: dict[str, str]) -> HttpResponse:
    """The stored page as this request gets it: gzipped if it accepts that, with the page's
    validators, and without a body for HEAD (the GET's headers, Content-Length included)."""
    gzipped = bool(re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")))
    response = from_stored(entry, gzipped=gzipped)
    for name, value in headers.items():
        response[name] = value
    response["Content-Length"] = len(response.content)
    if request.method == "HEAD":  # servers warn about a body here
        response.content = b""
    return response


def cached_answer(request, state: dict) -> HttpResponse | None:
    """A 304 when the client holds this version of the page, or the page from the cache; None
    when it must be rendered."""
    if (answer := not_modified(request, state["headers"])) is not None:
        return answer  # before anything is looked up or rendered
    if not settings.PAGE_CACHE_ENABLED or state["missed"]:
        return None
    entry = caches[settings.PAGE_CACHE_ALIAS].get(state["key"])
    if entry is None:
        state["missed"] = True  # the view renders it; nobody looks again
        return None
    return served(request, entry, state["headers"])


def is_public_page(view) -> bool:
    return getattr(view, "is_public_page", False)


def public_page(view):
    """Serve a public view (GET and HEAD only) with validators, the page cache and Cache-Control.

    Wraps any view callable: function views, the feed, the sitemap. ``PublicPageCacheMiddleware``
    answers from the cache before most middleware runs; this wrapper renders and stores what it
    did not find, and does it all alone where no middleware runs (a view called directly).
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        state = page_state(request)
        if (answer := cached_answer(request, state)) is not None:
            return answer
        response = view(request, *args, **kwargs)
        if hasattr(response, "render"):
            response.render()
        if not is_shared(response):
            response.setdefault("Cache-Control", PRIVATE)
            return response
        entry = stored(response)
        if settings.PAGE_CACHE_ENABLED:
            caches[settings.PAGE_CACHE_ALIAS].set(state["key"], entry)
        return served(request, entry, state["headers"])

    # Nothing but GET and HEAD reaches the view, so no request here can change anything: other
    # methods get 405 from the wrapper rather than the CSRF check's 403.
    wrapper.csrf_exempt = True
    wrapper.is_public_page = True
    return wrapper

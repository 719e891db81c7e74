"""The public site as files, for nginx or a CDN to serve with no Python (``manage.py
export_site``), kept up to date after each approval, withdrawal or confirmation (a task).

Every page is the live site's own answer, through its middleware (``Client``), so the files are
byte for byte what the site serves. The pages are those the sitemap names and every page they
link to: lists and their pages, one filter and its pages, people, reviews, the feed, robots.txt.
Searches and filter combinations no page links to need the database: the nginx snippet passes
them to the app. Addresses that moved answer 301 and withdrawn ones 410, by rules in the
snippet, which the export writes beside the files.

Layout of the export folder, so that a reader never sees a half-written tree:

    current -> releases/<id>    the tree nginx serves, swapped atomically by a symlink
    releases/<id>/              pages (``uses/lupus/index.html``, ``uses/__query/page=2.html``),
                                static files under ``static/``
    nginx.conf                  the snippet to include in nginx's ``server`` block

An update makes a new release from the current one by hard links (no copy), writes only the
pages whose bytes changed, each as a new file, then swaps the link; the release before stays
until the next update, for the requests still reading it.
"""

import html
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client
from django.utils import timezone

from uses.addresses import address
from uses.models import Kind, Publication

#: Query parameters whose pages are exported when a page links to them: pagination, and the
#: filters that a page without filters links to (the home page's groups, the evidence page's
#: levels), with their own pagination. Searches, and other combinations, need the app.
PAGING = {"page", "wrote", "reviewed"}
FILTERS = {"category", "certainty", "approval"}
ERRORS_FOLDER = "__errors"
QUERY_FOLDER = "__query"
HREF = re.compile(r'href="(/[^"#]*)"')
#: Content types nginx cannot tell from a file's name.
TYPED = {"/feed/": "application/atom+xml"}


@dataclass
class Crawl:
    """What the site answered for each address: pages (200), moves (301) and withdrawals (410)."""

    pages: set[str] = field(default_factory=set)
    moved: dict[str, str] = field(default_factory=dict)
    gone: set[str] = field(default_factory=set)
    missing: list[str] = field(default_factory=list)


class SiteClient(Client):
    """Requests as the public makes them, at the site's public address (DJANGO_SITE_URL)."""

    def __init__(self):
        site = urlsplit(settings.SITE_URL)
        super().__init__(HTTP_HOST=site.netloc)
        self.https = site.scheme == "https"

    def get(self, path, **extra):
        return super().get(path, secure=self.https, **extra)


def client() -> Client:
    return SiteClient()


def filters_of(url: str) -> dict | None:
    """The filters of an address, or None when it is not one the export holds (an admin or
    static address, a search, a parameter no list takes, or one given twice)."""
    parts = urlsplit(url)
    if parts.path.startswith(("/admin/", "/static/")) or parts.path == "/favicon.ico":
        return None
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    names = [name for name, _ in pairs]
    if not set(names) <= PAGING | FILTERS or len(names) != len(set(names)):
        return None
    return {name: value for name, value in pairs if name in FILTERS}


def exported(url: str, linked_from: str = "/") -> bool:
    """Whether the export holds an address a page links to: filters only when the page that
    links to them has none, or the same (its pagination)."""
    filters = filters_of(url)
    return filters is not None and (not filters or filters_of(linked_from) in ({}, filters))


def seeds() -> list[str]:
    """Where a crawl starts: the home page, the sitemap's pages, the feed, the files for
    crawlers, and every address an entry ever had (to learn which moved or were withdrawn)."""
    start = ["/", address("uses:feed"), address("uses:robots-txt"), address("uses:sitemap")]
    for kind, detail, reviews in (
        (Kind.CONDITION, "uses:condition-detail", "uses:condition-reviews"),
        (Kind.TOPIC, "uses:topic-detail", "uses:topic-reviews"),
    ):
        for slug in Publication.objects.filter(kind=kind).values_list("slug", flat=True).distinct():
            start += [address(detail, slug=slug), address(reviews, slug=slug)]
    return start


def crawl(start: list[str], keep, *, follow=exported) -> Crawl:
    """Ask the site for each address, and for each address its pages and sitemaps link to that
    ``follow`` accepts; ``keep(url, body)`` each page (200) and withdrawn page (410) as it comes,
    so that a crawl holds one page in memory at a time."""
    browser, found, queue, seen = client(), Crawl(), list(start), set(start)
    while queue:
        url = queue.pop()
        response = browser.get(url)
        if response.status_code == 200:
            found.pages.add(url)
            keep(url, response.content)
        elif response.status_code == 301 and is_entry(url):
            found.moved[url] = response["Location"]
            continue
        elif response.status_code == 410:
            found.gone.add(url)
            keep(url, response.content)
            continue
        else:
            found.missing.append(url)
            continue
        for link in links_in(url, response):
            if link not in seen and follow(link, url):
                seen.add(link)
                queue.append(link)
    return found


def links_in(url: str, response) -> list[str]:
    body = response.content.decode()
    if url.endswith(".xml"):  # a sitemap: every address in it is the site's own
        return [urlsplit(loc).path for loc in re.findall(r"<loc>([^<]+)</loc>", body)]
    return [html.unescape(link) for link in HREF.findall(body)]


def file_for(url: str) -> str:
    """The file an address is kept in, relative to a release: ``/uses/`` is
    ``uses/index.html``, ``/uses/?page=2`` is ``uses/__query/page=2.html``."""
    parts = urlsplit(url)
    path = parts.path.lstrip("/")
    if parts.query:
        return f"{path}{QUERY_FOLDER}/{parts.query}.html"
    return f"{path}index.html" if path.endswith("/") or not path else path


# --- releases ---------------------------------------------------------------------------------


def export_site(folder: Path, *, app: str = "http://127.0.0.1:8000") -> Crawl:
    """Write the whole public site as a new release of ``folder`` and make it current."""
    release = new_release(folder)
    found = crawl(seeds(), lambda url, body: write(release / file_for(url), body))
    refuse_without_home(found, release)
    copy_static(release / "static")
    write(release / ERRORS_FOLDER / "404.html", not_found_page())
    (release / "export.txt").write_text(f"Exported {timezone.now().isoformat()}\n")
    publish_release(folder, release, found, app=app)
    return found


def update_export(folder: Path, addresses: list[str], *, app: str = "http://127.0.0.1:8000"):
    """After a change: ask the site again for ``addresses`` (the changed entry's) and for every
    page that is not an entry's (lists, people, sitemaps, feed), write those whose bytes
    changed into a new release, drop those the site no longer has, and make it current. The
    number of files written or dropped."""
    current = (folder / "current").resolve()
    if not (folder / "current").exists():
        export_site(folder, app=app)
        return None
    own = {urlsplit(url).path for url in addresses}

    def follow(url: str, linked_from: str) -> bool:  # other entries' pages did not change
        return exported(url, linked_from) and (not is_entry(url) or urlsplit(url).path in own)

    release = new_release(folder, like=current)
    changed = 0

    def keep(url: str, body: bytes) -> None:
        nonlocal changed
        target = release / file_for(url)
        if not target.exists() or target.read_bytes() != body:
            write(target, body)
            changed += 1

    found = crawl([*addresses, *hub_pages(current)], keep, follow=follow)
    refuse_without_home(found, release)
    for url in [*found.moved, *found.missing]:
        target = release / file_for(url)
        if target.exists():
            target.unlink()
            changed += 1
    write(release / ERRORS_FOLDER / "404.html", not_found_page())
    publish_release(folder, release, found, app=app, keep=nginx_rules(folder))
    return changed


class ExportError(Exception):
    pass


def refuse_without_home(found: Crawl, release: Path) -> None:
    """A site that does not answer its home page (a wrong DJANGO_SITE_URL or ALLOWED_HOSTS, an
    HTTPS redirect) must not replace the export with an empty one."""
    if "/" not in found.pages:
        shutil.rmtree(release, ignore_errors=True)
        answer = client().get("/")
        raise ExportError(
            f"The site answered {answer.status_code} for its home page at {settings.SITE_URL}"
            f"/ (check DJANGO_SITE_URL and DJANGO_ALLOWED_HOSTS): nothing was exported."
        )


def not_found_page() -> bytes:
    """The site's 404 page, for nginx's own."""
    return client().get("/__no-such-page__/").content


def is_entry(url: str) -> bool:
    """Whether an address is an entry's own page or the pages of its reviews."""
    return bool(ENTRY.match(urlsplit(url).path))


ENTRY = re.compile(r"^/(uses|topics)/[^/]+/(reviews/)?$")


def entry_addresses(kind: str, slugs) -> list[str]:
    """Every address an entry has had: its page and its reviews, at each of its slugs."""
    detail, reviews = {
        Kind.CONDITION: ("uses:condition-detail", "uses:condition-reviews"),
        Kind.TOPIC: ("uses:topic-detail", "uses:topic-reviews"),
        Kind.OVERVIEW: ("uses:home", "uses:overview-reviews"),
    }[kind]
    if kind == Kind.OVERVIEW:
        return [address(detail), address(reviews)]
    return [address(name, slug=slug) for slug in slugs for name in (detail, reviews)]


def hub_pages(release: Path) -> list[str]:
    """Every exported page that is not an entry's own (which only its changes change)."""
    urls = []
    for path in release.rglob("*"):
        top = path.relative_to(release).parts[0]
        if path.is_dir() or top in ("static", ERRORS_FOLDER, "export.txt"):
            continue
        url = url_for(path.relative_to(release).as_posix())
        if not is_entry(url):
            urls.append(url)
    return urls


def url_for(file: str) -> str:
    """The inverse of ``file_for``."""
    if f"{QUERY_FOLDER}/" in file:
        path, query = file.split(f"{QUERY_FOLDER}/", 1)
        return f"/{path}?{query.removesuffix('.html')}"
    if file == "index.html" or file.endswith("/index.html"):
        return "/" + file.removesuffix("index.html")
    return "/" + file


def new_release(folder: Path, like: Path | None = None) -> Path:
    releases = folder / "releases"
    releases.mkdir(parents=True, exist_ok=True)
    release = Path(tempfile.mkdtemp(prefix=timezone.now().strftime("%Y%m%dT%H%M%S-"), dir=releases))
    release.chmod(0o755)
    if like is not None:  # the current tree, by hard links: each changed file is written anew
        shutil.copytree(like, release, copy_function=os.link, dirs_exist_ok=True)
    return release


def write(target: Path, body: bytes) -> None:
    """Write ``body`` as a new file (a hard-linked old one stays as it is, in its release)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.new")
    temporary.write_bytes(body)
    temporary.chmod(0o644)
    os.replace(temporary, target)


def copy_static(target: Path) -> None:
    """The static files, as the site names them (collected and hashed in production)."""
    root = settings.STATIC_ROOT
    if root and Path(root).is_dir():
        shutil.copytree(root, target, dirs_exist_ok=True)
        return
    for finder in finders.get_finders():
        for path, storage in finder.list([]):
            with storage.open(path) as source:
                write(target / path, source.read())


def publish_release(folder: Path, release: Path, found: Crawl, *, app: str, keep=None) -> None:
    """Write the nginx snippet, swap ``current`` to ``release`` at once, and delete releases
    older than the one before it."""
    rules = keep or {"moved": {}, "gone": []}
    rules = {
        "moved": {**rules["moved"], **found.moved},
        "gone": sorted({*rules["gone"], *found.gone} - set(found.pages)),
    }
    for url in found.pages:
        rules["moved"].pop(url, None)
    write(folder / "nginx.conf", nginx_snippet(folder, rules, app=app).encode())
    link = folder / f".current-{release.name}"
    link.symlink_to(release.relative_to(folder))
    os.replace(link, folder / "current")
    releases = sorted((folder / "releases").iterdir(), key=lambda path: path.stat().st_mtime)
    for old in releases[:-2]:
        if old != release:
            shutil.rmtree(old, ignore_errors=True)


# --- the nginx snippet ------------------------------------------------------------------------

RULES_START, RULES_END = "# --- moved and withdrawn: begin", "# --- moved and withdrawn: end"


def nginx_rules(folder: Path) -> dict:
    """The moves and withdrawals the last snippet holds, for an update to keep."""
    snippet = folder / "nginx.conf"
    if not snippet.exists():
        return {"moved": {}, "gone": []}
    text = snippet.read_text()
    moved = dict(re.findall(r'location = (\S+) \{ return 301 "?([^";]+)"?; \}', text))
    gone = re.findall(r"location = (\S+) \{ error_page 410 ", text)
    return {"moved": moved, "gone": gone}


def nginx_snippet(folder: Path, rules: dict, *, app: str) -> str:
    root = (folder / "current").absolute()
    moved = "\n".join(
        f'location = {url} {{ return 301 "{target}"; }}'
        for url, target in sorted(rules["moved"].items())
    )
    gone = "\n".join(
        f"location = {url} {{ error_page 410 /{file_for(url)}; return 410; }}"
        for url in rules["gone"]
    )
    typed = "\n".join(
        f"location = {url} {{ types {{}} default_type {kind}; try_files /{file_for(url)} =404; }}"
        for url, kind in TYPED.items()
    )
    return f"""# The public site exported by `manage.py export_site`, for nginx's server block:
#     server {{ listen 443 ssl; ... include {folder.absolute()}/nginx.conf; }}
# Written again by each export; reload nginx when its moved or withdrawn addresses change.
root {root};
charset utf-8;
charset_types text/xml application/atom+xml;
absolute_redirect off;  # a moved address's Location as the site gives it
add_header Cache-Control "public, max-age={settings.PUBLIC_PAGE_MAX_AGE}";

error_page 404 /{ERRORS_FOLDER}/404.html;
location ^~ /{ERRORS_FOLDER}/ {{ internal; }}
location / {{
    # A query string: an exported page (pagination, filters a page links to), or else the app
    # (searches).
    error_page 418 = @query;
    error_page 404 /{ERRORS_FOLDER}/404.html;  # (a level with its own error_page inherits none)
    if ($args) {{ return 418; }}
    try_files $uri $uri/index.html =404;
}}
location @query {{
    try_files "${{uri}}{QUERY_FOLDER}/${{args}}.html" @app;
}}
location @app {{
    proxy_pass {app};
    proxy_set_header Host $host;
    proxy_set_header X-Forwarded-Proto $scheme;
}}
location /static/ {{
    add_header Cache-Control "public, max-age=31536000, immutable";
}}
{typed}
{RULES_START}
{moved}
{gone}
{RULES_END}
"""

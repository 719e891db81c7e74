"""HTTP caching of public pages: validators, 304s, HEAD, the page cache and its invalidation."""

import datetime
import gzip
import os
import re
import subprocess
import sys
import time
from http.cookiejar import CookieJar
from urllib.parse import urlencode, urlsplit, urlunsplit
from urllib.request import HTTPCookieProcessor, build_opener, urlopen

import pytest
from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone
from django.utils.http import http_date

from tests import factories
from tests.factories import edit
from tests.servers import copy_sqlite, free_port
from uses import review
from uses.cache import public_record_changed
from uses.http import public_page, start_of_today
from uses.models import Publication, PublicVersion

pytestmark = pytest.mark.django_db

PUBLIC_URLS = [
    "/",
    "/uses/",
    "/uses/?category=pain",
    "/uses/fibromyalgia/",
    "/topics/mechanism-of-action/",
    "/topics/mechanism-of-action/reviews/",
    "/sources/",
    "/people/rita-reviewer/",
    "/evidence/",
    "/how-we-grade-evidence/",
    "/editorial-policy/",
    "/feed/",
    "/sitemap.xml",
    "/robots.txt",
]
PUBLIC = "public, max-age=60, stale-while-revalidate=600"


# This module's tests read one small site, made once for the module (tests/conftest.py).
@pytest.fixture
def published_site(shared_small_site):
    return {
        name: shared_small_site[name] for name in ("overview", "approved", "off_label", "topic")
    }


@pytest.fixture
def reviewer(shared_small_site):
    return shared_small_site["reviewer"]


@pytest.fixture
def editorial_policy(shared_small_site):
    return shared_small_site["editorial_policy"]


@pytest.fixture(autouse=True)
def days_long_past(monkeypatch):
    """Today began long ago, so that a page's Last-Modified is its last change (a test that runs
    just after midnight would otherwise see midnight instead). The day's own test undoes this."""
    monkeypatch.setattr(
        "uses.http.start_of_today", lambda: datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    )


def settle():
    """Move the record's last change two hours back, so that pages carry a Last-Modified."""
    PublicVersion.objects.update(changed_at=timezone.now() - datetime.timedelta(hours=2))


def fresh(client, url):
    """The page as a first request renders it now, bypassing every cached copy."""
    caches[settings.PAGE_CACHE_ALIAS].clear()
    return client.get(url)


# --- validators and 304 -------------------------------------------------------------------------


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_every_public_url_answers_304_to_its_etag_without_rendering(
    client, published_site, django_assert_num_queries, url
):
    first = client.get(url)
    assert first.status_code == 200
    assert first["ETag"].startswith('W/"')
    assert first["Cache-Control"] == PUBLIC

    with django_assert_num_queries(1):  # the public record's version, nothing else
        again = client.get(url, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert again.templates == []
    assert again["ETag"] == first["ETag"]
    assert again["Cache-Control"] == PUBLIC
    # Weak comparison: the tag without W/ (as a client might strip it) matches too.
    strong = first["ETag"].removeprefix("W/")
    assert client.get(url, headers={"If-None-Match": strong}).status_code == 304
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_every_public_url_answers_304_to_its_last_modified_date(
    client, published_site, django_assert_num_queries, url
):
    settle()
    first = client.get(url)
    changed_at = PublicVersion.objects.get().changed_at
    assert first["Last-Modified"] == http_date(int(changed_at.timestamp()))

    with django_assert_num_queries(1):
        again = client.get(url, headers={"If-Modified-Since": first["Last-Modified"]})
    assert again.status_code == 304
    assert again.templates == []
    assert again["Last-Modified"] == first["Last-Modified"]
    earlier = http_date(int(changed_at.timestamp()) - 1)
    assert client.get(url, headers={"If-Modified-Since": earlier}).status_code == 200


def test_a_page_built_in_the_second_of_a_change_has_no_last_modified(client, published_site):
    """A date has whole seconds: a second change in that second would keep it, so until the
    second has passed the ETag alone validates the page."""
    public_record_changed()
    response = client.get("/uses/fibromyalgia/")
    assert "Last-Modified" not in response
    assert response["ETag"]
    settle()
    assert "Last-Modified" in client.get("/uses/fibromyalgia/")


def test_a_stale_etag_or_date_gets_the_page_after_a_change(client, published_site):
    settle()
    first = client.get("/uses/fibromyalgia/")
    published_site["off_label"].author.save()  # a name or a bio shown on the page
    PublicVersion.objects.update(changed_at=timezone.now() - datetime.timedelta(hours=1))

    again = client.get(
        "/uses/fibromyalgia/",
        headers={"If-None-Match": first["ETag"], "If-Modified-Since": first["Last-Modified"]},
    )
    assert again.status_code == 200
    assert again["ETag"] != first["ETag"]
    date_only = client.get(
        "/uses/fibromyalgia/", headers={"If-Modified-Since": first["Last-Modified"]}
    )
    assert date_only.status_code == 200


def test_a_new_day_renders_a_review_that_fell_due_overnight(client, published_site, monkeypatch):
    """No publication marks a review overdue: the date does. Yesterday's page, its ETag and its
    date no longer hold today."""
    monkeypatch.setattr("uses.http.start_of_today", start_of_today)  # the real one
    today = timezone.localdate()
    Publication.objects.public().filter(slug="fibromyalgia").update(next_review_due=today)
    public_record_changed()
    PublicVersion.objects.update(changed_at=timezone.now() - datetime.timedelta(days=2))
    before = client.get("/uses/fibromyalgia/")
    assert "due for its next medical review" not in before.content.decode()

    tomorrow = today + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: tomorrow)
    after = client.get(
        "/uses/fibromyalgia/",
        headers={"If-None-Match": before["ETag"], "If-Modified-Since": before["Last-Modified"]},
    )
    assert after.status_code == 200
    assert "due for its next medical review" in after.content.decode()
    assert after["ETag"] != before["ETag"]
    date_only = client.get(
        "/uses/fibromyalgia/", headers={"If-Modified-Since": before["Last-Modified"]}
    )
    assert date_only.status_code == 200  # modified at midnight


# --- the page cache -----------------------------------------------------------------------------


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_a_cached_page_is_served_with_one_query_and_no_rendering(
    client, published_site, django_assert_num_queries, url
):
    first = client.get(url)
    with django_assert_num_queries(1):
        again = client.get(url)
    assert again.status_code == 200
    assert again.templates == []
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]


@pytest.mark.parametrize("url", ["/uses/fibromyalgia/", "/feed/", "/sitemap-entries.xml"])
def test_a_cached_page_is_answered_before_sessions_logins_and_csrf(
    client, published_site, medical_reviewer, settings, url
):
    """Served from the cache above the middleware that reads sessions and logins, with every
    header a rendered page gets."""
    settings.SECURE_HSTS_SECONDS = 3600  # as in production
    client.force_login(medical_reviewer)  # a signed-in reader gets the same page
    rendered = client.get(url, secure=True)
    assert hasattr(rendered.wsgi_request, "session")  # rendered: through every middleware
    for request in ("get", "head"):
        cached = getattr(client, request)(url, secure=True)
        assert cached.status_code == 200
        assert not hasattr(cached.wsgi_request, "session")
        assert not hasattr(cached.wsgi_request, "user")
        assert dict(cached.items()) == dict(rendered.items()), request
    for header in (
        "Content-Security-Policy",
        "X-Frame-Options",
        "Permissions-Policy",
        "Cross-Origin-Resource-Policy",
        "Strict-Transport-Security",
        "Content-Length",
    ):
        assert cached.has_header(header), header
    assert "Cookie" not in cached.get("Vary", "")
    assert not cached.cookies


def test_other_addresses_pass_the_page_cache_by(client, published_site, medical_reviewer):
    client.force_login(medical_reviewer)
    for url in ["/admin/", "/no-such-page/", "/static/css/site.css"]:
        for _ in range(2):
            response = client.get(url)
            assert "ETag" not in response or url.startswith("/static/"), url
    assert hasattr(client.get("/admin/").wsgi_request, "user")


def test_the_views_own_headers_are_kept_in_the_cache(client, published_site):
    for _ in range(2):
        sitemap = client.get("/sitemap.xml")
        assert sitemap["X-Robots-Tag"] == "noindex, noodp, noarchive"  # the sitemap view's
        assert sitemap["Content-Type"] == "application/xml"
        feed = client.get("/feed/")
        assert feed["Content-Type"].startswith("application/atom+xml")


def test_errors_are_never_cached_and_say_so(client, published_site, editor, medical_reviewer):
    for url, status in [("/uses/nothing-here/", 404), ("/uses/?certainty=bogus", 400)]:
        response = client.get(url)
        assert response.status_code == status
        assert response["Cache-Control"] == "private, no-store"
        assert "ETag" not in response
        assert client.get(url).templates  # rendered again: not stored
    review.approve(
        submission=review.withdraw(entry=published_site["off_label"], user=editor, note="Old"),
        reviewer=medical_reviewer,
    )
    gone = client.get("/uses/fibromyalgia/")
    assert gone.status_code == 410
    assert gone["Cache-Control"] == "private, no-store"
    assert client.get("/no/such/address/")["Cache-Control"] == "private, no-store"


def test_an_old_address_redirects_publicly(client, published_site, editor, medical_reviewer):
    edit(published_site["off_label"], editor, slug="fibromyalgia-syndrome")
    review.approve(
        submission=review.submit(entry=published_site["off_label"], user=editor),
        reviewer=medical_reviewer,
    )
    moved = client.get("/uses/fibromyalgia/")
    assert moved.status_code == 301
    assert moved["Location"] == "/uses/fibromyalgia-syndrome/"
    assert moved["Cache-Control"] == PUBLIC
    cached = client.get("/uses/fibromyalgia/")
    assert (cached.status_code, cached["Location"]) == (301, "/uses/fibromyalgia-syndrome/")
    assert cached.templates == []


def test_admin_and_preview_are_private(client, published_site, editor, medical_reviewer):
    assert {"private", "no-store"} <= set(client.get("/admin/login/")["Cache-Control"].split(", "))
    edit(published_site["off_label"], editor, summary="PREVIEWED SUMMARY")
    submission = review.submit(entry=published_site["off_label"], user=editor)
    client.force_login(medical_reviewer)
    for _ in range(2):
        preview = client.get(f"/admin/uses/submission/{submission.pk}/preview/")
        assert preview.status_code == 200
        assert "PREVIEWED SUMMARY" in preview.content.decode()
        assert preview.templates  # rendered each time: never from the page cache
        assert {"private", "no-store"} <= set(preview["Cache-Control"].split(", "))
        assert "ETag" not in preview
    public = client.get("/uses/fibromyalgia/").content.decode()
    assert "PREVIEWED SUMMARY" not in public
    assert "Preview, not published" not in public


def test_public_pages_do_not_vary_by_who_asks(client, published_site, medical_reviewer):
    anonymous = client.get("/uses/fibromyalgia/")
    assert "Cookie" not in anonymous.get("Vary", "")
    assert not anonymous.cookies
    client.force_login(medical_reviewer)
    logged_in = client.get("/uses/fibromyalgia/")
    assert logged_in.content == anonymous.content
    assert logged_in["ETag"] == anonymous["ETag"]
    assert "Cookie" not in logged_in.get("Vary", "")
    assert not logged_in.cookies
    caches[settings.PAGE_CACHE_ALIAS].clear()
    assert client.get("/uses/fibromyalgia/").content == anonymous.content  # rendered for staff


@pytest.mark.parametrize("personal", ["cookie", "vary"])
def test_a_response_that_depends_on_its_reader_is_never_shared(rf, personal):
    """A safety net: public views vary by nothing, but one that ever did is rendered each time."""
    renderings = []

    @public_page
    def view(request):
        renderings.append(request)
        response = HttpResponse("<p>Hello, reader.</p>" * 20)
        if personal == "cookie":
            response.set_cookie("seen", "1")
        else:
            response["Vary"] = "Cookie"
        return response

    for _ in range(2):
        response = view(rf.get("/personal/"))
        assert response["Cache-Control"] == "private, no-store"
        assert "ETag" not in response
    assert len(renderings) == 2


# --- methods ------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_head_works_wherever_get_does(client, published_site, url):
    get = client.get(url)
    head = client.head(url)
    assert head.status_code == 200
    assert head.content == b""
    assert dict(head.items()) == dict(get.items())
    assert client.head(url, headers={"If-None-Match": get["ETag"]}).status_code == 304


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("url", ["/", "/uses/fibromyalgia/", "/feed/", "/sitemap.xml"])
def test_other_methods_are_not_allowed(published_site, url, method):
    client = Client(enforce_csrf_checks=True)  # as a real client: 405, not the CSRF check's 403
    response = getattr(client, method)(url)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert response["Cache-Control"] == "private, no-store"


# --- compression --------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/uses/fibromyalgia/", "/feed/", "/sitemap.xml"])
def test_public_pages_are_gzipped_from_the_cache(client, published_site, url):
    plain = client.get(url)
    first = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    again = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert first["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in plain
    assert gzip.decompress(first.content) == plain.content
    assert len(first.content) < len(plain.content) / 2
    assert again.content == first.content  # compressed once, not per request
    assert int(first["Content-Length"]) == len(first.content)
    assert "Accept-Encoding" in first["Vary"]
    assert "Accept-Encoding" in plain["Vary"]
    assert first["ETag"] == plain["ETag"]
    conditional = client.get(
        url, headers={"Accept-Encoding": "gzip", "If-None-Match": first["ETag"]}
    )
    assert conditional.status_code == 304


def test_private_pages_are_gzipped_with_djangos_padding(client, medical_reviewer):
    client.force_login(medical_reviewer)
    first = client.get("/admin/", headers={"Accept-Encoding": "gzip"})
    again = client.get("/admin/", headers={"Accept-Encoding": "gzip"})
    assert first["Content-Encoding"] == "gzip"
    assert b"csrfmiddlewaretoken" in gzip.decompress(first.content)  # a secret: padded
    assert "ETag" not in first
    assert {"private", "no-store"} <= set(again["Cache-Control"].split(", "))


# --- invalidation on publish ---------------------------------------------------------------------


def approve_change(entry, *, editor, reviewer):
    edit(entry, editor, name="Fibromyalgia (renamed)")
    review.approve(submission=review.submit(entry=entry, user=editor), reviewer=reviewer)


def withdraw(entry, *, editor, reviewer):
    review.approve(
        submission=review.withdraw(entry=entry, user=editor, note="Outdated"), reviewer=reviewer
    )


def confirm(entry, *, editor, reviewer):
    review.confirm(entry=entry, reviewer=reviewer)


# Pages that show the entry (people: its author's and its reviewer's), and what each shows.
SHOWING_THE_ENTRY = [
    "/",
    "/uses/",
    "/uses/?category=pain",
    "/uses/fibromyalgia/",
    "/uses/fibromyalgia/reviews/",
    "/topics/mechanism-of-action/",
    "/sources/",
    "/evidence/",
    "/how-we-grade-evidence/",
    "/feed/",
    "/sitemap.xml",
]


@pytest.mark.parametrize("action", [approve_change, withdraw, confirm])
def test_each_publishing_step_makes_every_page_showing_the_entry_fresh(
    client, published_site, editor, medical_reviewer, action
):
    entry = published_site["off_label"]
    long_ago = timezone.now() - datetime.timedelta(days=400)
    Publication.objects.filter(condition=entry).update(
        published_at=long_ago, content_published_at=long_ago, reviewed_on=long_ago.date()
    )
    people = [f"/people/{entry.author.slug}/", f"/people/{medical_reviewer.person.slug}/"]
    urls = SHOWING_THE_ENTRY + people[:1]
    before = {url: client.get(url) for url in urls}
    reviewer_page = client.get(people[1])
    assert reviewer_page.status_code == 404  # names no published page yet

    action(entry, editor=editor, reviewer=medical_reviewer)

    for url in urls:
        served = client.get(url)
        assert served.get("ETag") != before[url]["ETag"], url  # a 404 or 410 has none
        assert served.content == fresh(client, url).content, url
    # The reviewer's profile opens once a public page names them: not for a withdrawn one.
    assert client.get(people[1]).status_code == (404 if action is withdraw else 200)
    page = client.get("/uses/fibromyalgia/")
    if action is withdraw:
        assert page.status_code == 410
        assert "/uses/fibromyalgia/" not in client.get("/uses/").content.decode()
    elif action is confirm:
        assert f'"lastReviewed": "{timezone.localdate():%Y-%m-%d}"' in page.content.decode()
    else:
        for url in ["/", "/uses/", "/uses/fibromyalgia/", "/evidence/", "/sources/", "/feed/"]:
            assert "Fibromyalgia (renamed)" in client.get(url).content.decode(), url


def test_unreviewed_changes_never_change_a_cached_page(client, published_site, editor):
    entry = published_site["off_label"]
    before = {url: client.get(url) for url in PUBLIC_URLS}

    edit(entry, editor, name="UNREVIEWED NAME", summary="UNREVIEWED SUMMARY")
    evidence = entry.evidence.get()
    evidence.claim = "UNREVIEWED CLAIM"
    evidence.save()
    submission = review.submit(entry=entry, user=editor)
    edit(entry, editor, summary="EDITED WHILE PENDING")
    factories.make_condition(name="Unpublished draft", slug="draft", author=entry.author)

    for url in PUBLIC_URLS:
        after = client.get(url)
        assert after["ETag"] == before[url]["ETag"], url
        assert after.content == before[url].content, url
        assert after.content == fresh(client, url).content, url
        assert b"UNREVIEWED" not in after.content
    assert submission.is_pending


def test_site_text_goes_live_when_saved(client, published_site, editorial_policy, reviewer):
    assert "Every change is reviewed." in client.get("/editorial-policy/").content.decode()
    editorial_policy.content = "## How we review\n\nTwo reviewers read every change."
    editorial_policy.save()
    assert "Two reviewers" in client.get("/editorial-policy/").content.decode()

    client.get("/people/rita-reviewer/")
    reviewer.bio = "A NEW BIO"
    reviewer.save()
    assert "A NEW BIO" in client.get("/people/rita-reviewer/").content.decode()


def test_a_rolled_back_change_leaves_the_version(published_site, reviewer):
    from django.db import transaction

    @transaction.atomic
    def save_then_fail():
        reviewer.save()
        raise RuntimeError

    before = PublicVersion.objects.get()
    with pytest.raises(RuntimeError):
        save_then_fail()
    assert PublicVersion.objects.get().counter == before.counter
    reviewer.save()
    assert PublicVersion.objects.get().counter == before.counter + 1


def test_a_flushed_database_starts_a_version_again(client, published_site):
    PublicVersion.objects.all().delete()
    response = client.get("/uses/fibromyalgia/")
    assert response.status_code == 200
    assert "Last-Modified" not in response
    public_record_changed()
    assert PublicVersion.objects.get().counter == 1
    assert client.get("/uses/fibromyalgia/")["ETag"] != response["ETag"]


# --- two app servers, one database ---------------------------------------------------------------

SETUP_SCRIPT = """
import django
django.setup()
from django.contrib.auth.models import User
from django.core.management import call_command
from uses import review
from uses.models import Condition

for command in ("migrate", "load_article", "demo_accounts"):
    call_command(command, verbosity=0)
editor = User.objects.get(username="editor")
use = Condition.objects.get(slug="fibromyalgia")
use.summary = "TWO SERVERS MARKER: a summary approved through server A."
use._history_user = editor
use.save()
print(review.submit(entry=use, user=editor, public_note="A new summary.").pk)
"""


@pytest.fixture
def shared_database_url(tmp_path, request):
    """A throw-away database for the servers: a SQLite file (a copy of a migrated one), or a new
    PostgreSQL database."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        copy_sqlite(request.getfixturevalue("migrated_sqlite_file"), tmp_path / "shared.sqlite3")
        yield f"sqlite:///{tmp_path / 'shared.sqlite3'}"
        return
    import psycopg

    name = f"naltrexone_two_servers_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_server(env: dict) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--log-level", "warning", "naltrexone_site.wsgi"],
        cwd=settings.BASE_DIR, env=env,
    )  # fmt: skip
    return server, f"http://127.0.0.1:{port}"


def wait_until_up(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server stopped"
        try:
            urlopen(f"{base}/robots.txt", timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{base} did not start")


def csrf_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_publishing_through_one_server_shows_on_the_other_at_once(shared_database_url):
    env = {**os.environ, "DATABASE_URL": shared_database_url, "DJANGO_DEBUG": "1"}
    setup = subprocess.run(
        [sys.executable, "-c", SETUP_SCRIPT],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert setup.returncode == 0, setup.stderr
    submission = int(setup.stdout.split()[-1])
    servers = []
    try:
        for _ in range(2):
            servers.append(start_server(env))
        (_, server_a), (_, server_b) = servers
        for process, base in servers:
            wait_until_up(base, process)
        page = "/uses/fibromyalgia/"
        for base in (server_a, server_b):  # both caches hold the page as it is
            for _ in range(2):
                assert b"TWO SERVERS MARKER" not in urlopen(base + page, timeout=10).read()
        before = urlopen(server_b + page, timeout=10).headers["ETag"]

        # A medical reviewer approves the pending submission in server A's admin.
        browser = build_opener(HTTPCookieProcessor(CookieJar()))
        login = browser.open(f"{server_a}/admin/login/", timeout=10).read().decode()
        fields = {"username": "reviewer", "password": "reviewer-demo", "next": "/admin/"}
        fields["csrfmiddlewaretoken"] = csrf_token(login)
        home = browser.open(f"{server_a}/admin/login/", urlencode(fields).encode(), timeout=10)
        assert home.url == f"{server_a}/admin/", "the reviewer could not log in"
        review_url = f"{server_a}/admin/uses/submission/{submission}/review/"
        form = browser.open(review_url, timeout=10).read().decode()
        decision = {"decision": "approve", "comment": "", "csrfmiddlewaretoken": csrf_token(form)}
        done = browser.open(review_url, urlencode(decision).encode(), timeout=10)
        assert done.url == f"{server_a}/admin/uses/submission/", "the approval failed"

        after = urlopen(server_b + page, timeout=10)  # the very next request to server B
        assert b"TWO SERVERS MARKER" in after.read()
        assert after.headers["ETag"] != before
    finally:
        for process, _ in servers:
            process.terminate()
        for process, _ in servers:
            process.wait(timeout=10)


def test_static_files_are_precompressed_with_gzip_and_brotli():
    from whitenoise.compress import Compressor

    compressor = Compressor(quiet=True)
    assert compressor.use_gzip
    assert compressor.use_brotli  # the Brotli package is installed: browsers get .br files


def test_a_deploy_that_changes_a_template_changes_the_release(tmp_path, monkeypatch):
    from uses.http import code_fingerprint

    monkeypatch.delenv("DJANGO_RELEASE", raising=False)
    (tmp_path / "templates").mkdir()
    (tmp_path / "uses").mkdir()
    (tmp_path / "templates" / "base.html").write_text("<h1>One</h1>")
    (tmp_path / "uses" / "views.py").write_text("ONE = 1")
    first = code_fingerprint(tmp_path)
    (tmp_path / "uses" / "notes.txt").write_text("not code")
    assert code_fingerprint(tmp_path) == first
    (tmp_path / "templates" / "base.html").write_text("<h1>Two</h1>")
    second = code_fingerprint(tmp_path)
    assert second != first
    (tmp_path / "uses" / "views.py").write_text("ONE = 2")
    assert code_fingerprint(tmp_path) not in {first, second}
    monkeypatch.setenv("DJANGO_RELEASE", "v42")
    assert code_fingerprint(tmp_path) == "v42"

"""The static export (uses/export.py): every page as the site serves it, served by a plain static
server; kept up to date, a page at a time and atomically, by a task after each change."""

import os
import re
import threading
from functools import partial
from http.client import HTTPConnection
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest
from django.core.management import call_command

from tests import factories
from tests.factories import edit
from tests.servers import free_port
from uses import export, review
from uses.management.commands import _bench_served as served

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def site(migrated_data, editorial_policy, editor, medical_reviewer):
    from tests.conftest import make_reviewer, publish_a_small_site

    data = publish_a_small_site(make_reviewer())
    for number in range(3):
        factories.make_published_condition(name=f"Use {number}", slug=f"use-{number}")
    return data


def sitemap_addresses(client) -> list[str]:
    """Every address the live sitemap names, through its index."""
    index = client.get("/sitemap.xml").content.decode()
    addresses = []
    for section in re.findall(r"<loc>https?://[^/]+(/[^<]+)</loc>", index):
        body = client.get(section).content.decode()
        addresses += re.findall(r"<loc>https?://[^/]+(/[^<]*)</loc>", body)
    return addresses


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def static_server():
    """A plain static file server (Python's), serving a folder, as any file server would."""
    servers = []

    def serve(folder: Path) -> str:
        handler = partial(Quiet, directory=str(folder))
        server = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urlopen(Request(url), timeout=10) as response:
            return response.status, response.read()
    except HTTPError as error:
        return error.code, error.read()


def test_a_static_server_serves_every_sitemap_page_of_the_export_as_the_site_does(
    site, client, tmp_path, static_server, settings
):
    settings.SITE_URL = "http://testserver"
    call_command("export_site", tmp_path, stdout=open("/dev/null", "w"))  # noqa: SIM115
    base = static_server(tmp_path / "current")
    addresses = sitemap_addresses(client)
    assert len(addresses) > 10 and "/uses/use-2/" in addresses
    for url in [*addresses, "/", "/feed/", "/robots.txt", "/sitemap.xml"]:
        status, body = fetch(base + url)
        assert status == 200, url
        assert body == client.get(url).content, url
    # The pages' own static files are there, as the pages name them.
    stylesheet = re.search(r'href="(/static/[^"]+\.css)"', client.get("/").content.decode())
    assert fetch(base + stylesheet.group(1))[0] == 200
    # A list's filters that a page links to, and their pages, are files too.
    assert list((tmp_path / "current" / "uses" / export.QUERY_FOLDER).glob("*category=*.html"))


def test_a_site_that_does_not_answer_its_home_page_is_not_exported(site, tmp_path, settings):
    from django.core.management.base import CommandError

    settings.SITE_URL = "http://wrong.example"  # not an allowed host: every answer is a 400
    with pytest.raises(CommandError, match="answered 400 for its home page"):
        call_command("export_site", tmp_path, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert not (tmp_path / "current").exists()
    assert list((tmp_path / "releases").iterdir()) == []


def move_and_withdraw(site, editor, medical_reviewer) -> None:
    """Fibromyalgia moves to /uses/fibromyalgia-syndrome/; the mechanism topic is withdrawn."""
    edit(site["off_label"], editor, slug="fibromyalgia-syndrome")
    review.approve(
        submission=review.submit(entry=site["off_label"], user=editor), reviewer=medical_reviewer
    )
    review.approve(
        submission=review.withdraw(entry=site["topic"], user=editor, note="Out of date"),
        reviewer=medical_reviewer,
    )


def test_moved_and_withdrawn_addresses_become_nginx_rules(
    site, client, tmp_path, editor, medical_reviewer, settings
):
    settings.SITE_URL = "http://testserver"
    move_and_withdraw(site, editor, medical_reviewer)
    call_command("export_site", tmp_path, stdout=open("/dev/null", "w"))  # noqa: SIM115
    snippet = (tmp_path / "nginx.conf").read_text()
    assert 'location = /uses/fibromyalgia/ { return 301 "/uses/fibromyalgia-syndrome/"; }' in (
        snippet
    )
    gone = "/topics/mechanism-of-action/"
    assert f"location = {gone} {{ error_page 410 /topics/mechanism-of-action/index.html;" in (
        snippet
    )
    # The 410 page's body is the site's own.
    body = (tmp_path / "current" / "topics" / "mechanism-of-action" / "index.html").read_bytes()
    assert body == client.get(gone).content
    assert not (tmp_path / "current" / "uses" / "fibromyalgia").exists()


def test_each_change_updates_only_the_pages_it_changes_in_a_new_release(
    site, client, tmp_path, editor, medical_reviewer, settings, run_tasks
):
    settings.SITE_URL = "http://testserver"
    settings.STATIC_EXPORT_DIR = str(tmp_path)
    call_command("export_site", tmp_path, stdout=open("/dev/null", "w"))  # noqa: SIM115
    before = (tmp_path / "current").resolve()
    untouched = before / "uses" / "use-1" / "index.html"
    changed = before / "uses" / "fibromyalgia" / "index.html"
    old_page = changed.read_bytes()

    edit(site["off_label"], editor, summary="A summary a reviewer approved today.")
    submission = review.submit(entry=site["off_label"], user=editor)
    run_tasks()  # submitting changes nothing public: nothing to export
    assert (tmp_path / "current").resolve() == before
    review.approve(submission=submission, reviewer=medical_reviewer)
    run_tasks()

    after = (tmp_path / "current").resolve()
    assert after != before
    new_page = (after / "uses" / "fibromyalgia" / "index.html").read_bytes()
    assert new_page == client.get("/uses/fibromyalgia/").content != old_page
    assert changed.read_bytes() == old_page  # the release before is as it was
    # Another use's page was not written again: the same file, linked into the new release.
    assert (after / "uses" / "use-1" / "index.html").stat().st_ino == untouched.stat().st_ino
    # What lists it changed too: the feed names the new review.
    assert (after / "feed" / "index.html").read_bytes() == client.get("/feed/").content

    review.approve(
        submission=review.withdraw(entry=site["approved"], user=editor, note="Taken down"),
        reviewer=medical_reviewer,
    )
    run_tasks()
    snippet = (tmp_path / "nginx.conf").read_text()
    assert "location = /uses/alcohol-dependence/ { error_page 410" in snippet
    home = (tmp_path / "current" / "index.html").read_bytes()
    assert home == client.get("/").content and b"Alcohol dependence" not in home
    releases = list((tmp_path / "releases").iterdir())
    assert len(releases) == 2  # the current one and the one before


@pytest.mark.skipif(
    not served.nginx_binary() and not os.environ.get("CI"), reason="nginx is not installed"
)
def test_nginx_serves_the_export_with_its_snippet(
    site, client, tmp_path, editor, medical_reviewer, settings, live_server
):
    """The generated snippet, in a real nginx: pages, their filters, the feed's type, a moved
    address, a withdrawn one, a missing one, and a search passed to the app."""
    settings.SITE_URL = "http://testserver"
    move_and_withdraw(site, editor, medical_reviewer)
    export.export_site(tmp_path / "site", app=live_server.url)
    with served.nginx(tmp_path / "site", tmp_path / "nginx") as port:
        base = f"http://127.0.0.1:{port}"
        for url in ["/", "/uses/", "/uses/fibromyalgia-syndrome/", "/feed/"]:
            assert fetch(base + url) == (200, client.get(url).content), url
        with urlopen(base + "/feed/") as feed:
            assert feed.headers["Content-Type"].startswith("application/atom+xml")
        filtered = re.search(
            r'href="(/uses/\?[^"]*category=[^"]*)"', client.get("/").content.decode()
        )
        url = filtered.group(1).replace("&amp;", "&")
        assert fetch(base + url) == (200, client.get(url).content)
        assert unfollowed(port, "/uses/fibromyalgia/") == (301, "/uses/fibromyalgia-syndrome/")
        gone = "/topics/mechanism-of-action/"
        assert fetch(base + gone) == (410, client.get(gone).content)
        status, body = fetch(base + "/no/such/page/")
        assert status == 404 and body == client.get("/no/such/page/").content
        search = fetch(base + "/uses/?q=fibromyalgia")  # from the app, through nginx
        assert search[0] == 200 and b"fibromyalgia-syndrome" in search[1]


def unfollowed(port: int, path: str) -> tuple[int, str | None]:
    """The status and Location of a GET, redirects not followed."""
    connection = HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.getheader("Location")
    finally:
        connection.close()

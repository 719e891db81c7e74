"""The served half of ``manage.py bench``: gunicorn, wrk, the floor, and the tables it prints.

Used only by the bench command (Django ignores command modules starting with an underscore).
"""

import contextlib
import http.client
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

PAGES = [
    "/",
    "/uses/",
    "/uses/?category=pain&certainty=low&q=pain",
    "/uses/?q=naltrexone",
    "/uses/fibromyalgia/",
    "/topics/mechanism-of-action/",
    "/sources/",
    "/people/michael-espelin/",
    "/evidence/",
    "/how-we-grade-evidence/",
    "/sitemap.xml",
    "/sitemap-entries.xml",
    "/feed/",
]
USE_PAGE = "/uses/fibromyalgia/"
FLOOR = "/_bench/floor/"
# What a browser behind the production TLS proxy sends: without the proxy's header the site would
# redirect to https (SECURE_SSL_REDIRECT), and without Accept-Encoding nothing is compressed.
REQUEST_HEADERS = {"X-Forwarded-Proto": "https", "Accept-Encoding": "gzip"}
WRK_THREADS, WRK_CONNECTIONS = 2, 16
GUNICORN_WORKERS = 2
RATIO = "\N{MULTIPLICATION SIGN} floor"
DASH = "\N{EN DASH}"


def find_wrk() -> str:
    """The wrk binary; installed from Debian when running as root, else how to install it."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True)
        if found := shutil.which("wrk"):
            return found
    raise CommandError(
        "The benchmark needs wrk: install it with `sudo apt-get install wrk` (Debian, Ubuntu), "
        "or run with --seconds 0 for the in-process figures only."
    )


@dataclass
class Target:
    """One thing wrk measures: a URL on one of the two servers, with the request's headers."""

    page: str
    column: str  # "floor", "uncached", "cached" or "304"
    port: int
    headers: dict


@dataclass
class ServedRun:
    wrk: str
    folder: Path
    database_url: str
    floor_file: Path
    seconds: int
    rounds: int
    write: object

    def progress(self, message: str) -> None:
        """Where the run is, on standard error: the tables on standard output stay clean."""
        print(f"bench: {message}", file=sys.stderr, flush=True)

    def environment(self, page_cache: str) -> dict:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "naltrexone_site.bench_settings",
            "DJANGO_DEBUG": "off",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SITE_URL": "https://naltrexone.example",
            "DATABASE_URL": self.database_url,
            "DJANGO_STATIC_ROOT": str(self.folder / "static"),  # never over a deployment's files
            "DJANGO_BENCH_FLOOR_FILE": str(self.floor_file),
            "DJANGO_PAGE_CACHE": page_cache,
        }

    def run(self) -> list[str]:
        """Serve, check, measure and print; returns what answered wrongly."""
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            cwd=settings.BASE_DIR,
            env=self.environment("on"),
            check=True,
        )
        with (
            gunicorn(self.environment("on"), self.folder / "cached.log") as cached,
            gunicorn(self.environment("off"), self.folder / "uncached.log") as uncached,
            contextlib.ExitStack() as stack,
        ):
            problems, etags = check_answers(cached, uncached)
            static = None
            if nginx_binary():
                exported = self.export_site(app=f"http://127.0.0.1:{cached}")
                static = stack.enter_context(nginx(exported, self.folder / "nginx"))
            targets = [Target(FLOOR, "floor", cached, REQUEST_HEADERS)]
            if static:
                targets += [Target(page, "nginx", static, REQUEST_HEADERS) for page in PAGES]
            for page in PAGES:
                targets.append(Target(page, "uncached", uncached, REQUEST_HEADERS))
                targets.append(Target(page, "cached", cached, REQUEST_HEADERS))
                if page in etags:
                    conditional = {**REQUEST_HEADERS, "If-None-Match": etags[page]}
                    targets.append(Target(page, "304", cached, conditional))
            self.write(
                f"\nServed by gunicorn ({GUNICORN_WORKERS} sync workers, DEBUG off), "
                f"wrk -t{WRK_THREADS} -c{WRK_CONNECTIONS} -d{self.seconds}s, median of "
                f"{self.rounds} interleaved rounds; {RATIO} is the page's req/s over the floor's:\n"
            )
            rates: dict[tuple[str, str], list[float]] = {}
            for number in range(1, self.rounds + 1):
                self.progress(f"round {number} of {self.rounds}: {len(targets)} wrk runs")
                for target in targets:
                    rate, errors = run_wrk(self.wrk, target, self.seconds)
                    if errors:
                        problems.append(f"{target.page} ({target.column}): {errors}")
                    rates.setdefault((target.page, target.column), []).append(rate)
                    # Let the requests wrk left in flight finish before the next URL is timed.
                    for port in (cached, uncached):
                        fetch(port, FLOOR, REQUEST_HEADERS)
        medians = {key: statistics.median(values) for key, values in rates.items()}
        self.write(served_table(medians, PAGES, self.seconds))
        if static:
            self.write(
                "\nServed by nginx from the static export (`export_site`; a search goes on to "
                "the cached gunicorn), same rounds:\n"
            )
            self.write(nginx_table(medians, PAGES))
        else:
            self.write("\n(nginx is not installed: the static export was not measured.)\n")
        return sorted(set(problems))

    def export_site(self, *, app: str) -> Path:
        """The site exported as production would, timed."""
        folder = self.folder / "export"
        self.progress("exporting the site for nginx")
        started = time.perf_counter()
        env = {**self.environment("on"), "DJANGO_ALLOWED_HOSTS": "127.0.0.1,naltrexone.example"}
        subprocess.run(
            [sys.executable, "manage.py", "export_site", str(folder), "--app", app],
            cwd=settings.BASE_DIR,
            env=env,
            check=True,
            capture_output=True,
        )
        pages = sum(1 for path in (folder / "current").rglob("*.html"))
        self.write(
            f"\nStatic export: {pages:,} files of pages in {time.perf_counter() - started:.0f} s.\n"
        )
        return folder


@contextlib.contextmanager
def gunicorn(env: dict, log: Path):
    """Gunicorn serving the site on a free local port until the block ends; yields the port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        sys.executable, "-m", "gunicorn", "naltrexone_site.wsgi",
        "--workers", str(GUNICORN_WORKERS), "--worker-class", "sync",
        "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
    ]  # fmt: skip
    with log.open("w") as output:
        server = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    fetch(port, FLOOR, REQUEST_HEADERS)
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise CommandError(
                            f"gunicorn did not start:\n{log.read_text()[-3000:]}"
                        ) from None
                    time.sleep(0.2)
            yield port
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def nginx_binary() -> str:
    return shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")


@contextlib.contextmanager
def nginx(export: Path, folder: Path):
    """nginx serving a static export with its generated snippet, on a free local port, as many
    workers as gunicorn has; yields the port."""
    folder.mkdir(parents=True, exist_ok=True)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    user = "user root;\n" if os.geteuid() == 0 else ""  # its workers must read the export
    temporary = " ".join(
        f"{name}_temp_path {folder};"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    config = folder / "nginx.conf"
    config.write_text(
        f"{user}daemon off; worker_processes {GUNICORN_WORKERS}; pid {folder}/nginx.pid;\n"
        f"error_log {folder}/error.log;\nevents {{}}\n"
        f"http {{ include /etc/nginx/mime.types; access_log off; {temporary}\n"
        f"  server {{ listen 127.0.0.1:{port}; include {export}/nginx.conf; }} }}\n"
    )
    server = subprocess.Popen([nginx_binary(), "-c", str(config), "-p", str(folder)])
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                fetch(port, "/robots.txt", REQUEST_HEADERS)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise CommandError("nginx did not start: see its error.log") from None
                time.sleep(0.1)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=20)


def nginx_table(medians: dict[tuple[str, str], float], pages: list[str]) -> str:
    floor = medians[(FLOOR, "floor")]
    rows = [
        [f"`{page}`", f"{medians[(page, 'nginx')]:.0f}", ratio(medians[(page, "nginx")], floor)]
        for page in pages
        if (page, "nginx") in medians
    ]
    return markdown_table(["page", "nginx req/s", RATIO], rows)


def fetch(port: int, url: str, headers: dict) -> http.client.HTTPResponse:
    """One GET, its body read; the response keeps its status and headers."""
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        client.request("GET", url, headers=headers)
        response = client.getresponse()
        response.read()
        return response
    finally:
        client.close()


def check_answers(cached: int, uncached: int) -> tuple[list[str], dict[str, str]]:
    """Every URL answers 200 on both servers and 304 to a repeated conditional request.

    Returns the problems and each page's ETag (for the conditional requests wrk makes).
    """
    problems, etags = [], {}
    for port, column in ((cached, "cached"), (uncached, "uncached")):
        for url in [FLOOR, *PAGES]:
            for _ in range(GUNICORN_WORKERS * 2):  # and warm every worker up
                response = fetch(port, url, REQUEST_HEADERS)
            if response.status != 200:
                problems.append(f"{url} ({column}): answered {response.status}, not 200")
    for url in PAGES:
        etag = fetch(cached, url, REQUEST_HEADERS).getheader("ETag")
        if not etag:
            problems.append(f"{url}: no ETag, so no 304")
            continue
        response = fetch(cached, url, {**REQUEST_HEADERS, "If-None-Match": etag})
        if response.status != 304:
            problems.append(f"{url}: answered {response.status} to If-None-Match, not 304")
        else:
            etags[url] = etag
    return problems, etags


WRK_RATE = re.compile(r"Requests/sec:\s+([\d.]+)")
WRK_BAD_STATUS = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
WRK_SOCKET_ERRORS = re.compile(r"Socket errors:\s+(.*)")


def run_wrk(wrk: str, target: Target, seconds: int) -> tuple[float, str]:
    """wrk's requests per second for ``target`` and what went wrong ("" when nothing did)."""
    command = [
        wrk, f"-t{WRK_THREADS}", f"-c{WRK_CONNECTIONS}", f"-d{seconds}s", "--timeout", "60s",
    ]  # fmt: skip
    for name, value in target.headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://127.0.0.1:{target.port}{target.page}")
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return parse_wrk(output)


def parse_wrk(output: str) -> tuple[float, str]:
    rate = WRK_RATE.search(output)
    if rate is None:
        raise CommandError(f"wrk said nothing about requests per second:\n{output}")
    errors = []
    if bad := WRK_BAD_STATUS.search(output):
        errors.append(f"{bad[1]} answers were not 2xx or 3xx")
    if socket_errors := WRK_SOCKET_ERRORS.search(output):
        errors.append(f"socket errors: {socket_errors[1]}")
    return float(rate[1]), "; ".join(errors)


def served_table(medians: dict[tuple[str, str], float], pages: list[str], seconds: int) -> str:
    """Requests per second and their ratio to the floor, a row per page (a dash: not measured)."""
    floor = medians[(FLOOR, "floor")]

    def cells(page: str, column: str) -> list[str]:
        rate = medians.get((page, column))
        if rate is None:
            return [DASH, DASH]
        if rate == 0:  # no answer came within the run: slower than one per run
            return [f"< {1 / seconds:.2f}", f"< {1 / seconds / floor:.4f}"]
        return [f"{rate:.0f}" if rate >= 10 else f"{rate:.1f}", ratio(rate, floor)]

    rows = [["floor (bare view, precomputed bytes)", *cells(FLOOR, "floor"), "", "", "", ""]]
    for page in pages:
        rows.append(
            [f"`{page}`", *cells(page, "uncached"), *cells(page, "cached"), *cells(page, "304")]
        )
    return markdown_table(
        ["page", "uncached req/s", RATIO, "cached req/s", RATIO, "304 req/s", RATIO],
        rows,
    )


def ratio(rate: float, floor: float) -> str:
    """``rate`` as a multiple of the floor, with two significant digits for the slowest pages."""
    if not floor:
        return DASH
    value = rate / floor
    if value >= 0.1:
        return f"{value:.2f}"
    return f"{value:.3f}" if value >= 0.01 else f"{value:.4f}"


def markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    """A Markdown table, padded to read well in a terminal; numbers are right-aligned."""
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        padded = [
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    rule = (
        "|"
        + "|".join(
            "-" * (width + 2) if i == 0 else "-" * (width + 1) + ":"
            for i, width in enumerate(widths)
        )
        + "|"
    )
    return "\n".join([line(headers), rule, *(line(row) for row in rows)]) + "\n"

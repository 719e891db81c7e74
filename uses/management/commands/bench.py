"""Benchmarks: how fast the public pages answer, as ratios to a floor, at any catalogue size.

``manage.py bench`` builds a throw-away database (an SQLite file in a temporary folder, or the
DATABASE_URL server's ``test_`` database) holding the article plus ``--uses`` synthetic published
uses, and then:

1. times every public page in-process with the page cache off (median and p95 ms, HTML size,
   queries);
2. serves the site under gunicorn as production does (DEBUG off, 2 sync workers, collected static
   files, behind a TLS proxy as far as Django can tell) twice, with the page cache on and off
   (``DJANGO_PAGE_CACHE``), and measures requests per second with ``wrk`` for the floor (a bare
   view answering precomputed bytes the size of a use page, through the same server and
   middleware), every page uncached, cached, and answering a conditional request with 304, in
   interleaved rounds so that the machine's drift hits every figure alike; each figure is also
   given as a multiple of the floor, which is what stays comparable between machines;
3. times an approval (submit and approve one change, as the admin does);
4. times the evidence import and export (``--import-rows 0`` skips it);
5. repeats the in-process figures on a second database in a child process (``--database-url``;
   SQLite by default when the main database is PostgreSQL).

The tests run the in-process parts; they never start gunicorn or wrk.
"""

import contextlib
import io
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import tablib
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from uses import importing, review
from uses.management.commands._bench_served import (
    PAGES,
    USE_PAGE,
    ServedRun,
    find_wrk,
    markdown_table,
)
from uses.models import Condition, Evidence, ImportJob, ImportStatus, Person, Publication, Source
from uses.resources import EvidenceResource
from uses.roles import EDITORS, REVIEWERS
from uses.synthetic import add_published_uses

APPROVALS = 9


class Command(BaseCommand):
    help = "Measure the public pages against a bare-view floor, in-process and under gunicorn."

    def add_arguments(self, parser):
        parser.add_argument(
            "--uses", type=int, default=10_000, help="Synthetic published uses to add."
        )
        parser.add_argument(
            "--seconds", type=int, default=3, help="Length of each wrk run (0: no served run)."
        )
        parser.add_argument(
            "--rounds", type=int, default=3, help="Interleaved rounds over every URL."
        )
        parser.add_argument("--repeat", type=int, default=10, help="In-process requests per page.")
        parser.add_argument(
            "--import-rows", type=int, default=10_000, help="Rows of the evidence import (0: skip)."
        )
        parser.add_argument(
            "--database-url",
            default=None,
            help="A second database for the in-process figures (default: SQLite when the main "
            "database is PostgreSQL; none otherwise).",
        )
        parser.add_argument(
            "--in-process-only",
            action="store_true",
            help="Only the in-process figures and approval time (what a second database runs).",
        )

    def handle(self, *args, uses, seconds, rounds, repeat, import_rows, **options):
        in_process_only = options["in_process_only"]
        serve = seconds > 0 and rounds > 0 and not in_process_only
        wrk = find_wrk() if serve else ""
        # Stopped with SIGTERM, the run still stops its servers and drops its database.
        signal.signal(signal.SIGTERM, stop)
        # Measure as production runs: without DEBUG's log of every query.
        settings.DEBUG = False
        with (
            tempfile.TemporaryDirectory(prefix="naltrexone-bench-") as folder,
            throwaway_database(Path(folder)) as database_url,
        ):
            started = time.perf_counter()
            build_site(uses)
            built = time.perf_counter() - started
            total = Publication.objects.current().conditions().count()
            self.stdout.write(
                f"\n## {total:,} published uses on {connection.vendor} (built in {built:.0f} s)\n"
            )
            pages = measure_pages(PAGES, repeat)
            self.stdout.write(
                f"In-process, page cache off, {repeat} requests a page "
                f"(median and 95th percentile):\n"
            )
            self.stdout.write(in_process_table(pages))
            approval = measure_approval(APPROVALS)
            self.stdout.write(
                f"\nApproval (submit + approve one change, as the admin does), median of "
                f"{APPROVALS}: {statistics.median(approval):.0f} ms "
                f"(all: {', '.join(f'{ms:.0f}' for ms in approval)} ms)\n"
            )
            if serve:
                floor_file = Path(folder) / "floor.html"
                floor_file.write_bytes(Client(HTTP_HOST="127.0.0.1").get(USE_PAGE).content)
                served = ServedRun(
                    wrk=wrk,
                    folder=Path(folder),
                    database_url=database_url,
                    floor_file=floor_file,
                    seconds=seconds,
                    rounds=rounds,
                    write=self.stdout.write,
                )
                problems = served.run()
            else:
                problems = []
            if import_rows:
                self.bench_import_export(import_rows)
        if not in_process_only:
            self.second_database(
                options["database_url"], uses=uses, repeat=repeat, import_rows=import_rows
            )
        if problems:
            raise CommandError("Some pages did not answer as they should:\n" + "\n".join(problems))

    def second_database(self, url: str | None, *, uses: int, repeat: int, import_rows: int) -> None:
        """The in-process figures on another database, in a child process configured for it."""
        if url is None:
            if connection.vendor != "postgresql":
                return
            url = "sqlite:///" + str(Path(tempfile.gettempdir()) / "naltrexone-bench.sqlite3")
        command = [
            sys.executable, "manage.py", "bench", "--in-process-only",
            "--uses", str(uses), "--repeat", str(repeat), "--import-rows", str(import_rows),
        ]  # fmt: skip
        self.stdout.flush()
        result = subprocess.run(
            command,
            cwd=settings.BASE_DIR,
            env={**os.environ, "DATABASE_URL": url},
            capture_output=True,
            text=True,
            check=False,
        )
        self.stdout.write(result.stdout)
        if result.returncode:
            raise CommandError(f"The benchmark on the second database failed:\n{result.stderr}")

    def bench_import_export(self, rows: int) -> None:
        """An evidence file checked and imported as a worker does it (uses.importing), then
        exported; and the Python memory that reading and checking it take at their peak."""
        conditions = list(Condition.objects.values_list("slug", flat=True))
        sources = list(Source.objects.values_list("key", flat=True))
        data = evidence_csv(
            rows,
            conditions,
            sources,
            key="bench",
            claim="small studies suggest a benefit that needs confirming.",
            rationale="“Small studies”: design not stated.",
        )
        self.stdout.write(f"\nEvidence import of {rows:,} rows ({len(data) / 1e6:.1f} MB of CSV):")
        editor = get_user_model().objects.get_or_create(username="bench-editor")[0]
        # At any size: past the row limit too.
        with override_settings(IMPORT_MAX_ROWS=max(rows, settings.IMPORT_MAX_ROWS)):
            job = ImportJob.objects.create(
                model="evidence", file_format=0, file_name="bench.csv", data=data, created_by=editor
            )
            total = 0.0
            for step, confirm in (("check (preview)", False), ("import (confirm)", True)):
                if confirm:
                    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.IMPORTING)
                started = time.perf_counter()
                importing.run(job.pk, confirm=confirm)
                elapsed = time.perf_counter() - started
                total += elapsed
                job.refresh_from_db()
                expected = ImportStatus.IMPORTED if confirm else ImportStatus.READY
                if job.status != expected:
                    raise AssertionError(f"the benchmark file did not import: {job.report}")
                self.stdout.write(f"  {step:<18} {elapsed:>6.1f} s  {rows / elapsed:>6.0f} rows/s")
            self.stdout.write(f"  {'both':<18} {total:>6.1f} s")
            self.stdout.write(f"  peak Python memory, reading and checking: {check_memory(data)}")
            if rows >= LIMITS_FROM_ROWS:  # a benchmark's size, not a test's (40 s more)
                largest = file_at_the_limits(conditions, sources)
                self.stdout.write(
                    f"  the same, a file at the limits ({settings.IMPORT_MAX_ROWS:,} rows): "
                    f"{check_memory(largest, xlsx=False)}"
                )
        exported_rows = Evidence.objects.count()
        for fmt in ("csv", "xlsx", "json"):
            started = time.perf_counter()
            exported = EvidenceResource().export().export(fmt)
            elapsed = time.perf_counter() - started
            size = len(exported) / 1e6
            self.stdout.write(
                f"  export {fmt:<11} {elapsed:>6.1f} s  {exported_rows:,} rows, {size:.1f} MB"
            )


def check_memory(csv: bytes, *, xlsx: bool = True) -> str:
    """Peak Python memory (tracemalloc) of reading the file, as CSV (and as XLSX), and checking
    it: what a worker holds for an import besides the site's code."""
    parts = []
    formats = [("CSV", csv)]
    if xlsx:
        formats.append(("XLSX", tablib.Dataset().load(csv.decode()).export("xlsx")))
    for fmt, content in formats:
        tracemalloc.start()
        try:
            if fmt == "CSV":
                loaded = tablib.Dataset().load(content.decode(), format="csv")
            else:
                loaded = tablib.Dataset().load(content, format="xlsx")
            EvidenceResource().import_data(loaded, dry_run=True)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        parts.append(f"{fmt} ({len(content) / 1e6:.1f} MB) {peak / 1e6:.0f} MB")
    return ", ".join(parts)


LIMITS_FROM_ROWS = 1000


def file_at_the_limits(conditions: list[str], sources: list[str]) -> bytes:
    """A CSV as large as an upload may be, in as many rows as a file may have: the most a worker
    is asked to hold."""
    rows = settings.IMPORT_MAX_ROWS
    claim = ("Small studies suggest a benefit that needs confirming. " * 100)[
        : settings.IMPORT_MAX_UPLOAD_BYTES // rows - 150
    ]
    return evidence_csv(rows, conditions, sources, key="largest", claim=claim)


def evidence_csv(rows: int, conditions, sources, *, key: str, claim: str, rationale="") -> bytes:
    """``rows`` valid claims, numbered, spread over the uses and sources given, as CSV."""
    dataset = tablib.Dataset(headers=IMPORT_HEADERS)
    for number in range(rows):
        dataset.append(
            [
                f"{key}-{number}",
                conditions[number % len(conditions)],
                number,
                f"Claim {number}: {claim}",
                "observational",
                "low",
                "benefit",
                rationale,
                sources[number % len(sources)],
                "",
            ]
        )
    return dataset.export("csv").encode()


IMPORT_HEADERS = [
    "key", "condition", "position", "claim", "design", "certainty", "direction", "rationale",
    "sources", "citation_needed",
]  # fmt: skip


def stop(signum, frame):
    raise SystemExit(128 + signum)


# The throw-away site ---------------------------------------------------------------------------


@contextlib.contextmanager
def throwaway_database(folder: Path):
    """A fresh, migrated database for the run (SQLite: a file in ``folder``); yields its URL."""
    test_settings = connection.settings_dict["TEST"]
    old_name, old_test_name = connection.settings_dict["NAME"], test_settings["NAME"]
    if connection.vendor == "sqlite":
        # A file, not memory: the gunicorn workers must open the same database.
        test_settings["NAME"] = str(folder / "bench.sqlite3")
    else:
        # Neither the test suite's database nor another benchmark's, which may be in use.
        test_settings["NAME"] = f"bench_{os.getpid()}_{old_name}"
    with contextlib.redirect_stdout(io.StringIO()):  # createcachetable's "already exists"
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield database_url(connection.settings_dict)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        test_settings["NAME"] = old_test_name


def database_url(database: dict) -> str:
    """The DATABASE_URL that opens ``database`` (a Django DATABASES entry)."""
    if database["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{database['NAME']}"
    user = quote(database["USER"] or "", safe="")
    password = quote(database["PASSWORD"] or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    port = f":{database['PORT']}" if database["PORT"] else ""
    return f"postgres://{credentials}{database['HOST'] or ''}{port}/{database['NAME']}"


def build_site(uses: int) -> None:
    """The article plus ``uses`` published synthetic uses."""
    call_command("load_article", verbosity=0)
    add_published_uses(uses)
    if connection.vendor == "postgresql":
        # What autovacuum soon does on a live server after a bulk load (since PostgreSQL 13 it
        # vacuums tables that only grew, too): table statistics, and the visibility map that
        # lets a count read an index alone. VACUUM cannot run in a transaction (a test's).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")


# In-process figures ----------------------------------------------------------------------------


@dataclass
class PageFigures:
    url: str
    median_ms: float
    p95_ms: float
    size: int
    queries: int


def page_cache_off():
    """Render every request: the page cache reads ``PAGE_CACHE_ENABLED`` (env
    ``DJANGO_PAGE_CACHE``)."""
    return override_settings(PAGE_CACHE_ENABLED=False)


def measure_pages(urls: list[str], repeat: int) -> list[PageFigures]:
    client = Client(HTTP_HOST="127.0.0.1")
    figures = []
    with page_cache_off():
        for url in urls:
            # Every request empties the query log (request_started): count from empty, at once.
            reset_queries()
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            queries = len(captured)
            if response.status_code != 200:
                raise CommandError(f"{url} answered {response.status_code}, not 200")
            timings = []
            for _ in range(repeat):
                started = time.perf_counter()
                client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
            figures.append(
                PageFigures(
                    url=url,
                    median_ms=statistics.median(timings) if timings else 0.0,
                    p95_ms=percentile(timings, 95),
                    size=len(response.content),
                    queries=queries,
                )
            )
    return figures


def percentile(values: list[float], percent: int) -> float:
    """The nearest-rank percentile (the slowest of few values, as a p95 of 10 should be)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = -(-len(ordered) * percent // 100)  # ceiling
    return ordered[max(rank, 1) - 1]


def in_process_table(pages: list[PageFigures]) -> str:
    return markdown_table(
        ["page", "median ms", "p95 ms", "KB", "queries"],
        [
            [f"`{page.url}`", f"{page.median_ms:.1f}", f"{page.p95_ms:.1f}",
             f"{page.size / 1000:.0f}", str(page.queries)]
            for page in pages
        ],
    )  # fmt: skip


def measure_approval(times: int) -> list[float]:
    """Milliseconds to submit and approve one change to a published use, ``times`` times, after
    one that is not timed (as a page's first request is not): it warms what every approval
    then finds ready, the ORM's caches and the reviewer's first credit."""
    User = get_user_model()
    editor, _ = User.objects.get_or_create(username="bench-editor", defaults={"is_staff": True})
    editor.groups.set(Group.objects.filter(name=EDITORS))
    approver, _ = User.objects.get_or_create(username="bench-reviewer", defaults={"is_staff": True})
    approver.groups.set(Group.objects.filter(name=REVIEWERS))
    Person.objects.get_or_create(
        user=approver,
        defaults={"name": "Bench Reviewer", "slug": "bench-reviewer", "credentials": "MD"},
    )
    entry = Condition.objects.get(slug="fibromyalgia")
    summary = entry.summary
    timings = []
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        for number in range(times + 1):
            entry.summary = f"{summary} (Benchmark change {number}.)"
            entry.save()
            started = time.perf_counter()
            submission = review.submit(entry=entry, user=editor, public_note="Benchmark change.")
            review.approve(submission=submission, reviewer=approver)
            timings.append((time.perf_counter() - started) * 1000)
    return timings[1:]

"""Benchmarks: how fast the public pages answer with a site of many published uses.

Runs in a throw-away test database (SQLite in memory by default, or the DATABASE_URL server's
``test_`` database), so it never touches real content.
"""

import resource
import statistics
import time

import tablib
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext

from uses.models import Condition, Evidence, Person, Publication, Source
from uses.resources import EvidenceResource
from uses.serializers import condition_queryset
from uses.services import publish

PAGES = [
    "/",
    "/uses/",
    "/uses/?category=pain&certainty=low&q=pain",
    "/uses/fibromyalgia/",
    "/topics/mechanism-of-action/",
    "/sources/",
    "/people/michael-espelin/",
    "/evidence/",
    "/sitemap.xml",
    "/feed/",
]


class Command(BaseCommand):
    help = "Time the public pages on the article plus many synthetic published uses."

    def add_arguments(self, parser):
        parser.add_argument("--uses", type=int, default=300, help="Synthetic uses to add.")
        parser.add_argument("--repeat", type=int, default=30, help="Requests per page.")
        parser.add_argument(
            "--import-rows", type=int, default=10_000, help="Rows of the evidence import (0: skip)."
        )

    def handle(self, *args, uses, repeat, import_rows, **options):
        # Measure as production runs: without DEBUG's log of every query.
        settings.DEBUG = False
        old_name = connection.settings_dict["NAME"]
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        try:
            started = time.perf_counter()
            self.build_site(uses)
            built = time.perf_counter() - started
            total = Publication.objects.current().conditions().count()
            self.stdout.write(
                f"Site: {total} published uses on {connection.vendor}, built in {built:.1f} s. "
                f"{repeat} requests per page."
            )
            self.stdout.write(f"{'page':<45} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
            for url in PAGES:
                median, p95, queries = self.time_page(url, repeat)
                self.stdout.write(f"{url:<45} {median:>10.1f} {p95:>8.1f} {queries:>8}")
            if import_rows:
                self.bench_import_export(import_rows)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)

    def build_site(self, uses: int) -> None:
        call_command("load_article", verbosity=0)
        reviewer = Person.objects.get(slug="michael-espelin")
        template = condition_queryset().get(slug="fibromyalgia")
        sources = list(Source.objects.all()[:3])
        for number in range(uses):
            condition = Condition.objects.create(
                name=f"Synthetic use {number}",
                slug=f"synthetic-use-{number}",
                category=template.category,
                summary=f"{template.summary} ({number})",
                body=template.body,
                author=template.author,
                position=1000 + number,
            )
            for item in template.evidence.all():
                evidence = Evidence.objects.create(
                    condition=condition,
                    claim=item.claim,
                    design=item.design,
                    certainty=item.certainty,
                    direction=item.direction,
                    citation_needed=item.citation_needed,
                )
                evidence.sources.set(sources)
            publish(entry=condition, reviewer=reviewer, change_note="Benchmark data")

    def time_page(self, url: str, repeat: int) -> tuple[float, float, int]:
        client = Client(HTTP_HOST="127.0.0.1")
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        queries = len(captured)
        if response.status_code != 200:
            raise AssertionError(f"{url} answered {response.status_code}")
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
        return statistics.median(timings), p95, queries

    def bench_import_export(self, rows: int) -> None:
        """Preview, confirm and export of an evidence file, as the admin runs them."""
        conditions = list(Condition.objects.values_list("slug", flat=True))
        sources = list(Source.objects.values_list("key", flat=True))
        dataset = tablib.Dataset(headers=IMPORT_HEADERS)
        for number in range(rows):
            dataset.append(
                [
                    f"bench-{number}",
                    conditions[number % len(conditions)],
                    number,
                    f"Claim {number}: small studies suggest a benefit that needs confirming.",
                    "observational",
                    "low",
                    "benefit",
                    "“Small studies”: design not stated.",
                    sources[number % len(sources)],
                    "",
                ]
            )
        data = dataset.export("csv").encode()
        self.stdout.write(f"\nEvidence import of {rows:,} rows ({len(data) / 1e6:.1f} MB of CSV):")
        for step, dry_run in (("preview (dry run)", True), ("confirm", False)):
            rss_before = peak_rss_mb()
            started = time.perf_counter()
            loaded = tablib.Dataset().load(data.decode(), format="csv")
            result = EvidenceResource().import_data(
                loaded, dry_run=dry_run, rollback_on_validation_errors=True
            )
            elapsed = time.perf_counter() - started
            if result.has_errors() or result.has_validation_errors():
                raise AssertionError("the benchmark file did not import cleanly")
            self.stdout.write(
                f"  {step:<18} {elapsed:>6.1f} s  {rows / elapsed:>6.0f} rows/s  "
                f"peak memory +{peak_rss_mb() - rss_before:.0f} MB"
            )
            del result, loaded
        total = Evidence.objects.count()
        for fmt in ("csv", "xlsx", "json"):
            started = time.perf_counter()
            exported = EvidenceResource().export().export(fmt)
            elapsed = time.perf_counter() - started
            size = len(exported) / 1e6
            self.stdout.write(
                f"  export {fmt:<11} {elapsed:>6.1f} s  {total:,} rows, {size:.1f} MB"
            )


IMPORT_HEADERS = [
    "key", "condition", "position", "claim", "design", "certainty", "direction", "rationale",
    "sources", "citation_needed",
]  # fmt: skip


def peak_rss_mb() -> float:
    """The process's peak resident memory so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

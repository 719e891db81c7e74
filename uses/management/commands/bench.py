"""Benchmarks: how fast the public pages answer with a site of many published uses.

Runs in a throw-away test database (SQLite in memory by default, or the DATABASE_URL server's
``test_`` database), so it never touches real content.
"""

import statistics
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext

from uses.models import Condition, Evidence, Person, Publication, Source
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

    def handle(self, *args, uses, repeat, **options):
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
        reset_queries()  # with DEBUG on, the log holds the build's queries
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        if response.status_code != 200:
            raise AssertionError(f"{url} answered {response.status_code}")
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
        return statistics.median(timings), p95, len(captured)

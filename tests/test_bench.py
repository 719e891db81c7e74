"""The benchmark's parts that need neither gunicorn nor wrk, so that ``make bench`` cannot rot."""

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings

from naltrexone_site import bench_urls
from uses.management.commands import _bench_served as served
from uses.management.commands import bench
from uses.models import Publication


def test_the_floor_answers_its_precomputed_bytes_through_the_middleware(client, settings):
    settings.ROOT_URLCONF = "naltrexone_site.bench_urls"
    response = client.get(served.FLOOR)
    assert response.status_code == 200
    assert response.content == bench_urls.FLOOR_BYTES
    assert "Content-Security-Policy" in response.headers  # the same middleware as every page


def test_production_has_no_floor(client):
    assert client.get(served.FLOOR).status_code == 404


@pytest.mark.django_db
def test_the_bench_urlconf_serves_the_real_site_too(client, settings, published_site):
    settings.ROOT_URLCONF = "naltrexone_site.bench_urls"
    assert client.get("/uses/fibromyalgia/").status_code == 200


@pytest.mark.django_db
def test_the_in_process_figures_cover_every_public_page():
    bench.build_site(3)
    assert Publication.objects.current().conditions().filter(slug="synthetic-use-2").exists()
    pages = bench.measure_pages(bench.PAGES, repeat=2)
    assert [page.url for page in pages] == bench.PAGES
    for page in pages:
        assert page.queries > 0, page.url
        assert page.size > 300, page.url  # the sitemap index is the smallest
        assert 0 < page.median_ms <= page.p95_ms, page.url
    table = bench.in_process_table(pages)
    assert table.count("\n") == len(bench.PAGES) + 2


@pytest.mark.django_db
def test_the_approval_figure_times_real_approvals():
    bench.build_site(0)
    timings = bench.measure_approval(2)
    assert len(timings) == 2  # after one that is not timed
    current = Publication.objects.current().conditions().get(slug="fibromyalgia")
    assert "(Benchmark change 2.)" in current.summary
    assert current.submission.submitted_by.username == "bench-editor"


WRK_OUTPUT = """Running 3s test @ http://127.0.0.1:8000/uses/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    61.93ms   12.01ms 142.01ms   81.12%
    Req/Sec   129.03     21.18   170.00     70.00%
  774 requests in 3.01s, 10.95MB read
  Socket errors: connect 0, read 0, write 0, timeout 2
  Non-2xx or 3xx responses: 5
Requests/sec:    257.23
Transfer/sec:      3.64MB
"""


def test_wrk_output_gives_the_rate_and_what_went_wrong():
    rate, errors = served.parse_wrk(WRK_OUTPUT)
    assert rate == 257.23
    assert "5 answers were not 2xx or 3xx" in errors
    assert "timeout 2" in errors
    clean = WRK_OUTPUT.replace("  Socket errors: connect 0, read 0, write 0, timeout 2\n", "")
    assert served.parse_wrk(clean.replace("  Non-2xx or 3xx responses: 5\n", "")) == (257.23, "")


def test_the_served_table_gives_each_page_its_ratio_to_the_floor():
    medians = {
        (served.FLOOR, "floor"): 4000.0,
        ("/", "uncached"): 1000.0,
        ("/", "cached"): 3600.0,
        ("/", "304"): 4400.0,
        ("/feed/", "uncached"): 200.0,
        ("/feed/", "cached"): 3000.0,
        ("/sources/", "uncached"): 0.0,
    }
    lines = served.served_table(medians, ["/", "/feed/", "/sources/"], 4).splitlines()
    assert len(lines) == 6
    assert [cell.strip() for cell in lines[3].strip("|").split("|")] == [
        "`/`", "1000", "0.25", "3600", "0.90", "4400", "1.10",
    ]  # fmt: skip
    assert [cell.strip() for cell in lines[4].strip("|").split("|")] == [
        "`/feed/`", "200", "0.050", "3000", "0.75", served.DASH, served.DASH,
    ]  # fmt: skip
    # No answer within a 4-second run: slower than a quarter of a request a second.
    assert "< 0.25" in lines[5] and "< 0.0001" in lines[5]


def test_the_command_runs_its_in_process_part_on_a_throwaway_database():
    """The whole command, as a child process: it builds and drops its own database."""
    result = subprocess.run(
        [sys.executable, "manage.py", "bench", "--in-process-only", "--uses", "3",
         "--repeat", "1", "--import-rows", "30"],
        cwd=django_settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "naltrexone_site.settings"},
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "published uses on" in result.stdout
    for url in bench.PAGES:
        assert f"`{url}`" in result.stdout
    assert "Approval (submit + approve one change" in result.stdout
    # The import, as a worker runs it: checked, then imported, and its memory.
    assert "Evidence import of 30 rows" in result.stdout
    assert "check (preview)" in result.stdout and "import (confirm)" in result.stdout
    assert "peak Python memory, reading and checking: CSV" in result.stdout


def test_the_file_at_the_limits_is_as_large_as_an_upload_may_be_and_imports(db, settings):
    """What the benchmark measures the memory of: a file a worker may really be given."""
    import tablib

    from tests import factories
    from uses.resources import EvidenceResource

    settings.IMPORT_MAX_ROWS, settings.IMPORT_MAX_UPLOAD_BYTES = 20, 40_000
    factories.make_condition(slug="lupus")
    factories.make_source(key="trial")
    data = bench.file_at_the_limits(["lupus"], ["trial"])
    assert 0.9 * 40_000 < len(data) <= 40_000
    dataset = tablib.Dataset().load(data.decode(), format="csv")
    result = EvidenceResource().import_data(dataset, dry_run=True)
    assert result.totals["new"] == 20 and not result.has_validation_errors()

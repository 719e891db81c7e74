"""Settings for ``manage.py bench`` only: the real settings, plus the benchmark's floor page.

The benchmark serves the site under gunicorn with these settings so that the floor (a bare view
returning precomputed bytes) goes through the same server and middleware as the real pages.
Production never loads this module, so it has no such address.
"""

from naltrexone_site.settings import *  # noqa: F403

ROOT_URLCONF = "naltrexone_site.bench_urls"

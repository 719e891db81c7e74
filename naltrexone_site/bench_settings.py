"""Settings for ``manage.py bench`` only: the real settings, plus the benchmark's floor page.

The benchmark serves the site under gunicorn with these settings so that the floor (a bare view
returning precomputed bytes) goes through the same server and middleware as the real pages.
Production never loads this module, so it has no such address.
"""

import os

from naltrexone_site.settings import *  # noqa: F403
from naltrexone_site.settings import STATIC_ROOT

ROOT_URLCONF = "naltrexone_site.bench_urls"
# collectstatic runs into the benchmark's temporary folder, never over a deployment's files.
STATIC_ROOT = os.environ.get("DJANGO_BENCH_STATIC_ROOT") or STATIC_ROOT

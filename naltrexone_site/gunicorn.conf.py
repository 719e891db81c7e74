"""gunicorn's settings in production:
``gunicorn -c naltrexone_site/gunicorn.conf.py naltrexone_site.wsgi``.

Each can be changed from the environment (the README's production section lists them).
"""

import multiprocessing
import os

import gunicorn.http.wsgi

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers, as Django's docs start from: two per core and one more.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# A request taking longer is stuck: its worker is replaced. Imports still run inside the request,
# so this leaves room for the largest accepted file.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# Workers are replaced now and then, so that no slow leak grows for ever.
max_requests = 5000
max_requests_jitter = 500
# The TLS proxy in front (nginx, a load balancer) says which requests came over HTTPS.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(f)s" "%(a)s"'
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# Responses name no server software or version (gunicorn says "gunicorn" in every response and
# has no setting for it; its responses read the name from this module when they are made).
gunicorn.http.wsgi.SERVER = "naltrexone_site"

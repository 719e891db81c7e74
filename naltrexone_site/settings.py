"""Settings for naltrexone_site, in one file, configured by environment variables.

Development needs no variables at all. With ``DJANGO_DEBUG`` off (production) the site refuses to
start without a real ``DJANGO_SECRET_KEY`` and an explicit ``DJANGO_ALLOWED_HOSTS``.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)

_DEV_SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", _DEV_SECRET_KEY)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")

if not DEBUG:
    if SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured(
            "DJANGO_DEBUG is off: set DJANGO_SECRET_KEY to a random value "
            "of at least 50 characters."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "DJANGO_DEBUG is off: set DJANGO_ALLOWED_HOSTS to the site's host names."
        )

SITE_URL = os.environ.get("DJANGO_SITE_URL", "http://127.0.0.1:8000" if DEBUG else "").rstrip("/")
if not SITE_URL:
    raise ImproperlyConfigured(
        "DJANGO_DEBUG is off: set DJANGO_SITE_URL to the public address, e.g. https://example.org "
        "(canonical links, the feed, the sitemap and emails use it)."
    )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.flatpages",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "django_filters",
    "import_export",
    "simple_history",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "uses",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before whitenoise, so that static files carry these headers too.
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "uses.middleware.CrossOriginResourcePolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files: precompressed, never re-gzipped
    # Compresses what the views below return, with its BREACH padding (admin pages carry CSRF
    # tokens); public pages come compressed from their cache and pass through untouched.
    "django.middleware.gzip.GZipMiddleware",
    "uses.middleware.PrivateErrorsMiddleware",
    "uses.middleware.RefuseNulCharactersMiddleware",
    # Headers for every response, cached public pages included (they are served just below).
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # A public page in the page cache is answered here, before the rest: none of it changes one.
    "uses.middleware.PublicPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

# Login lockout (django-axes): after DJANGO_LOGIN_FAILURE_LIMIT wrong passwords for one username
# from one address, that pair is refused for DJANGO_LOGIN_LOCKOUT_MINUTES, even with the right
# password. A success resets the count; `manage.py axes_reset_username NAME` lifts a lockout now.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(
    minutes=int(os.environ.get("DJANGO_LOGIN_LOCKOUT_MINUTES", "30"))
)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "locked_out.html"

ROOT_URLCONF = "naltrexone_site.urls"

TEMPLATES = [
    {
        # The admin, its overrides in templates/admin, and the emails. First: pytest-django's
        # --fail-on-template-vars applies to the first engine.
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "uses.context_processors.site",
            ],
        },
    },
    {
        # The public pages (uses.jinja, templates/jinja2/).
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "NAME": "jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "uses.jinja.environment",
            "context_processors": ["uses.context_processors.site"],
        },
    },
]

WSGI_APPLICATION = "naltrexone_site.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A write-ahead log: a commit syncs one file once instead of a rollback journal and then the
    # database (a third of an approval's time on SQLite went to its two commits), and readers
    # never wait for a writer. Durability is unchanged: synchronous stays FULL.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = "PRAGMA journal_mode=WAL"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Rendered public pages, keyed by the public record's version (uses/http.py): a change is seen by
# every server at its next request whatever this cache is, so each process keeps its own by
# default. Several servers may share one to render each page once, through Django's backends:
# DJANGO_PAGE_CACHE_BACKEND=django.core.cache.backends.redis.RedisCache (needs the `redis`
# package) and DJANGO_PAGE_CACHE_LOCATION=redis://127.0.0.1:6379/1.
PAGE_CACHE_ALIAS = "pages"
# DJANGO_PAGE_CACHE=off renders every public page on every request (validators stay): what
# `make bench` measures as "uncached".
PAGE_CACHE_ENABLED = env_bool("DJANGO_PAGE_CACHE", True)
PAGE_CACHE = {
    "BACKEND": os.environ.get(
        "DJANGO_PAGE_CACHE_BACKEND", "django.core.cache.backends.locmem.LocMemCache"
    ),
    "LOCATION": os.environ.get("DJANGO_PAGE_CACHE_LOCATION", "public-pages"),
    "TIMEOUT": int(os.environ.get("DJANGO_PAGE_CACHE_TIMEOUT", str(60 * 60 * 24))),
    "KEY_PREFIX": "page",
}
if "locmem" in PAGE_CACHE["BACKEND"]:  # most recently used first; a full cache drops a third
    PAGE_CACHE["OPTIONS"] = {
        "MAX_ENTRIES": int(os.environ.get("DJANGO_PAGE_CACHE_MAX_ENTRIES", "500"))
    }
# What browsers and CDNs may keep a public page for, and serve stale while they revalidate it.
PUBLIC_PAGE_MAX_AGE = int(os.environ.get("DJANGO_PUBLIC_PAGE_MAX_AGE", "60"))
PUBLIC_PAGE_STALE_WHILE_REVALIDATE = int(
    os.environ.get("DJANGO_PUBLIC_PAGE_STALE_WHILE_REVALIDATE", "600")
)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    PAGE_CACHE_ALIAS: PAGE_CACHE,
    # How far a background import has got, for its page (uses/importing.py): written outside the
    # database, which the import's transaction holds until it ends. Files on this machine by
    # default; when the workers and the web servers are on several machines, a cache they share
    # (DJANGO_PROGRESS_CACHE_BACKEND=django.core.cache.backends.redis.RedisCache and its
    # DJANGO_PROGRESS_CACHE_LOCATION). Without it a page shows elapsed time, not rows done.
    "progress": {
        "BACKEND": os.environ.get(
            "DJANGO_PROGRESS_CACHE_BACKEND", "django.core.cache.backends.filebased.FileBasedCache"
        ),
        "LOCATION": os.environ.get(
            "DJANGO_PROGRESS_CACHE_LOCATION", str(BASE_DIR / "var" / "progress")
        ),
        "TIMEOUT": 60 * 60,
    },
}
# Background work (uses/tasks.py): imports, review emails, culling expired uploads and the
# review reminders. The queue is a table of the site's database, so no other server is needed:
# `manage.py db_worker` runs beside the web server, and several workers on several machines
# share the queue (each task is claimed by one).
# Two queues: "export" (the static export, below) for a worker on the machine that serves it.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "export"]}}

# The public site as files for nginx or a CDN (uses/export.py, `manage.py export_site DIR`). Set,
# a task on the "export" queue brings that folder up to date after each change to the public
# record; searches and filters nginx passes to the app at DJANGO_STATIC_EXPORT_APP.
STATIC_EXPORT_DIR = os.environ.get("DJANGO_STATIC_EXPORT_DIR", "")
STATIC_EXPORT_APP = os.environ.get("DJANGO_STATIC_EXPORT_APP", "http://127.0.0.1:8000")

IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
IMPORT_MAX_UPLOAD_BYTES = int(
    os.environ.get("DJANGO_IMPORT_MAX_UPLOAD_BYTES", str(20 * 1024 * 1024))
)
# What an XLSX (a zip) may unpack to, checked before it is opened: 800 KB of one repeated
# character unpacked to 1.7 GB in a worker's memory.
IMPORT_MAX_UNPACKED_BYTES = int(
    os.environ.get("DJANGO_IMPORT_MAX_UNPACKED_BYTES", str(100 * 1024 * 1024))
)
# Rows in one file. Imports run in the background (uses/tasks.py), so no request waits for them;
# this bounds a worker's time and memory: 10,000 rows took about 100 s a pass on SQLite.
IMPORT_MAX_ROWS = int(os.environ.get("DJANGO_IMPORT_MAX_ROWS", "20000"))
IMPORT_MAX_CELL_CHARS = int(os.environ.get("DJANGO_IMPORT_MAX_CELL_CHARS", "50000"))
# An upload waits an hour for its confirmation; a finished import's report (and the entries it
# changed, for submitting them) a week. A worker deletes both once they are past it.
IMPORT_UPLOAD_TTL = int(os.environ.get("DJANGO_IMPORT_UPLOAD_TTL", str(60 * 60)))
IMPORT_REPORT_TTL = int(os.environ.get("DJANGO_IMPORT_REPORT_TTL", str(7 * 24 * 60 * 60)))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

SITE_ID = 1

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Development serves static files straight from static/; production from collectstatic's output.
STATIC_ROOT = (
    None if DEBUG else Path(os.environ.get("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
)
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
FIXTURE_DIRS = [BASE_DIR / "fixtures"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# History is kept for every working-copy change; reverting through it would bypass the
# stale-form check, so editors restore old text by editing instead.
SIMPLE_HISTORY_REVERT_DISABLED = True

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "editorial@localhost")
# For the SMTP backend (django.core.mail.backends.smtp.EmailBackend).
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10  # a mail server that hangs never holds a worker for long
# Where readers report an error: the footer and the editorial policy link to it. Unset, the site
# offers no address rather than one nobody reads.
EDITORIAL_EMAIL = os.environ.get("DJANGO_EDITORIAL_EMAIL", "").strip()
if EDITORIAL_EMAIL:
    try:
        validate_email(EDITORIAL_EMAIL)
    except ValidationError as error:
        raise ImproperlyConfigured(
            f"DJANGO_EDITORIAL_EMAIL is not an email address: {EDITORIAL_EMAIL!r}."
        ) from error

# Security headers. The Content-Security-Policy allows no inline script or style anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# No page uses a device or a powerful browser feature: none may, nor anything a page embeds.
PERMISSIONS_POLICY = {
    feature: []
    for feature in [
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    ]
}
# Other sites may link to our pages but not load our files into theirs.
CROSS_ORIGIN_RESOURCE_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# An admin session lasts a working day from its last change (login, a saved form), then asks for
# the password again. Changing a password ends the user's other sessions (Django's session hash).
SESSION_COOKIE_AGE = int(os.environ.get("DJANGO_SESSION_HOURS", "9")) * 60 * 60
CSRF_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}

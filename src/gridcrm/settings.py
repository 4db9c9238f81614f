"""Django settings, read from the environment through :mod:`gridcrm.env`.

Variables (all optional in the demo):

- ``GRIDCRM_PRODUCTION`` — on: a secret key must be given, debug must stay off.
- ``GRIDCRM_DEBUG`` — off unless set.
- ``DATABASE_URL`` — ``sqlite:///path`` or ``postgres://user@host:port/db``;
  default an SQLite file ``var/gridcrm.sqlite3``.
- ``GRIDCRM_VAR`` — the folder for local state (default ``var/`` in the checkout).
- ``GRIDCRM_LAKE`` — the Parquet fact lake (default ``var/lake``; any fsspec URL).
- ``GRIDCRM_ENGINE`` — the analytics engine, ``duckdb`` (default) or ``spark``.
- ``GRIDCRM_SECRET_KEY`` — required in production; generated into ``var/`` otherwise.
- ``GRIDCRM_ALLOWED_HOSTS`` — comma-separated; default localhost only.
- ``GRIDCRM_TRUSTED_PROXY`` — behind a TLS-terminating proxy, the header it sets for HTTPS
  (``X-Forwarded-Proto`` or ``Header=value``); unset, a request is as secure as it arrived.
- ``GRIDCRM_CSRF_TRUSTED_ORIGINS`` — comma-separated origins (``https://crm.example.cn``)
  whose form posts are accepted when they differ from the host the server sees.
- ``GRIDCRM_HSTS_SECONDS`` — the HSTS max-age; default one year in production, off otherwise.
- ``GRIDCRM_SSL_REDIRECT`` — redirect HTTP to HTTPS; default on in production.
- ``GRIDCRM_LOGIN_FAILURE_LIMIT`` / ``GRIDCRM_LOGIN_COOLOFF_MINUTES`` — failed logins (per
  username, and per address) before login is refused, and for how long (10, 15).
- ``GRIDCRM_TOKEN_DAYS`` — the default lifetime of a new API token (90).
- ``GRIDCRM_UPLOAD_MAX_MB_<KIND>`` — the largest upload of each kind, in MB: ``CUSTOMERS``
  (512), ``LAKE`` (1024), ``ATTACHMENT`` (10), ``EVIDENCE`` (10), ``CREDIT_LIST`` (20).
- ``GRIDCRM_UPLOAD_MAX_ROWS`` (20,000,000), ``GRIDCRM_UPLOAD_MAX_CELL_CHARS`` (32,767),
  ``GRIDCRM_UPLOAD_XLSX_MAX_UNPACKED_MB`` (1024), ``GRIDCRM_UPLOAD_XLSX_MAX_RATIO`` (100):
  the bounds of an uploaded table (see docs/security.md, "Uploads").
- ``GRIDCRM_KEEP_DAYS_UPLOADS`` / ``_REJECTS`` / ``_EXPORTS`` — days an uploaded file, a
  reject file and an export are kept before ``gridcrm purge_files`` deletes them (30, 30, 7).
- ``EMAIL_HOST`` / ``EMAIL_PORT`` / ``EMAIL_HOST_USER`` / ``EMAIL_HOST_PASSWORD`` /
  ``EMAIL_USE_TLS`` / ``DEFAULT_FROM_EMAIL`` — the SMTP server of the e-mail channel; without
  ``EMAIL_HOST`` the channel is not configured.
- ``GRIDCRM_SMS_GATEWAY_URL`` / ``GRIDCRM_SMS_GATEWAY_SECRET`` / ``GRIDCRM_SMS_SIGN_NAME`` and
  ``GRIDCRM_WECHAT_GATEWAY_URL`` / ``GRIDCRM_WECHAT_GATEWAY_SECRET`` /
  ``GRIDCRM_WECHAT_TEMPLATE_ID`` — the HTTP gateways of SMS and WeChat template messages
  (docs/channels.md); without a URL and a secret the channel is not configured.
- ``GRIDCRM_GATEWAY_TIMEOUT`` (10 s), ``GRIDCRM_CALLBACK_WINDOW`` (300 s: how old a signed
  delivery callback may be), ``GRIDCRM_DELIVERY_MAX_ATTEMPTS`` (5) and
  ``GRIDCRM_DELIVERY_BACKOFF_SECONDS`` (60: the wait after the first failure, doubled after
  each further one).
- ``GRIDCRM_FIELD_KEYS`` — comma-separated AES-256 keys of the personal fields at rest
  (phones, ID numbers), the current one first; required in production.
- ``GRIDCRM_HASH_KEY`` — comma-separated HMAC keys of their search hashes, the current one
  first; required in production. Without either, development derives both from the
  secret key (docs/security.md, "At rest").
- ``GRIDCRM_IMPORT_BATCH_ROWS`` — rows of a customer import per transaction (20,000).
- ``GRIDCRM_JOB_HEARTBEAT_SECONDS`` / ``GRIDCRM_JOB_LEASE_SECONDS`` — how often a running
  job says it is alive (30), and after how long without a word it counts as interrupted
  (300).
- ``GRIDCRM_REDIS_URL`` — cache and sessions in Redis (``redis://127.0.0.1:6379/0``);
  unset, a per-process memory cache and sessions in the database.
- ``GRIDCRM_CACHE_PREFIX`` — the prefix of this installation's keys in Redis (``gridcrm``).
- ``GRIDCRM_ALERT_ESCALATE_HOURS`` — hours an alert may stay unacknowledged before
  ``gridcrm alerts_sweep`` escalates it to the next level (24).
- ``GRIDCRM_METRICS_ALLOWED_NETS`` — comma-separated networks that may read ``/metrics``
  and the details of ``/healthz`` without a token (``127.0.0.1/32,::1/128``).
- ``GRIDCRM_PIPELINE_MAX_AGE_HOURS`` — how old the last completed rating batch may be
  before ``/healthz`` reports the pipeline check failed (48).
- ``PROMETHEUS_MULTIPROC_DIR`` — with several gunicorn workers, an empty folder where
  they share their request metrics (docs/deploy.md, "Health and metrics").
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from gridcrm.env import (
    env_bool,
    env_choice,
    env_database,
    env_int,
    env_keys,
    env_list,
    env_networks,
    env_origins,
    env_proxy_header,
    env_redis,
    env_secret_key,
    env_str,
)

PACKAGE_DIR = Path(__file__).resolve().parent
CHECKOUT_DIR = PACKAGE_DIR.parent.parent
VAR_DIR = Path(env_str("GRIDCRM_VAR", str(CHECKOUT_DIR / "var"))).resolve()

PRODUCTION = env_bool("GRIDCRM_PRODUCTION", default=False)
DEBUG = env_bool("GRIDCRM_DEBUG", default=False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("GRIDCRM_DEBUG must be off when GRIDCRM_PRODUCTION is on.")

SECRET_KEY = env_secret_key(
    "GRIDCRM_SECRET_KEY", production=PRODUCTION, key_file=VAR_DIR / "secret_key"
)
# Personal fields at rest (``gridcrm.core.sealing``). Empty lists: development derives a
# fixed key from SECRET_KEY; production refuses to start (system check core.E001/E002).
FIELD_KEYS = env_keys("GRIDCRM_FIELD_KEYS", field_keys=True)
HASH_KEYS = env_keys("GRIDCRM_HASH_KEY", field_keys=False)
ALLOWED_HOSTS = env_list("GRIDCRM_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_origins("GRIDCRM_CSRF_TRUSTED_ORIGINS")
# Behind a TLS proxy Django sees plain HTTP: without this the CSRF check refuses every
# login posted from the https:// origin, and secure cookies and HSTS never apply.
SECURE_PROXY_SSL_HEADER = env_proxy_header("GRIDCRM_TRUSTED_PROXY")

DATABASES = {"default": env_database("DATABASE_URL", default_sqlite=VAR_DIR / "gridcrm.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LAKE_URL = env_str("GRIDCRM_LAKE", str(VAR_DIR / "lake"))
ENGINE = env_choice("GRIDCRM_ENGINE", choices=("duckdb", "spark"), default="duckdb")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    # Listed so that /api/docs serves Swagger UI from the package, not from a CDN (CSP).
    "ninja",
    "csp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "django_prometheus",
    "gridcrm.core",
    "gridcrm.users",
    "gridcrm.archive",
    "gridcrm.jobs",
    "gridcrm.lake",
    "gridcrm.service",
    "gridcrm.load",
    "gridcrm.credit",
    "gridcrm.billing",
    "gridcrm.keyaccounts",
    "gridcrm.portal",
    "gridcrm.grid",
    "gridcrm.safety",
    "gridcrm.alerts",
    "gridcrm.demo",
    "gridcrm.ops",
    "gridcrm.web",
]

MIDDLEWARE = [
    # First and last: a request's latency as the server spends it (the /metrics histograms).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "gridcrm.web.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before the CSRF check, which is the first to read a page's form body.
    "gridcrm.web.errors.UploadRefusalMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Customers stay on the portal: every staff page answers them 404.
    "gridcrm.web.middleware.CustomerWallMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "gridcrm.web.errors.DomainErrorMiddleware",
    "csp.middleware.CSPMiddleware",
    "gridcrm.web.middleware.NoStoreMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "gridcrm.urls"
# A refused form post (no valid CSRF token) gets the layout's error page, not Django's.
CSRF_FAILURE_VIEW = "gridcrm.web.error_pages.csrf_failure"
WSGI_APPLICATION = "gridcrm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gridcrm.web.context_processors.navigation",
            ],
            # The formatting filters (num, qty, pct, day, when, person, display) on
            # every page without a {% load %}: one formatting policy (core/formats.py).
            "builtins": ["gridcrm.core.templatetags.fmt"],
        },
    },
]

AUTH_USER_MODEL = "users.User"
# Roles are the only source of business permissions, superusers included.
# django-axes first: it refuses a locked-out login before a password is checked.
AUTHENTICATION_BACKENDS = [
    "gridcrm.users.backends.ThrottleBackend",
    "gridcrm.users.backends.RoleBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling (django-axes): after this many failures for one username, or from one
# address, login is refused for the cool-off, whatever the password; a success resets the
# count. The API's bearer tokens count their failures by address the same way.
AXES_FAILURE_LIMIT = env_int("GRIDCRM_LOGIN_FAILURE_LIMIT", default=10, minimum=1)
AXES_COOLOFF_TIME = dt.timedelta(
    minutes=env_int("GRIDCRM_LOGIN_COOLOFF_MINUTES", default=15, minimum=1)
)
AXES_LOCKOUT_PARAMETERS = "gridcrm.users.tokens.lockout_parameters"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "gridcrm.users.tokens.lockout_response"
if SECURE_PROXY_SSL_HEADER:
    # Behind the proxy every request comes from the proxy's address: count the client's,
    # the last one the proxy appended to X-Forwarded-For.
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    AXES_IPWARE_PROXY_COUNT = 1
    AXES_IPWARE_PROXY_ORDER = "right-most"
API_TOKEN_DAYS = env_int("GRIDCRM_TOKEN_DAYS", default=90, minimum=1)
# Rows of a customer import written per transaction: a crash loses at most one batch.
ALERT_ESCALATE_HOURS = env_int("GRIDCRM_ALERT_ESCALATE_HOURS", default=24, minimum=1)
IMPORT_BATCH_ROWS = env_int("GRIDCRM_IMPORT_BATCH_ROWS", default=20_000, minimum=1)
JOB_HEARTBEAT_SECONDS = env_int("GRIDCRM_JOB_HEARTBEAT_SECONDS", default=30, minimum=1)
JOB_LEASE_SECONDS = env_int(
    "GRIDCRM_JOB_LEASE_SECONDS", default=300, minimum=2 * JOB_HEARTBEAT_SECONDS
)

# Operations (gridcrm.ops, docs/deploy.md "Health and metrics"): who may read /metrics
# and the details of /healthz without a token, and how old the last batch may be.
METRICS_ALLOWED_NETS = env_networks("GRIDCRM_METRICS_ALLOWED_NETS", ["127.0.0.1/32", "::1/128"])
PIPELINE_MAX_AGE_HOURS = env_int("GRIDCRM_PIPELINE_MAX_AGE_HOURS", default=48, minimum=1)
# The request histograms' buckets (seconds): pages take tens of milliseconds, imports
# and exports are jobs, so nothing a request does should take a minute.
PROMETHEUS_LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

# Channels that carry notices and login codes out (docs/channels.md).
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", default=25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", default=10, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "GridCRM <noreply@localhost>")
GRIDCRM_SMS_GATEWAY_URL = env_str("GRIDCRM_SMS_GATEWAY_URL", "")
GRIDCRM_SMS_GATEWAY_SECRET = env_str("GRIDCRM_SMS_GATEWAY_SECRET", "")
GRIDCRM_SMS_SIGN_NAME = env_str("GRIDCRM_SMS_SIGN_NAME", "国网供电")
GRIDCRM_WECHAT_GATEWAY_URL = env_str("GRIDCRM_WECHAT_GATEWAY_URL", "")
GRIDCRM_WECHAT_GATEWAY_SECRET = env_str("GRIDCRM_WECHAT_GATEWAY_SECRET", "")
GRIDCRM_WECHAT_TEMPLATE_ID = env_str("GRIDCRM_WECHAT_TEMPLATE_ID", "")
GRIDCRM_GATEWAY_TIMEOUT = env_int("GRIDCRM_GATEWAY_TIMEOUT", default=10, minimum=1)
GRIDCRM_CALLBACK_WINDOW = env_int("GRIDCRM_CALLBACK_WINDOW", default=300, minimum=1)
GRIDCRM_DELIVERY_MAX_ATTEMPTS = env_int("GRIDCRM_DELIVERY_MAX_ATTEMPTS", default=5, minimum=1)
GRIDCRM_DELIVERY_BACKOFF_SECONDS = env_int(
    "GRIDCRM_DELIVERY_BACKOFF_SECONDS", default=60, minimum=1
)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
# Thousands grouped by "," and ISO dates in both languages (core/formats.py).
FORMAT_MODULE_PATH = ["gridcrm.core.locale_formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    # plotly.js from the installed plotly package (no CDN).
    "gridcrm.web.staticfiles.PlotlyFinder",
]
# ``gridcrm collectstatic`` (a deploy step; ``gridcrm demo`` runs it before serving)
# gathers the files into STATIC_ROOT under hashed names with brotli and gzip copies,
# which WhiteNoise serves compressed with a ten-year cache (docs/deploy.md, "Static
# files"). Outside production, a file not collected yet is served from the app folders
# under its plain name; the tests serve them so (tests/conftest.py).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "gridcrm.web.staticfiles.StaticStorage"},
}
WHITENOISE_USE_FINDERS = not PRODUCTION
# Only the hashed copies are kept (and compressed): half the work of each collectstatic.
WHITENOISE_KEEP_ONLY_HASHED_FILES = True
# Brotli quality of the compressed copies: the best in production (collected once per
# deploy); a fast one elsewhere (the demo collects at every start). plotly.js: 1.11 MB
# at 11 in about a minute, 1.29 MB at 5 in a second.
STATIC_BROTLI_QUALITY = 11 if PRODUCTION else 5

# Several server processes (gunicorn's workers, the task worker) share one cache and the
# sessions through Redis when it is configured: a login is seen by every worker, and a
# session read costs no database query.
REDIS_URL = env_redis("GRIDCRM_REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("GRIDCRM_CACHE_PREFIX", "gridcrm"),
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("GRIDCRM_SSL_REDIRECT", default=PRODUCTION)
# Load balancers and Prometheus ask gunicorn itself, over plain HTTP on a local address:
# a redirect to https:// would answer them 301 instead of the health or the metrics.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env_int("GRIDCRM_HSTS_SECONDS", default=31_536_000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy (django-csp): scripts only from this site — htmx and plotly.js
# are served from installed packages, and no template has an inline script or handler.
# Styles allow 'unsafe-inline' because plotly.js writes its own <style> element and
# inline style attributes at run time; no script can come in through a style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# Every handler masks phones and ID numbers in what it writes (``core.logmasking``):
# access lines carry query strings, and a search used to carry a phone.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"personal": {"()": "gridcrm.core.logmasking.PersonalDataFilter"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["personal"]},
        # Django's own access log of ``runserver``, replaced to add the filter.
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["personal"],
        },
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "gridcrm": {"level": "INFO"},
        # Django's default sends its records to a debug-only console handler without
        # the filter (and to mail_admins): here they go through the filtered one.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}


# Uploaded files (change-request evidence); served only through views that check scope.
MEDIA_ROOT = VAR_DIR / "media"

# Uploads (gridcrm.core.uploads): the largest file of each kind, held while the body
# streams in by the first upload handler; and the bounds of the tables read from them.
_UPLOAD_DEFAULT_MB = {"customers": 512, "lake": 1024, "attachment": 10, "evidence": 10}
_UPLOAD_DEFAULT_MB["credit_list"] = 20
UPLOAD_MAX_BYTES = {
    kind: env_int(f"GRIDCRM_UPLOAD_MAX_MB_{kind.upper()}", default=mb, minimum=1) * 1024**2
    for kind, mb in _UPLOAD_DEFAULT_MB.items()
}
UPLOAD_MAX_ROWS = env_int("GRIDCRM_UPLOAD_MAX_ROWS", default=20_000_000, minimum=1)
# Excel's own limit for one cell.
UPLOAD_MAX_CELL_CHARS = env_int("GRIDCRM_UPLOAD_MAX_CELL_CHARS", default=32_767, minimum=1)
UPLOAD_XLSX_MAX_UNPACKED_BYTES = (
    env_int("GRIDCRM_UPLOAD_XLSX_MAX_UNPACKED_MB", default=1024, minimum=1) * 1024**2
)
UPLOAD_XLSX_MAX_RATIO = env_int("GRIDCRM_UPLOAD_XLSX_MAX_RATIO", default=100, minimum=1)
FILE_UPLOAD_HANDLERS = [
    "gridcrm.core.upload_handler.BoundedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Retention (gridcrm.core.retention): days each kind of file is kept.
KEEP_DAYS = {
    "uploads": env_int("GRIDCRM_KEEP_DAYS_UPLOADS", default=30, minimum=1),
    "rejects": env_int("GRIDCRM_KEEP_DAYS_REJECTS", default=30, minimum=1),
    "exports": env_int("GRIDCRM_KEEP_DAYS_EXPORTS", default=7, minimum=1),
}

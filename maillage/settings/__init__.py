"""Maillage settings: laptop defaults, production hardening with MAILLAGE_ENV=production.

All values come from environment variables through `environment`; nothing here is specific to a
hosting provider. See the README's "Configuration" section for the list.
"""

import ipaddress
from importlib.util import find_spec
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from . import environment as env
from .content_security import content_security_policy

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env.read_str("MAILLAGE_VAR_DIR", str(BASE_DIR.parent / "var")))

MAILLAGE_ENV = env.read_str("MAILLAGE_ENV", "development")
PRODUCTION = MAILLAGE_ENV == "production"
if MAILLAGE_ENV not in {"development", "production", "test"}:
    raise ValueError(f"MAILLAGE_ENV={MAILLAGE_ENV!r}: expected development, production or test")

DEBUG = env.read_bool("DEBUG", default=False)

if PRODUCTION:
    SECRET_KEY = env.read_str("SECRET_KEY")
    if len(SECRET_KEY) < 50:
        raise ValueError("SECRET_KEY must be set to a random string of at least 50 characters")
else:
    SECRET_KEY = env.read_str("SECRET_KEY") or env.read_or_create_secret(VAR_DIR / "secret_key")

ALLOWED_HOSTS = env.read_list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.read_list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # The admin, its admin.py modules imported with the URLs rather than at every start-up.
    "maillage.common.admin_config.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django_htmx",
    "ninja",  # its templates and static files: the API docs page works offline
    # Before django_tasks_db, so that its `db_worker` command is the one Maillage wraps.
    "maillage.common",
    "django_tasks",
    "maillage.common.third_party_apps.TasksDatabaseConfig",  # django_tasks_db, named in French
    "maillage.common.third_party_apps.AxesConfig",  # axes, named in French
    "csp",  # its system checks catch settings in django-csp's pre-4.0 format
    "maillage.accounts",
    "maillage.audit",
    "maillage.territories",
    "maillage.places",
    "maillage.members",
    "maillage.bookings",
    "maillage.checkins",
    "maillage.organisations",
    "maillage.governance",
    "maillage.sharing",
    "maillage.opendata",
    "maillage.planning",
    "maillage.federation",
    "maillage.declarations",
    "maillage.legal",
    "maillage.events",
    "maillage.observatory",
    "maillage.devtools",  # load_demo, export_openapi: the top layer, imported by nothing
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so that static files get the policy too (an SVG opened on its own
    # cannot run a script either).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise, which serves static files already compressed (brotli and gzip files made
    # by collectstatic in production); above everything that writes the body. Pages that print
    # a secret stay uncompressed (BREACH): see maillage/common/compression.py.
    "maillage.common.compression.CompressionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "maillage.common.languages.QueryLanguageMiddleware",  # ?lang=en: each language its address
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes requires, so that it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "maillage.urls"
WSGI_APPLICATION = "maillage.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "places:home"
LOGOUT_REDIRECT_URL = "places:home"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Brute-force protection: lock an (username, address) pair after 5 failures for one hour.
AXES_FAILURE_LIMIT = env.read_int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env.read_bool("AXES_ENABLED", default=True)
# The lockout page says in French what happened and for how long (status 429).
AXES_LOCKOUT_CALLABLE = "maillage.accounts.views.lockout"
# Reverse proxies in front of the server (0: clients connect directly). Behind a proxy every
# request comes from its address: the lockout (and axes' log lines) must read the client's from
# X-Forwarded-For instead, and only as many entries as there are proxies to trust.
TRUSTED_PROXIES = env.read_int("TRUSTED_PROXIES", default=0)
AXES_CLIENT_IP_CALLABLE = "maillage.common.clients.client_address"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "maillage.common.context_processors.site",
            ],
        },
    },
]


def _database_config() -> dict:
    url = env.read_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'maillage.sqlite3'}"
    # Connections are kept between requests, SQLite's too: opening one and running the PRAGMAs
    # below took a quarter of a millisecond, an eighth of an API list request.
    config = dj_database_url.parse(url, conn_max_age=60)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # IMMEDIATE transactions take the write lock up front, so concurrent writers queue
        # instead of failing with "database is locked" half-way through; WAL lets readers go on.
        # Write transactions are short (an import commits every batch), so a writer waits for a
        # fraction of a second; the 20 s timeout stays as a safety net for the rare long ones
        # (loading the territories, a migration), where a late answer beats an error.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                " PRAGMA busy_timeout=20000;"
            ),
        }
    else:
        config.setdefault("OPTIONS", {})
        config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASES = {"default": _database_config()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Production keeps its cache in the database (`maillage createcachetable`), shared by every
# server; REDIS_URL (redis://host:6379/0) puts it in Redis instead, with Django's own backend
# (the `redis` package must be installed). Development and tests keep it in memory.
REDIS_URL = env.read_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache"
            if PRODUCTION
            else "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "maillage_cache",
        }
    }

# The serialised GeoJSON of the whole map is kept this long in the cache (0: not kept); it is
# keyed by the data's version, so a change is visible at once (see places.api._geojson_body).
GEOJSON_CACHE_SECONDS = env.read_int("GEOJSON_CACHE_SECONDS", default=300)

TASKS = {"default": {"BACKEND": env.read_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
# Background jobs (maillage.common.jobs): transient database errors are retried this many times,
# after a pause that starts here and doubles (1+2+4+8+16 s outlasts a database restart); a job
# without a heartbeat for JOB_STALLED_AFTER_SECONDS is shown stalled and may be retried.
JOB_RETRY_ATTEMPTS = env.read_int("JOB_RETRY_ATTEMPTS", default=6)
JOB_RETRY_DELAY_SECONDS = env.read_int("JOB_RETRY_DELAY_SECONDS", default=1)
JOB_STALLED_AFTER_SECONDS = env.read_int("JOB_STALLED_AFTER_SECONDS", default=600)
# Pending or running jobs one person may have at once (an admin may give someone another quota).
PLAN_JOBS_PER_USER = env.read_int("PLAN_JOBS_PER_USER", default=3)
IMPORT_JOBS_PER_USER = env.read_int("IMPORT_JOBS_PER_USER", default=3)
# Days an uploaded import file is kept after its job ends (0: deleted at once).
IMPORT_FILE_RETENTION_DAYS = env.read_int("IMPORT_FILE_RETENTION_DAYS", default=0)

# Federation and webhooks (maillage.common.safefetch): addresses a fetched URL may reach although
# they are not public, as CIDR blocks (e.g. `10.0.0.0/8` for peers on the operator's network;
# the tests allow 127.0.0.0/8). Every other loopback, private or reserved address is refused.
FETCH_ALLOWED_NETWORKS = [
    str(ipaddress.ip_network(block, strict=False))
    for block in env.read_list("FETCH_ALLOWED_NETWORKS", default=[])
]
# Harvests of registered peers and webhook deliveries: how long one request may take in all,
# and the largest answer read from a peer.
FEDERATION_TIMEOUT_SECONDS = env.read_int("FEDERATION_TIMEOUT_SECONDS", default=30)
FEDERATION_MAX_RESPONSE_BYTES = env.read_int(
    "FEDERATION_MAX_RESPONSE_BYTES", default=20 * 1024 * 1024
)

# Mail: in development every message is written to var/mail/ and summarised on the console
# (maillage.common.mail_backends); production names its SMTP server with EMAIL_URL
# (smtp://user:password@host:port?tls=1, or ?ssl=1), and without one sends through the local
# mail server (localhost:25), never to a folder.
EMAIL_BACKEND = env.read_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "maillage.common.mail_backends.FolderBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
if env.read_str("EMAIL_URL"):
    globals().update(env.parse_email_url(env.read_str("EMAIL_URL")))
# Links in emails (confirmation, invitations) are absolute: built from the request when there is
# one, from SITE_URL otherwise (background tasks, commands); in production it defaults to
# https:// and the first of ALLOWED_HOSTS. Its host is also the domain of the stable UIDs of
# calendar events (a calendar recognises a booking it already has by its UID).
_DEFAULT_SITE_URL = (
    f"https://{ALLOWED_HOSTS[0].lstrip('.')}"
    if PRODUCTION and ALLOWED_HOSTS
    else "http://127.0.0.1:8000"
)
SITE_URL = env.read_str("SITE_URL", _DEFAULT_SITE_URL).rstrip("/")
# Days a confirmation, invitation or password-reset link stays valid.
ACCOUNT_LINK_DAYS = env.read_int("ACCOUNT_LINK_DAYS", default=3)
PASSWORD_RESET_TIMEOUT = ACCOUNT_LINK_DAYS * 24 * 3600
DEFAULT_FROM_EMAIL = env.read_str("DEFAULT_FROM_EMAIL", "Maillage <ne-pas-repondre@localhost>")

# Who publishes this instance, for the legal notice, the personal-data page and the contact page
# (loi n° 2004-575 du 21 juin 2004, art. 6-III; RGPD art. 13): each instance states its own.
# The defaults say plainly that they were not filled in; `check --deploy` warns about them in
# production (maillage.legal.checks).
PUBLISHER = {
    "name": env.read_str("PUBLISHER_NAME", ""),
    "legal_form": env.read_str("PUBLISHER_LEGAL_FORM", ""),
    "address": env.read_str("PUBLISHER_ADDRESS", ""),
    "siret": env.read_str("PUBLISHER_SIRET", ""),
    "email": env.read_str("PUBLISHER_EMAIL", ""),
    "phone": env.read_str("PUBLISHER_PHONE", ""),
    "director": env.read_str("PUBLISHER_DIRECTOR", ""),
    "dpo_email": env.read_str("PUBLISHER_DPO_EMAIL", ""),
    "host": env.read_str("HOST_NAME", ""),
    "host_address": env.read_str("HOST_ADDRESS", ""),
    "host_phone": env.read_str("HOST_PHONE", ""),
}
# The date of the last accessibility audit shown on the accessibility statement (ISO date).
ACCESSIBILITY_AUDIT_DATE = env.read_str("ACCESSIBILITY_AUDIT_DATE", "2026-12-01")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# django-leaflet ships Leaflet 1.9; only its static files are used, because its Django app pulls
# in GeoDjango (and so the GDAL system library) that Maillage does not need.
STATICFILES_DIRS = [Path(find_spec("leaflet").submodule_search_locations[0]) / "static"]
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.read_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Outside production WhiteNoise serves straight from the apps' static folders, so `make run`
# needs no collectstatic (and DEBUG can stay off); production serves the collected, hashed files.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Large imports are streamed from disk rather than held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024

MAP_TILES_URL = env.read_str("MAP_TILES_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILES_ATTRIBUTION = env.read_str(
    "MAP_TILES_ATTRIBUTION",
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
)

# One strict policy in every mode, so that development and the tests see what production
# enforces; the map's tile server is the only other origin (for images). See content_security.
CONTENT_SECURITY_POLICY = content_security_policy(tiles_url=MAP_TILES_URL)

NINJA_PAGINATION_MAX_LIMIT = 500

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.read_str("LOG_LEVEL", "INFO")},
    # WeasyPrint logs every step of every PDF report at INFO ("Step 5 - Creating layout…"),
    # and fontTools its font subsetting: their warnings are what an operator needs.
    "loggers": {
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

if PRODUCTION:
    SECURE_SSL_REDIRECT = env.read_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.read_int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# The licence of every export of places (issue 12 §4): `etalab-2.0` (Licence Ouverte 2.0, the
# default) or `odbl-1.0` (ODbL, when the instance mixes in OpenStreetMap data), and the name the
# attribution of the exports gives (the publisher's, else the instance's). See docs/data.md.
OPEN_DATA_LICENCE = env.read_str("OPEN_DATA_LICENCE", "etalab-2.0")
OPEN_DATA_ATTRIBUTION = env.read_str("OPEN_DATA_ATTRIBUTION", PUBLISHER["name"])

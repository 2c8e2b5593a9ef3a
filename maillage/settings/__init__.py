"""Maillage settings: laptop defaults, production hardening with MAILLAGE_ENV=production.

All values come from environment variables through `environment`; nothing here is specific to a
hosting provider. See the README's "Configuration" section for the list.
"""

from importlib.util import find_spec
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from . import environment as env

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
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # its templates and static files: the API docs page works offline
    "django_tasks",
    "django_tasks_db",
    "axes",
    "maillage.common",
    "maillage.accounts",
    "maillage.territories",
    "maillage.places",
    "maillage.opendata",
    "maillage.planning",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
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

NINJA_PAGINATION_MAX_LIMIT = 500

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.read_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
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

"""One settings module, configured by the environment.

Every variable is listed in the README. Defaults give a school PC an embedded SQLite
database under ``var/`` that needs no set-up.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url

PACKAGE_DIR = Path(__file__).resolve().parent


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# Where the database, uploaded files and the generated secret live. A school PC keeps
# everything in one folder, which is what `shuxiang backup` saves.
VAR_DIR = Path(os.environ.get("SHUXIANG_VAR_DIR", Path.cwd() / "var")).resolve()


def _secret_key() -> str:
    key = os.environ.get("SHUXIANG_SECRET_KEY")
    if key:
        return key
    # A key made once per installation and kept beside the database, so sessions survive
    # a restart without anyone having to invent a secret.
    path = VAR_DIR / "secret.key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        path.write_text(key)
        return key


SECRET_KEY = _secret_key()
DEBUG = _env_bool("SHUXIANG_DEBUG", False)
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("SHUXIANG_ALLOWED_HOSTS", "*").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("SHUXIANG_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "shuxiang.core",
    "shuxiang.catalog",
    "shuxiang.patrons",
    "shuxiang.circulation",
    "shuxiang.acquisitions",
    "shuxiang.sru",
    "shuxiang.search",
    "shuxiang.opac",
    "shuxiang.serials",
    "shuxiang.inventory",
    "shuxiang.reports",
    "shuxiang.sip2",
    "shuxiang.demo",
    "shuxiang.api",
    # The Django admin, for the deployment's superusers only, every change audited.
    "shuxiang.core.admin_apps.DeploymentAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
]

MIDDLEWARE = [
    "shuxiang.api.middleware.JsonErrorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "shuxiang.core.middleware.ContentSecurityPolicyMiddleware",  # django-csp, built once
    "shuxiang.core.sessions.IdleSessionMiddleware",
    "shuxiang.core.middleware.LibraryMiddleware",
    "shuxiang.core.middleware.FriendlyErrorsMiddleware",
    # Last, as django-axes asks: turns a locked-out login attempt into core.throttle's 429.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "shuxiang.urls"
WSGI_APPLICATION = "shuxiang.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "shuxiang.core.context_processors.shell",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------

SQLITE_PATH = VAR_DIR / "shuxiang.sqlite3"
DB_URL = os.environ.get("SHUXIANG_DB_URL", "").strip()

if DB_URL:
    _db = dj_database_url.parse(
        DB_URL, conn_max_age=int(os.environ.get("SHUXIANG_DB_CONN_MAX_AGE", "60"))
    )
else:
    # Kept open between requests like PostgreSQL's: a new SQLite connection starts with a
    # cold page cache and re-reads the schema, which costs more than a check-out itself.
    _db = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(SQLITE_PATH),
        "CONN_MAX_AGE": int(os.environ.get("SHUXIANG_DB_CONN_MAX_AGE", "60")),
    }

if _db["ENGINE"] == "django.db.backends.sqlite3":
    # select_for_update() does nothing on SQLite, so every transaction takes the write lock
    # at BEGIN (IMMEDIATE): two desks queue behind each other instead of failing with
    # "database is locked" half-way through. WAL lets readers go on meanwhile. The
    # writers queue on a lock file first (core/sqlite), so the next one starts the moment
    # the last one commits rather than when SQLite's busy handler next wakes up.
    _db["ENGINE"] = "shuxiang.core.sqlite"
    _db.setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA busy_timeout=30000;"
                "PRAGMA foreign_keys=ON;"
                "PRAGMA cache_size=-32000;"
                "PRAGMA temp_store=MEMORY;"
            ),
        }
    )
    # Tests run on a real SQLite file (WAL and all), not an in-memory database.
    _db.setdefault("TEST", {})["NAME"] = os.environ.get(
        "SHUXIANG_TEST_SQLITE_NAME", str(VAR_DIR / "test-shuxiang.sqlite3")
    )

DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- auth -----------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 6},
    },
]
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out account or address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "shuxiang.core.auth_backend.CachedModelBackend",
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:dashboard"
LOGOUT_REDIRECT_URL = "core:login"
# Library PCs are shared: a login ends after this many minutes without a request (the
# desk's scans count as activity), not at the end of the day.
SESSION_IDLE_MINUTES = int(os.environ.get("SHUXIANG_SESSION_IDLE_MINUTES", "30"))
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Django's database sessions, read with a statement made once per process (every scan).
SESSION_ENGINE = "shuxiang.core.sessions"
# Messages ("续借成功…") live in the session, not in a cookie of their own: logging out
# flushes the session, so a message nobody read never greets the next reader at a
# shared PC.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Login throttling (django-axes; core/throttle.py): after 10 failed logins an account,
# and separately an address, is locked for 15 minutes, on the staff login page and the
# API's token endpoint alike. A librarian can unlock a login on the logins page before.
AXES_FAILURE_LIMIT = 10
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# The message names the time the lockout ends; more tries during it do not move it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_DISABLE_ACCESS_LOG = True  # no database write per successful login
AXES_LOCKOUT_CALLABLE = "shuxiang.core.throttle.lockout_response"
AXES_VERBOSE = False
# How many reverse proxies stand in front (0: none); the caller's address is then read
# from X-Forwarded-For, so that logins behind a proxy do not share one address.
SHUXIANG_PROXY_COUNT = int(os.environ.get("SHUXIANG_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "shuxiang.core.throttle.client_address"

# --- security headers -----------------------------------------------------------------

# Served over HTTPS (directly or behind a proxy that sets X-Forwarded-Proto): cookies
# travel only encrypted and browsers are told to come back over HTTPS only (HSTS).
HTTPS = _env_bool("SHUXIANG_HTTPS", False)
if HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SHUXIANG_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Every script and style comes from the app itself (no CDN, no inline script), so a
# title or a reader's name that smuggles in markup cannot run. Inline style attributes
# stay allowed: the templates use a few for layout. The camera is for barcode scanning.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- language and time ----------------------------------------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS: list[str] = []
USE_I18N = True
TIME_ZONE = os.environ.get("SHUXIANG_TIME_ZONE", "Asia/Shanghai")
USE_TZ = True

# --- files ----------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("SHUXIANG_MEDIA_DIR", VAR_DIR / "media"))
# whitenoise serves the apps' static folders directly, so `serve` works without a
# collectstatic step on a school PC.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- Shuxiang -------------------------------------------------------------------------

# TrueType font with CJK glyphs embedded in every PDF; Debian's fonts-wqy-microhei by default.
SHUXIANG_CJK_FONT = os.environ.get("SHUXIANG_CJK_FONT", "")
# The library shown on the public site when a deployment holds several.
SHUXIANG_DEFAULT_LIBRARY = os.environ.get("SHUXIANG_LIBRARY", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SHUXIANG_LOG_LEVEL", "WARNING")},
}

NINJA_PAGINATION_PER_PAGE = 50

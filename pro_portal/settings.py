"""PRO Portal settings: one module, every value read from the environment.

With no environment at all the site runs embedded — SQLite, Celery tasks
in-process, e-mail to the console — so a newcomer can start it with nothing
else installed. Production sets ``DEBUG=false`` and must then provide a real
``SECRET_KEY``; every variable is parsed by a typed helper that fails loudly
on a bad value instead of silently falling back. The variables are listed in
README.md.
"""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_bool(name: str, *, default: bool) -> bool:
    """Read a boolean strictly: a typo such as ``DEBUG=flase`` is an error, not False."""
    raw = env.str(name, default="").strip().lower()
    if not raw:
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true or false).")


# A .env file is a convenience for development only; real deployments set the
# environment. Reading it never overrides variables already set.
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

DEBUG: bool = env_bool("DEBUG", default=True)
TESTING: bool = env_bool("PRO_PORTAL_TESTING", default=False)

_DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production"  # noqa: S105 - refused below when DEBUG is off
SECRET_KEY: str = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = _DEV_SECRET_KEY
elif not DEBUG and (SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured("SECRET_KEY must be a random string of at least 50 characters.")
SECRET_KEY_FALLBACKS: list[str] = env.list("SECRET_KEY_FALLBACKS", default=[])

# Data at rest (CPR numbers, stored summary PDFs) is encrypted with its own
# keys, never with SECRET_KEY, which signs sessions and may change on its own
# (pro_portal/crypto.py). Fernet keys: the first encrypts, every one decrypts;
# rotate by putting a new key first and running manage.py rotate_data_key.
_DEV_DATA_KEY = "fjxyaolBp0GlSy47Hvd19arlefqqNZKdDDcAwvVC_s0="  # refused below when DEBUG is off
DATA_ENCRYPTION_KEYS: list[str] = env.list("DATA_ENCRYPTION_KEYS", default=[])
if not DATA_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DATA_ENCRYPTION_KEYS must be set when DEBUG is off (see README, "
            "'Running production-like', for how to generate one)."
        )
    DATA_ENCRYPTION_KEYS = [_DEV_DATA_KEY]
elif not DEBUG and _DEV_DATA_KEY in DATA_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("DATA_ENCRYPTION_KEYS must not hold the development key.")
for _number, _key in enumerate(DATA_ENCRYPTION_KEYS, start=1):
    try:
        _valid = len(base64.urlsafe_b64decode(_key.encode("ascii"))) == 32
    except (ValueError, UnicodeEncodeError):
        _valid = False
    if not _valid:  # never echo the value: it is a secret
        raise ImproperlyConfigured(
            f"DATA_ENCRYPTION_KEYS: key {_number} of {len(DATA_ENCRYPTION_KEYS)} is not a "
            "Fernet key (32 random bytes in URL-safe base64, 44 characters)."
        )
# Before the data keys, django-fernet-encrypted-fields encrypted CPR numbers
# under a key derived from SECRET_KEY (and its fallbacks) with this salt. While
# DATA_ENCRYPTION_LEGACY_READ is on, that key is still tried for reading; turn
# it off once rotate_data_key has moved everything to the data keys.
DATA_ENCRYPTION_LEGACY_READ: bool = env_bool("DATA_ENCRYPTION_LEGACY_READ", default=True)
SALT_KEY: list[str] = env.list("FIELD_ENCRYPTION_SALT", default=["pro-portal-dev-salt"])
if not DEBUG and DATA_ENCRYPTION_LEGACY_READ and SALT_KEY == ["pro-portal-dev-salt"]:
    raise ImproperlyConfigured(
        "FIELD_ENCRYPTION_SALT must be set when DEBUG is off, to read data encrypted "
        "before DATA_ENCRYPTION_KEYS (or set DATA_ENCRYPTION_LEGACY_READ=false)."
    )
# A separate key for the keyed hash that lets staff look a patient up by exact
# CPR number without decrypting.
CPR_HASH_KEY: str = env.str("CPR_HASH_KEY", default="")
if not CPR_HASH_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("CPR_HASH_KEY must be set when DEBUG is off.")
    CPR_HASH_KEY = "dev-only-cpr-hash-key"

ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The address patients open invitation links at (e-mail, SMS, the secretary's
# page). No default in production: a guess (the development server's address)
# sent to patients is a dead link. Unset in DEBUG, links use the address the
# request came to, and the demo command the address it is given.
SITE_URL: str = env.str("SITE_URL", default="").rstrip("/")
if not SITE_URL and not DEBUG:
    raise ImproperlyConfigured(
        "SITE_URL must be set when DEBUG is off: the address patients open invitation "
        "links at, e.g. SITE_URL=https://pro.example.org (see README, 'Running production-like')."
    )
if SITE_URL and not re.fullmatch(r"https?://[^/\s]+(/\S*)?", SITE_URL):
    raise ImproperlyConfigured(
        f"SITE_URL must be an address starting with https:// (or http://), not {SITE_URL!r}."
    )

INSTALLED_APPS = [
    "pro_portal.apps.ProPortalConfig",
    "questionnaires.apps.QuestionnairesConfig",
    "scoring.apps.ScoringConfig",
    "django.contrib.admin.apps.SimpleAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "csp",  # only for its system checks (settings in the 4.x format)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "pro_portal.middleware.ClientAddressMiddleware",
    "pro_portal.middleware.StaffSessionMiddleware",
    # Last, so it sees the outcome of every login attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "pro_portal.urls"
WSGI_APPLICATION = "pro_portal.wsgi.application"
AUTH_USER_MODEL = "pro_portal.User"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pro_portal.context_processors.navigation",
                "pro_portal.regions.regions_context",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
# DATABASE_URL selects PostgreSQL (psycopg 3); without it, embedded SQLite.
# VAR_DIR holds the embedded database and private files unless configured elsewhere.
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"].endswith("postgresql") and env.bool(
    "DATABASE_SERVER_SIDE_BINDING", default=True
):
    # Parameters bound by the server, and a query prepared the fifth time a
    # connection runs it (Django leaves preparing off unless asked): PostgreSQL
    # then skips planning, which was a tenth of the day list's time
    # (tests/benchmarks/bench_day_list.py). Turn off behind a pooler in
    # transaction mode without prepared-statement support.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": 5}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: the Celery broker only ----------------------------------------------
# No request needs Redis (issue 12: while it was down for 5 s, 26 of 30 submits
# failed reading sessions through it). Sessions live in the database, and the
# cache — allauth's rate limits, its TOTP replay check, the kiosk's wrong-code
# pause, nothing on a hot path — is a table in the same database: a limit then
# keeps counting while Redis is down instead of failing open or closed.
# docs/architecture.md ("When Redis or a worker fails") lists each user.
REDIS_URL: str = env.str("REDIS_URL", default="")
if TESTING and REDIS_URL and (_worker := env.str("PYTEST_XDIST_WORKER", default="")):
    # The test suite runs in two processes (pytest-xdist, scripts/test.sh): each
    # has its own Redis database below the one given, so a real Celery worker
    # started by one process never takes the other's task.
    _base, _slash, _db = REDIS_URL.rpartition("/")
    REDIS_URL = f"{_base}/{int(_db or 0) - int(_worker.removeprefix('gw'))}"
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "pro_portal_cache",
        # Rate-limit windows and replay marks are short-lived; expired rows go
        # first when the table is culled, so a live limit is not forgotten.
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Celery reads every CELERY_* setting through pro_portal/celery.py.
CELERY_BROKER_URL: str = REDIS_URL or "memory://localhost/"
# Embedded default: no broker, tasks run in-process when enqueued.
CELERY_TASK_ALWAYS_EAGER: bool = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A worker process is replaced after this many tasks: WeasyPrint keeps about
# 0.25 MB per PDF rendered (measured, tests/benchmarks/bench_clinician.py), so
# a long-lived process would grow without bound.
CELERY_WORKER_MAX_TASKS_PER_CHILD: int = env.int("CELERY_WORKER_MAX_TASKS_PER_CHILD", default=500)
CELERY_TASK_SOFT_TIME_LIMIT: int = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=60)
CELERY_TASK_TIME_LIMIT: int = env.int("CELERY_TASK_TIME_LIMIT", default=90)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task taken by a worker that died without acknowledging it (kill -9, power
# loss) is delivered again after the visibility timeout; one that takes longer
# (its run plus a retry's countdown, at most 90 s + 300 s) would be delivered
# twice, which the idempotent tasks tolerate. The outbox sweep below usually
# hands lost work over sooner; this is the broker's own backstop.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=10 * 60)
}
# Celery beat (one process, `celery -A pro_portal beat`) starts the periodic
# tasks: the outbox sweep hands work that was lost (Redis restarted empty, a
# worker killed) to a worker again, and the PDF purge applies PDF_RETENTION_DAYS.
OUTBOX_SWEEP_SECONDS: int = env.int("OUTBOX_SWEEP_SECONDS", default=60)
# Work handed over this long ago and still unfinished counts as lost. Longer
# than a render takes (hard limit 90 s), short enough that a PDF lost with
# Redis is stored within 5 minutes of its return.
OUTBOX_RETRY_AFTER_SECONDS: int = env.int("OUTBOX_RETRY_AFTER_SECONDS", default=3 * 60)
# A safety answer saved but not sent (docs/library.md, "Saved but not sent"):
# this long after the last saved answer the inviting clinic is told. Long
# enough for a patient who paused to come back and send (most finish within
# minutes), short enough that the clinic hears of it the same working day.
UNSENT_SAFETY_AFTER_MINUTES: int = env.int("UNSENT_SAFETY_AFTER_MINUTES", default=120)
UNSENT_SAFETY_SWEEP_SECONDS: int = env.int("UNSENT_SAFETY_SWEEP_SECONDS", default=5 * 60)
# Responses left longer ago than this are not looked at: the first sweep after
# this feature shipped would otherwise raise every abandoned response ever.
UNSENT_SAFETY_LOOK_BACK_DAYS: int = env.int("UNSENT_SAFETY_LOOK_BACK_DAYS", default=14)
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {
        "task": "pro_portal.outbox_sweep",
        "schedule": float(OUTBOX_SWEEP_SECONDS),
        # A sweep not run before the next one is due is dropped, not stacked.
        "options": {"expires": float(OUTBOX_SWEEP_SECONDS)},
    },
    "purge-summary-pdfs": {
        "task": "scoring.purge_summary_pdfs",
        "schedule": 6 * 60 * 60.0,
        "options": {"expires": 60 * 60.0},
    },
    "unsent-safety-sweep": {
        "task": "questionnaires.unsent_safety_sweep",
        "schedule": float(UNSENT_SAFETY_SWEEP_SECONDS),
        "options": {"expires": float(UNSENT_SAFETY_SWEEP_SECONDS)},
    },
}

# --- Auth ------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

SESSION_COOKIE_AGE: int = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
# Staff are logged out after this long without a request (a shared PC in a
# consultation room). Patients at home have no time limit (WCAG 2.2.1).
STAFF_IDLE_TIMEOUT: int = env.int("STAFF_IDLE_TIMEOUT", default=30 * 60)

AUTHENTICATION_BACKENDS = [
    # Axes first: a locked-out username/address never reaches the others.
    "axes.backends.AxesStandaloneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# Staff accounts are created by clinic admins; nobody signs up.
ACCOUNT_ADAPTER = "pro_portal.auth.AccountAdapter"
ACCOUNT_FORMS = {"login": "pro_portal.auth.LoginForm"}
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PRESERVE_USERNAME_CASING = False
# Lockout after repeated failures: five wrong passwords for one username from
# one address lock that pair for 30 minutes (a shared clinic address does not
# lock out colleagues; a guessed username is not locked out for everyone).
AXES_FAILURE_LIMIT: int = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "pro_portal.auth.axes_username"
AXES_LOCKOUT_TEMPLATE = "account/lockout.html"
AXES_VERBOSE = False

# allauth's rate limits, set to match axes: per account, never per address
# alone — a clinic behind one NAT address must not lock out its colleagues.
# - "login" (allauth: 30 per minute per address) is off: axes locks per
#   username *and* address. A flood from one address is the proxy's to stop.
# - "login_failed" is the count of wrong second-factor codes (TOTP and
#   recovery codes) per user — allauth counts them under this key — with
#   axes' numbers: five wrong codes lock that user's second step for 30
#   minutes, and while locked even the right code is refused. allauth also
#   counts wrong *passwords* under this key, per login regardless of address;
#   pro_portal.auth.AccountAdapter leaves that to axes, so one lock and one
#   message for each step. The count lives in the cache: when the cache
#   cannot be read, the code step refuses every code (fails closed,
#   pro_portal.auth.AuthenticateForm).
# - Password-reset limits keep allauth's defaults (20 per minute per address,
#   5 per minute per e-mail): they guard e-mail sending, and never block a log-in.
ACCOUNT_RATE_LIMITS = {
    "login": None,
    "login_failed": f"{AXES_FAILURE_LIMIT}/{int(AXES_COOLOFF_TIME.total_seconds())}s/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "PRO Portal"
MFA_RECOVERY_CODE_COUNT = 10
MFA_FORMS = {
    "authenticate": "pro_portal.auth.AuthenticateForm",
    "reauthenticate": "pro_portal.auth.ReauthenticateForm",
    "activate_totp": "pro_portal.auth.ActivateTOTPForm",
}
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- i18n: Danish first, English available ---------------------------------------
LANGUAGE_CODE = "da"
LANGUAGES = [("da", _("Danish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Copenhagen"
USE_TZ = True

# --- Static files (vendored; no npm at run time) -------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Rendered summaries (PDFs) live outside every publicly served folder and are
# delivered only through an access-checked, audited view.
PRIVATE_FILES_ROOT = Path(env.str("PRIVATE_FILES_ROOT", default=str(VAR_DIR / "private")))
# How long rendered summary PDFs are kept (the summary page re-renders on demand).
PDF_RETENTION_DAYS: int = env.int("PDF_RETENTION_DAYS", default=90)

# Limits on files read by `manage.py import_fhir` and `score` (docs/definitions.md
# § Limits): the size is checked before reading, the nesting before parsing, the
# questionnaire's items after. The shipped library is far below each (its largest
# questionnaire exports to 0.19 MB of FHIR JSON nested 13 levels, with 72 items).
IMPORT_MAX_BYTES: int = env.int("IMPORT_MAX_BYTES", default=2_000_000)
IMPORT_MAX_DEPTH: int = env.int("IMPORT_MAX_DEPTH", default=64)
IMPORT_MAX_ITEMS: int = env.int("IMPORT_MAX_ITEMS", default=1000)
# How long an upload that collided on an id is kept (in the cache) while its
# importer chooses a new id or a new version in the browser.
IMPORT_UPLOAD_KEEP_SECONDS: int = env.int("IMPORT_UPLOAD_KEEP_SECONDS", default=60 * 60)

# Development and tests serve static files straight from the finders.
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- E-mail ----------------------------------------------------------------------
EMAIL_BACKEND: str = env.str(
    "EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL: str = env.str("DEFAULT_FROM_EMAIL", default="PRO Portal <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security (production values when DEBUG is off) -------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT: bool = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS: int = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy on every response (django-csp; docs/architecture.md,
# "Browser security"). Only this site's own static files run or style a page:
# no inline <script>, <style>, style="" or on…="" anywhere, no third-party
# origin, no eval. data: images are allowed for allauth's TOTP QR code and the
# small SVG icons inside Bootstrap's CSS (select arrow, check mark). The
# kiosk's keep-alive ping is the only fetch (connect-src 'self').
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
    },
}
# Permissions-Policy (django-permissions-policy): no page uses any of these
# browser features, so none may be used — not by us, not by anything injected.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
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
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}
# Number of reverse proxies in front of the app whose X-Forwarded-For we trust
# for the client address written to the audit log (0 = use REMOTE_ADDR).
TRUSTED_PROXY_COUNT: int = env.int("TRUSTED_PROXY_COUNT", default=0)
# Axes reads the client address the same way the audit log does.
AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if TRUSTED_PROXY_COUNT else ["REMOTE_ADDR"]
)

# --- Logging: structured, never patient identifiers -----------------------------------
LOG_LEVEL: str = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_cpr": {"()": "pro_portal.logging.RedactCprFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_cpr"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint and fontTools narrate every rendering step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

DEFAULT_EXCEPTION_REPORTER_FILTER = "pro_portal.logging.CprSafeExceptionReporterFilter"

ADMINS: list[tuple[str, str]] = [
    ("Admin", address) for address in env.list("ADMIN_EMAILS", default=[])
]

# --- Patient flows (questionnaires) --------------------------------------------------
# Invitation SMS go through a pluggable backend (a dotted class path, like
# EMAIL_BACKEND): the console by default, an in-memory outbox in tests.
SMS_BACKEND: str = env.str(
    "SMS_BACKEND",
    default=(
        "questionnaires.sms.LocmemSmsBackend" if TESTING else "questionnaires.sms.ConsoleSmsBackend"
    ),
)
# Waiting-room tablets: a dismissable warning after 60 s without input, and
# the session wiped after 90 s — checked by the server on every request.
KIOSK_IDLE_WARNING_SECONDS: int = env.int("KIOSK_IDLE_WARNING_SECONDS", default=60)
KIOSK_IDLE_WIPE_SECONDS: int = env.int("KIOSK_IDLE_WIPE_SECONDS", default=90)
KIOSK_COOKIE_NAME = "pro_portal_kiosk"
KIOSK_COOKIE_AGE = 400 * 24 * 60 * 60  # browsers cap cookies at 400 days
# Wrong birth dates before an invitation link or a visit code locks.
PATIENT_BIRTH_DATE_ATTEMPTS = 5

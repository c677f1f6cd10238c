"""Settings for kolk, read from the environment.

The defaults make `make run` work on a fresh machine with an embedded SQLite
database. They are demo values: with DEBUG off, kolk refuses to start while any
secret still has its demo value (see kolk.core.checks).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("KOLK_VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEMO_SECRET_KEY = "demo-only-secret-key-change-me-in-production-0123456789"  # noqa: S105 - refused without DEBUG
DEMO_AUDIT_KEY = "demo-only-audit-pseudonym-key"
DEMO_FIELD_KEY = "demo-only-field-encryption-key"

DEBUG = env_bool("KOLK_DEBUG", True)
SECRET_KEY = os.environ.get("KOLK_SECRET_KEY", DEMO_SECRET_KEY)
# Keyed HMAC for pseudonymous subject references in the audit log.
KOLK_AUDIT_KEY = os.environ.get("KOLK_AUDIT_KEY", DEMO_AUDIT_KEY)
# Key for encrypted fields (bank details); see docs/production.md for rotation.
KOLK_FIELD_KEY = os.environ.get("KOLK_FIELD_KEY", DEMO_FIELD_KEY)
# Former field keys (comma-separated) that still decrypt while `kolk billing rekey` runs.
KOLK_FIELD_KEY_PREVIOUS = tuple(env_list("KOLK_FIELD_KEY_PREVIOUS", ""))
# The creditor of SEPA direct debits (DNK); the demo values are valid in form only.
KOLK_SEPA_CREDITOR_ID = os.environ.get("KOLK_SEPA_CREDITOR_ID", "NL95ZZZ012345670000")
KOLK_SEPA_CREDITOR_IBAN = os.environ.get("KOLK_SEPA_CREDITOR_IBAN", "NL20INGB0001234567")
ALLOWED_HOSTS = env_list("KOLK_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("KOLK_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "kolk.core",
    "kolk.privacy",
    "kolk.people",
    "kolk.comms",
    "kolk.billing",
    "kolk.library",
    "kolk.boxoffice",
    "kolk.web",
    "kolk.desk",
    "kolk.api",
    "kolk.kiosk",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "kolk.core.edge.BadBytesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "kolk.core.edge.ApiLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "kolk.core.otp.StaffGateMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "kolk.core.edge.RefusalMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "kolk.web.security.SecurityHeadersMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kolk.urls"
WSGI_APPLICATION = "kolk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kolk.web.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{VAR_DIR / 'kolk.sqlite3'}",
        conn_max_age=int(os.environ.get("KOLK_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # WAL and a busy timeout let the web process and the worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "people.User"
# The data subject of the privacy core, named like AUTH_USER_MODEL so that
# kolk.privacy never imports a domain app.
PRIVACY_SUBJECT_MODEL = "people.Person"
# The processing register; another organisation ships its own file.
PRIVACY_REGISTER_FILE = os.environ.get("KOLK_PRIVACY_REGISTER", str(BASE_DIR / "privacy" / "register" / "dnk.yaml"))
# Erased subjects (ids only), appended outside the database so that erasures can
# be applied again after a restore from backup. Keep it apart from the backups.
KOLK_ERASURE_LOG = os.environ.get("KOLK_ERASURE_LOG", str(VAR_DIR / "erasure-log.jsonl"))
# Seal the audit chain right after each commit (the worker also seals), at most once
# per interval (seconds) in each process: under load one seal chains many requests.
AUDIT_SEAL_ON_COMMIT = env_bool("KOLK_AUDIT_SEAL_ON_COMMIT", True)
AUDIT_SEAL_INTERVAL = float(os.environ.get("KOLK_AUDIT_SEAL_INTERVAL", "1"))

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Members log in at the portal; staff pages send to the desk login themselves.
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "desk:home"
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "kolk.web.auth.UsernameOrPassBackend"]

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# Front-end libraries come from npm (package.json, installed by `make install` into
# node_modules/) and are served by kolk under static/vendor/, never from a CDN.
NODE_MODULES = Path(os.environ.get("KOLK_NODE_MODULES", PROJECT_DIR / "node_modules"))
STATICFILES_DIRS = [
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/jsqr", NODE_MODULES / "jsqr" / "dist"),
]

TASKS = {
    "default": {
        "BACKEND": os.environ.get("KOLK_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# Mollie (iDEAL) for online ticket payments; a test key never moves money.
KOLK_MOLLIE_API_KEY = os.environ.get("KOLK_MOLLIE_API_KEY", "test_demo0000000000000000000000000")

# Text messages (kolk.comms.sms): "cm" sends through CM.com's Business Messaging API with this
# product token; without both, kolk sends no text messages and offers no SMS choice.
KOLK_SMS_PROVIDER = os.environ.get("KOLK_SMS_PROVIDER", "")
KOLK_SMS_CM_PRODUCT_TOKEN = os.environ.get("KOLK_SMS_CM_PRODUCT_TOKEN", "")
KOLK_SMS_SENDER = os.environ.get("KOLK_SMS_SENDER", "DNK")

# SMTP. In development (DEBUG on, no KOLK_EMAIL_HOST) no SMTP server listens on the default
# address, so every mail is printed in the terminal of the process that sends it: under
# `make run`, the worker's (kolk.core.devmail).
EMAIL_BACKEND = os.environ.get(
    "KOLK_EMAIL_BACKEND",
    "kolk.core.devmail.EmailBackend"
    if DEBUG and not os.environ.get("KOLK_EMAIL_HOST")
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("KOLK_EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("KOLK_EMAIL_PORT", "1025"))
EMAIL_HOST_USER = os.environ.get("KOLK_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("KOLK_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("KOLK_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("KOLK_FROM_EMAIL", "DNK <contact@dnk.nl>")
# Where links in mails point (unsubscribe, portal); no trailing slash.
KOLK_SITE_URL = os.environ.get("KOLK_SITE_URL", "http://127.0.0.1:8000")

SESSION_ENGINE = "kolk.core.sessions"  # Django's database sessions, read with one plain statement
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 8  # a working day at most; the portal renews a shorter idle timeout per page
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("KOLK_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("KOLK_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# The website and portal (kolk.web): cookie notice, analytics, lockout (W01-W04, A01-A03, X01).
KOLK_COOKIE_NOTICE_VERSION = int(os.environ.get("KOLK_COOKIE_NOTICE_VERSION", "1"))
KOLK_GA_MEASUREMENT_ID = os.environ.get("KOLK_GA_MEASUREMENT_ID", "")
# The operator's confirmation that the GA4 property's granular location and device data is off (W04).
KOLK_GA_LOCATION_OFF = os.environ.get("KOLK_GA_LOCATION_OFF", "").lower() in ("1", "true", "yes")
KOLK_CLIENT_IP_HEADER = os.environ.get("KOLK_CLIENT_IP_HEADER", "")  # e.g. HTTP_X_REAL_IP behind a proxy
AXES_CLIENT_IP_CALLABLE = "kolk.web.portal.client_ip"
KOLK_PORTAL_IDLE_SECONDS = int(os.environ.get("KOLK_PORTAL_IDLE_SECONDS", str(30 * 60)))
# How long a seat offered from a show's waiting list is held for the next in line.
KOLK_WAITLIST_OFFER_HOURS = int(os.environ.get("KOLK_WAITLIST_OFFER_HOURS", "24"))
PASSWORD_RESET_TIMEOUT = 60 * 60 * 2  # a reset link works once, for two hours
# Two-factor login (TOTP) for privacy officers and administrators (kolk.core.otp).
OTP_TOTP_ISSUER = "DNK kolk"
OTP_TOTP_THROTTLE_FACTOR = 1  # after each wrong code, wait 1, 2, 4, ... seconds before the next try
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
# Per account, not per IP address: the library's public PCs share one address, and one
# member's typos must not lock out everyone there (hence axes.W006 is silenced).
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_USERNAME_CALLABLE = "kolk.web.auth.axes_username"
AXES_LOCKOUT_TEMPLATE = "web/portal/locked.html"
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # successful logins are PortalEvents, under the portal's retention rule

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("KOLK_LOG_LEVEL", "WARNING")},
}

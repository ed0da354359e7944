"""The Django project. Configuration comes from ``LIANQIN_*`` variables (see README)."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

from lianqin import conf

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = conf.secret_key()
DEBUG = conf.env_flag("LIANQIN_DEBUG")
ALLOWED_HOSTS = conf.env_list("LIANQIN_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = conf.env_list("LIANQIN_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "lianqin.org",
    "lianqin.geo",
    "lianqin.cases",
    "lianqin.jobs",
    "lianqin.intake",
    "lianqin.evaluation",
    "lianqin.triage",
    "lianqin.console",
    "lianqin.public",
    "lianqin.field",
    "lianqin.duty",
    "lianqin.dashboard",
    "lianqin.audit",
    "lianqin.accounts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "lianqin.staticfiles.StaticFilesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "lianqin.console.language.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "lianqin.audit.context.AuditContextMiddleware",
    "lianqin.accounts.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "lianqin.urls"
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
                "lianqin.console.navigation.navigation",
            ]
        },
    }
]
ASGI_APPLICATION = "lianqin.asgi.application"


def _database() -> dict:
    """SQLite: WAL, synchronous=FULL, IMMEDIATE transactions; PostgreSQL via psycopg 3."""
    db: dict = dict(dj_database_url.parse(conf.database_url(), conn_max_age=0))
    if db["ENGINE"] == "django.db.backends.sqlite3":
        db["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;"
            ),
        }
        # Tests use a file, not :memory:, so that threads see one database.
        db["TEST"] = {"NAME": str(Path(db["NAME"]).with_suffix(".test.sqlite3"))}
    else:
        db.setdefault("TEST", {})["NAME"] = os.environ.get(
            "LIANQIN_TEST_DATABASE_NAME", "test_lianqin"
        )
    return db


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.Person"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "lianqin.accounts.validators.ComplexityValidator"},
]
AUTHENTICATION_BACKENDS = ["lianqin.accounts.backend.LockoutBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# how long audit lines are kept (lianqin audit prune; never less than 180 days)
LIANQIN_AUDIT_RETENTION_DAYS = int(os.environ.get("LIANQIN_AUDIT_RETENTION_DAYS", "365"))
SESSION_COOKIE_AGE = 8 * 3600
# messages (an administrator's one-time temporary password among them) stay server-side
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
SESSION_COOKIE_HTTPONLY = True
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = conf.data_dir() / "static"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # phone and ID numbers are masked in every record, whoever logs it (lianqin.logfilter)
    "filters": {"personal_data": {"()": "lianqin.logfilter.MaskPersonalData"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["personal_data"],
        }
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

NINJA_PAGINATION_PER_PAGE = 50

# Intake (docs/channels.md): a folder of <channel>.toml field mappings that replace the
# defaults; where each channel's replies are POSTed ("hotline_12345=https://…,…");
# the confidence under which a video alarm waits for a person is in the video mapping.
LIANQIN_CHANNEL_MAPPINGS = conf.optional_path("LIANQIN_CHANNEL_MAPPINGS")
LIANQIN_REPLY_URLS = conf.env_pairs("LIANQIN_REPLY_URLS")
# Webhook deliveries that arrive together are committed together (intake/batcher.py).
LIANQIN_GROUP_COMMIT = conf.env_flag("LIANQIN_GROUP_COMMIT", default=True)
# Text messages to reporters (closure, reopening) go to this gateway as JSON {phone, text}.
LIANQIN_SMS_URL = os.environ.get("LIANQIN_SMS_URL", "").strip()
# The classifier: retrain every N days from decided cases (0 = never); set the category
# automatically above this confidence (default: the model's own threshold for 97 % precision).
LIANQIN_RETRAIN_DAYS = float(os.environ.get("LIANQIN_RETRAIN_DAYS", "7"))
_auto = os.environ.get("LIANQIN_AUTO_CATEGORY_CONFIDENCE", "").strip()
LIANQIN_AUTO_CATEGORY_CONFIDENCE = float(_auto) if _auto else None

"""Settings, read from the environment.

``DATABASE_URL`` selects the database; without it an embedded PostgreSQL is started under
``.pgdata/`` (see ``shop.db.database_url``). ``SECRET_KEY``, ``DEBUG`` and ``ALLOWED_HOSTS``
come from the environment too; the defaults are for a developer's machine only.
"""

import os
from pathlib import Path

from shop.db.database_url import database_settings

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "shop.apps.ShopAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "pgtrigger",
    "shop",
    "accounts",
    "catalog",
    "orders",
    "content",
    "notifications",
    "adoption",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "shop.urls"
WSGI_APPLICATION = "shop.wsgi.application"

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
            ],
        },
    },
]

# Where the embedded PostgreSQL keeps its data when DATABASE_URL is unset.
EMBEDDED_PGDATA = Path(os.environ.get("SHOPDB_PGDATA", BASE_DIR / ".pgdata"))
USES_EMBEDDED_DATABASE = not os.environ.get("DATABASE_URL")
DATABASES = {
    "default": database_settings(os.environ.get("DATABASE_URL"), embedded_dir=EMBEDDED_PGDATA)
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
# Passwords as Django checks them; admin permissions from the shop's roles (user_roles).
AUTHENTICATION_BACKENDS = ["accounts.admin_access.RoleBackend"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# `manage.py partitions` (shop/partitions.py): monthly partitions exist this many months ahead;
# per partitioned table, the months kept (None: every month) before a partition is detached.
SHOPDB_PARTITION_MONTHS_AHEAD = 3
SHOPDB_PARTITION_RETENTION_MONTHS = {
    "audit_logs": None,
    "notifications": None,
    "payment_webhook_logs": None,
}

# pgtrigger installs triggers through migrations only, never behind the back of `migrate`.
PGTRIGGER_INSTALL_ON_MIGRATE = False
PGTRIGGER_MIGRATIONS = True

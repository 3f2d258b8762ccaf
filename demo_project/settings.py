"""
Django settings for the demo_project of "Async Django, Hands-On".

It reads like the project `django-admin startproject` makes, with three differences the course
needs: the database is a throwaway SQLite file unless DEMO_PROJECT_DB names one, there is no
admin, templates or static files, and Django's request logs go to stdout instead of stderr.

https://docs.djangoproject.com/en/5.2/topics/settings/
https://docs.djangoproject.com/en/5.2/ref/settings/
"""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

# Quick-start development settings - unsuitable for production
# See https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/

# SECURITY WARNING: keep the secret key used in production secret!
SECRET_KEY = os.environ.get(
    "DJANGO_SECRET_KEY", "django-insecure-demo-project-course-only-never-use-this-key"
)

# SECURITY WARNING: don't run with debug turned on in production!
DEBUG = os.environ.get("DJANGO_DEBUG", "true").strip().lower() in {"1", "true", "yes", "on"}

ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]


# Application definition

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "demo_project.catalog",
    "demo_project.upstream",
    "demo_project.ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]

ROOT_URLCONF = "demo_project.urls"

ASGI_APPLICATION = "demo_project.asgi.application"
WSGI_APPLICATION = "demo_project.wsgi.application"


# Database
# https://docs.djangoproject.com/en/5.2/ref/settings/#databases


def _make_ephemeral_database_file() -> Path:
    """Return a fresh SQLite path in a temporary folder that is removed when this process exits.

    Removed by atexit, so only on a normal exit (Ctrl+C included): a process killed by a signal
    leaves the folder behind, and so does uvicorn stopped with SIGTERM, which it re-raises.
    """
    folder = tempfile.mkdtemp(prefix="demo_project-")
    owner_pid = os.getpid()

    def remove_folder() -> None:
        # A forked child inherits atexit handlers; only the process that made the folder removes it.
        if os.getpid() == owner_pid:
            shutil.rmtree(folder, ignore_errors=True)

    atexit.register(remove_folder)
    return Path(folder) / "db.sqlite3"


# A file rather than ":memory:": the async ORM runs queries in worker threads, and every thread
# has to see the same database.
DEMO_PROJECT_EPHEMERAL_DB = not os.environ.get("DEMO_PROJECT_DB")

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": (
            _make_ephemeral_database_file()
            if DEMO_PROJECT_EPHEMERAL_DB
            else Path(os.environ["DEMO_PROJECT_DB"])
        ),
        "OPTIONS": {
            # Concurrent requests write from different threads: take the write lock up front and
            # wait for it, instead of failing at once with "database is locked".
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    }
}

# Production-style database settings from the environment (lesson 8 starts servers with them):
# DEMO_PROJECT_POSTGRES names a PostgreSQL database in libpq's key=value form, e.g.
# "host=/tmp/pg port=5432 dbname=demo user=lesson"; DEMO_PROJECT_CONN_MAX_AGE keeps connections
# open for that many seconds (Django's default, 0, closes them at the end of each request); and
# DEMO_PROJECT_DB_POOL=<largest size> gives PostgreSQL a connection pool (Django 5.1+).
if os.environ.get("DEMO_PROJECT_POSTGRES"):
    _postgres = dict(item.split("=", 1) for item in os.environ["DEMO_PROJECT_POSTGRES"].split())
    DEMO_PROJECT_EPHEMERAL_DB = False
    DATABASES["default"] = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _postgres.get("dbname", "demo"),
        "USER": _postgres.get("user", ""),
        "PASSWORD": _postgres.get("password", ""),
        "HOST": _postgres.get("host", ""),
        "PORT": _postgres.get("port", ""),
        "OPTIONS": {},
    }
    if os.environ.get("DEMO_PROJECT_DB_POOL"):
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": 1,
            "max_size": int(os.environ["DEMO_PROJECT_DB_POOL"]),
            "timeout": 10,  # seconds a request waits for a free connection before failing
        }
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("DEMO_PROJECT_CONN_MAX_AGE", "0"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# Internationalization
# https://docs.djangoproject.com/en/5.2/topics/i18n/

LANGUAGE_CODE = "en-us"

TIME_ZONE = "UTC"

USE_I18N = True

USE_TZ = True


# Logging
# https://docs.djangoproject.com/en/5.2/topics/logging/
# nbgrader gives a test cell no points when it writes anything to stderr, and every 4xx response
# makes django.request log a warning, so Django's loggers write to stdout instead.

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "{levelname} {name}: {message}", "style": "{"},
    },
    "handlers": {
        "stdout": {
            "class": "demo_project.log_handlers.StdoutHandler",
            "formatter": "plain",
        },
    },
    "loggers": {
        "django": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        "django.request": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
    },
}

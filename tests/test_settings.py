"""Settings come from the environment; a bad value stops start-up with a clear message."""

import os
import secrets
import subprocess
import sys

import pytest

from tests.conftest import BASE_DIR

SETTINGS_VARIABLES = {
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "EMAIL_PORT",
    "EMAIL_USE_TLS",
    "EMAIL_BACKEND",
    "EMAIL_DELIVERY_BACKEND",
    "EMAIL_SEND_ATTEMPTS",
    "EMAIL_TIMEOUT",
    "TASK_STALLED_AFTER_MINUTES",
    "SECURE",
    "TIME_ZONE",
    "DATABASE_CONN_MAX_AGE",
    "AXES_FAILURE_LIMIT",
    "PROXY_COUNT",
    "REDIS_URL",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "SITE_ROOT",
}
PRODUCTION = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "westcheck.example.org",
    "SITE_ROOT": "https://westcheck.example.org",
    "DATABASE_URL": "postgres://westcheck:secret@db.example.org:5432/westcheck",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG must be one of true/false"),
        ({"DEBUG": "false", "ALLOWED_HOSTS": "x.org"}, "SECRET_KEY must be set when DEBUG is off"),
        ({**PRODUCTION, "ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS must list"),
        ({**PRODUCTION, "DATABASE_URL": "mysql://db/westcheck"}, "DATABASE_URL must start with"),
        (
            {**PRODUCTION, "DATABASE_URL": "postgres://db.example.org"},
            "DATABASE_URL names no PostgreSQL database",
        ),
        (
            {**PRODUCTION, "DATABASE_URL": "postgres://db:port/x"},
            "DATABASE_URL has an invalid port",
        ),
        ({**PRODUCTION, "EMAIL_PORT": "twenty-five"}, "EMAIL_PORT must be a whole number"),
        ({**PRODUCTION, "EMAIL_USE_TLS": "si"}, "EMAIL_USE_TLS must be one of"),
        (
            {**PRODUCTION, "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend"},
            "EMAIL_BACKEND is not read",
        ),
        (
            {**PRODUCTION, "EMAIL_DELIVERY_BACKEND": "westcheck.mail.QueuedEmailBackend"},
            "EMAIL_DELIVERY_BACKEND must deliver mail",
        ),
        ({**PRODUCTION, "EMAIL_SEND_ATTEMPTS": "0"}, "EMAIL_SEND_ATTEMPTS must be at least 1"),
        (
            {**PRODUCTION, "TASK_STALLED_AFTER_MINUTES": "4"},
            "TASK_STALLED_AFTER_MINUTES must be at least ten times EMAIL_TIMEOUT (30 seconds)",
        ),
        ({**PRODUCTION, "AXES_FAILURE_LIMIT": "0"}, "AXES_FAILURE_LIMIT must be at least 1"),
        ({**PRODUCTION, "PROXY_COUNT": "one"}, "PROXY_COUNT must be a whole number"),
        ({**PRODUCTION, "PROXY_COUNT": "-1"}, "PROXY_COUNT must be at least 0"),
    ],
)
def test_bad_environment_value_names_the_variable(env, message):
    result = manage("check", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_debug_mode_runs_without_a_secret_key():
    result = manage("check", DEBUG="true")
    assert result.returncode == 0, result.stderr


def test_production_settings_pass_the_deployment_checks():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_use_persistent_postgresql_connections():
    code = (
        "from django.conf import settings as s; d = s.DATABASES['default'];"
        "print(d['ENGINE'], d['HOST'], d['PORT'], d['NAME'], d['CONN_MAX_AGE'] > 0,"
        " s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT)"
    )
    result = manage("shell", "-v", "0", "-c", code, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "db.example.org",
        "5432",
        "westcheck",
        "True",
        "True",
        "True",
        "True",
    ]


@pytest.mark.parametrize(
    ("env", "delivery"),
    [
        (PRODUCTION, "django.core.mail.backends.smtp.EmailBackend"),
        ({"DEBUG": "true"}, "django.core.mail.backends.console.EmailBackend"),
    ],
)
def test_mail_is_queued_in_the_database_and_delivered_by_smtp_or_printed_in_debug(env, delivery):
    code = (
        "from django.conf import settings as s;"
        "print(s.EMAIL_BACKEND, s.EMAIL_DELIVERY_BACKEND, s.TASKS['default']['BACKEND'])"
    )
    result = manage("shell", "-v", "0", "-c", code, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "westcheck.mail.QueuedEmailBackend",
        delivery,
        "django_tasks_db.DatabaseBackend",
    ]


# Run in a separate process on a real file: the test database is in memory.
CONCURRENT_WRITERS = """
import threading, time
from django.db import connection, transaction

with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE counter (n integer)")
    cursor.execute("INSERT INTO counter VALUES (0)")
first_has_read, errors = threading.Event(), []

def add_one(first):
    try:
        if not first:
            first_has_read.wait(5)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT n FROM counter")
            (n,) = cursor.fetchone()
            if first:
                first_has_read.set()
                time.sleep(0.3)  # The other one tries to write meanwhile.
            cursor.execute("UPDATE counter SET n = %s", [n + 1])
    except Exception as error:
        errors.append(str(error))
        first_has_read.set()
    finally:
        connection.close()

threads = [threading.Thread(target=add_one, args=(first,)) for first in (True, False)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join(30)
with connection.cursor() as cursor:
    cursor.execute("SELECT n FROM counter")
    print(errors, cursor.fetchone()[0])
"""


def test_sqlite_writers_wait_for_each_other_instead_of_failing(tmp_path):
    """Two answers saved at once on the embedded database: the second waits, neither is lost.

    Each transaction reads before it writes, as saving an answer does. Had the first begun
    without the write lock, the second's commit would make it fail with "database is locked".
    """
    result = manage(
        "shell",
        "-v",
        "0",
        "-c",
        CONCURRENT_WRITERS,
        DEBUG="true",
        DATABASE_URL=f"sqlite:///{tmp_path}/embedded.db",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["[]", "2"]

"""Environment for the test run, loaded by pytest before Django starts (see pyproject.toml)."""

import os

# The tests run without DEBUG, like production, so the settings need a key.
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-" + "x" * 20)
# Playwright's sync API runs an event loop in the test thread; the ORM must still be usable.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")


def pytest_configure(config):
    from django.conf import settings

    # The manifest storage needs collectstatic first, and Django's test server
    # serves static files from the finders; plain storage keeps tests honest and fast.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Plain http in the test server.
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

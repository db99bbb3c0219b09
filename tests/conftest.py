import os
import shutil
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
ARTIFACTS = BASE_DIR / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_collection_modifyitems(config, items):
    """Skip browser tests when there is no Chromium, except in CI, where that is a failure."""
    if shutil.which(CHROMIUM) or IN_CI:
        return
    skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not shutil.which(CHROMIUM):
        pytest.fail(f"Chromium is required for browser tests and was not found at {CHROMIUM}.")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def owner(django_user_model):
    return django_user_model.objects.create_user(
        email="olivia@brand.example", name="Olivia Owner", password="correct horse battery"
    )


@pytest.fixture
def outsider(django_user_model):
    return django_user_model.objects.create_user(
        email="oscar@elsewhere.example", name="Oscar Outsider", password="correct horse battery"
    )


@pytest.fixture(autouse=True)
def _fresh_checklist_catalog():
    """Published checklist content is kept in memory per process; start each test without it,
    so that query counts do not depend on which tests ran before."""
    from checklists import catalog

    catalog.forget()
    yield
    catalog.forget()


@pytest.fixture(autouse=True)
def _empty_caches():
    """Cached PDFs are keyed by their content, but each test starts with empty caches all the
    same, so that what a test measures does not depend on the tests before it."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()


@pytest.fixture(autouse=True)
def _audit_events_can_be_flushed(request):
    """Let the database flush after a transactional test delete audit events.

    The triggers refuse to delete audit events unless an erasure row exists (models/audit.py).
    Tests that commit (browser, live server, topology) are emptied by a flush afterwards: mark
    the erasure first and delete the events, so that the flush finds nothing it may not remove.
    Tests in a transaction are rolled back, which needs nothing.
    """
    marker = request.node.get_closest_marker("django_db")
    transactional = (
        "transactional_db" in request.fixturenames or "live_server" in request.fixturenames
    )
    if marker is not None and marker.kwargs.get("transaction"):
        transactional = True
    if not transactional:
        yield
        return
    # Requested here so that this fixture's teardown runs before the database's flush.
    request.getfixturevalue("transactional_db")
    yield
    from checklists.models import AuditErasure, AuditEvent

    AuditErasure.objects.create(reason="test database flush")
    AuditEvent.objects.all().delete()

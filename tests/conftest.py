import os
import re
import shutil
from pathlib import Path

import pytest
from django.core import mail
from django_tasks_db.models import DBTaskResult

from checklists import services
from checklists.models import (
    Action,
    Answer,
    Assessment,
    AuditEvent,
    ChecklistVersion,
    Comment,
    CommentThread,
    EvidenceFile,
    EvidenceTombstone,
    Invitation,
    Membership,
    Notice,
    Organisation,
    Project,
    ProjectUserObjectPermission,
    Share,
    Submission,
    User,
)
from westcheck.mail import message_as_dict

BASE_DIR = Path(__file__).resolve().parent.parent
ARTIFACTS = BASE_DIR / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(autouse=True)
def evidence_root(settings, tmp_path_factory):
    """Each test's evidence files in a folder of its own, never in the project's."""
    root = tmp_path_factory.mktemp("evidence")
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {**settings.STORAGES["evidence"], "OPTIONS": {"location": root}},
        "exports": {
            **settings.STORAGES["exports"],
            "OPTIONS": {"location": tmp_path_factory.mktemp("exports")},
        },
    }
    return root


@pytest.fixture
def exports_root(settings, evidence_root):
    """Where this test's archives of an organisation's data are stored."""
    return Path(settings.STORAGES["exports"]["OPTIONS"]["location"])


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


# --- People -----------------------------------------------------------------------------------
# One organisation, Threadline Apparel, and the people around it: its owner, an editor and a
# viewer; a collaborator from outside it who may edit one of its projects and nothing else; and
# an outsider with no part in it. Members and collaborators join as people do: the owner invites
# them by e-mail and they accept through the link in the message.

PASSWORD = "correct horse battery"
# The scheme and host that invitation links start with, as the test client reaches the site.
SITE = "http://testserver/"
INVITATION_LINK = re.compile(r"https?://[^/\s]+/invitations/(?P<token>[\w-]+)/")


def person(email: str, name: str):
    return User.objects.create_user(email=email, name=name, password=PASSWORD)


def sent_mail() -> list[dict]:
    """Every message sent so far, as `westcheck.mail.message_as_dict` gives it (to, subject,
    body...): from Django's test outbox, and, when a test switches the app's queued backend
    on, from the `send_email` tasks waiting for the worker."""
    queued = [
        task.args_kwargs["args"][0]
        for task in DBTaskResult.objects.filter(task_path="westcheck.mail.send_email").order_by(
            "enqueued_at"
        )
    ]
    return [message_as_dict(message) for message in mail.outbox] + queued


def invitation_token(email: str) -> str:
    """The token in the link of the last invitation mailed to this address, as its reader sees it."""
    for message in reversed(sent_mail()):
        found = INVITATION_LINK.search(message["body"])
        if message["to"] == [email] and found:
            return found["token"]
    raise AssertionError(f"No invitation was mailed to {email}.")


def database_state() -> dict:
    """Every row of the tables that people's actions change, and the messages sent: the same
    before and after a refused request shows that it changed nothing."""
    watched = [
        User,
        Organisation,
        Membership,
        Invitation,
        ProjectUserObjectPermission,
        Project,
        Assessment,
        Answer,
        Action,
        Submission,
        Share,
        Notice,
        CommentThread,
        Comment,
        EvidenceFile,
        EvidenceTombstone,
        AuditEvent,
        DBTaskResult,
    ]
    state = {model._meta.label: list(model.objects.order_by("pk").values()) for model in watched}
    state["mail.outbox"] = [message_as_dict(message) for message in mail.outbox]
    return state


def invite_and_accept(organisation, user, role: str, *, invited_by, project=None):
    """`user` joins the organisation with `role` or, given a project, works on that project
    alone, through an invitation accepted from its e-mailed link."""
    services.invitation_create(
        organisation=organisation,
        project=project,
        email=user.email,
        role=role,
        invited_by=invited_by,
        site=SITE,
    )
    services.invitation_accept(token=invitation_token(user.email), user=user)
    return user


@pytest.fixture
def owner():
    return person("olivia@brand.example", "Olivia Owner")


@pytest.fixture
def outsider():
    return person("oscar@elsewhere.example", "Oscar Outsider")


@pytest.fixture
def checklist():
    return ChecklistVersion.objects.get(slug="west-operations-checklist", version="2019-03")


@pytest.fixture
def organisation(owner):
    return services.organisation_create(
        name="Threadline Apparel", kind=Organisation.Kind.BRAND, owner=owner
    )


@pytest.fixture
def editor(organisation, owner):
    edith = person("edith@brand.example", "Edith Editor")
    return invite_and_accept(organisation, edith, Membership.Role.EDITOR, invited_by=owner)


@pytest.fixture
def viewer(organisation, owner):
    victor = person("victor@brand.example", "Victor Viewer")
    return invite_and_accept(organisation, victor, Membership.Role.VIEWER, invited_by=owner)


@pytest.fixture
def project(organisation, owner):
    return services.project_create(
        organisation=organisation,
        created_by=owner,
        name="Dhaka garment hotline",
        countries="Bangladesh",
        sector="apparel",
        stage="planning",
        channels=["hotline"],
        migrant_workers=False,
        minorities_present=False,
    )


@pytest.fixture
def collaborator(project, owner):
    """A consultant from outside the organisation who may edit `project`, and no other."""
    carmen = person("carmen@consultancy.example", "Carmen Collaborator")
    return invite_and_accept(
        project.organisation, carmen, Membership.Role.EDITOR, invited_by=owner, project=project
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
    from checklists.models import AuditErasure

    AuditErasure.objects.create(reason="test database flush")
    AuditEvent.objects.all().delete()


def audit_lock_queries() -> int:
    """The query that appending audit events costs on PostgreSQL only: the organisation's row
    is locked so that two appends cannot fork its chain (audit.record_all). SQLite's write
    transactions already run one at a time."""
    from django.db import connection

    return 1 if connection.vendor == "postgresql" else 0

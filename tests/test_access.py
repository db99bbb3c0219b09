"""Who may use which URL: every URL of the site, for every kind of person, in one table.

EXPECTED below is the access policy (checklists/access.py) as people meet it. Its rows are
checked against the URL configuration: a URL added without a row fails
`test_who_may_use_each_url` until someone decides who may use it.

The people are the owner, an editor and a viewer of Threadline Apparel; a collaborator from
outside it who may edit one of its projects, looking at that project ("collaborator") and at
another project of the same organisation ("elsewhere"); an outsider who runs an organisation of
their own; and an anonymous visitor.

Threadline shares its submitted baseline with Open Voices Fund as a reviewer share: the fund's
viewer and its editor (the share's reviewer) read it there. The fund's owner also holds a share
that has expired and one that was revoked ("expired", "revoked"), and the owner of Brightline
Buyers has an offer waiting ("other_funder"). To everything but what is shared with them,
these five people are outsiders: unless a rule says otherwise, they meet what the outsider meets.

Each request runs in a savepoint that is rolled back once its effect has been looked at, so
that every person meets the same state: the owner's removing a member does not hide that
member from the editor who comes next.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from checklists import services
from checklists.models import DataExport, Invitation, Membership, Share
from checklists.services import sharing as sharing_services
from checklists.services.evidence import evidence_upload
from tests.conftest import (
    PASSWORD,
    SITE,
    database_state,
    invitation_token,
    invite_and_accept,
    person,
)
from tests.test_walkthrough import _project_form, answer_everything, autosave_data, section_data

pytestmark = pytest.mark.django_db

OWN_SIDE = (
    "anonymous",
    "owner",
    "editor",
    "viewer",
    "collaborator",
    "elsewhere",  # the collaborator, on another project of the same organisation
    "outsider",
)
RECIPIENTS = (
    "funder_viewer",  # a viewer at the fund a live reviewer share was accepted for
    "funder_reviewer",  # an editor there: the share's reviewer
    "other_funder",  # the owner of another organisation, with an offer waiting for them
    "expired",  # the fund's owner, on a share that has expired
    "revoked",  # the fund's owner, on a share that was revoked
)
PEOPLE = OWN_SIDE + RECIPIENTS

# What a request may lead to, besides a status code shown as such (200, 400, 403, 404, 405):
LOGIN = "login"  # sent to log in first (302 to the log-in page)
AWAY = "away"  # sent elsewhere without anything done, e.g. no organisation to add a project to
DONE = 302  # did what was asked and moved on: something in the database changed
# Every refusal (4xx, LOGIN, AWAY) and every POST answered with a page must change nothing.


@dataclass(frozen=True)
class Rule:
    get: tuple  # one outcome for each of OWN_SIDE
    post: tuple | None = None  # None: not a write URL, POST is not part of its policy
    kwargs: dict = field(default_factory=dict)  # URL arguments other than the usual ones
    # One outcome for each of RECIPIENTS; None: what the outsider meets.
    shared_get: tuple | None = None
    shared_post: tuple | None = None

    def __post_init__(self):
        for outcomes in (self.get, self.post or OWN_SIDE):
            assert len(outcomes) == len(OWN_SIDE), f"{outcomes} needs one outcome per person"
        for outcomes in (self.shared_get, self.shared_post):
            assert outcomes is None or len(outcomes) == len(RECIPIENTS), outcomes

    def outcomes(self, method: str) -> tuple | None:
        own, shared = (
            (self.get, self.shared_get) if method == "GET" else (self.post, self.shared_post)
        )
        if own is None:
            return None
        return own + (shared or (own[OWN_SIDE.index("outsider")],) * len(RECIPIENTS))


# fmt: off
#                                              anon.  owner  editor viewer collab. elsewh. outsider
EXPECTED: dict[str, list[Rule]] = {
    # Open to everyone: the checklists and the way in.
    "checklists:home":                 [Rule(get=(200,   200,   200,   200,   200,   200,   200))],
    "checklists:version-list":         [Rule(get=(200,   200,   200,   200,   200,   200,   200))],
    "checklists:version-detail":       [Rule(get=(200,   200,   200,   200,   200,   200,   200))],
    "checklists:version-blank-pdf":    [Rule(get=(200,   200,   200,   200,   200,   200,   200))],
    "healthz":                         [Rule(get=(200,   200,   200,   200,   200,   200,   200))],
    # Checking a report by its hash: anyone who holds one, and nothing about the report shown.
    "checklists:verify":               [Rule(get=(200,   200,   200,   200,   200,   200,   200))],
    # Accounts: their forms are tested in test_accounts.py; here, who may open them.
    "signup":                          [Rule(get=(200,   AWAY,  AWAY,  AWAY,  AWAY,  AWAY,  AWAY))],
    "login":                           [Rule(get=(200,   AWAY,  AWAY,  AWAY,  AWAY,  AWAY,  AWAY))],
    "logout":                          [Rule(get=(AWAY,  200,   200,   200,   200,   200,   200))],
    "password_reset":                  [Rule(get=(200,   200,   200,   200,   200,   200,   200))],
    "password_reset_done":             [Rule(get=(200,   200,   200,   200,   200,   200,   200))],
    "password_reset_confirm":          [Rule(get=(200,   200,   200,   200,   200,   200,   200))],
    "password_reset_complete":         [Rule(get=(200,   200,   200,   200,   200,   200,   200))],
    "password_change":                 [Rule(get=(LOGIN, 200,   200,   200,   200,   200,   200))],
    "password_change_done":            [Rule(get=(LOGIN, 200,   200,   200,   200,   200,   200))],
    # Sign-up by e-mailed link (test_onboarding.py); here, a link that is not valid.
    "signup-sent":                     [Rule(get=(200,   200,   200,   200,   200,   200,   200))],
    "signup-finish":                   [Rule(get=(400,   400,   400,   400,   400,   400,   400))],
    # One's own account, whoever one is.
    "account-settings":                [Rule(get=(LOGIN, 200,   200,   200,   200,   200,   200))],
    "account-name":                    [Rule(get=(LOGIN, 200,   200,   200,   200,   200,   200),
                                            post=(LOGIN, DONE,  DONE,  DONE,  DONE,  DONE,  DONE))],
    "account-email":                   [Rule(get=(LOGIN, 200,   200,   200,   200,   200,   200),
                                            post=(LOGIN, DONE,  DONE,  DONE,  DONE,  DONE,  DONE))],
    "account-notifications":           [Rule(get=(LOGIN, 405,   405,   405,   405,   405,   405),
                                            post=(LOGIN, DONE,  DONE,  DONE,  DONE,  DONE,  DONE),
                                      shared_post=(DONE,  DONE,  DONE,  DONE,  DONE))],
    "account-email-confirm":           [Rule(get=(LOGIN, 400,   400,   400,   400,   400,   400))],
    "checklists:portfolio":            [Rule(get=(LOGIN, 200,   200,   200,   200,   200,   200))],
    # The portfolio as CSV: each person's own, like the page.
    "checklists:portfolio-csv":        [Rule(get=(LOGIN, 200,   200,   200,   200,   200,   200))],
    # Anyone logged in: their own dashboard, a new organisation, a project in one they edit.
    "checklists:dashboard":            [Rule(get=(LOGIN, 200,   200,   200,   200,   200,   200))],
    "checklists:organisation-create":  [Rule(get=(LOGIN, 200,   200,   200,   200,   200,   200),
                                            post=(LOGIN, DONE,  DONE,  DONE,  DONE,  DONE,  DONE))],
    # The outsider may add projects to their own organisation, not to this one (a form error).
    # The fund's viewer may add projects nowhere; the others to their own organisation.
    "checklists:project-create":       [Rule(get=(LOGIN, 200,   200,   AWAY,  AWAY,  AWAY,  200),
                                            post=(LOGIN, DONE,  DONE,  AWAY,  AWAY,  AWAY,  200),
                                       shared_get=(AWAY,  200,   200,   200,   200),
                                      shared_post=(AWAY,  200,   200,   200,   200))],
    # An invitation's link answers only the invited address; a visitor is asked to log in.
    "checklists:invitation":           [Rule(get=(200,   403,   403,   403,   403,   403,   403),
                                            post=(200,   403,   403,   403,   403,   403,   403))],
    # An invitation waiting for one's address, opened from the dashboard: the outsider's here.
    "checklists:invitation-received":  [Rule(get=(LOGIN, 404,   404,   404,   404,   404,   200),
                                            post=(LOGIN, 404,   404,   404,   404,   404,   DONE),
                                       shared_get=(404,   404,   404,   404,   404),
                                      shared_post=(404,   404,   404,   404,   404))],
    # The organisation: its members see it, its owners run it; nobody else learns it exists.
    "checklists:organisation-members": [Rule(get=(LOGIN, 200,   200,   200,   404,   404,   404))],
    "checklists:organisation-activity":[Rule(get=(LOGIN, 200,   403,   403,   404,   404,   404))],
    # The organisation's data, all of it, restricted evidence included: its owners' alone.
    "checklists:organisation-data":    [Rule(get=(LOGIN, 200,   403,   403,   404,   404,   404))],
    "checklists:data-export-create":   [Rule(get=(LOGIN, 405,   405,   405,   405,   405,   405),
                                            post=(LOGIN, DONE,  403,   403,   404,   404,   404))],
    "checklists:data-export-download": [Rule(get=(LOGIN, 200,   403,   403,   404,   404,   404))],
    "checklists:organisation-delete":  [Rule(get=(LOGIN, 405,   405,   405,   405,   405,   405),
                                            post=(LOGIN, DONE,  403,   403,   404,   404,   404))],
    # Nothing to cancel here: the owner is sent back, nothing done.
    "checklists:organisation-delete-cancel": [Rule(get=(LOGIN, 405, 405, 405,   405,   405,   405),
                                            post=(LOGIN, AWAY,  403,   403,   404,   404,   404))],
    "checklists:organisation-edit":    [Rule(get=(LOGIN, 200,   403,   403,   404,   404,   404),
                                            post=(LOGIN, DONE,  403,   403,   404,   404,   404))],
    "checklists:member-invite":        [Rule(get=(LOGIN, 405,   405,   405,   405,   405,   405),
                                            post=(LOGIN, DONE,  403,   403,   404,   404,   404))],
    "checklists:invitation-resend":    [Rule(get=(LOGIN, 405,   405,   405,   405,   405,   405),
                                            post=(LOGIN, DONE,  403,   403,   404,   404,   404))],
    "checklists:invitation-cancel":    [Rule(get=(LOGIN, 405,   405,   405,   405,   405,   405),
                                            post=(LOGIN, DONE,  403,   403,   404,   404,   404))],
    "checklists:member-role":          [Rule(get=(LOGIN, 405,   405,   405,   405,   405,   405),
                                            post=(LOGIN, DONE,  403,   403,   404,   404,   404))],
    # Removing someone else; leaving (removing oneself) is in test_teams.py.
    "checklists:member-remove":        [Rule(get=(LOGIN, 405,   405,   405,   405,   405,   405),
                                            post=(LOGIN, DONE,  403,   403,   404,   404,   404))],
    "checklists:hand-over":            [Rule(get=(LOGIN, 405,   405,   405,   405,   405,   405),
                                            post=(LOGIN, DONE,  403,   403,   404,   404,   404))],
    # A project: members and its own collaborators see it; who works on it is members' business.
    "checklists:project-detail":       [Rule(get=(LOGIN, 200,   200,   200,   200,   404,   404))],
    "checklists:project-edit":         [Rule(get=(LOGIN, 200,   200,   403,   403,   404,   404),
                                            post=(LOGIN, DONE,  DONE,  403,   403,   404,   404))],
    "checklists:project-delete":       [Rule(get=(LOGIN, 200,   403,   403,   403,   404,   404),
                                            post=(LOGIN, DONE,  403,   403,   403,   404,   404))],
    "checklists:project-people":       [Rule(get=(LOGIN, 200,   200,   200,   403,   404,   404))],
    "checklists:collaborator-invite":  [Rule(get=(LOGIN, 405,   405,   405,   405,   405,   405),
                                            post=(LOGIN, DONE,  403,   403,   403,   404,   404))],
    "checklists:collaborator-invitation-resend":
                                       [Rule(get=(LOGIN, 405,   405,   405,   405,   405,   405),
                                            post=(LOGIN, DONE,  403,   403,   403,   404,   404))],
    "checklists:collaborator-invitation-cancel":
                                       [Rule(get=(LOGIN, 405,   405,   405,   405,   405,   405),
                                            post=(LOGIN, DONE,  403,   403,   403,   404,   404))],
    "checklists:collaborator-change":  [Rule(get=(LOGIN, 405,   405,   405,   405,   405,   405),
                                            post=(LOGIN, DONE,  403,   403,   403,   404,   404))],
    "checklists:collaborator-revoke":  [Rule(get=(LOGIN, 405,   405,   405,   405,   405,   405),
                                            post=(LOGIN, DONE,  403,   403,   403,   404,   404))],
    "checklists:assessment-create":    [Rule(get=(LOGIN, 200,   200,   403,   200,   404,   404),
                                            post=(LOGIN, DONE,  DONE,  403,   DONE,  404,   404))],
    # An assessment: read by all who see its project, changed by those who may edit.
    "checklists:assessment-detail":    [Rule(get=(LOGIN, 200,   200,   200,   200,   404,   404))],
    "checklists:assessment-section":   [Rule(get=(LOGIN, 200,   200,   200,   200,   404,   404),
                                            post=(LOGIN, DONE,  DONE,  403,   DONE,  404,   404))],
    "checklists:assessment-activity":  [Rule(get=(LOGIN, 200,   200,   403,   200,   404,   404))],
    "checklists:assessment-review":    [Rule(get=(LOGIN, 200,   200,   200,   200,   404,   404))],
    # Evidence files: seen with the answers, added and deleted by those who may edit them.
    "checklists:answer-evidence":      [Rule(get=(LOGIN, 200,   200,   200,   200,   404,   404),
                                            post=(LOGIN, DONE,  DONE,  403,   DONE,  404,   404),
                                            kwargs={"key": "3.1"})],
    "checklists:evidence-download":    [Rule(get=(LOGIN, 200,   200,   200,   200,   404,   404))],
    "checklists:evidence-delete":      [Rule(get=(LOGIN, 405,   405,   405,   405,   405,   405),
                                            post=(LOGIN, DONE,  DONE,  403,   DONE,  404,   404))],
    # How long files are kept is the organisation's members' decision.
    "checklists:evidence-restore":     [Rule(get=(LOGIN, 405,   405,   405,   405,   405,   405),
                                            post=(LOGIN, DONE,  DONE,  403,   403,   404,   404))],
    "checklists:assessment-submit":    [Rule(get=(LOGIN, 405,   405,   405,   405,   405,   405),
                                            post=(LOGIN, DONE,  DONE,  403,   DONE,  404,   404))],
    "checklists:assessment-copy":      [Rule(get=(LOGIN, 405,   405,   405,   405,   405,   405),
                                            post=(LOGIN, DONE,  DONE,  403,   DONE,  404,   404))],
    "checklists:assessment-report":    [Rule(get=(LOGIN, 200,   200,   200,   200,   404,   404))],
    "checklists:assessment-report-pdf":[Rule(get=(LOGIN, 200,   200,   200,   200,   404,   404))],
    "checklists:assessment-actions":   [Rule(get=(LOGIN, 200,   200,   200,   200,   404,   404),
                                            post=(LOGIN, DONE,  DONE,  403,   DONE,  404,   404))],
    "checklists:assessment-verify":    [Rule(get=(LOGIN, 200,   200,   200,   200,   404,   404))],
    "checklists:assessment-export":    [Rule(get=(LOGIN, 200,   200,   200,   200,   404,   404),
                                            kwargs={"fmt": "csv"}),
                                        Rule(get=(LOGIN, 200,   200,   200,   200,   404,   404),
                                            kwargs={"fmt": "json"})],
    # Sharing a submission (the submitted baseline): members see who has access, owners share;
    # the recipients never reach the owner's side, nor re-share.
    "checklists:assessment-sharing":   [Rule(get=(LOGIN, 200,   200,   200,   403,   404,   404))],
    "checklists:share-preview":        [Rule(get=(LOGIN, 200,   403,   403,   403,   404,   404))],
    "checklists:share-create":         [Rule(get=(LOGIN, 405,   405,   405,   405,   405,   405),
                                            post=(LOGIN, DONE,  403,   403,   403,   404,   404))],
    "checklists:share-end":            [Rule(get=(LOGIN, 405,   405,   405,   405,   405,   405),
                                            post=(LOGIN, DONE,  403,   403,   403,   404,   404))],
    "checklists:share-extend":         [Rule(get=(LOGIN, 405,   405,   405,   405,   405,   405),
                                            post=(LOGIN, DONE,  403,   403,   403,   404,   404))],
    # An offer answers its address alone: Brightline's owner.
    "checklists:share-offer":          [Rule(get=(LOGIN, 404,   404,   404,   404,   404,   404),
                                            post=(LOGIN, 404,   404,   404,   404,   404,   404),
                                       shared_get=(404,   404,   200,   404,   404),
                                      shared_post=(404,   404,   DONE,  404,   404))],
    # What reviewers said: members read it, like the Sharing page.
    "checklists:assessment-reviews":   [Rule(get=(LOGIN, 200,   200,   200,   403,   404,   404))],
    # A share's comment threads, the owner's side: members read them, owners and editors write.
    "checklists:share-comments":       [Rule(get=(LOGIN, 200,   200,   200,   403,   404,   404),
                                            post=(LOGIN, DONE,  DONE,  403,   403,   404,   404))],
    # The recipient's side: the fund's people read them while the share lives, its owners and
    # editors write (any share role); nobody else learns they exist.
    "checklists:shared-comments":      [Rule(get=(LOGIN, 404,   404,   404,   404,   404,   404),
                                            post=(LOGIN, 404,   404,   404,   404,   404,   404),
                                       shared_get=(200,   200,   404,   404,   404),
                                      shared_post=(403,   DONE,  404,   404,   404))],
    # The review: the fund's people read it, its editor (the reviewer) marks and decides.
    "checklists:shared-review":        [Rule(get=(LOGIN, 404,   404,   404,   404,   404,   404),
                                            post=(LOGIN, 404,   404,   404,   404,   404,   404),
                                       shared_get=(200,   200,   404,   404,   404),
                                      shared_post=(403,   DONE,  404,   404,   404))],
    # Cohorts: anyone lists their own; the fund's owner creates one (others get the form back).
    "checklists:cohorts":              [Rule(get=(LOGIN, 200,   200,   200,   200,   200,   200),
                                            post=(LOGIN, 400,   400,   400,   400,   400,   400),
                                       shared_get=(200,   200,   200,   200,   200),
                                      shared_post=(400,   400,   400,   DONE,  DONE))],
    "checklists:cohort":               [Rule(get=(LOGIN, 404,   404,   404,   404,   404,   404),
                                            post=(LOGIN, 404,   404,   404,   404,   404,   404),
                                       shared_get=(200,   200,   404,   200,   200),
                                      shared_post=(403,   403,   404,   DONE,  DONE))],
    "checklists:cohort-report-pdf":    [Rule(get=(LOGIN, 404,   404,   404,   404,   404,   404),
                                       shared_get=(200,   200,   404,   200,   200))],
    "checklists:cohort-open":          [Rule(get=(LOGIN, 405,   405,   405,   405,   405,   405),
                                            post=(LOGIN, 404,   404,   404,   404,   404,   404),
                                       shared_post=(403,   403,   404,   DONE,  DONE))],
    # A join code is for whoever holds it; only an owner of a submission shares it.
    "checklists:cohort-join":          [Rule(get=(LOGIN, 200,   200,   200,   200,   200,   200),
                                            post=(LOGIN, DONE,  400,   400,   400,   400,   400),
                                       shared_get=(200,   200,   200,   200,   200),
                                      shared_post=(400,   400,   400,   400,   400))],
    # Requests: the fund's owner asks; Threadline's owner, whose address it is, answers.
    "checklists:share-requests":       [Rule(get=(LOGIN, 200,   200,   200,   200,   200,   200),
                                            post=(LOGIN, 400,   400,   400,   400,   400,   400),
                                       shared_get=(200,   200,   200,   200,   200),
                                      shared_post=(400,   400,   400,   DONE,  DONE))],
    "checklists:share-request":        [Rule(get=(LOGIN, 200,   404,   404,   404,   404,   404),
                                            post=(LOGIN, DONE,  404,   404,   404,   404,   404),
                                       shared_get=(404,   404,   404,   404,   404),
                                      shared_post=(404,   404,   404,   404,   404))],
    "checklists:share-request-withdraw":
                                       [Rule(get=(LOGIN, 405,   405,   405,   405,   405,   405),
                                            post=(LOGIN, 404,   404,   404,   404,   404,   404),
                                       shared_post=(403,   403,   404,   DONE,  DONE))],
    # A shared file: at full detail alone; the world's live share is of chosen sections, so
    # nobody gets the file (tests/test_evidence.py downloads one through a full share).
    "checklists:shared-evidence":      [Rule(get=(LOGIN, 404,   404,   404,   404,   404,   404),
                                       shared_get=(404,   404,   404,   404,   404))],
    # What is shared: the fund's people while the share lives; nobody else, ever.
    **{
        name: [Rule(get=(LOGIN, 404, 404, 404, 404, 404, 404), kwargs=kwargs,
                    shared_get=(200, 200, 404, 404, 404))
               for kwargs in kwargs_list]
        for name, kwargs_list in {
            "checklists:shared": [{}],
            "checklists:shared-submission": [{}],
            "checklists:shared-report-pdf": [{}],
            "checklists:shared-export": [{"fmt": "csv"}, {"fmt": "json"}],
        }.items()
    },
}
# fmt: on


# --- The URL configuration -----------------------------------------------------------------


def _named_urls(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            # Django's admin is for staff, and guards itself.
            if entry.namespace == "admin":
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _named_urls(entry, prefix + str(entry.pattern), inner)
        elif entry.name:
            yield f"{namespace}{entry.name}", prefix + str(entry.pattern)


def named_urls() -> dict[str, str]:
    """Every named URL of the site and its route, as reverse() finds them (the first of a name)."""
    found: dict[str, str] = {}
    for name, route in _named_urls(get_resolver()):
        found.setdefault(name, route)
    return found


URLS = named_urls()


def test_every_row_of_the_table_is_a_url_of_the_site():
    assert set(EXPECTED) - set(URLS) == set()


def test_the_table_covers_urls_for_every_kind_of_object():
    # A guard on named_urls(): were it to find nothing, the matrix would pass vacuously.
    routes = " ".join(URLS.values())
    for part in ("organisations/<int:pk>/", "projects/<int:pk>/", "assessments/<int:pk>/"):
        assert part in routes


# --- The people and what they look at ------------------------------------------------------


@pytest.fixture
def world(
    monkeypatch, checklist, organisation, owner, editor, viewer, project, collaborator, outsider
):
    """Threadline Apparel with two projects, each with an assessment, a pending invitation and a
    collaborator, a member to act on, a pending invitation to the organisation; and a logged-in
    client for each person."""
    # Who may download is the question here: the PDFs themselves are tested in test_report.py
    # and test_blank_pdf.py, and rendering them for every person would take minutes.
    monkeypatch.setattr(
        "checklists.reports.assessment_report_pdf", lambda assessment, **kw: b"%PDF-1.7 report"
    )
    monkeypatch.setattr(
        "checklists.reports.blank_checklist_pdf", lambda version, **kw: b"%PDF-1.7 blank"
    )
    monkeypatch.setattr(
        "checklists.reports.shared_report_pdf", lambda page, **kw: b"%PDF-1.7 shared"
    )
    monkeypatch.setattr(
        "checklists.reports.cohort_report_pdf", lambda cohort, **kw: b"%PDF-1.7 cohort"
    )
    # Complete but for one gap (3.1 planned): it can be submitted, and has an action to plan.
    assessment = services.assessment_start(
        project=project, checklist=checklist, title="Baseline", started_by=owner
    )
    answer_everything(assessment, owner, {"3.1": "planned"})
    other_project = services.project_create(
        organisation=organisation,
        created_by=owner,
        name="Chittagong SMS survey",
        countries="Bangladesh",
        sector="apparel",
        stage="pilot",
        channels=["sms"],
        migrant_workers=False,
        minorities_present=False,
    )
    other_assessment = services.assessment_start(
        project=other_project, checklist=checklist, title="Pilot check", started_by=owner
    )
    vera = invite_and_accept(
        organisation,
        person("vera@provider.example", "Vera Provider"),
        Membership.Role.VIEWER,
        invited_by=owner,
        project=other_project,
    )
    member = invite_and_accept(
        organisation,
        person("mei@brand.example", "Mei Member"),
        Membership.Role.VIEWER,
        invited_by=owner,
    )
    invitation = _invite(organisation, owner, "newcomer@brand.example")
    services.organisation_create(name="Elsewhere Traders", kind="brand", owner=outsider)

    # The submitted baseline and its shares (the module's docstring).
    baseline = services.assessment_start(
        project=project, checklist=checklist, title="Submitted baseline", started_by=owner
    )
    answer_everything(baseline, owner, {"3.1": "planned"})
    services.assessment_submit(assessment=baseline, user=owner)
    fatima = person("fatima@fund.example", "Fatima Funder")
    fund = services.organisation_create(name="Open Voices Fund", kind="funder", owner=fatima)
    funder_viewer, funder_reviewer = (
        invite_and_accept(fund, person(email, name), role, invited_by=fatima)
        for email, name, role in (
            ("fiona@fund.example", "Fiona Fund-Viewer", Membership.Role.VIEWER),
            ("rex@fund.example", "Rex Reviewer", Membership.Role.EDITOR),
        )
    )
    bruno = person("bruno@buyers.example", "Bruno Buyer")
    brightline = services.organisation_create(name="Brightline Buyers", kind="brand", owner=bruno)

    def share(email: str, accept_for=None, accepted_by=None):
        offered = sharing_services.share_offer(
            submission=baseline.submission,
            email=email,
            detail="sections",
            sections=["3"],
            role="reviewer",
            follows_later=False,
            expires_at=timezone.now() + timedelta(days=30),
            message="",
            user=owner,
            site=SITE,
        )
        if accept_for is None:
            return offered
        return sharing_services.share_accept(
            share=offered, organisation=accept_for, user=accepted_by, site=SITE
        )

    live = share(fatima.email, fund, fatima)
    expired = share(fatima.email, fund, fatima)
    Share.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    revoked = share(fatima.email, fund, fatima)
    sharing_services.share_end(share=revoked, user=owner, site=SITE)
    offer = share(bruno.email)
    cohort = sharing_services.cohort_create(
        funder=fund,
        name="Worker Voice Fund 2027",
        description="",
        detail="summary",
        sections=[],
        role="reviewer",
        term_days=365,
        user=fatima,
    )
    asked = sharing_services.share_request(
        requester=fund,
        email=owner.email,
        purpose="Due diligence.",
        detail="summary",
        sections=[],
        role="viewer",
        expires_at=timezone.now() + timedelta(days=30),
        user=fatima,
        site=SITE,
    )

    def evidence(on):
        return evidence_upload(
            assessment=on,
            question_key="3.1",
            upload=SimpleUploadedFile("Procedure.txt", b"How a grievance is handled."),
            personal_data="no",
            retention_until=timezone.localdate() + timedelta(days=30),
            user=owner,
        )

    here = SimpleNamespace(
        project=project,
        assessment=assessment,
        evidence=evidence(assessment),
        invitation=_invite(organisation, owner, "partner@ngo.example", project=project),
        collaborator=collaborator,
        submitted=baseline,
        share=live,
    )
    there = SimpleNamespace(
        project=other_project,
        assessment=other_assessment,
        evidence=evidence(other_assessment),
        invitation=_invite(organisation, owner, "auditor@ngo.example", project=other_project),
        collaborator=vera,
        submitted=other_assessment,
        share=live,
    )
    places = {name: there if name == "elsewhere" else here for name in PEOPLE}
    places["expired"] = SimpleNamespace(**{**vars(here), "share": expired})
    places["revoked"] = SimpleNamespace(**{**vars(here), "share": revoked})
    users = {
        "owner": owner,
        "editor": editor,
        "viewer": viewer,
        "collaborator": collaborator,
        "elsewhere": collaborator,
        "outsider": outsider,
        "funder_viewer": funder_viewer,
        "funder_reviewer": funder_reviewer,
        "other_funder": bruno,
        "expired": fatima,
        "revoked": fatima,
    }
    clients = {"anonymous": Client()}
    for name, user in users.items():
        clients[name] = Client()
        clients[name].force_login(user)
    return SimpleNamespace(
        checklist=checklist,
        organisation=organisation,
        member=Membership.objects.get(user=member),
        invitation=invitation,
        token=invitation_token("newcomer@brand.example"),
        # The outsider is invited to join: the invitation waits on their dashboard.
        received=_invite(organisation, owner, outsider.email),
        offer=offer,
        brightline=brightline,
        fund=fund,
        cohort=cohort,
        asked=asked,
        export=_archive(organisation, owner),
        baseline=baseline,
        clients=clients,
        places=places,
    )


def _archive(organisation, owner) -> DataExport:
    """An archive of the organisation's data, built and downloadable."""
    stored = storages["exports"].save(f"{organisation.pk}/archive.zip", ContentFile(b"PK\x05\x06"))
    return DataExport.objects.create(
        organisation=organisation,
        requested_by=owner,
        status=DataExport.Status.READY,
        stored_name=stored,
        size=4,
        expires_at=timezone.now() + DataExport.KEPT_FOR,
    )


def _invite(organisation, owner, email, project=None) -> Invitation:
    invitation = services.invitation_create(
        organisation=organisation,
        project=project,
        email=email,
        role=Membership.Role.EDITOR,
        invited_by=owner,
        site=SITE,
    )
    # Sent an hour ago, so that an owner may send it again (resending is rate-limited).
    Invitation.objects.filter(pk=invitation.pk).update(
        last_sent_at=timezone.now() - timedelta(hours=1)
    )
    return invitation


def url_of(name: str, world, place, **fixed) -> str:
    """The URL `name`, its arguments taken from the world and the person's place in it."""
    route = URLS[name]
    kinds = {
        "organisations": "organisation",
        "projects": "project",
        "assessments": "assessment",
        "invitations": "invitation",
        "shared": "share",
        "shares": "offer",
        "evidence": "evidence",
    }
    kind = kinds.get(route.split("/")[0])
    if route.startswith(("shares/requests/", "portfolio/requests/")):
        kind = "request"
    elif route.startswith("cohorts/"):
        kind = "cohort"
    values = {
        "pk": {
            "organisation": world.organisation.pk,
            "project": place.project.pk,
            # The owner's side of sharing is about the submitted baseline.
            "assessment": (place.submitted if name in SHARING else place.assessment).pk,
            "invitation": world.received.pk,
            "evidence": place.evidence.pk,
            "share": place.share.pk,
            "offer": world.offer.pk,
            "request": world.asked.pk,
            "cohort": world.cohort.pk,
        }.get(kind),
        "code": world.cohort.join_code,
        "share_pk": place.share.pk,
        "number": 1,
        "invitation_pk": world.invitation.pk if kind == "organisation" else place.invitation.pk,
        "member_pk": world.member.pk,
        "export_pk": world.export.pk,
        "file_id": place.evidence.pk,
        "user_pk": place.collaborator.pk,
        "key": "1",
        "slug": world.checklist.slug,
        "version": world.checklist.version,
        # An invitation's token; for a password reset, a link that is not valid.
        "token": "set-password-abc" if name == "password_reset_confirm" else world.token,
        "uidb64": "MQ",
    }
    kwargs = {}
    for argument in re.findall(r"<(?:\w+:)?(\w+)>", route):
        if argument in fixed:
            kwargs[argument] = fixed[argument]
        elif values.get(argument) is not None:
            kwargs[argument] = values[argument]
        else:
            pytest.fail(f"Nothing fills <{argument}> of {name}: add it to url_of().")
    if name == "checklists:share-preview":
        # The preview shows terms: without them it would only show the form again.
        return reverse(name, kwargs=kwargs) + "?" + urlencode(share_terms())
    return reverse(name, kwargs=kwargs)


SHARING = {
    "checklists:assessment-reviews",
    "checklists:share-comments",
    "checklists:assessment-sharing",
    "checklists:share-preview",
    "checklists:share-create",
    "checklists:share-end",
    "checklists:share-extend",
}


def share_terms() -> dict:
    return {
        "email": "programmes@fund.example",
        "detail": "summary",
        "role": "viewer",
        "expires_at": (timezone.localdate() + timedelta(days=90)).isoformat(),
    }


def posted(name: str, world, place) -> dict:
    """A valid POST body for each write URL: refusals are then about access, never the data."""
    assessment = place.assessment
    bodies = {
        "checklists:organisation-create": lambda: {"name": "Awaj Foundation", "kind": "ngo"},
        "checklists:organisation-delete": lambda: {"name": world.organisation.name},
        "checklists:organisation-edit": lambda: {
            "name": "Threadline",
            "kind": "brand",
            "evidence_keep_days": 200,
        },
        "checklists:project-create": lambda: _project_form(world.organisation),
        "checklists:project-edit": lambda: _project_form(world.organisation, name="Renamed"),
        "checklists:invitation": lambda: {"answer": "accept"},
        "checklists:invitation-received": lambda: {"answer": "accept"},
        "account-name": lambda: {"name": "Someone Renamed"},
        "account-notifications": lambda: {"daily_digest": "1"},
        "account-email": lambda: {"email": "renamed@example.org", "password": PASSWORD},
        "checklists:member-invite": lambda: {"email": "another@brand.example", "role": "viewer"},
        "checklists:member-role": lambda: {"role": Membership.Role.EDITOR},
        "checklists:hand-over": lambda: {"member": world.member.pk},
        "checklists:collaborator-invite": lambda: {
            "email": "eng@provider.example",
            "role": "editor",
        },
        "checklists:collaborator-change": lambda: {"role": Membership.Role.VIEWER},
        "checklists:assessment-create": lambda: {
            "title": "Midline",
            "checklist": world.checklist.pk,
        },
        "checklists:assessment-section": lambda: section_data(assessment, "1", {"1.1": "planned"}),
        "checklists:assessment-copy": lambda: {"title": ""},
        "checklists:evidence-restore": lambda: {
            "retention_until": (timezone.localdate() + timedelta(days=60)).isoformat()
        },
        "checklists:answer-evidence": lambda: {
            "file": SimpleUploadedFile("Consent script.txt", b"Read this to every caller."),
            "personal_data": "no",
            "retention_until": (timezone.localdate() + timedelta(days=30)).isoformat(),
        },
        "checklists:assessment-actions": lambda: {"a3.1-owner": "Mallory", "a3.1-status": "open"},
        # The project has a submitted assessment: its name, typed again.
        "checklists:project-delete": lambda: {"confirm_name": place.project.name},
        "checklists:share-create": share_terms,
        "checklists:share-extend": lambda: {
            f"s{place.share.pk}-expires_at": (timezone.localdate() + timedelta(days=60)).isoformat()
        },
        "checklists:share-offer": lambda: {"answer": "accept", "organisation": world.brightline.pk},
        "checklists:shared-review": lambda: {"m-3.1": "needs_change", "action": "save"},
        **{
            name: lambda: {"action": "add", "question": "3.1", "body": "Who answers at night?"}
            for name in ("checklists:share-comments", "checklists:shared-comments")
        },
        "checklists:cohorts": lambda: {
            "organisation": world.fund.pk,
            "name": "Second round",
            "detail": "summary",
            "role": "viewer",
            "term_days": 180,
        },
        "checklists:cohort-open": lambda: {"open": "0"},
        "checklists:cohort": lambda: {
            "milestone": "endline",
            "due_date": (timezone.localdate() + timedelta(days=90)).isoformat(),
        },
        "checklists:cohort-join": lambda: {
            "submission": world.baseline.submission.pk,
            "detail": "summary",
        },
        "checklists:share-requests": lambda: {
            "organisation": world.fund.pk,
            "email": "someone@elsewhere.example",
            "purpose": "Due diligence.",
            "detail": "summary",
            "role": "viewer",
            "expires_at": (timezone.localdate() + timedelta(days=30)).isoformat(),
        },
        "checklists:share-request": lambda: {"answer": "decline"},
    }
    return bodies.get(name, dict)()


# --- Making requests ---------------------------------------------------------------------


class _Undo(Exception):
    """Rolls a request's writes back once they have been looked at."""


def attempt(client: Client, method: str, url: str, data: dict, before: dict):
    """Make the request and undo it; return the response and whether it had changed the
    database from `before` (None for a page shown to a GET, which may record a visit)."""
    sent = len(mail.outbox)
    with contextlib.suppress(_Undo), transaction.atomic():
        response = client.get(url) if method == "GET" else client.post(url, data)
        shown = method == "GET" and response.status_code == 200
        changed = None if shown else database_state() != before
        raise _Undo
    del mail.outbox[sent:]
    return response, changed


def outcome(response, method: str, changed: bool | None):
    """The response in the table's words; a refusal that wrote something says so."""
    status = response.status_code
    if status == 302:
        if response.url.startswith(reverse("login") + "?next="):
            found = LOGIN
        else:
            found = DONE if changed else AWAY
        return f"{found}, and it wrote" if changed and found != DONE else found
    if changed:
        return f"{status}, and it wrote"
    return status


# --- The matrix ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(URLS))
def test_who_may_use_each_url(name, world):
    if name not in EXPECTED:
        pytest.fail(
            f"{name} ({URLS[name]}) is not in EXPECTED: decide who may use it, and add a row."
        )
    # Every request is undone afterwards: each one starts from this state.
    before = database_state()
    expected, found = {}, {}
    for rule in EXPECTED[name]:
        for index, who in enumerate(PEOPLE):
            place = world.places[who]
            url = url_of(name, world, place, **rule.kwargs)
            for method in ("GET", "POST"):
                outcomes = rule.outcomes(method)
                if outcomes is None:
                    continue
                data = posted(name, world, place)
                response, changed = attempt(world.clients[who], method, url, data, before)
                expected[(url, who, method)] = outcomes[index]
                found[(url, who, method)] = outcome(response, method, changed)
    assert found == expected


# --- A submitted assessment ----------------------------------------------------------------


def test_a_submitted_assessment_refuses_every_change_even_to_its_owner(world, owner):
    here = world.places["owner"]
    services.assessment_submit(assessment=here.assessment, user=owner)
    before = database_state()
    section = url_of("checklists:assessment-section", world, here)
    changes = [
        (section, section_data(here.assessment, "1", {"1.1": "planned"})),
        (section, autosave_data(here.assessment, "1.1", "planned")),
        (url_of("checklists:assessment-submit", world, here), {}),
    ]
    for who in ("owner", "editor", "collaborator"):
        for url, data in changes:
            response, changed = attempt(world.clients[who], "POST", url, data, before)
            assert (who, url, response.status_code, changed) == (who, url, 403, False)
            assert "This assessment has been submitted and can no longer be changed" in (
                response.text
            )


def test_a_submitted_assessment_still_takes_its_action_plan_and_follow_ups(world, owner):
    # Work on the gaps goes on after submission, and the next assessment starts from this one.
    here = world.places["owner"]
    services.assessment_submit(assessment=here.assessment, user=owner)
    before = database_state()
    for name in ("checklists:assessment-actions", "checklists:assessment-copy"):
        url, data = url_of(name, world, here), posted(name, world, here)
        response, changed = attempt(world.clients["owner"], "POST", url, data, before)
        assert (name, response.status_code, changed) == (name, 302, True)

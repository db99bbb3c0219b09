"""Shares the recipient asks for: a funder's cohort that grantees join with a code, and a
request to one organisation's owner. Either way the grantee chooses the submission and may
share less than was asked, never more.

The world is test_sharing.py's: Threadline Apparel (owner Olivia) has a submitted baseline;
Open Voices Fund (owner Fatima, editor Rex, viewer Vera) runs the cohort.
"""

# The fixtures come from test_sharing.py, imported by name: pytest finds them so.
# ruff: noqa: F811

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from checklists.models import AuditEvent, Cohort, ReviewRound, Share, ShareRequest
from checklists.services import sharing as sharing_services
from tests.conftest import database_state, sent_mail
from tests.test_sharing import (  # noqa: F401 (fixtures)
    baseline,
    bruno,
    client_for,
    fatima,
    fund,
    project,
    rex,
    vera,
)

pytestmark = pytest.mark.django_db


def cohort_form(fund, **overrides) -> dict:
    return {
        "organisation": fund.pk,
        "name": "Worker Voice Fund 2027",
        "description": "Grants for worker-voice pilots in garment supply chains.",
        "detail": "sections",
        "sections": ["3", "6", "7"],
        "role": "reviewer",
        "term_days": 365,
        **overrides,
    }


@pytest.fixture
def cohort(fund, fatima):
    return sharing_services.cohort_create(
        funder=fund,
        name="Worker Voice Fund 2027",
        description="",
        detail="sections",
        sections=["3", "6", "7"],
        role="reviewer",
        term_days=365,
        user=fatima,
    )


def join_url(cohort) -> str:
    return reverse("checklists:cohort-join", args=[cohort.join_code])


def test_a_funder_creates_a_cohort_and_a_grantee_joins_it(fatima, fund, owner, baseline):
    response = client_for(fatima).post(reverse("checklists:cohorts"), cohort_form(fund))
    cohort = Cohort.objects.get()
    assert response["Location"] == reverse("checklists:cohort", args=[cohort.pk])
    page = client_for(fatima).get(response["Location"]).content.decode()
    assert join_url(cohort) in page
    assert "No grantee has joined yet." in page

    as_owner = client_for(owner)
    join = as_owner.get(join_url(cohort)).content.decode()
    assert "Open Voices Fund asks its grantees to share" in join
    # Never more than asked: "full" is not offered.
    assert 'value="full"' not in join
    response = as_owner.post(
        join_url(cohort),
        {
            "submission": baseline.submission.pk,
            "detail": "sections",
            "sections": ["3", "7"],
            "follows_later": "on",
        },
    )
    assert response.status_code == 302
    share = Share.objects.get()
    assert (share.status, share.recipient, share.cohort, share.detail, share.sections) == (
        "active",
        fund,
        cohort,
        "sections",
        ["3", "7"],
    )
    assert share.role == "reviewer"
    assert ReviewRound.objects.filter(share=share).count() == 1
    assert sent_mail()[-1]["to"] == ["fatima@fund.example"]
    assert AuditEvent.objects.filter(kind="share.granted").count() == 1
    # The funder sees it at once: both sides consented.
    assert client_for(fatima).get(reverse("checklists:shared", args=[share.pk])).status_code == 200
    grantees = (
        client_for(fatima).get(reverse("checklists:cohort", args=[cohort.pk])).content.decode()
    )
    assert "Dhaka garment hotline" in grantees


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"detail": "full"}, "Select a valid choice"),
        ({"detail": "sections", "sections": ["1"]}, "Select a valid choice"),
        ({"submission": 999999}, "Select a valid choice"),
    ],
)
def test_a_grantee_cannot_share_more_than_the_cohort_asks(
    cohort, owner, baseline, overrides, error
):
    as_owner = client_for(owner)
    before = database_state()
    response = as_owner.post(
        join_url(cohort),
        {"submission": baseline.submission.pk, "detail": "summary", **overrides},
    )
    assert response.status_code == 400
    assert error in response.content.decode()
    assert database_state() == before


def test_the_service_refuses_more_than_asked_even_past_the_form(cohort, owner, baseline):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="never more"):
        sharing_services.cohort_join(
            cohort=cohort,
            submission=baseline.submission,
            detail="full",
            sections=[],
            follows_later=False,
            user=owner,
            site="http://testserver",
        )
    assert not Share.objects.exists()


def test_only_the_owner_of_a_submission_can_join_with_it(cohort, baseline, editor, bruno):
    for someone in (editor, bruno):
        as_someone = client_for(someone)
        before = database_state()
        response = as_someone.post(
            join_url(cohort), {"submission": baseline.submission.pk, "detail": "summary"}
        )
        assert response.status_code == 400
        assert database_state() == before


def test_a_closed_cohort_takes_no_one(cohort, fatima, owner, baseline):
    client_for(fatima).post(reverse("checklists:cohort-open", args=[cohort.pk]), {"open": "0"})
    as_owner = client_for(owner)
    before = database_state()
    response = as_owner.post(
        join_url(cohort), {"submission": baseline.submission.pk, "detail": "summary"}
    )
    assert response.status_code == 400
    assert "no longer takes new grantees" in response.content.decode()
    assert database_state() == before


def test_an_unknown_join_code_is_404(owner):
    assert client_for(owner).get("/cohorts/join/ABCDEFGHJKMN/").status_code == 404


def test_a_cohort_is_its_funders_business(cohort, fatima, rex, vera, owner, bruno):
    url = reverse("checklists:cohort", args=[cohort.pk])
    for member in (fatima, rex, vera):
        assert client_for(member).get(url).status_code == 200
    for stranger in (owner, bruno):
        assert client_for(stranger).get(url).status_code == 404
    close = reverse("checklists:cohort-open", args=[cohort.pk])
    for member, status in ((rex, 403), (vera, 403), (owner, 404)):
        client = client_for(member)
        before = database_state()
        assert client.post(close, {"open": "0"}).status_code == status
        assert database_state() == before


# --- Requests -------------------------------------------------------------------------------


def request_form(fund, **overrides) -> dict:
    return {
        "organisation": fund.pk,
        "email": "olivia@brand.example",
        "purpose": "Due diligence before the 2027 grant round.",
        "detail": "sections",
        "sections": ["3", "7"],
        "role": "viewer",
        "expires_at": (timezone.localdate() + timedelta(days=90)).isoformat(),
        **overrides,
    }


def test_a_funder_asks_and_the_grantee_shares_less(fatima, fund, owner, baseline):
    response = client_for(fatima).post(reverse("checklists:share-requests"), request_form(fund))
    assert response.status_code == 302
    asked = ShareRequest.objects.get()
    message = sent_mail()[-1]
    assert message["to"] == ["olivia@brand.example"]
    assert "Due diligence before the 2027 grant round." in message["body"]
    link = reverse("checklists:share-request", args=[asked.pk])
    assert link in message["body"]

    as_owner = client_for(owner)
    assert link in as_owner.get(reverse("checklists:dashboard")).content.decode()
    page = as_owner.get(link).content.decode()
    assert "Due diligence before the 2027 grant round." in page
    response = as_owner.post(
        link,
        {
            "answer": "grant",
            "submission": baseline.submission.pk,
            "detail": "summary",
            "expires_at": (timezone.localdate() + timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code == 302
    share = Share.objects.get()
    assert (share.detail, share.recipient, share.status, share.role) == (
        "summary",
        fund,
        "active",
        "viewer",
    )
    asked.refresh_from_db()
    assert (asked.status, asked.share) == ("granted", share)
    assert sent_mail()[-1]["to"] == ["fatima@fund.example"]


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"detail": "full"}, "Select a valid choice"),
        ({"detail": "sections", "sections": ["6"]}, "Select a valid choice"),
        (
            {"expires_at": (timezone.localdate() + timedelta(days=200)).isoformat()},
            "choose that day or earlier",
        ),
        ({"answer": "maybe"}, "Choose to share or to decline."),
    ],
)
def test_a_request_is_never_answered_with_more(fatima, fund, owner, baseline, overrides, error):
    client_for(fatima).post(reverse("checklists:share-requests"), request_form(fund))
    asked = ShareRequest.objects.get()
    as_owner = client_for(owner)
    before = database_state()
    response = as_owner.post(
        reverse("checklists:share-request", args=[asked.pk]),
        {
            "answer": "grant",
            "submission": baseline.submission.pk,
            "detail": "sections",
            "sections": ["3"],
            "expires_at": (timezone.localdate() + timedelta(days=30)).isoformat(),
            **overrides,
        },
    )
    assert response.status_code == 400
    assert error in response.content.decode()
    assert database_state() == before


def test_a_request_is_for_its_address_alone(fatima, fund, owner, editor, bruno, baseline):
    client_for(fatima).post(reverse("checklists:share-requests"), request_form(fund))
    asked = ShareRequest.objects.get()
    for other in (editor, bruno, fatima):
        client = client_for(other)
        before = database_state()
        assert client.get(reverse("checklists:share-request", args=[asked.pk])).status_code == 404
        assert (
            client.post(
                reverse("checklists:share-request", args=[asked.pk]), {"answer": "decline"}
            ).status_code
            == 404
        )
        assert database_state() == before


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"purpose": ""}, "This field is required"),
        ({"email": "rex@fund.example"}, "is a member of Open Voices Fund"),
        ({"expires_at": "2020-01-01"}, "in the future"),
        ({"detail": "everything"}, "Select a valid choice"),
        ({"organisation": 999999}, "Select a valid choice"),
    ],
)
def test_a_tampered_request_changes_nothing(fatima, fund, rex, overrides, error):
    as_fatima = client_for(fatima)
    before = database_state()
    response = as_fatima.post(reverse("checklists:share-requests"), request_form(fund, **overrides))
    assert response.status_code == 400
    assert error in response.content.decode()
    assert database_state() == before


def test_a_request_can_be_declined_or_withdrawn(fatima, fund, owner, vera):
    client_for(fatima).post(reverse("checklists:share-requests"), request_form(fund))
    client_for(fatima).post(
        reverse("checklists:share-requests"), request_form(fund, email="bruno@buyers.example")
    )
    first, second = ShareRequest.objects.order_by("pk")
    client_for(owner).post(
        reverse("checklists:share-request", args=[first.pk]), {"answer": "decline"}
    )
    first.refresh_from_db()
    assert first.status == "declined"
    withdraw = reverse("checklists:share-request-withdraw", args=[second.pk])
    as_vera = client_for(vera)
    before = database_state()
    assert as_vera.post(withdraw).status_code == 403  # a viewer at the fund
    assert database_state() == before
    client_for(fatima).post(withdraw)
    second.refresh_from_db()
    assert second.status == "withdrawn"


# --- Milestones and the cohort report ------------------------------------------------------


def test_a_funder_asks_for_an_endline_and_the_grantee_sees_a_to_do(
    cohort, fatima, owner, baseline, project, checklist
):
    sharing_services.cohort_join(
        cohort=cohort,
        submission=baseline.submission,
        detail="summary",
        sections=[],
        follows_later=True,
        user=owner,
        site="http://testserver",
    )
    due = (timezone.localdate() + timedelta(days=120)).isoformat()
    response = client_for(fatima).post(
        reverse("checklists:cohort", args=[cohort.pk]), {"milestone": "endline", "due_date": due}
    )
    assert response.status_code == 302
    project_page = client_for(owner).get(reverse("checklists:project-detail", args=[project.pk]))
    assert "Open Voices Fund (Worker Voice Fund 2027) asks for a submission marked endline by" in (
        project_page.content.decode()
    )
    cohort_page = client_for(fatima).get(reverse("checklists:cohort", args=[cohort.pk]))
    assert "due " in cohort_page.content.decode()
    from tests.test_sharing import submit

    submit(project, checklist, owner, title="Endline", copy_from=baseline, milestone="endline")
    project_page = client_for(owner).get(reverse("checklists:project-detail", args=[project.pk]))
    assert "asks for a submission marked endline" not in project_page.content.decode()
    assert (
        ">submitted<"
        in client_for(fatima).get(reverse("checklists:cohort", args=[cohort.pk])).content.decode()
    )


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"milestone": "endline", "due_date": "2020-01-01"}, "Choose a date in the future."),
        ({"milestone": "final", "due_date": "2030-01-01"}, "Select a valid choice"),
        ({"milestone": "endline", "due_date": "soon"}, "Enter a valid date"),
    ],
)
def test_a_bad_milestone_request_changes_nothing(cohort, fatima, data, error):
    as_fatima = client_for(fatima)
    before = database_state()
    response = as_fatima.post(reverse("checklists:cohort", args=[cohort.pk]), data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert database_state() == before


def test_only_the_funders_owners_ask_for_milestones(cohort, rex, owner):
    for someone, status in ((rex, 403), (owner, 404)):
        client = client_for(someone)
        before = database_state()
        response = client.post(
            reverse("checklists:cohort", args=[cohort.pk]),
            {"milestone": "endline", "due_date": "2030-01-01"},
        )
        assert response.status_code == status
        assert database_state() == before


def test_the_cohort_report_lists_each_grantee_at_summary_fields(cohort, fatima, owner, baseline):
    import io as _io

    from pypdf import PdfReader

    sharing_services.cohort_join(
        cohort=cohort,
        submission=baseline.submission,
        detail="sections",
        sections=["3"],
        follows_later=True,
        user=owner,
        site="http://testserver",
    )
    response = client_for(fatima).get(reverse("checklists:cohort-report-pdf", args=[cohort.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    text = "\n".join(p.extract_text() for p in PdfReader(_io.BytesIO(response.content)).pages)
    assert "Cohort report: Worker Voice Fund 2027" in text
    assert "Threadline" in text
    assert "Verdicts (n = 1)" in text
    assert "Signed policy" not in text  # no evidence, whatever the share's detail
    assert (
        client_for(owner).get(reverse("checklists:cohort-report-pdf", args=[cohort.pk])).status_code
        == 404
    )


def test_a_request_waits_on_the_owners_sharing_page_too(fatima, fund, owner, baseline):
    client_for(fatima).post(reverse("checklists:share-requests"), request_form(fund))
    asked = ShareRequest.objects.get()
    page = client_for(owner).get(reverse("checklists:assessment-sharing", args=[baseline.pk]))
    assert reverse("checklists:share-request", args=[asked.pk]) in page.content.decode()


def test_email_subjects_keep_names_as_written(fatima, owner, baseline, organisation):
    """A subject is plain text: an apostrophe in a name is not written as an HTML entity."""
    from checklists import services
    from checklists.models import Membership
    from tests.conftest import SITE

    Organisation = type(organisation)
    Organisation.objects.filter(pk=organisation.pk).update(name="Workers' Line & Co")
    organisation.refresh_from_db()
    sharing_services.share_offer(
        submission=baseline.submission,
        email="fatima@fund.example",
        detail="summary",
        sections=[],
        role="viewer",
        follows_later=False,
        expires_at=timezone.now() + timedelta(days=30),
        message="",
        user=owner,
        site=SITE,
    )
    assert mail_subjects()[-1] == "Workers' Line & Co offers to share an assessment with you"
    services.invitation_create(
        organisation=organisation,
        email="someone@elsewhere.example",
        role=Membership.Role.VIEWER,
        invited_by=owner,
        site=SITE,
    )
    assert mail_subjects()[-1] == "You are invited to join Workers' Line & Co in westcheck"


def mail_subjects() -> list[str]:
    return [message["subject"] for message in sent_mail()]

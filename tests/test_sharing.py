"""Sharing a submission with a funder or a buyer: consented on both sides, at the detail the
owner chose, revoked at once.

The world: Threadline Apparel (owner Olivia, editor Edith, viewer Victor, collaborator Carmen)
submitted a baseline of its hotline project with two gaps (3.1 remedy, 7.2 consent), evidence
notes on every answer and an action planned for 3.1. Open Voices Fund (owner Fatima, editor
Rex, viewer Vera) is the funder it shares with; Brightline Buyers (owner Bruno) is a brand that
receives nothing unless a test says so.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from checklists import services
from checklists.models import AuditEvent, Membership, Organisation, Share, Submission
from checklists.services import sharing as sharing_services
from tests.conftest import (
    SITE,
    audit_lock_queries,
    database_state,
    invite_and_accept,
    person,
    sent_mail,
)
from tests.test_walkthrough import PROFILE, answer_everything

pytestmark = pytest.mark.django_db

EVIDENCE_NOTE = "Signed policy, version 2."
ACTION_OWNER = "Priya Patel, HR lead"
OFFER_LINK = re.compile(r"https?://[^/\s]+/shares/offers/(?P<pk>\d+)/")


# --- The world ------------------------------------------------------------------------------


@pytest.fixture
def project(organisation, owner):
    return services.project_create(organisation=organisation, created_by=owner, **PROFILE)


def submit(project, checklist, owner, *, title="Baseline", copy_from=None, gaps=None, milestone=""):
    assessment = services.assessment_start(
        project=project, checklist=checklist, title=title, started_by=owner, copy_from=copy_from
    )
    answer_everything(assessment, owner, exceptions=gaps)
    services.assessment_submit(assessment=assessment, user=owner, milestone=milestone)
    assessment.refresh_from_db()
    return assessment


@pytest.fixture
def baseline(project, checklist, owner):
    assessment = submit(
        project,
        checklist,
        owner,
        gaps={"3.1": "planned", "7.2": {"rating": "not_started"}},
        milestone="baseline",
    )
    services.action_update(
        assessment=assessment,
        question=checklist.questions.get(key="3.1"),
        owner=ACTION_OWNER,
        due_date=date(2027, 3, 31),
        status="in_progress",
        user=owner,
    )
    return assessment


@pytest.fixture
def fatima():
    return person("fatima@fund.example", "Fatima Funder")


@pytest.fixture
def fund(fatima):
    return services.organisation_create(
        name="Open Voices Fund", kind=Organisation.Kind.FUNDER, owner=fatima
    )


@pytest.fixture
def rex(fund, fatima):
    """An editor at the fund: under a reviewer share, the recipient's reviewer."""
    return invite_and_accept(
        fund, person("rex@fund.example", "Rex Reviewer"), Membership.Role.EDITOR, invited_by=fatima
    )


@pytest.fixture
def vera(fund, fatima):
    """A viewer at the fund: the recipient's viewer, who may read but never review."""
    return invite_and_accept(
        fund, person("vera@fund.example", "Vera Viewer"), Membership.Role.VIEWER, invited_by=fatima
    )


@pytest.fixture
def bruno():
    bruno = person("bruno@buyers.example", "Bruno Buyer")
    services.organisation_create(
        name="Brightline Buyers", kind=Organisation.Kind.BRAND, owner=bruno
    )
    return bruno


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def offer(baseline, owner, email="fatima@fund.example", **terms) -> Share:
    terms = {
        "detail": "summary",
        "sections": [],
        "role": "viewer",
        "follows_later": False,
        "expires_at": timezone.now() + timedelta(days=30),
        "message": "",
        **terms,
    }
    return sharing_services.share_offer(
        submission=baseline.submission, email=email, user=owner, site=SITE, **terms
    )


def accepted(share: Share, user, organisation) -> Share:
    return sharing_services.share_accept(
        share=share, organisation=organisation, user=user, site=SITE
    )


def shared_urls(share: Share, number: int = 1) -> list[str]:
    """Every URL of what a share shows: the page, the numbered page, the PDF, CSV and JSON."""
    return [
        reverse("checklists:shared", args=[share.pk]),
        reverse("checklists:shared-submission", args=[share.pk, number]),
        reverse("checklists:shared-report-pdf", args=[share.pk, number]),
        reverse("checklists:shared-export", args=[share.pk, number, "csv"]),
        reverse("checklists:shared-export", args=[share.pk, number, "json"]),
    ]


def terms_form(**overrides) -> dict:
    return {
        "email": "fatima@fund.example",
        "detail": "summary",
        "role": "viewer",
        "expires_at": (timezone.localdate() + timedelta(days=90)).isoformat(),
        "message": "For the Worker Voice Fund review.",
        **overrides,
    }


# --- Offer, accept, see -----------------------------------------------------------------------


def test_an_offer_shares_nothing_until_an_owner_of_the_recipient_accepts_it(
    baseline, owner, fatima, fund
):
    as_owner = client_for(owner)
    response = as_owner.post(
        reverse("checklists:share-create", args=[baseline.pk]), terms_form(), follow=True
    )
    assert "Offered to fatima@fund.example" in response.content.decode()
    share = Share.objects.get()
    assert (share.status, share.recipient, share.detail) == ("offered", None, "summary")

    # The e-mail carries the link to the offer; the funder sees it on the dashboard too.
    message = sent_mail()[-1]
    assert message["to"] == ["fatima@fund.example"]
    assert "Threadline Apparel" in message["subject"] + message["body"]
    link = OFFER_LINK.search(message["body"])
    assert link
    assert int(link["pk"]) == share.pk

    as_fatima = client_for(fatima)
    for url in shared_urls(share):
        assert as_fatima.get(url).status_code == 404, url
    portfolio = as_fatima.get(reverse("checklists:portfolio")).content.decode()
    assert "Shared with you" not in portfolio
    assert reverse("checklists:share-offer", args=[share.pk]) in portfolio
    dashboard = as_fatima.get(reverse("checklists:dashboard")).content.decode()
    assert reverse("checklists:share-offer", args=[share.pk]) in dashboard

    offer_page = as_fatima.get(reverse("checklists:share-offer", args=[share.pk])).content.decode()
    assert "Open Voices Fund" in offer_page
    assert "For the Worker Voice Fund review." in offer_page
    response = as_fatima.post(
        reverse("checklists:share-offer", args=[share.pk]),
        {"answer": "accept", "organisation": fund.pk},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("checklists:shared", args=[share.pk])
    share.refresh_from_db()
    assert (share.status, share.recipient, share.decided_by) == ("active", fund, fatima)

    page = as_fatima.get(reverse("checklists:shared", args=[share.pk])).content.decode()
    assert "Dhaka garment hotline" in page
    assert "Not ready" in page
    portfolio = as_fatima.get(reverse("checklists:portfolio")).content.decode()
    assert "Dhaka garment hotline" in portfolio
    # Olivia hears of it, with a link to who has access.
    accepted_mail = sent_mail()[-1]
    assert accepted_mail["to"] == ["olivia@brand.example"]
    assert reverse("checklists:assessment-sharing", args=[baseline.pk]) in accepted_mail["body"]


def test_declining_an_offer_shares_nothing(baseline, owner, fatima, fund):
    share = offer(baseline, owner)
    as_fatima = client_for(fatima)
    as_fatima.post(reverse("checklists:share-offer", args=[share.pk]), {"answer": "decline"})
    share.refresh_from_db()
    assert share.status == "declined"
    for url in shared_urls(share):
        assert as_fatima.get(url).status_code == 404
    # Accepting after declining changes nothing.
    before = database_state()
    response = as_fatima.post(
        reverse("checklists:share-offer", args=[share.pk]),
        {"answer": "accept", "organisation": fund.pk},
    )
    assert response.status_code == 400
    assert "no longer open" in response.content.decode()
    assert database_state() == before


def test_an_offer_is_for_its_address_alone(baseline, owner, fatima, fund, bruno, rex):
    share = offer(baseline, owner)
    for other in (bruno, rex, owner):
        client = client_for(other)
        assert client.get(reverse("checklists:share-offer", args=[share.pk])).status_code == 404
        before = database_state()
        response = client.post(
            reverse("checklists:share-offer", args=[share.pk]),
            {"answer": "accept", "organisation": fund.pk},
        )
        assert response.status_code == 404
        assert database_state() == before


def test_an_offer_is_accepted_only_for_an_organisation_its_reader_owns(
    baseline, owner, fatima, fund, bruno
):
    share = offer(baseline, owner)
    brightline = Organisation.objects.get(name="Brightline Buyers")
    as_fatima = client_for(fatima)
    before = database_state()
    response = as_fatima.post(
        reverse("checklists:share-offer", args=[share.pk]),
        {"answer": "accept", "organisation": brightline.pk},
    )
    assert response.status_code == 400
    assert database_state() == before


def test_accepting_twice_changes_nothing(baseline, owner, fatima, fund):
    share = accepted(offer(baseline, owner), fatima, fund)
    as_fatima = client_for(fatima)
    before = database_state()
    response = as_fatima.post(
        reverse("checklists:share-offer", args=[share.pk]),
        {"answer": "accept", "organisation": fund.pk},
    )
    assert response.status_code == 400
    assert database_state() == before


def test_everyone_at_the_recipient_sees_it_and_the_owner_sees_who_opened_it(
    baseline, owner, fatima, fund, vera
):
    share = accepted(offer(baseline, owner), fatima, fund)
    as_vera = client_for(vera)
    for url in shared_urls(share):
        assert as_vera.get(url).status_code == 200, url
    access = client_for(owner).get(reverse("checklists:assessment-sharing", args=[baseline.pk]))
    text = access.content.decode()
    assert "Open Voices Fund" in text
    assert "viewed by Vera Viewer" in text
    assert "downloaded by Vera Viewer" in text
    assert AuditEvent.objects.filter(kind="share.downloaded").count() == 3


# --- Revocation and expiry: gone on the next request ----------------------------------------


def test_a_revoked_share_is_gone_on_the_very_next_request(baseline, owner, fatima, fund, vera):
    share = accepted(offer(baseline, owner), fatima, fund)
    as_vera = client_for(vera)
    assert [as_vera.get(url).status_code for url in shared_urls(share)] == [200] * 5
    response = client_for(owner).post(
        reverse("checklists:share-end", args=[baseline.pk, share.pk]), follow=True
    )
    assert "Revoked: Open Voices Fund no longer has access." in response.content.decode()
    assert [as_vera.get(url).status_code for url in shared_urls(share)] == [404] * 5
    assert (
        "Dhaka garment hotline" not in as_vera.get(reverse("checklists:portfolio")).content.decode()
    )
    revoked_mail = sent_mail()[-1]
    assert revoked_mail["to"] == ["fatima@fund.example"]
    assert AuditEvent.objects.filter(kind="share.revoked").count() == 1


def test_an_expired_share_is_gone_without_any_job(baseline, owner, fatima, fund):
    share = accepted(offer(baseline, owner), fatima, fund)
    as_fatima = client_for(fatima)
    assert as_fatima.get(shared_urls(share)[0]).status_code == 200
    Share.objects.filter(pk=share.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert [as_fatima.get(url).status_code for url in shared_urls(share)] == [404] * 5
    # The owner sees it as expired and may give it more time.
    text = client_for(owner).get(reverse("checklists:assessment-sharing", args=[baseline.pk]))
    assert "Expired" in text.content.decode()
    later = (timezone.localdate() + timedelta(days=60)).isoformat()
    client_for(owner).post(
        reverse("checklists:share-extend", args=[baseline.pk, share.pk]),
        {f"s{share.pk}-expires_at": later},
    )
    assert as_fatima.get(shared_urls(share)[0]).status_code == 200
    assert AuditEvent.objects.filter(kind="share.extended").count() == 1


def test_an_offer_can_be_withdrawn_before_it_is_answered(baseline, owner, fatima, fund):
    share = offer(baseline, owner)
    client_for(owner).post(reverse("checklists:share-end", args=[baseline.pk, share.pk]))
    share.refresh_from_db()
    assert share.status == "withdrawn"
    response = client_for(fatima).post(
        reverse("checklists:share-offer", args=[share.pk]),
        {"answer": "accept", "organisation": fund.pk},
    )
    assert response.status_code == 400
    assert Share.objects.get().status == "withdrawn"


# --- Detail levels ------------------------------------------------------------------------------


def fetch_all(client, share) -> dict[str, str]:
    """What the recipient can read of a share, as text: the page, the CSV and the JSON."""
    page, _, _pdf, csv_url, json_url = shared_urls(share)
    return {
        "html": client.get(page).content.decode(),
        "csv": client.get(csv_url).content.decode("utf-8-sig"),
        "json": client.get(json_url).content.decode(),
    }


def test_a_summary_shows_verdict_gates_and_gaps_but_no_rating_evidence_or_name(
    baseline, owner, fatima, fund
):
    share = accepted(offer(baseline, owner, detail="summary"), fatima, fund)
    fetched = fetch_all(client_for(fatima), share)
    html = fetched["html"]
    assert "Not ready" in html
    assert "3.1" in html
    assert "7.2" in html
    assert "Blocking" in html
    for text in fetched.values():
        assert EVIDENCE_NOTE not in text
        assert ACTION_OWNER not in text
        assert "Olivia Owner" not in text
        assert "In place with evidence" not in text
        assert "in_place_with_evidence" not in text
        assert "2027-03-31" not in text
        assert "31 Mar 2027" not in text
    data = json.loads(fetched["json"])
    assert data["detail"] == "summary"
    assert data["answers"] == []
    assert data["gaps"] == ["3.1", "7.2"]
    assert data["actions"] == [{"question": "3.1", "status": "in_progress"}]
    rows = list(csv.DictReader(io.StringIO(fetched["csv"])))
    assert len(rows) == 60
    assert all(not row["rating"] and not row["evidence_note"] for row in rows)


def test_chosen_sections_show_their_ratings_and_no_evidence_or_name(baseline, owner, fatima, fund):
    share = accepted(offer(baseline, owner, detail="sections", sections=["3"]), fatima, fund)
    fetched = fetch_all(client_for(fatima), share)
    for text in fetched.values():
        assert EVIDENCE_NOTE not in text
        assert ACTION_OWNER not in text
        assert "Olivia Owner" not in text
    data = json.loads(fetched["json"])
    assert {answer["question"][:2] for answer in data["answers"]} == {"3."}
    assert {answer["question"]: answer["rating"] for answer in data["answers"]}["3.1"] == "planned"
    assert all(
        set(answer) == {"question", "rating", "na_justification"} for answer in data["answers"]
    )
    rows = {row["question"]: row for row in csv.DictReader(io.StringIO(fetched["csv"]))}
    assert rows["3.1"]["rating"] == "planned"
    assert rows["7.2"]["rating"] == ""
    assert rows["1.1"]["rating"] == ""
    assert rows["3.1"]["action_due"] == "2027-03-31"
    assert "In place with evidence" in fetched["html"]


def test_full_detail_shows_evidence_and_names(baseline, owner, fatima, fund):
    share = accepted(offer(baseline, owner, detail="full"), fatima, fund)
    fetched = fetch_all(client_for(fatima), share)
    for text in fetched.values():
        assert EVIDENCE_NOTE in text
        assert ACTION_OWNER in text
    assert "Olivia Owner" in fetched["html"]
    assert "Olivia Owner" in fetched["json"]
    assert len(json.loads(fetched["json"])["answers"]) == len(baseline.submission.answers)


def test_the_pdf_is_at_the_shares_detail_and_says_so(baseline, owner, fatima, fund):
    share = accepted(offer(baseline, owner, detail="summary"), fatima, fund)
    response = client_for(fatima).get(shared_urls(share)[2])
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    reader = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Shared with Open Voices Fund" in text
    assert "summary detail" in text.lower()
    assert EVIDENCE_NOTE not in text
    assert ACTION_OWNER not in text
    assert "Olivia Owner" not in text


def test_the_preview_is_what_the_recipient_sees(baseline, owner, fatima, fund):
    terms = terms_form(detail="sections", sections=["3", "7"])
    preview = client_for(owner).get(reverse("checklists:share-preview", args=[baseline.pk]), terms)
    assert preview.status_code == 200
    share = accepted(offer(baseline, owner, detail="sections", sections=["3", "7"]), fatima, fund)
    shared_page = client_for(fatima).get(reverse("checklists:shared", args=[share.pk]))

    def content(html: str) -> str:
        # The part both draw from the same SharedPage, from the submission line to the hash.
        start = html.index('<p class="text-body-secondary small shared-meta">')
        end = html.index("</p>", html.index("Integrity hash of this submission"))
        return html[start:end]

    assert content(preview.content.decode()) == content(shared_page.content.decode())


def test_the_preview_posts_exactly_the_terms_previewed(baseline, owner):
    terms = terms_form(detail="sections", sections=["3", "7"], role="reviewer", follows_later="on")
    preview = client_for(owner).get(reverse("checklists:share-preview", args=[baseline.pk]), terms)
    html = preview.content.decode()
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    assert hidden["detail"] == "sections"
    assert hidden["role"] == "reviewer"
    assert re.findall(r'name="sections" value="(\w+)"', html) == ["3", "7"]
    post = {k: v for k, v in hidden.items() if k != "csrfmiddlewaretoken"} | {
        "sections": ["3", "7"]
    }
    client_for(owner).post(reverse("checklists:share-create", args=[baseline.pk]), post)
    share = Share.objects.get()
    assert (share.detail, share.sections, share.role, share.follows_later) == (
        "sections",
        ["3", "7"],
        "reviewer",
        True,
    )


# --- Who may share --------------------------------------------------------------------------


def test_members_see_who_has_access_and_only_owners_share(
    baseline, owner, editor, viewer, collaborator, outsider
):
    sharing_page = reverse("checklists:assessment-sharing", args=[baseline.pk])
    create = reverse("checklists:share-create", args=[baseline.pk])
    preview = reverse("checklists:share-preview", args=[baseline.pk])
    assert client_for(owner).get(sharing_page).status_code == 200
    for member in (editor, viewer):
        page = client_for(member).get(sharing_page)
        assert page.status_code == 200
        assert "Preview what they will see" not in page.content.decode()
    expected = {editor: 403, viewer: 403, collaborator: 403, outsider: 404}
    for person_, status in expected.items():
        client = client_for(person_)
        before = database_state()
        assert client.post(create, terms_form()).status_code == status
        assert client.get(preview, terms_form()).status_code == status
        assert database_state() == before
    assert client_for(collaborator).get(sharing_page).status_code == 403
    assert client_for(outsider).get(sharing_page).status_code == 404


def test_a_draft_is_never_shared(project, checklist, owner):
    draft = services.assessment_start(
        project=project, checklist=checklist, title="Draft", started_by=owner
    )
    as_owner = client_for(owner)
    page = as_owner.get(reverse("checklists:assessment-sharing", args=[draft.pk]))
    assert page.status_code == 200
    assert "Submit this assessment first" in page.content.decode()
    assert (
        as_owner.get(reverse("checklists:share-preview", args=[draft.pk]), terms_form()).status_code
        == 404
    )
    before = database_state()
    assert (
        as_owner.post(reverse("checklists:share-create", args=[draft.pk]), terms_form()).status_code
        == 404
    )
    assert database_state() == before


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"detail": "everything"}, "Select a valid choice"),
        ({"detail": "sections", "sections": ["3", "99"]}, "Select a valid choice"),
        ({"detail": "sections"}, "Choose at least one section"),
        ({"role": "owner"}, "Select a valid choice"),
        ({"expires_at": "2020-01-01"}, "in the future"),
        ({"expires_at": (date.today() + timedelta(days=4 * 365)).isoformat()}, "three years"),
        ({"expires_at": "not a date"}, "Enter a valid date"),
        ({"email": "edith@brand.example"}, "is a member of Threadline Apparel"),
        ({"email": "not-an-address"}, "Enter a valid email address"),
        ({"message": "x" * 1001}, "at most 1000 characters"),
    ],
)
def test_a_tampered_offer_is_refused_and_changes_nothing(baseline, owner, editor, overrides, error):
    as_owner = client_for(owner)
    before = database_state()
    response = as_owner.post(
        reverse("checklists:share-create", args=[baseline.pk]), terms_form(**overrides)
    )
    assert response.status_code == 400
    assert error in response.content.decode()
    assert database_state() == before


def test_a_second_offer_to_the_same_address_waits_for_the_first(baseline, owner):
    offer(baseline, owner)
    as_owner = client_for(owner)
    before = database_state()
    response = as_owner.post(reverse("checklists:share-create", args=[baseline.pk]), terms_form())
    assert response.status_code == 400
    assert "already waiting" in response.content.decode()
    assert database_state() == before


def test_a_share_of_another_project_cannot_be_ended_through_this_one(
    baseline, owner, project, checklist, organisation, fatima, fund
):
    share = accepted(offer(baseline, owner), fatima, fund)
    other_project = services.project_create(
        organisation=organisation, created_by=owner, **{**PROFILE, "name": "Other"}
    )
    other = submit(other_project, checklist, owner)
    as_owner = client_for(owner)
    before = database_state()
    response = as_owner.post(reverse("checklists:share-end", args=[other.pk, share.pk]))
    assert response.status_code == 404
    assert database_state() == before


# --- Recipients ---------------------------------------------------------------------------------


def test_recipients_cannot_reshare_or_reach_the_owners_pages(baseline, owner, fatima, fund):
    share = accepted(offer(baseline, owner, detail="full"), fatima, fund)
    as_fatima = client_for(fatima)
    for name in ("assessment-sharing", "assessment-detail", "assessment-report-pdf"):
        assert as_fatima.get(reverse(f"checklists:{name}", args=[baseline.pk])).status_code == 404
    before = database_state()
    response = as_fatima.post(
        reverse("checklists:share-create", args=[baseline.pk]),
        terms_form(email="bruno@buyers.example"),
    )
    assert response.status_code == 404
    assert database_state() == before
    assert share.pk  # the share itself stands


def test_another_funder_sees_nothing_of_a_share(baseline, owner, fatima, fund, bruno):
    share = accepted(offer(baseline, owner), fatima, fund)
    as_bruno = client_for(bruno)
    assert [as_bruno.get(url).status_code for url in shared_urls(share)] == [404] * 5


def test_a_pinned_share_shows_one_submission_and_a_following_one_the_later_ones_too(
    baseline, owner, project, checklist, fatima, fund, bruno
):
    pinned = accepted(offer(baseline, owner), fatima, fund)
    follows = accepted(
        offer(baseline, owner, email="bruno@buyers.example", follows_later=True),
        bruno,
        Organisation.objects.get(name="Brightline Buyers"),
    )
    submit(project, checklist, owner, title="Follow-up", copy_from=baseline, milestone="endline")
    assert Submission.objects.filter(project=project).count() == 2

    as_fatima, as_bruno = client_for(fatima), client_for(bruno)
    assert (
        "Submission 1"
        in as_fatima.get(reverse("checklists:shared", args=[pinned.pk])).content.decode()
    )
    assert (
        as_fatima.get(reverse("checklists:shared-submission", args=[pinned.pk, 2])).status_code
        == 404
    )
    latest = as_bruno.get(reverse("checklists:shared", args=[follows.pk])).content.decode()
    assert "Submission 2" in latest
    assert "Ready" in latest
    for url in shared_urls(follows, number=1) + shared_urls(follows, number=2):
        assert as_bruno.get(url).status_code == 200, url


def test_a_recipients_viewer_reads_and_downloads(baseline, owner, fatima, fund, vera, rex):
    share = accepted(offer(baseline, owner, role="reviewer"), fatima, fund)
    for member in (vera, rex):
        client = client_for(member)
        assert [client.get(url).status_code for url in shared_urls(share)] == [200] * 5


# --- Cost ---------------------------------------------------------------------------------------


def test_the_shared_page_costs_the_same_for_a_summary_and_full_detail(
    baseline, owner, fatima, fund, bruno, django_assert_num_queries
):
    summary = accepted(offer(baseline, owner), fatima, fund)
    full = accepted(
        offer(baseline, owner, email="bruno@buyers.example", detail="full"),
        bruno,
        Organisation.objects.get(name="Brightline Buyers"),
    )
    as_fatima, as_bruno = client_for(fatima), client_for(bruno)
    as_fatima.get(reverse("checklists:shared", args=[summary.pk]))  # the checklist, read once
    # Each view is recorded (share.viewed): one more query on PostgreSQL, the audit lock.
    with django_assert_num_queries(QUERIES_SHARED_PAGE + audit_lock_queries()):
        as_fatima.get(reverse("checklists:shared", args=[summary.pk]))
    with django_assert_num_queries(QUERIES_SHARED_PAGE + audit_lock_queries()):
        as_bruno.get(reverse("checklists:shared", args=[full.pk]))


QUERIES_SHARED_PAGE = 9


def test_the_access_page_costs_the_same_for_one_share_or_five(
    baseline, owner, django_assert_num_queries
):
    as_owner = client_for(owner)
    url = reverse("checklists:assessment-sharing", args=[baseline.pk])
    offer(baseline, owner)
    as_owner.get(url)
    with django_assert_num_queries(QUERIES_ACCESS_PAGE):
        as_owner.get(url)
    for n in range(4):
        offer(baseline, owner, email=f"funder{n}@fund.example")
    with django_assert_num_queries(QUERIES_ACCESS_PAGE):
        as_owner.get(url)


QUERIES_ACCESS_PAGE = 9


# --- Checking a shared report --------------------------------------------------------------


def verify(share: Share, digest: str | None = None) -> str:
    """The public verify page's answer for a report made under `share`, as anyone sees it."""
    digest = digest or share.submission.integrity_hash
    response = Client().get(
        reverse("checklists:verify"), {"hash": digest[:16], "share": share.reference_display}
    )
    assert response.status_code == 200
    return response.content.decode()


def test_the_verify_page_says_when_a_share_is_revoked_or_expired(baseline, owner, fatima, fund):
    share = accepted(offer(baseline, owner), fatima, fund)
    footer = json.loads(client_for(fatima).get(shared_urls(share)[4]).content)["share_reference"]
    assert footer == share.reference_display
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", footer)
    assert "Current report" in verify(share)
    sharing_services.share_end(share=share, user=owner, site=SITE)
    share.refresh_from_db()
    revoked = verify(share)
    assert "Share revoked" in revoked
    # Without anything of the report: no organisation, project or verdict.
    for secret in ("Threadline", "Dhaka", "Not ready", "Open Voices"):
        assert secret not in revoked
    other = accepted(offer(baseline, owner), fatima, fund)
    Share.objects.filter(pk=other.pk).update(expires_at=timezone.now() - timedelta(days=1))
    assert "Share expired" in verify(other)


def test_a_share_reference_vouches_only_for_its_own_project(
    baseline, owner, project, checklist, organisation, fatima, fund
):
    share = accepted(offer(baseline, owner), fatima, fund)
    other_project = services.project_create(
        organisation=organisation, created_by=owner, **{**PROFILE, "name": "Other"}
    )
    elsewhere = submit(other_project, checklist, owner, gaps={"1.1": "planned"})
    assert "Report not found" in verify(share, elsewhere.submission.integrity_hash)
    # A reference that names no share, or an offer never accepted: nothing is vouched for.
    waiting = offer(baseline, owner, email="bruno@buyers.example")
    assert "Report not found" in verify(waiting)
    response = Client().get(
        reverse("checklists:verify"),
        {"hash": baseline.submission.integrity_hash, "share": "ABCD-EFGH-JKL0"},
    )
    assert "Type the share reference as printed" in response.content.decode()


def test_the_same_answers_submitted_twice_are_one_report(baseline, owner, project, checklist):
    follow_up = services.assessment_start(
        project=project,
        checklist=checklist,
        title="Unchanged",
        started_by=owner,
        copy_from=baseline,
    )
    services.assessment_submit(assessment=follow_up, user=owner)
    follow_up.refresh_from_db()
    assert follow_up.submission.integrity_hash == baseline.submission.integrity_hash
    page = (
        Client()
        .get(reverse("checklists:verify"), {"hash": baseline.submission.integrity_hash})
        .content.decode()
    )
    assert "Current report" in page


def test_the_timeline_tells_each_side_what_it_may_know(baseline, owner, fatima, fund, bruno):
    mine = accepted(offer(baseline, owner), fatima, fund)
    accepted(
        offer(baseline, owner, email="bruno@buyers.example"),
        bruno,
        Organisation.objects.get(name="Brightline Buyers"),
    )
    client_for(fatima).get(shared_urls(mine)[3])  # a download, in the owner's trail
    owners = client_for(owner).get(reverse("checklists:assessment-sharing", args=[baseline.pk]))
    timeline = owners.content.decode().split('id="timeline-title"')[1]
    assert "Share accepted" in timeline
    assert "Brightline Buyers" in timeline
    assert "Open Voices Fund" in timeline
    assert "CSV" in timeline
    # The fund sees its own share's events, without the grantee's people at summary detail,
    # and nothing of the buyer's.
    theirs = client_for(fatima).get(shared_urls(mine)[0]).content.decode()
    timeline = theirs.split('id="timeline-title"')[1]
    assert "Share offered" in timeline
    assert "Share accepted" in timeline
    assert "Olivia Owner" not in timeline
    assert "Brightline" not in timeline
    assert "Bruno" not in timeline


@pytest.mark.parametrize(
    ("day", "error"),
    [
        ("2020-01-01", "Choose an expiry date in the future."),
        ((date.today() + timedelta(days=4 * 365)).isoformat(), "three years at most"),
        ("tomorrow", "Enter a valid date"),
    ],
)
def test_a_bad_new_expiry_changes_nothing(baseline, owner, fatima, fund, day, error):
    share = accepted(offer(baseline, owner), fatima, fund)
    as_owner = client_for(owner)
    before = database_state()
    response = as_owner.post(
        reverse("checklists:share-extend", args=[baseline.pk, share.pk]),
        {f"s{share.pk}-expires_at": day},
    )
    assert response.status_code == 400
    assert error in response.content.decode()
    assert database_state() == before

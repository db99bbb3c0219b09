"""Working together, as people meet it on the pages: inviting and joining, collaborators,
links that no longer work, roles, ownership and leaving, and the audit trail of each step.

Invitations go out through the app's own mail backend here, which queues a `send_email` task
for the worker (westcheck/mail.py); `sent_mail()` reads the message from the queue, as the
worker would send it.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from checklists import audit, services
from checklists.models import AuditEvent, Invitation, Membership
from tests.conftest import (
    SITE,
    database_state,
    invitation_token,
    invite_and_accept,
    person,
    sent_mail,
)
from tests.test_walkthrough import client_for, message_texts

pytestmark = pytest.mark.django_db

Kind = AuditEvent.Kind
Role = Membership.Role


@pytest.fixture(autouse=True)
def queued_mail(settings):
    settings.EMAIL_BACKEND = "westcheck.mail.QueuedEmailBackend"


@pytest.fixture
def as_owner(owner):
    return client_for(owner)


@pytest.fixture
def other_project(organisation, owner):
    return services.project_create(
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


def members_url(organisation) -> str:
    return reverse("checklists:organisation-members", args=[organisation.pk])


def invitation_url(token: str) -> str:
    return reverse("checklists:invitation", args=[token])


def membership(organisation, user) -> Membership:
    return Membership.objects.get(organisation=organisation, user=user)


def kinds_since(event_count: int, organisation) -> list[str]:
    """The kinds of the organisation's events after the first `event_count`, in order."""
    return list(
        AuditEvent.objects.filter(organisation=organisation, sequence__gt=event_count)
        .order_by("sequence")
        .values_list("kind", flat=True)
    )


def events_so_far(organisation) -> int:
    return AuditEvent.objects.filter(organisation=organisation).count()


def invite(organisation, owner, email, role=Role.EDITOR, project=None) -> Invitation:
    return services.invitation_create(
        organisation=organisation,
        project=project,
        email=email,
        role=role,
        invited_by=owner,
        site=SITE,
    )


def as_if_sent(invitation: Invitation, ago: timedelta) -> None:
    """Move the invitation's last sending into the past (resending is rate-limited)."""
    Invitation.objects.filter(pk=invitation.pk).update(last_sent_at=timezone.now() - ago)


# --- Inviting and joining ----------------------------------------------------------------------


def test_an_invitation_is_queued_as_an_email_with_its_link(as_owner, organisation):
    response = as_owner.post(
        reverse("checklists:member-invite", args=[organisation.pk]),
        {"email": " Amina@NGO.example ", "role": "editor"},
    )
    assert response.status_code == 302
    assert response.url == members_url(organisation)
    assert message_texts(response) == [
        "Invitation sent to amina@ngo.example. The link works for 14 days."
    ]
    # Queued for the worker, not sent during the request.
    (task,) = DBTaskResult.objects.all()
    assert (task.task_path, task.status) == ("westcheck.mail.send_email", "READY")
    (message,) = sent_mail()
    assert message["to"] == ["amina@ngo.example"]
    assert message["subject"] == "You are invited to join Threadline Apparel in westcheck"
    assert (
        "Olivia Owner invites you to join Threadline Apparel in westcheck as editor."
        in (message["body"])
    )
    token = invitation_token("amina@ngo.example")
    assert f"{SITE}invitations/{token}/" in message["body"]
    assert "The link works for 14 days" in message["body"]


def test_the_token_is_stored_only_as_its_hash(organisation, owner):
    invitation = invite(organisation, owner, "amina@ngo.example")
    token = invitation_token("amina@ngo.example")
    row = Invitation.objects.filter(pk=invitation.pk).values().get()
    assert not [name for name, value in row.items() if token in str(value)]
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()


def test_a_visitor_opening_the_link_is_asked_to_log_in_with_the_invited_address(
    client, organisation, owner
):
    invite(organisation, owner, "amina@ngo.example")
    url = invitation_url(invitation_token("amina@ngo.example"))
    response = client.get(url)
    assert response.status_code == 200
    assert "Olivia Owner invites you to join <strong>Threadline Apparel</strong>." in response.text
    assert "To answer, log in with amina@ngo.example" in response.text
    assert f'href="{reverse("login")}?next={url}"' in response.text


def test_accepting_as_the_invited_address_makes_a_member_with_that_role(
    as_owner, organisation, owner
):
    first = events_so_far(organisation)
    as_owner.post(
        reverse("checklists:member-invite", args=[organisation.pk]),
        {"email": "amina@ngo.example", "role": "viewer"},
    )
    amina = person("amina@ngo.example", "Amina Rahman")
    as_amina = client_for(amina)
    url = invitation_url(invitation_token("amina@ngo.example"))
    assert "Accept" in as_amina.get(url).text

    response = as_amina.post(url, {"answer": "accept"})

    assert response.status_code == 302
    assert response.url == reverse("checklists:dashboard")
    assert message_texts(response) == ["Welcome to Threadline Apparel."]
    assert membership(organisation, amina).role == Role.VIEWER
    assert Invitation.objects.get().status == Invitation.Status.ACCEPTED
    assert kinds_since(first, organisation) == [Kind.MEMBER_INVITED, Kind.MEMBER_JOINED]
    # The new member sees the organisation; a viewer may not manage it.
    page = as_amina.get(members_url(organisation))
    assert page.status_code == 200
    assert "You are viewer here." in page.text
    assert "Send invitation" not in page.text


def test_declining_writes_down_the_answer_and_joins_nobody(organisation, owner):
    invite(organisation, owner, "amina@ngo.example")
    amina = person("amina@ngo.example", "Amina Rahman")
    first = events_so_far(organisation)
    response = client_for(amina).post(
        invitation_url(invitation_token("amina@ngo.example")), {"answer": "decline"}
    )
    assert response.status_code == 302
    assert message_texts(response) == ["Invitation declined."]
    assert not Membership.objects.filter(user=amina).exists()
    assert Invitation.objects.get().status == Invitation.Status.DECLINED
    assert kinds_since(first, organisation) == [Kind.INVITATION_DECLINED]


# --- Collaborators -----------------------------------------------------------------------------


def test_a_collaborator_sees_their_project_and_nothing_else_of_the_organisation(
    as_owner, organisation, project, other_project, checklist, owner
):
    assessment = services.assessment_start(
        project=project, checklist=checklist, title="Baseline", started_by=owner
    )
    elsewhere = services.assessment_start(
        project=other_project, checklist=checklist, title="Pilot", started_by=owner
    )
    response = as_owner.post(
        reverse("checklists:collaborator-invite", args=[project.pk]),
        {"email": "carmen@consultancy.example", "role": "editor"},
    )
    assert response.status_code == 302
    (message,) = sent_mail()
    assert message["subject"] == "You are invited to work on Dhaka garment hotline in westcheck"
    carmen = person("carmen@consultancy.example", "Carmen Collaborator")
    as_carmen = client_for(carmen)

    response = as_carmen.post(invitation_url(invitation_token(carmen.email)), {"answer": "accept"})

    assert response.url == project.get_absolute_url()
    assert message_texts(response) == ["You now work on Dhaka garment hotline."]
    assert not Membership.objects.filter(user=carmen).exists()
    for url in (project.get_absolute_url(), assessment.get_absolute_url()):
        assert as_carmen.get(url).status_code == 200
    for url in (
        other_project.get_absolute_url(),
        elsewhere.get_absolute_url(),
        members_url(organisation),
        reverse("checklists:organisation-activity", args=[organisation.pk]),
    ):
        assert as_carmen.get(url).status_code == 404, url


def test_a_collaborator_finds_their_project_on_their_dashboard_and_no_other(
    project, other_project, collaborator
):
    response = client_for(collaborator).get(reverse("checklists:dashboard"))
    assert project.get_absolute_url() in response.text
    assert other_project.get_absolute_url() not in response.text
    # May edit: offered to start the project's first assessment.
    assert reverse("checklists:assessment-create", args=[project.pk]) in response.text


def test_members_find_their_organisation_from_the_dashboard(
    organisation, owner, editor, viewer, project, collaborator
):
    """The organisation's name on the dashboard leads to its members page, whatever the role:
    it was plain text, and the page could be reached only from a project's People page."""
    link = f'href="{members_url(organisation)}"'
    for member in (owner, editor, viewer):
        assert link in client_for(member).get(reverse("checklists:dashboard")).text, member
    assert link not in client_for(collaborator).get(reverse("checklists:dashboard")).text


def test_a_collaborator_who_may_only_view_is_not_offered_to_start_an_assessment(
    as_owner, project, collaborator
):
    as_owner.post(
        reverse("checklists:collaborator-change", args=[project.pk, collaborator.pk]),
        {"role": "viewer"},
    )
    response = client_for(collaborator).get(reverse("checklists:dashboard"))
    assert project.get_absolute_url() in response.text
    assert reverse("checklists:assessment-create", args=[project.pk]) not in response.text


def test_a_collaborator_whose_access_is_removed_no_longer_sees_the_project(
    as_owner, project, collaborator
):
    as_carmen = client_for(collaborator)
    assert as_carmen.get(project.get_absolute_url()).status_code == 200
    response = as_owner.post(
        reverse("checklists:collaborator-revoke", args=[project.pk, collaborator.pk])
    )
    assert message_texts(response) == [
        "Carmen Collaborator no longer works on Dhaka garment hotline."
    ]
    assert as_carmen.get(project.get_absolute_url()).status_code == 404


def test_a_collaborator_who_may_only_view_cannot_answer(as_owner, project, collaborator):
    as_owner.post(
        reverse("checklists:collaborator-change", args=[project.pk, collaborator.pk]),
        {"role": "viewer"},
    )
    response = client_for(collaborator).get(
        reverse("checklists:assessment-create", args=[project.pk])
    )
    assert response.status_code == 403
    assert "Your access to this project does not allow this." in response.text


# --- Links that no longer work -----------------------------------------------------------------


def _refused(client, token: str, status: int, message: str) -> None:
    """Opening the link and answering it both say why not, with `status`, and write nothing."""
    before = database_state()
    for response in (
        client.get(invitation_url(token)),
        client.post(invitation_url(token), {"answer": "accept"}),
    ):
        assert response.status_code == status
        assert message in response.text
        assert "Accept" not in response.text
    assert database_state() == before


@pytest.fixture
def amina():
    return person("amina@ngo.example", "Amina Rahman")


def test_an_expired_link_says_so(organisation, owner, amina):
    invitation = invite(organisation, owner, amina.email)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    _refused(
        client_for(amina),
        invitation_token(amina.email),
        410,
        "This invitation has expired. Ask the person who invited you to send it again.",
    )


def test_a_link_already_used_says_so(organisation, owner, amina):
    invite_and_accept(organisation, amina, Role.EDITOR, invited_by=owner)
    _refused(
        client_for(amina),
        invitation_token(amina.email),
        410,
        "This invitation has already been accepted.",
    )


def test_a_cancelled_link_says_so(organisation, owner, amina):
    invitation = invite(organisation, owner, amina.email)
    response = client_for(owner).post(
        reverse("checklists:invitation-cancel", args=[organisation.pk, invitation.pk])
    )
    assert message_texts(response) == ["Invitation to amina@ngo.example cancelled."]
    _refused(
        client_for(amina),
        invitation_token(amina.email),
        410,
        "This invitation was cancelled. Ask for a new one if you still need access.",
    )


def test_a_forged_link_is_404(organisation, owner, amina):
    invite(organisation, owner, amina.email)
    _refused(
        client_for(amina),
        "Zm9yZ2VkLXRva2VuLWZvci1hbWluYQ",
        404,
        "This invitation link is not valid.",
    )


def test_a_link_opened_by_another_logged_in_account_is_refused(organisation, owner, viewer):
    invite(organisation, owner, "amina@ngo.example")
    _refused(
        client_for(viewer),
        invitation_token("amina@ngo.example"),
        403,
        "This invitation is for amina@ngo.example, but you are logged in as "
        "victor@brand.example. Log in with the invited address to answer it.",
    )


def test_sending_again_gives_a_new_link_and_the_old_one_stops_working(
    as_owner, organisation, owner, amina
):
    invitation = invite(organisation, owner, amina.email)
    old = invitation_token(amina.email)
    as_if_sent(invitation, timedelta(minutes=11))
    response = as_owner.post(
        reverse("checklists:invitation-resend", args=[organisation.pk, invitation.pk])
    )
    assert message_texts(response) == ["Invitation sent again to amina@ngo.example."]
    new = invitation_token(amina.email)
    assert new != old
    assert client_for(amina).get(invitation_url(old)).status_code == 404
    assert client_for(amina).get(invitation_url(new)).status_code == 200


# --- Refused with a message, and nothing written ----------------------------------------------


def _refused_form(response, message: str, before: dict) -> None:
    assert response.status_code == 400
    assert message in response.text
    assert database_state() == before


def test_inviting_an_existing_member_is_refused(as_owner, organisation, editor):
    before = database_state()
    response = as_owner.post(
        reverse("checklists:member-invite", args=[organisation.pk]),
        {"email": "EDITH@brand.example", "role": "viewer"},
    )
    _refused_form(
        response, "edith@brand.example is already a member of Threadline Apparel.", before
    )


def test_inviting_an_address_with_an_invitation_waiting_is_refused(as_owner, organisation, owner):
    invite(organisation, owner, "amina@ngo.example")
    before = database_state()
    response = as_owner.post(
        reverse("checklists:member-invite", args=[organisation.pk]),
        {"email": "amina@ngo.example", "role": "viewer"},
    )
    _refused_form(
        response,
        "An invitation to amina@ngo.example is already waiting. Send it again from the list.",
        before,
    )


def test_inviting_a_member_or_a_collaborator_to_a_project_is_refused(
    as_owner, project, editor, collaborator
):
    url = reverse("checklists:collaborator-invite", args=[project.pk])
    before = database_state()
    _refused_form(
        as_owner.post(url, {"email": editor.email, "role": "editor"}),
        "edith@brand.example is a member of Threadline Apparel and already sees every project.",
        before,
    )
    _refused_form(
        as_owner.post(url, {"email": collaborator.email, "role": "viewer"}),
        "carmen@consultancy.example already works on this project.",
        before,
    )


def test_an_invitation_without_a_valid_address_or_role_is_refused(as_owner, organisation):
    before = database_state()
    response = as_owner.post(
        reverse("checklists:member-invite", args=[organisation.pk]),
        {"email": "amina at ngo", "role": "chief"},
    )
    _refused_form(response, "Enter a valid email address.", before)
    assert "Select a valid choice. chief is not one of the available choices." in response.text


def test_the_last_owner_cannot_leave(as_owner, organisation, owner, editor):
    before = database_state()
    response = as_owner.post(
        reverse(
            "checklists:member-remove", args=[organisation.pk, membership(organisation, owner).pk]
        )
    )
    assert response.status_code == 302
    assert message_texts(response) == [
        "An organisation needs at least one owner. Make someone else an owner first."
    ]
    assert database_state() == before


def test_the_last_owner_cannot_be_made_an_editor(as_owner, organisation, owner, editor):
    before = database_state()
    response = as_owner.post(
        reverse(
            "checklists:member-role", args=[organisation.pk, membership(organisation, owner).pk]
        ),
        {"role": "editor"},
    )
    assert message_texts(response) == [
        "An organisation needs at least one owner. Make someone else an owner first."
    ]
    assert database_state() == before


def test_sending_again_too_soon_is_refused(as_owner, organisation, owner):
    invitation = invite(organisation, owner, "amina@ngo.example")
    as_if_sent(invitation, timedelta(minutes=9))
    before = database_state()
    response = as_owner.post(
        reverse("checklists:invitation-resend", args=[organisation.pk, invitation.pk])
    )
    assert message_texts(response) == [
        "This invitation was sent less than 10 minutes ago. Wait a little before sending it again."
    ]
    assert database_state() == before


def test_sending_again_more_than_five_times_in_all_is_refused(as_owner, organisation, owner):
    invitation = invite(organisation, owner, "amina@ngo.example")
    url = reverse("checklists:invitation-resend", args=[organisation.pk, invitation.pk])
    for _ in range(4):
        as_if_sent(invitation, timedelta(minutes=11))
        # Messages wait in the session until a page shows them: the latest is this answer's.
        said = message_texts(as_owner.post(url))[-1]
        assert said == "Invitation sent again to amina@ngo.example."
    assert len(sent_mail()) == 5
    as_if_sent(invitation, timedelta(days=1))
    before = database_state()
    response = as_owner.post(url)
    assert message_texts(response)[-1] == (
        "This invitation was sent 5 times already. Cancel it and check the address."
    )
    assert database_state() == before


def test_a_viewer_posting_to_any_write_url_is_refused_and_writes_nothing(
    organisation, owner, editor, viewer, project, collaborator, checklist
):
    assessment = services.assessment_start(
        project=project, checklist=checklist, title="Baseline", started_by=owner
    )
    invitation = invite(organisation, owner, "amina@ngo.example")
    partner = invite(organisation, owner, "partner@ngo.example", project=project)
    edith = membership(organisation, editor).pk
    writes = [
        ("organisation-edit", [organisation.pk], {"name": "Mine now", "kind": "ngo"}),
        ("member-invite", [organisation.pk], {"email": "friend@ngo.example", "role": "owner"}),
        ("invitation-resend", [organisation.pk, invitation.pk], {}),
        ("invitation-cancel", [organisation.pk, invitation.pk], {}),
        ("member-role", [organisation.pk, edith], {"role": "viewer"}),
        ("member-remove", [organisation.pk, edith], {}),
        ("hand-over", [organisation.pk], {"member": membership(organisation, viewer).pk}),
        ("project-edit", [project.pk], {"name": "Renamed"}),
        ("collaborator-invite", [project.pk], {"email": "friend@ngo.example", "role": "editor"}),
        ("collaborator-invitation-resend", [project.pk, partner.pk], {}),
        ("collaborator-invitation-cancel", [project.pk, partner.pk], {}),
        ("collaborator-change", [project.pk, collaborator.pk], {"role": "viewer"}),
        ("collaborator-revoke", [project.pk, collaborator.pk], {}),
        ("assessment-create", [project.pk], {"title": "Mine", "checklist": checklist.pk}),
        ("assessment-section", [assessment.pk, "1"], {"q1.1-rating": "in_place"}),
        ("assessment-submit", [assessment.pk], {}),
        ("assessment-copy", [assessment.pk], {"title": ""}),
        ("assessment-actions", [assessment.pk], {"a3.1-status": "open"}),
    ]
    as_viewer = client_for(viewer)
    before = database_state()
    for name, args, data in writes:
        response = as_viewer.post(reverse(f"checklists:{name}", args=args), data)
        assert (name, response.status_code) == (name, 403)
        assert "Your role in this organisation does not allow this." in response.text
    assert database_state() == before


# --- Roles, ownership and leaving --------------------------------------------------------------


def test_handing_over_makes_the_other_member_owner_and_oneself_editor(
    as_owner, organisation, owner, editor
):
    first = events_so_far(organisation)
    response = as_owner.post(
        reverse("checklists:hand-over", args=[organisation.pk]),
        {"member": membership(organisation, editor).pk},
    )
    assert response.status_code == 302
    assert message_texts(response) == [
        "Edith Editor now owns Threadline Apparel; you are an editor."
    ]
    assert membership(organisation, editor).role == Role.OWNER
    assert membership(organisation, owner).role == Role.EDITOR
    events = AuditEvent.objects.filter(organisation=organisation, sequence__gt=first)
    assert [(e.kind, e.subject, e.data) for e in events.order_by("sequence")] == [
        (Kind.MEMBER_ROLE_CHANGED, editor, {"old": "editor", "new": "owner"}),
        (Kind.MEMBER_ROLE_CHANGED, owner, {"old": "owner", "new": "editor"}),
    ]
    # The former owner no longer manages members.
    assert "Send invitation" not in as_owner.get(members_url(organisation)).text


def test_a_member_may_leave_and_then_sees_nothing_of_the_organisation(
    organisation, project, editor
):
    as_editor = client_for(editor)
    response = as_editor.post(
        reverse(
            "checklists:member-remove", args=[organisation.pk, membership(organisation, editor).pk]
        )
    )
    assert response.url == reverse("checklists:dashboard")
    assert message_texts(response) == ["You have left Threadline Apparel."]
    assert not Membership.objects.filter(user=editor).exists()
    assert as_editor.get(project.get_absolute_url()).status_code == 404
    event = AuditEvent.objects.filter(organisation=organisation).order_by("sequence").last()
    assert (event.kind, event.actor, event.subject) == (Kind.MEMBER_LEFT, editor, editor)


def test_an_owner_may_change_a_role_and_remove_a_member(as_owner, organisation, viewer):
    victor = membership(organisation, viewer).pk
    response = as_owner.post(
        reverse("checklists:member-role", args=[organisation.pk, victor]), {"role": "editor"}
    )
    assert message_texts(response) == ["Victor Viewer is now editor."]
    assert membership(organisation, viewer).role == Role.EDITOR
    response = as_owner.post(reverse("checklists:member-remove", args=[organisation.pk, victor]))
    assert message_texts(response)[-1] == "Victor Viewer no longer belongs to Threadline Apparel."
    assert client_for(viewer).get(members_url(organisation)).status_code == 404


def test_the_audit_trail_records_each_step_of_working_together(
    as_owner, organisation, owner, project
):
    first = events_so_far(organisation)
    # A member is invited, the invitation sent again, accepted, and the member's role changed.
    as_owner.post(
        reverse("checklists:member-invite", args=[organisation.pk]),
        {"email": "amina@ngo.example", "role": "viewer"},
    )
    invitation = Invitation.objects.get(email="amina@ngo.example")
    as_if_sent(invitation, timedelta(minutes=11))
    as_owner.post(reverse("checklists:invitation-resend", args=[organisation.pk, invitation.pk]))
    amina = person("amina@ngo.example", "Amina Rahman")
    client_for(amina).post(invitation_url(invitation_token(amina.email)), {"answer": "accept"})
    joined = membership(organisation, amina).pk
    as_owner.post(
        reverse("checklists:member-role", args=[organisation.pk, joined]), {"role": "editor"}
    )
    # A collaborator is invited, accepts, may then only view, and is removed.
    as_owner.post(
        reverse("checklists:collaborator-invite", args=[project.pk]),
        {"email": "carmen@consultancy.example", "role": "editor"},
    )
    carmen = person("carmen@consultancy.example", "Carmen Collaborator")
    client_for(carmen).post(invitation_url(invitation_token(carmen.email)), {"answer": "accept"})
    as_owner.post(
        reverse("checklists:collaborator-change", args=[project.pk, carmen.pk]), {"role": "viewer"}
    )
    as_owner.post(reverse("checklists:collaborator-revoke", args=[project.pk, carmen.pk]))
    # Two more invitations: one cancelled, one declined; and the member is removed.
    as_owner.post(
        reverse("checklists:member-invite", args=[organisation.pk]),
        {"email": "bilal@ngo.example", "role": "viewer"},
    )
    cancelled = Invitation.objects.get(email="bilal@ngo.example")
    as_owner.post(reverse("checklists:invitation-cancel", args=[organisation.pk, cancelled.pk]))
    as_owner.post(
        reverse("checklists:member-invite", args=[organisation.pk]),
        {"email": "chen@ngo.example", "role": "viewer"},
    )
    chen = person("chen@ngo.example", "Chen Wei")
    client_for(chen).post(invitation_url(invitation_token(chen.email)), {"answer": "decline"})
    as_owner.post(reverse("checklists:member-remove", args=[organisation.pk, joined]))

    assert kinds_since(first, organisation) == [
        Kind.MEMBER_INVITED,
        Kind.INVITATION_RESENT,
        Kind.MEMBER_JOINED,
        Kind.MEMBER_ROLE_CHANGED,
        Kind.MEMBER_INVITED,
        Kind.COLLABORATOR_GRANTED,
        Kind.COLLABORATOR_GRANTED,
        Kind.COLLABORATOR_REVOKED,
        Kind.MEMBER_INVITED,
        Kind.INVITATION_CANCELLED,
        Kind.MEMBER_INVITED,
        Kind.INVITATION_DECLINED,
        Kind.MEMBER_REMOVED,
    ]
    assert audit.verify_chain(organisation.pk)[1] is None


def test_inviting_again_after_expiry_replaces_the_old_invitation_and_says_so(
    organisation, owner, amina
):
    old = invite(organisation, owner, amina.email)
    Invitation.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    new = invite(organisation, owner, amina.email)
    old.refresh_from_db()
    assert (old.status, new.status) == (Invitation.Status.CANCELLED, Invitation.Status.PENDING)
    cancelled = AuditEvent.objects.get(organisation=organisation, kind=Kind.INVITATION_CANCELLED)
    assert cancelled.data == {"email": amina.email, "invitation": old.pk, "expired": True}
    assert audit.verify_chain(organisation.pk)[1] is None


def test_the_members_page_query_count_stays_flat_as_people_join(
    organisation, owner, as_owner, django_assert_num_queries
):
    url = reverse("checklists:organisation-members", args=[organisation.pk])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert as_owner.get(url).status_code == 200
        return len(queries)

    few = count()
    for n in range(4):
        invite_and_accept(
            organisation,
            person(f"member{n}@brand.example", f"Member {n}"),
            Role.VIEWER,
            invited_by=owner,
        )
        invite(organisation, owner, f"waiting{n}@brand.example")
    # 1. session, 2. user, 3. the organisation with the owner's role, 4. members with their
    # accounts, 5. invitations waiting, with who sent them.
    with django_assert_num_queries(few):
        assert as_owner.get(url).status_code == 200
    assert few == 5


def test_the_people_page_query_count_stays_flat_as_collaborators_join(
    organisation, owner, project, as_owner, django_assert_num_queries
):
    url = reverse("checklists:project-people", args=[project.pk])
    with CaptureQueriesContext(connection) as queries:
        assert as_owner.get(url).status_code == 200
    for n in range(4):
        invite_and_accept(
            organisation,
            person(f"partner{n}@ngo.example", f"Partner {n}"),
            Role.EDITOR,
            invited_by=owner,
            project=project,
        )
        invite(organisation, owner, f"guest{n}@ngo.example", project=project)
    with django_assert_num_queries(len(queries)):
        assert as_owner.get(url).status_code == 200

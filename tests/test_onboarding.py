"""The ways in: after signing up, join through an invitation or set up an organisation; funders
land on their portfolio."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from checklists import services
from checklists.models import Invitation, Membership, Organisation, ProjectUserObjectPermission
from tests.test_accounts import finish_signup, signup_link

pytestmark = pytest.mark.django_db

SITE = "https://westcheck.example"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def organisation(owner):
    return services.organisation_create(name="Threadline Apparel", kind="brand", owner=owner)


def invite(organisation, owner, email, role=Membership.Role.EDITOR, project=None) -> Invitation:
    return services.invitation_create(
        organisation=organisation,
        email=email,
        role=role,
        invited_by=owner,
        site=SITE,
        project=project,
    )


def invitation_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/invitations/\S+/)", message.body).group(1)


# --- Someone who belongs to no organisation ------------------------------------------------


def test_a_newcomer_is_offered_both_ways_in(outsider):
    page = client_for(outsider).get(reverse("checklists:dashboard"))
    assert page.status_code == 200
    text = page.text
    assert "Two ways to start" in text
    assert "Join your organisation" in text
    assert "ask a colleague who owns it there to invite you" in text
    assert outsider.email in text
    assert "No invitation is waiting for your address yet." in text
    assert "Set up your organisation" in text
    assert f'href="{reverse("checklists:organisation-create")}"' in text


def test_invitations_waiting_for_the_address_are_listed_with_links(
    organisation, owner, outsider, django_user_model
):
    waiting = invite(organisation, owner, outsider.email.upper())
    project = services.project_create(
        organisation=organisation,
        created_by=owner,
        name="Dhaka hotline",
        countries="Bangladesh",
        sector="apparel",
        channels=["hotline"],
    )
    as_collaborator = invite(organisation, owner, outsider.email, Membership.Role.VIEWER, project)
    # Not listed: for someone else, answered, cancelled, or expired.
    invite(organisation, owner, "someone@else.example")
    other = services.organisation_create(name="Awaj Foundation", kind="ngo", owner=owner)
    cancelled = invite(other, owner, outsider.email)
    services.invitation_cancel(invitation=cancelled, user=owner)
    third = services.organisation_create(name="Old Friends", kind="ngo", owner=owner)
    expired = invite(third, owner, outsider.email)
    Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(days=1))

    text = client_for(outsider).get(reverse("checklists:dashboard")).text
    links = re.findall(r'href="(/invitations/received/\d+/)"', text)
    assert links == [
        reverse("checklists:invitation-received", args=[pk])
        for pk in (as_collaborator.pk, waiting.pk)
    ]
    assert "Join Threadline Apparel" in text
    assert "Work on Dhaka hotline (Threadline Apparel)" in text
    assert "as editor, from Olivia Owner" in text
    assert "No invitation is waiting" not in text


def test_a_member_sees_invitations_waiting_too(organisation, owner, outsider):
    services.organisation_create(name="Awaj Foundation", kind="ngo", owner=outsider)
    invitation = invite(organisation, owner, outsider.email, Membership.Role.VIEWER)
    text = client_for(outsider).get(reverse("checklists:dashboard")).text
    assert "Invitations waiting for you" in text
    assert reverse("checklists:invitation-received", args=[invitation.pk]) in text
    assert "Two ways to start" not in text


# --- Answering an invitation from the list -------------------------------------------------


def test_an_invitation_from_the_list_can_be_accepted(organisation, owner, outsider):
    invitation = invite(organisation, owner, outsider.email, Membership.Role.VIEWER)
    client = client_for(outsider)
    url = reverse("checklists:invitation-received", args=[invitation.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Olivia Owner invites you to join <strong>Threadline Apparel</strong>." in page.text
    response = client.post(url, {"answer": "accept"})
    assert response.status_code == 302
    assert response.url == reverse("checklists:dashboard")
    membership = Membership.objects.get(organisation=organisation, user=outsider)
    assert membership.role == Membership.Role.VIEWER
    again = client.get(url)
    assert again.status_code == 410
    assert "already been accepted" in again.text


def test_an_invitation_to_a_project_from_the_list_leads_to_the_project(
    organisation, owner, outsider
):
    project = services.project_create(
        organisation=organisation,
        created_by=owner,
        name="Dhaka hotline",
        countries="Bangladesh",
        sector="apparel",
        channels=["hotline"],
    )
    invitation = invite(organisation, owner, outsider.email, Membership.Role.EDITOR, project)
    url = reverse("checklists:invitation-received", args=[invitation.pk])
    response = client_for(outsider).post(url, {"answer": "accept"})
    assert response.url == project.get_absolute_url()
    assert ProjectUserObjectPermission.objects.filter(user=outsider, content_object=project)


def test_an_invitation_from_the_list_can_be_declined(organisation, owner, outsider):
    invitation = invite(organisation, owner, outsider.email)
    url = reverse("checklists:invitation-received", args=[invitation.pk])
    response = client_for(outsider).post(url, {"answer": "decline"})
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.DECLINED
    assert not Membership.objects.filter(user=outsider).exists()


def test_someone_elses_invitation_is_404_and_cannot_be_answered(
    organisation, owner, outsider, django_user_model
):
    invitation = invite(organisation, owner, "amina@ngo.example")
    url = reverse("checklists:invitation-received", args=[invitation.pk])
    # Another person, even a member of the organisation that sent it.
    for person in (outsider, owner):
        client = client_for(person)
        assert client.get(url).status_code == 404
        assert client.post(url, {"answer": "accept"}).status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING
    assert not Membership.objects.filter(user=outsider).exists()


def test_anonymous_visitors_are_asked_to_log_in_for_an_invitation_from_the_list(
    client, organisation, owner
):
    invitation = invite(organisation, owner, "amina@ngo.example")
    url = reverse("checklists:invitation-received", args=[invitation.pk])
    response = client.post(url, {"answer": "accept"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("login") + "?next=")
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING


# --- Invited, then signing up --------------------------------------------------------------


def test_someone_invited_signs_up_and_lands_back_on_the_invitation(
    organisation, owner, django_user_model
):
    invite(organisation, owner, "amina@ngo.example")
    link = invitation_link(mail.outbox[-1])
    client = Client()
    page = client.get(link)
    assert page.status_code == 200
    signup = re.search(r'href="(/accounts/signup/\?[^"]+)"', page.text).group(1)
    signup = signup.replace("&amp;", "&")
    form = client.get(signup)
    assert 'value="amina@ngo.example"' in form.text
    next_url = re.search(r'name="next" value="([^"]+)"', form.text).group(1)
    assert next_url == link
    client.post(reverse("signup"), {"email": "amina@ngo.example", "next": next_url})

    # The link may be opened in another browser: where to go next travels in it.
    elsewhere = Client()
    response = finish_signup(elsewhere, signup_link(mail.outbox[-1]))
    assert response.status_code == 302
    assert response.url == link
    page = elsewhere.get(link)
    assert "Accept" in page.text
    response = elsewhere.post(link, {"answer": "accept"})
    assert response.status_code == 302
    amina = django_user_model.objects.get(email="amina@ngo.example")
    assert Membership.objects.get(user=amina).organisation == organisation


def test_someone_invited_who_has_an_account_is_led_back_to_the_invitation(
    organisation, owner, outsider
):
    invite(organisation, owner, outsider.email)
    link = invitation_link(mail.outbox[-1])
    Client().post(reverse("signup"), {"email": outsider.email, "next": link})
    message = mail.outbox[-1]
    assert message.to == [outsider.email]
    assert "?next=" in message.body
    login = re.search(r"https?://[^/\s]+(/accounts/login/\S+)", message.body).group(1)
    client = Client()
    response = client.post(
        login, {"username": outsider.email, "password": "correct horse battery", "next": link}
    )
    assert response.url == link


# --- Funders -------------------------------------------------------------------------------


def test_a_funder_lands_on_its_empty_portfolio(outsider):
    client = client_for(outsider)
    response = client.post(
        reverse("checklists:organisation-create"), {"name": "Open Hands Fund", "kind": "funder"}
    )
    assert response.status_code == 302
    assert response.url == reverse("checklists:portfolio")
    assert Organisation.objects.get().kind == Organisation.Kind.FUNDER
    page = client.get(response.url)
    assert page.status_code == 200
    text = page.text
    assert "Open Hands Fund is set up. You are its owner." in text
    assert "The assessments grantees share with Open Hands Fund." in text
    assert "from the baseline to the endline" in text
    assert "they offer to share it with someone who owns your organisation" in text
    assert "No shared assessments yet" in text
    # Funders may still describe projects of their own.
    assert f'href="{reverse("checklists:project-create")}"' in text
    dashboard = client.get(reverse("checklists:dashboard")).text
    assert f'href="{reverse("checklists:portfolio")}"' in dashboard


def test_other_organisations_still_go_on_to_describe_a_project(outsider):
    response = client_for(outsider).post(
        reverse("checklists:organisation-create"), {"name": "Awaj", "kind": "ngo"}
    )
    assert response.url == reverse("checklists:project-create")
    # Every organisation has a portfolio: what others share with it, its requests and cohorts.
    dashboard = client_for(outsider).get(reverse("checklists:dashboard")).text
    assert f'href="{reverse("checklists:portfolio")}"' in dashboard


def test_the_portfolio_needs_a_login(client):
    response = client.get(reverse("checklists:portfolio"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login") + "?next=")


def test_the_portfolio_of_someone_in_no_funder_says_what_it_is_for(outsider):
    page = client_for(outsider).get(reverse("checklists:portfolio"))
    assert page.status_code == 200
    assert "The assessments other organisations share with yours." in page.text
    assert "No shared assessments yet" in page.text
    assert f'href="{reverse("checklists:organisation-create")}"' in page.text

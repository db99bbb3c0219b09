"""The ways in, the account settings and deleting a project, in a browser: someone invited signs
up and lands back on the invitation, a funder lands on its portfolio, a person changes their
name and address, an owner deletes a project."""

import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from checklists import services
from checklists.models import Assessment, ChecklistVersion, Membership, Project
from tests.browser.test_walkthrough_journey import PASSWORD, log_in


def emailed_path(pattern: str) -> str:
    """The path of the link in the last e-mail sent."""
    return re.search(rf"https?://[^/\s]+({pattern}\S*)", mail.outbox[-1].body).group(1)


@pytest.fixture
def owner(django_user_model):
    return django_user_model.objects.create_user(
        email="olivia@ngo.example", name="Olivia Owner", password=PASSWORD
    )


@pytest.fixture
def organisation(owner):
    return services.organisation_create(name="Fair Threads Alliance", kind="ngo", owner=owner)


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_someone_invited_signs_up_and_accepts_without_javascript(
    site, page, visit_without_javascript, organisation, owner
):
    visit = visit_without_javascript
    services.invitation_create(
        organisation=organisation,
        email="amina@ngo.example",
        role=Membership.Role.EDITOR,
        invited_by=owner,
        site=site,
    )
    invitation = emailed_path("/invitations/")
    page.goto(site + invitation)
    expect(
        page.get_by_text("Olivia Owner invites you to join Fair Threads Alliance.")
    ).to_be_visible()
    visit.check("invitation-anonymous")

    page.get_by_role("link", name="Create an account").click()
    expect(page.get_by_label("E-mail address")).to_have_value("amina@ngo.example")
    visit.check("signup-prefilled")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your e-mail to finish creating your account"
    )
    visit.check("signup-sent")

    page.goto(site + emailed_path("/accounts/signup/"))
    page.get_by_label("Name").fill("Amina Rahman")
    page.get_by_role("textbox", name="Password", exact=True).fill("a long passphrase 42")
    page.get_by_label("Password confirmation").fill("a long passphrase 42")
    page.get_by_role("button", name="Create account").click()

    expect(page).to_have_url(site + invitation)
    expect(page.get_by_text("Welcome to westcheck. Your account is ready.")).to_be_visible()
    visit.check("invitation-signed-in")
    page.get_by_role("button", name="Accept").click()
    expect(page).to_have_url(re.compile(r"/home/$"))
    expect(page.get_by_text("Welcome to Fair Threads Alliance.")).to_be_visible()
    expect(page.get_by_text("Member of Fair Threads Alliance (editor)")).to_be_visible()
    visit.check("dashboard-member")


def test_a_waiting_invitation_is_answered_from_the_dashboard(
    site, page, visit, organisation, owner, django_user_model
):
    amina = django_user_model.objects.create_user(
        email="amina@ngo.example", name="Amina Rahman", password=PASSWORD
    )
    services.invitation_create(
        organisation=organisation,
        email=amina.email,
        role=Membership.Role.VIEWER,
        invited_by=owner,
        site=site,
    )
    log_in(page, site, amina)
    join = page.get_by_role("region", name="Join your organisation")
    expect(join.get_by_role("heading", name="Invitations waiting for you")).to_be_visible()
    visit.check("dashboard-invitation-waiting")
    join.get_by_role("link", name="Join Fair Threads Alliance").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invitation")
    visit.check("invitation-from-the-list")
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_text("Member of Fair Threads Alliance (viewer)")).to_be_visible()


def test_a_funder_sets_up_its_organisation_and_lands_on_its_portfolio(
    site, page, visit, django_user_model
):
    fatima = django_user_model.objects.create_user(
        email="fatima@fund.example", name="Fatima Funder", password=PASSWORD
    )
    log_in(page, site, fatima)
    page.get_by_role("link", name="Set up your organisation").click()
    page.get_by_label("Organisation name").fill("Open Hands Fund")
    page.get_by_label("What kind of organisation is it?").select_option(label="Funder")
    page.get_by_role("button", name="Create organisation").click()

    expect(page).to_have_url(re.compile(r"/portfolio/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Portfolio")
    expect(page.get_by_role("heading", name="No shared assessments yet")).to_be_visible()
    expect(page.get_by_text("from the baseline to the endline")).to_be_visible()
    visit.check("portfolio")

    page.get_by_role("link", name="Describe a project").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Describe the project")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My projects").click()
    page.get_by_role("link", name="Portfolio").click()
    expect(page).to_have_url(re.compile(r"/portfolio/$"))


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_a_person_changes_their_name_and_address_without_javascript(
    site, page, visit_without_javascript, owner
):
    visit = visit_without_javascript
    log_in(page, site, owner)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Account settings")
    visit.check("settings")

    page.get_by_role("link", name="Change your name").click()
    visit.check("name")
    page.get_by_label("Your name").fill("Olivia Okafor")
    page.get_by_role("button", name="Save name").click()
    expect(page.get_by_text("Your name is saved.")).to_be_visible()
    expect(page.get_by_text("Olivia Okafor")).to_be_visible()

    page.get_by_role("link", name="Change your e-mail address").click()
    page.get_by_label("New e-mail address").fill("olivia@okafor.example")
    page.get_by_label("Your current password").fill("not it")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Please correct the following")).to_be_visible()
    visit.check("email-errors")
    page.get_by_label("Your current password").fill(PASSWORD)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_text("We have sent a link to olivia@okafor.example.")).to_be_visible()

    page.goto(site + emailed_path("/accounts/settings/email/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your new e-mail address")
    visit.check("email-confirm")
    page.get_by_role("button", name="Change my address").click()
    expect(page.get_by_text("Your e-mail address is now olivia@okafor.example.")).to_be_visible()
    expect(page.locator("dd", has_text="olivia@okafor.example")).to_be_visible()

    page.get_by_role("link", name="Change your password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change your password")
    visit.check("password")


def test_an_owner_deletes_a_project_with_a_submitted_assessment(
    site, page, visit, organisation, owner
):
    project = services.project_create(
        organisation=organisation,
        created_by=owner,
        name="SMS survey in Phnom Penh",
        countries="Cambodia",
        sector="apparel",
        channels=["sms"],
    )
    assessment = services.assessment_start(
        project=project,
        checklist=ChecklistVersion.objects.get(slug="west-operations-checklist"),
        title="Baseline",
        started_by=owner,
    )
    Assessment.objects.filter(pk=assessment.pk).update(
        status=Assessment.Status.SUBMITTED, submitted_at=timezone.now()
    )
    log_in(page, site, owner)
    page.goto(site + project.get_absolute_url())
    page.get_by_role("link", name="Delete project").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Delete the project SMS survey in Phnom Penh?"
    )
    visit.check("delete")
    page.get_by_role("button", name="Delete project").click()
    expect(page.get_by_role("heading", name="Please correct the following")).to_be_visible()
    visit.check("delete-error")
    page.get_by_label("Type the project's name to confirm").fill("SMS survey in Phnom Penh")
    page.get_by_role("button", name="Delete project").click()
    expect(page).to_have_url(re.compile(r"/home/$"))
    expect(page.get_by_text("Project SMS survey in Phnom Penh deleted.")).to_be_visible()
    assert not Project.objects.exists()

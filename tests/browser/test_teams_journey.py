"""Working together, in a browser, as the product promises it: an owner invites a colleague and
an outside consultant by e-mail, they sign up from the links and accept, the colleague answers
while a viewer can only read, the owner hands over and leaves, and the new owner reads every
step in the activity pages. Then the members page and the invitations without JavaScript.

Every page is checked by axe-core; the members, People, invitation and activity pages at 1280
and at 375 pixels wide. The invite forms and the Accept button are driven by the keyboard.
"""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from checklists import services
from checklists.models import Answer, ChecklistVersion, Membership
from tests.browser.test_walkthrough_journey import (
    PASSWORD,
    SAVED,
    log_in,
    question,
    question_keys,
    tab_to,
)

ORGANISATION = "Fair Threads Alliance"
HOTLINE = "Hotline for Dhaka garment suppliers"
SURVEY = "SMS survey in Phnom Penh"
ASSESSMENT = "Baseline, Nov 2026"
WIDE = {"width": 1280, "height": 900}
NARROW = {"width": 375, "height": 812}
# The ratings the editor gives in section 1, and how the pages name them.
RATINGS = {
    "1.1": "In place",
    "1.2": "Planned",
    "1.3": "In place",
    "1.4": "Planned",
    "1.5": "Not started",
    "1.6": "In place",
    "1.7": "Planned",
}


# --- People and their browsers -------------------------------------------------------------


@pytest.fixture
def owner(django_user_model):
    return django_user_model.objects.create_user(
        email="olivia@ngo.example", name="Olivia Owner", password=PASSWORD
    )


@pytest.fixture
def organisation(owner):
    return services.organisation_create(name=ORGANISATION, kind="ngo", owner=owner)


def _project(organisation, owner, name, channels):
    return services.project_create(
        organisation=organisation,
        created_by=owner,
        name=name,
        countries="Bangladesh",
        sector="apparel",
        stage="planning",
        channels=channels,
        migrant_workers=False,
        minorities_present=True,
    )


@pytest.fixture
def hotline(organisation, owner):
    return _project(organisation, owner, HOTLINE, ["sms", "hotline"])


@pytest.fixture
def survey(organisation, owner):
    return _project(organisation, owner, SURVEY, ["sms"])


@pytest.fixture
def assessment(hotline, owner):
    return services.assessment_start(
        project=hotline,
        checklist=ChecklistVersion.objects.get(slug="west-operations-checklist"),
        title=ASSESSMENT,
        started_by=owner,
    )


# --- Helpers -------------------------------------------------------------------------------


def link_mailed_to(email: str, path: str) -> str:
    """The path of the link in the last e-mail to this address that has one under `path`."""
    for message in reversed(mail.outbox):
        found = re.search(rf"https?://[^/\s]+({re.escape(path)}\S*)", message.body)
        if message.to == [email] and found:
            return found.group(1)
    raise AssertionError(f"No e-mail to {email} has a link to {path}.")


def check_wide_and_narrow(page, visit, name: str) -> None:
    """axe-core and a screenshot at 1280 and at 375 pixels; nothing wider than a phone."""
    visit.check(f"{name}-1280")
    page.set_viewport_size(NARROW)
    try:
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{page.url} is {overflow}px wider than a 375px screen"
        visit.check(f"{name}-375")
    finally:
        page.set_viewport_size(WIDE)


def editor_by_keyboard(page) -> None:
    """From the address to the role, and Editor chosen with the keys (Viewer on the way)."""
    page.keyboard.press("Tab")
    role = page.get_by_role("combobox", name="Role", exact=True)
    expect(role).to_be_focused()
    page.keyboard.press("End")
    expect(role).to_have_value("viewer")
    page.keyboard.press("ArrowUp")
    expect(role).to_have_value("editor")


def can_edit_by_keyboard(page) -> None:
    """From the address into the access radios, over to Can view and back to Can edit."""
    page.keyboard.press("Tab")
    can_edit = page.get_by_role("radio", name=re.compile("^Can edit"))
    expect(can_edit).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("radio", name=re.compile("^Can view"))).to_be_checked()
    page.keyboard.press("ArrowUp")
    expect(can_edit).to_be_checked()


def can_view_by_keyboard(page) -> None:
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("radio", name=re.compile("^Can view"))).to_be_checked()


def invite_by_keyboard(page, email: str, choose_role) -> None:
    """Fill the invite form and send it with the keyboard alone."""
    address = page.get_by_label("E-mail address")
    tab_to(page, address)
    page.keyboard.type(email)
    choose_role(page)
    tab_to(page, page.get_by_role("button", name="Send invitation"))
    page.keyboard.press("Enter")
    expect(
        page.get_by_text(f"Invitation sent to {email}. The link works for 14 days.")
    ).to_be_visible()


def accept_by_keyboard(page) -> None:
    tab_to(page, page.get_by_role("button", name="Accept"))
    page.keyboard.press("Space")


def sign_up_from_invitation(page, visit, site, invitation: str, email: str, name: str) -> None:
    """A newcomer opens the invitation, creates an account from the e-mailed sign-up link and
    comes back to the invitation, logged in."""
    page.goto(site + invitation)
    expect(page.get_by_role("heading", level=1)).to_have_text("Invitation")
    visit.check("invitation-anonymous")
    page.get_by_role("link", name="Create an account").click()
    expect(page.get_by_label("E-mail address")).to_have_value(email)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your e-mail to finish creating your account"
    )
    page.goto(site + link_mailed_to(email, "/accounts/signup/"))
    expect(page.get_by_text(f"You will log in with {email}.")).to_be_visible()
    visit.check("signup-finish")
    page.get_by_label("Name").fill(name)
    page.get_by_role("textbox", name="Password", exact=True).fill("a long passphrase 42")
    page.get_by_label("Password confirmation").fill("a long passphrase 42")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(site + invitation)
    expect(page.get_by_text("Welcome to westcheck. Your account is ready.")).to_be_visible()


def project_cards(page):
    return page.locator(".project-list > li")


def open_members_page(page) -> None:
    """From the dashboard, as people find it: the organisation's name."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My projects").click()
    page.get_by_role("link", name=ORGANISATION, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ORGANISATION)


def events(page):
    return page.get_by_role("list", name="Events").get_by_role("listitem")


def expect_event(page, what: str, *texts: str) -> None:
    """An event of this kind is listed, with these texts (who, the details, what it concerns)."""
    found = events(page).filter(has_text=what)
    for text in texts:
        found = found.filter(has_text=text)
    expect(found).not_to_have_count(0)


# --- 1. The whole journey, with JavaScript -------------------------------------------------


def test_a_team_forms_works_on_an_assessment_and_changes_hands(
    site,
    page,
    visit,
    browser_for,
    django_user_model,
    owner,
    organisation,
    hotline,
    survey,
    assessment,
):
    # The owner invites a colleague to the organisation, as an editor, by keyboard.
    log_in(page, site, owner)
    open_members_page(page)
    check_wide_and_narrow(page, visit, "members")

    invite_by_keyboard(page, "amina@ngo.example", editor_by_keyboard)
    pending = page.get_by_role("heading", name="Invitations waiting for an answer")
    expect(pending).to_be_visible()
    expect(page.locator("li.card", has_text="amina@ngo.example")).to_contain_text("Editor")
    check_wide_and_narrow(page, visit, "members-invited")
    colleague_link = link_mailed_to("amina@ngo.example", "/invitations/")
    assert f"Olivia Owner invites you to join {ORGANISATION}" in mail.outbox[-1].body

    # ...and a consultant to one project, as a collaborator who can edit.
    page.get_by_role("link", name="My projects").first.click()
    page.get_by_role("link", name=HOTLINE).click()
    page.get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"People on {HOTLINE}")
    check_wide_and_narrow(page, visit, "people")

    invite_by_keyboard(page, "carmen@consult.example", can_edit_by_keyboard)
    expect(page.locator("li.card", has_text="carmen@consult.example")).to_be_visible()
    check_wide_and_narrow(page, visit, "people-invited")
    consultant_link = link_mailed_to("carmen@consult.example", "/invitations/")
    assert f'work on the project "{HOTLINE}"' in mail.outbox[-1].body
    assert len(mail.outbox) == 2

    # The colleague, new to westcheck, signs up from the invitation and accepts it.
    amina, amina_visit = browser_for("amina")
    sign_up_from_invitation(
        amina, amina_visit, site, colleague_link, "amina@ngo.example", "Amina Rahman"
    )
    expect(amina.get_by_text(f"Olivia Owner invites you to join {ORGANISATION}.")).to_be_visible()
    check_wide_and_narrow(amina, amina_visit, "invitation")
    accept_by_keyboard(amina)
    expect(amina).to_have_url(re.compile(r"/home/$"))
    expect(amina.get_by_text(f"Welcome to {ORGANISATION}.")).to_be_visible()
    expect(amina.get_by_text(f"Member of {ORGANISATION} (editor)")).to_be_visible()
    expect(project_cards(amina)).to_have_count(2)
    expect(project_cards(amina).filter(has_text=HOTLINE)).to_contain_text(ASSESSMENT)
    expect(project_cards(amina).filter(has_text=SURVEY)).to_be_visible()
    amina_visit.check("dashboard")

    # The consultant does the same, and sees that one project and nothing else.
    carmen, carmen_visit = browser_for("carmen")
    sign_up_from_invitation(
        carmen, carmen_visit, site, consultant_link, "carmen@consult.example", "Carmen Costa"
    )
    expect(carmen.get_by_text("You will see this project and nothing else")).to_be_visible()
    check_wide_and_narrow(carmen, carmen_visit, "invitation")
    accept_by_keyboard(carmen)
    expect(carmen.get_by_role("heading", level=1)).to_have_text(HOTLINE)
    expect(carmen.get_by_text(f"You now work on {HOTLINE}.")).to_be_visible()
    expect(carmen.get_by_text("you work on it as a collaborator")).to_be_visible()
    expect(carmen.get_by_role("link", name="People")).to_have_count(0)
    carmen_visit.check("project")
    carmen.get_by_role("navigation", name="Main").get_by_role("link", name="My projects").click()
    expect(project_cards(carmen)).to_have_count(1)
    expect(project_cards(carmen)).to_contain_text(HOTLINE)
    expect(carmen.get_by_role("link", name=ORGANISATION, exact=True)).to_have_count(0)
    carmen_visit.check("dashboard")
    response = carmen.goto(site + survey.get_absolute_url())
    assert response.status == 404
    expect(carmen.get_by_role("heading", level=1)).to_have_text("Page not found")
    carmen_visit.check("other-project-not-found")
    response = carmen.goto(f"{site}/organisations/{organisation.pk}/")
    assert response.status == 404

    # The editor answers section 1 and saves it.
    amina.get_by_role("link", name=ASSESSMENT).click()
    expect(amina.get_by_role("heading", level=1)).to_have_text(ASSESSMENT)
    amina.get_by_role("link", name="Start answering").click()
    expect(amina.get_by_text("Section 1 of 9")).to_be_visible()
    assert question_keys(amina) == list(RATINGS)
    for key, rating in RATINGS.items():
        question(amina, key).get_by_role("radio", name=rating, exact=True).check()
    expect(amina.locator("fieldset[data-question] .save-state")).to_have_text(
        [SAVED] * len(RATINGS)
    )
    amina_visit.check("section-answered")
    amina.get_by_role("button", name="Save and continue").click()
    expect(amina.get_by_text("Section 2 of 9")).to_be_visible()
    stored = dict(
        Answer.objects.filter(assessment=assessment).values_list("question__key", "rating")
    )
    assert stored == {
        "1.1": "in_place",
        "1.2": "planned",
        "1.3": "in_place",
        "1.4": "planned",
        "1.5": "not_started",
        "1.6": "in_place",
        "1.7": "planned",
    }

    # A viewer of the organisation reads the same section and cannot change it.
    victor = django_user_model.objects.create_user(
        email="victor@ngo.example", name="Victor Viewer", password=PASSWORD
    )
    viewer_invitation = services.invitation_create(
        organisation=organisation,
        email=victor.email,
        role=Membership.Role.VIEWER,
        invited_by=owner,
        site=site,
    )
    services.invitation_accept(token=viewer_invitation.token, user=victor)
    viewer, viewer_visit = browser_for("victor")
    log_in(viewer, site, victor)
    section = f"{site}/assessments/{assessment.pk}/sections/1/"
    viewer.goto(section)
    expect(viewer.get_by_text("Section 1 of 9")).to_be_visible()
    for key, rating in RATINGS.items():
        expect(question(viewer, key)).to_contain_text(rating)
        expect(question(viewer, key)).to_contain_text("Answered by Amina Rahman")
    expect(viewer.locator("form.answers")).to_have_count(0)
    expect(viewer.get_by_role("radio")).to_have_count(0)
    expect(viewer.get_by_role("textbox")).to_have_count(0)
    expect(viewer.get_by_role("button", name=re.compile("^Save"))).to_have_count(0)
    check_wide_and_narrow(viewer, viewer_visit, "section-read-only")
    # Posting all the same, with a valid CSRF token, is refused and changes nothing.
    token = next(c["value"] for c in viewer.context.cookies() if c["name"] == "csrftoken")
    for form in (
        {"q1.1-rating": "not_started", "action": "continue"},
        {"autosave": "1.1", "q1.1-rating": "not_started"},
    ):
        refused = viewer.request.post(section, form=form, headers={"X-CSRFToken": token})
        assert refused.status == 403
        assert "Your role in this organisation does not allow this." in refused.text()
    assert Answer.objects.get(assessment=assessment, question__key="1.1").rating == "in_place"

    # The owner hands over ownership to the editor, then leaves.
    open_members_page(page)
    members = page.get_by_role("list", name="Members").get_by_role("listitem")
    expect(members).to_have_count(3)  # the consultant works on one project, not a member
    expect(members.filter(has_text="Victor Viewer")).to_be_visible()
    check_wide_and_narrow(page, visit, "members-team")
    page.get_by_label("New owner").select_option(label="Amina Rahman (amina@ngo.example)")
    page.get_by_role("button", name="Hand over").click()
    expect(
        page.get_by_text(f"Amina Rahman now owns {ORGANISATION}; you are an editor.")
    ).to_be_visible()
    expect(page.get_by_text("You are editor here.")).to_be_visible()
    check_wide_and_narrow(page, visit, "members-handed-over")
    page.get_by_role("button", name="Leave", exact=True).click()
    expect(page).to_have_url(re.compile(r"/home/$"))
    expect(page.get_by_text(f"You have left {ORGANISATION}.")).to_be_visible()
    expect(project_cards(page)).to_have_count(0)
    expect(page.get_by_role("heading", name="Two ways to start")).to_be_visible()
    visit.check("dashboard-after-leaving")
    response = page.goto(site + hotline.get_absolute_url())
    assert response.status == 404
    visit.check("project-after-leaving")

    # The new owner reads every step in the organisation's activity...
    open_members_page(amina)
    expect(amina.get_by_text("You are owner here.")).to_be_visible()
    amina.get_by_role("link", name="Activity").click()
    expect(amina.get_by_role("heading", level=1)).to_have_text(f"Activity in {ORGANISATION}")
    expect_event(amina, "Invitation sent", "Invited amina@ngo.example as editor", "Olivia Owner")
    expect_event(amina, "Invitation sent", "Invited carmen@consult.example as editor", HOTLINE)
    expect_event(amina, "Member joined", "Amina Rahman joined as editor")
    expect_event(amina, "Collaborator given access", f"Carmen Costa can edit {HOTLINE}")
    expect_event(amina, "Member joined", "Victor Viewer joined as viewer")
    expect_event(amina, "Answer changed", "Question 1.1: rating unanswered → In place", ASSESSMENT)
    expect_event(amina, "Role changed", "Amina Rahman: editor → owner", "Olivia Owner")
    expect_event(amina, "Role changed", "Olivia Owner: owner → editor", "Olivia Owner")
    expect_event(amina, "Member left", "Member left: Olivia Owner")
    expect(events(amina).first).to_contain_text("Member left")
    check_wide_and_narrow(amina, amina_visit, "organisation-activity")

    # ...and in the assessment's.
    amina.get_by_role("navigation", name="Main").get_by_role("link", name="My projects").click()
    amina.get_by_role("link", name=ASSESSMENT).click()
    expect(amina.get_by_role("heading", level=1)).to_have_text(ASSESSMENT)
    amina_visit.check("assessment")
    amina.get_by_role("link", name="Activity").click()
    expect(amina.get_by_role("heading", level=1)).to_have_text(f"Activity: {ASSESSMENT}")
    expect(events(amina)).to_have_count(1 + len(RATINGS))
    for key, rating in RATINGS.items():
        expect_event(
            amina, "Answer changed", f"Question {key}: rating unanswered → {rating}", "Amina Rahman"
        )
    expect(events(amina).last).to_contain_text("Assessment started")
    check_wide_and_narrow(amina, amina_visit, "assessment-activity")


# --- 2. The members page and invitations without JavaScript ---------------------------------


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_members_collaborators_and_invitations_without_javascript(
    site,
    page,
    visit_without_javascript,
    browser_for,
    django_user_model,
    owner,
    organisation,
    hotline,
):
    visit = visit_without_javascript
    people = {
        email: django_user_model.objects.create_user(email=email, name=name, password=PASSWORD)
        for email, name in (
            ("amina@ngo.example", "Amina Rahman"),
            ("carmen@consult.example", "Carmen Costa"),
            ("victor@ngo.example", "Victor Viewer"),
        )
    }
    victor = people["victor@ngo.example"]
    Membership.objects.create(organisation=organisation, user=victor, role=Membership.Role.VIEWER)

    # Invitations: one sent by keyboard, one to a mistyped address, sent again too soon and
    # cancelled.
    log_in(page, site, owner)
    open_members_page(page)
    visit.check("members")
    invite_by_keyboard(page, "amina@ngo.example", editor_by_keyboard)
    page.get_by_label("E-mail address").fill("amina@ngo.exmaple")
    page.get_by_role("combobox", name="Role", exact=True).select_option(label="Viewer")
    page.get_by_role("button", name="Send invitation").click()
    mistyped = page.locator("li.card", has_text="amina@ngo.exmaple")
    mistyped.get_by_role("button", name="Send again").click()
    expect(page.get_by_text("This invitation was sent less than 10 minutes ago.")).to_be_visible()
    visit.check("members-sent-again-too-soon")
    mistyped.get_by_role("button", name="Cancel").click()
    expect(page.get_by_text("Invitation to amina@ngo.exmaple cancelled.")).to_be_visible()
    expect(mistyped).to_have_count(0)

    # The colleague has an account: she logs in from the invitation and accepts by keyboard.
    amina, amina_visit = browser_for("amina")
    invitation = link_mailed_to("amina@ngo.example", "/invitations/")
    amina.goto(site + invitation)
    amina_visit.check("invitation-anonymous")
    amina.get_by_role("main").get_by_role("link", name="Log in").click()
    amina.get_by_label("E-mail address").fill("amina@ngo.example")
    amina.get_by_role("textbox", name="Password").fill(PASSWORD)
    amina.get_by_role("button", name="Log in").click()
    expect(amina).to_have_url(site + invitation)
    amina_visit.check("invitation")
    accept_by_keyboard(amina)
    expect(amina.get_by_text(f"Member of {ORGANISATION} (editor)")).to_be_visible()
    amina.goto(site + invitation)
    expect(amina.get_by_text("This invitation has already been accepted.")).to_be_visible()
    amina_visit.check("invitation-used")

    # Roles: a member's role changed, a member removed.
    page.reload()
    members = page.get_by_role("list", name="Members").get_by_role("listitem")
    expect(members).to_have_count(3)
    page.get_by_label("Role of Amina Rahman").select_option(label="Viewer")
    page.get_by_role("button", name="Change role of Amina Rahman").click()
    expect(page.get_by_text("Amina Rahman is now viewer.")).to_be_visible()
    expect(page.get_by_label("Role of Amina Rahman")).to_have_value("viewer")
    page.get_by_role("button", name="Remove Victor Viewer").click()
    expect(page.get_by_text(f"Victor Viewer no longer belongs to {ORGANISATION}.")).to_be_visible()
    expect(members).to_have_count(2)
    visit.check("members-changed")

    # A collaborator on the project: invited to view, accepted, given edit, then removed.
    page.get_by_role("link", name="My projects").first.click()
    page.get_by_role("link", name=HOTLINE).click()
    page.get_by_role("link", name="People").click()
    visit.check("people")
    invite_by_keyboard(page, "carmen@consult.example", can_view_by_keyboard)
    carmen, carmen_visit = browser_for("carmen")
    log_in(carmen, site, people["carmen@consult.example"])
    carmen.goto(site + link_mailed_to("carmen@consult.example", "/invitations/"))
    expect(carmen.get_by_role("definition").filter(has_text="Viewer")).to_be_visible()
    carmen_visit.check("invitation")
    accept_by_keyboard(carmen)
    expect(carmen.get_by_text(f"You now work on {HOTLINE}.")).to_be_visible()
    expect(carmen.get_by_role("link", name="Start an assessment")).to_have_count(0)
    page.reload()
    collaborators = page.get_by_role("list", name="Collaborators from outside the organisation")
    expect(collaborators.get_by_role("listitem")).to_have_count(1)
    expect(page.get_by_label("Access of Carmen Costa")).to_have_value("viewer")
    page.get_by_label("Access of Carmen Costa").select_option(label="Can edit")
    page.get_by_role("button", name="Change access of Carmen Costa").click()
    expect(page.get_by_text("Access changed for Carmen Costa.")).to_be_visible()
    carmen.reload()
    expect(carmen.get_by_role("link", name="Start an assessment")).to_be_visible()
    visit.check("people-collaborator")
    page.get_by_role("button", name="Remove Carmen Costa").click()
    expect(page.get_by_text(f"Carmen Costa no longer works on {HOTLINE}.")).to_be_visible()
    assert carmen.reload().status == 404

    # Ownership handed over, then the former owner leaves.
    page.get_by_role("link", name="See the members").click()
    page.get_by_label("New owner").select_option(label="Amina Rahman (amina@ngo.example)")
    page.get_by_role("button", name="Hand over").click()
    expect(
        page.get_by_text(f"Amina Rahman now owns {ORGANISATION}; you are an editor.")
    ).to_be_visible()
    visit.check("members-handed-over")
    page.get_by_role("button", name="Leave", exact=True).click()
    expect(page.get_by_text(f"You have left {ORGANISATION}.")).to_be_visible()
    expect(project_cards(page)).to_have_count(0)
    visit.check("dashboard-after-leaving")

    open_members_page(amina)
    expect(amina.get_by_text("You are owner here.")).to_be_visible()
    amina.get_by_role("link", name="Activity").click()
    for what, text in (
        ("Invitation cancelled", "Invitation cancelled: amina@ngo.exmaple"),
        ("Role changed", "Amina Rahman: editor → viewer"),
        ("Member removed", "Member removed: Victor Viewer"),
        ("Collaborator given access", f"Carmen Costa can view {HOTLINE}"),
        ("Collaborator given access", f"Carmen Costa can edit {HOTLINE}"),
        ("Collaborator's access removed", f"Carmen Costa no longer works on {HOTLINE}"),
        ("Role changed", "Amina Rahman: viewer → owner"),
        ("Member left", "Member left: Olivia Owner"),
    ):
        expect_event(amina, what, text)
    amina_visit.check("organisation-activity")

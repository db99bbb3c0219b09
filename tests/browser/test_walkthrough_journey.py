"""A team walks through an assessment in a browser: with the mouse, by keyboard, without JavaScript.

The checks follow what a person sees: labels, buttons and messages. Selectors name markup only
to find one question's block (`fieldset#q-3.1`), its save state, or one card or gap in a list.
"""

import re
from itertools import pairwise

import pytest
from playwright.sync_api import expect

from checklists import services
from checklists.models import Answer, Assessment, ChecklistVersion, Membership
from checklists.selectors import assessment_state
from tests.browser.conftest import AXE, Visit

PASSWORD = "correct horse battery"
EVIDENCE = "In place with evidence"
SAVED = re.compile(r"^Saved at \d\d:\d\d \w+$")
ANSWERED_BY_KEYBOARD = "4"


# --- Helpers -------------------------------------------------------------------------------


@pytest.fixture
def team(django_user_model):
    """An organisation with two editors, Amina and Bruno, owned by a third person."""
    owner = django_user_model.objects.create_user(
        email="olivia@ngo.example", name="Olivia Owner", password=PASSWORD
    )
    organisation = services.organisation_create(
        name="Fair Threads Alliance", kind="ngo", owner=owner
    )
    editors = {}
    for key, email, name in (
        ("amina", "amina@ngo.example", "Amina Rahman"),
        ("bruno", "bruno@ngo.example", "Bruno Costa"),
    ):
        user = django_user_model.objects.create_user(email=email, name=name, password=PASSWORD)
        Membership.objects.create(organisation=organisation, user=user, role=Membership.Role.EDITOR)
        editors[key] = user
    return {"organisation": organisation, "owner": owner, **editors}


@pytest.fixture
def assessment(team):
    """A draft assessment of an SMS and hotline project (2.4 and 6.13 do not apply)."""
    project = services.project_create(
        organisation=team["organisation"],
        created_by=team["amina"],
        name="Hotline for Dhaka garment suppliers",
        countries="Bangladesh",
        sector="apparel",
        stage="planning",
        channels=["sms", "hotline"],
        migrant_workers=False,
        minorities_present=True,
    )
    return services.assessment_start(
        project=project,
        checklist=ChecklistVersion.objects.get(slug="west-operations-checklist"),
        title="Baseline, Nov 2026",
        started_by=team["amina"],
    )


def log_in(page, site, user):
    page.goto(site + "/accounts/login/")
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/home/$"))


def question(page, key):
    return page.locator(f'fieldset[id="q-{key}"]')


def section_url(site, assessment, key):
    return f"{site}/assessments/{assessment.pk}/sections/{key}/"


def stored_rating(assessment, key):
    answer = Answer.objects.filter(assessment=assessment, question__key=key).first()
    return answer.rating if answer else None


def fill_project_form(page, name):
    page.get_by_label("Project name").fill(name)
    page.get_by_label("Countries").fill("Bangladesh, Cambodia")
    page.get_by_label("Sector").select_option(label="Apparel, textiles and footwear")
    page.get_by_label("Stage").select_option(label="Pilot")
    channels = page.get_by_role("group", name="Channels workers will use")
    channels.get_by_role("checkbox", name="SMS", exact=True).check()
    channels.get_by_role("checkbox", name="Hotline", exact=True).check()
    page.get_by_role("group", name="Are migrant workers involved?").get_by_label("No").check()
    page.get_by_role("group", name="minorities present").get_by_label("Yes").check()


def start_assessment(page, visit=None):
    page.get_by_role("link", name="Start an assessment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Start an assessment")
    if visit:
        visit.check("assessment-start")
    page.get_by_label("Title").fill("Baseline, Nov 2026")
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_text("Section 1 of 9")).to_be_visible()


def answer_with_mouse(page, key):
    """Evidence first, then the rating, so that autosave sends one complete answer."""
    q = question(page, key)
    if key == "3.1":
        q.get_by_label("Evidence and notes").fill("A grievance procedure is drafted, not adopted.")
        q.get_by_role("radio", name="Planned", exact=True).check()
    elif key == "8.3":
        q.get_by_role("radio", name="Not applicable", exact=True).check()
        q.get_by_label("Why it does not apply").fill("The hotline is run by the union itself.")
    else:
        q.get_by_label("Evidence and notes").fill(f"Evidence for {key}: policy signed, on file.")
        q.get_by_role("radio", name=EVIDENCE, exact=True).check()


def question_keys(page) -> list[str]:
    """The questions of the section that can be answered, in page order."""
    return page.locator("fieldset[data-question]").evaluate_all(
        "els => els.map(el => el.dataset.question)"
    )


def focused(locator) -> bool:
    return locator.evaluate("el => el === document.activeElement")


def tab_to(page, target, key="Tab", limit=40):
    """Press Tab until `target` has the focus; fail if it is not reached (a trap or a skip)."""
    seen = []
    for _ in range(limit):
        page.keyboard.press(key)
        if focused(target):
            assert page.evaluate("document.activeElement.matches(':focus-visible')")
            return
        seen.append(page.evaluate("document.activeElement.outerHTML.slice(0, 90)"))
    pytest.fail(f"{target} never got the focus with {key}; focus went through:\n" + "\n".join(seen))


def press_and_expect_focus(page, key, target):
    page.keyboard.press(key)
    expect(target).to_be_focused()


def choose_evidence_with_arrows(page, q):
    for _ in range(3):  # Not started -> Planned -> In place -> In place with evidence
        page.keyboard.press("ArrowRight")
    expect(q.get_by_role("radio", name=EVIDENCE)).to_be_checked()
    expect(q.get_by_role("radio", name=EVIDENCE)).to_be_focused()


def answer_section_by_keyboard(page):
    """Section 4, with Tab, Shift+Tab, arrow keys, Space, typing and Enter only."""
    keys = question_keys(page)
    assert keys == ["4.1", "4.2", "4.3", "4.4", "4.5"]
    first = question(page, "4.1")
    # Into the first radio group from the top of the page: no radio is checked yet, so the
    # focus lands on the first rating.
    tab_to(page, first.get_by_role("radio", name="Not started"))
    # The justification box is hidden (4.1 cannot be not applicable): Tab goes to the note.
    press_and_expect_focus(page, "Tab", first.get_by_label("Evidence and notes"))
    page.keyboard.type("Site visit report, March 2026.")
    # Back into the group, still unchecked: the focus lands on its first rating.
    press_and_expect_focus(page, "Shift+Tab", first.get_by_role("radio", name="Not started"))
    choose_evidence_with_arrows(page, first)

    for previous_key, key in pairwise(keys):
        previous, q = question(page, previous_key), question(page, key)
        press_and_expect_focus(page, "Tab", previous.get_by_label("Evidence and notes"))
        press_and_expect_focus(page, "Tab", previous.get_by_label("Links to evidence"))
        # Its files, last in the question: links and notes come first.
        press_and_expect_focus(page, "Tab", previous.get_by_role("link", name="Attach a file"))
        # Each question's guidance comes before its answer.
        press_and_expect_focus(page, "Tab", q.get_by_text(f"Guidance for {key}"))
        press_and_expect_focus(page, "Tab", q.get_by_role("radio", name="Not started"))
        choose_evidence_with_arrows(page, q)
        press_and_expect_focus(page, "Tab", q.get_by_label("Evidence and notes"))
        page.keyboard.type(f"Checked on site for {key}.")
        press_and_expect_focus(page, "Shift+Tab", q.get_by_role("radio", name=EVIDENCE))
    # Opening the guidance works from the keyboard too.
    last = question(page, keys[-1])
    tab_to(page, last.get_by_text("Guidance for 4.5"), key="Shift+Tab")
    page.keyboard.press("Enter")
    expect(last.get_by_text("What good looks like")).to_be_visible()
    tab_to(page, page.get_by_role("button", name="Save and continue"))
    expect(page.locator("fieldset[data-question] .save-state")).to_have_text([SAVED] * 5)
    page.keyboard.press("Space")


# --- 1. The whole journey, with JavaScript -------------------------------------------------


def test_team_walks_through_a_whole_assessment_and_submits_it(site, page, visit, team):
    log_in(page, site, team["amina"])
    expect(page.get_by_role("heading", name="You have no projects yet")).to_be_visible()
    visit.check("dashboard-empty")

    page.get_by_role("link", name="New project").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Describe the project")
    visit.check("project-form")
    fill_project_form(page, "Hotline for Dhaka garment suppliers")
    page.get_by_role("button", name="Create project").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Hotline for Dhaka garment suppliers")
    expect(page.get_by_text("Project created.")).to_be_visible()
    expect(page.get_by_text("SMS, Hotline")).to_be_visible()
    visit.check("project")

    start_assessment(page, visit)
    section_titles = []
    for position in range(1, 10):
        expect(page.get_by_text(f"Section {position} of 9")).to_be_visible()
        key = str(position)
        section_titles.append(page.get_by_role("heading", level=1).inner_text())
        if key == "2":
            expect(question(page, "2.4")).to_contain_text("Not applicable to this project.")
        if key == "6":
            expect(question(page, "6.13")).to_contain_text("Not applicable to this project.")
        visit.check(f"section-{key}")
        if key == ANSWERED_BY_KEYBOARD:
            answer_section_by_keyboard(page)
            continue
        keys = question_keys(page)
        for question_key in keys:
            answer_with_mouse(page, question_key)
        # Autosave has stored every answer before the button is pressed.
        expect(page.locator("fieldset[data-question] .save-state")).to_have_text(
            [SAVED] * len(keys)
        )
        button = "Save and continue" if position < 9 else "Save and check your answers"
        page.get_by_role("button", name=button).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")
    # 57 = 60 less 2.4 and 6.13, which the profile sets aside, and 8.3, marked not applicable:
    # as in the scores, it counts neither as applicable nor as answered.
    expect(page.get_by_text("57 of 57 questions answered.")).to_be_visible()
    expect(page.get_by_role("heading", name="Every question is answered")).to_be_visible()
    section_4 = page.get_by_role("table").nth(3)
    expect(section_4).to_contain_text("4.1")
    expect(section_4.get_by_text(EVIDENCE)).to_have_count(5)
    visit.check("review")

    page.get_by_role("navigation", name="Breadcrumb").get_by_role(
        "link", name="Baseline, Nov 2026"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Baseline, Nov 2026")
    expect(page.get_by_role("heading", name="Readiness verdict")).to_contain_text("Not ready")
    gap = page.locator(".gap-list li", has_text="3.1")
    expect(gap).to_contain_text("Blocking")
    expect(gap).to_contain_text("Planned")
    expect(page.locator(".gap-list li")).to_have_count(1)
    visit.check("assessment-draft")

    page.get_by_role("link", name="Check and submit").click()
    page.get_by_role("button", name="Submit the assessment").click()
    expect(page.get_by_text("Assessment submitted. It is now read-only.")).to_be_visible()
    expect(page.locator(".badge", has_text="Submitted")).to_be_visible()
    expect(page.get_by_role("link", name="Continue")).to_have_count(0)
    visit.check("assessment-submitted")

    gap.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(section_titles[2])
    expect(page.get_by_role("radio")).to_have_count(0)
    expect(page.get_by_role("textbox")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^Save"))).to_have_count(0)
    expect(question(page, "3.1")).to_contain_text("Planned")
    expect(question(page, "3.1")).to_contain_text("Answered by Amina Rahman")
    visit.check("section-submitted")

    page.get_by_role("link", name="Next section").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(section_titles[3])
    expect(question(page, "4.1")).to_contain_text("Site visit report, March 2026.")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My projects").click()
    card = page.locator(".project-list li", has_text="Hotline for Dhaka garment suppliers")
    expect(card).to_contain_text("Baseline, Nov 2026")
    expect(card).to_contain_text("Submitted")
    visit.check("dashboard")


# --- 2. Autosave ---------------------------------------------------------------------------


def test_a_changed_rating_is_saved_at_once_and_not_applicable_asks_why(
    site, page, visit, team, assessment
):
    log_in(page, site, team["amina"])
    page.goto(section_url(site, assessment, "2"))
    page.evaluate("window.notReloaded = true")
    q = question(page, "2.1")
    justification = q.get_by_label("Why it does not apply")
    expect(justification).to_be_hidden()
    expect(question(page, "2.2").get_by_label("Why it does not apply")).to_be_hidden()

    q.get_by_role("radio", name="In place", exact=True).check()
    expect(q.locator(".save-state")).to_have_text(SAVED)
    expect(q.locator(".save-state")).to_be_visible()
    # The section's progress follows, in the heading and beside the section in the list.
    expect(page.get_by_text("1 of 5 questions answered")).to_be_visible()
    expect(page.locator(".walkthrough-nav .section-nav li.current .progress-count")).to_have_text(
        "1 of 5"
    )
    expect(page.locator("progress.section-progress")).to_have_js_property("value", 1)
    assert page.evaluate("window.notReloaded === true"), "the form was submitted"
    expect(page).to_have_url(section_url(site, assessment, "2"))
    assert stored_rating(assessment, "2.1") == "in_place"
    # Other questions were not touched.
    assert Answer.objects.filter(assessment=assessment).count() == 1
    visit.check("autosaved")

    page.reload()
    expect(q.get_by_role("radio", name="In place", exact=True)).to_be_checked()
    expect(justification).to_be_hidden()

    q.get_by_role("radio", name="Not applicable", exact=True).check()
    expect(justification).to_be_visible()
    # Without a reason nothing is sent yet; the person is asked for one.
    expect(q.locator(".save-state")).to_contain_text("Say why it does not apply")
    assert stored_rating(assessment, "2.1") == "in_place"
    justification.fill("Workers are all employed directly; no labour agents are involved.")
    justification.blur()
    expect(q.locator(".save-state")).to_have_text(SAVED)
    assert stored_rating(assessment, "2.1") == "not_applicable"
    # Not applicable counts neither as applicable nor as answered, as the server counts it.
    expect(page.get_by_text("0 of 4 questions answered")).to_be_visible()
    expect(page.locator(".walkthrough-nav .section-nav li.current .progress-count")).to_have_text(
        "0 of 4"
    )
    visit.check("not-applicable")

    # The state already reads "Saved at": wait for the save itself this time.
    with page.expect_response(lambda r: r.request.method == "POST") as response:
        q.get_by_role("radio", name="Planned", exact=True).check()
        expect(justification).to_be_hidden()
    assert response.value.json()["status"] == "saved"
    expect(q.locator(".save-state")).to_have_text(SAVED)
    page.reload()
    expect(q.get_by_role("radio", name="Planned", exact=True)).to_be_checked()
    answer = Answer.objects.get(assessment=assessment, question__key="2.1")
    assert (answer.rating, answer.na_justification) == ("planned", "")

    # A rating that needs evidence, without any: refused inline, then by the Save button.
    other = question(page, "2.2")
    other.get_by_role("radio", name=EVIDENCE, exact=True).check()
    expect(other.locator(".save-state")).to_contain_text("Add a note or a link")
    page.get_by_role("button", name="Save and continue").click()
    summary = page.get_by_role("alert").filter(has_text="Some answers need your attention")
    expect(summary.get_by_role("link", name=re.compile(r"^2\.2: Add a note"))).to_be_visible()
    assert stored_rating(assessment, "2.2") is None
    visit.check("errors")
    # The page opens on the list of problems; its link leads to the field, with the message.
    expect(summary).to_be_focused()
    summary.get_by_role("link").click()
    note = other.get_by_label("Evidence and notes")
    expect(note).to_be_focused()
    expect(note).to_have_accessible_description(re.compile(r"^Add a note or a link"))


def test_ratings_changed_in_quick_succession_are_all_saved(site, page, team, assessment):
    """Each question saves on its own, so saves overlap, as they do on a slow connection."""
    log_in(page, site, team["amina"])
    page.goto(section_url(site, assessment, "4"))
    keys = question_keys(page)
    # All five clicks in one go: their saves start within a millisecond of each other.
    page.evaluate(
        """() => document.querySelectorAll("fieldset[data-question] input[value=planned]")
                     .forEach((radio) => radio.click())"""
    )
    expect(page.locator("fieldset[data-question] .save-state")).to_have_text([SAVED] * len(keys))
    assert [stored_rating(assessment, key) for key in keys] == ["planned"] * len(keys)
    page.reload()
    for key in keys:
        expect(question(page, key).get_by_role("radio", name="Planned", exact=True)).to_be_checked()


# --- 3. Without JavaScript -----------------------------------------------------------------


def test_on_a_phone_the_sections_are_near_the_top_and_one_next_step_stands_out(
    site, page, visit, team, assessment
):
    log_in(page, site, team["amina"])
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(section_url(site, assessment, "2"))
        jump = page.locator("details.sections-jump")
        full_list = page.locator(".walkthrough-nav")
        if width == 375:
            expect(jump).to_be_visible()
            expect(full_list).to_be_hidden()
            # Within the first screen, above the questions.
            assert jump.bounding_box()["y"] < 800
            jump.locator("summary").click()
            expect(jump.get_by_role("navigation", name="Sections")).to_be_visible()
        else:
            expect(jump).to_be_hidden()
            expect(full_list.get_by_role("navigation", name="Sections")).to_be_visible()
        visit.check(f"section-{width}")

        page.goto(f"{site}{assessment.get_absolute_url()}")
        # One primary next step; the rest are secondary.
        expect(page.locator("main .btn-primary")).to_have_count(1)
        expect(page.locator("main .btn-primary")).to_have_text("Start answering")
        expect(page.get_by_role("link", name="Check and submit")).to_have_class(
            "btn btn-outline-secondary"
        )
        visit.check(f"assessment-{width}")


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_the_walkthrough_works_without_javascript(site, page, team, request):
    """Errors, section links, exit and resume without JavaScript; the pages of a whole assessment
    without JavaScript are checked with axe-core in the test below."""
    shots = Visit(page, request.node.name).folder
    log_in(page, site, team["amina"])
    page.get_by_role("link", name="Describe your first project").click()
    fill_project_form(page, "SMS survey in Phnom Penh")
    page.get_by_role("button", name="Create project").click()
    expect(page.get_by_text("Project created.")).to_be_visible()
    start_assessment(page)
    assessment = Assessment.objects.get(title="Baseline, Nov 2026")
    # autosave.js marks the page when it runs: here it must not have.
    expect(page.locator("html")).not_to_have_class(re.compile(r"\bjs\b"))

    # Section 1, saved as a whole by the button.
    for key in ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7"]:
        answer_with_mouse(page, key)
    assert Answer.objects.filter(assessment=assessment).count() == 0  # no autosave
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_text("Section 2 of 9")).to_be_visible()
    nav = page.get_by_role("navigation", name="Sections")
    expect(nav.get_by_role("listitem").nth(0)).to_contain_text("7 of 7")

    # The section navigation saves before it moves.
    expect(question(page, "2.1").get_by_label("Why it does not apply")).to_be_visible()
    question(page, "2.1").get_by_role("radio", name="In place", exact=True).check()
    nav.get_by_role("button", name="4. Verify a safe and enabling environment").click()
    expect(page.get_by_text("Section 4 of 9")).to_be_visible()
    assert stored_rating(assessment, "2.1") == "in_place"
    expect(nav.get_by_role("listitem").nth(1)).to_contain_text("1 of 5")

    # An error: evidence is required. Nothing in the section is saved, the input is kept.
    question(page, "4.1").get_by_role("radio", name=EVIDENCE, exact=True).check()
    question(page, "4.2").get_by_role("radio", name="Planned", exact=True).check()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_text("Section 4 of 9")).to_be_visible()
    summary = page.get_by_role("alert").filter(has_text="Some answers need your attention")
    expect(summary).to_be_visible()
    assert summary.bounding_box()["y"] < question(page, "4.1").bounding_box()["y"]
    link = summary.get_by_role("link", name=re.compile(r"^4\.1: Add a note or a link"))
    expect(link).to_be_visible()
    target = link.get_attribute("href")
    note = question(page, "4.1").get_by_label("Evidence and notes")
    assert target == "#" + note.get_attribute("id")
    expect(question(page, "4.1").get_by_text("Add a note or a link")).to_be_visible()
    # The message is announced with the field, not only shown next to it.
    expect(note).to_have_attribute("aria-invalid", "true")
    expect(note).to_have_accessible_description(re.compile(r"^Add a note or a link"))
    expect(question(page, "4.2").get_by_role("radio", name="Planned")).to_be_checked()
    assert stored_rating(assessment, "4.1") is None
    assert stored_rating(assessment, "4.2") is None
    page.screenshot(path=shots / "01-section-errors.png", full_page=True)
    link.click()
    expect(page).to_have_url(re.compile(re.escape(target) + "$"))

    note.fill("Security assessment of the call centre, February 2026.")
    page.get_by_role("button", name="Save and exit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Baseline, Nov 2026")
    expect(page.get_by_text("Your answers are saved.")).to_be_visible()
    expect(page.get_by_text("10 of 58 questions answered")).to_be_visible()
    page.screenshot(path=shots / "02-assessment-after-exit.png", full_page=True)
    assert stored_rating(assessment, "4.1") == "in_place_with_evidence"
    assert stored_rating(assessment, "4.2") == "planned"

    # Resuming brings the team back to the section they left.
    page.get_by_role("link", name="Continue").click()
    expect(page.get_by_text("Section 4 of 9")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My projects").click()
    card = page.locator(".project-list li", has_text="SMS survey in Phnom Penh")
    expect(card).to_contain_text("Baseline, Nov 2026")
    expect(card).to_contain_text("Draft")


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_a_whole_assessment_is_answered_and_submitted_without_javascript(
    site, page, visit_without_javascript, team, assessment
):
    visit = visit_without_javascript
    log_in(page, site, team["amina"])
    visit.check("dashboard")
    page.locator(".project-list li", has_text="Hotline for Dhaka garment suppliers").get_by_role(
        "link", name="Baseline, Nov 2026"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Baseline, Nov 2026")
    visit.check("assessment-new")
    page.get_by_role("link", name="Start answering").click()

    answered = []
    nav = page.get_by_role("navigation", name="Sections")
    for position in range(1, 10):
        expect(page.get_by_text(f"Section {position} of 9")).to_be_visible()
        if position > 1:  # the section just saved counts every one of its questions
            done = len([k for k in answered if k.startswith(f"{position - 1}.") and k != "8.3"])
            expect(nav.get_by_role("listitem").nth(position - 2)).to_contain_text(
                f"{done} of {done}"
            )
        visit.check(f"section-{position}")
        # autosave.js marks the page when it runs: neither the page nor the check ran it.
        expect(page.locator("html")).not_to_have_class(re.compile(r"\bjs\b"))
        keys = question_keys(page)
        for key in keys:
            answer_with_mouse(page, key)
        answered += keys
        assert Answer.objects.filter(assessment=assessment).count() == len(answered) - len(keys)
        button = "Save and continue" if position < 9 else "Save and check your answers"
        page.get_by_role("button", name=button).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")
    counted = len(answered) - 1  # 8.3, not applicable, counts in neither
    expect(page.get_by_text(f"{counted} of {counted} questions answered.")).to_be_visible()
    visit.check("review")
    assert sorted(
        Answer.objects.filter(assessment=assessment).values_list("question__key", flat=True)
    ) == sorted(answered)
    assert {"2.4", "6.13"}.isdisjoint(answered)  # set aside by the profile
    assert stored_rating(assessment, "3.1") == "planned"
    assert stored_rating(assessment, "8.3") == "not_applicable"

    page.get_by_role("navigation", name="Breadcrumb").get_by_role(
        "link", name="Baseline, Nov 2026"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Baseline, Nov 2026")
    # The verdict is what the scores say, and 3.1, a remedy question only planned, holds it
    # back; its wording is the verdict panel's to choose.
    result = assessment_state(assessment).result
    assert result.verdict == "not_ready"
    assert [gap.key for gap in result.blocking_gaps] == ["3.1"]
    label = next(
        level["label"]
        for level in assessment.checklist.scoring["levels"]
        if level["key"] == result.verdict
    )
    expect(page.get_by_role("heading", name=re.compile("Readiness verdict"))).to_contain_text(label)
    gap = page.locator(".gap-list li").filter(has=page.get_by_text("3.1", exact=True))
    expect(gap).to_contain_text("Blocking")
    expect(gap).to_contain_text("Remedy")
    expect(gap).to_contain_text("Planned")
    visit.check("assessment-draft")

    page.get_by_role("link", name="Check and submit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")
    visit.check("review-before-submitting")
    page.get_by_role("button", name="Submit the assessment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Baseline, Nov 2026")
    expect(page.locator(".badge", has_text="Submitted")).to_be_visible()
    expect(page.get_by_role("link", name="Continue")).to_have_count(0)
    expect(page.get_by_role("link", name="Check and submit")).to_have_count(0)
    assert Assessment.objects.get(pk=assessment.pk).status == Assessment.Status.SUBMITTED
    visit.check("assessment-submitted")

    gap.get_by_role("link").click()
    expect(page.get_by_text("Section 3 of 9")).to_be_visible()
    expect(question(page, "3.1")).to_contain_text("Planned")
    expect(page.get_by_role("radio")).to_have_count(0)
    expect(page.get_by_role("textbox")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^Save"))).to_have_count(0)
    visit.check("section-submitted")


# --- 4. Two people, one answer -------------------------------------------------------------


def test_a_conflicting_change_is_shown_and_not_saved(
    site, page, visit, browser, browser_context_args, request, team, assessment
):
    bruno_context = browser.new_context(**browser_context_args)
    bruno_context.add_init_script(path=str(AXE))
    bruno = bruno_context.new_page()
    bruno.csp_violations = []
    bruno_visit = Visit(bruno, request.node.name + "-bruno")
    try:
        log_in(page, site, team["amina"])
        log_in(bruno, site, team["bruno"])
        page.goto(section_url(site, assessment, "3"))
        bruno.goto(section_url(site, assessment, "3"))

        # Amina saves first.
        amina_q = question(page, "3.1")
        amina_q.get_by_role("radio", name="In place", exact=True).check()
        expect(amina_q.locator(".save-state")).to_have_text(SAVED)
        visit.check("amina-saved")

        # Bruno's page still shows the answer as it was: his autosave is refused.
        bruno_q = question(bruno, "3.1")
        bruno_q.get_by_role("radio", name="Not started", exact=True).check()
        expect(bruno_q.locator(".save-state")).to_contain_text(
            "Amina Rahman changed this answer while you were editing. It is now: In place."
        )
        expect(bruno_q.locator(".save-state")).to_contain_text("your change was not saved")
        assert stored_rating(assessment, "3.1") == "in_place"

        # Saving the whole section does not overwrite Amina's answer either.
        bruno.get_by_role("button", name="Save and continue").click()
        expect(bruno.get_by_text("Section 3 of 9")).to_be_visible()
        expect(bruno.get_by_text("Someone else saved some of these answers")).to_be_visible()
        warning = bruno_q.get_by_role("alert")
        expect(warning).to_contain_text("Amina Rahman changed this answer at")
        expect(warning).to_contain_text("It is now: In place")
        expect(bruno_q.get_by_role("radio", name="Not started", exact=True)).to_be_checked()
        assert stored_rating(assessment, "3.1") == "in_place"
        answer = Answer.objects.get(assessment=assessment, question__key="3.1")
        assert answer.answered_by == team["amina"]
        bruno_visit.check("conflict")
    finally:
        bruno_context.close()

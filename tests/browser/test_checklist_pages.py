"""Reading the checklist in a browser, by mouse and by keyboard, with and without JavaScript."""

import re

import pytest
from playwright.sync_api import expect


def test_visitor_reads_the_checklist_and_opens_guidance_by_keyboard(site, page, visit):
    page.goto(site + "/")
    page.get_by_role("link", name="Checklist", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Published checklists")
    visit.check("checklist-list")

    page.get_by_role("link", name="WEST Principles Operations Checklist").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "WEST Principles Operations Checklist"
    )
    expect(page.locator(".question")).to_have_count(60)
    visit.check("checklist-version")

    # Jump to section 3 from the table of contents, then open the guidance of 3.1 with the keyboard.
    page.get_by_role("link", name="Establish a mechanism for remedy").click()
    expect(page).to_have_url(re.compile(r"#section-3$"))
    summary = page.get_by_text("Guidance for 3.1", exact=True)
    summary.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#q-3\\.1 details")).to_have_attribute("open", "")
    expect(page.locator("#q-3\\.1").get_by_text("What good looks like")).to_be_visible()
    visit.check("checklist-guidance-open")


@pytest.mark.parametrize("browser_context_args", [{"java_script_enabled": False}], indirect=True)
def test_checklist_guidance_works_without_javascript(site, page):
    page.goto(site + "/checklists/west-operations-checklist/2019-03/")
    page.get_by_text("Guidance for 6.1", exact=True).click()
    expect(page.locator("#q-6\\.1").get_by_text("Why it matters")).to_be_visible()

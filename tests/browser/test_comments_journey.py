"""Comment threads, in a browser, without JavaScript: the funder asks about a question of a
shared baseline, the grantee answers from its side, the funder changes then deletes its
comment, and resolves the thread. Every page is checked by axe-core, at 1280 and 375 pixels.
"""

import pytest
from playwright.sync_api import expect

from checklists.models import Share
from tests.browser.test_sharing_journey import baseline, funder, grantee  # noqa: F401
from tests.browser.test_teams_journey import NARROW, WIDE
from tests.browser.test_walkthrough_journey import log_in
from tests.test_sharing import accepted, offer

# ruff: noqa: F811


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_a_funder_and_a_grantee_talk_about_a_question(
    site, page, visit_without_javascript, browser_for, grantee, funder, baseline
):
    visit = visit_without_javascript
    share = accepted(
        offer(
            baseline,
            grantee,
            email=funder.email,
            detail="sections",
            sections=["3"],
            role="reviewer",
        ),
        funder,
        funder.memberships.get().organisation,
    )
    assert share.status == Share.Status.ACTIVE

    # The funder asks.
    log_in(page, site, funder)
    page.goto(f"{site}/shared/{share.pk}/comments/")
    thread = page.locator('[id="t-3.1"]')
    thread.get_by_text("Comment on this question").click()
    thread.get_by_label("Your comment").fill("Who answers at nite?")
    thread.get_by_role("button", name="Add the comment").click()
    expect(page.get_by_text("Your comment is added.")).to_be_visible()
    visit.check("funder-asked")

    # The grantee answers from the Sharing side.
    grantee_page, grantee_visit = browser_for("grantee")
    log_in(grantee_page, site, grantee)
    grantee_page.goto(f"{site}/assessments/{baseline.pk}/sharing/{share.pk}/comments/")
    theirs = grantee_page.locator('[id="t-3.1"]')
    expect(theirs.get_by_text("Who answers at nite?")).to_be_visible()
    theirs.get_by_label("Your comment").fill("Our caseworker, on a rota.")
    theirs.get_by_role("button", name="Add the comment").click()
    expect(grantee_page.get_by_text("Your comment is added.")).to_be_visible()
    for viewport in (WIDE, NARROW):
        grantee_page.set_viewport_size(viewport)
        grantee_visit.check(f"grantee-answered-{viewport['width']}")

    # The funder corrects its comment, then deletes it; the answer stays.
    page.reload()
    thread = page.locator('[id="t-3.1"]')
    thread.get_by_text("Change or delete your comment").click()
    thread.get_by_label("Your comment").first.fill("Who answers at night?")
    thread.get_by_role("button", name="Save the change").click()
    expect(page.get_by_text("Your comment is changed.")).to_be_visible()
    thread = page.locator('[id="t-3.1"]')
    expect(thread.locator(".comment-body").first).to_have_text("Who answers at night?")
    thread.get_by_text("Change or delete your comment").click()
    thread.get_by_role("button", name="Delete your comment").click()
    expect(page.get_by_text("Your comment is deleted.")).to_be_visible()
    thread = page.locator('[id="t-3.1"]')
    expect(thread.get_by_text("Comment deleted by its author")).to_be_visible()
    assert "Who answers at night?" not in thread.inner_text()
    expect(thread.get_by_text("Our caseworker, on a rota.")).to_be_visible()
    thread.get_by_role("button", name="Resolve the thread").click()
    expect(page.get_by_text("Thread resolved.")).to_be_visible()
    for viewport in (WIDE, NARROW):
        page.set_viewport_size(viewport)
        visit.check(f"funder-resolved-{viewport['width']}")

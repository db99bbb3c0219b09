"""Sharing, in a browser, without JavaScript: a grantee's owner shares a submitted baseline
with a funder at the detail of two sections, after looking at the preview; the funder's owner
accepts it from the dashboard and reads it, without the evidence or anyone's name; the grantee
revokes it and the funder's next request for the page and its PDF is refused.

Every page is checked by axe-core; the shared page and the Sharing page at 1280 and 375 pixels.
"""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from checklists import services
from checklists.models import ChecklistVersion, Share
from tests.browser.test_teams_journey import NARROW, WIDE, link_mailed_to
from tests.browser.test_walkthrough_journey import PASSWORD, log_in
from tests.test_walkthrough import PROFILE, answer_everything

EVIDENCE_NOTE = "Signed policy, version 2."


@pytest.fixture
def grantee(django_user_model):
    return django_user_model.objects.create_user(
        email="olivia@ngo.example", name="Olivia Owner", password=PASSWORD
    )


@pytest.fixture
def funder(django_user_model):
    fatima = django_user_model.objects.create_user(
        email="fatima@fund.example", name="Fatima Funder", password=PASSWORD
    )
    services.organisation_create(name="Open Voices Fund", kind="funder", owner=fatima)
    return fatima


@pytest.fixture
def baseline(grantee):
    organisation = services.organisation_create(
        name="Fair Threads Alliance", kind="ngo", owner=grantee
    )
    project = services.project_create(organisation=organisation, created_by=grantee, **PROFILE)
    assessment = services.assessment_start(
        project=project,
        checklist=ChecklistVersion.objects.get(slug="west-operations-checklist"),
        title="Baseline",
        started_by=grantee,
    )
    answer_everything(assessment, grantee, {"3.1": "planned"})
    services.assessment_submit(assessment=assessment, user=grantee, milestone="baseline")
    return assessment


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_a_grantee_shares_two_sections_and_revokes_them(
    site, page, visit_without_javascript, browser_for, grantee, funder, baseline
):
    visit = visit_without_javascript
    log_in(page, site, grantee)
    page.goto(f"{site}/assessments/{baseline.pk}/")
    page.get_by_role("link", name="Sharing").click()
    expect(page.get_by_role("heading", name="Sharing", exact=True)).to_be_visible()
    expect(page.get_by_text("Nobody outside your organisation has access to it.")).to_be_visible()
    visit.check("sharing-empty")

    page.get_by_label("Their e-mail address").fill("fatima@fund.example")
    page.get_by_label("Chosen sections: the summary").check()
    page.get_by_label("3. Establish a mechanism for remedy").check()
    page.get_by_label("7. Develop a plan of action for getting informed consent").check()
    page.get_by_label("Review: view, download").check()
    page.get_by_role("button", name="Preview what they will see").click()
    expect(page.get_by_role("heading", name="Preview of the share")).to_be_visible()
    preview = page.locator(".shared-preview")
    expect(
        preview.get_by_role("heading", name="3. Establish a mechanism for remedy")
    ).to_be_visible()
    expect(
        preview.get_by_role("heading", name="1. Define the project purpose and mission")
    ).to_have_count(0)
    assert EVIDENCE_NOTE not in preview.inner_text()
    visit.check("preview")
    page.get_by_role("button", name="Offer this share").click()
    expect(page.get_by_text("Offered to fatima@fund.example")).to_be_visible()
    expect(page.get_by_role("cell", name="Offered, waiting for acceptance")).to_be_visible()

    # The funder: the offer waits on the dashboard (and came by e-mail).
    offer_path = link_mailed_to("fatima@fund.example", "/shares/offers/")
    funder_page, funder_visit = browser_for("funder")
    log_in(funder_page, site, funder)
    funder_page.get_by_role(
        "link", name='Fair Threads Alliance offers to share "Dhaka garment hotline"'
    ).click()
    assert funder_page.url.endswith(offer_path)
    funder_visit.check("offer")
    funder_page.get_by_role("button", name="Accept").click()
    expect(funder_page.get_by_role("heading", name="Dhaka garment hotline")).to_be_visible()
    text = funder_page.locator("main").inner_text()
    assert "Not ready" in text
    assert "3.1" in text
    assert EVIDENCE_NOTE not in text
    assert "Olivia Owner" not in text
    for viewport in (WIDE, NARROW):
        funder_page.set_viewport_size(viewport)
        funder_visit.check(f"shared-{viewport['width']}")
    funder_page.set_viewport_size(WIDE)
    pdf = funder_page.request.get(
        site
        + funder_page.get_by_role("link", name="Download the report (PDF)").get_attribute("href")
    )
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    shared_url = funder_page.url

    # The funder reviews: 3.1 needs change, then asks for changes.
    funder_page.get_by_role("link", name="Review this submission").click()
    question = funder_page.locator('fieldset[id="r-3.1"]')
    question.get_by_label("Needs change").check()
    question.get_by_label("Note (optional)").fill("Who answers an emergency call at night?")
    funder_visit.check("review")
    funder_page.get_by_role("button", name="Request changes").click()
    expect(
        funder_page.get_by_text("Changes requested: the grantee's owners are told.")
    ).to_be_visible()
    funder_page.goto(shared_url)
    funder_page.get_by_role("link", name="Portfolio").click()
    expect(funder_page.get_by_role("link", name="Dhaka garment hotline")).to_be_visible()
    funder_visit.check("portfolio")

    # The grantee sees who opened it, and revokes it.
    page.reload()
    expect(page.get_by_text("viewed by Fatima Funder")).to_be_visible()
    page.get_by_role("link", name="Changes requested").click()
    expect(page.get_by_text("Who answers an emergency call at night?")).to_be_visible()
    visit.check("reviews")
    page.go_back()
    for viewport in (WIDE, NARROW):
        page.set_viewport_size(viewport)
        visit.check(f"sharing-{viewport['width']}")
    page.set_viewport_size(WIDE)
    page.get_by_role("button", name="Revoke Open Voices Fund").click()
    expect(page.get_by_text("Revoked: Open Voices Fund no longer has access.")).to_be_visible()
    assert Share.objects.get().status == "revoked"
    assert any("fatima@fund.example" in m.to for m in mail.outbox[-1:])

    # The funder's very next requests are refused.
    assert funder_page.goto(shared_url).status == 404
    assert funder_page.request.get(pdf.url).status == 404
    funder_page.goto(site + "/portfolio/")
    expect(funder_page.get_by_role("link", name="Dhaka garment hotline")).to_have_count(0)
    assert re.search(r"No shared assessments yet", funder_page.locator("main").inner_text())

"""Three organisations, in a browser, without JavaScript.

Open Voices Fund (owner Fatima) creates a cohort asking for sections 3 and 7 to review. Fair
Threads Alliance (owner Olivia) joins it with its submitted baseline, at chosen-sections detail.
Fatima marks 3.1 and 7.2 "needs change" and requests changes; Olivia starts a follow-up from the
baseline, reads the notes beside those questions, changes the answers and submits again;
Fatima accepts the new submission. Olivia also shares the follow-up with Brightline Buyers
(owner Bruno) at summary detail: Bruno sees no rating. Olivia revokes it, and Bruno's next
request for every URL of the share, the PDF and the CSV included, answers 404.

The baseline's answers are made through services; everything above goes through the browser.
axe-core checks every page visited.
"""

import re

import pytest
from playwright.sync_api import expect

from checklists import services
from checklists.models import Assessment, ChecklistVersion, ReviewRound, Share
from tests.browser.test_teams_journey import link_mailed_to
from tests.browser.test_walkthrough_journey import PASSWORD, log_in, question
from tests.test_walkthrough import PROFILE, answer_everything

REMEDY = "3. Establish a mechanism for remedy"
CONSENT = "7. Develop a plan of action for getting informed consent"
RATING_LABELS = ("Not started", "Planned", "In place", "Not applicable")
NOTE_3_1 = "Who answers an emergency call at night?"
NOTE_7_2 = "How do workers withdraw their consent?"


def person(django_user_model, email: str, name: str):
    return django_user_model.objects.create_user(email=email, name=name, password=PASSWORD)


@pytest.fixture
def fatima(django_user_model):
    fatima = person(django_user_model, "fatima@fund.example", "Fatima Funder")
    services.organisation_create(name="Open Voices Fund", kind="funder", owner=fatima)
    return fatima


@pytest.fixture
def bruno(django_user_model):
    bruno = person(django_user_model, "bruno@buyers.example", "Bruno Buyer")
    services.organisation_create(name="Brightline Buyers", kind="brand", owner=bruno)
    return bruno


@pytest.fixture
def olivia(django_user_model):
    return person(django_user_model, "olivia@ngo.example", "Olivia Owner")


@pytest.fixture
def baseline(olivia):
    organisation = services.organisation_create(
        name="Fair Threads Alliance", kind="ngo", owner=olivia
    )
    project = services.project_create(organisation=organisation, created_by=olivia, **PROFILE)
    assessment = services.assessment_start(
        project=project,
        checklist=ChecklistVersion.objects.get(slug="west-operations-checklist"),
        title="Baseline",
        started_by=olivia,
    )
    answer_everything(assessment, olivia, {"3.1": "planned", "7.2": {"rating": "not_started"}})
    services.assessment_submit(assessment=assessment, user=olivia, milestone="baseline")
    return assessment


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_a_funder_reviews_a_grantee_who_also_shares_a_summary_with_a_brand(
    site, page, visit_without_javascript, browser_for, fatima, olivia, bruno, baseline
):
    visit = visit_without_javascript

    # The funder creates the cohort: sections 3 and 7, to review.
    funder, funder_visit = browser_for("funder")
    log_in(funder, site, fatima)
    funder_visit.check("home")
    funder.goto(site + "/portfolio/cohorts/")
    expect(funder.get_by_role("heading", name="Cohorts", exact=True)).to_be_visible()
    funder_visit.check("cohorts")
    funder.get_by_role("textbox", name="Name", exact=True).fill("Worker Voice Fund 2027")
    funder.get_by_label("Chosen sections: and the ratings").check()
    funder.get_by_label(REMEDY).check()
    funder.get_by_label(CONSENT).check()
    funder.get_by_label("Review: view, download, mark questions and accept").check()
    funder.get_by_role("button", name="Create the cohort").click()
    expect(
        funder.get_by_text("Cohort created: send its join link to your grantees.")
    ).to_be_visible()
    expect(funder.get_by_text("No grantee has joined yet.")).to_be_visible()
    funder_visit.check("cohort-empty")
    join_link = funder.locator(".mono", has_text="/cohorts/join/").inner_text().strip()
    join_path = re.sub(r"^https?://[^/]+", "", join_link)

    # The grantee joins with its baseline, at chosen-sections detail, later submissions too.
    log_in(page, site, olivia)
    visit.check("home")
    page.goto(site + join_path)
    expect(page.get_by_text("Open Voices Fund asks its grantees to share")).to_be_visible()
    expect(page.get_by_label("Full: every answer")).to_have_count(0)
    visit.check("cohort-join")
    page.get_by_label(re.compile(r"Dhaka garment hotline · submission 1")).check()
    page.get_by_label("Chosen sections: and the ratings").check()
    expect(page.get_by_label(REMEDY)).to_be_checked()
    expect(page.get_by_label(CONSENT)).to_be_checked()
    expect(page.get_by_label("Share later submissions of this project too")).to_be_checked()
    page.get_by_role("button", name="Share and join").click()
    expect(
        page.get_by_text("Shared with Open Voices Fund for Worker Voice Fund 2027.")
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Sharing", exact=True)).to_be_visible()
    visit.check("sharing-after-joining")
    share = Share.objects.get(cohort__isnull=False)
    assert (share.detail, share.sections, share.role) == ("sections", ["3", "7"], "reviewer")

    # The funder marks 3.1 and 7.2 "needs change" and requests changes.
    funder.reload()
    funder.get_by_role("link", name="Dhaka garment hotline").click()
    expect(funder.get_by_role("heading", name="Dhaka garment hotline")).to_be_visible()
    expect(funder.get_by_role("heading", name=REMEDY)).to_be_visible()
    expect(
        funder.get_by_role("heading", name="1. Define the project purpose and mission")
    ).to_have_count(0)
    funder_visit.check("shared-1")
    funder.get_by_role("link", name="Review this submission").click()
    for key, note in (("3.1", NOTE_3_1), ("7.2", NOTE_7_2)):
        marked = funder.locator(f'fieldset[id="r-{key}"]')
        marked.get_by_label("Needs change").check()
        marked.get_by_label("Note (optional)").fill(note)
    expect(funder.locator('fieldset[id="r-1.1"]')).to_have_count(0)
    funder_visit.check("review-1")
    funder.get_by_role("button", name="Request changes").click()
    expect(funder.get_by_text("Changes requested: the grantee's owners are told.")).to_be_visible()
    funder_visit.check("review-1-decided")
    assert ReviewRound.objects.get(submission__number=1).status == "changes_requested"

    # The grantee starts a follow-up from the baseline and reads the notes beside 3.1 and 7.2.
    page.goto(f"{site}/assessments/{baseline.pk}/")
    visit.check("baseline")
    page.get_by_role("button", name="Start a new assessment from this one").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Follow-up to Baseline")
    follow_up = Assessment.objects.get(title="Follow-up to Baseline")
    visit.check("follow-up")
    for section, key, note, evidence in (
        ("3", "3.1", NOTE_3_1, "A night rota answers the hotline; rota of March 2027."),
        ("7", "7.2", NOTE_7_2, "The consent form says how to withdraw, in Bengali."),
    ):
        page.goto(f"{site}/assessments/{follow_up.pk}/sections/{section}/")
        changed = question(page, key)
        expect(changed).to_contain_text(f"Open Voices Fund: needs change · {note}")
        visit.check(f"follow-up-section-{section}")
        changed.get_by_label("Evidence and notes").fill(evidence)
        changed.get_by_role("radio", name="In place with evidence", exact=True).check()
        page.get_by_role("button", name="Save and exit").click()
        expect(page.get_by_text("Your answers are saved.")).to_be_visible()
        visit.check(f"follow-up-saved-{section}")
    page.get_by_role("link", name="Check and submit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")
    visit.check("check-follow-up")
    page.get_by_role("button", name="Submit the assessment").click()
    expect(page.locator(".badge", has_text="Submitted")).to_be_visible()
    visit.check("follow-up-submitted")
    follow_up.refresh_from_db()
    assert follow_up.submission.number == 2

    # The funder reviews submission 2: 3.1 and 7.2 changed; it accepts.
    funder.goto(f"{site}/shared/{share.pk}/")
    expect(funder.get_by_text("Submission 2 is in review.")).to_be_visible()
    funder_visit.check("shared-2")
    funder.get_by_role("link", name="Review this submission").click()
    expect(funder.locator('fieldset[id="r-3.1"]')).to_contain_text("changed")
    expect(funder.locator('fieldset[id="r-7.2"]')).to_contain_text("changed")
    funder_visit.check("review-2")
    funder.get_by_role("button", name="Accept submission 2").click()
    expect(funder.get_by_role("heading", name="Accepted")).to_be_visible()
    funder_visit.check("review-2-accepted")
    accepted = ReviewRound.objects.get(submission__number=2)
    assert accepted.status == "accepted"
    assert accepted.accepted_hash == follow_up.submission.integrity_hash

    # The grantee shares the follow-up with the brand, at summary detail.
    page.goto(f"{site}/assessments/{follow_up.pk}/sharing/")
    visit.check("sharing-follow-up")
    page.get_by_label("Their e-mail address").fill("bruno@buyers.example")
    page.get_by_label("Summary: verdict, gates").check()
    page.get_by_label("View and download").check()
    page.get_by_role("button", name="Preview what they will see").click()
    expect(page.get_by_role("heading", name="Preview of the share")).to_be_visible()
    visit.check("preview-summary")
    page.get_by_role("button", name="Offer this share").click()
    expect(page.get_by_text("Offered to bruno@buyers.example")).to_be_visible()
    visit.check("sharing-offered")

    # The brand accepts it from the e-mailed link and sees no rating.
    offer_path = link_mailed_to("bruno@buyers.example", "/shares/offers/")
    brand, brand_visit = browser_for("brand")
    log_in(brand, site, bruno)
    brand_visit.check("home")
    brand.goto(site + offer_path)
    brand_visit.check("offer")
    brand.get_by_role("button", name="Accept").click()
    expect(brand.get_by_role("heading", name="Dhaka garment hotline")).to_be_visible()
    expect(
        brand.get_by_text("This share includes no answers: only the summary above.")
    ).to_be_visible()
    expect(brand.locator(".shared-rating")).to_have_count(0)
    text = brand.locator("main").inner_text()
    for label in RATING_LABELS:
        assert label not in text, label
    brand_visit.check("shared-summary")
    brand_share = Share.objects.get(recipient__name="Brightline Buyers")
    urls = [
        f"{site}/shared/{brand_share.pk}/",
        f"{site}/shared/{brand_share.pk}/submissions/2/",
        site + brand.get_by_role("link", name="Download the report (PDF)").get_attribute("href"),
        site + brand.get_by_role("link", name="As CSV").get_attribute("href"),
        site + brand.get_by_role("link", name="As JSON").get_attribute("href"),
    ]
    for url in urls:
        assert brand.request.get(url).status == 200, url
    csv_text = brand.request.get(urls[3]).text()
    for label in RATING_LABELS:
        assert label not in csv_text, label

    # The grantee revokes the brand's share; the brand's next requests are refused.
    page.goto(f"{site}/assessments/{follow_up.pk}/sharing/")
    page.get_by_role("button", name="Revoke Brightline Buyers").click()
    expect(page.get_by_text("Revoked: Brightline Buyers no longer has access.")).to_be_visible()
    visit.check("sharing-revoked")
    for url in urls:
        assert brand.request.get(url).status == 404, url
    assert brand.goto(urls[0]).status == 404
    brand_visit.check("not-found")

    # The funder's portfolio lists the grantee's project; the cohort shows it.
    funder.goto(site + "/portfolio/")
    expect(funder.get_by_role("link", name="Dhaka garment hotline").first).to_be_visible()
    funder_visit.check("portfolio")
    funder.get_by_role("link", name="Cohorts").first.click()
    funder.get_by_role("link", name="Worker Voice Fund 2027").click()
    expect(funder.get_by_role("cell", name="Fair Threads Alliance")).to_be_visible()
    funder_visit.check("cohort-joined")

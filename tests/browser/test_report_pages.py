"""The readiness report in a browser: preview, action plan and verification, checked with axe-core."""

import re

import pytest
from playwright.sync_api import expect

from checklists import services
from checklists.models import ChecklistVersion
from checklists.selectors import assessment_state, integrity_hash

PASSWORD = "correct horse battery"


@pytest.fixture
def assessment(django_user_model):
    owner = django_user_model.objects.create_user(
        email="olivia@brand.example", name="Olivia Owner", password=PASSWORD
    )
    organisation = services.organisation_create(name="Northwind", kind="brand", owner=owner)
    project = services.project_create(
        organisation=organisation,
        created_by=owner,
        name="Dhaka hotline",
        countries="Bangladesh",
        sector="apparel",
        stage="pilot",
        channels=["hotline"],
        migrant_workers=False,
        minorities_present=False,
    )
    assessment = services.assessment_start(
        project=project,
        checklist=ChecklistVersion.objects.get(),
        title="Baseline",
        started_by=owner,
    )
    state = assessment_state(assessment)
    services.answers_record(
        assessment=assessment,
        user=owner,
        changes=[
            services.AnswerChange(
                question=q,
                rating="planned" if q.key == "3.1" else "in_place_with_evidence",
                evidence_note="" if q.key == "3.1" else "Procedure on file.",
            )
            for q in state.questions
            if q.applies
        ],
    )
    return assessment


def test_team_reads_the_report_plans_an_action_and_verifies_the_hash(site, page, visit, assessment):
    page.goto(site + "/accounts/login/")
    page.get_by_label("E-mail address").fill("olivia@brand.example")
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.goto(f"{site}/assessments/{assessment.pk}/")
    page.get_by_role("link", name="Readiness report", exact=True).click()
    expect(page.get_by_role("heading", name="Verdict and blocking gaps")).to_be_visible()
    expect(page.get_by_text("Readiness verdict: Not ready")).to_be_visible()
    visit.check("report-preview")

    page.get_by_role("link", name="Plan the actions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Action plan")
    visit.check("action-plan")
    page.get_by_label("Owner").first.fill("Dana (HR)")
    page.get_by_label("Status").first.select_option("in_progress")
    page.get_by_role("button", name="Save the action plan").click()
    expect(page.get_by_text("Action plan saved.")).to_be_visible()
    expect(page.get_by_label("Owner").first).to_have_value("Dana (HR)")

    digest = integrity_hash(assessment_state(assessment))
    page.goto(f"{site}/assessments/{assessment.pk}/verify/")
    visit.check("verify")
    page.get_by_label("Integrity hash printed on the report").fill(
        " ".join(digest[i : i + 4] for i in range(0, 16, 4))
    )
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_text("The report matches.")).to_be_visible()
    visit.check("verify-match")

    response = page.request.get(f"{site}/assessments/{assessment.pk}/report.pdf")
    assert response.ok
    assert response.headers["content-type"] == "application/pdf"
    assert re.match(rb"%PDF-", response.body())


def test_anyone_checks_a_submitted_report_by_its_hash(site, page, visit, assessment):
    services.assessment_submit(assessment=assessment, user=assessment.started_by)
    digest = integrity_hash(assessment_state(assessment))

    page.goto(site + "/verify/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check a readiness report")
    visit.check("public-verify")
    page.get_by_label("Integrity hash printed on the report").fill(
        " ".join(digest[i : i + 4] for i in range(0, 16, 4))
    )
    page.get_by_role("button", name="Check").click()
    result = page.get_by_role("region", name="Current report")
    expect(result).to_be_visible()
    expect(result).not_to_contain_text("Northwind")
    visit.check("public-verify-current")

    page.get_by_label("Integrity hash printed on the report").fill("0000 0000 0000 0000")
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_role("region", name="Report not found")).to_be_visible()
    visit.check("public-verify-unknown")

    page.get_by_label("Integrity hash printed on the report").fill("0000")
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_text("Type at least the first 16 characters")).to_be_visible()
    visit.check("public-verify-malformed")

"""The demonstration data (`seed_demo`): something of every kind to show, and safe to run again.

`./scripts/run` runs the command on every start, over whatever the last run left.
"""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from checklists.models import (
    Action,
    Answer,
    Assessment,
    EvidenceFile,
    Membership,
    Organisation,
    Project,
    Share,
    Submission,
    User,
)
from checklists.scoring import BLOCKING_GAP
from checklists.selectors import assessment_state

pytestmark = pytest.mark.django_db

# What README.md tells people to log in with.
DEMO_EMAIL = "demo@westcheck.example"
DEMO_PASSWORD = "westcheck-demo"


def seed_demo() -> str:
    out = io.StringIO()
    call_command("seed_demo", "--force", stdout=out, no_color=True)
    return out.getvalue()


def log_in(client, email: str, password: str) -> None:
    response = client.post(reverse("login"), {"username": email, "password": password})
    assert response.status_code == 302, "the printed log-in was refused"


def row_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            User,
            Membership,
            Organisation,
            Project,
            Assessment,
            Answer,
            Action,
            Submission,
            Share,
            EvidenceFile,
        )
    }


def test_the_demo_account_sees_projects_of_two_organisations(client):
    output = seed_demo()
    assert f"{DEMO_EMAIL} / {DEMO_PASSWORD}" in output
    log_in(client, DEMO_EMAIL, DEMO_PASSWORD)
    response = client.get(reverse("checklists:dashboard"))
    organisations = {p.organisation_name for p in response.context["projects"]}
    assert len(organisations) >= 2
    for name in organisations:
        assert f"{name} ·" in response.text


def test_demo_assessments_include_a_draft_and_a_submitted_one():
    seed_demo()
    statuses = set(Assessment.objects.values_list("status", flat=True))
    assert {Assessment.Status.DRAFT, Assessment.Status.SUBMITTED} <= statuses


def test_a_submitted_demo_assessment_is_not_ready_because_of_a_remedy_gap():
    seed_demo()
    results = [
        assessment_state(assessment).result
        for assessment in Assessment.objects.filter(
            status=Assessment.Status.SUBMITTED, title="Baseline before the pilot"
        )
    ]
    not_ready = [result for result in results if result.verdict == "not_ready"]
    assert len(not_ready) == 1, [result.verdict for result in results]
    result = not_ready[0]
    assert any("remedy" in gap.flags for gap in result.blocking_gaps)
    assert any(r.kind == BLOCKING_GAP and r.flag == "remedy" for r in result.reasons)
    # The gap is what holds it back: its scores alone would reach a better verdict.
    assert result.uncapped_verdict != "not_ready"


def test_running_the_demo_seed_again_creates_nothing(client):
    seed_demo()
    before = row_counts()
    verdicts = {a.pk: assessment_state(a).result.verdict for a in Assessment.objects.all()}
    output = seed_demo()
    assert row_counts() == before
    assert {a.pk: assessment_state(a).result.verdict for a in Assessment.objects.all()} == verdicts
    assert "Demo organisations, projects and assessments exist." in output
    log_in(client, DEMO_EMAIL, DEMO_PASSWORD)


def test_the_demo_seed_refuses_to_run_with_production_settings(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="runs only with DEBUG=true"):
        call_command("seed_demo", stdout=io.StringIO())
    assert not User.objects.filter(email="admin@westcheck.example").exists()


def test_the_demo_baselines_are_submitted_as_baselines():
    seed_demo()
    submitted = Assessment.objects.filter(status=Assessment.Status.SUBMITTED)
    assert submitted.count() == Submission.objects.count() >= 2
    northwind = Submission.objects.get(project__organisation__name="Northwind Apparel")
    assert (northwind.assessment.title, northwind.number, northwind.milestone) == (
        "Baseline before the pilot",
        1,
        Submission.Milestone.BASELINE,
    )
    assert northwind.verdict == "not_ready"
    assert northwind.summary["gates"]["remedy"] == "blocking"


def test_the_funder_sees_a_shared_baseline_and_an_offer_waiting(client):
    seed_demo()
    log_in(client, "fatima@westcheck.example", DEMO_PASSWORD)
    portfolio = client.get(reverse("checklists:portfolio")).text
    assert "Worker hotline for Dhaka garment suppliers" in portfolio
    assert "Northwind Apparel" in portfolio
    assert "VoiceLink Technologies offers to share" in portfolio
    shared = Share.objects.get(
        status=Share.Status.ACTIVE, project__organisation__name="Northwind Apparel"
    )
    page = client.get(reverse("checklists:shared", args=[shared.pk])).text
    assert "Not ready" in page
    # Sections 3, 6 and 7 with their ratings; never the evidence notes, never who answered.
    assert "3. Establish a mechanism for remedy</h3>" in page
    assert "1. " not in page.split('id="answers-title"')[1].split("</section>")[0]
    assert "Written procedure agreed with partners" not in page
    assert "Dana Demo" not in page


def test_the_grantee_reads_the_funders_review(client):
    seed_demo()
    log_in(client, DEMO_EMAIL, DEMO_PASSWORD)
    baseline = Assessment.objects.get(title="Baseline before the pilot")
    sharing_page = client.get(reverse("checklists:assessment-sharing", args=[baseline.pk])).text
    assert "Changes requested" in sharing_page
    reviews = client.get(reverse("checklists:assessment-reviews", args=[baseline.pk])).text
    assert "Open Voices Fund: changes requested" in reviews
    assert "Who answers an emergency call at night? Name them." in reviews


def test_the_funders_portfolio_shows_a_cohort_grantees_progress(client):
    seed_demo()
    log_in(client, "fatima@westcheck.example", DEMO_PASSWORD)
    portfolio = client.get(reverse("checklists:portfolio")).text
    assert "Helpline for garment workers in Ho Chi Minh City" in portfolio
    assert "Worker Voice Fund 2027" in portfolio
    assert "From submission 1 (baseline)" in portfolio
    assert "over the 1 grantee with both" in portfolio


def test_the_funder_and_the_grantee_talk_in_comment_threads(client):
    seed_demo()
    shared = Share.objects.get(
        status=Share.Status.ACTIVE, project__organisation__name="Northwind Apparel"
    )
    log_in(client, "fatima@westcheck.example", DEMO_PASSWORD)
    threads = client.get(reverse("checklists:shared-comments", args=[shared.pk])).text
    assert "How is consent recorded when a worker calls rather than writes?" in threads
    assert "The operator reads the consent script" in threads
    assert "resolved by Fatima Haddad" in threads


def test_the_follow_up_has_evidence_files_one_of_them_restricted(client):
    seed_demo()
    follow_up = Assessment.objects.get(title="Follow-up during the pilot")
    log_in(client, DEMO_EMAIL, DEMO_PASSWORD)
    section = client.get(reverse("checklists:assessment-section", args=[follow_up.pk, "3"])).text
    assert "Grievance procedure.txt" in section
    log_in(client, "mei@westcheck.example", DEMO_PASSWORD)
    files = client.get(reverse("checklists:answer-evidence", args=[follow_up.pk, "9.1"])).text
    assert "Call log, March (anonymised).csv" in files
    assert "Personal data: owners and editors only" in files
    assert EvidenceFile.objects.filter(assessment=follow_up).count() == 3

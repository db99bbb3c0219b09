"""Submissions: submitting freezes the answers, their hash and the scores, numbered per project."""

from __future__ import annotations

import hashlib
import importlib
import json
import re
from datetime import timedelta

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from checklists import services, submissions
from checklists.catalog import catalog
from checklists.models import (
    Assessment,
    AuditEvent,
    EvidenceFile,
    Project,
    Submission,
    SubmissionChanged,
)
from checklists.scoring import score_assessment
from checklists.selectors import assessment_state, integrity_hash
from checklists.services.evidence import evidence_upload
from tests.conftest import database_state
from tests.test_walkthrough import PROFILE, answer_everything, record

pytestmark = pytest.mark.django_db

BACKFILL = "0014_submissions_of_submitted_assessments"
backfill = importlib.import_module(f"checklists.migrations.{BACKFILL}").create_submissions


def historical_apps():
    """The models as migration 0014 sees them (the schema is the same today, so its function
    runs on the test database as the migration ran it)."""
    return MigrationLoader(connection).project_state(("checklists", BACKFILL)).apps


GAPS = {"3.1": "planned", "7.2": {"rating": "not_started"}}


@pytest.fixture
def project(organisation, owner) -> Project:
    return services.project_create(organisation=organisation, created_by=owner, **PROFILE)


def start(project, checklist, owner, title="Baseline, March 2026", copy_from=None) -> Assessment:
    return services.assessment_start(
        project=project, checklist=checklist, title=title, started_by=owner, copy_from=copy_from
    )


@pytest.fixture
def perfect(project, checklist, owner) -> Assessment:
    assessment = start(project, checklist, owner)
    answer_everything(assessment, owner)
    return assessment


@pytest.fixture
def gappy(project, checklist, owner) -> Assessment:
    """Everything in place with evidence but 3.1 (remedy) planned and 7.2 (consent) not started."""
    assessment = start(project, checklist, owner, title="Gappy")
    answer_everything(assessment, owner, exceptions=GAPS)
    return assessment


def expected_summary(assessment: Assessment) -> dict:
    """The summary as the brief of a submission describes it, straight from scoring."""
    state = assessment_state(assessment)
    content = catalog(assessment.checklist)
    ratings = {q.key: q.rating for q in state.questions}
    result = score_assessment(content.document["scoring"], content.scoring_questions, ratings)
    return {
        "verdict": result.verdict,
        "score": result.overall.percent,
        "answered": result.overall.answered,
        "applicable": result.overall.applicable,
        "sections": {key: s.percent for key, s in result.sections.items()},
        "principles": {key: s.percent for key, s in result.principles.items()},
        "gaps": [gap.key for gap in result.gaps],
        "blocking_gaps": [gap.key for gap in result.blocking_gaps],
    }


def test_submissions_are_numbered_per_project(perfect, project, organisation, checklist, owner):
    services.assessment_submit(assessment=perfect, user=owner, milestone="baseline")
    follow_up = start(project, checklist, owner, "Midline", copy_from=perfect)
    services.assessment_submit(assessment=follow_up, user=owner, milestone="midline")
    other = services.project_create(
        organisation=organisation, created_by=owner, **{**PROFILE, "name": "Another hotline"}
    )
    elsewhere = start(other, checklist, owner)
    answer_everything(elsewhere, owner)
    services.assessment_submit(assessment=elsewhere, user=owner)

    assert [(s.assessment, s.number, s.milestone) for s in project.submissions.all()] == [
        (perfect, 1, "baseline"),
        (follow_up, 2, "midline"),
    ]
    submission = elsewhere.submission
    assert (submission.project, submission.number, submission.milestone) == (other, 1, "")
    assert submission.submitted_by == owner
    assert submission.submitted_by_name == "Olivia Owner"
    assert submission.checklist == checklist
    elsewhere.refresh_from_db()
    assert submission.submitted_at == elsewhere.submitted_at


def test_the_stored_hash_is_the_one_the_report_prints(gappy, owner):
    printed = integrity_hash(assessment_state(gappy))
    services.assessment_submit(assessment=gappy, user=owner)
    gappy.refresh_from_db()
    assert Submission.objects.get(assessment=gappy).integrity_hash == printed
    assert integrity_hash(assessment_state(gappy)) == printed


def test_a_gappy_submission_keeps_its_verdict_gates_and_scores(gappy, owner):
    expected = expected_summary(gappy)
    services.assessment_submit(assessment=gappy, user=owner)
    submission = Submission.objects.get(assessment=gappy)
    summary = submission.summary
    assert summary["gates"] == {"remedy": "blocking", "consent": "blocking", "privacy": "met"}
    assert {k: v for k, v in summary.items() if k != "gates"} == expected
    assert summary["verdict"] == "not_ready"
    assert {"3.1", "7.2"} <= set(summary["blocking_gaps"])
    assert (submission.verdict, submission.score) == ("not_ready", expected["score"])
    assert 0 < submission.score < 100


def test_a_perfect_submission_meets_every_gate(perfect, owner):
    expected = expected_summary(perfect)
    services.assessment_submit(assessment=perfect, user=owner)
    submission = perfect.submission
    assert submission.summary["gates"] == {"remedy": "met", "consent": "met", "privacy": "met"}
    assert {k: v for k, v in submission.summary.items() if k != "gates"} == expected
    assert (submission.verdict, submission.score) == ("ready", 100.0)
    assert submission.summary["gaps"] == submission.summary["blocking_gaps"] == []


def test_the_answers_are_frozen_in_the_checklists_order(project, checklist, owner):
    assessment = start(project, checklist, owner)
    answer_everything(
        assessment,
        owner,
        exceptions={
            "2.1": {"rating": "not_applicable", "na_justification": "One site only."},
            "3.2": {
                "rating": "in_place_with_evidence",
                "evidence_note": "Poster in the canteen.",
                "evidence_links": ["https://a.example/p"],
            },
        },
    )
    state = assessment_state(assessment)
    expected = [
        {
            "key": q.key,
            "rating": q.answer.rating,
            "na_justification": q.answer.na_justification,
            "evidence_note": q.answer.evidence_note,
            "evidence_links": list(q.answer.evidence_links),
        }
        for q in state.questions
        if q.answer is not None
    ]
    services.assessment_submit(assessment=assessment, user=owner)
    frozen = Submission.objects.get(assessment=assessment).answers
    assert frozen == expected
    assert frozen[[a["key"] for a in frozen].index("2.1")]["na_justification"] == "One site only."
    assert {"key": "3.2", "evidence_links": ["https://a.example/p"]}.items() <= frozen[
        [a["key"] for a in frozen].index("3.2")
    ].items()


def test_a_submission_survives_its_submitter_and_later_edits(perfect, project, owner):
    services.assessment_submit(assessment=perfect, user=owner)
    services.project_update(project=project, user=owner, migrant_workers=True)
    owner.delete()
    submission = Submission.objects.get(assessment=perfect)
    assert (submission.submitted_by, submission.submitted_by_name) == (None, "Olivia Owner")
    assert submission.summary["verdict"] == "ready"


def test_a_submission_is_never_changed(perfect, owner):
    services.assessment_submit(assessment=perfect, user=owner)
    submission = Submission.objects.get(assessment=perfect)
    submission.milestone = "endline"
    with pytest.raises(SubmissionChanged):
        submission.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        Submission.objects.filter(pk=submission.pk).update(verdict="ready_with_conditions")
    with pytest.raises(IntegrityError), transaction.atomic():
        Submission.objects.filter(pk=submission.pk).update(milestone="endline")
    with pytest.raises(IntegrityError), transaction.atomic():  # even with who submitted
        Submission.objects.filter(pk=submission.pk).update(submitted_by=None, score=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        Submission.objects.filter(pk=submission.pk).update(submitted_by=None, submitted_by_name="")
    with pytest.raises(IntegrityError), transaction.atomic():
        Submission.objects.filter(pk=submission.pk).update(submitted_by=None, evidence=[{}])
    submission.refresh_from_db()
    assert (submission.milestone, submission.verdict) == ("", "ready")


def test_deleting_the_project_takes_its_submissions(perfect, project, owner):
    services.assessment_submit(assessment=perfect, user=owner)
    services.project_delete(project=project, user=owner, confirm_name=project.name)
    assert not Submission.objects.exists()


def test_an_invalid_milestone_changes_nothing(perfect, owner):
    before = database_state()
    with pytest.raises(ValidationError):
        services.assessment_submit(assessment=perfect, user=owner, milestone="halfway")
    assert database_state() == before
    perfect.refresh_from_db()
    assert perfect.status == Assessment.Status.DRAFT
    assert not Submission.objects.exists()


def test_an_incomplete_assessment_gets_no_submission(project, checklist, owner):
    assessment = start(project, checklist, owner)
    record(assessment, owner, {"3.1": "planned"})
    with pytest.raises(ValidationError):
        services.assessment_submit(assessment=assessment, user=owner, milestone="baseline")
    assert not Submission.objects.exists()


def test_the_audit_event_names_the_submission(perfect, project, checklist, owner):
    services.assessment_submit(assessment=perfect, user=owner)
    follow_up = start(project, checklist, owner, "Endline", copy_from=perfect)
    services.assessment_submit(assessment=follow_up, user=owner, milestone="endline")
    events = AuditEvent.objects.filter(kind=AuditEvent.Kind.ASSESSMENT_SUBMITTED).order_by(
        "sequence"
    )
    assert [e.data for e in events] == [
        {
            "title": "Baseline, March 2026",
            "submission": 1,
            "milestone": "",
            "hash": perfect.submission.integrity_hash[:16],
        },
        {
            "title": "Endline",
            "submission": 2,
            "milestone": "endline",
            "hash": follow_up.submission.integrity_hash[:16],
        },
    ]


# --- The pages ---------------------------------------------------------------------------------


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_team_chooses_a_milestone_when_submitting(perfect, project, owner):
    client = client_for(owner)
    review = client.get(reverse("checklists:assessment-review", args=[perfect.pk]))
    assert re.search(r'name="milestone" value=""\s+id="id_milestone_0" checked', review.text)
    for value, label in [("", "None"), *Submission.Milestone.choices]:
        assert f'value="{value}"' in review.text
        assert str(label) in review.text
    response = client.post(
        reverse("checklists:assessment-submit", args=[perfect.pk]), {"milestone": "baseline"}
    )
    assert response.status_code == 302
    assert Submission.objects.get(assessment=perfect).milestone == "baseline"

    detail = client.get(perfect.get_absolute_url())
    assert "Submission 1 · Baseline" in detail.text
    listing = client.get(project.get_absolute_url())
    assert "Submission 1 · Baseline" in listing.text


def test_submitting_without_a_milestone_is_submission_n_alone(perfect, project, owner):
    client = client_for(owner)
    client.post(reverse("checklists:assessment-submit", args=[perfect.pk]))
    assert Submission.objects.get(assessment=perfect).milestone == ""
    detail = client.get(perfect.get_absolute_url()).text
    assert "Submission 1" in detail
    assert "Submission 1 ·" not in detail


def test_a_forged_milestone_is_refused_and_nothing_changes(perfect, owner):
    client = client_for(owner)
    before = database_state()
    response = client.post(
        reverse("checklists:assessment-submit", args=[perfect.pk]),
        {"milestone": "halfway"},
        follow=True,
    )
    assert response.redirect_chain == [
        (reverse("checklists:assessment-review", args=[perfect.pk]), 302)
    ]
    assert "halfway is not one of the available choices" in response.text
    assert database_state() == before


def test_submissions_are_read_only_in_the_admin(perfect, owner, django_user_model):
    services.assessment_submit(assessment=perfect, user=owner)
    submission = Submission.objects.get()
    superuser = django_user_model.objects.create_superuser(
        email="admin@westcheck.example", name="Ada Admin", password="correct horse battery"
    )
    client = client_for(superuser)
    changelist = client.get(reverse("admin:checklists_submission_changelist"))
    assert changelist.status_code == 200
    page = client.get(reverse("admin:checklists_submission_change", args=[submission.pk]))
    assert page.status_code == 200
    assert submission.integrity_hash in page.text
    assert 'name="_save"' not in page.text
    model_admin = admin.site._registry[Submission]
    request = changelist.wsgi_request
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, submission)
    assert not model_admin.has_delete_permission(request, submission)


# --- Assessments submitted before submissions existed -------------------------------------------


def test_the_migration_builds_what_the_service_builds(
    perfect, gappy, project, organisation, checklist, owner
):
    """Submissions made by the service, removed, then made again by migration 0014's function
    with its historical models, from the rows alone: the same numbers (per project, in submission order), snapshot and hash,
    without milestones."""
    services.assessment_submit(assessment=gappy, user=owner, milestone="baseline")
    services.assessment_submit(assessment=perfect, user=owner, milestone="midline")
    # The project's profile changes after submitting: the frozen profile decides what applied.
    services.project_update(project=project, user=owner, migrant_workers=True)
    other = services.project_create(
        organisation=organisation, created_by=owner, **{**PROFILE, "name": "Another hotline"}
    )
    elsewhere = start(other, checklist, owner)
    answer_everything(elsewhere, owner, exceptions={"7.2": "planned"})
    services.assessment_submit(assessment=elsewhere, user=owner)
    draft = start(other, checklist, owner, "Draft")

    fields = [
        "assessment_id",
        "project_id",
        "number",
        "checklist_id",
        "submitted_at",
        "submitted_by_id",
        "submitted_by_name",
        "integrity_hash",
        "answers",
        "summary",
        "verdict",
        "score",
    ]
    made = list(Submission.objects.order_by("pk").values(*fields))
    Submission.objects.all().delete()

    backfill(historical_apps())

    assert list(Submission.objects.order_by("pk").values(*fields, "milestone")) == [
        {**row, "milestone": ""} for row in made
    ]
    assert [(s.assessment, s.number) for s in Submission.objects.order_by("pk")] == [
        (gappy, 1),
        (perfect, 2),
        (elsewhere, 1),
    ]
    assert not Submission.objects.filter(assessment=draft).exists()
    backfill(historical_apps())  # nothing left to do
    assert Submission.objects.count() == 3


# --- Evidence files in the submission and its hash ------------------------------------------


def attach(assessment, owner, key, name, content, personal_data="no"):
    return evidence_upload(
        assessment=assessment,
        question_key=key,
        upload=SimpleUploadedFile(name, content),
        personal_data=personal_data,
        retention_until=timezone.localdate() + timedelta(days=30),
        user=owner,
    )


def test_without_files_the_hash_is_the_one_reports_printed_before_files(perfect):
    """Older reports and submissions must still verify: no files, the same payload as ever."""
    state = assessment_state(perfect)
    answers = submissions.frozen_answers((q.key, q.answer) for q in state.questions)
    rows = [
        [a["key"], a["rating"], a["na_justification"], a["evidence_note"], a["evidence_links"]]
        for a in answers
    ]
    payload = json.dumps(
        [perfect.checklist.content_hash, rows], ensure_ascii=False, separators=(",", ":")
    )
    assert integrity_hash(state) == hashlib.sha256(payload.encode()).hexdigest()


def test_the_submission_keeps_its_files_and_its_hash_covers_them(perfect, owner):
    before = integrity_hash(assessment_state(perfect))
    attach(perfect, owner, "6.2", "Data policy.txt", b"We keep call records 30 days.")
    attach(perfect, owner, "3.1", "Procedure.txt", b"Emergencies go to the list.")
    attach(perfect, owner, "3.1", "Case notes.txt", b"Names removed.", personal_data="yes")
    with_files = integrity_hash(assessment_state(perfect))
    assert with_files != before
    services.assessment_submit(assessment=perfect, user=owner)
    submission = Submission.objects.get(assessment=perfect)
    assert submission.integrity_hash == with_files
    assert [(f["key"], f["name"], f["restricted"]) for f in submission.evidence] == [
        ("3.1", "Procedure.txt", False),
        ("3.1", "", True),  # a restricted file's name may hold personal data: not kept
        ("6.2", "Data policy.txt", False),
    ]
    assert (
        submission.evidence[0]["sha256"]
        == hashlib.sha256(b"Emergencies go to the list.").hexdigest()
    )


def test_a_file_past_its_deletion_date_is_not_submitted(perfect, owner):
    gone = attach(perfect, owner, "3.1", "Old.txt", b"Out of date.")
    EvidenceFile.objects.filter(pk=gone.pk).update(
        retention_until=timezone.localdate() - timedelta(days=1)
    )
    services.assessment_submit(assessment=perfect, user=owner)
    assert Submission.objects.get(assessment=perfect).evidence == []

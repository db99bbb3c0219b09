"""Checking a readiness report by its hash, without an account: /verify/.

The page answers current, superseded or unknown, with dates alone: never the organisation,
project, verdict, score or names behind the hash.
"""

from datetime import timedelta

import pytest
from django.core.checks import Tags, run_checks
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from checklists import services
from checklists.models import Assessment, Submission
from checklists.selectors.verification import (
    MIN_PREFIX,
    ReportValidity,
    Validity,
    hash_prefix,
    report_validity,
)
from tests.test_walkthrough import answer_everything

URL = "/verify/"


def start(project, checklist, owner, title: str) -> Assessment:
    return services.assessment_start(
        project=project, checklist=checklist, title=title, started_by=owner
    )


@pytest.fixture
def baseline(project, checklist, owner) -> Submission:
    """A submitted baseline with a gap: verdict "not ready", a score below 100."""
    assessment = start(project, checklist, owner, "Baseline")
    answer_everything(assessment, owner, {"3.1": "planned"})
    services.assessment_submit(assessment=assessment, user=owner, milestone="baseline")
    return Submission.objects.get(assessment=assessment)


@pytest.fixture
def midline(baseline, project, checklist, owner) -> Submission:
    """A later submission of the same project, with other answers: it supersedes the baseline."""
    assessment = start(project, checklist, owner, "Midline")
    answer_everything(assessment, owner)
    services.assessment_submit(assessment=assessment, user=owner, milestone="midline")
    return Submission.objects.get(assessment=assessment)


def stored(project, checklist, owner, digest: str, number: int, submitted_at=None) -> Submission:
    """A submission with a chosen hash and date: two real ones never share 16 characters."""
    assessment = start(project, checklist, owner, f"Made up {number}")
    return Submission.objects.create(
        assessment=assessment,
        project=project,
        number=number,
        checklist=checklist,
        submitted_at=submitted_at or timezone.now(),
        integrity_hash=digest,
        answers=[],
        summary={"verdict": "not_ready", "score": None},
        verdict="not_ready",
    )


def shown(when) -> str:
    return date_format(timezone.localtime(when), "j F Y")


def secrets_of(submission: Submission) -> list[str]:
    """What the page must never say about the report behind a hash."""
    project = submission.project
    return [
        project.organisation.name,
        project.name,
        submission.assessment.title,
        submission.submitted_by_name,
        submission.verdict,
        "Not ready",
        "Ready",
        str(submission.score),
        f"{submission.score:.0f}%",
    ]


# --- Normalising what is typed (no database) ---------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("3f2a 9c01 77be 12d4", "3f2a9c0177be12d4"),
        ("  3F2A-9C01-77BE-12D4  ", "3f2a9c0177be12d4"),
        ("3f:2a:9c:01:77:be:12:d4", "3f2a9c0177be12d4"),
        ("3f2a\t9c01\n77be 12d4", "3f2a9c0177be12d4"),
        ("a" * 64, "a" * 64),
    ],
)
def test_spaces_dashes_colons_and_capitals_do_not_matter(typed, expected):
    assert hash_prefix(typed) == (expected, "")


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("", "at least the first 16 characters"),
        ("3f2a 9c01 77be 12d", "at least the first 16 characters"),  # 15
        ("3f2a 9c01 77be 12dg", "only the digits 0-9 and the letters a to f"),
        ("not-a-hash-at-all-really", "only the digits 0-9 and the letters a to f"),
        ("a" * 65, "has 64 characters; this has more"),
    ],
)
def test_anything_else_is_malformed_with_a_reason(typed, problem):
    assert problem in hash_prefix(typed)[1]
    assert report_validity(typed).state == Validity.MALFORMED  # before any query


def test_a_prefix_needs_sixteen_characters():
    assert MIN_PREFIX == 16
    assert hash_prefix("0" * 15)[1]
    assert not hash_prefix("0" * 16)[1]


# --- The selector --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_latest_submission_is_current(baseline, django_assert_num_queries):
    # 1. the submissions with this hash (two at most), each with the date of the next one.
    with django_assert_num_queries(1):
        validity = report_validity(baseline.integrity_hash)
    assert validity == ReportValidity(Validity.CURRENT, submitted_at=baseline.submitted_at)


@pytest.mark.django_db
def test_an_earlier_submission_is_superseded_by_the_next(baseline, midline, project, checklist):
    final = start(project, checklist, baseline.submitted_by, "Endline")
    answer_everything(final, baseline.submitted_by, {"7.2": {"rating": "not_started"}})
    services.assessment_submit(assessment=final, user=baseline.submitted_by)

    validity = report_validity(baseline.integrity_hash[:16])
    assert validity.state == Validity.SUPERSEDED
    assert validity.submitted_at == baseline.submitted_at
    # When it was superseded: the next submission, not the latest.
    assert validity.superseded_at == midline.submitted_at
    assert report_validity(midline.integrity_hash).state == Validity.SUPERSEDED
    assert report_validity(final.submission.integrity_hash).state == Validity.CURRENT


@pytest.mark.django_db
def test_a_submission_of_another_project_supersedes_nothing(
    baseline, organisation, checklist, owner
):
    other = services.project_create(
        organisation=organisation,
        created_by=owner,
        name="Another hotline",
        countries="Bangladesh",
        sector="apparel",
        stage="planning",
        channels=["hotline"],
        migrant_workers=False,
        minorities_present=False,
    )
    elsewhere = start(other, checklist, owner, "Baseline elsewhere")
    answer_everything(elsewhere, owner)
    services.assessment_submit(assessment=elsewhere, user=owner)
    assert report_validity(baseline.integrity_hash).state == Validity.CURRENT


@pytest.mark.django_db
def test_a_hash_nobody_submitted_is_unknown(baseline, project, checklist, owner):
    draft = start(project, checklist, owner, "Draft")
    answer_everything(draft, owner, {"1.1": "planned"})
    from checklists.selectors import assessment_state, integrity_hash

    assert report_validity(integrity_hash(assessment_state(draft))).state == Validity.UNKNOWN
    assert report_validity("0" * 64).state == Validity.UNKNOWN


@pytest.mark.django_db
def test_a_prefix_of_more_than_one_submission_is_unknown(project, checklist, owner):
    shared = "3f2a9c0177be12d4"
    stored(project, checklist, owner, shared + "0" * 48, 1)
    stored(project, checklist, owner, shared + "f" * 48, 2)
    assert report_validity(shared).state == Validity.UNKNOWN
    assert report_validity(shared + "0").state == Validity.SUPERSEDED
    assert report_validity(shared + "f" * 48).state == Validity.CURRENT


@pytest.mark.django_db
def test_prefix_bounds_are_exact(project, checklist, owner):
    stored(project, checklist, owner, "0123456789abcdef" + "0" * 48, 1)
    stored(project, checklist, owner, "0123456789abcdee" + "f" * 48, 2)
    assert report_validity("0123456789abcdef").state == Validity.SUPERSEDED
    assert report_validity("0123456789abcdee").state == Validity.CURRENT
    assert report_validity("0123456789abcde").state == Validity.MALFORMED


@pytest.mark.django_db
@pytest.mark.parametrize("length", [16, 40, 64])
def test_the_lookup_uses_the_hash_index(baseline, length):
    prefix = baseline.integrity_hash[:length]
    if len(prefix) == 64:
        query = Submission.objects.filter(integrity_hash=prefix)
    else:
        query = Submission.objects.filter(
            integrity_hash__gte=prefix, integrity_hash__lt=prefix + "g"
        )
    if connection.vendor == "postgresql":
        # With a handful of rows the planner would rather read the table.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
    plan = query.order_by().values("submitted_at").explain()
    assert "submission_integrity_hash_idx" in plan, plan


# --- The page ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_page_is_open_to_everyone_and_not_for_search_engines(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert reverse("checklists:verify") == URL
    assert response["X-Robots-Tag"] == "noindex"
    assert '<meta name="robots" content="noindex">' in response.text
    assert '<label class="form-label" for="id_hash">' in response.text
    assert 'id="verify-result-heading"' not in response.text


@pytest.mark.django_db
def test_anonymous_sees_a_current_report_and_nothing_about_it(
    client, baseline, django_assert_num_queries
):
    printed = " ".join(baseline.integrity_hash[i : i + 4] for i in range(0, 16, 4))
    # 1. the submissions with this hash, each with the date of the next: no session, no user.
    with django_assert_num_queries(1):
        response = client.get(URL, {"hash": printed})
    assert response.status_code == 200
    assert response.context["validity"].state == Validity.CURRENT
    assert "Current report" in response.text
    assert shown(baseline.submitted_at) in response.text
    assert f'value="{printed}"' in response.text
    for secret in secrets_of(baseline):
        assert secret not in response.text, secret


@pytest.mark.django_db
def test_anonymous_sees_a_superseded_report_with_the_date_alone(client, baseline, checklist):
    # The next submission two days later, so that the two dates differ on the page.
    later = stored(
        baseline.project,
        checklist,
        baseline.submitted_by,
        "e" * 64,
        2,
        submitted_at=baseline.submitted_at + timedelta(days=2),
    )
    response = client.get(URL, {"hash": baseline.integrity_hash.upper()})
    assert response.context["validity"].state == Validity.SUPERSEDED
    assert "Superseded report" in response.text
    assert shown(baseline.submitted_at) in response.text
    assert shown(later.submitted_at) in response.text
    for secret in [*secrets_of(baseline), later.assessment.title]:
        assert secret not in response.text, secret


@pytest.mark.django_db
def test_anonymous_is_told_an_unknown_report_is_not_found(
    client, baseline, django_assert_num_queries
):
    with django_assert_num_queries(1):
        response = client.get(URL, {"hash": "0000-0000-0000-0000"})
    assert response.context["validity"].state == Validity.UNKNOWN
    assert "Report not found" in response.text
    assert shown(baseline.submitted_at) not in response.text


@pytest.mark.django_db
def test_an_ambiguous_prefix_lists_nothing(client, project, checklist, owner):
    shared = "3f2a9c0177be12d4"
    first = stored(project, checklist, owner, shared + "0" * 48, 1)
    second = stored(project, checklist, owner, shared + "f" * 48, 2)
    response = client.get(URL, {"hash": shared})
    assert response.context["validity"].state == Validity.UNKNOWN
    assert "Report not found" in response.text
    for secret in [first.integrity_hash, second.integrity_hash, "Made up"]:
        assert secret not in response.text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("3f2a 9c01 77be 12d", "Type at least the first 16 characters"),
        ("not a hash", "only the digits 0-9 and the letters a to f"),
        ("", "This field is required."),
    ],
)
def test_a_malformed_hash_is_explained_without_a_query(
    client, typed, problem, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = client.get(URL, {"hash": typed})
    assert response.status_code == 200
    assert response.context["validity"] is None
    assert problem in response.text
    assert 'aria-invalid="true"' in response.text
    assert 'id="verify-result-heading"' not in response.text


@pytest.mark.django_db
def test_a_signed_in_member_checks_as_anyone_does(client, owner, baseline):
    client.force_login(owner)
    response = client.get(URL, {"hash": baseline.integrity_hash})
    assert response.status_code == 200
    assert response.context["validity"].state == Validity.CURRENT
    assert baseline.project.name not in response.text


@pytest.mark.django_db
def test_the_members_page_accepts_the_same_input(owner, baseline):
    client = Client()
    client.force_login(owner)
    url = reverse("checklists:assessment-verify", args=[baseline.assessment_id])
    dashed = "-".join(baseline.integrity_hash[i : i + 4] for i in range(0, 16, 4)).upper()
    response = client.get(url, {"hash": dashed})
    assert response.context["outcome"] == "match"
    assert 'href="/verify/"' in response.text


# --- Where reports send people -------------------------------------------------------------


@pytest.mark.django_db
@override_settings(SITE_ROOT="https://westcheck.example")
def test_a_submitted_report_says_where_anyone_can_check_it(client, owner, baseline):
    client.force_login(owner)
    response = client.get(reverse("checklists:assessment-report", args=[baseline.assessment_id]))
    assert "Anyone can check this report at" in response.text
    assert '<a href="https://westcheck.example/verify/">' in response.text


@pytest.mark.django_db
@override_settings(SITE_ROOT="https://westcheck.example")
def test_a_draft_report_does_not(client, owner, project, checklist):
    draft = start(project, checklist, owner, "Draft")
    client.force_login(owner)
    response = client.get(reverse("checklists:assessment-report", args=[draft.pk]))
    assert response.status_code == 200
    assert "Anyone can check this report" not in response.text
    assert "/verify/" not in response.text


@pytest.mark.django_db
@override_settings(SITE_ROOT="https://westcheck.example")
def test_the_pdf_prints_the_address_near_the_hash(baseline):
    from tests.test_report import pdf_text

    text = " ".join(pdf_text(baseline.assessment).split())
    assert "Anyone can check this report at https://westcheck.example/verify/" in text


# --- The deployment check ------------------------------------------------------------------


def site_root_warnings() -> list[str]:
    return [
        message.id
        for message in run_checks(tags=[Tags.security], include_deployment_checks=True)
        if message.id == "checklists.W001"
    ]


@pytest.mark.parametrize(
    "root",
    [
        "http://127.0.0.1",
        "http://127.0.0.1:8000",
        "https://localhost",
        "http://westcheck.example",
        "",
    ],
)
def test_the_deploy_check_warns_of_a_site_root_not_public_https(root):
    with override_settings(SITE_ROOT=root):
        assert site_root_warnings() == ["checklists.W001"]


def test_the_deploy_check_accepts_a_public_https_site_root():
    with override_settings(SITE_ROOT="https://westcheck.example"):
        assert site_root_warnings() == []


def test_the_check_is_a_deployment_check_only():
    with override_settings(SITE_ROOT="http://127.0.0.1"):
        ids = [m.id for m in run_checks(tags=[Tags.security])]
    assert "checklists.W001" not in ids

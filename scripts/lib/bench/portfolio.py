"""A funder's portfolio for the benchmark: many grantee organisations, each with one project
whose submissions are shared with the funder, following later ones.

Written in bulk rather than through the services: the portfolio reads the submissions' stored
summaries, not answers, and thousands of submitted assessments through the services would take
the benchmark's whole time budget to seed. The rows are what the services would store: a
summary with a verdict consistent with its gates, numbered submissions with milestones, live
shares with a reference each, and review rounds on some of them.
"""

from __future__ import annotations

import random
import secrets
from datetime import timedelta

from django.utils import timezone

from checklists.models import (
    Assessment,
    ChecklistVersion,
    Cohort,
    Membership,
    Organisation,
    Project,
    ReviewRound,
    Share,
    Submission,
    User,
)
from checklists.models.sharing import new_reference
from checklists.submissions import gates_text

MILESTONES = [
    "baseline",
    "midline",
    "update",
    "update",
    "midline",
    "update",
    "",
    "update",
    "",
    "endline",
]
COUNTRIES = ["Bangladesh", "Cambodia", "Malaysia", "Viet Nam", "India", "Türkiye", "Mexico"]
CHANNELS = [["hotline"], ["sms"], ["sms", "hotline"], ["smartphone_app"], ["social_media", "sms"]]


def _summary(rng: random.Random, sections: list[str], progress: float) -> dict:
    """A plausible summary: scores that improve with `progress`, gates that follow them."""
    base = 45 + 50 * progress
    scores = {key: round(min(100.0, max(0.0, rng.gauss(base, 12))), 1) for key in sections}
    score = round(sum(scores.values()) / len(scores), 1)
    gates = {
        gate: ("blocking" if rng.random() > 0.35 + 0.6 * progress else "met")
        for gate in ("remedy", "consent", "privacy")
    }
    if "blocking" in gates.values():
        verdict = "not_ready"
    else:
        verdict = (
            "ready" if score >= 80 else "ready_with_conditions" if score >= 50 else "not_ready"
        )
    return {
        "verdict": verdict,
        "score": score,
        "answered": 60,
        "applicable": 60,
        "gates": gates,
        "sections": scores,
        "principles": {},
        "gaps": [],
        "blocking_gaps": [],
    }


def seed_portfolio(
    member: User, checklist: ChecklistVersion, rng: random.Random, grantees: int, per: int
) -> dict[str, int]:
    """`grantees` organisations with `per` submissions each, shared with a fund `member` owns."""
    fund = Organisation.objects.create(name="Bench Fund", kind=Organisation.Kind.FUNDER)
    Membership.objects.create(organisation=fund, user=member, role=Membership.Role.OWNER)
    cohorts = [
        Cohort.objects.create(funder=fund, name=f"Worker Voice Fund {year}", created_by=member)
        for year in (2026, 2027)
    ]
    sections = [str(n) for n in range(1, 10)]
    organisations = Organisation.objects.bulk_create(
        Organisation(name=f"Grantee {n:04d}", kind=Organisation.Kind.NGO) for n in range(grantees)
    )
    projects = Project.objects.bulk_create(
        Project(
            organisation=organisation,
            name=f"Worker voice programme {n:04d}",
            countries=rng.choice(COUNTRIES),
            sector=Project.Sector.APPAREL,
            stage=rng.choice(Project.Stage.values),
            channels=rng.choice(CHANNELS),
        )
        for n, organisation in enumerate(organisations)
    )
    now = timezone.now()
    assessments = Assessment.objects.bulk_create(
        Assessment(
            project=project,
            checklist=checklist,
            title=f"Submission {k + 1}",
            status=Assessment.Status.SUBMITTED,
            submitted_at=now - timedelta(days=30 * (per - k)),
        )
        for project in projects
        for k in range(per)
    )
    submissions = []
    for i, assessment in enumerate(assessments):
        k = i % per
        summary = _summary(rng, sections, progress=k / max(1, per - 1))
        submissions.append(
            Submission(
                assessment=assessment,
                project=assessment.project,
                number=k + 1,
                milestone=MILESTONES[k % len(MILESTONES)] if k < per - 1 else "endline",
                checklist=checklist,
                submitted_at=assessment.submitted_at,
                submitted_by_name="Grantee owner",
                integrity_hash=secrets.token_hex(32),
                answers=[],
                summary=summary,
                verdict=summary["verdict"],
                score=summary["score"],
                gates=gates_text(summary["gates"]),
            )
        )
    Submission.objects.bulk_create(submissions, batch_size=500)
    first = {s.project_id: s for s in submissions if s.number == 1}
    shares = Share.objects.bulk_create(
        Share(
            project=project,
            submission=first[project.pk],
            reference=new_reference(),
            follows_later=True,
            recipient_email=member.email,
            recipient=fund,
            cohort=rng.choice([*cohorts, None]),
            detail=rng.choice(Share.Detail.values),
            sections=["3", "6", "7"],
            role=rng.choice(Share.Role.values),
            status=Share.Status.ACTIVE,
            expires_at=now + timedelta(days=rng.randint(30, 700)),
            created_by=None,
            decided_at=now,
        )
        for project in projects
    )
    latest = {s.project_id: s for s in submissions if s.number == per}
    ReviewRound.objects.bulk_create(
        ReviewRound(
            share=share,
            submission=latest[share.project_id],
            status=status,
            accepted_hash=latest[share.project_id].integrity_hash if status == "accepted" else "",
        )
        for share in shares
        if share.role == Share.Role.REVIEWER
        for status in [rng.choice(ReviewRound.Status.values)]
    )
    return {"grantees": grantees, "shared_submissions": len(submissions), "shares": len(shares)}

"""Reads for sharing: a submission as a share shows it, and who has access to what.

Whatever a recipient sees is drawn from sharing.redact's SharedSubmission and the checklist
version's own text (questions, sections, labels), which is public; the submission's answers and
the people's names reach a page only through redact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .. import sharing
from ..access import live_shares
from ..accounts import normalise_email
from ..catalog import catalog, checklist_version
from ..charts import bar_chart
from ..content import evaluate_condition
from ..models import (
    Action,
    AuditEvent,
    Cohort,
    CohortMilestone,
    Membership,
    ReviewRound,
    Share,
    ShareRequest,
    Submission,
    User,
)
from . import rating_labels


def gate_state_label(state: str) -> str:
    """A gate's state (submissions.gate_states) in words."""
    return {"met": _("Met"), "blocking": _("Blocking"), "unanswered": _("Not answered")}.get(
        state, state
    )


def _actions(submission: Submission) -> list[dict]:
    """The action plan of the submitted assessment, as it stands now (1 query)."""
    return [
        {"key": key, "status": status, "due_date": due, "owner": owner}
        for key, status, due, owner in Action.objects.filter(
            assessment=submission.assessment_id
        ).values_list("question__key", "status", "due_date", "owner")
    ]


def redacted(submission: Submission, detail: str, sections: list[str]) -> sharing.SharedSubmission:
    """The submission at this detail (1 query, for the action plan)."""
    content = catalog(checklist_version(submission.checklist_id))
    return sharing.redact(
        detail=detail,
        chosen_sections=sections,
        section_of={q.key: q.section_key for q in content.questions},
        section_keys=[s.key for s in content.sections],
        number=submission.number,
        milestone=submission.milestone,
        integrity_hash=submission.integrity_hash,
        summary=submission.summary,
        answers=submission.answers,
        actions=_actions(submission),
        submitted_by_name=submission.submitted_by_name,
        evidence=submission.evidence or (),
    )


@dataclass
class SharedPage:
    """What the shared page, its PDF and its exports show, ready to draw."""

    shared: sharing.SharedSubmission
    project: object
    organisation_name: str
    checklist: object
    submitted_at: datetime
    milestone_label: str
    verdict: dict
    gates: list[dict]
    section_chart: object
    principle_chart: object
    gaps: list[dict]
    actions: list[dict]
    sections: list[dict] = field(default_factory=list)

    @property
    def detail_label(self) -> str:
        return str(dict(Share.Detail.choices)[self.shared.detail])


def shared_page(submission: Submission, project, detail: str, sections: list[str]) -> SharedPage:
    """The submission of `project` as a share of this detail and these sections shows it."""
    shared = redacted(submission, detail, sections)
    checklist = checklist_version(submission.checklist_id)
    content = catalog(checklist)
    rules = checklist.scoring
    labels = rating_labels(rules)
    questions = {q.key: q for q in content.questions}
    levels = {level["key"]: level for level in rules["levels"]}
    flags = checklist.flags
    statuses = dict(Action.Status.choices)
    # The profile frozen at submission says which questions applied: an unanswered question
    # that did not apply is not a missing answer.
    profile = submission.assessment.profile
    return SharedPage(
        shared=shared,
        project=project,
        organisation_name=project.organisation.name,
        checklist=checklist,
        submitted_at=submission.submitted_at,
        milestone_label=submission.get_milestone_display() if submission.milestone else "",
        verdict=levels[shared.verdict],
        gates=[
            {
                "key": flag,
                "label": flags[flag]["label"] if flag in flags else flag,
                "state": state,
                "state_label": gate_state_label(state),
            }
            for flag, state in shared.gates.items()
        ],
        section_chart=bar_chart(
            [
                (f"{s.key}. {s.title}", shared.section_scores.get(s.key), "")
                for s in content.sections
            ]
        ),
        principle_chart=bar_chart(
            [
                (f"{p['number']}. {p['title']}", shared.principle_scores[p["key"]], "")
                for p in checklist.content["principles"]
                if p["key"] in shared.principle_scores
            ]
        ),
        gaps=[
            {
                "key": key,
                "text": questions[key].text,
                "blocking": key in shared.blocking_gaps,
                "flags": [flags[f]["label"] for f in questions[key].flags if f in flags],
            }
            for key in shared.gaps
        ],
        actions=[
            {
                "key": action.key,
                "text": questions[action.key].text if action.key in questions else "",
                "status_label": str(statuses.get(action.status, action.status)),
                "due_date": action.due_date,
                "owner": action.owner,
            }
            for action in shared.actions
        ],
        sections=[
            {
                "key": info.key,
                "title": info.title,
                "questions": [
                    {
                        "key": q.key,
                        "text": q.text,
                        "answer": shared.answers.get(q.key),
                        "files": shared.evidence.get(q.key, ()),
                        "applies": evaluate_condition(q.applies_if, profile),
                        "rating_label": labels.get(shared.answers[q.key]["rating"], "")
                        if q.key in shared.answers
                        else "",
                    }
                    for q in info.questions
                ],
            }
            for info in content.sections
            if shared.shows(info.key)
        ],
    )


# --- Who has access ------------------------------------------------------------------------


@dataclass
class ShareRow:
    share: Share
    last_viewed: AuditEvent | None = None
    last_downloaded: AuditEvent | None = None
    round: ReviewRound | None = None  # the review of this submission under the share


def shares_of(submission: Submission) -> list[ShareRow]:
    """Every share that covers this submission, live or not, newest first, each with the last
    time someone of the recipient opened and downloaded what it shares, and its review of this
    submission (3 queries)."""
    covering = (
        Share.objects.filter(project=submission.project_id)
        .filter(
            Q(submission=submission.pk)
            | Q(follows_later=True, submission__number__lte=submission.number)
        )
        .select_related("recipient", "created_by", "submission")
        .order_by("-created_at")
    )
    rows = {share.pk: ShareRow(share) for share in covering}
    if not rows:
        return []
    # The newest events first: the first of each share and kind is its last one.
    events = AuditEvent.objects.filter(
        organisation=submission.project.organisation_id,
        project=submission.project_id,
        kind__in=[AuditEvent.Kind.SHARE_VIEWED, AuditEvent.Kind.SHARE_DOWNLOADED],
    ).order_by("-sequence")[:500]
    for event in events:
        row = rows.get(event.data.get("share"))
        if row is None:
            continue
        if event.kind == AuditEvent.Kind.SHARE_VIEWED and row.last_viewed is None:
            row.last_viewed = event
        elif event.kind == AuditEvent.Kind.SHARE_DOWNLOADED and row.last_downloaded is None:
            row.last_downloaded = event
    for round_ in ReviewRound.objects.filter(share__in=list(rows), submission=submission.pk):
        rows[round_.share_id].round = round_
    return list(rows.values())


def shares_received(user: User) -> list[Share]:
    """Live shares received by the user's organisations, by owner and project, each with the
    latest submission it covers (`latest_number`, `latest_verdict`, `latest_submitted_at`),
    read from the submissions' own columns (1 query)."""
    of_project = Submission.objects.filter(project=OuterRef("project")).order_by("-number")

    def latest(column: str):
        # A share following later submissions covers the project's latest; a pinned share,
        # its own submission.
        return Case(
            When(follows_later=True, then=Subquery(of_project.values(column)[:1])),
            default=F(f"submission__{column}"),
        )

    return list(
        live_shares()
        .filter(recipient__memberships__user=user.pk)
        .select_related("project__organisation", "recipient", "submission")
        .defer("submission__answers", "submission__summary")
        .annotate(
            latest_number=latest("number"),
            latest_verdict=latest("verdict"),
            latest_submitted_at=latest("submitted_at"),
        )
        .order_by("project__organisation__name", "project__name", "-created_at")
    )


def owned_organisations(user: User):
    """The organisations the user owns, by name: where an offer can be accepted."""
    return [
        m.organisation
        for m in Membership.objects.filter(user=user, role=Membership.Role.OWNER)
        .select_related("organisation")
        .order_by("organisation__name")
    ]


# --- Cohorts and requests ----------------------------------------------------------------------


def own_submissions(user: User) -> list[tuple[int, str]]:
    """The submissions the user may share (of organisations they own), newest first, as
    choices: "Project · Submission 2 (baseline), 3 Dec 2026" (1 query)."""
    rows = (
        Submission.objects.filter(
            project__organisation__memberships__user=user.pk,
            project__organisation__memberships__role=Membership.Role.OWNER,
        )
        .select_related("project__organisation")
        .only(
            "pk",
            "number",
            "milestone",
            "submitted_at",
            "project__name",
            "project__organisation__name",
        )
        .order_by("project__organisation__name", "project__name", "-number")
    )
    choices = []
    for submission in rows:
        label = _("%(organisation)s · %(project)s · submission %(number)d, %(date)s") % {
            "organisation": submission.project.organisation.name,
            "project": submission.project.name,
            "number": submission.number,
            "date": date_format(timezone.localtime(submission.submitted_at), "j M Y"),
        }
        if submission.milestone:
            label += f" ({submission.get_milestone_display().lower()})"
        choices.append((submission.pk, label))
    return choices


def cohorts_of(user: User) -> list[Cohort]:
    """The cohorts of the user's organisations, each with `grantees`: its live shares (1 query)."""
    return list(
        Cohort.objects.filter(funder__memberships__user=user.pk)
        .select_related("funder")
        .annotate(
            grantees=Count(
                "shares",
                filter=Q(shares__status=Share.Status.ACTIVE, shares__expires_at__gt=timezone.now()),
            )
        )
        .order_by("funder__name", "name")
    )


def cohort_choices(user: User) -> list[tuple[int, str]]:
    """The cohorts of the user's organisations as (pk, name), for a filter (1 query)."""
    return list(
        Cohort.objects.filter(funder__memberships__user=user.pk)
        .order_by("funder__name", "name")
        .values_list("pk", "name")
    )


def cohort_shares(cohort: Cohort) -> list[Share]:
    """The cohort's shares, live ones first, with their project and organisation (1 query)."""
    return list(
        Share.objects.filter(cohort=cohort)
        .select_related("project__organisation", "submission")
        .defer("submission__answers", "submission__summary")
        .order_by("project__organisation__name", "project__name", "-created_at")
    )


def requests_waiting(user: User) -> list[ShareRequest]:
    """Requests made to the user's address, still open (1 query)."""
    return list(
        ShareRequest.objects.filter(
            to_email=normalise_email(user.email),
            status=ShareRequest.Status.WAITING,
            expires_at__gt=timezone.now(),
        ).select_related("requester")
    )


def requests_made(user: User) -> list[ShareRequest]:
    """Requests made by the user's organisations, newest first (1 query)."""
    return list(
        ShareRequest.objects.filter(requester__memberships__user=user.pk)
        .select_related("requester", "share")
        .order_by("-created_at")[:50]
    )


def milestones_due(project_id: int) -> list[CohortMilestone]:
    """What the cohorts this project is shared with ask of it and it has not submitted yet,
    soonest first, each with its `cohort` (1 query)."""
    in_cohorts = live_shares().filter(project=project_id, cohort__isnull=False)
    return list(
        CohortMilestone.objects.filter(cohort__in=in_cohorts.values("cohort"))
        .exclude(
            Exists(Submission.objects.filter(project=project_id, milestone=OuterRef("milestone")))
        )
        .select_related("cohort__funder")
        .order_by("due_date")
    )


def cohort_progress(cohort: Cohort, shares: list[Share]) -> tuple[list, set]:
    """The milestones the cohort asks for, and the (project, milestone) pairs its grantees have
    submitted (2 queries)."""
    asked = list(cohort.milestones.all())
    if not asked or not shares:
        return asked, set()
    done = set(
        Submission.objects.filter(
            project__in=[share.project_id for share in shares],
            milestone__in=[m.milestone for m in asked],
        ).values_list("project_id", "milestone")
    )
    return asked, done


SHARE_EVENTS = ("share.", "review.")


def share_timeline(project_id: int, organisation_id: int, share: Share | None = None):
    """Every share and review event of the project, newest first, with a sentence each.

    With `share`, the recipient's view: that share's events alone (a recipient never sees
    another's), saying what happened and to which submission, and who did it only where the
    share shows people's names (1 query)."""
    from .activity import describe

    events = AuditEvent.objects.filter(
        organisation=organisation_id,
        project=project_id,
    ).filter(Q(kind__startswith=SHARE_EVENTS[0]) | Q(kind__startswith=SHARE_EVENTS[1]))
    if share is not None:
        events = events.filter(data__share=share.pk)
    found = list(events.order_by("-sequence")[:100])
    for event in found:
        if share is None:
            event.sentence = describe(event)
            continue
        number = (event.data or {}).get("submission")
        event.sentence = _("submission %(number)s") % {"number": number} if number else ""
        if not sharing.shows_names(share.detail):
            event.actor_name = ""
    return found


@dataclass(frozen=True)
class Waiting:
    """An offer made to the user's address, or a request for a share made to it."""

    kind: str  # "offer" or "request"
    pk: int
    organisation: str  # who offers, or who asks
    project: str  # the project offered ("" for a request)
    detail: str
    role: str
    expires_at: datetime
    purpose: str  # why they ask ("" for an offer)

    def get_detail_display(self) -> str:
        return str(dict(Share.Detail.choices).get(self.detail, self.detail))

    def get_role_display(self) -> str:
        return str(dict(Share.Role.choices).get(self.role, self.role))


def waiting_for(user: User, *, requests: bool = True) -> tuple[list[Waiting], list[Waiting]]:
    """The offers and the requests waiting for the user's answer, newest first, in one query:
    the dashboard asks for both on every visit. Without `requests`, the offers alone (and no
    requests), as the portfolio shows them."""
    email = normalise_email(user.email)
    now = timezone.now()

    def text(value: str):
        return Value(value, output_field=CharField())

    # Without the models' default ordering: a compound statement takes none in its parts.
    offers = (
        Share.objects.filter(recipient_email=email, status=Share.Status.OFFERED, expires_at__gt=now)
        .order_by()
        .values_list(
            text("offer"),
            "pk",
            "project__organisation__name",
            "project__name",
            "detail",
            "role",
            "expires_at",
            text(""),
            "created_at",
        )
    )
    asked = (
        ShareRequest.objects.filter(
            to_email=email, status=ShareRequest.Status.WAITING, expires_at__gt=now
        )
        .order_by()
        .values_list(
            text("request"),
            "pk",
            "requester__name",
            text(""),
            "detail",
            "role",
            "expires_at",
            "purpose",
            "created_at",
        )
    )
    rows = sorted(
        offers.union(asked, all=True) if requests else offers, key=lambda row: row[-1], reverse=True
    )
    found = [Waiting(*row[:-1]) for row in rows]
    return (
        [w for w in found if w.kind == "offer"],
        [w for w in found if w.kind == "request"],
    )

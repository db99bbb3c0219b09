"""Assessments: starting one, answering, submitting, and planning the follow-up of gaps."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import answer_rules, audit, submissions
from ..answer_rules import NOT_APPLICABLE, AnswerValue
from ..catalog import QuestionInfo, catalog
from ..models import (
    Action,
    Answer,
    Assessment,
    AuditEvent,
    ChecklistVersion,
    Project,
    Question,
    Submission,
    User,
)
from ..selectors import AssessmentState, assessment_state, submission_snapshot
from . import reviews
from .projects import touch


@transaction.atomic
def assessment_start(
    *,
    project: Project,
    checklist: ChecklistVersion,
    title: str,
    started_by: User,
    copy_from: Assessment | None = None,
) -> Assessment:
    """Start a draft assessment; from a previous one, its answers are copied as they were.

    Answers are copied only when the previous assessment used the same checklist version,
    because questions of another version are other questions.
    """
    assessment = Assessment(
        project=project,
        checklist=checklist,
        title=title,
        started_by=started_by,
        copied_from=copy_from,
    )
    assessment.full_clean()
    assessment.save()
    if copy_from is not None and copy_from.checklist_id == checklist.pk:
        Answer.objects.bulk_create(
            Answer(
                assessment=assessment,
                question_id=a.question_id,
                rating=a.rating,
                na_justification=a.na_justification,
                evidence_note=a.evidence_note,
                evidence_links=a.evidence_links,
                answered_by_id=a.answered_by_id,
            )
            for a in copy_from.answers.all()
        )
    audit.record(
        AuditEvent.Kind.FOLLOW_UP_STARTED if copy_from else AuditEvent.Kind.ASSESSMENT_STARTED,
        organisation=project.organisation_id,
        actor=started_by,
        assessment=assessment,
        data={"title": title, "checklist": checklist.version}
        | ({"from": copy_from.pk} if copy_from else {}),
    )
    return assessment


@dataclass(frozen=True)
class AnswerChange:
    """What a person wants an answer to be, and the revision they started from (0: none)."""

    question: Question | QuestionInfo
    rating: str
    na_justification: str = ""
    evidence_note: str = ""
    evidence_links: tuple[str, ...] = ()
    expected_revision: int = 0

    @property
    def value(self) -> AnswerValue:
        return AnswerValue(
            self.rating, self.na_justification, self.evidence_note, tuple(self.evidence_links)
        )

    def values(self) -> tuple:
        return self.value.as_tuple()


def answer_values(answer: Answer | None) -> tuple:
    if answer is None:
        return ("", "", "", ())
    return (
        answer.rating,
        answer.na_justification,
        answer.evidence_note,
        tuple(answer.evidence_links),
    )


@dataclass
class Recorded:
    """What answers_record did: the conflicts that stopped it (each change with the answer it
    ran into), or else the answers as stored now, by question primary key (None: unanswered)."""

    conflicts: list[tuple[AnswerChange, Answer | None]]
    answers: dict[int, Answer | None]


class AssessmentLocked(Exception):
    """The assessment was submitted: its answers can no longer change."""


def validate_answer(change: AnswerChange, scoring: dict, profile: dict) -> None:
    """The rules of answer_rules.py, whatever form or file the answer comes from: checked here
    as well as in forms, so that no caller can skip them."""
    answer_rules.validate(change.value, change.question, scoring, profile)


@transaction.atomic
def answers_record(*, assessment: Assessment, user: User, changes: list[AnswerChange]) -> Recorded:
    """Save answers all together, or none of them.

    A change made from a revision that is no longer current (someone else saved in between)
    is a conflict unless it asks for what is already stored. Conflicts are returned with the
    current answer and nothing is written, so that no update is ever lost silently.
    """
    # Locked first: saves to one assessment take turns, so that two first answers to the same
    # question cannot both be inserted, and a submission cannot slip in between.
    locked = Assessment.objects.select_for_update().only("status").get(pk=assessment.pk)
    if locked.is_submitted:
        raise AssessmentLocked
    own_questions = {q.pk for q in catalog(assessment.checklist).questions}
    for change in changes:
        if change.question.pk not in own_questions:
            raise ValidationError(
                _("Question %(key)s is not part of this assessment's checklist.")
                % {"key": change.question.key}
            )
        validate_answer(change, assessment.checklist.scoring, assessment.project.profile)
    current: dict[int, Answer | None] = dict.fromkeys(c.question.pk for c in changes)
    current.update(
        (a.question_id, a)
        for a in Answer.objects.select_for_update().filter(
            assessment=assessment, question_id__in=list(current)
        )
    )
    conflicts = [
        (change, current[change.question.pk])
        for change in changes
        if _revision(current[change.question.pk]) != change.expected_revision
        and answer_values(current[change.question.pk]) != change.values()
    ]
    if conflicts:
        return Recorded(conflicts=conflicts, answers=current)
    changed = False
    events: list[audit.Entry] = []
    for change in changes:
        answer = current[change.question.pk]
        if answer_values(answer) == change.values():
            continue
        before = answer_values(answer)
        if answer is None:
            answer = current[change.question.pk] = Answer(
                assessment=assessment, question_id=change.question.pk, revision=0
            )
        answer.rating = change.rating
        answer.na_justification = change.na_justification if change.rating == NOT_APPLICABLE else ""
        answer.evidence_note = change.evidence_note
        answer.evidence_links = list(change.evidence_links)
        answer.answered_by = user
        answer.revision += 1
        answer.save()
        changed = True
        events.append(
            audit.Entry(
                AuditEvent.Kind.ANSWER_CHANGED,
                assessment=assessment,
                data=_answer_change(change.question.key, before, answer_values(answer)),
            )
        )
    if changed:
        touch(assessment)
        audit.record_all(events, organisation=assessment.project.organisation_id, actor=user)
    return Recorded(conflicts=[], answers=current)


def _answer_change(key: str, before: tuple, after: tuple) -> dict:
    """An answer change as the audit trail keeps it: the rating and, for the texts, a shortened
    old and new value; links as they were and are."""
    names = ("rating", "na_justification", "evidence_note", "evidence_links")
    old, new = {}, {}
    for name, was, now in zip(names, before, after, strict=True):
        if was == now:
            continue
        if name == "evidence_links":
            old[name], new[name] = list(was), list(now)
        elif name == "rating":
            old[name], new[name] = was, now
        else:
            old[name], new[name] = audit.shorten(was), audit.shorten(now)
    return {"question": key, "old": old, "new": new}


def _revision(answer: Answer | None) -> int:
    return answer.revision if answer else 0


@transaction.atomic
def assessment_submit(*, assessment: Assessment, user: User, milestone: str = "") -> Assessment:
    """Lock the assessment, once every question that applies to the project is answered, and
    freeze what was submitted as the project's next Submission (models/submissions.py).

    `milestone` is one of Submission.Milestone, or "" for none.
    """
    if milestone not in ("", *Submission.Milestone.values):
        raise ValidationError(_("Choose a milestone from the list, or none."))
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if locked.is_submitted:
        raise AssessmentLocked
    # Read under the lock, so that what is checked and frozen is what gets submitted.
    state = assessment_state(assessment)
    missing = [q.key for q in state.unanswered]
    if missing:
        raise ValidationError(
            _("Answer every question before submitting; still unanswered: %(keys)s.")
            % {"keys": ", ".join(missing)}
        )
    locked.status = Assessment.Status.SUBMITTED
    locked.submitted_at = timezone.now()
    locked.submitted_by = user
    locked.profile_snapshot = assessment.project.profile
    locked.save(
        update_fields=["status", "submitted_at", "submitted_by", "profile_snapshot", "updated_at"]
    )
    submission = _submission_create(locked, state, user, milestone)
    # Reviewers following the project's submissions get this one to review.
    reviews.open_rounds_for_new_submission(submission)
    audit.record(
        AuditEvent.Kind.ASSESSMENT_SUBMITTED,
        organisation=assessment.project.organisation_id,
        actor=user,
        assessment=assessment,
        data={
            "title": locked.title,
            "submission": submission.number,
            "milestone": milestone,
            "hash": submission.integrity_hash[:16],
        },
    )
    return locked


def _submission_create(
    assessment: Assessment, state: AssessmentState, user: User, milestone: str
) -> Submission:
    """The project's next submission, numbered after its last one."""
    # Two assessments of one project submitted at once must not take the same number.
    # PostgreSQL: the project's row is locked until commit. SQLite: transactions already begin
    # IMMEDIATE (see settings), so one writer at once.
    if connection.vendor != "sqlite":
        list(Project.objects.select_for_update().filter(pk=assessment.project_id).values("pk"))
    last = (
        Submission.objects.filter(project_id=assessment.project_id)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    frozen = submission_snapshot(state)
    return Submission.objects.create(
        assessment=assessment,
        project_id=assessment.project_id,
        number=(last or 0) + 1,
        milestone=milestone,
        checklist_id=assessment.checklist_id,
        submitted_at=assessment.submitted_at,
        submitted_by=user,
        submitted_by_name=submissions.person_name(user),
        integrity_hash=frozen.integrity_hash,
        answers=frozen.answers,
        summary=frozen.summary,
        evidence=frozen.evidence,
        verdict=frozen.verdict,
        score=frozen.score,
        gates=frozen.gates,
    )


def assessment_visit_section(*, assessment: Assessment, section_key: str) -> None:
    """Remember where the team was, so that "Resume" brings them back there."""
    if assessment.last_section != section_key:
        Assessment.objects.filter(pk=assessment.pk).update(last_section=section_key)


@transaction.atomic
def action_update(
    *, assessment: Assessment, question: Question, owner: str, due_date, status: str, user: User
) -> Action:
    """Plan the work on one gap. Allowed after submission: the follow-up comes afterwards."""
    if not Question.objects.filter(pk=question.pk, checklist=assessment.checklist_id).exists():
        raise ValidationError(_("That question is not part of this assessment."))
    action = Action.objects.filter(
        assessment=assessment, question_id=question.pk
    ).first() or Action(assessment=assessment, question_id=question.pk)
    action.owner, action.due_date, action.status, action.updated_by = owner, due_date, status, user
    action.full_clean()
    action.save()
    touch(assessment)
    audit.record(
        AuditEvent.Kind.ACTION_PLANNED,
        organisation=assessment.project.organisation_id,
        actor=user,
        assessment=assessment,
        data={
            "question": question.key,
            "owner": audit.shorten(owner),
            "due_date": due_date.isoformat() if due_date else None,
            "status": status,
        },
    )
    return action


@transaction.atomic
def action_clear(*, assessment: Assessment, question: Question, user: User) -> None:
    """Take back the plan for one gap: it is "not planned" again."""
    deleted, _kinds = Action.objects.filter(assessment=assessment, question_id=question.pk).delete()
    if deleted:
        touch(assessment)
        audit.record(
            AuditEvent.Kind.ACTION_CLEARED,
            organisation=assessment.project.organisation_id,
            actor=user,
            assessment=assessment,
            data={"question": question.key},
        )


def download_record(*, assessment: Assessment, user: User, fmt: str) -> None:
    """Note in the audit trail that someone took a copy of the assessment out of westcheck."""
    audit.record(
        AuditEvent.Kind.REPORT_DOWNLOADED if fmt == "pdf" else AuditEvent.Kind.EXPORT_DOWNLOADED,
        organisation=assessment.project.organisation_id,
        actor=user,
        assessment=assessment,
        data={"format": fmt},
    )

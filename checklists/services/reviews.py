"""Reviewing a shared submission: opening rounds, marking questions, deciding.

Rounds open by themselves: when a reviewer share is accepted (for the latest submission it
covers) and when a project whose submissions a reviewer share follows is submitted again. A
new round starts with the marks of the share's previous round on every question whose answer
did not change. Each save and each decision is an audit event of the owner organisation.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import audit, sharing, submissions
from ..access import live_shares
from ..links import url
from ..models import AuditEvent, Membership, ReviewMark, ReviewRound, Share, Submission, User
from ..models.reviews import NOTE_LENGTH
from .mail import notify

Kind = AuditEvent.Kind


def open_round(share: Share, submission: Submission) -> ReviewRound:
    """The share's round for this submission, opened if need be with the marks carried over
    from the share's latest earlier round, on the questions whose answer is unchanged."""
    round_, created = ReviewRound.objects.get_or_create(share=share, submission=submission)
    if not created:
        return round_
    previous = (
        ReviewRound.objects.filter(share=share, submission__number__lt=submission.number)
        .select_related("submission")
        .order_by("-submission__number")
        .first()
    )
    if previous is not None:
        # Only what the reviewer sees counts: a change they cannot see leaves their mark valid.
        changed = submissions.changed_keys(
            previous.submission.answers,
            submission.answers,
            sharing.ANSWER_FIELDS[share.detail],
        )
        ReviewMark.objects.bulk_create(
            ReviewMark(
                round=round_,
                question_key=mark.question_key,
                mark=mark.mark,
                note=mark.note,
                carried_from=previous.submission.number,
                updated_by=mark.updated_by,
                updated_at=mark.updated_at,
            )
            for mark in previous.marks.all()
            if mark.question_key not in changed
        )
    return round_


def open_rounds_for_new_submission(submission: Submission) -> None:
    """A project was submitted again: each live reviewer share following it gets a round."""
    following = live_shares().filter(
        project=submission.project_id, role=Share.Role.REVIEWER, follows_later=True
    )
    for share in following:
        open_round(share, submission)


@dataclass(frozen=True)
class MarkChange:
    key: str
    mark: str  # "" takes the mark away
    note: str = ""


def _check_marks(changes: list[MarkChange], reviewable: set[str]) -> None:
    errors = []
    for change in changes:
        if change.key not in reviewable:
            errors.append(_("Question %(key)s is not one this share shows.") % {"key": change.key})
        elif change.mark and change.mark not in ReviewMark.Mark.values:
            errors.append(_("Choose a mark for question %(key)s.") % {"key": change.key})
        elif len(change.note) > NOTE_LENGTH:
            errors.append(
                _("The note on question %(key)s is longer than %(limit)d characters.")
                % {"key": change.key, "limit": NOTE_LENGTH}
            )
        elif change.note.strip() and not change.mark:
            errors.append(
                _("Choose a mark for question %(key)s, or clear its note.") % {"key": change.key}
            )
    if errors:
        raise ValidationError(errors)


def _locked_round(round_: ReviewRound) -> ReviewRound:
    return (
        # The round's row alone: the share's recipient is joined from its nullable side,
        # where PostgreSQL refuses FOR UPDATE.
        ReviewRound.objects.select_for_update(of=("self",))
        .select_related("share__project__organisation", "share__recipient", "submission")
        .get(pk=round_.pk)
    )


@transaction.atomic
def review_save_marks(
    *, round_: ReviewRound, changes: list[MarkChange], reviewable: set[str], user: User
) -> ReviewRound:
    """Save a reviewer's marks: only on the questions the share shows, while the round is open."""
    round_ = _locked_round(round_)
    if not round_.is_open:
        raise ValidationError(_("This review is decided: its marks can no longer change."))
    _check_marks(changes, reviewable)
    existing = {mark.question_key: mark for mark in round_.marks.all()}
    saved, cleared = [], []
    now = timezone.now()
    for change in changes:
        mark = existing.get(change.key)
        if not change.mark:
            if mark is not None:
                cleared.append(mark.pk)
            continue
        note = change.note.strip()
        if mark is not None and (mark.mark, mark.note) == (change.mark, note):
            continue
        mark = mark or ReviewMark(round=round_, question_key=change.key)
        mark.mark, mark.note, mark.carried_from = change.mark, note, None
        mark.updated_by, mark.updated_at = user, now
        saved.append(mark)
    if not saved and not cleared:
        return round_
    ReviewMark.objects.filter(pk__in=cleared).delete()
    ReviewMark.objects.bulk_create([mark for mark in saved if mark.pk is None])
    for mark in saved:
        if mark.pk is not None and mark.question_key in existing:
            mark.save(update_fields=["mark", "note", "carried_from", "updated_by", "updated_at"])
    audit.record(
        Kind.REVIEW_MARKED,
        organisation=round_.share.project.organisation_id,
        actor=user,
        project=round_.share.project_id,
        data={
            "share": round_.share_id,
            "by": round_.share.recipient.name,
            "submission": round_.submission.number,
            "marks": {mark.question_key: mark.mark for mark in saved},
            "cleared": sorted(key for key, mark in existing.items() if mark.pk in cleared),
        },
    )
    return round_


@transaction.atomic
def review_decide(
    *, round_: ReviewRound, decision: str, note: str, user: User, site: str
) -> ReviewRound:
    """Request changes, or accept the submission: the acceptance names its integrity hash."""
    round_ = _locked_round(round_)
    if not round_.is_open:
        raise ValidationError(_("This review is already decided."))
    note = note.strip()
    if len(note) > NOTE_LENGTH:
        raise ValidationError(
            _("The note is longer than %(limit)d characters.") % {"limit": NOTE_LENGTH}
        )
    if decision == ReviewRound.Status.CHANGES_REQUESTED:
        asks = round_.marks.exclude(mark=ReviewMark.Mark.OK).exists()
        if not asks and not note:
            raise ValidationError(
                _(
                    "Mark the questions that need change or clarification, or say in the note what should change."
                )
            )
        kind = Kind.REVIEW_CHANGES_REQUESTED
    elif decision == ReviewRound.Status.ACCEPTED:
        round_.accepted_hash = round_.submission.integrity_hash
        kind = Kind.REVIEW_ACCEPTED
    else:
        raise ValidationError(_("Choose to request changes or to accept."))
    round_.status, round_.note = decision, note
    round_.decided_by, round_.decided_by_name, round_.decided_at = user, user.name, timezone.now()
    round_.save()
    share = round_.share
    audit.record(
        kind,
        organisation=share.project.organisation_id,
        actor=user,
        project=share.project_id,
        data={
            "share": share.pk,
            "by": share.recipient.name,
            "submission": round_.submission.number,
            "hash": round_.submission.integrity_hash[:16],
        },
    )
    owners = list(
        User.objects.filter(
            memberships__organisation=share.project.organisation_id,
            memberships__role=Membership.Role.OWNER,
        ).values_list("email", flat=True)
    )
    notify(
        "review_decided",
        sorted(set(owners)),
        {
            "round": round_,
            "share": share,
            "link": site.rstrip("/")
            + url("checklists:assessment-reviews", round_.submission.assessment_id),
        },
    )
    return round_

"""Reads for reviews: the reviewer's page, the owner's notes, and review states for lists."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import QuerySet

from .. import sharing, submissions
from ..models import Comment, CommentThread, ReviewMark, ReviewRound, Share, Submission


def reviewable_keys(page) -> set[str]:
    """The questions a reviewer may mark: those whose answers the share shows (SharedPage)."""
    return {q["key"] for section in page.sections for q in section["questions"]}


def commentable_keys(page) -> set[str]:
    """The questions a share's comment threads may be about: the same as the reviewer's marks,
    those whose answers the share shows. A summary shows none: its threads are empty."""
    return reviewable_keys(page)


def threads_of(share: Share, user) -> dict[str, CommentThread]:
    """The share's threads by question, each with `shown`, its comments oldest first, each
    comment with `editable` (its author is the user, and it is not deleted) (1 query)."""
    threads: dict[str, CommentThread] = {}
    comments = (
        Comment.objects.filter(thread__share=share.pk)
        .select_related("thread")
        .order_by("created_at", "pk")
    )
    for comment in comments:
        thread = threads.setdefault(comment.thread.question_key, comment.thread)
        if not hasattr(thread, "shown"):
            thread.shown = []
        comment.thread = thread
        comment.editable = (
            comment.author_id is not None
            and comment.author_id == user.pk
            and comment.deleted_at is None
        )
        thread.shown.append(comment)
    return threads


def with_threads(sections: list[dict], threads: dict[str, CommentThread]) -> list[dict]:
    """Page sections (SharedPage's or ReviewPage's), each question with its `thread`."""
    return [
        {
            **section,
            "questions": [{**q, "thread": threads.get(q["key"])} for q in section["questions"]],
        }
        for section in sections
    ]


@dataclass
class ReviewPage:
    round: ReviewRound
    # SharedPage sections, each question with its `mark`, `changed` and `carried_from`.
    sections: list[dict]
    compared_with: int | None  # the earlier submission whose answers `changed` is about
    counts: Counter = field(default_factory=Counter)
    # The latest acceptance of an earlier submission under the same share, if any.
    earlier_acceptance: ReviewRound | None = None


def review_page(share: Share, submission: Submission, page) -> ReviewPage | None:
    """The share's round for this submission with its marks beside the shared questions, and
    what changed since the share's previous round (3 queries); None when there is no round."""
    rounds = list(
        ReviewRound.objects.filter(share=share, submission__number__lte=submission.number)
        .select_related("submission")
        .defer("submission__summary")
        .order_by("-submission__number")
    )
    if not rounds or rounds[0].submission_id != submission.pk:
        return None
    round_, earlier = rounds[0], rounds[1:]
    marks = {mark.question_key: mark for mark in round_.marks.all()}
    previous = earlier[0] if earlier else None
    changed = (
        submissions.changed_keys(
            previous.submission.answers, submission.answers, sharing.ANSWER_FIELDS[share.detail]
        )
        if previous
        else set()
    )
    sections = []
    for section in page.sections:
        questions = []
        for q in section["questions"]:
            mark = marks.get(q["key"])
            questions.append({**q, "mark": mark, "changed": q["key"] in changed})
        sections.append({**section, "questions": questions})
    return ReviewPage(
        round=round_,
        sections=sections,
        compared_with=previous.submission.number if previous else None,
        counts=Counter(mark.mark for mark in marks.values()),
        earlier_acceptance=next(
            (r for r in earlier if r.status == ReviewRound.Status.ACCEPTED), None
        ),
    )


def latest_rounds(shares: list[Share]) -> dict[int, ReviewRound]:
    """Each share's latest round, by share (1 query): its review state in lists."""
    found: dict[int, ReviewRound] = {}
    rounds = (
        ReviewRound.objects.filter(share__in=[s.pk for s in shares])
        .select_related("submission")
        .only(
            "share_id",
            "status",
            "decided_at",
            "decided_by_name",
            "accepted_hash",
            "submission__number",
        )
        .order_by("share_id", "-submission__number")
    )
    for round_ in rounds:
        found.setdefault(round_.share_id, round_)
    return found


def rounds_of(submission: Submission) -> QuerySet[ReviewRound]:
    """Every review of this submission, by any recipient, with its marks (2 queries): the
    grantee's page of review notes."""
    return (
        ReviewRound.objects.filter(submission=submission)
        .select_related("share__recipient")
        .prefetch_related("marks")
        .order_by("-decided_at", "-created_at")
    )


def notes_for_follow_up(assessment) -> dict[str, list[ReviewMark]]:
    """Marks asking for work on the submission this assessment follows up, by question, when a
    reviewer requested changes (1 query; none for an assessment that follows nothing)."""
    if assessment.copied_from_id is None:
        return {}
    notes: dict[str, list[ReviewMark]] = {}
    marks = (
        ReviewMark.objects.filter(
            round__submission__assessment=assessment.copied_from_id,
            round__status=ReviewRound.Status.CHANGES_REQUESTED,
        )
        .exclude(mark=ReviewMark.Mark.OK)
        .select_related("round__share__recipient")
        .order_by("question_key", "round__share__recipient__name")
    )
    for mark in marks:
        notes.setdefault(mark.question_key, []).append(mark)
    return notes


@dataclass(frozen=True)
class ReviewState:
    round: ReviewRound | None  # the round of this submission
    earlier_acceptance: ReviewRound | None  # an acceptance of an earlier submission


def review_state(share: Share, submission: Submission) -> ReviewState:
    """Where the review of this submission stands under the share (1 query; none for a
    viewer share)."""
    if share.role != Share.Role.REVIEWER:
        return ReviewState(None, None)
    rounds = list(
        ReviewRound.objects.filter(share=share, submission__number__lte=submission.number)
        .select_related("submission")
        .only(
            "status", "decided_at", "decided_by_name", "accepted_hash", "note", "submission__number"
        )
        .order_by("-submission__number")
    )
    current = rounds[0] if rounds and rounds[0].submission.number == submission.number else None
    earlier = next(
        (r for r in rounds if r is not current and r.status == ReviewRound.Status.ACCEPTED), None
    )
    return ReviewState(current, earlier)

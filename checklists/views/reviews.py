"""Reviews: the reviewer's page of a shared submission, and the grantee's page of the notes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ..access import Can, get_assessment_for, get_share_for, get_shared_submission
from ..catalog import catalog
from ..links import site_of, url
from ..models import ReviewMark, ReviewRound, Submission
from ..models.reviews import COMMENT_LENGTH
from ..selectors.reviews import review_page, reviewable_keys, rounds_of, threads_of, with_threads
from ..selectors.sharing import shared_page
from ..services import reviews as review_services

DECISIONS = {
    "request_changes": ReviewRound.Status.CHANGES_REQUESTED,
    "accept": ReviewRound.Status.ACCEPTED,
}


def _posted_marks(post, reviewable: set[str]) -> list[review_services.MarkChange]:
    """Every mark and note posted, the questions the share does not show included, so that
    the service refuses them rather than this view dropping them quietly."""
    keys = set(reviewable)
    keys |= {name[2:] for name in post if name.startswith(("m-", "n-"))}
    return [
        review_services.MarkChange(
            key=key, mark=post.get(f"m-{key}", ""), note=post.get(f"n-{key}", "")
        )
        for key in sorted(keys)
        if f"m-{key}" in post or f"n-{key}" in post
    ]


@login_required
def shared_review(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """The reviewer marks the shared questions, then requests changes or accepts; the
    recipient's other members read the review."""
    share = get_share_for(request.user, pk, Can.REVIEW if request.method == "POST" else Can.VIEW)
    submission = get_shared_submission(share, number)
    page = shared_page(submission, share.project, share.detail, share.sections)
    review = review_page(share, submission, page)
    if review is None:
        raise Http404
    errors, status = [], 200
    if request.method == "POST":
        action = request.POST.get("action", "save")
        reviewable = reviewable_keys(page)
        try:
            if action not in ("save", *DECISIONS):
                raise ValidationError(_("Choose to save, to request changes or to accept."))
            review_services.review_save_marks(
                round_=review.round,
                changes=_posted_marks(request.POST, reviewable),
                reviewable=reviewable,
                user=request.user,
            )
            if action in DECISIONS:
                review_services.review_decide(
                    round_=review.round,
                    decision=DECISIONS[action],
                    note=request.POST.get("note", ""),
                    user=request.user,
                    site=site_of(request),
                )
        except ValidationError as error:
            errors, status = error.messages, 400
        else:
            messages.success(
                request,
                {
                    "save": _("Your marks are saved."),
                    "request_changes": _("Changes requested: the grantee's owners are told."),
                    "accept": _("Submission %(number)d accepted.") % {"number": submission.number},
                }[action],
            )
            return redirect("checklists:shared-review", share.pk, submission.number)
        review = review_page(share, submission, page)
    # The threads with the owner organisation, under each question; their forms post to the
    # share's comments page, which comes back here.
    review.sections = with_threads(review.sections, threads_of(share, request.user))
    return render(
        request,
        "checklists/sharing/review.html",
        {
            "share": share,
            "submission": submission,
            "page": page,
            "review": review,
            "sections": review.sections,
            "can_comment": Can.COMMENT in share.caps,
            "comments_url": url("checklists:shared-comments", share.pk),
            "number": submission.number,
            "limit": COMMENT_LENGTH,
            "marks": ReviewMark.Mark.choices,
            "can_review": Can.REVIEW in share.caps and review.round.is_open,
            "errors": errors,
            "posted": request.POST if errors else None,
        },
        status=status,
    )


@login_required
def assessment_reviews(request: HttpRequest, pk: int) -> HttpResponse:
    """What reviewers said of this submission, question by question."""
    assessment = get_assessment_for(request.user, pk, Can.VIEW_SHARES)
    if not assessment.is_submitted:
        raise Http404
    submission = Submission.objects.only("pk", "number", "integrity_hash").get(
        assessment=assessment.pk
    )
    questions = {q.key: q for q in catalog(assessment.checklist).questions}
    rounds = list(rounds_of(submission))
    for round_ in rounds:
        round_.marked = [
            (questions.get(mark.question_key), mark)
            for mark in sorted(round_.marks.all(), key=_question_order)
        ]
    return render(
        request,
        "checklists/sharing/reviews.html",
        {
            "assessment": assessment,
            "project": assessment.project,
            "submission": submission,
            "rounds": rounds,
        },
    )


def _question_order(mark: ReviewMark) -> tuple:
    return tuple(int(part) for part in mark.question_key.split(".") if part.isdigit())

"""Comment threads of a share: the recipient's page and the owner organisation's page, with the
same forms (add, edit, delete, resolve, reopen), each posting to its own page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ..access import (
    Can,
    get_accepted_share_of,
    get_assessment_for,
    get_share_for,
    get_shared_submission,
)
from ..links import site_of, url
from ..models import Comment, CommentThread, Share
from ..models.reviews import COMMENT_LENGTH
from ..selectors.reviews import commentable_keys, threads_of, with_threads
from ..selectors.sharing import shared_page
from ..services import comments as comment_services


def _posted_pk(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        raise ValidationError(_("Choose a comment or a thread of this share.")) from None


def act(request: HttpRequest, share: Share, commentable: set[str], side: str) -> tuple[str, str]:
    """Carry out the posted action on the share's threads: the message to show and the
    question it was about; or a ValidationError (PermissionDenied for another's comment)."""
    post, user = request.POST, request.user
    action, key = post.get("action", ""), post.get("question", "")
    if action == "add":
        comment_services.comment_add(
            share=share,
            question_key=key,
            body=post.get("body", ""),
            commentable=commentable,
            side=side,
            user=user,
            site=site_of(request),
        )
        return _("Your comment is added."), key
    if action in ("edit", "delete"):
        comment = (
            Comment.objects.filter(pk=_posted_pk(post.get("comment")), thread__share=share.pk)
            .select_related("thread")
            .first()
        )
        if comment is None:
            raise ValidationError(_("Choose a comment or a thread of this share."))
        if action == "delete":
            comment_services.comment_delete(comment=comment, share=share, user=user)
            return _("Your comment is deleted."), comment.thread.question_key
        comment_services.comment_edit(
            comment=comment, share=share, body=post.get("body", ""), user=user
        )
        return _("Your comment is changed."), comment.thread.question_key
    if action in ("resolve", "reopen"):
        thread = CommentThread.objects.filter(share=share.pk, question_key=key).first()
        if thread is None:
            raise ValidationError(_("Choose a comment or a thread of this share."))
        change = (
            comment_services.thread_resolve
            if action == "resolve"
            else comment_services.thread_reopen
        )
        change(thread=thread, share=share, side=side, user=user)
        done = _("Thread resolved.") if action == "resolve" else _("Thread reopened.")
        return done, key
    raise ValidationError(_("Choose to add, change, delete, resolve or reopen."))


def _page(request, template_context: dict, share: Share, page, status: int = 200, errors=()):
    threads = threads_of(share, request.user)
    return render(
        request,
        "checklists/sharing/comments.html",
        {
            **template_context,
            "share": share,
            "page": page,
            "sections": with_threads(page.sections, threads),
            "limit": COMMENT_LENGTH,
            "errors": errors,
        },
        status=status,
    )


@login_required
def shared_comments(request: HttpRequest, pk: int) -> HttpResponse:
    """The recipient's threads with the owner organisation, on the questions the share shows."""
    share = get_share_for(request.user, pk, Can.COMMENT if request.method == "POST" else Can.VIEW)
    submission = get_shared_submission(share)
    page = shared_page(submission, share.project, share.detail, share.sections)
    comments_url = url("checklists:shared-comments", share.pk)
    context = {
        "submission": submission,
        "comments_url": comments_url,
        "can_comment": Can.COMMENT in share.caps,
        "owner_side": False,
    }
    if request.method == "POST":
        try:
            message, key = act(request, share, commentable_keys(page), Comment.Side.RECIPIENT)
        except ValidationError as error:
            return _page(request, context, share, page, status=400, errors=error.messages)
        messages.success(request, message)
        anchor = f"#t-{key}"
        number = request.POST.get("number", "")
        if number.isdigit() and share.role == Share.Role.REVIEWER:
            return redirect(url("checklists:shared-review", share.pk, number) + anchor)
        return redirect(comments_url + anchor)
    return _page(request, context, share, page)


@login_required
def share_comments(request: HttpRequest, pk: int, share_pk: int) -> HttpResponse:
    """The owner organisation's threads with one recipient; ended shares' stay readable."""
    need = Can.COMMENT if request.method == "POST" else Can.VIEW_SHARES
    assessment = get_assessment_for(request.user, pk, need)
    share = get_accepted_share_of(assessment, share_pk)
    share.project = assessment.project
    submission = get_shared_submission(share)
    page = shared_page(submission, share.project, share.detail, share.sections)
    comments_url = url("checklists:share-comments", assessment.pk, share.pk)
    context = {
        "assessment": assessment,
        "project": assessment.project,
        "submission": submission,
        "comments_url": comments_url,
        "can_comment": Can.COMMENT in assessment.caps and share.is_live,
        "owner_side": True,
    }
    if request.method == "POST":
        try:
            message, key = act(request, share, commentable_keys(page), Comment.Side.OWNER)
        except ValidationError as error:
            return _page(request, context, share, page, status=400, errors=error.messages)
        messages.success(request, message)
        return redirect(comments_url + f"#t-{key}")
    return _page(request, context, share, page)

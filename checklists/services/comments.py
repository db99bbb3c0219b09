"""Comment threads on a shared submission: adding, editing, deleting, resolving and reopening.

A thread is a share's and a question's, so a conversation is between the owner organisation
and that one recipient. Comments are allowed on the questions whose answers the share shows
(the rule for review marks: selectors.reviews.reviewable_keys), and only while the share is
live. Each write is an audit event of the owner organisation; an edit keeps the text it
replaced in its event. Deleting a comment empties it, and its event holds no text: the thread
keeps a line saying who deleted what and when. A new comment is e-mailed to the other side's
owners.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import audit
from ..links import url
from ..models import AuditEvent, Comment, CommentThread, Membership, Share, User
from ..models.reviews import COMMENT_LENGTH
from .mail import notify

Kind = AuditEvent.Kind


def _clean_body(body: str) -> str:
    body = body.strip()
    if not body:
        raise ValidationError(_("Write a comment."))
    if len(body) > COMMENT_LENGTH:
        raise ValidationError(
            _("The comment is longer than %(limit)d characters.") % {"limit": COMMENT_LENGTH}
        )
    return body


def _check_live(share: Share) -> None:
    if not share.is_live:
        raise ValidationError(_("This share has ended: its threads can no longer change."))


def _record(kind: str, share: Share, user: User, data: dict) -> None:
    audit.record(
        kind,
        organisation=share.project.organisation_id,
        actor=user,
        project=share.project_id,
        data={"share": share.pk, "with": share.recipient.name, **data},
    )


def _owners_of(organisation_id: int) -> list[str]:
    return sorted(
        set(
            User.objects.filter(
                memberships__organisation=organisation_id,
                memberships__role=Membership.Role.OWNER,
            ).values_list("email", flat=True)
        )
    )


def _tell_the_other_side(comment: Comment, share: Share, user: User, site: str) -> None:
    """The owner organisation's owners hear of the recipient's comments, and the other way
    round; the writer is never sent their own comment."""
    if comment.author_side == Comment.Side.RECIPIENT:
        to = _owners_of(share.project.organisation_id)
        link = url("checklists:share-comments", share.submission.assessment_id, share.pk)
        writer_org = share.recipient.name
    else:
        to = _owners_of(share.recipient_id)
        link = url("checklists:shared-comments", share.pk)
        writer_org = share.project.organisation.name
    notify(
        "comment_added",
        [email for email in to if email != user.email],
        {
            "comment": comment,
            "share": share,
            "writer_org": writer_org,
            "link": site.rstrip("/") + link + f"#t-{comment.thread.question_key}",
        },
    )


@transaction.atomic
def comment_add(
    *,
    share: Share,
    question_key: str,
    body: str,
    commentable: set[str],
    side: str,
    user: User,
    site: str,
) -> Comment:
    """Add a comment to the share's thread on this question, starting the thread if need be."""
    _check_live(share)
    if question_key not in commentable:
        raise ValidationError(
            _("Question %(key)s is not one this share shows.") % {"key": question_key}
        )
    if side not in Comment.Side.values:
        raise ValidationError(_("Unknown side."))
    body = _clean_body(body)
    thread, _created = CommentThread.objects.select_for_update().get_or_create(
        share=share, question_key=question_key
    )
    if thread.is_resolved:
        raise ValidationError(_("This thread is resolved: reopen it to reply."))
    comment = Comment(
        thread=thread, author=user, author_name=user.name, author_side=side, body=body
    )
    comment.full_clean()
    comment.save()
    _record(
        Kind.COMMENT_ADDED,
        share,
        user,
        {"question": question_key, "comment": comment.pk, "side": side},
    )
    _tell_the_other_side(comment, share, user, site)
    return comment


def _locked_own(comment: Comment, share: Share, user: User) -> Comment:
    """The comment, locked, if it is the user's own, in this share's threads, and not deleted,
    while the share is live."""
    comment = Comment.objects.select_for_update().select_related("thread").get(pk=comment.pk)
    if comment.thread.share_id != share.pk:
        raise ValidationError(_("This comment is not in this share's threads."))
    if comment.author_id is None or comment.author_id != user.pk:
        raise PermissionDenied(_("Only its author may change a comment."))
    _check_live(share)
    if comment.deleted_at is not None:
        raise ValidationError(_("This comment is deleted."))
    return comment


@transaction.atomic
def comment_edit(*, comment: Comment, share: Share, body: str, user: User) -> Comment:
    """Change one's own comment; the audit event keeps the text it replaces."""
    comment = _locked_own(comment, share, user)
    body = _clean_body(body)
    if body == comment.body:
        return comment
    before = comment.body
    comment.body, comment.edited_at = body, timezone.now()
    comment.full_clean()
    comment.save(update_fields=["body", "edited_at"])
    _record(
        Kind.COMMENT_EDITED,
        share,
        user,
        {
            "question": comment.thread.question_key,
            "comment": comment.pk,
            "side": comment.author_side,
            "before": before,
            "after": body,
        },
    )
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment, share: Share, user: User) -> Comment:
    """Delete one's own comment: its text is gone, from the thread and from the event that
    records the deletion; a line in the thread says it was there."""
    comment = _locked_own(comment, share, user)
    comment.body, comment.deleted_at = "", timezone.now()
    comment.full_clean()
    comment.save(update_fields=["body", "deleted_at"])
    _record(
        Kind.COMMENT_DELETED,
        share,
        user,
        {
            "question": comment.thread.question_key,
            "comment": comment.pk,
            "side": comment.author_side,
        },
    )
    return comment


def _locked_thread(thread: CommentThread, share: Share) -> CommentThread:
    thread = CommentThread.objects.select_for_update().get(pk=thread.pk)
    if thread.share_id != share.pk:
        raise ValidationError(_("This thread is not one of this share's."))
    _check_live(share)
    return thread


@transaction.atomic
def thread_resolve(*, thread: CommentThread, share: Share, side: str, user: User) -> CommentThread:
    """Either side may resolve a thread; resolving a resolved thread changes nothing."""
    thread = _locked_thread(thread, share)
    if thread.is_resolved:
        return thread
    thread.resolved_at, thread.resolved_by, thread.resolved_by_name = (
        timezone.now(),
        user,
        user.name,
    )
    thread.save(update_fields=["resolved_at", "resolved_by", "resolved_by_name"])
    _record(Kind.THREAD_RESOLVED, share, user, {"question": thread.question_key, "side": side})
    return thread


@transaction.atomic
def thread_reopen(*, thread: CommentThread, share: Share, side: str, user: User) -> CommentThread:
    """Either side may reopen a resolved thread, to reply in it."""
    thread = _locked_thread(thread, share)
    if not thread.is_resolved:
        return thread
    thread.resolved_at, thread.resolved_by, thread.resolved_by_name = None, None, ""
    thread.save(update_fields=["resolved_at", "resolved_by", "resolved_by_name"])
    _record(Kind.THREAD_REOPENED, share, user, {"question": thread.question_key, "side": side})
    return thread

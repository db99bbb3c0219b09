"""A recipient's review of a shared submission: a round per submission, a mark per question.

A reviewer share gets a round for each submission it covers, opened by the reviewer's first
mark. The reviewer marks the questions the share shows (ok, needs change, needs
clarification), then requests changes or accepts. Acceptance names the integrity hash it
accepted: a later submission never inherits it. When the grantee submits again, marks on
questions whose answer did not change carry over to the new round (services/reviews.py).

Comment threads are per share and question: a thread belongs to one share, hence to one
recipient, so that funders never see each other's. A thread row carries the state (resolved
or open); its comments are the conversation between the owner organisation and that recipient
(services/comments.py).
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .people import User
from .sharing import Share
from .submissions import Submission

NOTE_LENGTH = 2000
COMMENT_LENGTH = 2000


class ReviewRound(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("In review")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        ACCEPTED = "accepted", _("Accepted")

    share = models.ForeignKey(Share, on_delete=models.CASCADE, related_name="rounds")
    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="review_rounds"
    )
    status = models.CharField(_("status"), max_length=24, choices=Status, default=Status.OPEN)
    note = models.TextField(_("note"), blank=True, max_length=NOTE_LENGTH)
    # The hash of what was accepted, as the report prints it: the acceptance is of that
    # submission, never of a later one.
    accepted_hash = models.CharField(_("hash accepted"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("opened at"), default=timezone.now)
    decided_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by_name = models.CharField(max_length=300, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("review round")
        verbose_name_plural = _("review rounds")
        constraints = [
            models.UniqueConstraint(
                fields=["share", "submission"], name="one_round_per_submission"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="accepted") | ~models.Q(accepted_hash=""),
                name="acceptance_names_its_hash",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.share} #{self.submission.number}: {self.status}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    def get_status_display(self) -> str:
        return str(dict(self.Status.choices).get(self.status, self.status))


class ReviewMark(models.Model):
    class Mark(models.TextChoices):
        OK = "ok", _("OK")
        NEEDS_CHANGE = "needs_change", _("Needs change")
        NEEDS_CLARIFICATION = "needs_clarification", _("Needs clarification")

    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="marks")
    question_key = models.CharField(_("question"), max_length=16)
    mark = models.CharField(_("mark"), max_length=24, choices=Mark)
    note = models.TextField(_("note"), blank=True, max_length=NOTE_LENGTH)
    # Copied from the round of an earlier submission, the answer being the same.
    carried_from = models.PositiveIntegerField(_("carried over from submission"), null=True)
    updated_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("review mark")
        verbose_name_plural = _("review marks")
        constraints = [
            models.UniqueConstraint(fields=["round", "question_key"], name="one_mark_per_question"),
            models.CheckConstraint(
                condition=models.Q(mark__in=["ok", "needs_change", "needs_clarification"]),
                name="review_mark_is_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question_key}: {self.mark}"

    @property
    def asks_for_work(self) -> bool:
        return self.mark != self.Mark.OK

    def get_mark_display(self) -> str:
        return str(dict(self.Mark.choices).get(self.mark, self.mark))


class CommentThread(models.Model):
    """The conversation on one question under one share; open until someone resolves it."""

    share = models.ForeignKey(Share, on_delete=models.CASCADE, related_name="threads")
    question_key = models.CharField(_("question"), max_length=16)
    created_at = models.DateTimeField(_("started at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_by_name = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("comment thread")
        verbose_name_plural = _("comment threads")
        constraints = [
            models.UniqueConstraint(
                fields=["share", "question_key"], name="one_thread_per_question"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.share} {self.question_key}"

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None


class Comment(models.Model):
    class Side(models.TextChoices):
        OWNER = "owner", _("Owner organisation")
        RECIPIENT = "recipient", _("Recipient")

    thread = models.ForeignKey(CommentThread, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Kept when the account is deleted.
    author_name = models.CharField(_("author"), max_length=300)
    author_side = models.CharField(_("side"), max_length=16, choices=Side)
    # Emptied when its author deletes the comment: the thread keeps a line in its place, so that
    # the replies after it keep their sense.
    body = models.TextField(_("comment"), max_length=COMMENT_LENGTH, blank=True)
    created_at = models.DateTimeField(_("written at"), default=timezone.now)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(author_side__in=["owner", "recipient"]),
                name="comment_side_is_known",
            ),
            # A comment has its text until it is deleted, and none after.
            models.CheckConstraint(
                condition=(
                    models.Q(deleted_at__isnull=True) & ~models.Q(body="")
                    | models.Q(deleted_at__isnull=False, body="")
                ),
                name="comment_text_until_deleted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author_name}: {self.body[:40]}"

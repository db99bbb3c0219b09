"""Sharing a project's submissions with another organisation: a funder, a buyer.

A share is consented on both sides: the owner organisation offers it to an e-mail address, and
an owner of the receiving organisation accepts it before anything reaches them. It is limited
in detail (summary, chosen sections, or full), in scope (one submission, or that submission and
every later one of the project) and in time (an expiry date is required); the owner may revoke
it at any moment. What each detail level shows is decided in one place, checklists/sharing.py;
who may open a share, in checklists/access.py, whose query leaves out revoked and expired
shares, so that their next request is refused without any job having to run first.
"""

import secrets
from datetime import timedelta

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .people import Organisation, User
from .projects import Project
from .submissions import Submission

# Letters and digits that cannot be mistaken for one another when copied from a printed page.
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
REFERENCE_LENGTH = 12


def new_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


class Cohort(models.Model):
    """A funder's programme ("Worker Voice Fund 2027"): grantees join it with a code and share
    a submission on its terms, which they may lower but never raise."""

    funder = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="cohorts")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("what it is for"), blank=True, max_length=2000)
    detail = models.CharField(_("detail asked for"), max_length=16, default="summary")
    sections = models.JSONField(_("sections asked for"), default=list, blank=True)
    role = models.CharField(_("role asked for"), max_length=16, default="reviewer")
    term_days = models.PositiveIntegerField(_("shares last (days)"), default=365)
    join_code = models.CharField(
        _("join code"), max_length=16, unique=True, default=new_reference, editable=False
    )
    is_open = models.BooleanField(_("open to new grantees"), default=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["funder", "name"], name="unique_cohort_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_detail_display(self) -> str:
        return str(dict(Share.Detail.choices).get(self.detail, self.detail))

    def get_role_display(self) -> str:
        return str(dict(Share.Role.choices).get(self.role, self.role))

    @property
    def join_code_display(self) -> str:
        return "-".join(self.join_code[i : i + 4] for i in range(0, len(self.join_code), 4))


class Share(models.Model):
    DEFAULT_TERM = timedelta(days=365)
    LONGEST_TERM = timedelta(days=3 * 365)

    class Detail(models.TextChoices):
        # In increasing order: sharing.py relies on it to compare levels.
        SUMMARY = "summary", _("Summary")
        SECTIONS = "sections", _("Chosen sections")
        FULL = "full", _("Full")

    class Role(models.TextChoices):
        VIEWER = "viewer", _("Viewer")
        REVIEWER = "reviewer", _("Reviewer")

    class Status(models.TextChoices):
        OFFERED = "offered", _("Offered, waiting for acceptance")
        ACTIVE = "active", _("Active")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Offer withdrawn")
        REVOKED = "revoked", _("Revoked")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="shares")
    # Printed on the files made under the share: the public verify page tells from it whether
    # the share still stands, without saying anything else.
    reference = models.CharField(
        _("reference"), max_length=16, unique=True, default=new_reference, editable=False
    )
    submission = models.ForeignKey(
        Submission,
        on_delete=models.CASCADE,
        related_name="shares",
        verbose_name=_("submission"),
        help_text=_("The submission shared; with follows_later, the first one shared."),
    )
    follows_later = models.BooleanField(
        _("later submissions too"),
        default=False,
        help_text=_("Also share every later submission of the project, as it is submitted."),
    )
    recipient_email = models.EmailField(
        _("offered to"), help_text=_("Someone who owns the receiving organisation.")
    )
    recipient = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="shares_received",
        verbose_name=_("shared with"),
    )
    # Set when the share was made by joining a funder's cohort.
    cohort = models.ForeignKey(
        Cohort, on_delete=models.SET_NULL, null=True, blank=True, related_name="shares"
    )
    detail = models.CharField(_("detail"), max_length=16, choices=Detail, default=Detail.SUMMARY)
    # Section keys, for the "sections" detail only.
    sections = models.JSONField(_("sections shared"), default=list, blank=True)
    role = models.CharField(_("role"), max_length=16, choices=Role, default=Role.VIEWER)
    message = models.TextField(_("message"), blank=True, max_length=1000)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.OFFERED)
    expires_at = models.DateTimeField(_("expires"))
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("offered by")
    )
    created_at = models.DateTimeField(_("offered at"), default=timezone.now)
    decided_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted or declined by"),
    )
    decided_at = models.DateTimeField(_("accepted or declined at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked or withdrawn by"),
    )
    ended_at = models.DateTimeField(_("revoked or withdrawn at"), null=True, blank=True)

    class EndReason(models.TextChoices):
        NONE = "", _("Ended by a member")
        OWNER_DELETED = "owner_deleted", _("Withdrawn by the owner, who deleted its data")

    end_reason = models.CharField(
        _("why it ended"), max_length=16, choices=EndReason, default="", blank=True
    )

    class Meta:
        verbose_name = _("share")
        verbose_name_plural = _("shares")
        ordering = ["-created_at"]
        indexes = [
            # The access query: a recipient's live shares.
            models.Index(fields=["recipient", "status", "expires_at"], name="share_recipient_live"),
            models.Index(fields=["recipient_email", "status"], name="share_offers_waiting"),
        ]
        constraints = [
            # An accepted share names its recipient; an offer may not know it yet.
            models.CheckConstraint(
                condition=~Q(status="active") | Q(recipient__isnull=False),
                name="active_share_has_recipient",
            ),
            models.CheckConstraint(
                condition=Q(detail__in=["summary", "sections", "full"]),
                name="share_detail_is_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} → {self.recipient or self.recipient_email}"

    @property
    def reference_display(self) -> str:
        return "-".join(self.reference[i : i + 4] for i in range(0, len(self.reference), 4))

    @property
    def is_expired(self) -> bool:
        # Worked out when asked, never by a job: an expired share is gone at once.
        return self.expires_at <= timezone.now()

    @property
    def is_live(self) -> bool:
        return self.status == self.Status.ACTIVE and not self.is_expired

    @property
    def is_waiting(self) -> bool:
        return self.status == self.Status.OFFERED and not self.is_expired

    # One label translated rather than every choice (see Project.get_sector_display).

    def get_detail_display(self) -> str:
        return str(dict(self.Detail.choices).get(self.detail, self.detail))

    def get_role_display(self) -> str:
        return str(dict(self.Role.choices).get(self.role, self.role))

    def get_status_display(self) -> str:
        if self.status == self.Status.ACTIVE and self.is_expired:
            return str(_("Expired"))
        if self.status == self.Status.OFFERED and self.is_expired:
            return str(_("Offer expired"))
        return str(dict(self.Status.choices).get(self.status, self.status))


class ShareRequest(models.Model):
    """An organisation asks another's owner for a share, saying why. The owner chooses the
    submission and may lower the detail or shorten the term, never raise them."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for an answer")
        GRANTED = "granted", _("Granted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    requester = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="share_requests"
    )
    requested_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    to_email = models.EmailField(_("asked of"))
    purpose = models.TextField(_("purpose"), max_length=1000)
    detail = models.CharField(_("detail asked for"), max_length=16, default="summary")
    sections = models.JSONField(_("sections asked for"), default=list, blank=True)
    role = models.CharField(_("role asked for"), max_length=16, default="viewer")
    expires_at = models.DateTimeField(_("until"))
    status = models.CharField(max_length=16, choices=Status, default=Status.WAITING)
    share = models.OneToOneField(
        Share, on_delete=models.SET_NULL, null=True, blank=True, related_name="request"
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("share request")
        verbose_name_plural = _("share requests")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["to_email", "status"], name="share_requests_waiting")]

    def __str__(self) -> str:
        return f"{self.requester} → {self.to_email}"

    @property
    def is_waiting(self) -> bool:
        return self.status == self.Status.WAITING and self.expires_at > timezone.now()

    def get_detail_display(self) -> str:
        return str(dict(Share.Detail.choices).get(self.detail, self.detail))

    def get_role_display(self) -> str:
        return str(dict(Share.Role.choices).get(self.role, self.role))


class CohortMilestone(models.Model):
    """A submission a funder asks of its cohort's grantees by a date: "an endline by 30 June".
    Each grantee sharing with the cohort sees it as a to-do until a submission it shares with
    the cohort carries that milestone."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="milestones")
    milestone = models.CharField(
        _("milestone"), max_length=16, choices=Submission.Milestone.choices
    )
    due_date = models.DateField(_("due by"))
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("milestone requested")
        verbose_name_plural = _("milestones requested")
        ordering = ["due_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "milestone"], name="one_request_per_milestone"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cohort}: {self.milestone} by {self.due_date}"

    def get_milestone_display(self) -> str:
        return str(dict(Submission.Milestone.choices).get(self.milestone, self.milestone))

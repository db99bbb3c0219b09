"""Working together: invitations, and per-project grants to people outside the organisation."""

from datetime import timedelta

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from .people import Membership, Organisation, User
from .projects import Project


class Invitation(models.Model):
    """An invitation by e-mail: to join an organisation with a role, or, when it names a project,
    to work on that project alone as a collaborator.

    The link carries a random token; only its SHA-256 is stored, so a copy of the database
    cannot be used to accept anyone's invitation. An invitation is for one address: it is
    accepted only by an account with that address.
    """

    VALID_FOR = timedelta(days=14)

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invitations",
        help_text=_("Set for a collaborator on this project alone."),
    )
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=16, choices=Membership.Role)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.PENDING)
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("invited by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    last_sent_at = models.DateTimeField(_("last sent at"), default=timezone.now)
    send_count = models.PositiveSmallIntegerField(_("times sent"), default=1)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted, declined or cancelled by"),
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            # One live invitation per address and place: resending reuses it.
            models.UniqueConstraint(
                fields=["organisation", "email"],
                condition=Q(status="pending", project__isnull=True),
                name="one_pending_invitation_per_organisation",
            ),
            models.UniqueConstraint(
                fields=["project", "email"],
                condition=Q(status="pending", project__isnull=False),
                name="one_pending_invitation_per_project",
            ),
            # A collaborator edits or views; owning is for members.
            models.CheckConstraint(
                condition=Q(project__isnull=True) | ~Q(role="owner"),
                name="collaborators_are_not_owners",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_role_display()}, {self.project or self.organisation})"

    @property
    def is_expired(self) -> bool:
        # Worked out when asked, never by a job: an expired link says so at once.
        return self.status == self.Status.PENDING and self.expires_at <= timezone.now()

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.PENDING and not self.is_expired


class ProjectUserObjectPermission(UserObjectPermissionBase):
    """django-guardian's per-object grant, with a real foreign key to the project: grants are
    found with a join rather than a text match, and go with the project when it is deleted."""

    content_object = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="grants")
    created_at = models.DateTimeField(_("granted at"), default=timezone.now)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("project grant")
        verbose_name_plural = _("project grants")


class ProjectGroupObjectPermission(GroupObjectPermissionBase):
    """Guardian asks for a group table beside the user one; westcheck grants to people only."""

    content_object = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("project group grant")
        verbose_name_plural = _("project group grants")

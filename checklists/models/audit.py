"""The audit trail: who did what, when, in which organisation. Rows are only ever added.

The database itself refuses to change or delete an event (triggers, installed by the migration
that creates the table, on SQLite and PostgreSQL alike), and each organisation's events form a
hash chain that `manage.py verify_audit` recomputes: an event edited behind the app's back
breaks the chain at that event.

References to projects, assessments and people are kept without foreign-key constraints:
deleting a project must not delete (or be blocked by) the record of what happened to it.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .people import Organisation, User
from .projects import Assessment, Project


class AuditEvent(models.Model):
    class Kind(models.TextChoices):
        ORGANISATION_CREATED = "organisation.created", _("Organisation created")
        ORGANISATION_CHANGED = "organisation.changed", _("Organisation renamed or changed")
        MEMBER_INVITED = "member.invited", _("Invitation sent")
        INVITATION_RESENT = "invitation.resent", _("Invitation sent again")
        INVITATION_CANCELLED = "invitation.cancelled", _("Invitation cancelled")
        INVITATION_DECLINED = "invitation.declined", _("Invitation declined")
        MEMBER_JOINED = "member.joined", _("Member joined")
        MEMBER_ROLE_CHANGED = "member.role_changed", _("Role changed")
        MEMBER_REMOVED = "member.removed", _("Member removed")
        MEMBER_LEFT = "member.left", _("Member left")
        COLLABORATOR_GRANTED = "collaborator.granted", _("Collaborator given access")
        COLLABORATOR_REVOKED = "collaborator.revoked", _("Collaborator's access removed")
        PROJECT_CREATED = "project.created", _("Project created")
        PROJECT_CHANGED = "project.changed", _("Project changed")
        PROJECT_DELETED = "project.deleted", _("Project deleted")
        ASSESSMENT_STARTED = "assessment.started", _("Assessment started")
        FOLLOW_UP_STARTED = "assessment.followed_up", _("Follow-up started")
        ANSWER_CHANGED = "answer.changed", _("Answer changed")
        ASSESSMENT_SUBMITTED = "assessment.submitted", _("Assessment submitted")
        ACTION_PLANNED = "action.planned", _("Action planned")
        ACTION_CLEARED = "action.cleared", _("Action cleared")
        EXPORT_DOWNLOADED = "export.downloaded", _("Answers downloaded")
        REPORT_DOWNLOADED = "report.downloaded", _("Report PDF downloaded")
        ACTIVITY_EXPORTED = "activity.exported", _("Activity downloaded")
        SHARE_OFFERED = "share.offered", _("Share offered")
        SHARE_ACCEPTED = "share.accepted", _("Share accepted")
        SHARE_DECLINED = "share.declined", _("Share declined")
        SHARE_WITHDRAWN = "share.withdrawn", _("Share offer withdrawn")
        SHARE_REVOKED = "share.revoked", _("Share revoked")
        SHARE_EXTENDED = "share.extended", _("Share extended")
        SHARE_VIEWED = "share.viewed", _("Shared submission viewed")
        SHARE_DOWNLOADED = "share.downloaded", _("Shared submission downloaded")
        SHARE_GRANTED = "share.granted", _("Share granted")
        SHARE_REQUESTED = "share.requested", _("Share requested")
        SHARE_REQUEST_DECLINED = "share.request_declined", _("Share request declined")
        SHARE_REQUEST_WITHDRAWN = "share.request_withdrawn", _("Share request withdrawn")
        COHORT_CREATED = "cohort.created", _("Cohort created")
        COHORT_CHANGED = "cohort.changed", _("Cohort changed")
        REVIEW_MARKED = "review.marked", _("Review marks saved")
        REVIEW_CHANGES_REQUESTED = "review.changes_requested", _("Changes requested by a reviewer")
        REVIEW_ACCEPTED = "review.accepted", _("Submission accepted by a reviewer")
        COMMENT_ADDED = "comment.added", _("Comment added")
        COMMENT_EDITED = "comment.edited", _("Comment edited")
        COMMENT_DELETED = "comment.deleted", _("Comment deleted")
        THREAD_RESOLVED = "comment.resolved", _("Comment thread resolved")
        THREAD_REOPENED = "comment.reopened", _("Comment thread reopened")
        EVIDENCE_UPLOADED = "evidence.uploaded", _("Evidence file uploaded")
        EVIDENCE_DOWNLOADED = "evidence.downloaded", _("Evidence file downloaded")
        EVIDENCE_DELETED = "evidence.deleted", _("Evidence file deleted")
        EVIDENCE_TRASHED = "evidence.trashed", _("Evidence file moved to the trash")
        EVIDENCE_RESTORED = "evidence.restored", _("Evidence file restored from the trash")
        EVIDENCE_PURGED = "evidence.purged", _("Evidence file purged")
        DATA_EXPORT_REQUESTED = "data.export_requested", _("Archive of all data asked for")
        DATA_EXPORT_DOWNLOADED = "data.export_downloaded", _("Archive of all data downloaded")
        DELETION_SCHEDULED = "data.deletion_scheduled", _("Deletion of all data asked for")
        DELETION_CANCELLED = "data.deletion_cancelled", _("Deletion of all data cancelled")

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("organisation"),
    )
    sequence = models.PositiveIntegerField(
        _("sequence"), help_text=_("Position in the organisation's chain of events, from 1.")
    )
    created_at = models.DateTimeField(_("when"))
    kind = models.CharField(_("what"), max_length=32, choices=Kind)
    actor = models.ForeignKey(
        User,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name=_("who"),
    )
    actor_name = models.CharField(_("who, as named then"), max_length=300, blank=True)
    project = models.ForeignKey(
        Project,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("project"),
    )
    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assessment"),
    )
    subject = models.ForeignKey(
        User,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person concerned"),
    )
    data = models.JSONField(_("details"), default=dict, blank=True)
    previous_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["organisation", "-sequence"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "sequence"], name="one_event_per_link")
        ]
        indexes = [
            models.Index(fields=["assessment", "-sequence"], name="audit_by_assessment"),
            models.Index(fields=["project", "-sequence"], name="audit_by_project"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}#{self.sequence} {self.kind}"


class AuditErasure(models.Model):
    """While a row of this table exists, the triggers let audit events be deleted.

    Only the erasure of a whole organisation's data needs that. The row is added and removed
    in the erasing transaction, so no other connection ever sees it (tests that empty the
    database between runs use it the same way).
    """

    reason = models.CharField(_("reason"), max_length=200)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("audit erasure")
        verbose_name_plural = _("audit erasures")

    def __str__(self) -> str:
        return self.reason

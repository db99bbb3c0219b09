"""Evidence files: documents attached to an assessment's answer to one question.

The bytes live in the "evidence" storage (storage.py), under a random name and never at a public
URL; a row says what the file is (told by its content, evidence_files.py), its hash, and the
dates that govern it. A file whose uploader said it holds, or may hold, personal data is
restricted: only the organisation's owners and editors see it (access.py says who).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .checklists import Question
from .people import Organisation, User
from .projects import Assessment


class EvidenceQuerySet(models.QuerySet):
    def live(self):
        """Files in force: neither in the trash nor past their deletion date. A file past its
        date is gone from every list and download on the very next request, before the daily
        job moves it to the trash."""
        return self.filter(trashed_at__isnull=True, retention_until__gte=timezone.localdate())

    def in_trash(self):
        """Files in the trash, or past their deletion date on their way there."""
        return self.filter(
            models.Q(trashed_at__isnull=False) | models.Q(retention_until__lt=timezone.localdate())
        )


class EvidenceFile(models.Model):
    class PersonalData(models.TextChoices):
        NO = "no", _("No")
        YES = "yes", _("Yes")
        NOT_SURE = "not_sure", _("Not sure")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )
    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        related_name="evidence_files",
        verbose_name=_("assessment"),
    )
    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, related_name="+", verbose_name=_("question")
    )
    name = models.CharField(_("name"), max_length=160)
    kind = models.CharField(_("kind"), max_length=16)
    content_type = models.CharField(_("content type"), max_length=120)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    stored_name = models.CharField(_("stored name"), max_length=200, unique=True)
    personal_data = models.CharField(
        _("contains personal data"), max_length=16, choices=PersonalData
    )
    about_from = models.DateField(_("about the period from"), null=True, blank=True)
    about_until = models.DateField(_("about the period until"), null=True, blank=True)
    stale_on = models.DateField(_("to refresh by"), null=True, blank=True)
    retention_until = models.DateField(_("delete on"))
    uploaded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    # Past its deletion date, a file goes to the trash: out of every list and download at once,
    # restorable for TRASH_DAYS, then purged (services/evidence.py).
    trashed_at = models.DateTimeField(_("moved to the trash at"), null=True, blank=True)
    # Owners and editors are told once when a file's refresh date comes (the daily job).
    stale_reminded_at = models.DateTimeField(_("refresh reminder sent at"), null=True, blank=True)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["uploaded_at", "pk"]
        indexes = [
            models.Index(fields=["assessment", "question"], name="evidence_answer_idx"),
            models.Index(fields=["retention_until"], name="evidence_retention_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_stale(self) -> bool:
        """Past the day its uploader said it would be out of date."""
        return self.stale_on is not None and self.stale_on <= timezone.localdate()

    @property
    def restricted(self) -> bool:
        """Anything but a plain "no" to personal data keeps the file inside the team."""
        return self.personal_data != self.PersonalData.NO


class EvidenceTombstone(models.Model):
    """What is left of a deleted evidence file: enough to say that a file with this hash was
    there and why it went, nothing of its content or name (which may hold personal data)."""

    class Reason(models.TextChoices):
        RETENTION = "retention", _("Its deletion date passed")
        DELETED = "deleted", _("Deleted by a member")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )
    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        related_name="evidence_tombstones",
        verbose_name=_("assessment"),
    )
    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, related_name="+", verbose_name=_("question")
    )
    file_id = models.PositiveBigIntegerField(_("file number"), unique=True)
    kind = models.CharField(_("kind"), max_length=16)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded at"))
    deleted_at = models.DateTimeField(_("deleted at"))
    deleted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("deleted by")
    )
    reason = models.CharField(_("why"), max_length=16, choices=Reason)

    class Meta:
        verbose_name = _("deleted evidence file")
        verbose_name_plural = _("deleted evidence files")

    def __str__(self) -> str:
        return f"{self.kind} {self.sha256[:12]}"

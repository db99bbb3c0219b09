"""An organisation's rights over its data: an archive of everything it holds here."""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .people import Organisation, User


class DataExportQuerySet(models.QuerySet):
    def downloadable(self):
        """Archives built and not yet expired. Expiry is part of the query: an archive is gone
        from the page and its link at the very moment its seven days end, before the daily job
        deletes the stored object."""
        return self.filter(status=DataExport.Status.READY, expires_at__gt=timezone.now())


class DataExport(models.Model):
    """One archive of all of an organisation's data, built by a task, kept for KEPT_FOR.

    The archive lives in the "exports" storage under a random name, never at a public URL.
    """

    KEPT_FOR = timedelta(days=7)

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        BUILDING = "building", _("Being built")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Deleted after 7 days")

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="data_exports",
        verbose_name=_("organisation"),
    )
    requested_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("asked by")
    )
    requested_at = models.DateTimeField(_("asked for at"), default=timezone.now)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.QUEUED)
    # Steps done out of steps to do: each assessment's data and report, and each file.
    done = models.PositiveIntegerField(_("steps done"), default=0)
    total = models.PositiveIntegerField(_("steps"), default=0)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("available until"), null=True, blank=True)
    stored_name = models.CharField(_("stored name"), max_length=200, blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)

    objects = DataExportQuerySet.as_manager()

    class Meta:
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            # One archive in the making at a time per organisation: asking twice does not
            # build two.
            models.UniqueConstraint(
                fields=["organisation"],
                condition=models.Q(status__in=("queued", "building")),
                name="one_export_in_progress",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.requested_at:%Y-%m-%d %H:%M}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.READY:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.BUILDING)

    @property
    def is_downloadable(self) -> bool:
        return (
            self.status == self.Status.READY
            and self.expires_at is not None
            and self.expires_at > timezone.now()
        )

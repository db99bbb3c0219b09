"""News of shares, reviews and comments waiting for a person's daily digest."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .people import User


class Notice(models.Model):
    """One e-mail that would have been sent at once, kept for the next digest instead."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notices")
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"))
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        indexes = [models.Index(fields=["sent_at", "user"], name="notices_to_send")]

    def __str__(self) -> str:
        return self.subject

"""What is counted to limit the e-mails anyone may have the site send."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MailAttempt(models.Model):
    """One e-mail asked for by someone not signed in (a sign-up, a password reset), counted
    against its address and against the network it was asked from.

    `key` is a keyed hash (services.limits) of the purpose and the address or the network,
    never the address itself: the count needs to tell attempts apart, not to know who made
    them. Rows older than the window are deleted as new ones come.
    """

    key = models.CharField(_("key"), max_length=64)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("e-mail attempt")
        verbose_name_plural = _("e-mail attempts")
        indexes = [
            models.Index(fields=["key", "at"], name="mail_attempts_by_key"),
            models.Index(fields=["at"], name="mail_attempts_by_time"),
        ]

    def __str__(self) -> str:
        return f"{self.key[:8]} {self.at:%Y-%m-%d %H:%M}"

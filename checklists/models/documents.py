"""Documents rendered once and served as stored."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RenderedDocument(models.Model):
    """A document rendered once and then served as stored, such as a blank checklist PDF.

    The key is a hash of everything the bytes depend on, so a row is never out of date: a new
    checklist version, language, template, stylesheet or renderer gives a new key. Rows whose
    key is no longer asked for can be deleted at any time; they would be rendered again.
    """

    key = models.CharField(
        _("key"),
        max_length=64,
        unique=True,
        help_text=_("SHA-256 of everything the content depends on."),
    )
    content = models.BinaryField(_("content"))
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size"), help_text=_("In bytes."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("rendered document")
        verbose_name_plural = _("rendered documents")

    def __str__(self) -> str:
        return f"{self.key[:12]} ({self.content_type}, {self.size} bytes)"

"""Published checklist versions, as loaded from their fixtures and never changed."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChecklistVersion(models.Model):
    """One published version of a checklist, loaded from a fixture file and never changed.

    The whole validated document is kept in `document`, so that the scoring rules an old
    assessment was judged by stay exactly as they were published. Sections and questions are
    also stored as rows, because answers point at them.
    """

    slug = models.SlugField(_("checklist"), max_length=100)
    version = models.CharField(_("version"), max_length=32)
    title = models.CharField(_("title"), max_length=200)
    subtitle = models.CharField(_("subtitle"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=16)
    document = models.JSONField(_("document"), help_text=_("The validated fixture, as loaded."))
    content_hash = models.CharField(
        _("content hash"), max_length=64, help_text=_("SHA-256 of the document's canonical JSON.")
    )
    source_file = models.CharField(_("source file"), max_length=255, blank=True)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("checklist version")
        verbose_name_plural = _("checklist versions")
        ordering = ["slug", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["slug", "version"], name="unique_checklist_version")
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.version})"

    def get_absolute_url(self) -> str:
        from ..links import url

        return url("checklists:version-detail", self.slug, self.version)

    @property
    def content(self) -> dict:
        """The published document: this row's own copy if it was loaded, else the one kept in
        memory per process (see catalog.py), which pages use to skip loading 60 KB of JSON."""
        # What get_deferred_fields() tells, without building the set of every deferred field:
        # this is read for each row of a portfolio.
        if "document" in self.__dict__:
            return self.document
        from ..catalog import catalog

        return catalog(self).document

    @property
    def source(self) -> dict:
        return self.content["source"]

    @property
    def scoring(self) -> dict:
        return self.content["scoring"]

    @property
    def principles(self) -> dict[str, dict]:
        return {p["key"]: p for p in self.content["principles"]}

    @property
    def enablers(self) -> dict[str, dict]:
        return {e["key"]: e for e in self.content["enablers"]}

    @property
    def flags(self) -> dict[str, dict]:
        return {f["key"]: f for f in self.content["flags"]}


class Section(models.Model):
    checklist = models.ForeignKey(
        ChecklistVersion, on_delete=models.CASCADE, related_name="sections"
    )
    key = models.CharField(_("key"), max_length=8)
    position = models.PositiveSmallIntegerField(_("position"))
    title = models.CharField(_("title"), max_length=200)
    intro = models.TextField(_("introduction"), blank=True)

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["checklist", "position"]
        constraints = [
            models.UniqueConstraint(fields=["checklist", "key"], name="unique_section_key"),
            models.UniqueConstraint(
                fields=["checklist", "position"], name="unique_section_position"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key}. {self.title}"


class Question(models.Model):
    class NotApplicable(models.TextChoices):
        NOT_ALLOWED = "not_allowed", _("Not allowed")
        WITH_JUSTIFICATION = "allowed_with_justification", _("Allowed, with a justification")

    checklist = models.ForeignKey(
        ChecklistVersion, on_delete=models.CASCADE, related_name="questions"
    )
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="questions")
    key = models.CharField(_("key"), max_length=8)
    position = models.PositiveSmallIntegerField(
        _("position"), help_text=_("Order within the whole checklist.")
    )
    text = models.TextField(_("text"))
    principles = models.JSONField(_("WEST principles"), default=list)
    enablers = models.JSONField(_("enablers"), default=list)
    flags = models.JSONField(_("gap flags"), default=list)
    critical = models.BooleanField(_("critical"), default=False)
    na = models.CharField(
        _("not applicable"), max_length=32, choices=NotApplicable, default=NotApplicable.NOT_ALLOWED
    )
    evidence = models.JSONField(_("typical evidence"), default=list)
    guidance = models.JSONField(_("guidance"), default=dict)
    applies_if = models.JSONField(_("applies if"), null=True, blank=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["checklist", "position"]
        constraints = [
            models.UniqueConstraint(fields=["checklist", "key"], name="unique_question_key"),
            models.UniqueConstraint(
                fields=["checklist", "position"], name="unique_question_position"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.text}"

    @property
    def na_allowed(self) -> bool:
        return self.na == self.NotApplicable.WITH_JUSTIFICATION

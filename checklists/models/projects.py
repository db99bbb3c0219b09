"""Projects, their assessments, the answers given and the actions planned."""

from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from .. import answer_rules
from .checklists import ChecklistVersion, Question
from .people import Organisation, User


class Project(models.Model):
    """A planned worker-voice deployment, described by the profile the checklist's conditions read."""

    class Sector(models.TextChoices):
        APPAREL = "apparel", _("Apparel, textiles and footwear")
        AGRICULTURE = "agriculture", _("Agriculture and food")
        SEAFOOD = "seafood", _("Fishing and seafood")
        ELECTRONICS = "electronics", _("Electronics")
        MANUFACTURING = "manufacturing", _("Other manufacturing")
        CONSTRUCTION = "construction", _("Construction")
        MINING = "mining", _("Mining and extraction")
        SERVICES = "services", _("Services, hospitality and care")
        OTHER = "other", _("Other")

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        IVR = "ivr", _("Voice response (IVR)")
        HOTLINE = "hotline", _("Hotline")
        SMARTPHONE_APP = "smartphone_app", _("Smartphone app")
        WEB = "web", _("Web")
        SOCIAL_MEDIA = "social_media", _("Social media")
        IN_PERSON = "in_person", _("In person")

    class Stage(models.TextChoices):
        PLANNING = "planning", _("Planning")
        PILOT = "pilot", _("Pilot")
        LIVE = "live", _("Live")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="projects"
    )
    name = models.CharField(_("project name"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    countries = models.CharField(
        _("countries"), max_length=500, help_text=_("Where workers are, separated by commas.")
    )
    sector = models.CharField(_("sector"), max_length=32, choices=Sector)
    channels = models.JSONField(_("channels"), default=list)
    migrant_workers = models.BooleanField(_("migrant workers are involved"), default=False)
    minorities_present = models.BooleanField(
        _("ethnic, racial, religious or other minorities are present"), default=False
    )
    women_share = models.PositiveSmallIntegerField(_("share of women (%)"), null=True, blank=True)
    technology_provider = models.CharField(_("technology provider"), max_length=200, blank=True)
    local_partners = models.CharField(_("local NGOs and partners"), max_length=500, blank=True)
    unions = models.CharField(_("unions and worker organisations"), max_length=500, blank=True)
    stage = models.CharField(_("stage"), max_length=16, choices=Stage, default=Stage.PLANNING)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["organisation", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(women_share__lte=100), name="women_share_is_a_percentage"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from ..links import url

        return url("checklists:project-detail", self.pk)

    @property
    def profile(self) -> dict:
        """The fields a question's `applies_if` condition may read (see content.PROFILE_FIELDS)."""
        return {
            "migrant_workers": self.migrant_workers,
            "minorities_present": self.minorities_present,
            "channels": list(self.channels),
            "stage": self.stage,
        }

    @property
    def country_list(self) -> list[str]:
        return [c.strip() for c in self.countries.split(",") if c.strip()]

    def get_channels_display(self) -> list[str]:
        labels = dict(self.Channel.choices)
        return [str(labels.get(c, c)) for c in self.channels]

    # Django's get_FOO_display() makes every choice hashable to find one, and hashing a lazily
    # translated label translates it: a dozen translations for one label. These translate one.

    def get_sector_display(self) -> str:
        return str(dict(self.Sector.choices).get(self.sector, self.sector))

    def get_stage_display(self) -> str:
        return str(dict(self.Stage.choices).get(self.stage, self.stage))


class Assessment(models.Model):
    """One pass through one pinned checklist version for one project."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="assessments")
    checklist = models.ForeignKey(
        ChecklistVersion,
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("checklist version"),
    )
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.DRAFT)
    started_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("started by")
    )
    copied_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("copied from"),
    )
    last_section = models.CharField(_("last section visited"), max_length=8, blank=True)
    profile_snapshot = models.JSONField(
        _("project profile when submitted"),
        null=True,
        blank=True,
        help_text=_("Which questions applied is frozen with the answers at submission."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-created_at"]
        permissions = [
            # Granted per object through django-guardian when an assessment is shared.
            ("review_assessment", _("Can review, comment and accept the assessment")),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from ..links import url

        return url("checklists:assessment-detail", self.pk)

    @cached_property
    def submitter_name(self) -> str:
        """The name of who submitted it; the access helper loads it with the assessment."""
        return self.submitted_by.name if self.submitted_by_id else ""

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED

    @property
    def profile(self) -> dict:
        """The profile that decides which questions apply: frozen once submitted."""
        if self.is_submitted and self.profile_snapshot is not None:
            return self.profile_snapshot
        return self.project.profile


class Answer(models.Model):
    """The team's answer to one question; no row means the question is unanswered."""

    # An answer's limits are declared with its other rules (answer_rules.py).
    MAX_JUSTIFICATION = answer_rules.MAX_JUSTIFICATION
    MAX_NOTE = answer_rules.MAX_NOTE
    MAX_LINKS = answer_rules.MAX_LINKS

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    rating = models.CharField(
        _("rating"),
        max_length=32,
        blank=True,
        help_text=_("A key of the version's rating scale, not_applicable, or empty."),
    )
    na_justification = models.TextField(
        _("why it does not apply"), blank=True, max_length=MAX_JUSTIFICATION
    )
    evidence_note = models.TextField(_("evidence"), blank=True, max_length=MAX_NOTE)
    evidence_links = models.JSONField(_("evidence links"), default=list, blank=True)
    answered_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("answered by")
    )
    answered_at = models.DateTimeField(_("answered at"), auto_now=True)
    revision = models.PositiveIntegerField(
        _("revision"), default=1, help_text=_("Raised on every change; refuses stale saves.")
    )

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "question"], name="unique_answer")
        ]

    def __str__(self) -> str:
        return f"{self.question.key}: {self.rating or '-'}"

    @cached_property
    def answerer_name(self) -> str:
        """The name of who gave this answer; pages load it with the answers (selectors.py)."""
        return self.answered_by.name if self.answered_by_id else ""

    @property
    def has_evidence(self) -> bool:
        return bool(self.evidence_note.strip() or self.evidence_links)


class Action(models.Model):
    """The team's plan to close one gap: who, by when, how far along.

    Gaps are computed from the answers; an Action row exists only once someone has planned the
    work, and it survives submission because the follow-up happens after the assessment.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("Under way")
        DONE = "done", _("Done")

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="actions")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    owner = models.CharField(
        _("owner"),
        max_length=200,
        blank=True,
        help_text=_("Who is responsible: a person or a partner."),
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.OPEN)
    updated_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("updated by")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "question"], name="unique_action")
        ]

    def __str__(self) -> str:
        return f"{self.question.key}: {self.get_status_display()}"

"""The westcheck domain: people, and (in later modules) checklists and assessments."""

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as BaseUserManager
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from .accounts import normalise_email


class UserManager(BaseUserManager):
    """Create users identified by e-mail address; there is no user name."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=normalise_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, email):
        # People do not always type an address the way it was stored, and accounts made in
        # the admin may be stored in mixed case.
        return self.get(email__iexact=normalise_email(email))

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in with an e-mail address.

    People are invited to organisations by e-mail, so the address is the
    identity; a separate user name would only be one more thing to forget.
    """

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("e-mail address"), unique=True)
    name = models.CharField(
        _("name"), max_length=150, help_text=_("How colleagues will see you in the app.")
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.name or self.email

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name


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
        from .links import url

        return url("checklists:version-detail", self.slug, self.version)

    @property
    def content(self) -> dict:
        """The published document: this row's own copy if it was loaded, else the one kept in
        memory per process (see catalog.py), which pages use to skip loading 60 KB of JSON."""
        if "document" not in self.get_deferred_fields():
            return self.document
        from .catalog import catalog

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


class Organisation(models.Model):
    """A brand, technology provider, funder, NGO or employer whose people use westcheck."""

    class Kind(models.TextChoices):
        BRAND = "brand", _("Brand or buyer")
        TECHNOLOGY_PROVIDER = "technology_provider", _("Technology provider")
        FUNDER = "funder", _("Funder")
        NGO = "ngo", _("NGO or civil society organisation")
        EMPLOYER = "employer", _("Employer or supplier")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind)
    members = models.ManyToManyField(
        User, through="Membership", related_name="organisations", verbose_name=_("members")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A person's role in an organisation; the role decides what they may do with its work."""

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        EDITOR = "editor", _("Editor")
        VIEWER = "viewer", _("Viewer")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role, default=Role.EDITOR)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="unique_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.organisation})"


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
        from .links import url

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
        from .links import url

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

    # An answer's limits, in one place: the form, the services and the file import read them.
    MAX_JUSTIFICATION = 2000
    MAX_NOTE = 5000
    MAX_LINKS = 10

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

"""The westcheck domain: people, and (in later modules) checklists and assessments."""

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    """Create users identified by e-mail address; there is no user name."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, email):
        # Addresses are stored in lower case; people do not always type them that way.
        return self.get(email__iexact=email.strip())

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
        from django.urls import reverse

        return reverse("checklists:version-detail", args=[self.slug, self.version])

    @property
    def source(self) -> dict:
        return self.document["source"]

    @property
    def scoring(self) -> dict:
        return self.document["scoring"]

    @property
    def principles(self) -> dict[str, dict]:
        return {p["key"]: p for p in self.document["principles"]}

    @property
    def enablers(self) -> dict[str, dict]:
        return {e["key"]: e for e in self.document["enablers"]}

    @property
    def flags(self) -> dict[str, dict]:
        return {f["key"]: f for f in self.document["flags"]}


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

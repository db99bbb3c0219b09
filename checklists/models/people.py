"""People and the organisations they work in."""

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as BaseUserManager
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..accounts import normalise_email


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

    # Notifications about shares, reviews and comments: each by e-mail as it happens, or
    # gathered into one message a day (manage.py send_digests).
    daily_digest = models.BooleanField(
        _("one e-mail a day"),
        default=False,
        help_text=_(
            "Gather news of shares, reviews and comments into one e-mail a day rather than one "
            "e-mail each. Invitations and log-in links still come at once."
        ),
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
    # The organisation's retention policy for evidence files: the deletion date every upload
    # starts from, and the latest it may choose (services/evidence.py applies it, within the
    # site's own limits).
    evidence_keep_days = models.PositiveIntegerField(
        _("keep evidence files for at most (days)"),
        default=365,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Each file uploaded is to be deleted this many days later, unless the uploader "
            "chooses an earlier day. Files that may hold personal data are kept for less."
        ),
    )

    # Deleting everything: an owner asks, everything shared with others ends at once, and
    # after a grace period (DELETION_GRACE) every row and file of the organisation is purged
    # unless an owner cancels first (services/data_rights.py).
    deletion_due_at = models.DateTimeField(_("to be deleted at"), null=True, blank=True)
    deletion_requested_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("deletion asked for by"),
    )

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

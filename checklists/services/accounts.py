"""A person's own account: signing up, and changing their name or e-mail address.

Nothing here tells anyone whether an address has an account. Signing up answers the same way
for every address, and the e-mail sent to it says what happens next: a new address gets a link
to finish creating the account, an address that has one gets a note that someone tried to sign
up with it. Changing to another address works the same way, through a link sent there.

The links are signed, not stored: they carry the address (and where to go afterwards), so a
sign-up that is never finished leaves nothing behind, and an account exists only once someone
who reads the address's mail has chosen its password.

An account belongs to no organisation, so these changes are not in any organisation's audit
trail; the person is told by e-mail instead, at the old address when it changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlencode, urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..accounts import normalise_email
from ..models import User

SIGNUP_SALT = "westcheck.accounts.signup"
EMAIL_CHANGE_SALT = "westcheck.accounts.email-change"


def link_days() -> int:
    """How long an e-mailed link works, in days: as long as a password-reset link."""
    return max(1, settings.PASSWORD_RESET_TIMEOUT // (24 * 3600))


def _send(template: str, to: str, context: dict) -> None:
    """One e-mail from email/<template>_subject.txt and email/<template>.txt (queued)."""
    context = {"days": link_days(), **context}
    subject = render_to_string(f"email/{template}_subject.txt", context).strip()
    body = render_to_string(f"email/{template}.txt", context)
    send_mail(subject, body, None, [to])


def _absolute(site: str, path: str) -> str:
    return site.rstrip("/") + path


@dataclass(frozen=True)
class LinkProblem:
    """Why an e-mailed link cannot be used. `gone` when it was good, but is too old or was used
    already; `next_url`, where a sign-up link was to lead, for the log-in link offered instead."""

    message: str
    gone: bool = False
    next_url: str = ""


def _read_link(token: str, salt: str) -> dict | LinkProblem:
    try:
        data = signing.loads(token, salt=salt, max_age=settings.PASSWORD_RESET_TIMEOUT)
    except signing.SignatureExpired:
        return LinkProblem(
            ngettext(
                "This link has expired: links work for %(days)d day.",
                "This link has expired: links work for %(days)d days.",
                link_days(),
            )
            % {"days": link_days()},
            gone=True,
        )
    except signing.BadSignature:
        return LinkProblem(_("This link is not valid. Check that you copied all of it."))
    if not isinstance(data, dict):
        return LinkProblem(_("This link is not valid. Check that you copied all of it."))
    return data


# --- Signing up ----------------------------------------------------------------------------


def signup_request(*, email: str, site: str, next_url: str = "") -> None:
    """Send the address the e-mail that signing up with it calls for; store nothing.

    `site` is the scheme and host links start with; `next_url`, already checked to be one of
    ours, is where the person goes once the account exists (an invitation, for example).
    """
    email = normalise_email(email)
    existing = User.objects.filter(email__iexact=email).first()
    if existing is None:
        token = signing.dumps({"email": email, "next": next_url}, salt=SIGNUP_SALT, compress=True)
        _send("signup", email, {"link": _absolute(site, reverse("signup-finish", args=[token]))})
        return
    if not existing.is_active:
        # A switched-off account can neither log in nor reset its password: nothing to offer.
        return
    login = reverse("login")
    if next_url:
        login += "?" + urlencode({"next": next_url})
    reset = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(existing.pk)),
            "token": default_token_generator.make_token(existing),
        },
    )
    _send(
        "signup_existing",
        existing.email,
        {"login_link": _absolute(site, login), "reset_link": _absolute(site, reset)},
    )


@dataclass(frozen=True)
class SignupLink:
    email: str
    next_url: str


def signup_link(token: str) -> SignupLink | LinkProblem:
    """What a sign-up link is for, or why it cannot be used."""
    data = _read_link(token, SIGNUP_SALT)
    if isinstance(data, LinkProblem):
        return data
    email = data.get("email")
    if not isinstance(email, str) or not email:
        return LinkProblem(_("This link is not valid. Check that you copied all of it."))
    next_url = data.get("next")
    next_url = next_url if isinstance(next_url, str) else ""
    if User.objects.filter(email__iexact=email).exists():
        return LinkProblem(
            _("An account with this address exists already: log in with it."),
            gone=True,
            next_url=next_url,
        )
    return SignupLink(email=email, next_url=next_url)


@transaction.atomic
def signup_complete(*, email: str, name: str, password: str) -> User:
    """Create the account of a sign-up link's address, with the name and password chosen."""
    email = normalise_email(email)
    taken = ValidationError(_("An account with this address exists already: log in with it."))
    if User.objects.filter(email__iexact=email).exists():
        raise taken
    try:
        # A savepoint: when two tabs finish the same sign-up at once, the loser's failed
        # insert must not break the transaction it runs in.
        with transaction.atomic():
            return User.objects.create_user(email=email, password=password, name=name)
    except IntegrityError:
        raise taken from None


# --- Name and e-mail address -----------------------------------------------------------------


@transaction.atomic
def account_rename(*, user: User, name: str) -> User:
    user.name = name.strip()
    if not user.name:
        raise ValidationError({"name": _("Give your name.")})
    user.full_clean(validate_unique=False, validate_constraints=False)
    user.save(update_fields=["name"])
    return user


def email_change_request(*, user: User, new_email: str, site: str) -> None:
    """Send the new address a link that makes the change, or, when the address already has an
    account, a note that it was not changed. The person asking is told the same either way."""
    new_email = normalise_email(new_email)
    if User.objects.filter(email__iexact=new_email).exclude(pk=user.pk).exists():
        _send("email_taken", new_email, {"login_link": _absolute(site, reverse("login"))})
        return
    token = signing.dumps(
        {"user": user.pk, "old": normalise_email(user.email), "new": new_email},
        salt=EMAIL_CHANGE_SALT,
        compress=True,
    )
    _send(
        "email_change",
        new_email,
        {
            "user": user,
            "link": _absolute(site, reverse("account-email-confirm", args=[token])),
        },
    )


@dataclass(frozen=True)
class EmailChange:
    user_pk: int
    old: str
    new: str


def email_change_link(token: str, user: User) -> EmailChange | LinkProblem:
    """The change an e-mailed link makes to this person's account, or why it cannot."""
    data = _read_link(token, EMAIL_CHANGE_SALT)
    if isinstance(data, LinkProblem):
        return data
    change = EmailChange(data.get("user"), data.get("old"), data.get("new"))
    if change.user_pk != user.pk:
        return LinkProblem(
            _("This link is for another account. Log in with the account that asked for it.")
        )
    if change.old != normalise_email(user.email):
        return LinkProblem(_("Your address has changed since this link was sent."))
    return change


@transaction.atomic
def email_change_confirm(*, user: User, change: EmailChange) -> User:
    """Give the account its new address, and tell the old one."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if change.user_pk != user.pk or change.old != normalise_email(user.email):
        raise ValidationError(_("Your address has changed since this link was sent."))
    taken = ValidationError(
        _("Another account uses %(email)s now: your address was not changed.")
        % {"email": change.new}
    )
    if User.objects.filter(email__iexact=change.new).exclude(pk=user.pk).exists():
        raise taken
    old = user.email
    user.email = change.new
    try:
        with transaction.atomic():
            user.save(update_fields=["email"])
    except IntegrityError:
        raise taken from None
    _send("email_changed", old, {"new": change.new})
    return user


def account_set_digest(*, user: User, daily: bool) -> None:
    """News of shares, reviews and comments as it happens, or gathered once a day."""
    User.objects.filter(pk=user.pk).update(daily_digest=daily)
    user.daily_digest = daily

"""Which account an e-mail address names: one spelling for sign-up, log-in and lock-outs."""

from django.conf import settings
from django.http import HttpRequest


def normalise_email(address: str) -> str:
    """Return the one spelling of an address: without surrounding spaces, in lower case."""
    return address.strip().lower()


def lockout_username(request: HttpRequest, credentials: dict | None) -> str | None:
    """Return the account a log-in attempt is counted against, for AXES_USERNAME_CALLABLE.

    Log-in ignores case, so failures must too: otherwise every spelling of an address would
    get its own allowance of guesses.
    """
    # As axes itself does: the credentials given to authenticate(), else the posted form.
    source = credentials or request.POST
    username = source.get(settings.AXES_USERNAME_FORM_FIELD)
    return normalise_email(username) if isinstance(username, str) else username

"""Limits on the e-mails anyone may have the site send without signing in.

Sign-up and password-reset forms send an e-mail to any address typed in. Unlimited, they let
anyone flood someone's inbox from this site, or make the site send mail by the thousand. Each
attempt is counted in the database (so that every worker and host sees the same counts)
against the address, in lower case, and against the network it came from: the client's IPv4
address, or its IPv6 /64, which one person usually holds whole.

- Over the address's limit, the form answers as if it had sent the mail, and sends none: the
  answer must not tell whether an account exists, nor that someone else tried the address.
- Over the network's limit, the form says so (429) and sends nothing.
"""

from __future__ import annotations

import enum
import ipaddress
from datetime import timedelta

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from ..accounts import normalise_email
from ..models import MailAttempt

WINDOW = timedelta(hours=1)
PER_ADDRESS = 3  # e-mails an address may be sent in WINDOW, for each purpose
PER_NETWORK = 20  # e-mails one network may ask for in WINDOW, for each purpose


class Limit(enum.Enum):
    NONE = "none"
    ADDRESS = "address"
    NETWORK = "network"


def network_message() -> str:
    return _(
        "Too many e-mails were asked for from your network in the last hour. Please try again "
        "in an hour."
    )


def network_of(ip: str | None) -> str:
    """The client's network as counted: an IPv4 address, or an IPv6 /64."""
    if not ip:
        return "unknown"
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return "unknown"
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _key(purpose: str, kind: str, value: str) -> str:
    # Keyed with the site's secret: the table holds no address, and no one can test an address
    # against it without the key.
    return salted_hmac("westcheck.mail-limit", f"{purpose}:{kind}:{value}").hexdigest()


@transaction.atomic
def mail_attempt(*, purpose: str, address: str, ip: str | None) -> Limit:
    """Count an attempt to have `purpose`'s e-mail sent to `address`, and say which limit, if
    any, it goes over (3 queries). Attempts over a limit count too: hammering keeps it shut.
    """
    now = timezone.now()
    since = now - WINDOW
    MailAttempt.objects.filter(at__lt=since).delete()
    by_address = _key(purpose, "address", normalise_email(address))
    by_network = _key(purpose, "network", network_of(ip))
    MailAttempt.objects.bulk_create(
        [MailAttempt(key=by_address, at=now), MailAttempt(key=by_network, at=now)]
    )
    # Counted after writing, so that two requests at once both see each other's attempt.
    counts = dict(
        MailAttempt.objects.filter(key__in=[by_address, by_network], at__gte=since)
        .values("key")
        .annotate(n=Count("pk"))
        .values_list("key", "n")
    )
    if counts.get(by_network, 0) > PER_NETWORK:
        return Limit.NETWORK
    if counts.get(by_address, 0) > PER_ADDRESS:
        return Limit.ADDRESS
    return Limit.NONE

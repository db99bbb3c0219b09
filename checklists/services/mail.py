"""E-mails from templates: email/<name>_subject.txt and email/<name>.txt, queued for the task
worker by the configured backend (westcheck.mail).

News of shares, reviews and comments goes through `notify`: to people who chose a daily digest
it is kept as a Notice, and `send_digests` (manage.py send_digests, daily) gathers it.
"""

from __future__ import annotations

from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..accounts import normalise_email
from ..models import Notice, User


def _render(template: str, context: dict) -> tuple[str, str]:
    subject = render_to_string(f"email/{template}_subject.txt", context).strip()
    return subject, render_to_string(f"email/{template}.txt", context)


def send_templated(template: str, to: list[str], context: dict) -> None:
    """At once, to every address: what people must get when it happens (links, invitations)."""
    if not to:
        return
    subject, body = _render(template, context)
    send_mail(subject, body, None, to)


def notify(template: str, to: list[str], context: dict) -> None:
    """News for people: at once, or kept for the daily digest of those who chose one."""
    if not to:
        return
    addresses = sorted({normalise_email(address) for address in to})
    digest = set(
        User.objects.filter(email__in=addresses, daily_digest=True).values_list("email", "pk")
    )
    gathered = {email for email, _pk in digest}
    subject, body = _render(template, context)
    Notice.objects.bulk_create(
        Notice(user_id=pk, subject=subject, body=body) for _email, pk in digest
    )
    now = [address for address in addresses if address not in gathered]
    if now:
        send_mail(subject, body, None, now)


def send_digests() -> int:
    """One e-mail to each person with notices waiting, with all of them; returns how many were
    sent. Each person's notices are marked in the same transaction as their message is queued,
    so that a second run, or a run on another machine at once, sends nothing twice."""
    sent = 0
    waiting = (
        Notice.objects.filter(sent_at__isnull=True).values_list("user_id", flat=True).distinct()
    )
    for user_id in list(waiting):
        with transaction.atomic():
            notices = list(
                Notice.objects.select_for_update(skip_locked=True)
                .filter(user_id=user_id, sent_at__isnull=True)
                .select_related("user")
                .order_by("created_at")
            )
            if not notices:
                continue
            user = notices[0].user
            subject = ngettext(
                "westcheck: %(count)d update", "westcheck: %(count)d updates", len(notices)
            ) % {"count": len(notices)}
            body = render_to_string(
                "email/digest.txt", {"user": user, "notices": notices, "intro": _("Today")}
            )
            send_mail(subject, body, None, [user.email])
            Notice.objects.filter(pk__in=[n.pk for n in notices]).update(sent_at=timezone.now())
            sent += 1
    return sent

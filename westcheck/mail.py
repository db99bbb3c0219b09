"""E-mail through the task queue: the app's mail backend queues, the task worker delivers.

EMAIL_BACKEND is QueuedEmailBackend, so every message the app sends (password resets,
invitations, notifications) becomes a `send_email` task in the database. `manage.py db_worker`
runs it: it rebuilds the message and hands it to EMAIL_DELIVERY_BACKEND (SMTP in production).
A page never waits for the mail server, and a server that is down delays mail without losing it.
"""

import logging
import smtplib
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone
from django_tasks import TaskContext, task

logger = logging.getLogger(__name__)

FIRST_RETRY_DELAY = timedelta(minutes=2)


def retry_delay(attempt: int) -> timedelta:
    """Return how long to wait after failed attempt number `attempt` (1 for the first)."""
    # Doubling from two minutes: six attempts span about an hour (2+4+8+16+32 minutes), long
    # enough to outlast a mail server's restart or a short network outage.
    return FIRST_RETRY_DELAY * 2 ** (attempt - 1)


def message_as_dict(message: EmailMessage) -> dict[str, Any]:
    """Return the message as JSON-ready data, for the task's arguments."""
    if message.attachments:
        # Files would bloat the task table; link to them instead.
        raise ValueError("Queued e-mail cannot carry attachments.")
    return {
        "subject": str(message.subject),
        "body": str(message.body),
        "from_email": str(message.from_email),
        "to": [str(address) for address in message.to],
        "cc": [str(address) for address in message.cc],
        "bcc": [str(address) for address in message.bcc],
        "reply_to": [str(address) for address in message.reply_to],
        "headers": {str(name): str(value) for name, value in message.extra_headers.items()},
        "alternatives": [
            [str(content), str(mimetype)]
            for content, mimetype in getattr(message, "alternatives", [])
        ],
        "content_subtype": message.content_subtype,
        "encoding": str(message.encoding) if message.encoding else None,
    }


def message_from_dict(data: dict[str, Any]) -> EmailMultiAlternatives:
    """Rebuild a message from message_as_dict's data."""
    message = EmailMultiAlternatives(
        subject=data["subject"],
        body=data["body"],
        from_email=data["from_email"],
        to=data["to"],
        cc=data["cc"],
        bcc=data["bcc"],
        reply_to=data["reply_to"],
        headers=data["headers"],
        alternatives=data["alternatives"],
    )
    message.content_subtype = data["content_subtype"]
    message.encoding = data["encoding"]
    return message


def describe(data: dict[str, Any]) -> str:
    """Name a queued message in the log: its subject and every recipient."""
    return f"{data['subject']!r} to {', '.join(data['to'] + data['cc'] + data['bcc'])}"


def refused_for_good(error: OSError) -> bool:
    """Whether the server refused this message in a way that trying again cannot change: every
    recipient refused with a permanent (5xx) code, or the message itself refused with one.

    A refused log-in or sender address is a fault of the site's settings, which someone may
    fix within the hour the retries span: those are tried again like any other failure.
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return bool(error.recipients) and all(
            code >= 500 for code, _reply in error.recipients.values()
        )
    if isinstance(error, smtplib.SMTPDataError):
        return error.smtp_code >= 500
    return False


@task(takes_context=True)
def send_email(context: TaskContext, message: dict[str, Any], attempt: int = 1) -> dict[str, Any]:
    """Deliver one queued message; when the server fails, queue the next attempt for later."""
    attempts = settings.EMAIL_SEND_ATTEMPTS
    try:
        connection = get_connection(settings.EMAIL_DELIVERY_BACKEND, fail_silently=False)
        connection.send_messages([message_from_dict(message)])
    except OSError as error:
        # smtplib's errors, refused connections and time-outs are all OSErrors: worth trying
        # again. Anything else is a fault in the message or the code, and fails the task at once.
        if refused_for_good(error):
            logger.error(
                "E-mail %s refused for good by the mail server, not tried again (task %s): %r",
                describe(message),
                context.task_result.id,
                error,
            )
            raise
        if attempt >= attempts:
            # Raising marks this task failed; its arguments still hold the message.
            logger.error(
                "E-mail %s not sent after %d attempts, giving up (task %s): %r",
                describe(message),
                attempt,
                context.task_result.id,
                error,
            )
            raise
        delay = retry_delay(attempt)
        next_attempt_at = timezone.now() + delay
        send_email.using(run_after=next_attempt_at).enqueue(message, attempt=attempt + 1)
        logger.warning(
            "E-mail %s not sent (attempt %d of %d), trying again in %d minutes: %r",
            describe(message),
            attempt,
            attempts,
            delay // timedelta(minutes=1),
            error,
        )
        # This task ends successful: its part, handing the message to the next attempt, is done.
        # Only the last attempt's failure marks a task failed, so failed means undelivered.
        return {"sent": False, "error": repr(error), "next_attempt_at": next_attempt_at.isoformat()}
    return {"sent": True}


class QueuedEmailBackend(BaseEmailBackend):
    """Queue each message as a send_email task instead of sending it now."""

    def send_messages(self, email_messages: Iterable[EmailMessage]) -> int:
        # Serialise everything first: a message that cannot be queued is a programming error,
        # never hidden by fail_silently.
        queued = [message_as_dict(message) for message in email_messages if message.recipients()]
        count = 0
        for data in queued:
            # No transaction.on_commit: the database task backend writes the task in the
            # caller's transaction, so a rollback discards the message with everything else
            # and no worker can see it before the commit.
            try:
                send_email.enqueue(data)
            except Exception:
                if not self.fail_silently:
                    raise
            else:
                count += 1
        return count

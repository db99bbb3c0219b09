"""Mail goes through the database task queue and the worker delivers it, trying again on failure.

The rest of the suite keeps Django's test mail backend, which puts messages straight into
mail.outbox. Here the app's own queued backend is switched on, delivery goes to the outbox, and
the queue is run by the db_worker command, the same code the production worker runs. Its tests
commit for real (transaction=True), as the worker does, so a rollback here is a real rollback.
"""

import contextlib
import signal
import smtplib
from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as OutboxBackend
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from westcheck.mail import message_as_dict, message_from_dict, retry_delay

OUTBOX = "django.core.mail.backends.locmem.EmailBackend"


class RestartingServer(OutboxBackend):
    """Refuses the first two connections, as a mail server being restarted does."""

    refusals_left = 0

    def send_messages(self, email_messages):
        if RestartingServer.refusals_left:
            RestartingServer.refusals_left -= 1
            raise ConnectionRefusedError(111, "Connection refused")
        return super().send_messages(email_messages)


class DownServer(BaseEmailBackend):
    """A mail server that never takes a message."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPConnectError(421, "Service not available")


@pytest.fixture
def queued_mail(settings):
    settings.EMAIL_BACKEND = "westcheck.mail.QueuedEmailBackend"
    settings.EMAIL_DELIVERY_BACKEND = OUTBOX
    return settings


def run_worker() -> None:
    """Run every task that is due, with `manage.py db_worker --batch`, then return."""
    # The worker takes over the process's signals so that Ctrl+C lets a task finish; give
    # them back to pytest afterwards.
    signals = [signal.SIGINT, signal.SIGTERM, signal.SIGQUIT]
    handlers = {number: signal.getsignal(number) for number in signals}
    try:
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=StringIO())
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)


def let_retries_fall_due() -> None:
    """Stand for the minutes the worker would wait before trying again."""
    DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(run_after=timezone.now())


def wait_of_next_attempt(since: datetime) -> timedelta:
    return DBTaskResult.objects.get(status=TaskResultStatus.READY).run_after - since


def mail_tasks() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.order_by("enqueued_at"))


def test_retry_delays_double_from_two_minutes_to_cover_about_an_hour():
    delays = [retry_delay(attempt) for attempt in range(1, 6)]
    assert delays == [timedelta(minutes=minutes) for minutes in (2, 4, 8, 16, 32)]
    assert sum(delays, timedelta()) == timedelta(minutes=62)


def test_a_message_survives_the_queue_with_every_part():
    message = EmailMultiAlternatives(
        subject="Invitation",
        body="Plain text",
        from_email="westcheck <noreply@westcheck.example>",
        to=["amina@ngo.example"],
        cc=["olivia@brand.example"],
        bcc=["audit@westcheck.example"],
        reply_to=["olivia@brand.example"],
        headers={"X-Westcheck": "invitation"},
        alternatives=[("<p>HTML text</p>", "text/html")],
    )
    rebuilt = message_from_dict(message_as_dict(message))
    assert (rebuilt.subject, rebuilt.body, rebuilt.from_email) == (
        "Invitation",
        "Plain text",
        "westcheck <noreply@westcheck.example>",
    )
    assert (rebuilt.to, rebuilt.cc, rebuilt.bcc, rebuilt.reply_to) == (
        ["amina@ngo.example"],
        ["olivia@brand.example"],
        ["audit@westcheck.example"],
        ["olivia@brand.example"],
    )
    assert rebuilt.extra_headers == {"X-Westcheck": "invitation"}
    assert list(rebuilt.alternatives) == [("<p>HTML text</p>", "text/html")]
    assert rebuilt.message().as_bytes().count(b"Content-Type: text/html") == 1


def test_an_html_only_message_stays_html():
    message = EmailMessage("Report ready", "<p>Ready</p>", to=["amina@ngo.example"])
    message.content_subtype = "html"
    assert message_from_dict(message_as_dict(message)).message().get_content_type() == "text/html"


def test_a_message_with_an_attachment_is_refused():
    message = EmailMessage("Report", "Attached.", to=["amina@ngo.example"])
    message.attach("report.pdf", b"%PDF-1.7", "application/pdf")
    with pytest.raises(ValueError, match="cannot carry attachments"):
        message_as_dict(message)


@pytest.mark.django_db(transaction=True)
def test_password_reset_waits_in_the_queue_until_the_worker_sends_it(client, owner, queued_mail):
    response = client.post(reverse("password_reset"), {"email": owner.email})
    assert response.status_code == 302
    assert mail.outbox == []
    (queued,) = mail_tasks()
    assert (queued.task_path, queued.status) == ("westcheck.mail.send_email", "READY")
    assert queued.args_kwargs["args"][0]["to"] == [owner.email]

    run_worker()

    (message,) = mail.outbox
    assert message.subject == "Reset your westcheck password"
    assert message.to == [owner.email]
    assert "/accounts/reset/" in message.body
    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL"
    assert queued.return_value == {"sent": True}


@pytest.mark.django_db(transaction=True)
def test_a_server_that_refuses_twice_gets_the_message_once_on_the_third_attempt(
    queued_mail, caplog
):
    queued_mail.EMAIL_DELIVERY_BACKEND = "tests.test_tasks.RestartingServer"
    RestartingServer.refusals_left = 2
    EmailMessage("Invitation", "Join us.", to=["amina@ngo.example"]).send()

    started = timezone.now()
    run_worker()
    assert timedelta(minutes=2) <= wait_of_next_attempt(started) < timedelta(minutes=2, seconds=10)
    run_worker()  # the retry is not due yet: nothing happens
    assert len(mail_tasks()) == 2
    let_retries_fall_due()
    started = timezone.now()
    run_worker()
    assert timedelta(minutes=4) <= wait_of_next_attempt(started) < timedelta(minutes=4, seconds=10)
    let_retries_fall_due()
    run_worker()

    (message,) = mail.outbox
    assert (message.subject, message.to) == ("Invitation", ["amina@ngo.example"])
    tasks = mail_tasks()
    assert [task.args_kwargs["kwargs"].get("attempt", 1) for task in tasks] == [1, 2, 3]
    assert [task.return_value["sent"] for task in tasks] == [False, False, True]
    warnings = [r.getMessage() for r in caplog.records if r.name == "westcheck.mail"]
    assert len(warnings) == 2
    assert "(attempt 1 of 6), trying again in 2 minutes" in warnings[0]
    assert "(attempt 2 of 6), trying again in 4 minutes" in warnings[1]


@pytest.mark.django_db(transaction=True)
def test_a_server_that_stays_down_fails_the_task_after_the_last_attempt(queued_mail, caplog):
    queued_mail.EMAIL_DELIVERY_BACKEND = "tests.test_tasks.DownServer"
    queued_mail.EMAIL_SEND_ATTEMPTS = 3
    EmailMessage("Invitation", "Join us.", to=["amina@ngo.example"]).send()

    for _ in range(5):  # more rounds than attempts: the last attempt must end it
        run_worker()
        let_retries_fall_due()

    assert mail.outbox == []
    tasks = mail_tasks()
    assert [task.status for task in tasks] == ["SUCCESSFUL", "SUCCESSFUL", "FAILED"]
    # The failed task keeps the message, so that it can be read and sent again by hand.
    assert tasks[-1].args_kwargs["args"][0]["subject"] == "Invitation"
    assert tasks[-1].exception_class_path == "smtplib.SMTPConnectError"
    records = [r for r in caplog.records if r.name == "westcheck.mail"]
    assert [r.levelname for r in records] == ["WARNING", "WARNING", "ERROR"]
    assert "not sent after 3 attempts" in records[-1].getMessage()
    assert str(tasks[-1].id) in records[-1].getMessage()


class Abandoned(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_mail_sent_in_a_rolled_back_transaction_is_never_queued(queued_mail):
    with contextlib.suppress(Abandoned), transaction.atomic():
        EmailMessage("Welcome", "Hello.", to=["amina@ngo.example"]).send()
        assert len(mail_tasks()) == 1  # queued inside the transaction...
        raise Abandoned
    assert mail_tasks() == []  # ...and gone with it
    run_worker()
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_a_message_without_recipients_is_not_queued(queued_mail):
    assert EmailMessage("Nobody", "Hello.").send() == 0
    assert mail_tasks() == []

"""Mail goes through the database task queue and the worker delivers it, trying again on failure.

The rest of the suite keeps Django's test mail backend, which puts messages straight into
mail.outbox. Here the app's own queued backend is switched on, delivery goes to the outbox, and
the queue is run by the db_worker command, the same code the production worker runs. Its tests
commit for real (transaction=True), as the worker does, so a rollback here is a real rollback.
"""

import contextlib
import json
import os
import signal
import smtplib
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from io import StringIO
from pathlib import Path

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

from tests.conftest import BASE_DIR
from tests.test_settings import SETTINGS_VARIABLES, manage
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


class RefusingServer(BaseEmailBackend):
    """A mail server that refuses the recipient: for good (550) or for now (450)."""

    code = 550

    def send_messages(self, email_messages):
        raise smtplib.SMTPRecipientsRefused(
            {"nobody@ngo.example": (RefusingServer.code, b"5.1.1 No such user")}
        )


@pytest.mark.django_db(transaction=True)
def test_a_recipient_refused_for_good_is_not_tried_again(queued_mail, caplog):
    queued_mail.EMAIL_DELIVERY_BACKEND = "tests.test_tasks.RefusingServer"
    RefusingServer.code = 550
    EmailMessage("Invitation", "Join us.", to=["nobody@ngo.example"]).send()
    run_worker()
    let_retries_fall_due()
    run_worker()
    tasks = mail_tasks()
    assert [task.status for task in tasks] == ["FAILED"]
    assert tasks[0].exception_class_path == "smtplib.SMTPRecipientsRefused"
    (record,) = [r for r in caplog.records if r.name == "westcheck.mail"]
    assert "refused for good" in record.getMessage()


@pytest.mark.django_db(transaction=True)
def test_a_recipient_refused_for_now_is_tried_again(queued_mail):
    queued_mail.EMAIL_DELIVERY_BACKEND = "tests.test_tasks.RefusingServer"
    RefusingServer.code = 450  # mailbox busy: a temporary refusal
    EmailMessage("Invitation", "Join us.", to=["nobody@ngo.example"]).send()
    run_worker()
    assert [task.status for task in mail_tasks()] == ["SUCCESSFUL", "READY"]


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


# A worker killed outright in the middle of a task: the task stays Running, and no worker takes
# a Running task. Workers put it back in the queue once it has been Running for longer than
# TASK_STALLED_AFTER_MINUTES (15), at start and every few minutes.


def leave_running(*, minutes_ago: float, worker: str = "host-1") -> DBTaskResult:
    """Leave the queued task as a worker that claimed it `minutes_ago` and then died leaves it."""
    (queued,) = mail_tasks()
    queued.status = TaskResultStatus.RUNNING
    queued.started_at = timezone.now() - timedelta(minutes=minutes_ago)
    queued.worker_ids = [worker]
    queued.save()
    return queued


def requeue_stalled_tasks(*args: str) -> str:
    out = StringIO()
    call_command("requeue_stalled_tasks", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_a_message_whose_worker_died_mid_send_is_sent_by_the_next_worker_to_start(
    queued_mail, caplog
):
    EmailMessage("Reset your password", "Link.", to=["amina@ngo.example"]).send()
    stalled = leave_running(minutes_ago=16, worker="host-1")

    run_worker()

    (message,) = mail.outbox
    assert (message.subject, message.to) == ("Reset your password", ["amina@ngo.example"])
    stalled.refresh_from_db()
    assert stalled.status == "SUCCESSFUL"
    assert stalled.worker_ids[0] == "host-1"  # the dead worker stays on record
    assert len(stalled.worker_ids) == 2
    (record,) = [r for r in caplog.records if "queued again" in r.getMessage()]
    assert record.levelname == "WARNING"
    assert str(stalled.id) in record.getMessage()
    assert "westcheck.mail.send_email" in record.getMessage()
    assert "host-1" in record.getMessage()


@pytest.mark.django_db(transaction=True)
def test_requeue_stalled_tasks_puts_a_dead_workers_task_back_for_any_worker(queued_mail):
    EmailMessage("Invitation", "Join us.", to=["amina@ngo.example"]).send()
    stalled = leave_running(minutes_ago=60)

    assert requeue_stalled_tasks() == "1 stalled task put back in the queue.\n"
    stalled.refresh_from_db()
    assert stalled.status == "READY"
    assert requeue_stalled_tasks() == "0 stalled tasks put back in the queue.\n"

    run_worker()
    (message,) = mail.outbox
    assert message.subject == "Invitation"


@pytest.mark.django_db(transaction=True)
def test_a_task_running_for_less_than_the_threshold_is_left_to_its_worker(queued_mail):
    EmailMessage("Invitation", "Join us.", to=["amina@ngo.example"]).send()
    running = leave_running(minutes_ago=10)

    assert requeue_stalled_tasks() == "0 stalled tasks put back in the queue.\n"
    run_worker()
    assert mail.outbox == []
    running.refresh_from_db()
    assert (running.status, running.worker_ids) == ("RUNNING", ["host-1"])

    # Ten minutes is stalled for whoever says so, e.g. after stopping every worker.
    assert "1 stalled task put back" in requeue_stalled_tasks("--older-than-minutes", "5")
    run_worker()
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_finished_tasks_are_never_queued_again_however_old(queued_mail):
    EmailMessage("Sent", "Hello.", to=["amina@ngo.example"]).send()
    EmailMessage("Undeliverable", "Hello.", to=["nobody@ngo.example"]).send()
    sent, failed = mail_tasks()
    long_ago = timezone.now() - timedelta(days=2)
    DBTaskResult.objects.filter(pk=sent.pk).update(
        status=TaskResultStatus.SUCCESSFUL, started_at=long_ago, finished_at=long_ago
    )
    DBTaskResult.objects.filter(pk=failed.pk).update(
        status=TaskResultStatus.FAILED, started_at=long_ago, finished_at=long_ago
    )

    assert requeue_stalled_tasks("--older-than-minutes", "0") == (
        "0 stalled tasks put back in the queue.\n"
    )
    run_worker()

    assert mail.outbox == []
    assert [task.status for task in mail_tasks()] == ["SUCCESSFUL", "FAILED"]


@pytest.mark.django_db(transaction=True)
def test_a_dry_run_names_the_stalled_tasks_and_changes_nothing(queued_mail):
    EmailMessage("Invitation", "Join us.", to=["amina@ngo.example"]).send()
    stalled = leave_running(minutes_ago=60, worker="host-2")

    output = requeue_stalled_tasks("--dry-run")

    assert str(stalled.id) in output
    assert "host-2" in output
    assert output.endswith("1 stalled task would be put back in the queue.\n")
    stalled.refresh_from_db()
    assert (stalled.status, stalled.worker_ids) == ("RUNNING", ["host-2"])


class HangingServer(BaseEmailBackend):
    """A mail server that takes the connection and then never answers."""

    def send_messages(self, email_messages):
        time.sleep(3600)


def wait_for(
    condition: Callable[[], object], what: str, worker: subprocess.Popen, seconds: float = 30
) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert worker.poll() is None, f"The worker stopped (status {worker.returncode})."
        assert time.monotonic() < deadline, f"Still waiting, after {seconds} seconds, for {what}."
        time.sleep(0.1)


def task_rows(database: Path) -> list[tuple[str, list[str]]]:
    with contextlib.closing(sqlite3.connect(database, timeout=20)) as connection:
        rows = connection.execute(
            "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult"
        ).fetchall()
    return [(status, json.loads(worker_ids)) for status, worker_ids in rows]


def start_worker(log: Path, *args: str, **env: str) -> subprocess.Popen:
    """Start `manage.py db_worker` in its own process, as systemd does, logging to `log`."""
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    command = ["manage.py", "db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.1"]
    with log.open("w") as output:
        return subprocess.Popen(
            [sys.executable, *command, *args],
            cwd=BASE_DIR,
            env={**clean, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def test_a_worker_killed_mid_send_loses_nothing_while_another_keeps_running(tmp_path):
    """Real worker processes on a database file; one is killed with SIGKILL in mid-send."""
    database, outbox = tmp_path / "westcheck.db", tmp_path / "mail"
    env = {"DEBUG": "true", "DATABASE_URL": f"sqlite:///{database}"}
    assert manage("migrate", "-v", "0", **env).returncode == 0
    send = (
        "from django.core.mail import send_mail; send_mail('Reset', 'Link.', None, ['a@x.example'])"
    )
    assert manage("shell", "-c", send, **env).returncode == 0

    doomed = start_worker(
        tmp_path / "doomed.log",
        "--worker-id",
        "doomed",
        EMAIL_DELIVERY_BACKEND="tests.test_tasks.HangingServer",
        **env,
    )
    try:
        wait_for(
            lambda: task_rows(database) == [("RUNNING", ["doomed"])], "the task to start", doomed
        )
    finally:
        doomed.kill()
        doomed.wait(10)

    rescuer_log = tmp_path / "rescuer.log"
    rescuer = start_worker(
        rescuer_log,
        "--worker-id",
        "rescuer",
        "--stalled-check-interval",
        "0.5",
        EMAIL_DELIVERY_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(outbox),
        **env,
    )
    try:
        wait_for(
            lambda: "Starting worker" in rescuer_log.read_text(), "the rescuer to start", rescuer
        )
        # Started seconds ago, the task is not stalled yet: the rescuer leaves it alone.
        time.sleep(1)
        assert task_rows(database) == [("RUNNING", ["doomed"])]
        # Stand for the quarter of an hour after which a task counts as stalled.
        with contextlib.closing(sqlite3.connect(database, timeout=20)) as connection, connection:
            connection.execute(
                "UPDATE django_tasks_database_dbtaskresult SET started_at = '2000-01-01 00:00:00'"
            )
        wait_for(lambda: task_rows(database)[0][0] == "SUCCESSFUL", "the task to be sent", rescuer)
    finally:
        rescuer.terminate()
        rescuer.wait(10)

    assert task_rows(database) == [("SUCCESSFUL", ["doomed", "rescuer"])]
    (sent,) = outbox.iterdir()
    assert "Subject: Reset" in sent.read_text()
    assert "queued again" in rescuer_log.read_text()

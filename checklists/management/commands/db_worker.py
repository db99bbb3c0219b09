"""The task worker: django-tasks-db's db_worker, which also queues again the tasks of dead workers.

It keeps the name `db_worker` and takes the place of django-tasks-db's command, because
checklists comes before django_tasks_db in INSTALLED_APPS (as staticfiles' runserver takes the
place of Django's). So every worker recovers stalled tasks however it is started (scripts/run,
the systemd unit, by hand), and there is no second command to forget.

It looks for stalled tasks (checklists.task_queue) when it starts and then every few minutes,
in a thread beside the worker's loop. Why not:
- a task that re-enqueues itself every few minutes: every worker would start a chain unless
  each checked, under a lock, that none is queued yet; a chain whose task fails or is itself
  stalled ends for good; and each run adds a row to the task table.
- stopping between tasks to look: the loop belongs to django-tasks-db, and a copy of it would
  drift from each new version; an idle worker must look too, for its dead peers' tasks.
- a cron job or systemd timer: one more unit to install, on some host, and nothing in
  development.
The thread keeps its own clock, idle or busy, and no state: the looks of several workers at
the same moment cannot collide (see stalled_tasks_requeue).
"""

import logging
import math
import threading
import time
from argparse import ArgumentTypeError

from django.db import connections
from django_tasks_db.management.commands import db_worker

from checklists.task_queue import stalled_tasks_requeue

logger = logging.getLogger(__name__)

# A stalled task is queued again between TASK_STALLED_AFTER_MINUTES and that plus this after
# the attempt that died began.
STALLED_CHECK_INTERVAL = 5 * 60


def positive_seconds(value: str) -> float:
    number = float(value)
    if not (math.isfinite(number) and number > 0):
        raise ArgumentTypeError("must be a number of seconds greater than 0")
    return number


def requeue_stalled_tasks() -> None:
    """Queue again the tasks of dead workers; log a database error instead of raising it."""
    try:
        stalled_tasks_requeue()
    except Exception:
        # A database that is locked or away now is likely to answer next time. Meanwhile the
        # worker's own loop runs, or fails, on its own terms.
        logger.exception("Could not look for tasks left running by a worker that died.")


def requeue_stalled_tasks_every(interval: float) -> None:
    while True:
        time.sleep(interval)
        requeue_stalled_tasks()
        # This thread's own connection would otherwise sit open, unused, between looks.
        connections.close_all()


class Command(db_worker.Command):
    help = (
        "Run a database background worker. At start and then every few minutes, it also "
        "queues again the tasks that a worker which died left Running."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--stalled-check-interval",
            type=positive_seconds,
            default=STALLED_CHECK_INTERVAL,
            help="seconds between looks for stalled tasks (default: %(default)s)",
        )

    def handle(self, *args, batch: bool, stalled_check_interval: float, **options):
        requeue_stalled_tasks()
        if not batch:
            # A daemon thread ends with the worker; an UPDATE it leaves unfinished is rolled
            # back. Under --reload (development), the process that watches for code changes
            # looks as well as the worker it runs; looking twice does no harm.
            threading.Thread(
                target=requeue_stalled_tasks_every,
                args=(stalled_check_interval,),
                name="requeue-stalled-tasks",
                daemon=True,
            ).start()
        super().handle(*args, batch=batch, **options)

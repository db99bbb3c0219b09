"""Tasks whose worker died: which tasks count as stalled, and putting them back in the queue.

A worker claims a task by marking it Running, and only that worker ever finishes it. A worker
killed outright (kill -9, out of memory, a lost host) leaves its task Running, and no worker
takes a Running task, so the e-mail in it would never be sent. A task Running for longer than
any task takes has lost its worker: it is made Ready again and the next free worker runs it.

That makes delivery at-least-once: a worker that died after the mail server had accepted a
message, but before recording its success, leaves a task that is run, and sent, again.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)


def stalled_tasks(*, older_than: timedelta | None = None) -> QuerySet[DBTaskResult]:
    """Return the tasks Running for longer than `older_than` (TASK_STALLED_AFTER_MINUTES)."""
    if older_than is None:
        older_than = timedelta(minutes=settings.TASK_STALLED_AFTER_MINUTES)
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=timezone.now() - older_than
    )


def stalled_tasks_requeue(
    *, older_than: timedelta | None = None, dry_run: bool = False
) -> list[DBTaskResult]:
    """Make stalled tasks Ready again, logging each; return them (with dry_run, change nothing)."""
    stalled = stalled_tasks(older_than=older_than)
    if dry_run:
        return list(stalled.order_by("started_at"))
    requeued = []
    for task in stalled.order_by("started_at"):
        # Each UPDATE repeats the rule in its WHERE clause, so a task that finished since it was
        # read, or that a sweep on another host put back first (and a worker may have claimed
        # again since), is left alone: sweeps running at once on several hosts cannot collide.
        # Only the status changes. The task's run_after was already due when it was claimed, so
        # a worker takes it at once; its started_at, the last attempt, is replaced by the next
        # claim, which adds that worker's id to worker_ids after the dead worker's.
        if stalled.filter(pk=task.pk).update(status=TaskResultStatus.READY):
            logger.warning(
                "Task %s (%s) queued again: running since %s, its worker must have died "
                "(worker ids: %s).",
                task.id,
                task.task_path,
                task.started_at.isoformat(),
                ", ".join(task.worker_ids),
            )
            requeued.append(task)
    return requeued

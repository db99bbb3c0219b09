"""Queue again the tasks left Running by a worker that died (workers also do it themselves)."""

from argparse import ArgumentTypeError
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand

from checklists.task_queue import stalled_tasks_requeue


def minutes(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ArgumentTypeError("must be 0 or more")
    return number


class Command(BaseCommand):
    help = (
        "Make Ready again every task that has been Running for longer than the threshold: its "
        "worker died. Each worker does this at start and every few minutes; this command is "
        "for looking (--dry-run) or for not waiting."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than-minutes",
            type=minutes,
            help=(
                "count a task as stalled once it has been Running this long (default: "
                f"TASK_STALLED_AFTER_MINUTES, {settings.TASK_STALLED_AFTER_MINUTES}). Less than "
                "the longest a task takes runs it twice at once; 0 is safe only when no worker "
                "is running."
            ),
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="list the stalled tasks, change nothing"
        )

    def handle(self, *args, older_than_minutes: int | None, dry_run: bool, **options):
        older_than = None if older_than_minutes is None else timedelta(minutes=older_than_minutes)
        tasks = stalled_tasks_requeue(older_than=older_than, dry_run=dry_run)
        if dry_run:
            for task in tasks:
                self.stdout.write(
                    f"{task.id} {task.task_path}: running since {task.started_at.isoformat()} "
                    f"(worker ids: {', '.join(task.worker_ids)})"
                )
        count = f"{len(tasks)} stalled task{'' if len(tasks) == 1 else 's'}"
        verb = "would be put back" if dry_run else "put back"
        self.stdout.write(f"{count} {verb} in the queue.")

"""Apply evidence files' dates (run it once a day): owners and editors are told of files due a
refresh, files past their deletion date go to the trash, files in the trash for a week are
purged, and stored objects that no row names are deleted."""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from checklists.models import EvidenceFile
from checklists.services.evidence import (
    TRASH_DAYS,
    evidence_purge_trash,
    evidence_remind_stale,
    evidence_sweep,
    evidence_trash_expired,
)


class Command(BaseCommand):
    help = (
        "Remind owners and editors of evidence files due a refresh, move evidence files past "
        f"their deletion date to the trash, purge those in the trash for {TRASH_DAYS} days "
        "(keeping a tombstone), and delete stored objects no row names."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Say how many files would go; change nothing."
        )

    def handle(self, *args, **options):
        now = timezone.now()
        if options["dry_run"]:
            expired = EvidenceFile.objects.filter(
                trashed_at__isnull=True, retention_until__lt=timezone.localdate()
            ).count()
            due = EvidenceFile.objects.filter(
                trashed_at__lte=now - timedelta(days=TRASH_DAYS)
            ).count()
            stale = (
                EvidenceFile.objects.live()
                .filter(stale_on__lte=timezone.localdate(), stale_reminded_at__isnull=True)
                .count()
            )
            self.stdout.write(
                f"Would remind of files due a refresh: {stale}; would move to the trash: "
                f"{expired}; would purge: {due}"
            )
            return
        reminded = evidence_remind_stale()
        trashed = evidence_trash_expired()
        purged = evidence_purge_trash(now=now)
        swept = evidence_sweep(now=now)
        self.stdout.write(
            f"Reminded of files due a refresh: {reminded}; moved to the trash: {trashed}; purged: {purged}; stored objects without a row "
            f"deleted: {swept}"
        )

"""Delete the organisations whose owners asked for it, once their grace period is over (run it
once a day): every row and every stored file of each."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from checklists.models import Organisation
from checklists.services.data_rights import organisation_purge_due


class Command(BaseCommand):
    help = (
        "Delete every row and stored file of the organisations whose owners asked for it and "
        "whose seven days to cancel are over."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Say how many would go; change nothing."
        )

    def handle(self, *args, **options):
        if options["dry_run"]:
            due = Organisation.objects.filter(deletion_due_at__lte=timezone.now()).count()
            self.stdout.write(f"Would delete organisations: {due}")
            return
        self.stdout.write(f"Organisations deleted: {organisation_purge_due()}")

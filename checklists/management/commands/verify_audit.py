from django.core.management.base import BaseCommand, CommandError

from checklists.audit import verify_chain
from checklists.models import AuditEvent, Organisation


class Command(BaseCommand):
    help = (
        "Recompute each organisation's chain of audit events and report the first broken link. "
        "Exits with status 1 when a chain is broken."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "organisation", nargs="?", type=int, help="An organisation's id (default: all)."
        )

    def handle(self, *args, organisation=None, **options):
        if organisation is not None:
            if not Organisation.objects.filter(pk=organisation).exists() and not (
                AuditEvent.objects.filter(organisation_id=organisation).exists()
            ):
                raise CommandError(f"No organisation or audit events with id {organisation}.")
            ids = [organisation]
        else:
            ids = sorted(
                set(Organisation.objects.values_list("pk", flat=True))
                | set(AuditEvent.objects.values_list("organisation_id", flat=True).distinct())
            )
        broken = 0
        for organisation_id in ids:
            checked, link = verify_chain(organisation_id)
            if link is None:
                self.stdout.write(
                    f"Organisation {organisation_id}: {checked} events, chain intact."
                )
            else:
                broken += 1
                self.stdout.write(
                    self.style.ERROR(
                        f"Organisation {organisation_id}: chain broken at event {link.sequence}: "
                        f"{link.reason}."
                    )
                )
        if broken:
            raise CommandError(f"{broken} broken chain(s).", returncode=1)

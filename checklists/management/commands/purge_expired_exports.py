"""Delete the archives of organisations' data past their seven days (run it once a day), and
stored archives that no row names."""

from django.core.management.base import BaseCommand

from checklists.services.data_rights import data_export_purge_expired, data_export_sweep


class Command(BaseCommand):
    help = (
        "Delete archives of an organisation's data once their seven days are over, and stored "
        "archives that no row names."
    )

    def handle(self, *args, **options):
        purged = data_export_purge_expired()
        swept = data_export_sweep()
        self.stdout.write(
            f"Expired archives deleted: {purged}; stored archives without a row deleted: {swept}"
        )

"""Create the demonstration accounts and data; running it again changes nothing new."""

from django.core.management.base import BaseCommand
from django.db import transaction

from checklists.models import User

DEMO_PASSWORD = "westcheck-demo"
DEMO_ACCOUNTS = [
    # (e-mail, name, staff)
    ("demo@westcheck.example", "Dana Demo", False),
    ("admin@westcheck.example", "Ada Admin", True),
]


class Command(BaseCommand):
    help = "Create demonstration accounts and data (idempotent). Never run it in production."

    @transaction.atomic
    def handle(self, *args, **options):
        for email, name, staff in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(
                email=email, defaults={"name": name, "is_staff": staff, "is_superuser": staff}
            )
            # The printed password must always work, even after someone changed it.
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            verb = "created" if created else "exists"
            self.stdout.write(f"Demo account {verb}: {email} / {DEMO_PASSWORD}")

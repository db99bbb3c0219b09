"""Send each person who chose a daily digest the news waiting for them (run it once a day)."""

from django.core.management.base import BaseCommand

from checklists.services.mail import send_digests


class Command(BaseCommand):
    help = "Send the daily digests of share, review and comment news."

    def handle(self, *args, **options):
        sent = send_digests()
        self.stdout.write(f"Digests sent: {sent}")

"""Render an assessment's readiness report as a PDF file."""

from datetime import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from checklists.models import Assessment
from checklists.reports import assessment_report_pdf


class Command(BaseCommand):
    help = "Write the readiness report of assessment ID to a PDF file."

    def add_arguments(self, parser):
        parser.add_argument("id", type=int, help="assessment id")
        parser.add_argument("-o", "--output", required=True, help="PDF file to write")
        parser.add_argument(
            "--generated-at",
            help="report date as ISO 8601 (e.g. 2026-11-23T10:00:00+00:00), for identical files",
        )

    def handle(self, *args, id, output, generated_at, **options):
        assessment = (
            Assessment.objects.select_related("project__organisation", "checklist", "submitted_by")
            .filter(pk=id)
            .first()
        )
        if assessment is None:
            raise CommandError(f"There is no assessment {id}.")
        moment = None
        if generated_at:
            try:
                moment = datetime.fromisoformat(generated_at)
            except ValueError:
                raise CommandError(
                    f"--generated-at is not an ISO 8601 date: {generated_at!r}"
                ) from None
        pdf = assessment_report_pdf(assessment, generated_at=moment)
        Path(output).write_bytes(pdf)
        self.stdout.write(f"Wrote {output} ({len(pdf):,} bytes).")

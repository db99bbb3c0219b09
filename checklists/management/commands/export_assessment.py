"""Write an assessment as JSON (for import_assessment elsewhere) or as CSV (for spreadsheets)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from checklists.data_exchange import assessment_csv, assessment_json
from checklists.models import Assessment
from checklists.selectors import assessment_state


class Command(BaseCommand):
    help = (
        "Export an assessment: its checklist version, project profile, answers and scores as "
        "JSON (see docs/assessment-json.md), or one row per question as CSV."
    )

    def add_arguments(self, parser):
        parser.add_argument("assessment", type=int, help="the assessment's id")
        parser.add_argument(
            "-o",
            "--output",
            default="-",
            help="file to write, or - for standard output (the default)",
        )
        parser.add_argument(
            "--format",
            dest="output_format",
            choices=["json", "csv"],
            default="json",
            help="json (default) or csv",
        )

    def handle(self, *args, assessment, output, output_format, **options):
        found = (
            Assessment.objects.select_related("checklist", "project__organisation", "started_by")
            .filter(pk=assessment)
            .first()
        )
        if found is None:
            raise CommandError(f"Assessment {assessment} does not exist.")
        state = assessment_state(found)
        text = assessment_json(state) if output_format == "json" else assessment_csv(state)
        if output == "-":
            self.stdout.write(text, ending="")
            return
        # Excel reads a CSV file as UTF-8 only when it starts with a byte order mark.
        encoding = "utf-8" if output_format == "json" else "utf-8-sig"
        try:
            Path(output).write_text(text, encoding=encoding, newline="")
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror}.") from None
        self.stdout.write(
            self.style.SUCCESS(f"Wrote assessment {found.pk} ({found.title}) to {output}.")
        )

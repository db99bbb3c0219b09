"""Submissions keep their gate states as a short text column too (submissions.gates_text), so
that a portfolio of hundreds of projects reads them without decoding every summary's JSON.

The column is added in place and filled from each summary. Submissions are never changed
(0013): their triggers are dropped for the fill, then made again, SQLite's with the new column
among those it compares.
"""

import importlib

from django.db import migrations, models

frozen = importlib.import_module("checklists.migrations.0013_submission_immutable")

COLUMNS = [*frozen.FROZEN_COLUMNS, "gates"]
CHANGED = " OR ".join(f"NEW.{column} IS NOT OLD.{column}" for column in COLUMNS)
SQLITE_TRIGGER = [
    f"""CREATE TRIGGER submission_no_update BEFORE UPDATE ON {frozen.TABLE}
    WHEN NEW.submitted_by_id IS NOT NULL OR {CHANGED}
    BEGIN SELECT RAISE(ABORT, '{frozen.MESSAGE}'); END""",
]


def _statements(vendor: str, which: str) -> list[str]:
    if vendor == "sqlite":
        return {"drop": frozen.SQLITE_BACKWARD, "create": SQLITE_TRIGGER}[which]
    if vendor == "postgresql":
        return {"drop": frozen.POSTGRESQL_BACKWARD, "create": frozen.POSTGRESQL_FORWARD}[which]
    raise RuntimeError(f"No triggers for submissions on the {vendor} database.")


def drop_triggers(apps, schema_editor):
    for sql in _statements(schema_editor.connection.vendor, "drop"):
        schema_editor.execute(sql)


def create_triggers(apps, schema_editor):
    for sql in _statements(schema_editor.connection.vendor, "create"):
        schema_editor.execute(sql)


def create_old_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = frozen.SQLITE_FORWARD if vendor == "sqlite" else frozen.POSTGRESQL_FORWARD
    for sql in statements:
        schema_editor.execute(sql)


def fill(apps, schema_editor):
    Submission = apps.get_model("checklists", "Submission")
    for submission in Submission.objects.only("pk", "summary").iterator():
        gates = (submission.summary or {}).get("gates", {})
        text = " ".join(f"{flag}:{state}" for flag, state in gates.items())
        Submission.objects.filter(pk=submission.pk).update(gates=text)


class Migration(migrations.Migration):
    dependencies = [("checklists", "0018_cohorts_and_requests")]

    operations = [
        migrations.RunPython(drop_triggers, create_old_triggers),
        migrations.AddField(
            model_name="submission",
            name="gates",
            field=models.CharField(
                blank=True, max_length=200, null=True, verbose_name="gate states"
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(create_triggers, drop_triggers),
    ]

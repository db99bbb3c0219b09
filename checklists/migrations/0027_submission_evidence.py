"""Submissions keep the list of their evidence files, and their no-update trigger covers it.

On SQLite the trigger names the columns it guards, so it is made again with the new one (as in
0019); PostgreSQL's compares whole rows and is left as it is.
"""

import importlib

from django.db import migrations, models

frozen = importlib.import_module("checklists.migrations.0013_submission_immutable")
gates = importlib.import_module("checklists.migrations.0019_submission_gates")

COLUMNS = [*gates.COLUMNS, "evidence"]
CHANGED = " OR ".join(f"NEW.{column} IS NOT OLD.{column}" for column in COLUMNS)
SQLITE_TRIGGER = [
    f"""CREATE TRIGGER submission_no_update BEFORE UPDATE ON {frozen.TABLE}
    WHEN NEW.submitted_by_id IS NOT NULL OR {CHANGED}
    BEGIN SELECT RAISE(ABORT, '{frozen.MESSAGE}'); END""",
]


def _sqlite(schema_editor) -> bool:
    vendor = schema_editor.connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise RuntimeError(f"No triggers for submissions on the {vendor} database.")
    return vendor == "sqlite"


def drop_trigger(apps, schema_editor):
    if _sqlite(schema_editor):
        for sql in frozen.SQLITE_BACKWARD:
            schema_editor.execute(sql)


def create_trigger(apps, schema_editor):
    if _sqlite(schema_editor):
        for sql in SQLITE_TRIGGER:
            schema_editor.execute(sql)


def create_previous_trigger(apps, schema_editor):
    if _sqlite(schema_editor):
        for sql in gates.SQLITE_TRIGGER:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("checklists", "0026_evidence_trash")]

    operations = [
        migrations.RunPython(drop_trigger, create_previous_trigger),
        migrations.AddField(
            model_name="submission",
            name="evidence",
            field=models.JSONField(blank=True, null=True, verbose_name="evidence files"),
        ),
        migrations.RunPython(create_trigger, drop_trigger),
    ]

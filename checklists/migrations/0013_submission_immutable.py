"""Make submissions unchangeable in the database itself, as 0011 does for audit events.

An UPDATE is refused, an integrity error on both databases, but for one: forgetting who
submitted (submitted_by set to NULL, nothing else changed), which Django does when that
person's account is deleted (on_delete=SET_NULL); submitted_by_name keeps their name. DELETE
is allowed: deleting a project (or its assessment) takes its submissions with it.
"""

from django.db import migrations

TABLE = "checklists_submission"
MESSAGE = "submissions are never changed"
# Every column but submitted_by_id. SQLite's trigger compares them one by one: a migration that
# adds a column to the table must recreate the trigger with it. PostgreSQL's compares the rows.
FROZEN_COLUMNS = [
    "id",
    "assessment_id",
    "project_id",
    "number",
    "milestone",
    "checklist_id",
    "submitted_at",
    "submitted_by_name",
    "integrity_hash",
    "answers",
    "summary",
    "verdict",
    "score",
]
CHANGED = " OR ".join(f"NEW.{column} IS NOT OLD.{column}" for column in FROZEN_COLUMNS)

SQLITE_FORWARD = [
    f"""CREATE TRIGGER submission_no_update BEFORE UPDATE ON {TABLE}
    WHEN NEW.submitted_by_id IS NOT NULL OR {CHANGED}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
SQLITE_BACKWARD = ["DROP TRIGGER IF EXISTS submission_no_update"]

POSTGRESQL_FORWARD = [
    f"""CREATE FUNCTION submission_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.submitted_by_id IS NOT NULL
            OR to_jsonb(NEW) - 'submitted_by_id' IS DISTINCT FROM to_jsonb(OLD) - 'submitted_by_id'
        THEN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NEW;
    END
    $$""",
    f"""CREATE TRIGGER submission_no_update BEFORE UPDATE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION submission_refuse_update()""",
]
POSTGRESQL_BACKWARD = [
    f"DROP TRIGGER IF EXISTS submission_no_update ON {TABLE}",
    "DROP FUNCTION IF EXISTS submission_refuse_update()",
]


def _run(statements: dict):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor not in statements:
            raise RuntimeError(f"No triggers for submissions on the {vendor} database.")
        for sql in statements[vendor]:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("checklists", "0012_submission")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRESQL_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRESQL_BACKWARD}),
        )
    ]

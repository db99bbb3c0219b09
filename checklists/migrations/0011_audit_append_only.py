"""Make audit events append-only in the database itself.

UPDATE is always refused. DELETE (and TRUNCATE on PostgreSQL) is refused unless the deleting
transaction has added a row to the erasure table, which only the erasure of an organisation's
data does (see models/audit.py). The refusal is an integrity error on both databases.
"""

from django.db import migrations

EVENTS = "checklists_auditevent"
ERASURE = "checklists_auditerasure"
MESSAGE = "audit events are append-only"

SQLITE_FORWARD = [
    f"""CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON {EVENTS}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON {EVENTS}
    WHEN NOT EXISTS (SELECT 1 FROM {ERASURE})
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
]

POSTGRESQL_FORWARD = [
    f"""CREATE FUNCTION audit_event_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' OR NOT EXISTS (SELECT 1 FROM {ERASURE}) THEN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation';
        END IF;
        IF TG_LEVEL = 'ROW' THEN
            RETURN OLD;
        END IF;
        RETURN NULL;
    END
    $$""",
    f"""CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON {EVENTS}
    FOR EACH ROW EXECUTE FUNCTION audit_event_refuse()""",
    f"""CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON {EVENTS}
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse()""",
]
POSTGRESQL_BACKWARD = [
    f"DROP TRIGGER IF EXISTS audit_event_no_truncate ON {EVENTS}",
    f"DROP TRIGGER IF EXISTS audit_event_no_change ON {EVENTS}",
    "DROP FUNCTION IF EXISTS audit_event_refuse()",
]


def _run(statements: dict):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor not in statements:
            raise RuntimeError(f"No append-only triggers for the {vendor} database.")
        for sql in statements[vendor]:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("checklists", "0010_teams_and_audit")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRESQL_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRESQL_BACKWARD}),
        )
    ]

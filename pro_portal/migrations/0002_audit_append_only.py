"""On PostgreSQL the database itself refuses to change or delete audit events.

The model refuses too, but a trigger also stops raw SQL and future code that
forgets. Not on SQLite (the embedded, single-user default): its flush deletes
row by row, which a trigger would abort, and there the model's refusal holds.
"""

from django.db import migrations

POSTGRES_FORWARD = """
CREATE OR REPLACE FUNCTION pro_portal_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'pro_portal_auditevent is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER pro_portal_auditevent_append_only
    BEFORE UPDATE OR DELETE ON pro_portal_auditevent
    FOR EACH ROW EXECUTE FUNCTION pro_portal_audit_append_only();
"""
POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS pro_portal_auditevent_append_only ON pro_portal_auditevent;
DROP FUNCTION IF EXISTS pro_portal_audit_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_REVERSE)


class Migration(migrations.Migration):
    dependencies = [("pro_portal", "0001_initial")]
    operations = [migrations.RunPython(forward, reverse)]

"""The audit log is append-only in the database itself (PostgreSQL)."""

from django.db import migrations

from pro_portal.db_guards import immutability_operations

forward, reverse = immutability_operations("pro_portal_auditevent")


class Migration(migrations.Migration):
    dependencies = [("pro_portal", "0001_initial")]
    operations = [migrations.RunPython(forward, reverse)]

"""A trigram index for finding patients by part of the name (issue 16).

Name search is ``name__icontains``, which Django writes on PostgreSQL as
``UPPER(name::text) LIKE UPPER('%part%')``; a GIN index of ``UPPER(name)``
with ``gin_trgm_ops`` (pg_trgm) serves that condition, where a B-tree index
cannot serve a pattern that begins with ``%``.

PostgreSQL only: SQLite (the embedded default) has neither pg_trgm nor GIN,
so both steps do nothing there (``TrigramExtension`` checks the vendor
itself). The index is not in ``Patient.Meta.indexes`` for the same reason,
and so is made here, outside the migration state, in SQL: ``GinIndex`` with
``OpClass`` needs ``django.contrib.postgres`` installed, which SQLite sites
do not need. Built CONCURRENTLY, so a region's registrations are not blocked
while it builds.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

CREATE = (
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS patient_name_trgm "
    "ON pro_portal_patient USING gin (UPPER(name) gin_trgm_ops)"
)
DROP = "DROP INDEX CONCURRENTLY IF EXISTS patient_name_trgm"


class TrigramExtensionOnPostgreSQL(TrigramExtension):
    """Django's ``TrigramExtension`` creates the extension on PostgreSQL only,
    but its reverse looks the extension up in ``pg_extension`` on any
    database, so reversing this migration failed on SQLite."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("pro_portal", "0007_organisation_region"),
    ]

    operations = [
        TrigramExtensionOnPostgreSQL(),
        migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP), elidable=False),
    ]

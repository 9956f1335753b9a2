"""Name search looks up only the organisation's own names (issue 16).

Name search asks for one organisation's patients (those of the clinics the
user belongs to) whose ``UPPER(name)`` holds the typed part. The trigram
index of 0008 holds the whole region's names, so a search read every
matching name of every organisation before the organisation's index was
ANDed in ("Jensen": 22,370 index entries for 51 shown, 56 ms on a region of
500,000 patients). A GIN index on ``(organisation_id, UPPER(name)
gin_trgm_ops)`` looks up the organisation and the trigrams together, so it
reads the clinic's own matches only. GIN indexes an integer column with the
``btree_gin`` extension. It serves every query the name-only index served
(name search is always within organisations), so that one is dropped.

PostgreSQL only, as 0008: on SQLite every step does nothing, either way
(the extension is made in SQL rather than with ``BtreeGinExtension``,
whose reversal asks SQLite for ``pg_extension``). Built and dropped CONCURRENTLY, so a region's
registrations are not blocked while it builds.
"""

from django.db import migrations

CREATE = (
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS patient_organisation_name_trgm "
    "ON pro_portal_patient USING gin (organisation_id, UPPER(name) gin_trgm_ops)"
)
DROP = "DROP INDEX CONCURRENTLY IF EXISTS patient_organisation_name_trgm"
CREATE_OLD = (
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS patient_name_trgm "
    "ON pro_portal_patient USING gin (UPPER(name) gin_trgm_ops)"
)
DROP_OLD = "DROP INDEX CONCURRENTLY IF EXISTS patient_name_trgm"
EXTENSION = "CREATE EXTENSION IF NOT EXISTS btree_gin"
NO_EXTENSION = "DROP EXTENSION IF EXISTS btree_gin"


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("pro_portal", "0008_patient_name_trigram"),
    ]

    operations = [
        migrations.RunPython(
            _on_postgresql(EXTENSION), _on_postgresql(NO_EXTENSION), elidable=False
        ),
        migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP), elidable=False),
        migrations.RunPython(_on_postgresql(DROP_OLD), _on_postgresql(CREATE_OLD), elidable=False),
    ]

"""The cache's table (CACHES: DatabaseCache), created by migrate so no deploy
step can forget it. ``createcachetable`` skips a table that exists."""

from django.core.management import call_command
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def cache_table_create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("pro_portal", "0005_verbose_names")]

    operations = [migrations.RunPython(cache_table_create, migrations.RunPython.noop)]

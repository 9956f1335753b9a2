from django.db import migrations

from pro_portal.db_guards import immutability_operations

forward, reverse = immutability_operations(
    "questionnaires_questionnaireversion",
    ["questionnaire_id", "version", "content", "content_hash"],
)


class Migration(migrations.Migration):
    dependencies = [("questionnaires", "0001_initial")]
    operations = [migrations.RunPython(forward, reverse)]

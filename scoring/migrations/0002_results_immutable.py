from django.db import migrations

from pro_portal.db_guards import immutability_operations

forward, reverse = immutability_operations("scoring_scoringresult")


class Migration(migrations.Migration):
    dependencies = [("scoring", "0001_initial")]
    operations = [migrations.RunPython(forward, reverse)]

# The ScoringResult model moved to the questionnaires app (next to Response:
# the patient side writes results, the clinician side reads them). Only
# Django's state changes here: the table scoring_scoringresult, its rows,
# indexes, constraint and append-only trigger stay exactly as they are.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0003_reviews_and_pdfs"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ScoringResult")],
            database_operations=[],
        ),
    ]

# ScoringResult moves here from the scoring app (docs/architecture.md, "A
# response's life in one place"). State only: it keeps its table
# scoring_scoringresult, rows, indexes, constraint and append-only trigger.

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("questionnaires", "0003_patient_flow"),
        ("scoring", "0004_scoringresult_moves_to_questionnaires"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ScoringResult",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[("original", "Original"), ("rescore", "Rescoring")],
                                default="original",
                                max_length=8,
                            ),
                        ),
                        ("questionnaire_id", models.CharField(max_length=64)),
                        ("definition_version", models.CharField(max_length=32)),
                        ("engine_version", models.CharField(max_length=32)),
                        (
                            "overall",
                            models.CharField(
                                choices=[
                                    ("red", "Red"),
                                    ("yellow", "Yellow"),
                                    ("green", "Green"),
                                    ("not_assessable", "Not assessable"),
                                ],
                                db_index=True,
                                max_length=16,
                            ),
                        ),
                        ("result", models.JSONField()),
                        ("scored_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("rescore_run", models.CharField(blank=True, max_length=64)),
                        (
                            "response",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="results",
                                to="questionnaires.response",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "scoring_scoringresult",
                        "verbose_name": "scoring result",
                        "verbose_name_plural": "scoring results",
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("kind", "original")),
                                fields=("response",),
                                name="scoring_one_original_result_per_response",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]

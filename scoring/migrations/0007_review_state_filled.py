# Fills the review state the worklists now read from the response
# (questionnaires 0009) for responses submitted before it existed: what the
# original result shows (the same rule as at submit, questionnaires.results
# .shown_state) and when the response was reviewed. Reads each original
# result once, in chunks; a response already filled (submitted after the
# schema change) is left as it is. Nothing to undo: the columns go with 0009.

from django.db import migrations

from questionnaires.results import RANK, shown_state

CHUNK = 2000


def fill(apps, schema_editor):
    Response = apps.get_model("questionnaires", "Response")
    ScoringResult = apps.get_model("questionnaires", "ScoringResult")
    ResponseReview = apps.get_model("scoring", "ResponseReview")
    originals = (
        ScoringResult.objects.filter(
            kind="original", response__status="submitted", response__attention__isnull=True
        )
        .order_by("response_id")
        .values_list("response_id", "overall", "result__not_assessable")
    )
    batch = []
    for response_id, overall, not_assessable in originals.iterator(chunk_size=CHUNK):
        safety = any(entry.get("safety") for entry in not_assessable or [])
        shown = shown_state(overall, safety_unanswered=safety)
        batch.append(Response(pk=response_id, shown=shown or "", attention=RANK[shown]))
        if len(batch) >= CHUNK:
            Response.objects.bulk_update(batch, ["shown", "attention"])
            batch = []
    Response.objects.bulk_update(batch, ["shown", "attention"])
    reviews = ResponseReview.objects.filter(response__reviewed_at__isnull=True).values_list(
        "response_id", "reviewed_at"
    )
    batch = []
    for response_id, reviewed_at in reviews.iterator(chunk_size=CHUNK):
        batch.append(Response(pk=response_id, reviewed_at=reviewed_at))
        if len(batch) >= CHUNK:
            Response.objects.bulk_update(batch, ["reviewed_at"])
            batch = []
    Response.objects.bulk_update(batch, ["reviewed_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0006_summarypdf_language"),
        ("questionnaires", "0009_response_review_state"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]

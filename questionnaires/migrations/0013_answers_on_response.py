"""A response's answers on the response itself (issue 16): one JSON value
instead of a row per answer, with the reused answers' origins and the time
the last answer was saved. The rows are copied, then their table dropped.

Run it with the site's workers stopped: code from before it reads and writes
the answer table. On PostgreSQL the table is locked against writes first, so
an answer saved while it runs waits and is then refused, never lost
silently."""

import datetime as dt

from django.db import migrations, models

# Python's datetime.isoformat() of a UTC time, as answering.answers_reuse writes it.
ISO = """to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')"""

FORWARD = f"""
LOCK TABLE questionnaires_answer IN SHARE MODE;
UPDATE questionnaires_response AS r
SET answers = a.answers, reused = a.reused, answers_saved_at = a.saved
FROM (
    SELECT
        response_id,
        jsonb_object_agg(item_id, value) AS answers,
        COALESCE(
            jsonb_object_agg(
                item_id,
                jsonb_build_object(
                    'response', reused_from_id,
                    'submitted_at', {ISO.format(column="reused_submitted_at")}
                )
            ) FILTER (WHERE reused_from_id IS NOT NULL AND reused_submitted_at IS NOT NULL),
            '{{}}'::jsonb
        ) AS reused,
        max(updated_at) AS saved
    FROM questionnaires_answer
    GROUP BY response_id
) AS a
WHERE r.id = a.response_id;
"""

REVERSE = """
INSERT INTO questionnaires_answer
    (response_id, item_id, value, updated_at, reused_from_id, reused_submitted_at)
SELECT
    r.id, a.key, a.value, COALESCE(r.answers_saved_at, r.created_at),
    (r.reused -> a.key ->> 'response')::bigint,
    (r.reused -> a.key ->> 'submitted_at')::timestamptz
FROM questionnaires_response AS r, jsonb_each(r.answers) AS a
WHERE r.answers <> '{}'::jsonb;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)
        return
    Answer = apps.get_model("questionnaires", "Answer")
    Response = apps.get_model("questionnaires", "Response")
    by_response = {}
    for row in Answer.objects.order_by("response_id", "pk").iterator():
        answers, reused, saved = by_response.setdefault(row.response_id, ({}, {}, [None]))
        answers[row.item_id] = row.value
        if row.reused_from_id is not None and row.reused_submitted_at is not None:
            at = row.reused_submitted_at.astimezone(dt.UTC)
            reused[row.item_id] = {"response": row.reused_from_id, "submitted_at": at.isoformat()}
        if saved[0] is None or row.updated_at > saved[0]:
            saved[0] = row.updated_at
    for pk, (answers, reused, saved) in by_response.items():
        Response.objects.filter(pk=pk).update(
            answers=answers, reused=reused, answers_saved_at=saved[0]
        )


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REVERSE)
        return
    Answer = apps.get_model("questionnaires", "Answer")
    Response = apps.get_model("questionnaires", "Response")
    rows = []
    for response in Response.objects.exclude(answers={}).iterator():
        for item_id, value in response.answers.items():
            origin = (response.reused or {}).get(item_id)
            rows.append(
                Answer(
                    response_id=response.pk,
                    item_id=item_id,
                    value=value,
                    updated_at=response.answers_saved_at or response.created_at,
                    reused_from_id=origin["response"] if origin else None,
                    reused_submitted_at=(
                        dt.datetime.fromisoformat(origin["submitted_at"]) if origin else None
                    ),
                )
            )
    Answer.objects.bulk_create(rows, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("questionnaires", "0012_import_warnings"),
    ]

    operations = [
        migrations.AddField(
            model_name="response",
            name="answers",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="response",
            name="answers_saved_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="response",
            name="reused",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(forward, reverse),
        migrations.DeleteModel(
            name="Answer",
        ),
    ]

"""A response's answers on the response itself (issue 16): one JSON value
instead of a row per answer, with the reused answers' origins and the time
the last answer was saved. The rows are copied, then their table dropped.

Run it with the site's workers stopped: code from before it reads and writes
the answer table. On PostgreSQL the table is locked against writes first, so
an answer saved while it runs waits and is then refused, never lost
silently."""

import datetime as dt
import json

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


def _when(text):
    """A time as SQLite stores it (UTC, no zone) as an aware datetime."""
    when = text if isinstance(text, dt.datetime) else dt.datetime.fromisoformat(text)
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


# SQLite: the same in Python, on plain SQL (in this migration's state the
# response's new field and the old rows' reverse relation share the name).


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)
        return
    by_response = {}
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT response_id, item_id, value, updated_at, reused_from_id, reused_submitted_at"
            " FROM questionnaires_answer ORDER BY response_id, id"
        )
        for response_id, item_id, value, updated_at, reused_from, reused_at in cursor.fetchall():
            answers, reused, saved = by_response.setdefault(response_id, ({}, {}, []))
            answers[item_id] = json.loads(value) if isinstance(value, str) else value
            if reused_from is not None and reused_at is not None:
                at = _when(reused_at).astimezone(dt.UTC).isoformat()
                reused[item_id] = {"response": reused_from, "submitted_at": at}
            saved.append(_when(updated_at))
        for pk, (answers, reused, saved) in by_response.items():
            cursor.execute(
                "UPDATE questionnaires_response SET answers = %s, reused = %s,"
                " answers_saved_at = %s WHERE id = %s",
                [json.dumps(answers), json.dumps(reused), max(saved), pk],
            )


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REVERSE)
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, answers, reused, answers_saved_at, created_at"
            " FROM questionnaires_response"
        )
        rows = []
        for pk, answers, reused, saved, created in cursor.fetchall():
            reused = json.loads(reused) if isinstance(reused, str) else (reused or {})
            answers = json.loads(answers) if isinstance(answers, str) else (answers or {})
            for item_id, value in answers.items():
                origin = reused.get(item_id)
                rows.append(
                    [
                        pk,
                        item_id,
                        json.dumps(value),
                        _when(saved or created),
                        origin["response"] if origin else None,
                        _when(origin["submitted_at"]) if origin else None,
                    ]
                )
        cursor.executemany(
            "INSERT INTO questionnaires_answer (response_id, item_id, value, updated_at,"
            " reused_from_id, reused_submitted_at) VALUES (%s, %s, %s, %s, %s, %s)",
            rows,
        )


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

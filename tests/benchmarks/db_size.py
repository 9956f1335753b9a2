"""Benchmark: database bytes per 1,000 submitted PHQ-9 responses.

On demand, not in CI::

    .venv/bin/python tests/benchmarks/db_size.py [--responses 1000] [--root CHECKOUT]

Creates a scratch PostgreSQL database (``pp_compact_size`` unless
``--database`` says otherwise), migrates it, publishes the newest PHQ-9 of the
library and submits ``--responses`` responses through the site's own services
(``invitation_create``, then ``response_submit``: ten responses per patient,
answered with the library's PHQ-9 test vectors in turn, so flags, colours and
change-since-last-time vary as in a clinic). It prints
``pg_total_relation_size`` (rows, indexes and TOAST) of the tables a response
fills — responses (with their answers since issue 16; older code run with
``--root`` has an answer table too), scoring results and audit events — less
their size before the first submit, per 1,000 responses, then each table's
rows and each index; then drops the database.

``--root`` runs another checkout's code (e.g. a ``git worktree`` of main)
against the same procedure, to compare before and after a change.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.harness import ROOT, drop_database, port_open, recreate_database

SUBMIT = """
import datetime as dt, json
from django.db import connection
from django.utils import timezone
from pro_portal.models import AuditEvent, Membership, Organisation, Patient, Role, User
from questionnaires.answering import Submit, response_submit, submission_token_issue
from questionnaires.invitations import invitation_create
from questionnaires.library import LIBRARY_DIR, library_paths, read_published
from questionnaires.models import Response, ScoringResult
from questionnaires.services import (
    questionnaire_activate, questionnaire_publish, questionnaire_record_review,
)

TABLES = {
    "responses": Response._meta.db_table,
    "results": ScoringResult._meta.db_table,
    "audit": AuditEvent._meta.db_table,
}
try:  # older code (--root): answers in a table of their own
    from questionnaires.models import Answer
    TABLES["answers"] = Answer._meta.db_table
except ImportError:  # since issue 16: on the response
    pass

def sizes():
    with connection.cursor() as cursor:
        out = {}
        for name, table in TABLES.items():
            cursor.execute("SELECT pg_total_relation_size(%s)", [table])
            out[name] = cursor.fetchone()[0]
        return out

paths = [p for p in library_paths() if p.parent.name == "phq9"]
path = max(paths, key=lambda p: tuple(int(n) for n in p.stem.split(".")))
org = Organisation.objects.create(
    name="Size", kind="general_practice", address="x", postcode="1", city="x"
)
staff = User.objects.create(username="size", email="size@example.org")
Membership.objects.create(user=staff, organisation=org, role=Role.CLINICIAN)
from django.contrib.auth.models import Permission
# (older code, run with --root, has no such permission and needs none)
staff.user_permissions.add(*Permission.objects.filter(codename="review_questionnaires"))
content, reuse = read_published(path)
version = questionnaire_publish(content=content, source=path.name, reuse=reuse).version
questionnaire_record_review(version=version, reviewer=staff, reviewed_on=dt.date.today(), by=None)
questionnaire_activate(version=version, by=None)
items = [item.id for item in version.definition.items if item.required]
patterns = [
    dict(v.answers) for v in version.definition.test_vectors
    if v.previous is None and all(i in v.answers for i in items)
]
before = sizes()
submitted = 0
colours = {}
for n in range(RESPONSES):
    if n % 10 == 0:
        patient = Patient.objects.create(
            organisation=org, name=f"Size Patient {n}", cpr=f"010170{1000 + n // 10:04d}"
        )
    issued = invitation_create(
        patient=patient, starts_at=timezone.now() + dt.timedelta(days=1), versions=[version],
        by=staff, email=False, sms=False,
    )
    response = issued.invitation.responses.get()
    answers = patterns[n % len(patterns)]
    answers = {k: list(v) if isinstance(v, tuple) else v for k, v in answers.items()}
    if "answers" not in TABLES:
        Response.objects.filter(pk=response.pk).update(status="in_progress", answers=answers)
    else:  # older code (--root): a row per answer
        Answer.objects.bulk_create(
            [Answer(response=response, item_id=k, value=v) for k, v in answers.items()]
        )
        Response.objects.filter(pk=response.pk).update(status="in_progress")
    response.refresh_from_db()
    token = submission_token_issue(response=response)
    outcome = response_submit(response=response, token=token, channel="web")
    if outcome.result is not Submit.SUBMITTED:
        raise SystemExit(f"response {n} not submitted: {outcome.result}")
    submitted += 1
    colours[outcome.scoring.overall] = colours.get(outcome.scoring.overall, 0) + 1
with connection.cursor() as cursor:
    cursor.execute("SELECT avg(pg_column_size(result)) FROM scoring_scoringresult")
    result_column = float(cursor.fetchone()[0])
with connection.cursor() as cursor:
    cursor.execute(
        "SELECT c.relname, i.relname, pg_relation_size(i.oid) FROM pg_index x"
        " JOIN pg_class c ON c.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid"
        " WHERE c.relname = ANY(%s) ORDER BY 1, 3 DESC", [list(TABLES.values())])
    indexes = cursor.fetchall()
    heaps = {}
    for name, table in TABLES.items():
        cursor.execute("SELECT pg_relation_size(%s), pg_table_size(%s)", [table, table])
        heaps[name] = cursor.fetchone()
print(json.dumps({
    "indexes": indexes, "heaps": heaps,
    "version": version.ref, "patterns": len(patterns), "submitted": submitted,
    "colours": colours, "before": before, "after": sizes(), "result_column": result_column,
}))
"""


def run(root: Path, database: str, responses: int) -> dict[str, object]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("REDIS_URL", "DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{database}",
        PRO_PORTAL_TESTING="true",
        # No broker: the outbox's PDF task is queued in memory and never runs.
        CELERY_TASK_ALWAYS_EAGER="false",
        DJANGO_SETTINGS_MODULE="pro_portal.settings",
        PYTHONPATH=str(root),
        LOG_LEVEL="WARNING",
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input"],
        cwd=root,
        env=env,
        check=True,
        capture_output=True,
    )
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup()\nRESPONSES = {responses}\n{SUBMIT}"],
        cwd=root,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    data: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--responses", type=int, default=1000, help="PHQ-9 responses submitted")
    parser.add_argument("--database", default="pp_compact_size", help="scratch database")
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout whose code runs")
    args = parser.parse_args()
    if not port_open(5432):
        print("PostgreSQL is not running on 127.0.0.1:5432", file=sys.stderr)
        return 2
    recreate_database(args.database)
    try:
        data = run(args.root.resolve(), args.database, args.responses)
    finally:
        drop_database(args.database)
    before, after = data["before"], data["after"]
    assert isinstance(before, dict)
    assert isinstance(after, dict)
    per = 1000 / args.responses
    print(
        f"{data['submitted']} {data['version']} responses submitted "
        f"({data['patterns']} answer patterns; overall {data['colours']})"
    )
    total = 0.0
    for name in after:
        grown = (after[name] - before[name]) * per
        total += grown
        print(f"{name:<10} {grown / 1024:9.1f} KiB per 1,000 responses")
    print(f"{'total':<10} {total / 1024:9.1f} KiB per 1,000 responses")
    print(f"stored result column: {data['result_column']:.0f} bytes per row on average")
    # Where each table's bytes are: its rows (with TOAST) and each index, all
    # rows (those created before the first submit are a page or so each).
    heaps = data["heaps"]
    assert isinstance(heaps, dict)
    for name, (heap, with_toast) in heaps.items():
        print(
            f"  {name:<10} rows {heap * per / 1024:8.1f} KiB, "
            f"with TOAST {with_toast * per / 1024:8.1f}"
        )
    for _table, index, size in data["indexes"]:  # type: ignore[attr-defined]
        print(f"    {index:<56} {size * per / 1024:8.1f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: the clinician's pages on a seeded region (issue 16).

On demand, not in CI. Two steps, so one seed serves many measurements::

    .venv/bin/python tests/benchmarks/bench_region.py seed --database NAME [--scale 1]
        [--clinic-patients N ...]
    .venv/bin/python tests/benchmarks/bench_region.py measure --database NAME
        [--redis-db N] [--requests 200] [--explain]

``seed`` creates the database (refusing one that exists), migrates it and
runs ``manage.py seed_scale --benchmark`` with throwaway keys. The keys the
CPR numbers were encrypted and hashed with are kept in the database's own
comment (fictional data, throwaway keys), so ``measure`` can read them: a
typed CPR number must hash as it did when seeded.

``measure`` serves the seeded database with gunicorn (DEBUG off, the
production middleware, Redis; see harness.py) and signs in the big clinic's
clinician. Server-side times come from the Server-Timing header the harness
adds. Targets (issue 16), server-side p95:

- the day list of the seeded day (100 consultations, the overdue block
  above it) ≤ 50 ms;
- the awaiting-review list, first page ≤ 50 ms;
- search by CPR number and by name ≤ 25 ms;
- the summary of the patient with 50 responses ≤ 25 ms;

and audit rows written per view ≤ the rows the page shows. ``--explain``
prints the query plans (EXPLAIN (ANALYZE, BUFFERS)) docs/architecture.md
quotes.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.harness import (
    HELLO,
    ROOT,
    STAFF_SESSION,
    Browser,
    collectstatic,
    free_port,
    gunicorn,
    manage,
    percentile,
    port_open,
    production_environment,
    run_django,
)

# seed_scale's count overrides, passed on as given: e.g. the big clinic at full
# size (--clinic-patients 10000 --clinic-responses 27600 --clinic-unreviewed 5377
# --clinic-overdue-reds 889 --today 100) beside a region at --scale 0.2.
COUNTS = (
    "organisations",
    "patients",
    "responses",
    "audit-events",
    "clinic-patients",
    "clinic-responses",
    "clinic-unreviewed",
    "clinic-overdue-reds",
    "today",
)

KEYS = ("CPR_HASH_KEY", "FIELD_ENCRYPTION_SALT", "DATA_ENCRYPTION_KEYS")


def admin(sql: str, *params: str) -> list[tuple[object, ...]]:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as db:
        cursor = db.execute(sql, params or None)
        return cursor.fetchall() if cursor.description else []


def seed(args: argparse.Namespace) -> int:
    from psycopg import sql

    if admin("SELECT 1 FROM pg_database WHERE datname = %s", args.database):
        print(f"database {args.database} exists: drop it first to seed again", file=sys.stderr)
        return 2
    keys = {
        "CPR_HASH_KEY": secrets.token_urlsafe(32),
        "FIELD_ENCRYPTION_SALT": secrets.token_urlsafe(16),
        "DATA_ENCRYPTION_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
    }
    static_root = tempfile.mkdtemp(prefix="bench-static-")
    env = {**production_environment(static_root, 8000, args.database), **keys}
    name = sql.Identifier(args.database)
    note = "bench_region keys " + json.dumps(keys)
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as db:
        db.execute(sql.SQL("CREATE DATABASE {}").format(name))
        db.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(name, sql.Literal(note)))
    manage(env, "migrate", "--no-input")
    command = [sys.executable, "manage.py", "seed_scale", "--benchmark", "--scale", str(args.scale)]
    for name in COUNTS:  # counts given override the scaled ones
        given = getattr(args, name.replace("-", "_"))
        if given is not None:
            command += [f"--{name}", str(given)]
    return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode


def keys_of(database: str) -> dict[str, str]:
    rows = admin(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
        database,
    )
    note = str(rows[0][0]) if rows and rows[0][0] else ""
    if not note.startswith("bench_region keys "):
        raise SystemExit(f"{database} was not seeded by bench_region.py seed (no keys)")
    keys: dict[str, str] = json.loads(note.removeprefix("bench_region keys "))
    return keys


# The big clinic, its clinician signed in, the seeded day, the patient with
# the longest history (their newest response's summary; their CPR number is
# typed into the search and never printed) and names to search for.
SUBJECTS = """
import json
from django.db.models import Count, Max
from django.utils import timezone
from pro_portal.models import Membership, Organisation, Patient, User
from questionnaires.models import Consultation, Response

clinic = Organisation.objects.get(name="Smerteklinikken Syd")
user = User.objects.filter(
    memberships__organisation=clinic, memberships__role="clinician"
).order_by("pk")[0]
last = Consultation.objects.filter(organisation=clinic).aggregate(day=Max("starts_at"))["day"]
longest = (
    Response.objects.filter(organisation=clinic, status="submitted")
    .values("patient_id").annotate(n=Count("pk")).order_by("-n")[0]
)
patient = Patient.objects.get(pk=longest["patient_id"])
newest = Response.objects.filter(patient=patient, status="submitted").latest("submitted_at")
first, *rest, surname = patient.name.split()
print(json.dumps({
    "clinician": staff_session(user),
    "clinician_id": user.pk,
    "day": timezone.localtime(last).date().isoformat(),
    "responses": longest["n"],
    "summary": str(newest.public_id),
    "patient": str(patient.public_id),
    "cpr": patient.cpr,
    "name": f"{first} {surname}",
    "surname": "Jensen",
}))
"""

# EXPLAIN (ANALYZE, BUFFERS) of every SELECT the pages' selectors send, as the
# door calls them (the second call of each: a warm cache, as a live clinic's).
EXPLAIN = r"""
import datetime as dt, json
from django.db import connection
from pro_portal.models import Patient, User
from scoring import door, worklist

user = User.objects.get(pk={clinician_id})
cpr = Patient.objects.get(public_id="{patient}").cpr  # read here: never in a command line
day = dt.date.fromisoformat("{day}")
pages = {{
    "day list (door.day_page)": lambda: door.day_page(
        user, worklist.Filters(day=day), language="da"),
    "awaiting review, page 1 (door.awaiting_page)": lambda: door.awaiting_page(
        user, worklist.Filters(day=day), language="da"),
    "search by CPR number (door.patient_search)": lambda: door.patient_search(
        user, cpr, language="da"),
    "search by name (door.patient_search)": lambda: door.patient_search(
        user, {name!r}, language="da"),
    "search by a common surname (door.patient_search)": lambda: door.patient_search(
        user, {surname!r}, language="da"),
}}
plans = {{}}
for label, page in pages.items():
    page()
    captured = []

    def capture(execute, sql, params, many, context):
        captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        page()
    shown = []
    with connection.cursor() as cursor:
        for sql, params in captured:
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            shown.append(sql[:300] + "\n" + plan)
    plans[label] = shown
print(json.dumps(plans))
"""


def page_rows(html: str, page: str) -> int:
    """Rows the page shows, each naming a patient: the list's rows, the
    overdue block's and the unsent notices'."""
    if page.startswith("summary"):
        return 1
    if page.startswith("search"):
        return len(re.findall(r'<li class="list-group-item">', html))
    rows = len(re.findall(r'<tr class="row-', html))
    for block in re.findall(r'<section class="(?:overdue|unsent)[^"]*".*?</section>', html, re.S):
        rows += len(re.findall(r"<li>", block))
    return rows


def audit_count(database: str) -> int:
    import psycopg

    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{database}") as db:
        row = db.execute("SELECT coalesce(max(id), 0) FROM pro_portal_auditevent").fetchone()
    return int(row[0]) if row else 0


def audit_since(database: str, after: int) -> int:
    import psycopg

    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{database}") as db:
        row = db.execute("SELECT count(*) FROM pro_portal_auditevent WHERE id > %s", [after])
        found = row.fetchone()
    return int(found[0]) if found else 0


TARGETS = {
    "day list": 50,
    "awaiting review, page 1": 50,
    "search by CPR with the dash": 25,
    "search by CPR without": 25,
    "search by full name": 25,
    "search by common surname": 25,
    "summary, 50 responses": 25,
}


def measure(args: argparse.Namespace) -> int:
    port = free_port()
    static_root = tempfile.mkdtemp(prefix="bench-static-")
    private_root = tempfile.mkdtemp(prefix="bench-private-")
    env = {
        **production_environment(static_root, port, args.database, args.redis_db),
        **keys_of(args.database),
        "PRIVATE_FILES_ROOT": private_root,
        # A worker's first request loads the site: on a busy machine, longer
        # than gunicorn's default 30 s.
        "GUNICORN_CMD_ARGS": "--timeout 300",
    }
    try:
        collectstatic(env)
        subjects = run_django(env, STAFF_SESSION + SUBJECTS)
        cpr = str(subjects.pop("cpr"))
        print(
            f"clinic's clinician; seeded day {subjects['day']}; the summary's patient has "
            f"{subjects['responses']} responses; names searched: {subjects['name']!r}, "
            f"{subjects['surname']!r}"
        )
        if args.explain:
            code = EXPLAIN.format(
                clinician_id=subjects["clinician_id"], day=subjects["day"],
                patient=subjects["patient"],
                name=subjects["name"], surname=subjects["surname"],
            )  # fmt: skip
            for label, plans in run_django(env, code).items():
                print(f"\n=== {label}")
                for plan in plans:
                    print(f"\n{plan}")
            return 0
        pages: dict[str, tuple[str, str, str]] = {  # label: (method, path, query)
            "day list": ("GET", f"/worklist/?day={subjects['day']}", ""),
            "awaiting review, page 1": ("GET", "/worklist/awaiting/", ""),
            "search by CPR with the dash": ("POST", "/worklist/search/", f"{cpr[:6]}-{cpr[6:]}"),
            "search by CPR without": ("POST", "/worklist/search/", cpr),
            "search by full name": ("POST", "/worklist/search/", str(subjects["name"])),
            "search by common surname": ("POST", "/worklist/search/", str(subjects["surname"])),
            "summary, 50 responses": ("GET", f"/responses/{subjects['summary']}/", ""),
        }
        root = Path(args.against) if args.against else ROOT
        with gunicorn(env, port, args.workers, root):
            browser = Browser(port, timeout=120)  # a worker's first request loads the site
            browser.cookies = dict(subjects["clinician"])
            for _ in range(4 * args.workers):  # reach every worker
                _status, html, _elapsed = browser.request("GET", "/worklist/")
            token = browser.csrf(html)

            def load(label: str) -> str:
                method, path, query = pages[label]
                body = {"csrfmiddlewaretoken": token, "query": query} if query else None
                status, html, _elapsed = browser.request(method, path, body)
                if status != 200:
                    raise RuntimeError(f"{label}: HTTP {status}")
                return html

            audit: dict[str, tuple[int, int]] = {}  # label: (audit rows written, rows shown)
            for label in pages:
                before = audit_count(args.database)
                html = load(label)
                audit[label] = (audit_since(args.database, before), page_rows(html, label))
            server: dict[str, list[float]] = {label: [] for label in pages}
            cpu: dict[str, list[float]] = {label: [] for label in pages}
            floor: list[float] = []
            floor_cpu: list[float] = []
            for round_ in range(args.requests + 10):  # the first 10 warm up
                for label in pages:
                    load(label)
                    if round_ >= 10:
                        server[label].append(browser.server_seconds)
                        cpu[label].append(browser.server_cpu_seconds)
                browser.request("GET", HELLO)
                floor.append(browser.server_seconds)
                floor_cpu.append(browser.server_cpu_seconds)
        print(
            f"\ngunicorn {args.workers} sync workers, DEBUG off, PostgreSQL, Redis; "
            f"{args.requests} requests a page; server-side ms"
        )
        print(
            "| page | p50 | p95 | target p95 | worker CPU p50 / p95 | audit rows per view "
            "| rows shown |"
        )
        print("|---|---|---|---|---|---|---|")
        for label, times in server.items():
            p95 = percentile(times, 0.95) * 1000
            mark = "" if p95 <= TARGETS[label] else " ✗"
            written, shown = audit[label]
            print(
                f"| {label} | {statistics.median(times) * 1000:.1f} | {p95:.1f}{mark} | "
                f"≤ {TARGETS[label]} | {statistics.median(cpu[label]) * 1000:.1f} / "
                f"{percentile(cpu[label], 0.95) * 1000:.1f} | {written} | {shown} |"
            )
        print(
            f"(bare {HELLO}: p50 {statistics.median(floor) * 1000:.1f} ms, p95 "
            f"{percentile(floor, 0.95) * 1000:.1f} ms, worker CPU p50 "
            f"{statistics.median(floor_cpu) * 1000:.1f} ms; load average {os.getloadavg()[0]:.1f} "
            f"on {os.cpu_count()} CPUs)"
        )
    finally:
        if "REDIS_URL" in env:
            import redis

            redis.Redis.from_url(env["REDIS_URL"]).flushdb()
        for folder in (static_root, private_root):
            shutil.rmtree(folder, ignore_errors=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    steps = parser.add_subparsers(dest="step", required=True)
    seeding = steps.add_parser("seed", help="create, migrate and seed a database")
    seeding.add_argument("--database", required=True)
    seeding.add_argument("--scale", type=float, default=1.0)
    for name in COUNTS:
        seeding.add_argument(f"--{name}", type=int, default=None, help="override the count")
    measuring = steps.add_parser("measure", help="measure the pages on a seeded database")
    measuring.add_argument("--database", required=True)
    measuring.add_argument("--redis-db", type=int, default=14)
    measuring.add_argument("--requests", type=int, default=200, help="per page")
    measuring.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    measuring.add_argument("--explain", action="store_true", help="print the query plans")
    measuring.add_argument(
        "--against", help="serve another checkout (same migrations) to compare with"
    )
    args = parser.parse_args()
    if not port_open(5432):
        print("PostgreSQL is not running on 127.0.0.1:5432", file=sys.stderr)
        return 2
    if args.step == "seed":
        return seed(args)
    return measure(args)


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: a clinician's worklist with a day of 100 consultations.

On demand, not in CI::

    .venv/bin/python tests/benchmarks/bench_day_list.py [--requests 300]
        [--database NAME --redis-db N] [--against OTHER_CHECKOUT]

Production-like (see harness.py): gunicorn, DEBUG off, PostgreSQL, Redis.
The day has 100 consultations; 75 of them answered (red, yellow, green in
turn) and not yet reviewed, so the page also lists 75 responses awaiting
review. Server-side times come from the Server-Timing header the harness
adds (from the request reaching the WSGI application to the response being
built); the round trip as the client saw it is printed beside. Target
(issue 6): server-side p95 ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.harness import (
    BENCH_DB,
    REDIS_DB,
    STAFF_SESSION,
    Browser,
    free_port,
    gunicorn,
    percentile,
    port_open,
    run_django,
    scratch_site,
)

DAY = "2026-11-23"
SEED = """
import datetime as dt, json
from django.db import connection
from zoneinfo import ZoneInfo
from tests import factories

organisation = factories.OrganisationFactory()
clinician = factories.clinician(organisation)
secretary = factories.secretary(organisation)
version = factories.published_version("phq9")
answers = [factories.PHQ9_RED, factories.PHQ9_YELLOW, factories.PHQ9_GREEN, None]
first = dt.datetime(2026, 11, 23, 8, 0, tzinfo=ZoneInfo("Europe/Copenhagen"))
for i in range(100):
    patient = factories.PatientFactory(organisation=organisation)
    visit = factories.consultation(patient, first + dt.timedelta(minutes=5 * i), secretary)
    invitation = factories.invitation(visit, patient, secretary)
    if answers[i % 4] is not None:
        factories.submitted(patient, version, answers[i % 4], invitation=invitation)
connection.cursor().execute("ANALYZE")  # planner statistics, as a live database has
print(json.dumps({"clinician": staff_session(clinician), "secretary": staff_session(secretary)}))
"""


def timings(browser: Browser, path: str, count: int) -> tuple[list[float], list[float]]:
    """Server-side times (Server-Timing) and round trips as the client saw them."""
    server, client = [], []
    for _ in range(count):
        status, html, elapsed = browser.request("GET", path)
        if status != 200 or "Patient" not in html:
            raise RuntimeError(f"{path}: HTTP {status}")
        server.append(browser.server_seconds)
        client.append(elapsed)
    return server, client


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    # Beside another engineer's run on the same machine: a scratch database
    # and Redis database of one's own (both are dropped or flushed after).
    parser.add_argument("--database", default=BENCH_DB, help="scratch PostgreSQL database")
    parser.add_argument("--redis-db", type=int, default=REDIS_DB, help="scratch Redis database")
    parser.add_argument(
        "--against",
        type=Path,
        help="another checkout's root, served beside this one from the same database, "
        "requests alternating between the two (both see the same noise)",
    )
    args = parser.parse_args()
    if not port_open(5432):
        print("PostgreSQL is not running on 127.0.0.1:5432", file=sys.stderr)
        return 2
    ports = {"this": free_port()}
    with scratch_site(ports["this"], args.database, args.redis_db) as env:
        sessions = run_django(env, STAFF_SESSION + SEED)
        with contextlib.ExitStack() as servers:
            servers.enter_context(gunicorn(env, ports["this"], args.workers))
            if args.against:
                ports["other"] = free_port()
                root = args.against.resolve()
                servers.enter_context(gunicorn(env, ports["other"], args.workers, root))
            path = f"/worklist/?day={DAY}"
            print(
                f"gunicorn {args.workers} sync workers, DEBUG off, PostgreSQL,",
                f"{os.cpu_count()} CPUs, client on the same machine",
                f"(this checkout and {args.against}, alternating)" if args.against else "",
            )
            for role in ("clinician", "secretary"):
                browsers = {name: Browser(port) for name, port in ports.items()}
                for browser in browsers.values():
                    browser.cookies = dict(sessions[role])
                    timings(browser, path, 30)  # warm up both workers
                server: dict[str, list[float]] = {name: [] for name in browsers}
                client: dict[str, list[float]] = {name: [] for name in browsers}
                for _ in range(args.requests):
                    for name, browser in browsers.items():
                        one_server, one_client = timings(browser, path, 1)
                        server[name] += one_server
                        client[name] += one_client
                for name in browsers:
                    print(
                        f"day list of 100 consultations as {role:<9}"
                        f"{f' ({name} checkout)' if args.against else ''}: server-side "
                        f"p50 {statistics.median(server[name]) * 1000:5.1f} ms, "
                        f"p95 {percentile(server[name], 0.95) * 1000:5.1f} ms (target <= 50 ms); "
                        f"round trip p95 {percentile(client[name], 0.95) * 1000:5.1f} ms "
                        f"({len(server[name])} requests)"
                    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

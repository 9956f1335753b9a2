"""Benchmark: the patient question page and submit, against a bare "hello" view.

On demand, not in CI::

    .venv/bin/python tests/benchmarks/bench_patient_pages.py [--seconds 5] [--requests 300]

Production-like (see harness.py): gunicorn, DEBUG off, PostgreSQL, Redis.
The "hello" view is served by the same gunicorn and middleware in the same
run. Targets (docs: ../shared/design.md): question page p95 ≤ 25 ms and
throughput ≥ 25 % of hello; submit p95 ≤ 60 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.harness import (
    HELLO,
    Browser,
    free_port,
    gunicorn,
    percentile,
    port_open,
    run_django,
    scratch_site,
)

SEED = """
import datetime as dt, json
from django.utils import timezone
from pro_portal.models import Membership, Organisation, Patient, Role, User
from questionnaires.invitations import invitation_create
from questionnaires.library import LIBRARY_DIR, read_definition
from questionnaires.models import Response
from questionnaires.services import (
    questionnaire_activate, questionnaire_publish, questionnaire_record_review,
)

org = Organisation.objects.create(
    name="Bench", kind="general_practice", address="x", postcode="1", city="x"
)
staff = User.objects.create(username="bench", email="bench@example.org")
Membership.objects.create(user=staff, organisation=org, role=Role.CLINICIAN)
from django.contrib.auth.models import Permission
staff.user_permissions.add(Permission.objects.get(codename="review_questionnaires"))
versions = {}
for qid in ("chronic_pain", "phq9"):
    path = LIBRARY_DIR / qid / "1.0.0.yaml"
    version = questionnaire_publish(content=read_definition(path), source=path.name).version
    questionnaire_record_review(
        version=version, reviewer=staff, reviewed_on=dt.date.today(), by=None
    )
    questionnaire_activate(version=version, by=None)
    versions[qid] = version
patient = Patient.objects.create(organisation=org, name="Bench Patient", cpr="0101801237")
issued = invitation_create(
    patient=patient,
    starts_at=timezone.now() + dt.timedelta(days=1),
    versions=[versions["chronic_pain"]] + [versions["phq9"]] * SUBMITS,
    by=staff,
    email=False,
    sms=False,
)
answers = {f"phq9.{n}": str(n % 3) for n in range(1, 10)}
phq9 = list(
    issued.invitation.responses.filter(questionnaire_version=versions["phq9"]).order_by("pk")
)
Response.objects.filter(pk__in=[r.pk for r in phq9]).update(
    status="in_progress", answers=answers
)
pain = issued.invitation.responses.get(questionnaire_version=versions["chronic_pain"])
print(json.dumps({
    "link": issued.link.split("://", 1)[1].split("/", 1)[1],
    "question": f"answer/{pain.public_id}/q/pain.now/",
    "submits": [str(r.public_id) for r in phq9],
    "birth": [patient.birth_date.day, patient.birth_date.month, patient.birth_date.year],
}))
"""


def seed(env: dict[str, str], submits: int) -> dict[str, Any]:
    return dict(run_django(env, f"SUBMITS = {submits}\n{SEED}"))


def throughput(
    port: int, path: str, cookies: dict[str, str], seconds: float, clients: int
) -> float:
    """Requests per second from ``clients`` closed-loop threads for ``seconds``."""
    done = [0] * clients
    failures: list[int] = []
    stop = time.perf_counter() + seconds

    def run(index: int) -> None:
        browser = Browser(port)
        browser.cookies = dict(cookies)
        while time.perf_counter() < stop:
            status, _text, _elapsed = browser.request("GET", path)
            if status != 200:
                failures.append(status)
            done[index] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"{path}: {len(failures)} failed requests ({failures[:3]})")
    return sum(done) / (time.perf_counter() - started)


def latencies(browser: Browser, path: str, count: int) -> list[float]:
    times = []
    for _ in range(count):
        status, _text, elapsed = browser.request("GET", path)
        if status != 200:
            raise RuntimeError(f"{path}: HTTP {status}")
        times.append(elapsed)
    return times


def report(
    *,
    env: dict[str, str],
    args: argparse.Namespace,
    hello: list[float],
    question: list[float],
    submit: list[float],
    rates: tuple[float, float],
) -> None:
    def line(name: str, times: list[float], what: str, target: str = "") -> str:
        p50 = statistics.median(times) * 1000
        p95 = percentile(times, 0.95) * 1000
        return f"{name:<14} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   ({len(times)} {what}) {target}"

    broker = "Redis" if "REDIS_URL" in env else "in-memory"
    print(f"gunicorn {args.workers} sync workers on 127.0.0.1, DEBUG off, PostgreSQL, ")
    print(f"  {broker} broker, {os.cpu_count()} CPUs, client and server on the same machine")
    print(line("hello", hello, "requests"))
    print(line("question page", question, "requests", "  target p95 <= 25 ms"))
    print(line("submit", submit, "submits", "  target p95 <= 60 ms"))
    hello_rps, question_rps = rates
    print(
        f"throughput     hello {hello_rps:7.1f}/s   question page {question_rps:7.1f}/s"
        f"   = {question_rps / hello_rps:.0%} of hello"
        f"  ({args.clients} clients, {args.seconds:g} s each)  target >= 25 %"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per throughput run")
    parser.add_argument("--requests", type=int, default=300, help="per latency run")
    parser.add_argument("--submits", type=int, default=200, help="responses submitted")
    parser.add_argument("--clients", type=int, default=4, help="threads in throughput runs")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    args = parser.parse_args()
    if not port_open(5432):
        print("PostgreSQL is not running on 127.0.0.1:5432", file=sys.stderr)
        return 2

    port = free_port()
    with scratch_site(port) as env:
        seeded = seed(env, args.submits)
        with gunicorn(env, port, args.workers):
            measure(env, args, port, seeded)
    return 0


def measure(
    env: dict[str, str], args: argparse.Namespace, port: int, seeded: dict[str, Any]
) -> None:
    patient = Browser(port)
    patient.unlock("/" + seeded["link"], seeded["birth"])
    question = "/" + seeded["question"]
    latencies(patient, question, 30)  # warm up both workers
    latencies(patient, HELLO, 30)

    question_times = latencies(patient, question, args.requests)
    hello_times = latencies(patient, HELLO, args.requests)

    submit_times = []
    for response_id in seeded["submits"]:
        _check, elapsed = patient.submit(response_id)
        submit_times.append(elapsed)

    hello_rps = throughput(port, HELLO, patient.cookies, args.seconds, args.clients)
    question_rps = throughput(port, question, patient.cookies, args.seconds, args.clients)

    report(
        env=env,
        args=args,
        hello=hello_times,
        question=question_times,
        submit=submit_times,
        rates=(hello_rps, question_rps),
    )


if __name__ == "__main__":
    sys.exit(main())

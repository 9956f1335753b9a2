"""Load: the highest steady submission rate at which the summary PDFs keep up.

On demand, not in CI (pytest never collects it)::

    .venv/bin/python tests/benchmarks/load_submissions.py [--rates 2,3,4,5] [--seconds 60]
        [--web-workers 3] [--drain-timeout 120] [--all]

Production-like (see harness.py), on loopback only: gunicorn (sync workers,
DEBUG off), PostgreSQL, Redis as Celery broker, and two Celery workers of
concurrency 1, all on this machine together with the client. It uses its own
scratch database and Redis database (``pro_portal_load``, Redis 13), so it can
run beside the other benchmarks; both are dropped afterwards, and its
temporary folders (static files, PDFs) removed.

Set-up, not timed: one patient per planned submission, each invited to the
chronic-pain questionnaire (the heaviest PDF) with all answers saved from the
definition's test vectors (green, yellow and red in turn); every tenth patient
has two earlier submitted responses, so their PDFs carry trend graphs. Each
patient's link is opened and the birth date given (its own cookies) before
the step starts, so a submission is what a patient does last: the
check-your-answers page, then submit.

Each rate in ``--rates`` is one step: an open-loop schedule for ``--seconds``
(submission i starts at t0 + i/rate on a thread pool, however slow the
server is), the backlog (submitted responses without a PDF) sampled every
second, then the queue drained and every response checked: submitted, one
original scoring result, one PDF record and its non-empty file of the
recorded size, and no HTTP failure. submit-to-PDF is ``rendered_at -
submitted_at`` (both server clocks on this machine).

A rate *keeps up* when nothing is lost and the backlog at the end of the
window is at most what arrives in 5 s (rate x 5): over the minute the queue
did not grow by more than a few seconds' work. More than half of that is
reported as borderline (the knee: the backlog still grows, and a repeat run
may fail). Stepping stops at the first rate that does not keep up (``--all``
runs every rate). Requirement: a steady rate >= 3 submissions per second on
this 2-core machine (national peak about 1 per second), and at that rate p95
submit-to-PDF; nothing lost.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import psycopg

from pro_portal.cpr import redact
from tests.benchmarks.harness import (
    HELLO,
    ROOT,
    Browser,
    free_port,
    gunicorn,
    percentile,
    port_open,
    run_django,
    scratch_site,
)

# A scratch database and Redis database of its own: the other benchmarks use
# pro_portal_bench and Redis 14 and drop them when they finish.
# Its own scratch databases: it may run beside the other benchmarks.
LOAD_DB = "pro_portal_load"
LOAD_REDIS_DB = 13

KEEP_UP_SECONDS = 5  # the backlog allowed at the end of a window, in seconds of arrivals
WARM_UP = 6  # submissions before the first step (not measured)
CELERY_WORKERS = ("w1", "w2")
# Complete answer sets from chronic_pain/1.0.0.yaml's test vectors, used in turn.
VECTORS = (
    "base_green",
    "peg_7_0_yellow",
    "red_flag_bladder_bowel_red",
    "medicine_side_effects_yellow",
    "no_agenda_green",
    "mood_at_red_cutoffs_red",
    "sick_leave_yellow",
    "phq9_item9_one_red",
    "medicine_opioid_yellow",
    "peg_6_7_green",
)

SEED = """
import datetime as dt, json
from django.db import connection
from django.utils import timezone
from pro_portal.models import Patient
from questionnaires.invitations import invitation_create
from questionnaires.library import LIBRARY_DIR, read_definition
from questionnaires.models import Response
from pro_portal import outbox
from pro_portal.models import OutboxMessage
from tests import factories

organisation = factories.OrganisationFactory()
clinician = factories.clinician(organisation)
version = factories.published_version("chronic_pain", active=True)
definition = read_definition(LIBRARY_DIR / "chronic_pain" / "1.0.0.yaml")
vectors = {v["id"]: v["answers"] for v in definition["test_vectors"]}
chosen = [vectors[name] for name in VECTORS]
# Earlier responses: submitted months ago, their PDFs long purged (retention),
# so no PDF is queued for them here.
outbox.outbox_hand_over = lambda **kwargs: True  # not handed over: marked done below
now = timezone.now()
planned, answers = [], []
for n in range(COUNT):
    # Distinct valid CPR numbers, 20th century (seventh digit 1 to 3).
    cpr = f"{1 + n % 28:02d}{1 + n // 28 % 12:02d}{40 + n // 336 % 40:02d}{1000 + n % 3000:04d}"
    patient = Patient.objects.create(
        organisation=organisation, name=f"Belastning Patient{n}", cpr=cpr,
        email="patient@example.org", preferred_language="da",
    )
    if n % HISTORY_EVERY == 0:
        for months, vector in ((6, chosen[0]), (3, chosen[(n // HISTORY_EVERY) % len(chosen)])):
            earlier = factories.submitted(patient, version, vector)
            Response.objects.filter(pk=earlier.pk).update(
                submitted_at=now - dt.timedelta(days=30 * months),
                started_at=now - dt.timedelta(days=30 * months, minutes=10),
            )
    issued = invitation_create(
        patient=patient, starts_at=now + dt.timedelta(days=1), versions=[version],
        by=clinician, email=False, sms=False,
    )
    response = issued.invitation.responses.get()
    response.answers = dict(chosen[n % len(chosen)])
    answers.append(response)
    birth = patient.birth_date
    planned.append([
        "/" + issued.link.split("://", 1)[1].split("/", 1)[1],
        str(response.public_id),
        [birth.day, birth.month, birth.year],
    ])
Response.objects.bulk_update(answers, ["answers"], batch_size=2000)
OutboxMessage.objects.update(done_at=now)  # the earlier responses' PDFs: purged long ago
Response.objects.filter(
    pk__in=Response.objects.filter(invitation__isnull=False).values("pk")
).update(status="in_progress", started_at=now - dt.timedelta(minutes=10))
connection.cursor().execute("ANALYZE")  # planner statistics, as a live database has
print(json.dumps(planned))
"""

WAIT_FOR_WORKERS = """
import json, time
from pro_portal.celery import app
deadline = time.time() + 60
names = set()
while time.time() < deadline and not set(WANTED) <= names:
    names = {name.split("@", 1)[0] for reply in app.control.ping(timeout=1) for name in reply}
print(json.dumps(sorted(names)))
"""


@dataclass(frozen=True)
class Planned:
    link: str
    response: uuid.UUID
    birth: list[int]


@dataclass
class Step:
    rate: float
    seconds: float
    planned: int
    submit_times: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    lags: list[float] = field(default_factory=list)
    samples: list[tuple[float, int, int]] = field(default_factory=list)  # t, submitted, PDFs
    latencies: list[float] = field(default_factory=list)
    lost: Counter[str] = field(default_factory=Counter)
    drained: bool = False

    @property
    def backlog_end(self) -> int:
        return self.samples[-1][1] - self.samples[-1][2] if self.samples else 0

    @property
    def backlog_max(self) -> int:
        return max((s - p for _t, s, p in self.samples), default=0)

    def trajectory(self, points: int = 6) -> str:
        """The backlog at a few moments of the window, to see whether it grows."""
        if not self.samples:
            return "no samples"
        picks = sorted({round(i * (len(self.samples) - 1) / (points - 1)) for i in range(points)})
        shown = [self.samples[i] for i in picks]
        return ", ".join(f"{s - p} at {t:.0f} s" for t, s, p in shown)

    @property
    def pdf_rate(self) -> float:
        return self.samples[-1][2] / self.seconds if self.samples else 0.0

    @property
    def allowed_backlog(self) -> float:
        return self.rate * KEEP_UP_SECONDS

    @property
    def nothing_lost(self) -> bool:
        return not self.failures and not self.lost and self.drained

    @property
    def keeps_up(self) -> bool:
        return self.nothing_lost and self.backlog_end <= self.allowed_backlog

    @property
    def borderline(self) -> bool:
        """Kept up, but with more than half the allowed backlog: at the knee."""
        return self.keeps_up and self.backlog_end > self.allowed_backlog / 2

    @property
    def verdict(self) -> str:
        return "yes, borderline" if self.borderline else "yes" if self.keeps_up else "no"


# --- The database, read directly (no Django in this process) ---------------------------

BACKLOG = """
SELECT count(*) FILTER (WHERE r.status = 'submitted'), count(DISTINCT p.response_id)
FROM questionnaires_response r LEFT JOIN scoring_summarypdf p ON p.response_id = r.id
WHERE r.public_id = ANY(%s)
"""
VERIFY = """
SELECT r.status, r.submitted_at,
       (SELECT count(*) FROM scoring_scoringresult s
         WHERE s.response_id = r.id AND s.kind = 'original'),
       count(p.id), min(p.file_name), min(p.size), min(p.rendered_at)
FROM questionnaires_response r LEFT JOIN scoring_summarypdf p ON p.response_id = r.id
WHERE r.public_id = ANY(%s)
GROUP BY r.id
"""


class Database:
    """A connection to the scratch database for counting and checking."""

    def __init__(self) -> None:
        url = f"postgresql://postgres@127.0.0.1:5432/{LOAD_DB}"
        self.connection = psycopg.connect(url, autocommit=True)
        self.lock = threading.Lock()

    def close(self) -> None:
        self.connection.close()

    def counts(self, responses: list[uuid.UUID]) -> tuple[int, int]:
        """(submitted, with a PDF) among ``responses``."""
        with self.lock:
            row = self.connection.execute(BACKLOG, (responses,)).fetchone()
        assert row is not None
        return int(row[0]), int(row[1])

    def verify(self, responses: list[uuid.UUID], pdf_dir: Path) -> tuple[Counter[str], list[float]]:
        """What is wrong with each response (counted by kind), and submit-to-PDF times."""
        with self.lock:
            rows = self.connection.execute(VERIFY, (responses,)).fetchall()
        lost: Counter[str] = Counter()
        latencies: list[float] = []
        lost["response missing"] = len(responses) - len(rows)
        for status, submitted_at, results, pdfs, file_name, size, rendered_at in rows:
            if status != "submitted":
                lost[f"status {status}"] += 1
                continue
            if results != 1:
                lost[f"{results} original scoring results"] += 1
            if pdfs != 1:
                lost[f"{pdfs} PDF records"] += 1
                continue
            path = pdf_dir / file_name
            if not path.is_file() or path.stat().st_size == 0:
                lost["PDF file missing or empty"] += 1
            elif path.stat().st_size != size:
                lost["PDF file size differs from its record"] += 1
            latencies.append((rendered_at - submitted_at).total_seconds())
        return +lost, latencies


# --- Celery workers ----------------------------------------------------------------------


@contextlib.contextmanager
def celery_workers(env: dict[str, str], log: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Two workers of concurrency 1, as separate processes, logging to ``log``;
    stopped (warm shutdown, then killed if need be) however the block ends."""
    celery = str(Path(sys.executable).parent / "celery")
    workers: list[subprocess.Popen[bytes]] = []
    with log.open("ab") as out:
        try:
            for name in CELERY_WORKERS:
                command = [celery, "-A", "pro_portal", "worker", "--concurrency", "1"]
                command += ["-n", f"{name}@%h", "--loglevel", "INFO"]
                workers.append(
                    subprocess.Popen(
                        command,
                        cwd=ROOT,
                        env=env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,  # its own group: killed as one if need be
                    )
                )
            yield workers
        finally:
            for worker in workers:
                worker.terminate()  # warm shutdown: the task under way finishes
            for worker in workers:
                try:
                    worker.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(worker.pid, signal.SIGKILL)
                    worker.wait(timeout=10)
            for worker in workers:  # the pool's child, should it outlive its parent
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(worker.pid, signal.SIGKILL)


def wait_for_workers(env: dict[str, str], workers: list[subprocess.Popen[bytes]]) -> None:
    names = run_django(env, f"WANTED = {list(CELERY_WORKERS)!r}\n{WAIT_FOR_WORKERS}")
    if set(names) != set(CELERY_WORKERS) or any(w.poll() is not None for w in workers):
        raise RuntimeError(f"Celery workers did not all answer a ping (answered: {names})")


def worker_log_summary(log: Path) -> list[str]:
    text = log.read_text(errors="replace")
    succeeded = len(re.findall(r"Task scoring\.render_summary_pdf\[[^]]+\] succeeded", text))
    retries = len(re.findall(r"Task scoring\.render_summary_pdf\[[^]]+\] retry", text))
    errors = [line for line in text.splitlines() if re.search(r"ERROR|CRITICAL|Traceback", line)]
    lines = [
        f"Celery log: {succeeded} PDF tasks succeeded, {retries} retried, "
        f"{len(errors)} ERROR/CRITICAL/Traceback lines"
    ]
    lines += [f"  {redact(line)[:200]}" for line in errors[:5]]
    return lines


# --- One step ------------------------------------------------------------------------------


def unlock_all(port: int, patients: list[Planned]) -> list[Browser]:
    """Open each patient's link and give the birth date, each its own browser."""

    def unlock(patient: Planned) -> Browser:
        browser = Browser(port)
        browser.unlock(patient.link, patient.birth)
        return browser

    with ThreadPoolExecutor(max_workers=3) as pool:
        return list(pool.map(unlock, patients))


def warm_web(port: int, workers: int) -> None:
    """Each gunicorn worker builds the site on its first request (seconds while
    the Celery workers start too): a few rounds of one request per worker, with
    a time-out longer than the Browser's."""

    def hello(_index: int) -> int:
        status, _text, _elapsed = Browser(port, timeout=120).request("GET", HELLO)
        return status

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for _round in range(3):
            statuses = set(pool.map(hello, range(workers)))
            if statuses != {200}:
                raise RuntimeError(f"warming gunicorn up gave HTTP {sorted(statuses)}")


def wait_drained(
    database: Database, ids: list[uuid.UUID], deadline: float, futures: list[Future[None]]
) -> bool:
    """Until every submission is answered and every submitted response has a PDF."""
    while time.monotonic() < deadline:
        submitted, pdfs = database.counts(ids)
        if all(f.done() for f in futures) and pdfs >= submitted:
            return True
        time.sleep(0.5)
    return False


def run_step(
    *,
    port: int,
    database: Database,
    patients: list[Planned],
    rate: float,
    seconds: float,
    drain_timeout: float,
    pdf_dir: Path,
) -> Step:
    step = Step(rate=rate, seconds=seconds, planned=len(patients))
    browsers = unlock_all(port, patients)
    ids = [p.response for p in patients]
    lock = threading.Lock()

    def submit(index: int, planned_at: float) -> None:
        started = time.monotonic()
        try:
            _check, elapsed = browsers[index].submit(str(patients[index].response))
        except Exception as error:
            with lock:
                step.failures.append(f"{type(error).__name__}: {error}")
        else:
            with lock:
                step.submit_times.append(elapsed)
        finally:
            with lock:
                step.lags.append(started - planned_at)

    stop = threading.Event()

    def sample(t0: float) -> None:
        # One sample a second; the last one at the end of the window.
        for k in range(1, math.floor(seconds) + 1):
            if stop.wait(max(0.0, t0 + k - time.monotonic())):
                return
            submitted, pdfs = database.counts(ids)
            step.samples.append((time.monotonic() - t0, submitted, pdfs))

    # Enough threads that a slow request (10 s time-out, two requests) never
    # delays the schedule.
    pool = ThreadPoolExecutor(max_workers=math.ceil(rate * 25) + 4)
    futures: list[Future[None]] = []
    t0 = time.monotonic() + 0.5
    sampler = threading.Thread(target=sample, args=(t0,), daemon=True)
    sampler.start()
    try:
        for index in range(len(patients)):
            planned_at = t0 + index / rate
            time.sleep(max(0.0, planned_at - time.monotonic()))
            futures.append(pool.submit(submit, index, planned_at))
        sampler.join()
        step.drained = wait_drained(database, ids, time.monotonic() + drain_timeout, futures)
    finally:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
    step.lost, step.latencies = database.verify(ids, pdf_dir)
    return step


# --- Output --------------------------------------------------------------------------------


def ms(values: list[float], share: float) -> str:
    return f"{percentile(values, share) * 1000:.0f}" if values else "-"


def sec(values: list[float], share: float) -> str:
    return f"{percentile(values, share):.1f}" if values else "-"


def describe(step: Step) -> list[str]:
    lines = [
        f"rate {step.rate:g}/s for {step.seconds:g} s: {step.planned} submissions, "
        f"{len(step.failures)} HTTP failures, schedule lag max "
        f"{max(step.lags, default=0) * 1000:.0f} ms",
        f"  HTTP submit   p50 {ms(step.submit_times, 0.5)} ms, "
        f"p95 {ms(step.submit_times, 0.95)} ms",
        f"  PDFs          {step.pdf_rate:.2f}/s during the window; backlog at its end "
        f"{step.backlog_end} (allowed {step.allowed_backlog:g}), max {step.backlog_max}",
        f"  backlog       {step.trajectory()}",
        f"  submit-to-PDF p50 {sec(step.latencies, 0.5)} s, p95 {sec(step.latencies, 0.95)} s, "
        f"max {sec(step.latencies, 1.0)} s ({len(step.latencies)} PDFs)",
    ]
    if step.nothing_lost:
        lines.append("  nothing lost (status, scoring result, PDF record and file checked)")
    else:
        problems = [f"{n} x {what}" for what, n in step.lost.items()]
        problems += [f"{n} x {what}" for what, n in Counter(step.failures).most_common(3)]
        if not step.drained:
            problems.append("queue not drained in time")
        lines.append("  LOST: " + "; ".join(redact(p) for p in problems))
    lines.append(f"  keeps up: {step.verdict}")
    return lines


def summary(steps: list[Step]) -> list[str]:
    lines = [
        "",
        "rate/s  submits  fails  submit p50/p95 ms  PDFs/s  backlog end/max  "
        "to-PDF p50/p95/max s  keeps up",
    ]
    for s in steps:
        lines.append(
            f"{s.rate:6g}  {s.planned:7d}  {len(s.failures):5d}  "
            f"{ms(s.submit_times, 0.5):>8} / {ms(s.submit_times, 0.95):<6}  {s.pdf_rate:6.2f}  "
            f"{s.backlog_end:7d} / {s.backlog_max:<5}  "
            f"{sec(s.latencies, 0.5):>6} / {sec(s.latencies, 0.95)} / {sec(s.latencies, 1.0):<5}  "
            f"{s.verdict}"
        )
    kept = [s for s in steps if s.keeps_up]
    if kept:
        best = max(kept, key=lambda s: s.rate)
        met = "met" if best.rate >= 3 else "NOT met"
        lines.append(
            f"highest steady rate: {best.rate:g} submissions/s, p95 submit-to-PDF "
            f"{sec(best.latencies, 0.95)} s, nothing lost; target >= 3/s {met} "
            f"(national peak about 1/s: {best.rate:g}x headroom)"
        )
        margin = [s for s in kept if not s.borderline]
        if best.borderline and margin:
            calm = max(margin, key=lambda s: s.rate)
            lines.append(
                f"  {best.rate:g}/s is borderline (backlog at the end {best.backlog_end} of "
                f"{best.allowed_backlog:g} allowed); highest rate with margin: {calm.rate:g}/s, "
                f"p95 submit-to-PDF {sec(calm.latencies, 0.95)} s"
            )
    else:
        lines.append("highest steady rate: none of the rates tried kept up; target >= 3/s NOT met")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rates", default="2,3,4,5", help="submissions per second, in order")
    parser.add_argument("--seconds", type=float, default=60.0, help="window per rate")
    parser.add_argument("--web-workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--drain-timeout", type=float, default=120.0, help="seconds per step")
    parser.add_argument("--all", action="store_true", help="go on after a rate fails")
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",")]
    if min(rates) <= 0 or args.seconds < 1:
        parser.error("rates must be positive and --seconds at least 1")
    if not port_open(5432) or not port_open(6379):
        print("PostgreSQL (5432) and Redis (6379) must run on 127.0.0.1", file=sys.stderr)
        return 2

    began = time.monotonic()
    port = free_port()
    log = Path(tempfile.mkstemp(prefix="load-celery-", suffix=".log")[1])
    try:
        with scratch_site(port, LOAD_DB, LOAD_REDIS_DB) as env:
            steps = run(args, env, port, rates, log, began)
        for line in summary(steps) + worker_log_summary(log):
            print(line)
    finally:
        log.unlink(missing_ok=True)
    print(f"total {time.monotonic() - began:.0f} s")
    return 0


def run(
    args: argparse.Namespace,
    env: dict[str, str],
    port: int,
    rates: list[float],
    log: Path,
    began: float,
) -> list[Step]:
    """Seed, start gunicorn and the Celery workers, measure; stop them again."""
    counts = [round(rate * args.seconds) for rate in rates]
    print(f"seeding {WARM_UP + sum(counts)} patients ...", flush=True)
    seed = f"COUNT = {WARM_UP + sum(counts)}\nHISTORY_EVERY = 10\nVECTORS = {VECTORS!r}\n"
    rows = run_django(env, seed + SEED)
    planned = [Planned(link, uuid.UUID(rid), birth) for link, rid, birth in rows]
    pdf_dir = Path(env["PRIVATE_FILES_ROOT"]) / "pdf"
    with gunicorn(env, port, args.web_workers), celery_workers(env, log) as workers:
        wait_for_workers(env, workers)
        warm_web(port, args.web_workers)
        print(
            f"gunicorn {args.web_workers} sync workers, {len(workers)} Celery workers "
            f"(concurrency 1), PostgreSQL, Redis broker, {os.cpu_count()} CPUs, "
            f"client on the same machine; set-up {time.monotonic() - began:.0f} s",
        )
        print(
            f"keeps up = nothing lost and backlog at the end of the window <= rate x "
            f"{KEEP_UP_SECONDS} s (borderline above half that); open-loop arrivals, "
            f"{args.seconds:g} s per rate",
            flush=True,
        )
        return measure(args, port, planned, rates, counts, pdf_dir)


def measure(
    args: argparse.Namespace,
    port: int,
    planned: list[Planned],
    rates: list[float],
    counts: list[int],
    pdf_dir: Path,
) -> list[Step]:
    database = Database()
    try:
        # Warm-up: web and Celery workers load templates, fonts and connections.
        warm = planned[:WARM_UP]
        for browser, patient in zip(unlock_all(port, warm), warm, strict=True):
            browser.submit(str(patient.response))
        warm_ids = [p.response for p in warm]
        if not wait_drained(database, warm_ids, time.monotonic() + 60, []):
            raise RuntimeError("the warm-up PDFs were not rendered within 60 s")
        steps: list[Step] = []
        start = WARM_UP
        for rate, count in zip(rates, counts, strict=True):
            step = run_step(
                port=port,
                database=database,
                patients=planned[start : start + count],
                rate=rate,
                seconds=args.seconds,
                drain_timeout=args.drain_timeout,
                pdf_dir=pdf_dir,
            )
            start += count
            steps.append(step)
            print("\n".join(describe(step)), flush=True)
            if not step.keeps_up and not args.all:
                break
        return steps
    finally:
        database.close()


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted: processes stopped, scratch database and files removed", file=sys.stderr)
        sys.exit(130)

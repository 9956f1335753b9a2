"""Faults: kill workers, lose Redis, kill web workers, repeat a submit — and count.

On demand, not in CI (pytest never collects it)::

    .venv/bin/python tests/faults/run_faults.py [--sweep-seconds 10] [--retry-after 30]

Production-like and on loopback only (see tests/benchmarks/harness.py):
gunicorn (3 sync workers, DEBUG off), PostgreSQL (a scratch database
``pp_faults_scratch``, created and dropped), a Redis server of its own on
port 6390 started by this script without persistence (``--save ''
--appendonly no``), two Celery workers of concurrency 1 (each its own process
group) and one Celery beat. The outbox sweep runs every ``--sweep-seconds``
and hands over work unfinished ``--retry-after`` seconds after its hand-over
(production: 60 and 180, see README); shortened here so the run takes minutes.

Scenarios, each on patients of its own (answers saved, link opened, birth
date given beforehand; a submit is the check page, the submit, the receipt):

1. ``kill -9`` of a whole Celery worker (its process group) while it renders.
2. Redis restarted without persistence while PDFs are queued (workers stopped).
3. Redis down for 5 s during submits at 2 per second.
4. gunicorn workers killed (SIGKILL) during submits at 2 per second: a reset
   connection or a 5xx counts as a failure unless sending the same request
   again succeeds with the same result.
5. The same submit sent 10 times at once.

Then every response is checked in the database: submitted, its answers all
there (as many as before), exactly one original scoring result, exactly one
PDF record and its file. Wanted: 0 answers lost, 0 duplicate results, 0 HTTP
5xx on patient pages while Redis is down, 100 % of PDFs within 5 minutes of
recovery (the fault's end: worker restarted, Redis back).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import psycopg

from tests.benchmarks.harness import (
    ROOT,
    Browser,
    free_port,
    gunicorn,
    port_open,
    run_django,
    scratch_site,
)
from tests.benchmarks.load_submissions import (
    CELERY_WORKERS,
    SEED,
    VECTORS,
    Planned,
    unlock_all,
    wait_for_workers,
    warm_web,
)

FAULT_DB = "pp_faults_scratch"
REDIS_PORT = 6390
WEB_WORKERS = 3
RECOVERY_LIMIT = 5 * 60  # seconds: every PDF stored within this of the fault's end
PATIENTS = {"kill9": 6, "redis_restart": 6, "redis_down": 30, "web_kill": 20, "same_submit": 5}
RATE = 2.0  # submissions per second in the timed scenarios
RETRYABLE = {502, 503, 504}  # what a proxy answers for a dead upstream
RESEND_AFTER = 1.0  # seconds before a failed request is sent again


# --- Processes -----------------------------------------------------------------------------


class RedisServer:
    """A Redis of this script's own on loopback, never persisting anything."""

    def __init__(self, folder: Path, log: Path) -> None:
        self.folder = folder
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.folder)]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while not port_open(REDIS_PORT):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"redis-server on port {REDIS_PORT} did not start")
            time.sleep(0.05)

    def kill(self) -> None:
        """Gone at once, as a crash: nothing saved (nothing would be)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


class Celery:
    """Two named workers and one beat, each in its own process group."""

    def __init__(self, env: dict[str, str], log: Path, folder: Path) -> None:
        self.env = env
        self.log = log
        self.folder = folder
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def log_of(self, name: str) -> Path:
        return self.log.with_name(f"{self.log.stem}-{name}.log")

    def in_flight(self, name: str) -> int:
        """PDF tasks the worker has received and not finished (from its log)."""
        text = self.log_of(name).read_text(errors="replace") if self.log_of(name).exists() else ""
        received = re.findall(r"Task scoring\.render_summary_pdf\[([^]]+)\] received", text)
        finished = re.findall(
            r"Task scoring\.render_summary_pdf\[([^]]+)\] (?:succeeded|retry)", text
        )
        return len(set(received) - set(finished))

    def _start(self, name: str, *arguments: str) -> None:
        celery = str(Path(sys.executable).parent / "celery")
        with self.log_of(name).open("ab") as out:
            self.processes[name] = subprocess.Popen(
                [celery, "-A", "pro_portal", *arguments, "--loglevel", "INFO"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def worker(self, name: str) -> None:
        self._start(name, "worker", "--concurrency", "1", "-n", f"{name}@%h")

    def beat(self) -> None:
        self._start("beat", "beat", "--schedule", str(self.folder / "celerybeat-schedule"))

    def kill9(self, name: str) -> None:
        """``kill -9`` of the whole worker: its main process and its pool child."""
        process = self.processes.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self, name: str) -> None:
        process = self.processes.pop(name)
        process.terminate()  # warm shutdown: the task under way finishes
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):  # a pool child left behind
            os.killpg(process.pid, signal.SIGKILL)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)

    def wait_for_workers(self) -> None:
        workers = [self.processes[name] for name in CELERY_WORKERS]
        wait_for_workers(self.env, workers)


def gunicorn_workers(master: int) -> list[int]:
    """The pids of the gunicorn master's workers (from /proc: no psutil here)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            # "pid (comm) state ppid ...": comm may hold spaces, so split after ")".
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == master:
                children.append(int(stat.parent.name))
    return sorted(children)


# --- A patient's submit, counted -------------------------------------------------------------


@dataclass
class Counts:
    submits: int = 0
    pages: int = 0  # patient page requests sent
    server_errors: int = 0  # patient pages answered 5xx
    connection_failures: int = 0  # reset, refused, timed out
    recovered: int = 0  # failed, then the same request sent again succeeded
    reasons: Counter[str] = field(default_factory=Counter)  # of connection failures
    failed: list[str] = field(default_factory=list)  # failed for good (with why)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, **amounts: int) -> None:
        with self.lock:
            for name, amount in amounts.items():
                setattr(self, name, getattr(self, name) + amount)


def send(
    browser: Browser, counts: Counts, method: str, path: str, body: dict[str, str] | None
) -> tuple[int, str]:
    """One patient page: (status, text); status 0 when the connection failed."""
    counts.add(pages=1)
    try:
        status, text, _elapsed = browser.request(method, path, body)
    except (OSError, http.client.HTTPException) as error:
        counts.add(connection_failures=1)
        with counts.lock:
            counts.reasons[error.__class__.__name__] += 1
        return 0, ""
    if status >= 500:
        counts.add(server_errors=1)
    return status, text


def patient_submit(browser: Browser, response: uuid.UUID, counts: Counts, *, resend: bool) -> None:
    """Check page, submit, receipt. With ``resend``, a request that failed (no
    answer, or what a proxy says for a dead upstream) is sent once more; it
    counts as recovered only if that succeeds with the same result."""

    def page(
        method: str, path: str, body: dict[str, str] | None, ok: Callable[[int], bool]
    ) -> tuple[int, str] | None:
        status, text = send(browser, counts, method, path, body)
        if ok(status):
            return status, text
        if resend and (status == 0 or status in RETRYABLE):
            time.sleep(RESEND_AFTER)  # as a browser's retry or a person would, not at once
            status, text = send(browser, counts, method, path, body)
            if ok(status):
                counts.add(recovered=1)
                return status, text
        return None

    counts.add(submits=1)
    check = page("GET", f"/answer/{response}/check/", None, lambda s: s == 200)
    token = re.search(r'name="submission_token" value="([^"]+)"', check[1]) if check else None
    if check is None or token is None:
        counts.failed.append(f"{response}: no check page")
        return
    form = {"csrfmiddlewaretoken": browser.csrf(check[1]), "submission_token": token.group(1)}
    done = f"/answer/{response}/done/"
    submitted = page(
        "POST",
        f"/answer/{response}/submit/",
        form,
        lambda s: s == 302 and browser.location.endswith(done),
    )
    if submitted is None:
        counts.failed.append(f"{response}: submit not answered with the receipt")
        return
    if page("GET", done, None, lambda s: s == 200) is None:
        counts.failed.append(f"{response}: no receipt page")


def submits_at_rate(
    browsers: list[Browser],
    patients: list[Planned],
    counts: Counts,
    *,
    resend: bool,
    at: dict[float, Callable[[], None]],
) -> None:
    """Open loop: submit i starts at t0 + i / RATE; ``at`` runs faults at given seconds."""
    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = []
        events = sorted(at.items())
        for index, (browser, patient) in enumerate(zip(browsers, patients, strict=True)):
            planned = t0 + index / RATE
            while events and t0 + events[0][0] <= planned:
                moment, action = events.pop(0)
                time.sleep(max(0.0, t0 + moment - time.monotonic()))
                action()
            time.sleep(max(0.0, planned - time.monotonic()))
            futures.append(
                pool.submit(patient_submit, browser, patient.response, counts, resend=resend)
            )
        for moment, action in events:
            time.sleep(max(0.0, t0 + moment - time.monotonic()))
            action()
        for future in futures:
            future.result()


# --- The database, read directly ------------------------------------------------------------

STATE = """
SELECT r.public_id, r.status,
       (SELECT count(*) FROM jsonb_object_keys(r.answers)),
       (SELECT count(*) FROM scoring_scoringresult s
         WHERE s.response_id = r.id AND s.kind = 'original'),
       (SELECT count(*) FROM scoring_summarypdf p WHERE p.response_id = r.id),
       (SELECT min(p.file_name) FROM scoring_summarypdf p WHERE p.response_id = r.id),
       (SELECT extract(epoch FROM min(p.rendered_at)) FROM scoring_summarypdf p
         WHERE p.response_id = r.id)
FROM questionnaires_response r WHERE r.public_id = ANY(%s)
"""


@dataclass(frozen=True)
class Row:
    status: str
    answers: int
    results: int
    pdfs: int
    file_name: str | None
    rendered_at: float | None


class Database:
    def __init__(self) -> None:
        url = f"postgresql://postgres@127.0.0.1:5432/{FAULT_DB}"
        self.connection = psycopg.connect(url, autocommit=True)

    def state(self, responses: list[uuid.UUID]) -> dict[uuid.UUID, Row]:
        rows = self.connection.execute(STATE, (responses,)).fetchall()
        return {
            r[0]: Row(r[1], r[2], r[3], r[4], r[5], float(r[6]) if r[6] is not None else None)
            for r in rows
        }

    def wait_for_pdfs(self, responses: list[uuid.UUID], until: float) -> None:
        while time.time() < until:
            if all(row.pdfs >= 1 for row in self.state(responses).values()):
                return
            time.sleep(1)


# --- Scenarios ------------------------------------------------------------------------------


@dataclass
class Outcome:
    name: str
    counts: Counts
    patients: list[Planned]
    recovered_at: float  # time.time() when the fault ended
    server_errors_while_redis_down: int | None = None
    note: str = ""


@dataclass
class Stack:
    env: dict[str, str]
    port: int
    redis: RedisServer
    celery: Celery
    web: subprocess.Popen[bytes]
    database: Database
    answers_before: dict[uuid.UUID, int]


def scenario_kill9(stack: Stack, patients: list[Planned], browsers: list[Browser]) -> Outcome:
    counts = Counts()
    victim = CELERY_WORKERS[0]
    for browser, patient in zip(browsers, patients, strict=True):
        patient_submit(browser, patient.response, counts, resend=False)
    deadline = time.monotonic() + 30
    while not stack.celery.in_flight(victim) and time.monotonic() < deadline:
        time.sleep(0.05)  # until the worker has taken a PDF and not finished it
    in_flight = stack.celery.in_flight(victim)
    ids = [p.response for p in patients]
    unfinished = sum(row.pdfs == 0 for row in stack.database.state(ids).values())
    stack.celery.kill9(victim)
    stack.celery.worker(CELERY_WORKERS[0])  # as a supervisor would restart it
    recovered_at = time.time()
    note = (
        f"{unfinished} of {len(ids)} PDFs unfinished at the kill, "
        f"{in_flight} of them being rendered by the worker killed"
    )
    return Outcome(
        "kill -9 of a Celery worker mid-render", counts, patients, recovered_at, None, note
    )


def scenario_redis_restart(
    stack: Stack, patients: list[Planned], browsers: list[Browser]
) -> Outcome:
    counts = Counts()
    for name in CELERY_WORKERS:  # nobody consumes: the PDFs wait in Redis
        stack.celery.stop(name)
    for browser, patient in zip(browsers, patients, strict=True):
        patient_submit(browser, patient.response, counts, resend=False)
    stack.redis.kill()
    stack.redis.start()  # empty: no persistence
    for name in CELERY_WORKERS:
        stack.celery.worker(name)
    recovered_at = time.time()
    stack.celery.wait_for_workers()
    note = f"{len(patients)} PDFs queued in Redis when it restarted empty"
    return Outcome(
        "Redis restarted without persistence, PDFs queued",
        counts,
        patients,
        recovered_at,
        None,
        note,
    )


def scenario_redis_down(stack: Stack, patients: list[Planned], browsers: list[Browser]) -> Outcome:
    counts = Counts()
    window: dict[str, float] = {}
    errors_before: list[int] = []

    def down() -> None:
        errors_before.append(counts.server_errors)
        stack.redis.kill()
        window["down"] = time.time()

    def up() -> None:
        stack.redis.start()
        window["up"] = time.time()
        errors_before.append(counts.server_errors)

    duration = len(patients) / RATE
    start = duration / 2 - 2.5
    submits_at_rate(browsers, patients, counts, resend=False, at={start: down, start + 5: up})
    note = f"Redis down {window['up'] - window['down']:.1f} s of {duration:.0f} s of submits"
    outcome = Outcome(
        f"Redis down 5 s during submits at {RATE:g}/s", counts, patients, window["up"], None, note
    )
    # 5xx counted from the outage's start to its end (answers of requests under way).
    outcome.server_errors_while_redis_down = errors_before[1] - errors_before[0]
    return outcome


def scenario_web_kill(stack: Stack, patients: list[Planned], browsers: list[Browser]) -> Outcome:
    counts = Counts()
    killed: list[int] = []
    killed_at: list[float] = []

    def kill_one() -> None:
        workers = gunicorn_workers(stack.web.pid)
        if workers:
            victim = workers[len(killed) % len(workers)]
            with contextlib.suppress(ProcessLookupError):
                os.kill(victim, signal.SIGKILL)
            killed.append(victim)
            killed_at.append(time.time())

    duration = len(patients) / RATE
    at = {duration * share: kill_one for share in (0.2, 0.45, 0.7)}
    submits_at_rate(browsers, patients, counts, resend=True, at=at)
    note = f"{len(killed)} gunicorn workers killed (SIGKILL) during the submits"
    return Outcome(
        f"gunicorn workers killed during submits at {RATE:g}/s",
        counts,
        patients,
        killed_at[-1] if killed_at else time.time(),  # the last kill
        None,
        note,
    )


def scenario_same_submit(stack: Stack, patients: list[Planned], browsers: list[Browser]) -> Outcome:
    counts = Counts()
    statuses: list[int] = []
    sent_at = time.time()
    for browser, patient in zip(browsers, patients, strict=True):
        status, page = send(browser, counts, "GET", f"/answer/{patient.response}/check/", None)
        token = re.search(r'name="submission_token" value="([^"]+)"', page)
        if status != 200 or token is None:
            counts.failed.append(f"{patient.response}: no check page")
            continue
        form = {"csrfmiddlewaretoken": browser.csrf(page), "submission_token": token.group(1)}
        done = f"/answer/{patient.response}/done/"
        barrier = threading.Barrier(10)

        def once(
            form: dict[str, str] = form,
            done: str = done,
            source: Browser = browser,
            response: uuid.UUID = patient.response,
            barrier: threading.Barrier = barrier,
        ) -> None:
            copy = Browser(stack.port, timeout=30)
            copy.cookies = dict(source.cookies)
            barrier.wait()
            status, _text = send(copy, counts, "POST", f"/answer/{response}/submit/", form)
            statuses.append(status)
            if not (status == 302 and copy.location.endswith(done)):
                counts.failed.append(f"{response}: a copy got HTTP {status}")

        with ThreadPoolExecutor(max_workers=10) as pool:
            for future in [pool.submit(once) for _ in range(10)]:
                future.result()
        counts.add(submits=10)
    shown = ", ".join(f"{statuses.count(s)}x {s}" for s in sorted(set(statuses)))
    return Outcome(
        "the same submit sent 10 times at once",
        counts,
        patients,
        sent_at,
        None,
        f"answers to the copies: {shown}",
    )


# --- Running it ------------------------------------------------------------------------------


SCENARIOS: list[tuple[str, Callable[[Stack, list[Planned], list[Browser]], Outcome]]] = [
    ("kill9", scenario_kill9),
    ("redis_restart", scenario_redis_restart),
    ("redis_down", scenario_redis_down),
    ("web_kill", scenario_web_kill),
    ("same_submit", scenario_same_submit),
]


@dataclass
class Verdict:
    outcome: Outcome
    answers_lost: int
    duplicates: int
    not_submitted: int
    pdfs: int
    pdfs_in_time: int
    last_pdf: float | None  # seconds after recovery


def verdict(stack: Stack, outcome: Outcome) -> Verdict:
    ids = [p.response for p in outcome.patients]
    stack.database.wait_for_pdfs(ids, outcome.recovered_at + RECOVERY_LIMIT)
    state = stack.database.state(ids)
    pdf_dir = Path(stack.env["PRIVATE_FILES_ROOT"]) / "pdf"
    lost = sum(max(0, stack.answers_before[i] - state[i].answers) for i in ids)
    duplicates = sum(max(0, row.results - 1) + max(0, row.pdfs - 1) for row in state.values())
    not_submitted = sum(row.status != "submitted" for row in state.values())
    stored = [
        row for row in state.values() if row.file_name and (pdf_dir / row.file_name).is_file()
    ]
    after = [row.rendered_at - outcome.recovered_at for row in stored if row.rendered_at]
    in_time = sum(seconds <= RECOVERY_LIMIT for seconds in after)
    return Verdict(
        outcome, lost, duplicates, not_submitted, len(stored), in_time, max(after, default=None)
    )


def table(verdicts: list[Verdict]) -> list[str]:
    header = (
        "| scenario | submits | patient pages (5xx) | failed, sent again: ok | failed for good "
        "| not submitted | answers lost | duplicate results | PDFs | within 5 min of recovery "
        "| last PDF after recovery |"
    )
    lines = [header, "|" + "---|" * 11]
    for v in verdicts:
        c = v.outcome.counts
        last = f"{v.last_pdf:.0f} s" if v.last_pdf is not None else "–"
        share = 100 * v.pdfs_in_time / len(v.outcome.patients)
        failures = c.connection_failures + c.server_errors
        lines.append(
            f"| {v.outcome.name} | {c.submits} | {c.pages} ({c.server_errors}) "
            f"| {failures}: {c.recovered} | {len(c.failed)} | {v.not_submitted} "
            f"| {v.answers_lost} | {v.duplicates} | {v.pdfs}/{len(v.outcome.patients)} "
            f"| {share:.0f} % | {last} |"
        )
    return lines


def run(env: dict[str, str], port: int, folder: Path, redis: RedisServer) -> list[str]:
    total = sum(PATIENTS.values())
    print(f"seeding {total} patients ...", flush=True)
    seed = f"COUNT = {total}\nHISTORY_EVERY = 10\nVECTORS = {VECTORS!r}\n"
    rows = run_django(env, seed + SEED)
    planned = [Planned(link, uuid.UUID(rid), birth) for link, rid, birth in rows]
    database = Database()
    answers_before = {
        i: row.answers for i, row in database.state([p.response for p in planned]).items()
    }
    log = folder / "celery.log"
    celery = Celery(env, log, folder)
    try:
        with gunicorn(env, port, WEB_WORKERS) as web:
            for name in CELERY_WORKERS:
                celery.worker(name)
            celery.beat()
            celery.wait_for_workers()
            warm_web(port, WEB_WORKERS)
            stack = Stack(env, port, redis, celery, web, database, answers_before)
            print("opening every patient's link ...", flush=True)
            browsers = unlock_all(port, planned)
            for browser in browsers:
                browser.timeout = 30
            verdicts: list[Verdict] = []
            start = 0
            for key, scenario in SCENARIOS:
                count = PATIENTS[key]
                chunk = slice(start, start + count)
                start += count
                print(f"scenario: {key} ...", flush=True)
                outcome = scenario(stack, planned[chunk], browsers[chunk])
                verdicts.append(verdict(stack, outcome))
                print(f"  {outcome.note}", flush=True)
        lines = table(verdicts)
        for v in verdicts:
            if v.outcome.server_errors_while_redis_down is not None:
                lines.append(
                    f"HTTP 5xx on patient pages while Redis was down: "
                    f"{v.outcome.server_errors_while_redis_down}"
                )
            if v.outcome.counts.reasons:
                shown = ", ".join(f"{n}x {r}" for r, n in v.outcome.counts.reasons.items())
                lines.append(f"connection failures ({v.outcome.name}): {shown}")
            for failure in v.outcome.counts.failed[:5]:
                lines.append(f"  failed ({v.outcome.name}): {failure}")
        text = "".join(
            celery.log_of(name).read_text(errors="replace")
            for name in (*CELERY_WORKERS, "beat")
            if celery.log_of(name).exists()
        )
        sweeps = re.findall(
            r"Task pro_portal\.outbox_sweep\[[^]]+\] succeeded in [0-9.]+s: (\d+)", text
        )
        lines.append(
            f"outbox sweeps: {len(sweeps)} run, {sum(int(n) for n in sweeps)} messages handed over "
            f"again; PDF tasks succeeded: "
            f"{len(re.findall(r'Task scoring.render_summary_pdf.[^]]+. succeeded', text))}"
        )
        return lines
    finally:
        celery.stop_all()
        database.connection.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sweep-seconds", type=int, default=10, help="beat's sweep interval")
    parser.add_argument("--retry-after", type=int, default=30, help="outbox retry-after, seconds")
    args = parser.parse_args()
    if not port_open(5432):
        print("PostgreSQL must run on 127.0.0.1:5432", file=sys.stderr)
        return 2
    if port_open(REDIS_PORT):
        print(
            f"port {REDIS_PORT} is taken: this script starts its own Redis there", file=sys.stderr
        )
        return 2
    began = time.monotonic()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="faults-") as name:
        folder = Path(name)
        redis = RedisServer(folder, folder / "redis.log")
        redis.start()
        try:
            # Redis database 3 of the shared server: the only one scratch_site may
            # flush before the override below (never the benchmarks' 13 to 15).
            with scratch_site(port, FAULT_DB, 3) as env:
                env["REDIS_URL"] = f"redis://127.0.0.1:{REDIS_PORT}/0"
                env["CELERY_TASK_ALWAYS_EAGER"] = "false"
                env["OUTBOX_SWEEP_SECONDS"] = str(args.sweep_seconds)
                env["OUTBOX_RETRY_AFTER_SECONDS"] = str(args.retry_after)
                # A web worker builds the site on its first request, which took
                # over gunicorn's default 30 s on a loaded 2-core machine (then
                # killed as hung); a respawned worker must get its chance.
                env["GUNICORN_CMD_ARGS"] = "--timeout 120"
                lines = run(env, port, folder, redis)
                if not port_open(REDIS_PORT):  # scratch_site flushes it when done
                    redis.start()
        finally:
            redis.kill()
    print(
        f"gunicorn {WEB_WORKERS} sync workers, {len(CELERY_WORKERS)} Celery workers "
        f"(concurrency 1) + beat, PostgreSQL, Redis on port {REDIS_PORT} without persistence; "
        f"sweep every {args.sweep_seconds} s, retry after {args.retry_after} s"
    )
    print("\n".join(lines))
    print(f"total {time.monotonic() - began:.0f} s")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted: processes stopped, scratch database removed", file=sys.stderr)
        sys.exit(130)

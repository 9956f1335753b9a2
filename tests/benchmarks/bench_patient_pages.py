"""Benchmark: the patient question page and submit, against a bare "hello" view.

On demand, not in CI::

    .venv/bin/python tests/benchmarks/bench_patient_pages.py [--seconds 5] [--requests 300]

Production-like: gunicorn on loopback with DEBUG off (throwaway keys), the
production middleware, PostgreSQL (a scratch database ``pro_portal_bench``,
created and dropped), WhiteNoise with collected static files, and Redis as
Celery broker and cache when it is running (a scratch Redis database, flushed
afterwards). Requests arrive as from a TLS-terminating proxy
(``X-Forwarded-Proto: https``), so the secure-cookie and CSRF checks run as
in production.

The "hello" view is served by the same gunicorn and middleware in the same
run: this module is also the WSGI application, which adds ``/bench-hello/``
in front of the site's URLs. Targets (docs: ../shared/design.md): question
page p95 ≤ 25 ms and throughput ≥ 25 % of hello; submit p95 ≤ 60 ms.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
BENCH_DB = "pro_portal_bench"
REDIS_DB = 14
HELLO = "/bench-hello/"
_app: Any = None


# --- The WSGI application gunicorn serves (this module, imported by gunicorn) --------


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """The site plus ``/bench-hello/``, built on the first request of each worker."""
    global _app
    if _app is None:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pro_portal.settings")
        from django.core.wsgi import get_wsgi_application

        django_app = get_wsgi_application()  # sets Django up

        from django.http import HttpRequest, HttpResponse
        from django.urls import path

        import pro_portal.urls

        def hello(request: HttpRequest) -> HttpResponse:
            return HttpResponse(b"hello", content_type="text/plain")

        # Before the first request resolves a URL, so the resolver includes it.
        pro_portal.urls.urlpatterns.insert(0, path(HELLO.strip("/") + "/", hello))
        _app = django_app
    result: Iterable[bytes] = _app(environ, start_response)
    return result


# --- Set-up ---------------------------------------------------------------------------


def port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), 1).close()
    except OSError:
        return False
    return True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def production_environment(static_root: str, port: int) -> dict[str, str]:
    env = {
        **os.environ,
        "DEBUG": "false",
        "PRO_PORTAL_TESTING": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "CPR_HASH_KEY": secrets.token_urlsafe(32),
        "FIELD_ENCRYPTION_SALT": secrets.token_urlsafe(16),
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}",
        "ALLOWED_HOSTS": "127.0.0.1",
        "CSRF_TRUSTED_ORIGINS": f"https://127.0.0.1:{port}",
        "SITE_URL": f"https://127.0.0.1:{port}",
        "TRUSTED_PROXY_COUNT": "1",
        "STATIC_ROOT": static_root,
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "pro_portal.settings",
        "PYTHONPATH": str(ROOT),
    }
    if port_open(6379):
        env["REDIS_URL"] = f"redis://127.0.0.1:6379/{REDIS_DB}"
        env["CELERY_TASK_ALWAYS_EAGER"] = "false"
    else:
        # No broker: tasks are queued in memory and never run (enqueue cost only).
        env["CELERY_TASK_ALWAYS_EAGER"] = "false"
    return env


def recreate_database() -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as db:
        db.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        db.execute(f"CREATE DATABASE {BENCH_DB}")


def drop_database() -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as db:
        db.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True
    )


COLLECTSTATIC = """
import django
from django.conf import settings
django.setup()
# The vendored bootstrap.bundle.min.js names a source map that is not shipped,
# which makes the manifest storage's post-processing fail; collect with the same
# storage minus source-map rewriting (the manifest it writes is read as usual).
STORAGE = "tests.benchmarks.bench_patient_pages.StaticWithoutSourceMaps"
settings.STORAGES["staticfiles"]["BACKEND"] = STORAGE
from django.core.management import call_command
call_command("collectstatic", interactive=False, verbosity=0)
"""


def collectstatic(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-c", COLLECTSTATIC], cwd=ROOT, env=env, check=True, capture_output=True
    )


def _static_without_source_maps() -> type:
    from whitenoise.storage import CompressedManifestStaticFilesStorage

    class StaticWithoutSourceMaps(CompressedManifestStaticFilesStorage):
        patterns = (("*.css", CompressedManifestStaticFilesStorage.patterns[0][1]),)

    return StaticWithoutSourceMaps


def __getattr__(name: str) -> Any:
    # Imported by dotted path from COLLECTSTATIC only: no Django import otherwise.
    if name == "StaticWithoutSourceMaps":
        return _static_without_source_maps()
    raise AttributeError(name)


SEED = """
import datetime as dt, json
from django.utils import timezone
from pro_portal.models import Membership, Organisation, Patient, Role, User
from questionnaires.invitations import invitation_create
from questionnaires.library import LIBRARY_DIR, read_definition
from questionnaires.models import Answer, Response
from questionnaires.services import (
    questionnaire_activate, questionnaire_publish, questionnaire_record_review,
)

org = Organisation.objects.create(
    name="Bench", kind="general_practice", address="x", postcode="1", city="x"
)
staff = User.objects.create(username="bench", email="bench@example.org")
Membership.objects.create(user=staff, organisation=org, role=Role.CLINICIAN)
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
Answer.objects.bulk_create(
    [Answer(response=r, item_id=k, value=v) for r in phq9 for k, v in answers.items()]
)
Response.objects.filter(pk__in=[r.pk for r in phq9]).update(status="in_progress")
pain = issued.invitation.responses.get(questionnaire_version=versions["chronic_pain"])
print(json.dumps({
    "link": issued.link.split("://", 1)[1].split("/", 1)[1],
    "question": f"answer/{pain.public_id}/q/pain.now/",
    "submits": [str(r.public_id) for r in phq9],
    "birth": [patient.birth_date.day, patient.birth_date.month, patient.birth_date.year],
}))
"""


def seed(env: dict[str, str], submits: int) -> dict[str, Any]:
    import json

    code = f"import django; django.setup()\nSUBMITS = {submits}\n{SEED}"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


# --- A small HTTP client (loopback only) ------------------------------------------------


class Browser:
    """Cookies and CSRF as a browser behind the TLS proxy would send them."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> tuple[int, str, float]:
        headers = {
            "Host": f"127.0.0.1:{self.port}",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "127.0.0.1",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        data = None
        if body is not None:
            data = urlencode(body, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"https://127.0.0.1:{self.port}"
            headers["Referer"] = f"https://127.0.0.1:{self.port}{path}"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        started = time.perf_counter()
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        elapsed = time.perf_counter() - started
        connection.close()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, text, elapsed

    def csrf(self, html: str) -> str:
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        if not found:
            raise RuntimeError("no CSRF token on the page")
        return found.group(1)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


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
    static_root = tempfile.mkdtemp(prefix="bench-static-")
    env = production_environment(static_root, port)
    recreate_database()
    server: subprocess.Popen[bytes] | None = None
    try:
        manage(env, "migrate", "--no-input")
        collectstatic(env)
        seeded = seed(env, args.submits)
        gunicorn = [
            str(Path(sys.executable).parent / "gunicorn"),
            "tests.benchmarks.bench_patient_pages:application",
            *("--bind", f"127.0.0.1:{port}", "--workers", str(args.workers)),
            *("--worker-class", "sync", "--log-level", "warning"),
        ]
        server = subprocess.Popen(gunicorn, cwd=ROOT, env=env)
        deadline = time.time() + 30
        while not port_open(port):
            if time.time() > deadline or server.poll() is not None:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.1)

        patient = Browser(port)
        link = "/" + seeded["link"]
        _status, html, _t = patient.request("GET", link)
        day, month, year = seeded["birth"]
        status, _html, _t = patient.request(
            "POST",
            link,
            {
                "csrfmiddlewaretoken": patient.csrf(html),
                "birth-day": day,
                "birth-month": month,
                "birth-year": year,
            },
        )
        if status != 302:
            raise RuntimeError(f"unlocking the invitation gave HTTP {status}")
        question = "/" + seeded["question"]
        latencies(patient, question, 30)  # warm up both workers
        latencies(patient, HELLO, 30)

        question_times = latencies(patient, question, args.requests)
        hello_times = latencies(patient, HELLO, args.requests)

        submit_times = []
        for response_id in seeded["submits"]:
            _s, check_page, _t = patient.request("GET", f"/answer/{response_id}/check/")
            token = re.search(r'name="submission_token" value="([^"]+)"', check_page)
            if token is None:
                raise RuntimeError("no submission token on the check page")
            status, _text, elapsed = patient.request(
                "POST",
                f"/answer/{response_id}/submit/",
                {
                    "csrfmiddlewaretoken": patient.csrf(check_page),
                    "submission_token": token.group(1),
                },
            )
            if status != 302:
                raise RuntimeError(f"submit gave HTTP {status}")
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
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        drop_database()
        if "REDIS_URL" in env:
            import redis

            redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    return 0


if __name__ == "__main__":
    sys.exit(main())

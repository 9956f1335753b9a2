"""Shared by the gunicorn-based benchmarks (on demand, not in CI).

Production-like: gunicorn on loopback with DEBUG off (throwaway keys), the
production middleware, PostgreSQL (a scratch database ``pro_portal_bench``,
created and dropped), WhiteNoise with collected static files, and Redis as
Celery broker and cache when it is running (a scratch Redis database, flushed
afterwards). Requests arrive as from a TLS-terminating proxy
(``X-Forwarded-Proto: https``), so the secure-cookie and CSRF checks run as
in production.

This module is also the WSGI application gunicorn serves: the site plus a
bare ``/bench-hello/`` view through the same middleware, to compare with.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
BENCH_DB = "pro_portal_bench"
REDIS_DB = 14
HELLO = "/bench-hello/"
_app: Any = None


# --- The WSGI application gunicorn serves (this module) -------------------------------


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """The site plus ``/bench-hello/``, built on the first request of each
    worker; every response says in ``Server-Timing`` how long the server took."""
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
    started, cpu_started = time.perf_counter(), time.thread_time()

    def timed_start_response(status: str, headers: list[Any], *exc_info: Any) -> Any:
        # Django calls this once the response is built: the server-side time,
        # and the worker's own CPU time (which a busy machine inflates less;
        # the database's time is not in it).
        elapsed = (time.perf_counter() - started) * 1000
        cpu = (time.thread_time() - cpu_started) * 1000
        timing = f"app;dur={elapsed:.3f}, cpu;dur={cpu:.3f}"
        return start_response(status, [*headers, ("Server-Timing", timing)], *exc_info)

    result: Iterable[bytes] = _app(environ, timed_start_response)
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


def production_environment(
    static_root: str, port: int, database: str = BENCH_DB, redis_db: int = REDIS_DB
) -> dict[str, str]:
    env = {
        **os.environ,
        "DEBUG": "false",
        "PRO_PORTAL_TESTING": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "CPR_HASH_KEY": secrets.token_urlsafe(32),
        "FIELD_ENCRYPTION_SALT": secrets.token_urlsafe(16),
        "DATA_ENCRYPTION_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
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
        env["REDIS_URL"] = f"redis://127.0.0.1:6379/{redis_db}"
        env["CELERY_TASK_ALWAYS_EAGER"] = "false"
    else:
        # No broker: tasks are queued in memory and never run (enqueue cost only).
        env["CELERY_TASK_ALWAYS_EAGER"] = "false"
    return env


def recreate_database(database: str = BENCH_DB) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as db:
        db.execute(f"DROP DATABASE IF EXISTS {database}")
        db.execute(f"CREATE DATABASE {database}")


def drop_database(database: str = BENCH_DB) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as db:
        db.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


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
STORAGE = "tests.benchmarks.harness.StaticWithoutSourceMaps"
settings.STORAGES["staticfiles"]["BACKEND"] = STORAGE
from django.core.management import call_command
call_command("collectstatic", interactive=False, verbosity=0)
"""


def collectstatic(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-c", COLLECTSTATIC], cwd=ROOT, env=env, check=True, capture_output=True
    )


def _static_without_source_maps() -> type:
    from whitenoise.storage import CompressedManifestStaticFilesStorage  # type: ignore[import-untyped]

    class StaticWithoutSourceMaps(CompressedManifestStaticFilesStorage):  # type: ignore[misc]
        patterns = (("*.css", CompressedManifestStaticFilesStorage.patterns[0][1]),)

    return StaticWithoutSourceMaps


def __getattr__(name: str) -> Any:
    # Imported by dotted path from COLLECTSTATIC only: no Django import otherwise.
    if name == "StaticWithoutSourceMaps":
        return _static_without_source_maps()
    raise AttributeError(name)


# --- A small HTTP client (loopback only) ------------------------------------------------


class Browser:
    """Cookies and CSRF as a browser behind the TLS proxy would send them."""

    def __init__(self, port: int, timeout: float = 10) -> None:
        self.port = port
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.server_seconds = 0.0  # of the last response, from its Server-Timing header
        self.server_cpu_seconds = 0.0  # the worker's CPU time for it (same header)
        self.location = ""  # of the last response

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
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        started = time.perf_counter()
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        elapsed = time.perf_counter() - started
        connection.close()
        self.location = response.getheader("Location") or ""
        header = response.getheader("Server-Timing") or ""
        timing = re.search(r"app;dur=([0-9.]+)", header)
        self.server_seconds = float(timing.group(1)) / 1000 if timing else float("nan")
        cpu = re.search(r"cpu;dur=([0-9.]+)", header)
        self.server_cpu_seconds = float(cpu.group(1)) / 1000 if cpu else float("nan")
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

    def unlock(self, link: str, birth: list[int]) -> None:
        """Open an invitation link and give the birth date, as the patient does."""
        _status, html, _elapsed = self.request("GET", link)
        day, month, year = birth
        form = {"birth-day": day, "birth-month": month, "birth-year": year}
        status, _html, _elapsed = self.request(
            "POST", link, {"csrfmiddlewaretoken": self.csrf(html), **form}
        )
        if status != 302:
            raise RuntimeError(f"unlocking the invitation gave HTTP {status}")

    def submit(self, response_id: str) -> tuple[float, float]:
        """Open the check-your-answers page and submit: (its time, the submit's time)."""
        _status, page, check = self.request("GET", f"/answer/{response_id}/check/")
        token = re.search(r'name="submission_token" value="([^"]+)"', page)
        if token is None:
            raise RuntimeError("no submission token on the check page")
        form = {"csrfmiddlewaretoken": self.csrf(page), "submission_token": token.group(1)}
        status, _text, elapsed = self.request("POST", f"/answer/{response_id}/submit/", form)
        # Submitted: redirected to the thank-you page (not back to the answers).
        if status != 302 or not self.location.endswith(f"/answer/{response_id}/done/"):
            raise RuntimeError(f"submit gave HTTP {status} to {self.location!r}")
        return check, elapsed


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run_django(env: dict[str, str], code: str) -> Any:
    """Run ``code`` in a Django process with ``env``; it prints JSON last."""
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup()\n{code}"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.time() + 30
    while not port_open(port):
        if time.time() > deadline or process.poll() is not None:
            raise RuntimeError(f"{what} did not start")
        time.sleep(0.1)


@contextlib.contextmanager
def gunicorn(
    env: dict[str, str], port: int, workers: int, root: Path = ROOT
) -> Iterator[subprocess.Popen[bytes]]:
    """gunicorn serving the checkout at ``root`` (another one to compare with)."""
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "tests.benchmarks.harness:application",
        *("--bind", f"127.0.0.1:{port}", "--workers", str(workers)),
        *("--worker-class", "sync", "--log-level", "warning"),
    ]
    server = subprocess.Popen(command, cwd=root, env={**env, "PYTHONPATH": str(root)})
    try:
        wait_for_port(port, server, "gunicorn")
        yield server
    finally:
        server.terminate()
        server.wait(timeout=30)


@contextlib.contextmanager
def scratch_site(
    port: int, database: str = BENCH_DB, redis_db: int = REDIS_DB
) -> Iterator[dict[str, str]]:
    """A migrated scratch database and collected static files; the
    production environment to run the site with. Dropped afterwards. A
    script that may run beside another passes its own database names."""
    import tempfile

    static_root = tempfile.mkdtemp(prefix="bench-static-")
    env = production_environment(static_root, port, database, redis_db)
    env["PRIVATE_FILES_ROOT"] = tempfile.mkdtemp(prefix="bench-private-")
    recreate_database(database)
    try:
        manage(env, "migrate", "--no-input")
        collectstatic(env)
        yield env
    finally:
        drop_database(database)
        if "REDIS_URL" in env:
            import redis

            redis.Redis.from_url(env["REDIS_URL"]).flushdb()
        for folder in (static_root, env["PRIVATE_FILES_ROOT"]):
            shutil.rmtree(folder, ignore_errors=True)


# Signs a staff member in without the login form (measured elsewhere): a
# session as django.contrib.auth.login() writes it, TOTP set up.
STAFF_SESSION = """
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from importlib import import_module
import time

def staff_session(user):
    Authenticator.objects.get_or_create(
        user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": "unused"}}
    )
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store["staff_last_seen"] = int(time.time())
    store.create()
    return {settings.SESSION_COOKIE_NAME: store.session_key}
"""

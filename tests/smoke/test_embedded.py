"""The embedded default — SQLite, tasks in-process, e-mail to the console —
serves the demo site on a machine with nothing else running.

Runs README's steps (migrate, demo data, serve) in a subprocess with no
DATABASE_URL or REDIS_URL, exactly as a newcomer's first command does.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.smoke


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_embedded_default_serves_the_demo_site(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_TASK_ALWAYS_EAGER", "PRO_PORTAL_TESTING"}
        and not k.startswith("DJANGO")
    }
    env["VAR_DIR"] = str(tmp_path)
    manage = [sys.executable, str(ROOT / "manage.py")]
    for step in (["migrate", "--no-input", "-v0"], ["demo_data"]):
        result = subprocess.run(
            manage + step, env=env, capture_output=True, text=True, timeout=300, check=False
        )
        assert result.returncode == 0, result.stderr
    assert "laege" in result.stdout  # the clinician login is printed

    port = free_port()
    server = subprocess.Popen(
        [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                    health = json.load(r)
                    status = r.status
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        assert status == 200
        assert health["checks"] == {
            "database": "ok",
            "redis": "not configured",
            "celery": "in-process",
        }
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5) as r:
            page = r.read().decode()
        assert 'lang="da"' in page
        assert "CE" in page  # the not-a-medical-device disclaimer is on every page
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert (tmp_path / "db.sqlite3").is_file()

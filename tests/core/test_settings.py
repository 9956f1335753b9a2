"""Settings fail loudly on bad values and pass Django's deployment checks.

Each case starts a fresh interpreter, because settings are read once.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "p" * 20 + "-production-secret-for-the-deploy-check-only-" + "q" * 10,
    "CPR_HASH_KEY": "cpr-hash-key-for-the-deploy-check-only",
    "FIELD_ENCRYPTION_SALT": "salt-for-the-deploy-check-only",
    # A Fernet key (32 bytes, URL-safe base64) for the deploy check only.
    "DATA_ENCRYPTION_KEYS": "ZGVwbG95LWNoZWNrLW9ubHktZGF0YS1rZXktMzJieXQ=",
    "ALLOWED_HOSTS": "pro.example.org",
    "SITE_URL": "https://pro.example.org",
    "DATABASE_URL": "sqlite:////tmp/pro-portal-deploy-check.sqlite3",
}


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "PRO_PORTAL"))}
    for key in ("DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "CELERY_TASK_ALWAYS_EAGER"):
        clean.pop(key, None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_the_deployment_check() -> None:
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY must be set when DEBUG is off"),
        ({"SECRET_KEY": "short"}, "at least 50 characters"),
        ({"CPR_HASH_KEY": ""}, "CPR_HASH_KEY must be set"),
        ({"FIELD_ENCRYPTION_SALT": ""}, "FIELD_ENCRYPTION_SALT must be set"),
        ({"DATA_ENCRYPTION_KEYS": ""}, "DATA_ENCRYPTION_KEYS must be set when DEBUG is off"),
        (
            {"DATA_ENCRYPTION_KEYS": "ZGVwbG95LWNoZWNrLW9ubHktZGF0YS1rZXktMzJieXQ=,not-a-key"},
            "key 2 of 2 is not a Fernet key",
        ),
        (
            {"DATA_ENCRYPTION_KEYS": "fjxyaolBp0GlSy47Hvd19arlefqqNZKdDDcAwvVC_s0="},
            "must not hold the development key",
        ),
        ({"DEBUG": "flase"}, "'flase' is not a boolean"),
        # Invitation links sent to patients would point at the development server.
        ({"SITE_URL": ""}, "SITE_URL must be set when DEBUG is off"),
        ({"SITE_URL": "pro.example.org"}, "SITE_URL must be an address starting with https://"),
        ({"DATABASE_CONN_MAX_AGE": "sixty"}, "sixty"),
    ],
)
def test_bad_values_stop_the_start_with_a_clear_message(
    change: dict[str, str], message: str
) -> None:
    env = {**PRODUCTION, **change}
    env = {k: v for k, v in env.items() if v != ""}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert message in result.stderr


def test_a_bad_data_key_is_never_echoed_in_the_message() -> None:
    result = run_manage("check", env={**PRODUCTION, "DATA_ENCRYPTION_KEYS": "not-a-key-secret"})
    assert result.returncode != 0
    assert "not a Fernet key" in result.stderr
    assert "not-a-key-secret" not in result.stderr


def test_without_the_old_key_derivation_no_salt_is_needed() -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != "FIELD_ENCRYPTION_SALT"}
    result = run_manage("check", env={**env, "DATA_ENCRYPTION_LEGACY_READ": "false"})
    assert result.returncode == 0, result.stderr


def test_with_no_environment_at_all_the_site_runs_embedded(tmp_path: Path) -> None:
    result = run_manage(
        "shell",
        "--verbosity=0",
        "-c",
        "from django.conf import settings as s; print(s.DATABASES['default']['ENGINE'], "
        "s.CELERY_TASK_ALWAYS_EAGER, s.EMAIL_BACKEND, s.LANGUAGE_CODE)",
        env={"VAR_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "True",
        "django.core.mail.backends.console.EmailBackend",
        "da",
    ]


def test_database_url_selects_postgresql_with_psycopg_3(tmp_path: Path) -> None:
    result = run_manage(
        "shell",
        "--verbosity=0",
        "-c",
        "from django.conf import settings as s; from django.db import connection; "
        "import psycopg; print(s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'])",
        env={"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/somedb", "VAR_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.postgresql", "somedb"]


def test_redis_url_makes_redis_the_broker_and_nothing_a_request_needs(tmp_path: Path) -> None:
    # Sessions and the cache stay in the database with Redis configured: no
    # request may fail because Redis is down (issue 12).
    result = run_manage(
        "shell",
        "--verbosity=0",
        "-c",
        "from django.conf import settings as s; print(s.CELERY_BROKER_URL, "
        "s.CACHES['default']['BACKEND'], s.SESSION_ENGINE, s.CELERY_TASK_ALWAYS_EAGER)",
        env={"REDIS_URL": "redis://127.0.0.1:6379/3", "VAR_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "redis://127.0.0.1:6379/3",
        "django.core.cache.backends.db.DatabaseCache",
        "django.contrib.sessions.backends.db",
        "False",
    ]


def test_collectstatic_with_production_settings_succeeds(tmp_path: Path) -> None:
    # The manifest storage refuses a stylesheet or script that points at a
    # file that is not there (e.g. a source map a vendored file names).
    result = run_manage(
        "collectstatic", "--no-input", "-v0", env={**PRODUCTION, "STATIC_ROOT": str(tmp_path)}
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "staticfiles.json").is_file()


def test_migrate_creates_the_cache_table_so_a_new_site_can_count_log_ins(tmp_path: Path) -> None:
    # The cache (allauth's rate limits, the TOTP replay check, the kiosk pause)
    # is a database table: a deploy that forgot `createcachetable` would fail
    # every log-in, so migrate creates it.
    env = {"VAR_DIR": str(tmp_path)}
    assert run_manage("migrate", "--no-input", "-v0", env=env).returncode == 0
    result = run_manage(
        "shell",
        "--verbosity=0",
        "-c",
        "from django.core.cache import cache; cache.set('k', 'counted'); print(cache.get('k'))",
        env=env,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["counted"]

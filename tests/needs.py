"""What a test needs from the machine: skipped on a laptop, a failure in CI.

A test that needs PostgreSQL, Redis, Chromium or gettext says so with
``needs(available, "what is missing")``, or with the ``postgresql`` marker.
On a developer's machine without the service the test is skipped with that
reason; in CI (``CI=true``) it fails instead, so a missing service can never
turn a red suite green by skipping the tests that would have caught it.
"""

from __future__ import annotations

import os

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def needs(available: bool, missing: str) -> None:
    """Skip (or, in CI, fail) the running test unless ``available``."""
    if available:
        return
    if in_ci():
        pytest.fail(f"CI needs this, but {missing}", pytrace=False)
    pytest.skip(missing)


def needs_postgresql() -> None:
    from django.db import connection

    needs(connection.vendor == "postgresql", "PostgreSQL is not in use (DATABASE_URL unset)")


def needs_redis() -> None:
    needs(bool(os.environ.get("REDIS_URL")), "Redis is not running (REDIS_URL unset)")

"""Shared fixtures: personas of one organisation and an outsider."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # imported lazily, so tests/engine can run without Django
    from pro_portal.models import Organisation, Patient, User


@dataclass
class Personas:
    organisation: Organisation
    other_organisation: Organisation
    clinician: User
    secretary: User
    admin: User
    outsider_clinician: User
    patient: Patient


@pytest.fixture
def personas(db: None) -> Personas:
    from tests import factories

    organisation = factories.OrganisationFactory(name="Lægerne i Søby")
    other = factories.OrganisationFactory(name="Smerteklinikken Nord")
    return Personas(
        organisation=organisation,
        other_organisation=other,
        clinician=factories.clinician(organisation),
        secretary=factories.secretary(organisation),
        admin=factories.clinic_admin(organisation),
        outsider_clinician=factories.clinician(other),
        patient=factories.PatientFactory(
            organisation=organisation, name="Karen Kanarie", cpr=factories.CANARY_CPR
        ),
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    """``@pytest.mark.postgresql``: the test needs PostgreSQL (tests/needs.py)."""
    if item.get_closest_marker("postgresql") is not None:
        from tests.needs import needs_postgresql

        needs_postgresql()


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node: object, ids: list[str]) -> None:
    """Under ``--dist loadgroup`` (scripts/test.sh) each browser test must carry its
    group (tests/e2e/conftest.py), or the groups are silently ignored and two
    Chromiums run at once. pytest 9.2 did that (pytest-dev/pytest-xdist#1386); this
    stops the run with a clear message instead."""
    config = getattr(node, "config", None)
    if config is None or config.getvalue("dist") != "loadgroup":
        return
    lost = [nodeid for nodeid in ids if nodeid.startswith("tests/e2e/") and "@" not in nodeid]
    if lost:
        pytest.exit(
            f"pytest-xdist did not group {len(lost)} browser tests (e.g. {lost[0]});"
            " see the pin of pytest in pyproject.toml",
            returncode=3,
        )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say plainly how many tests were skipped, and why (scripts/test.sh)."""
    skipped = terminalreporter.stats.get("skipped", [])
    reasons: Counter[str] = Counter()
    for report in skipped:
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        reasons[reason.removeprefix("Skipped: ")] += 1
    terminalreporter.write_sep("-", f"{len(skipped)} skipped")
    for reason, count in sorted(reasons.items()):
        terminalreporter.write_line(f"{count:5d}  {reason}")


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never reach the internet: only loopback connections are allowed."""
    import socket

    real_connect = socket.socket.connect

    def guarded_connect(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else address
        remote = isinstance(host, str) and self.family in (socket.AF_INET, socket.AF_INET6)
        if remote and not (host.startswith("127.") or host in ("::1", "localhost")):
            raise OSError(f"tests may not reach the network ({host})")
        return real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


@pytest.fixture(autouse=True)
def _patient_data_only_through_a_door(request: pytest.FixtureRequest) -> Iterator[None]:
    """During a request, a query on a patient table outside a door fails the
    test (tests/door.py). Only tests that use the database are watched."""
    if not _uses_database(request):
        yield
        return
    from tests.door import doors_enforced

    with doors_enforced():
        yield


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Every test starts in the site's default language (Danish), as it would
    alone: a request through LocaleMiddleware leaves its language active in
    the thread, and the next test would otherwise read its texts in it."""
    from django.conf import settings

    if not settings.configured:  # tests/engine run without Django too
        yield
        return
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


def _uses_database(request: pytest.FixtureRequest) -> bool:
    return request.node.get_closest_marker("django_db") is not None or bool(
        {"db", "transactional_db"} & set(request.fixturenames)
    )


@pytest.fixture(autouse=True)
def _empty_cache(request: pytest.FixtureRequest) -> None:
    """Every test starts with an empty Django cache, as it would alone: login
    rate limits per address (allauth), TOTP replay marks and kiosk pauses
    would otherwise carry over from earlier tests. The cache is a table in
    the test database (settings.CACHES), which a transactional test's flush
    does not empty; tests without the database cannot reach it."""
    from django.conf import settings

    if not settings.configured or not _uses_database(request):
        return
    from django.core.cache import cache

    request.getfixturevalue("django_db_setup")  # the test database, never the real one
    with request.getfixturevalue("django_db_blocker").unblock():
        cache.clear()

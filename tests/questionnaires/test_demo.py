"""The demo: staff of every role, the library active, answers across red, yellow and
green, links and a kiosk code; run again, nothing new."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from pro_portal.models import Membership, Patient, Role, User
from questionnaires.kiosk import visit_code_hash
from questionnaires.models import (
    Invitation,
    QuestionnaireVersion,
    Response,
    ScoringResult,
    VisitCode,
)
from tests import factories

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Demo:
    first: str  # what the first run printed
    again: str  # what a second run printed, given the address the site is served at
    rows_after_first: tuple[int, ...]


def rows() -> tuple[int, ...]:
    models = (Patient, Membership, Invitation, Response, ScoringResult)
    return tuple(model.objects.count() for model in models)


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[Demo]:
    """The demo loaded once for this module's tests (it costs seconds), then run a
    second time as a newcomer restarts it, with the address the site is served at.
    All of it is rolled back after the module; each test's own changes are rolled
    back after the test, as always."""

    def run(*args: str) -> str:
        out = StringIO()
        call_command("demo_data", *args, stdout=out)
        return out.getvalue()

    with django_db_blocker.unblock(), override_settings(DEBUG=True), transaction.atomic():
        first = run()
        after_first = rows()
        again = run("--site-url", "http://192.168.1.20:8000")
        yield Demo(first=first, again=again, rows_after_first=after_first)
        transaction.set_rollback(True)


def test_the_demo_activates_the_library_and_has_answers_in_red_yellow_and_green(
    demo: Demo,
) -> None:
    versions = QuestionnaireVersion.objects.filter(status=QuestionnaireVersion.Status.ACTIVE)
    assert versions.count() >= 13
    # The newest version of each questionnaire in the library is the one in use.
    newest = {q: path.stem for q, path in factories.newest_library_paths().items()}
    assert {v.questionnaire_id: v.version for v in versions} == newest
    assert {v.clinical_reviewer.username for v in versions} == {"laege"}
    colours = set(ScoringResult.objects.values_list("overall", flat=True))
    assert {"red", "yellow", "green"} <= colours


def test_the_demo_creates_staff_of_each_role_and_patients(demo: Demo) -> None:
    assert "laege" in demo.first
    assert "demo-portal-2026" in demo.first
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    assert Patient.objects.count() >= 3
    # The site-wide questionnaire roles: the clinic admin imports and previews
    # questionnaires (/content/), the clinician signs them off.
    admin, laege = User.objects.get(username="admin"), User.objects.get(username="laege")
    assert admin.has_perm("questionnaires.manage_questionnaires")
    assert laege.has_perm("questionnaires.review_questionnaires")
    assert not laege.has_perm("questionnaires.manage_questionnaires")


def test_the_demo_prints_working_links_with_the_birth_date_to_type(demo: Demo) -> None:
    # The second run's links: running the demo again reissues them.
    line = next(line for line in demo.again.splitlines() if "John Smith" in line and "/i/" in line)
    day, month, year = re.search(r"birth date (\d+) (\d+) (\d+)", line).groups()
    path = re.search(r"https?://[^/\s]+(/i/\S+)", line).group(1)
    client = Client()
    reply = client.post(path, {"birth-day": day, "birth-month": month, "birth-year": year})
    assert reply["Location"] == "/answer/"
    # The visit code printed is one the kiosk accepts today.
    code = "".join(re.search(r"visit code (\d{3}) (\d{3})", demo.again).groups())
    today = timezone.localdate()
    hashes = {
        visit_code_hash(organisation_id=organisation_id, valid_on=today, code=code)
        for organisation_id in VisitCode.objects.values_list("organisation_id", flat=True)
    }
    assert VisitCode.objects.filter(code_hash__in=hashes, valid_on=today).exists()


def test_running_the_demo_twice_reissues_the_links_instead_of_adding_rows(demo: Demo) -> None:
    assert rows() == demo.rows_after_first
    first_links = set(re.findall(r"/i/\S+", demo.first))
    again_links = set(re.findall(r"/i/\S+", demo.again))
    assert len(again_links) >= 2
    assert not first_links & again_links


def test_the_demo_prints_links_for_the_address_it_is_served_at(demo: Demo) -> None:
    links = re.findall(r"https?://\S+/i/\S+", demo.again)
    assert len(links) >= 2
    assert all(link.startswith("http://192.168.1.20:8000/i/") for link in links)
    assert "127.0.0.1" not in demo.again


def test_the_demo_refuses_an_address_that_is_not_one(settings) -> None:
    from django.core.management import CommandError

    settings.DEBUG = True
    with pytest.raises(CommandError, match="--site-url"):
        call_command("demo_data", "--site-url", "192.168.1.20:8000")

"""The demo: the library active, answers across red, yellow and green, links and a kiosk code."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.test import Client

from questionnaires.library import library_paths
from questionnaires.models import (
    Invitation,
    QuestionnaireVersion,
    Response,
    ScoringResult,
    VisitCode,
)
from tests import factories

pytestmark = pytest.mark.django_db


def newest_in_library() -> set[tuple[str, str]]:
    newest: dict[str, tuple[int, ...]] = {}
    for path in library_paths():
        version = tuple(int(part) for part in path.stem.split("."))
        newest[path.parent.name] = max(version, newest.get(path.parent.name, version))
    return {(qid, ".".join(map(str, v))) for qid, v in newest.items()}


@pytest.fixture
def demo(settings, capsys) -> str:
    settings.DEBUG = True
    call_command("demo_data")
    return capsys.readouterr().out


def test_the_demo_activates_the_library_and_has_answers_in_red_yellow_and_green(
    demo: str,
) -> None:
    versions = QuestionnaireVersion.objects.filter(status=QuestionnaireVersion.Status.ACTIVE)
    assert versions.count() >= 13
    # The newest version of each questionnaire in the library is the one in use.
    newest = {q: path.stem for q, path in factories.newest_library_paths().items()}
    assert {v.questionnaire_id: v.version for v in versions} == newest
    assert {v.clinical_reviewer.username for v in versions} == {"laege"}
    colours = set(ScoringResult.objects.values_list("overall", flat=True))
    assert {"red", "yellow", "green"} <= colours


def test_the_demo_prints_working_links_with_the_birth_date_to_type(demo: str) -> None:
    line = next(line for line in demo.splitlines() if "John Smith" in line and "/i/" in line)
    day, month, year = re.search(r"birth date (\d+) (\d+) (\d+)", line).groups()
    path = re.search(r"(/i/\S+)", line).group(1)
    client = Client()
    reply = client.post(path, {"birth-day": day, "birth-month": month, "birth-year": year})
    assert reply["Location"] == "/answer/"
    assert re.search(r"visit code \d{3} \d{3}", demo)
    assert VisitCode.objects.count() == 1


def test_running_the_demo_twice_reissues_the_links_instead_of_adding_rows(
    demo: str, settings, capsys
) -> None:
    counts = (Invitation.objects.count(), Response.objects.count(), ScoringResult.objects.count())
    call_command("demo_data")
    assert (
        Invitation.objects.count(),
        Response.objects.count(),
        ScoringResult.objects.count(),
    ) == counts


def test_the_demo_prints_links_for_the_address_it_is_served_at(settings, capsys) -> None:
    settings.DEBUG = True
    settings.SITE_URL = ""
    call_command("demo_data", "--site-url", "http://192.168.1.20:8000")
    out = capsys.readouterr().out
    links = re.findall(r"https?://\S+/i/\S+", out)
    assert len(links) >= 2
    assert all(link.startswith("http://192.168.1.20:8000/i/") for link in links)
    assert "127.0.0.1" not in out


def test_the_demo_refuses_an_address_that_is_not_one(settings) -> None:
    from django.core.management import CommandError

    settings.DEBUG = True
    with pytest.raises(CommandError, match="--site-url"):
        call_command("demo_data", "--site-url", "192.168.1.20:8000")

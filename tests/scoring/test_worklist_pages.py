"""The worklists at a clinic's scale: awaiting review and the overdue block a
page at a time, with counts; review state kept on the response; audit rows
only for the patients on the page; another clinic's responses never shown."""

from __future__ import annotations

import datetime as dt
import importlib
import re

import pytest
import time_machine
from django.apps import apps
from django.utils import timezone

from pro_portal.models import AuditEvent, Membership, Role
from questionnaires.models import Response, ScoringResult
from questionnaires.results import result_compute, result_store
from scoring.engine import result_to_dict
from tests import factories
from tests.factories import PHQ9_GREEN, PHQ9_RED, PHQ9_YELLOW

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
# PHQ-9 total 10 (yellow) with item 9, the safety question, left out.
PHQ9_YELLOW_ITEM9_SKIPPED = {k: v for k, v in PHQ9_YELLOW.items() if k != "phq9.9"}


def _submitted(
    organisation, version, answers, *, name: str, at: dt.datetime, full: bool = False
) -> Response:
    """Submitted at ``at`` and scored as a submit would (without its PDF, to keep
    a list of 55 quick); ``full``: the result stored in full, as before compact
    results (issue 16), which came after the review-state migration."""
    patient = factories.PatientFactory(organisation=organisation, name=name)
    response = factories.response_with_answers(patient, version, answers)
    response.status = Response.Status.SUBMITTED
    response.submitted_at = at
    response.save()
    result = result_compute(response=response)
    if full:
        ScoringResult.objects.create(
            response=response,
            questionnaire_id=result.questionnaire,
            definition_version=result.version,
            engine_version=result.engine_version,
            overall=result.overall,
            result=result_to_dict(result),
        )
    else:
        result_store(response=response, result=result)
    return response


@pytest.fixture
def backlog(personas):
    """55 unreviewed, submitted within the last day (none overdue): 3 reds
    (the newest), then 52 greens, Grøn 01 the oldest."""
    version = factories.published_version("phq9")
    org = personas.organisation
    start = NOW - dt.timedelta(hours=20)
    greens = [
        _submitted(
            org, version, PHQ9_GREEN, name=f"Grøn {n:02d}", at=start + dt.timedelta(minutes=n)
        )
        for n in range(1, 53)
    ]
    reds = [
        _submitted(org, version, PHQ9_RED, name=f"Rød {n}", at=NOW - dt.timedelta(minutes=n))
        for n in range(1, 4)
    ]
    return {"greens": greens, "reds": reds}


def _listed(html: str) -> list[str]:
    """The patients of the awaiting-review table, in order."""
    table = html[html.index('id="awaiting-title"') :]
    return re.findall(r'<a href="/responses/[^"]+">([^<]+)</a>', table)


def _overdue_block(html: str) -> list[str]:
    block = html[
        html.index('id="overdue-title"') : html.index(
            "</section>", html.index('id="overdue-title"')
        )
    ]
    return re.findall(r'<a class="alert-link" href="/responses/[^"]+">([^<]+)</a>', block)


@time_machine.travel(NOW, tick=False)
def test_awaiting_review_shows_50_red_first_then_oldest_and_the_second_page_the_next(
    personas, backlog, client
):
    client.force_login(personas.clinician)
    first = client.get("/worklist/awaiting/").content.decode()
    assert "Viser 1–50 af 55" in first
    assert _listed(first) == [
        "Rød 3",  # red first, oldest first among them
        "Rød 2",
        "Rød 1",
        *[f"Grøn {n:02d}" for n in range(1, 48)],
    ]
    assert 'awaiting-count">55</span>' in first
    assert 'href="?page=2"' in first
    second = client.get("/worklist/awaiting/?page=2").content.decode()
    assert "Viser 51–55 af 55" in second
    assert _listed(second) == [f"Grøn {n:02d}" for n in range(48, 53)]
    assert 'href="?page=1"' in second  # back to the first
    assert "?page=3" not in second  # no page after the last


@time_machine.travel(NOW, tick=False)
def test_a_page_past_the_last_shows_the_last_and_a_mistyped_one_the_first(
    personas, backlog, client
):
    client.force_login(personas.clinician)
    assert "Viser 51–55 af 55" in client.get("/worklist/awaiting/?page=99").content.decode()
    assert "Viser 1–50 af 55" in client.get("/worklist/awaiting/?page=x").content.decode()


@time_machine.travel(NOW, tick=False)
def test_the_count_and_pages_follow_the_colour_filter(personas, backlog, client):
    client.force_login(personas.clinician)
    html = client.get("/worklist/awaiting/?colour=red").content.decode()
    assert "Viser 1–3 af 3" in html
    assert _listed(html) == ["Rød 3", "Rød 2", "Rød 1"]
    assert 'awaiting-count">55</span>' in html  # the tab still counts them all


@time_machine.travel(NOW, tick=False)
def test_a_reviewed_response_leaves_awaiting_review_and_the_next_moves_up(
    personas, backlog, client
):
    client.force_login(personas.clinician)
    reviewed = backlog["reds"][2]  # Rød 3, the first row
    client.post(f"/responses/{reviewed.public_id}/review")
    first = client.get("/worklist/awaiting/").content.decode()
    assert "Viser 1–50 af 54" in first
    assert "Rød 3" not in _listed(first)
    assert _listed(first)[-1] == "Grøn 48"  # moved up from the second page
    assert 'awaiting-count">54</span>' in first


@time_machine.travel(NOW, tick=False)
def test_a_submit_keeps_what_the_lists_show_on_the_response(personas):
    version = factories.published_version("phq9")
    patient = personas.patient
    cases = [
        (PHQ9_RED, "red", 0),
        (PHQ9_YELLOW, "yellow", 1),
        (PHQ9_GREEN, "green", 3),
    ]
    for answers, shown, attention in cases:
        response = factories.submitted(patient, version, answers)
        assert (response.shown, response.attention, response.reviewed_at) == (
            shown,
            attention,
            None,
        )


@time_machine.travel(NOW, tick=False)
def test_a_safety_question_left_unanswered_is_listed_with_the_reds(personas, backlog, client):
    # Item 9 is required now; older pages let it be skipped (test_safety_unanswered.py).
    version = factories.published_version("phq9")
    _submitted(
        personas.organisation,
        version,
        PHQ9_YELLOW_ITEM9_SKIPPED,
        name="Sara Sikkerhed",
        at=NOW - dt.timedelta(hours=1),
    )
    client.force_login(personas.clinician)
    html = client.get("/worklist/awaiting/?colour=red").content.decode()
    assert _listed(html) == ["Sara Sikkerhed", "Rød 3", "Rød 2", "Rød 1"]


@time_machine.travel(NOW, tick=False)
def test_the_migration_fills_responses_submitted_and_reviewed_before_it(personas, client):
    version = factories.published_version("phq9")
    org = personas.organisation
    before = {
        "red": _submitted(org, version, PHQ9_RED, name="Rød", at=NOW, full=True),
        "safety_unanswered": _submitted(
            org, version, PHQ9_YELLOW_ITEM9_SKIPPED, name="Sara", at=NOW, full=True
        ),
        "yellow": _submitted(org, version, PHQ9_YELLOW, name="Gul", at=NOW, full=True),
        "green": _submitted(org, version, PHQ9_GREEN, name="Grøn", at=NOW, full=True),
    }
    client.force_login(personas.clinician)
    client.post(f"/responses/{before['yellow'].public_id}/review")
    reviewed_at = Response.objects.get(pk=before["yellow"].pk).reviewed_at
    assert reviewed_at == timezone.now()
    # As they were before the migration: no review state on the response.
    Response.objects.update(shown="", attention=None, reviewed_at=None)
    migration = importlib.import_module("scoring.migrations.0007_review_state_filled")
    migration.fill(apps, None)
    for shown, response in before.items():
        response.refresh_from_db()
        assert response.shown == shown
    assert before["safety_unanswered"].attention == before["red"].attention == 0
    assert before["yellow"].reviewed_at == reviewed_at
    assert before["red"].reviewed_at is None
    html = client.get("/worklist/awaiting/").content.decode()
    assert _listed(html) == ["Rød", "Sara", "Grøn"]


@time_machine.travel(NOW, tick=False)
def test_a_view_audits_only_the_patients_on_its_page(personas, backlog, client):
    client.force_login(personas.clinician)
    client.get("/worklist/awaiting/?page=2")
    audited = AuditEvent.objects.filter(action="worklist.view", actor=personas.clinician)
    assert sorted(e.patient.name for e in audited) == [f"Grøn {n:02d}" for n in range(48, 53)]


@pytest.fixture
def overdue(personas):
    """25 reds without a consultation, each submitted more than 24 hours ago."""
    version = factories.published_version("phq9")
    return [
        _submitted(
            personas.organisation,
            version,
            PHQ9_RED,
            name=f"Sen {n:02d}",
            at=NOW - dt.timedelta(days=3) + dt.timedelta(minutes=n),
        )
        for n in range(1, 26)
    ]


@time_machine.travel(NOW, tick=False)
def test_the_overdue_block_shows_20_oldest_first_and_pages_on(personas, overdue, client):
    client.force_login(personas.clinician)
    html = client.get("/worklist/?day=2026-11-23").content.decode()
    assert _overdue_block(html) == [f"Sen {n:02d}" for n in range(1, 21)]
    assert "Viser 1–20 af 25" in html
    assert "overdue_page=2" in html
    nxt = client.get("/worklist/?day=2026-11-23&overdue_page=2").content.decode()
    assert _overdue_block(nxt) == [f"Sen {n:02d}" for n in range(21, 26)]
    assert "Viser 21–25 af 25" in nxt
    # The day's list has no consultations: the audit rows are the block's 20, then its 5.
    audited = AuditEvent.objects.filter(action="worklist.view", actor=personas.clinician)
    assert audited.count() == 25
    assert {e.patient.name for e in audited} == {f"Sen {n:02d}" for n in range(1, 26)}


@time_machine.travel(NOW, tick=False)
def test_another_organisations_responses_are_never_shown_or_counted(personas, client):
    version = factories.published_version("phq9")
    other = personas.other_organisation
    _submitted(other, version, PHQ9_RED, name="Anna Andet", at=NOW - dt.timedelta(days=3))
    _submitted(other, version, PHQ9_GREEN, name="Bo Andet", at=NOW)
    _submitted(personas.organisation, version, PHQ9_GREEN, name="Egen Patient", at=NOW)
    client.force_login(personas.clinician)
    awaiting = client.get("/worklist/awaiting/").content.decode()
    day = client.get("/worklist/").content.decode()
    for html in (awaiting, day):
        assert "Andet" not in html
        assert 'id="overdue-title"' not in html
        assert 'awaiting-count">1</span>' in html
    assert _listed(awaiting) == ["Egen Patient"]
    assert "Viser 1–1 af 1" in awaiting
    # The other clinic's clinician sees theirs, and not ours.
    client.force_login(personas.outsider_clinician)
    theirs = client.get("/worklist/awaiting/").content.decode()
    assert _listed(theirs) == ["Anna Andet", "Bo Andet"]
    assert "Egen Patient" not in theirs


@time_machine.travel(NOW, tick=False)
def test_the_lists_hold_the_clinics_where_one_is_a_clinician_and_no_other(personas, client):
    """The lists are read for the clinics the user is a clinician in, named by
    id (so PostgreSQL plans for them): a clinician of two clinics sees both
    clinics' overdue reds, oldest first across them, and a third clinic
    where the same user is a secretary adds nothing."""
    version = factories.published_version("phq9")
    second = personas.other_organisation
    third = factories.OrganisationFactory(name="Klinikken Tre")
    Membership.objects.create(user=personas.clinician, organisation=second, role=Role.CLINICIAN)
    Membership.objects.create(user=personas.clinician, organisation=third, role=Role.SECRETARY)
    days_ago = {"Egen Ældst": 5, "Anden Midt": 4, "Egen Yngst": 3, "Tredje Sen": 6}
    clinic = {"Egen": personas.organisation, "Anden": second, "Tredje": third}
    for name, days in days_ago.items():
        at = NOW - dt.timedelta(days=days)
        _submitted(clinic[name.split()[0]], version, PHQ9_RED, name=name, at=at)
    client.force_login(personas.clinician)
    day = client.get("/worklist/?day=2026-11-23").content.decode()
    assert _overdue_block(day) == ["Egen Ældst", "Anden Midt", "Egen Yngst"]
    awaiting = client.get("/worklist/awaiting/").content.decode()
    assert _listed(awaiting) == ["Egen Ældst", "Anden Midt", "Egen Yngst"]
    assert "Tredje" not in day + awaiting

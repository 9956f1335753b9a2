"""Answers given on the waiting-room tablet belong to the patient's visit of that day.

Reception gives a visit code; the patient answers the basic data on the
tablet; the GP working from the day list sees them on the patient's row and
the summary names the consultation. The rule when the patient has two
consultations that day: the next one not yet started, else the latest
(``questionnaires.kiosk.kiosk_consultation``).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from questionnaires.models import Consultation, Response
from tests import factories
from tests.conftest import Personas
from tests.factories import answers_put
from tests.questionnaires.test_kiosk import open_kiosk
from tests.questionnaires.test_submit_once import check_token, submit

pytestmark = pytest.mark.django_db

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
# The basic-data questionnaire's green test vector (basic_data 1.0.0, "base").
BASIC_GREEN = {
    "basic.weight": 70.0,
    "basic.height": 175,
    "basic.waist": 88,
    "basic.bp_measured": "no",
    "basic.smoking": "never",
    "basic.alcohol_week": 7,
    "basic.alcohol_max_day": 3,
    "basic.activity_moderate": 200,
    "basic.activity_vigorous": 0,
    "basic.diet_fruitveg": "3to5",
    "basic.diet_fish": "once_week",
    "basic.kram_talk": ["none"],
}
TITLE = "Basisoplysninger og livsstil"


def at(hour: int, minute: int = 0, day: int = 7) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=COPENHAGEN)


@pytest.fixture
def basic_data(db: None) -> None:
    factories.published_version("basic_data", active=True)


def book(personas: Personas, starts_at: dt.datetime) -> Consultation:
    return factories.consultation(personas.patient, starts_at, personas.secretary)


def answer_basic_data_on_the_tablet(personas: Personas) -> Response:
    """The canary patient opens the tablet with a visit code and sends the basic data."""
    client, _kiosk = open_kiosk(personas)
    basic = Response.objects.get(
        patient=personas.patient, questionnaire_version__questionnaire_id="basic_data"
    )
    answers_put(basic, BASIC_GREEN)
    reply = submit(client, basic, check_token(client, basic))
    assert reply["Location"].endswith("/done/"), reply  # type: ignore[index]
    basic.refresh_from_db()
    assert basic.channel == Response.Channel.KIOSK
    return basic


def clinician(personas: Personas) -> Client:
    client = Client()
    client.force_login(personas.clinician)
    return client


def day_list_row(client: Client, day: dt.date, name: str) -> str:
    page = client.get(f"/worklist/?day={day.isoformat()}").content.decode()
    rows = [row for row in page.split("<tr") if name in row]
    assert len(rows) == 1, page
    return rows[0]


def test_answers_on_the_tablet_show_on_todays_row_of_the_day_list_and_in_the_summary(
    personas: Personas, basic_data: None
) -> None:
    with time_machine.travel(at(9, 40), tick=False):
        visit = book(personas, at(10, 15))
        basic = answer_basic_data_on_the_tablet(personas)
        assert basic.consultation == visit
        gp = clinician(personas)
        row = day_list_row(gp, at(9, 40).date(), personas.patient.name)
        assert TITLE in row
        assert f"/responses/{basic.public_id}/" in row
        summary = gp.get(f"/responses/{basic.public_id}/").content.decode()
        assert "Konsultation 10:15" in summary  # the day it was answered: the time alone
        assert "(Tablet i venteværelset)" in summary


def test_without_a_consultation_that_day_the_answers_stay_unattached_and_show_on_the_patients_page(
    personas: Personas, basic_data: None
) -> None:
    with time_machine.travel(at(9, 40), tick=False):
        tomorrow = book(personas, at(10, 15, day=8))
        book(personas, at(15, 0, day=6))  # yesterday's visit is over
        basic = answer_basic_data_on_the_tablet(personas)
        assert basic.consultation is None
        gp = clinician(personas)
        assert TITLE not in day_list_row(gp, tomorrow.starts_at.date(), personas.patient.name)
        page = gp.get(f"/patients/{personas.patient.public_id}/").content.decode()
        assert "Besvaret på tabletten i venteværelset" in page
        assert f'href="/responses/{basic.public_id}/"' in page
        assert "ingen den dag" in page


def test_the_secretary_sees_the_tablet_answers_status_but_no_link_to_them(
    personas: Personas, basic_data: None
) -> None:
    with time_machine.travel(at(9, 40), tick=False):
        basic = answer_basic_data_on_the_tablet(personas)
        client = Client()
        client.force_login(personas.secretary)
        page = client.get(f"/patients/{personas.patient.public_id}/").content.decode()
        assert TITLE in page
        assert f"/responses/{basic.public_id}/" not in page


@pytest.mark.parametrize(
    ("now", "booked", "chosen"),
    [
        # Waiting for the next visit: the earliest one not yet started.
        (at(9, 40), [at(8, 0), at(10, 15), at(14, 0)], at(10, 15)),
        # Exactly at the start time it has not started yet.
        (at(10, 15), [at(8, 0), at(10, 15)], at(10, 15)),
        # Every visit of the day has started (late, or answering during it): the latest.
        (at(16, 0), [at(8, 0), at(14, 0)], at(14, 0)),
        # Just before midnight, local time (UTC is an hour behind): still that day's.
        (at(23, 30), [at(8, 0), at(0, 30, day=8)], at(8, 0)),
    ],
)
def test_with_two_consultations_that_day_the_next_not_yet_started_wins_else_the_latest(
    personas: Personas, basic_data: None, now: dt.datetime, booked: list, chosen: dt.datetime
) -> None:
    with time_machine.travel(now, tick=False):
        for starts_at in booked:
            book(personas, starts_at)
        basic = answer_basic_data_on_the_tablet(personas)
        assert basic.consultation is not None
        assert basic.consultation.starts_at == chosen


def test_another_organisations_consultation_that_day_is_not_the_patients_visit_here(
    personas: Personas, basic_data: None
) -> None:
    with time_machine.travel(at(9, 40), tick=False):
        Consultation.objects.create(
            organisation=personas.other_organisation,
            patient=personas.patient,
            starts_at=at(10, 0),
            created_by=personas.outsider_clinician,
        )
        assert answer_basic_data_on_the_tablet(personas).consultation is None


def test_answers_from_home_keep_their_invitations_consultation(
    personas: Personas, basic_data: None
) -> None:
    version = factories.published_version("phq9", active=True)
    with time_machine.travel(at(9, 40), tick=False):
        later = book(personas, at(10, 0, day=9))
        book(personas, at(10, 15))
        invitation = factories.invitation(later, personas.patient, personas.secretary)
        response = factories.submitted(
            personas.patient, version, factories.PHQ9_GREEN, invitation=invitation
        )
        assert response.consultation == later

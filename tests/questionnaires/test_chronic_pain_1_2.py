"""Chronic pain 1.2.0 as the patient meets it: the new safety rules give their advice at once.

The rules and their cut-offs are tested by the definition's own vectors
(questionnaires/definitions/chronic_pain/1.2.0.yaml); these tests check what
a patient sees on the very next page.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from questionnaires.library import read_definition
from questionnaires.models import Response
from tests import factories
from tests.conftest import Personas
from tests.questionnaires.test_patient_flow import (
    answer_all,
    invite,
    post_answer,
    question_url,
    response_of,
    unlock,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_zealand(personas: Personas) -> Personas:
    organisation = personas.organisation
    organisation.region = "sjaelland"
    organisation.save()
    return personas


def _open(personas: Personas, client: Client) -> Response:
    invitation, token = invite(personas, "chronic_pain", version="1.2.0")
    assert unlock(client, token, personas.patient.birth_date).status_code == 302
    return response_of(invitation, "chronic_pain")


def _urgent(response: Response) -> str:
    return f"/answer/{response.public_id}/help-now/"


def test_numbness_in_the_crotch_says_call_now_day_or_night(in_zealand, client: Client) -> None:
    response = _open(in_zealand, client)
    reply = post_answer(client, response, "pain.red_flags", ["saddle_numbness"])
    assert reply["Location"] == _urgent(response)
    page = client.get(reply["Location"]).content.decode()
    assert "Ring til din egen læge nu" in page
    assert "ring nu til lægevagten på 1818" in page  # the clinic's region, not the capital's
    assert "også om aftenen, om natten og i weekenden" in page
    assert "Vent ikke til i morgen" in page
    assert 'href="tel:112"' in page


def test_a_new_symptom_that_is_not_an_emergency_says_call_today(in_zealand, client: Client) -> None:
    response = _open(in_zealand, client)
    reply = post_answer(client, response, "pain.red_flags", ["walking"])
    assert reply["Location"] == _urgent(response)
    page = client.get(reply["Location"]).content.decode()
    assert "Ring til din egen læge i dag" in page
    assert "Ring til din egen læge nu" not in page


def test_more_opioid_than_agreed_with_a_sedative_gives_the_breathing_advice_at_once(
    in_zealand, client: Client
) -> None:
    response = _open(in_zealand, client)
    answer_all(
        client,
        response,
        {
            "med.taking": "yes",
            "med.opioid": "yes",
            "med.opioid_alcohol": "no",
            "med.sedatives": ["benzo"],
        },
    )
    reply = post_answer(client, response, "med.more_than_prescribed", "sometimes")
    assert reply["Location"] == _urgent(response)
    page = client.get(reply["Location"]).content.decode()
    assert "kan vejrtrækningen blive for langsom" in page
    assert "Ring til din egen læge i dag" in page


def test_a_sedative_without_an_opioid_raises_no_help_page(in_zealand, client: Client) -> None:
    response = _open(in_zealand, client)
    answer_all(client, response, {"med.taking": "no", "med.sedatives": ["z_drug"]})
    reply = post_answer(client, response, "med.more_than_prescribed", "often")
    assert reply["Location"] != _urgent(response)


# --- GAD-7 behind GAD-2 >= 3 (Kroenke et al. 2007) ------------------------------------------


@pytest.mark.parametrize(
    ("item_1", "item_2", "next_item"),
    [
        ("1", "1", "who5.1"),  # GAD-2 = 2: GAD-7 items 3-7 are not asked
        ("2", "0", "who5.1"),  # GAD-2 = 2
        ("2", "1", "gad7.3"),  # GAD-2 = 3: the rest of the GAD-7 follows
    ],
)
def test_the_rest_of_the_gad7_is_asked_only_when_gad2_is_3_or_more(
    personas: Personas, client: Client, item_1: str, item_2: str, next_item: str
) -> None:
    response = _open(personas, client)
    answer_all(client, response, {"gad7.1": item_1})
    reply = post_answer(client, response, "gad7.2", item_2)
    assert reply["Location"] == question_url(response, next_item)


def test_lowering_gad2_below_3_drops_the_answers_to_the_rest_of_the_gad7(
    personas: Personas, client: Client
) -> None:
    response = _open(personas, client)
    answer_all(client, response, {"gad7.1": "2", "gad7.2": "1", "gad7.3": "3", "gad7.4": "3"})
    post_answer(client, response, "gad7.2", "0")
    assert set(factories.answers_of(response)) == {"gad7.1", "gad7.2"}
    assert client.get(question_url(response, "gad7.3")).status_code == 302


# --- The clinician's summary: PEG is read as a change since last time ------------------------

LIBRARY = Path(__file__).resolve().parents[2] / "questionnaires" / "definitions" / "chronic_pain"
BASE_1_1 = read_definition(LIBRARY / "1.1.0.yaml")["test_vectors"][0]["answers"]  # PEG 5.0
BASE_1_2 = read_definition(LIBRARY / "1.2.0.yaml")["test_vectors"][0]["answers"]  # PEG 5.0


def _overall(response: Response) -> str:
    return response.results.get(kind="original").overall


def _summary(personas: Personas, client: Client, response: Response) -> str:
    client.force_login(personas.clinician)
    return client.get(f"/responses/{response.public_id}/").content.decode()


def test_a_peg_rise_of_30_percent_since_a_1_1_response_is_yellow(
    personas: Personas, client: Client
) -> None:
    before = factories.published_version("chronic_pain", version="1.1.0")
    now = factories.published_version("chronic_pain", version="1.2.0")
    factories.submitted(personas.patient, before, BASE_1_1)
    # (7 + 7 + 6) / 3 = 6.7: up 34 % and 1.7 points from 5.0
    rose = {**BASE_1_2, "pain.avg": 7, "pain.enjoyment": 7, "pain.activity": 6}
    response = factories.submitted(personas.patient, now, rose)
    assert _overall(response) == "yellow"
    assert "peg_worse_30" in _summary(personas, client, response)


def test_a_high_peg_on_a_first_response_is_no_longer_coloured(
    personas: Personas, client: Client
) -> None:
    now = factories.published_version("chronic_pain", version="1.2.0")
    high = {**BASE_1_2, "pain.avg": 9, "pain.enjoyment": 9, "pain.activity": 9}  # PEG 9.0
    response = factories.submitted(personas.patient, now, high)
    assert _overall(response) == "green"
    assert "peg_7_plus" not in _summary(personas, client, response)

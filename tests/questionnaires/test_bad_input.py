"""Absurd answers on the question pages get a clear message in the patient's
language, never an error page (issue 12, "Bad input gets a clear message")."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import Personas
from tests.factories import answers_of
from tests.questionnaires.test_patient_flow import invite, post_answer, response_of, unlock

pytestmark = pytest.mark.django_db


@pytest.fixture
def basic_data(personas: Personas, client: Client):
    invitation, token = invite(personas, "basic_data")
    assert unlock(client, token, personas.patient.birth_date).status_code == 302
    return response_of(invitation, "basic_data")


@pytest.mark.parametrize("typed", ["9" * 5000, "-" + "9" * 5000, "0" * 4999 + "1"])
def test_a_5000_digit_number_is_out_of_the_items_range_in_danish(
    basic_data, client: Client, typed: str
) -> None:
    reply = post_answer(client, basic_data, "basic.height", typed)
    assert reply.status_code == 302  # post/redirect/get, errors too
    assert "Skriv et tal fra 120 til 220" in client.get(reply["Location"]).content.decode()
    assert "basic.height" not in answers_of(basic_data)


def test_a_null_character_in_a_text_answer_is_refused_in_danish(personas, client) -> None:
    invitation, token = invite(personas, "chronic_pain")
    assert unlock(client, token, personas.patient.birth_date).status_code == 302
    response = response_of(invitation, "chronic_pain")
    reply = post_answer(client, response, "goals.text", "Sove\x00 igen")
    assert reply.status_code == 302  # post/redirect/get, errors too
    assert "Fjern nul-tegnet fra dit svar" in client.get(reply["Location"]).content.decode()

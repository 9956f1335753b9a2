"""Issue 14, mental health: 112, the out-of-hours line and the psychiatric emergency
department before Livslinien, which is not open around the clock; suicide items by
frequency; one depression scale in depression_anxiety 1.2.0.

Scores and colours of the new rules are tested by the definitions' own vectors; these tests
are what a patient or a clinic sees.
"""

from __future__ import annotations

import pytest
from django.test import Client

from pro_portal.regions import LIVSLINIEN, REGIONS
from questionnaires.library import LIBRARY_DIR, load_definition
from questionnaires.models import Response
from tests.conftest import Personas
from tests.questionnaires.test_patient_flow import (
    PHQ9_ALL_ZERO,
    answer_all,
    invite,
    post_answer,
    response_of,
    unlock,
)

pytestmark = pytest.mark.django_db

LIVSLINIEN_TEL = 'href="tel:+4570201201"'


def _open(personas: Personas, client: Client, questionnaire: str, version: str) -> Response:
    invitation, token = invite(personas, questionnaire, version=version)
    assert unlock(client, token, personas.patient.birth_date).status_code == 302
    return response_of(invitation, questionnaire)


def _in_region(personas: Personas, region: str) -> Personas:
    personas.organisation.region = region
    personas.organisation.save()
    return personas


# --- The help list: emergency first, Livslinien after, with its hours ----------------------


def test_the_help_page_puts_112_the_line_and_the_psychiatric_department_before_livslinien(
    personas: Personas, client: Client
) -> None:
    _open(_in_region(personas, "sjaelland"), client, "phq9", "1.2.0")
    page = client.get("/help/").content.decode()
    order = [
        page.index('href="tel:112"'),
        page.index('href="tel:1818"'),
        page.index("Psykiatrisk akutmodtagelse:"),
        page.index(LIVSLINIEN_TEL),
    ]
    assert order == sorted(order)
    assert "hver dag fra kl. 11 til kl. 5 om natten" in page  # Livslinien is not open 24 h
    assert "ring 1818 først: det er også vejen ind til de psykiatriske akutmodtagelser" in page


@pytest.mark.parametrize(
    ("region", "said"),
    [
        ("hovedstaden", "du kan møde op døgnet rundt uden henvisning"),
        ("sjaelland", "ring 1818 først"),
        ("midtjylland", "ring først til din egen læge eller lægevagten"),
        ("syddanmark", "kan henvise dig dertil"),
        ("nordjylland", "kan henvise dig dertil"),
    ],
)
def test_each_region_says_how_its_patients_reach_a_psychiatric_emergency_department(
    personas: Personas, client: Client, region: str, said: str
) -> None:
    _open(_in_region(personas, region), client, "phq9", "1.2.0")
    assert said in client.get("/help/").content.decode()


def test_a_clinic_without_a_region_gets_the_general_way_to_the_psychiatric_department(
    personas: Personas, client: Client
) -> None:
    _open(personas, client, "phq9", "1.2.0")
    page = client.get("/help/").content.decode()
    assert "Psykiatrisk akutmodtagelse:" in page
    assert "kan henvise dig dertil" in page


def test_every_crisis_number_and_text_carries_an_honest_source_note() -> None:
    # Nobody has checked these against the live pages yet: the note must say so.
    for region in REGIONS.values():
        assert "to be checked" in region.psychiatric_source_note, region.code
        assert "to be checked" in region.source_note, region.code
    assert "to be checked against https://www.livslinien.dk/" in LIVSLINIEN.source_note


# --- The crisis texts of PHQ-9 item 9 and MDI item 6 -------------------------------------------

CRISIS_RULES = [
    ("phq9", "phq9_item9_self_harm"),
    ("phq9", "phq9_item9_same_day"),
    ("mdi", "mdi_item6_life_not_worth_living"),
    ("mdi", "mdi_item6_same_day"),
]


@pytest.mark.parametrize(("questionnaire", "rule_id"), CRISIS_RULES)
def test_the_new_crisis_texts_name_help_that_is_always_open_before_livslinien(
    questionnaire: str, rule_id: str
) -> None:
    definition = load_definition(LIBRARY_DIR / questionnaire / "1.2.0.yaml")
    rule = next(rule for rule in definition.rules if rule.id == rule_id)
    assert rule.safety
    assert rule.colour == "red"
    for language, department, hours in (
        ("da", "psykiatrisk akutmodtagelse", "kl. 11 til kl. 5 om natten"),
        ("en", "psychiatric emergency department", "11 am to 5 am"),
    ):
        text = rule.patient_text[language]
        order = [
            text.index("112"),
            text.index("{out_of_hours}"),
            text.index(department),
            text.index("Livslinien"),
        ]
        assert order == sorted(order), (rule_id, language)
        assert hours in text


def test_frequent_self_harm_thoughts_get_the_help_once_and_the_clinic_a_same_day_flag(
    personas: Personas, client: Client
) -> None:
    response = _open(_in_region(personas, "sjaelland"), client, "phq9", "1.2.0")
    answer_all(client, response, {k: v for k, v in PHQ9_ALL_ZERO.items() if k != "phq9.9"})
    reply = post_answer(client, response, "phq9.9", "3")
    assert reply["Location"] == f"/answer/{response.public_id}/help-now/"
    page = client.get(reply["Location"]).content.decode()
    # Two rules fired (red; same-day contact), one text for the patient, with the clinic's line.
    assert page.count("psykiatrisk akutmodtagelse") == 1
    assert page.count("lægevagten på 1818") == 1


def test_depression_anxiety_asks_one_depression_scale_the_mdi() -> None:
    newest = load_definition(LIBRARY_DIR / "depression_anxiety" / "1.2.0.yaml")
    asked = {item.id.split(".")[0] for section in newest.sections for item in section.items}
    assert asked == {"who5", "mdi", "gad7"}
    assert [rule.id for rule in newest.rules if rule.safety] == [
        "mdi_item6_life_not_worth_living",
        "mdi_item6_same_day",
    ]


def test_gad7_item_1_is_plain_danish() -> None:
    newest = load_definition(LIBRARY_DIR / "gad7" / "1.2.0.yaml")
    text = newest.item("gad7.1").text["da"]
    assert "på kanten" not in text
    assert "anspændt" in text

"""SDC enableWhenExpression and weight() on an imported questionnaire (issue 15).

tests/fixtures/fhir/hand-written/screener-enable-expression.json (written
for these tests): a yes/no screener ("In the past month, have you had
pain?"); a group of twelve detail questions whose enableWhenExpression asks
them only when the screener is answered yes; three general questions always
asked; a count of the detail and general questions answered and a total of
the weights of every answer (``%resource.repeat(item).answer.value.weight().sum()``).
Every option weighs never 0, sometimes 1, often 2, always 3 (itemWeight).

Totals by hand: twelve details "often" (12 × 2 = 24) and the general
questions sometimes, always, never (1 + 3 + 0 = 4) give 28 with 15 answered
when the screener is yes; answered no, the twelve are not asked and their
answers do not count: 4 with 3 answered. The engine's values are also
compared with fhirpathpy on the response an SDC form filler writes (no
answers for disabled items, calculated values written back until they
settle: questionnaires.fhir.sdc.calculate_settled).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import random
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from questionnaires.answering import (
    Submit,
    response_progress,
    response_submit,
    submission_token_issue,
)
from questionnaires.fhir import common as c
from questionnaires.fhir.export import questionnaire_to_fhir
from questionnaires.fhir.importer import ImportResult, questionnaire_from_fhir
from questionnaires.fhir.sdc import calculate_settled
from questionnaires.fhir.validation import validate
from questionnaires.invitations import invitation_create
from questionnaires.models import QuestionnaireVersion
from questionnaires.services import (
    questionnaire_publish,
    questionnaire_record_review,
)
from scoring.engine import enabled_items, evaluate
from tests import factories
from tests.conftest import Personas
from tests.questionnaires.fhir.helpers import FIXTURES, choice, coding, import_items, walk
from tests.questionnaires.fhir.sdc_filler import enabled_links
from tests.questionnaires.fhir.test_fut_significance import ehealth_only
from tests.questionnaires.test_patient_flow import answer_all, post_answer, question_url, unlock

NAME = "screener-enable-expression.json"
SYSTEM = "http://example.org/CodeSystem/frequency"
DETAILS = [f"d{n:02d}" for n in range(1, 13)]
GENERAL = ["g1", "g2", "g3"]
CODES = ["never", "sometimes", "often", "always"]
#: Screener yes, every detail "often", the general questions sometimes, always, never.
ANSWERS: dict[str, Any] = {
    "screen": "yes",
    **dict.fromkeys(DETAILS, "often"),
    "g1": "sometimes",
    "g2": "always",
    "g3": "never",
}


def load() -> dict[str, Any]:
    return json.loads((FIXTURES / "hand-written" / NAME).read_text(encoding="utf-8"))


@functools.cache
def imported() -> ImportResult:
    return questionnaire_from_fhir(load(), source=NAME)


def scores(answers: dict[str, Any]) -> dict[str, Any]:
    result = evaluate(imported().definition, answers)
    return {score.id: score.value for score in result.scores}


def test_the_expression_is_imported_for_each_detail_question_without_a_warning() -> None:
    result = imported()
    assert sorted(result.mapping["fhir"]["enable"]) == DETAILS
    assert not [w for w in result.warnings if "enableWhenExpression" in w]


@pytest.mark.parametrize(
    ("screen", "answered", "total"),
    [("yes", 15, 28), ("no", 3, 4)],
)
def test_a_screener_answered_no_drops_twelve_items_from_the_count_and_total(
    screen: str, answered: int, total: int
) -> None:
    assert scores({**ANSWERS, "screen": screen}) == {"answered_item": answered, "total": total}


def test_the_twelve_details_are_not_asked_after_no() -> None:
    definition = imported().definition
    asked = enabled_items(definition, {**ANSWERS, "screen": "no"})
    assert sorted(asked) == sorted(["screen", *GENERAL])
    assert set(DETAILS) <= enabled_items(definition, ANSWERS)


def fhir_answers(answers: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The answers as an SDC form filler writes them: nothing for disabled items."""
    found: dict[str, list[dict[str, Any]]] = {}
    if "screen" in answers:
        found["screen"] = [{"valueBoolean": answers["screen"] == "yes"}]
    for link_id in [*DETAILS, *GENERAL]:
        if link_id in answers and (link_id in GENERAL or answers.get("screen") == "yes"):
            found[link_id] = [{"valueCoding": {"system": SYSTEM, "code": answers[link_id]}}]
    return found


def answer_sets() -> list[dict[str, Any]]:
    rng = random.Random(15)
    every = [*DETAILS, *GENERAL]
    sets = [
        {"screen": screen, **dict.fromkeys(every, code)}
        for screen in ("yes", "no")
        for code in (CODES[0], CODES[-1])
    ]
    sets.append({"screen": "yes", **dict.fromkeys(every[1:], CODES[-1])})  # one missing
    sets.append({**dict.fromkeys(every, "often")})  # screener unanswered
    for _ in range(20):
        sets.append(
            {
                "screen": rng.choice(["yes", "no"]),
                **{i: rng.choice(CODES) for i in every if rng.random() > 0.1},
            }
        )
    return sets


@pytest.mark.parametrize("answers", answer_sets())
def test_the_engine_gives_fhirpathpy_values_on_the_same_response(answers: dict[str, Any]) -> None:
    expected = calculate_settled(load(), fhir_answers(answers))
    assert scores(answers) == {
        "answered_item": expected["answered"],
        "total": expected["total"],
    }


@pytest.mark.django_db
def test_the_patient_is_not_shown_nor_required_to_answer_a_disabled_question(
    personas: Personas, client: Client
) -> None:
    version = questionnaire_publish(content=imported().mapping, source=NAME).version
    reviewer = factories.version_reviewer()
    questionnaire_record_review(
        version=version, reviewer=reviewer, reviewed_on=dt.date(2026, 11, 1), by=None
    )
    # English only and no licence: the sign-off gates (tests/questionnaires/test_signoff_gates.py)
    # refuse it for Danish-speaking patients; here only what the patient is asked matters.
    QuestionnaireVersion.objects.filter(pk=version.pk).update(
        status=QuestionnaireVersion.Status.ACTIVE
    )
    version.refresh_from_db()
    issued = invitation_create(
        patient=personas.patient,
        starts_at=timezone.now() + dt.timedelta(days=2),
        versions=[version],
        by=personas.secretary,
        email=True,
        sms=False,
    )
    token = issued.link.rstrip("/").rsplit("/", 1)[-1]
    assert unlock(client, token, personas.patient.birth_date).status_code == 302
    response = issued.invitation.responses.get()

    reply = post_answer(client, response, "screen", "no")
    assert reply["Location"] == question_url(response, "g1")  # the twelve are skipped
    assert client.get(question_url(response, "d01"))["Location"].endswith(
        f"/answer/{response.public_id}/"
    )  # not shown: sent back to where the patient is
    answer_all(client, response, {"g1": "sometimes", "g2": "always", "g3": "never"})
    check = client.get(f"/answer/{response.public_id}/check/").content.decode()
    assert "How often has pain woke you at night?" not in check
    assert 'name="submission_token" value=""' not in check  # nothing required is missing

    submitted = response_submit(
        response=response, token=submission_token_issue(response=response), channel="home"
    )
    assert submitted.result is Submit.SUBMITTED
    assert submitted.scoring is not None
    stored = {s.id: s.value for s in submitted.scoring.engine_result.scores}
    assert stored == {"answered_item": 3, "total": 4}  # what the summary shows


@pytest.mark.django_db
def test_a_detail_question_becomes_required_when_the_screener_says_yes(
    personas: Personas,
) -> None:
    version = questionnaire_publish(content=imported().mapping, source=NAME).version
    response = factories.response_with_answers(personas.patient, version, {"screen": "yes"})
    assert [i.id for i in response_progress(response).missing_required] == [*DETAILS, *GENERAL]


@pytest.mark.django_db
def test_manage_py_score_follows_the_expression(tmp_path: Path) -> None:
    questionnaire_publish(content=imported().mapping, source=NAME)
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({**ANSWERS, "screen": "no"}), encoding="utf-8")
    out = io.StringIO()
    call_command("score", "screener_enable_expression@1.0.0", str(path), stdout=out)
    printed = json.loads(out.getvalue())
    assert {k: s["value"] for k, s in printed["scores"].items()} == {"answered_item": 3, "total": 4}


# --- export: the expression travels as SDC writes it ---------------------------------------------


@functools.cache
def exported() -> dict[str, Any]:
    return json.loads(json.dumps(questionnaire_to_fhir(imported().definition)))


def expressions(resource: dict[str, Any]) -> dict[str, list[str]]:
    """linkId → the enableWhenExpressions on that item or group."""
    return {
        str(item["linkId"]): [
            e["valueExpression"]["expression"] for e in c.extensions(item, c.ENABLE_WHEN_EXPRESSION)
        ]
        for item in walk(resource["item"])
        if c.extensions(item, c.ENABLE_WHEN_EXPRESSION)
    }


def test_the_export_puts_the_expression_on_the_group_of_the_twelve_and_validates() -> None:
    validate(exported())
    assert expressions(exported()) == expressions(load())
    details = next(i for i in exported()["item"] if i["linkId"] == "details")
    assert [i["linkId"] for i in details["item"]] == DETAILS


def exported_answers(resource: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """``answers`` as a form filler records them against the exported file:
    the answerOption whose code was chosen, a boolean for the screener."""
    found: dict[str, Any] = {}
    for item in walk(resource["item"]):
        given = answers.get(str(item["linkId"]))
        if given is None:
            continue
        if item["type"] == "boolean":
            found[item["linkId"]] = [{"valueBoolean": given == "yes"}]
            continue
        option = next(o for o in item["answerOption"] if o["valueCoding"]["code"] == given)
        found[item["linkId"]] = [{"valueCoding": option["valueCoding"]}]
    return found


@pytest.mark.parametrize("answers", answer_sets()[:8])
def test_the_reimport_and_another_sdc_filler_ask_the_same_items(answers: dict[str, Any]) -> None:
    asked = enabled_items(imported().definition, answers)
    again = questionnaire_from_fhir(exported(), source="export.json")
    assert enabled_items(again.definition, answers) == asked
    foreign = questionnaire_from_fhir(ehealth_only(exported()), source="other.json")
    assert enabled_items(foreign.definition, answers) == asked
    filler = enabled_links(exported(), exported_answers(exported(), answers))
    assert filler & {"screen", *DETAILS, *GENERAL} == asked


def test_the_round_trip_gives_the_same_definition_without_warnings() -> None:
    first = imported().definition
    again = questionnaire_from_fhir(exported(), source="export.json")
    assert again.warnings == []
    back = again.definition
    assert (back.items, back.sections, back.scores) == (first.items, first.sections, first.scores)
    assert back.fhir == first.fhir


def test_an_item_with_enable_when_and_an_expression_exports_one_expression_saying_both() -> None:
    """SDC allows one enableWhenExpression and no enableWhen beside it: b is
    asked when a is "y" (enableWhen) and c is answered (the expression)."""
    own = "%resource.repeat(item).where(linkId = 'c').answer.exists()"
    items = [
        choice("a", ["y", "n"]),
        choice("c", ["u", "v"]),
        choice(
            "b",
            ["p", "q"],
            enableWhen=[{"question": "a", "operator": "=", "answerCoding": coding("y")}],
            extension=[
                {
                    "url": c.ENABLE_WHEN_EXPRESSION,
                    "valueExpression": {"language": "text/fhirpath", "expression": own},
                }
            ],
        ),
    ]
    first = import_items(items).definition
    resource = json.loads(json.dumps(questionnaire_to_fhir(first)))
    validate(resource)
    b = next(i for i in walk(resource["item"]) if i["linkId"] == "b")
    assert "enableWhen" not in b
    assert len(expressions(resource)["b"]) == 1
    for answers in ({"a": "y", "c": "u"}, {"a": "n", "c": "u"}, {"a": "y"}, {}):
        asked = enabled_items(first, answers)
        assert ("b" in asked) == (answers == {"a": "y", "c": "u"})
        filler = enabled_links(resource, exported_answers(resource, answers))
        assert ("b" in filler) == ("b" in asked), answers
        back = questionnaire_from_fhir(ehealth_only(resource), source="other.json").definition
        assert enabled_items(back, answers) == asked, answers
    again = questionnaire_from_fhir(resource, source="export.json")  # no FHIRPath score here
    assert again.warnings == []
    assert again.definition.fhir == first.fhir
    assert again.definition.items == first.items

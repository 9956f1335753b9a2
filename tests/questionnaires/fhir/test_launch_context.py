"""The SDC launch context ``%patient`` and enableWhenExpressions fhirpathpy
cannot evaluate (issue 15), on the CIRG CNICS AUDIT questionnaire
(tests/fixtures/fhir/public/uwcirg/CIRG-CNICS-AUDIT.json, unchanged).

AUDIT-2 is asked in two wordings chosen by ``%patient.gender``: "five or
more drinks" when the patient is male, "four or more" otherwise (and when
no patient is known: ``(%patient.gender != 'male') or
%patient.gender.exists() != true`` is true on an empty ``%patient``).
AUDIT-3…9 carry an ``iif`` with 5 arguments, which fhirpathpy (like
fhirpath.js) refuses: SDC enables an item only on ``true`` (STU 4,
enableWhenExpression: "If the expression resolves to an empty set, it is
interpreted as false"; any other result is "an error in the design of the
Questionnaire"), and CSIRO Smart Forms catches the error and leaves the item
hidden (packages/smart-forms-renderer/src/utils/enableWhenExpression.ts,
utils/qItem.ts ``isHiddenByEnableWhen``). So they are never asked, and
named at import for the reviewer to acknowledge.

The expected totals are worked out by hand from the file's ordinalValues:
AUDIT-0 "2 to 4 times a month" = 2, AUDIT-1 "5" = 2, AUDIT-2-male "Weekly"
= 3, AUDIT-2-not-male "Less than monthly" = 1. AUDIT-Q1-Q2-score sums
AUDIT-1 and the AUDIT-2 asked; AUDIT-C-score = AUDIT-Q0-score + that;
AUDIT-score adds AUDIT-3…9, never asked: male 2 + (2 + 3) = 7, otherwise
2 + (2 + 1) = 5.
"""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from pro_portal.models import Organisation
from questionnaires.answering import response_progress
from questionnaires.fhir.warnings import named_warnings
from questionnaires.results import result_compute
from questionnaires.services import questionnaire_publish
from scoring.engine import PatientContext, enabled_items, evaluate
from scoring.summary import summary_build
from tests import factories
from tests.questionnaires.fhir.helpers import FIXTURES, import_items, walk
from tests.questionnaires.fhir.sdc_filler import settle

AUDIT = FIXTURES / "public" / "uwcirg" / "CIRG-CNICS-AUDIT.json"
#: linkId → answer code (the file's own codes).
ANSWERS = {
    "AUDIT-0": "AUDIT-0-2",
    "AUDIT-1": "AUDIT-1-4",
    "AUDIT-2-male": "AUDIT-2-male-3",
    "AUDIT-2-not-male": "AUDIT-2-not-male-1",
    "AUDIT-3": "AUDIT-3-4",
}
MALE = PatientContext.of(sex="male", birth_date="1970-01-01")
FEMALE = PatientContext.of(sex="female", birth_date="1970-01-01")
#: gender → (AUDIT-Q1-Q2-score, AUDIT-C-score, AUDIT-score), by hand (docstring).
BY_HAND = {"male": (5, 7, 7), "female": (3, 5, 5), None: (3, 5, 5)}
TOTALS = ("AUDIT-Q1-Q2-score", "AUDIT-C-score", "AUDIT-score")


def audit() -> dict[str, Any]:
    return json.loads(AUDIT.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def imported() -> Any:
    from questionnaires.fhir.importer import questionnaire_from_fhir

    return questionnaire_from_fhir(audit(), source=AUDIT.name)


def filler_answers() -> dict[str, list[dict[str, Any]]]:
    """ANSWERS as a form filler writes them: the answerOption's coding, with
    its ordinalValue extension, which the file's expressions read."""
    found = {}
    for item in walk(audit()["item"]):
        for option in item.get("answerOption", []):
            if option["valueCoding"]["code"] == ANSWERS.get(item["linkId"]):
                found[item["linkId"]] = [{"valueCoding": option["valueCoding"]}]
    return found


def ids(result: Any) -> dict[str, str]:
    return {link: result.renamed.get(link, link) for link in [*ANSWERS, *TOTALS]}


def asked_answers(result: Any, patient: PatientContext | None) -> dict[str, Any]:
    """The answers to the questions asked of ``patient`` (the others dropped)."""
    given = {ids(result)[link]: code for link, code in ANSWERS.items()}
    asked = enabled_items(result.definition, given, patient)
    return {k: v for k, v in given.items() if k in asked}


@pytest.mark.parametrize(("gender", "patient"), [("male", MALE), ("female", FEMALE), (None, None)])
def test_audit_totals_by_hand_for_each_patient(imported: Any, gender: Any, patient: Any) -> None:
    answers = asked_answers(imported, patient)
    scored = evaluate(imported.definition, answers, patient=patient)
    assert tuple(scored.score(ids(imported)[t]).value for t in TOTALS) == BY_HAND[gender]
    # The reference filler, given the same %patient, agrees.
    fhir_patient = None if gender is None else {"resourceType": "Patient", "gender": gender}
    settled = settle(audit(), filler_answers(), patient=fhir_patient)
    assert tuple(settled[t] for t in TOTALS) == BY_HAND[gender]


def test_audit_2_is_asked_in_the_wording_for_the_patients_sex(imported: Any) -> None:
    link = ids(imported)
    male = enabled_items(imported.definition, {link["AUDIT-0"]: "AUDIT-0-2"}, MALE)
    female = enabled_items(imported.definition, {link["AUDIT-0"]: "AUDIT-0-2"}, FEMALE)
    assert link["AUDIT-2-male"] in male
    assert link["AUDIT-2-not-male"] not in male
    assert link["AUDIT-2-not-male"] in female
    assert link["AUDIT-2-male"] not in female
    # AUDIT-3…9: an iif with 5 arguments, never true, never asked
    assert not {link["AUDIT-3"]} & (male | female)


def test_the_import_names_what_reads_the_patient_and_what_is_never_asked(imported: Any) -> None:
    named = {w.code: w for w in named_warnings(imported.notes)}
    reads = named["reads-patient"]
    assert {"AUDIT-2-male", "AUDIT-2-not-male", "AUDIT-3"} <= set(reads.items)
    assert reads.text.startswith("reads the patient's sex (%patient)")
    never = named["enable-when-expression-never-true"]
    assert never.items == tuple(f"AUDIT-{n}" for n in range(3, 10))
    assert "iif wrong arity: got 5" in never.text
    assert "never asked" in never.text
    assert imported.mapping["fhir"]["launch"] == ["patient"]


def test_a_declared_launch_context_is_kept_and_other_patient_elements_are_named() -> None:
    launch = {
        "url": "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-launchContext",
        "extension": [
            {"url": "name", "valueCoding": {"code": "patient"}},
            {"url": "type", "valueCode": "Patient"},
        ],
    }
    expression = {
        "url": "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression",
        "valueExpression": {
            "language": "text/fhirpath",
            "expression": "%patient.birthDate < @1960-01-01 and %patient.name.exists().not()",
        },
    }
    items = [
        {"linkId": "q1", "type": "integer", "text": "Q1"},
        {"linkId": "q2", "type": "integer", "text": "Q2", "extension": [expression]},
    ]
    result = import_items(items, extension=[launch])
    assert not [w for w in result.warnings if "launchContext" in w]
    (line,) = [w for w in result.warnings if w.startswith("reads the patient's")]
    assert line.startswith("reads the patient's birth date (%patient)")
    assert "%patient.name is never given (empty)" in line
    assert line.endswith(": q2")
    old = PatientContext.of(sex="female", birth_date="1950-06-01")
    young = PatientContext.of(sex="female", birth_date="1980-06-01")
    assert "q2" in enabled_items(result.definition, {}, old)
    assert "q2" not in enabled_items(result.definition, {}, young)


# --- the site: the same context everywhere, from the response's patient ---------------------


@pytest.fixture
def version(imported: Any) -> Any:
    return questionnaire_publish(content=imported.mapping, source=AUDIT.name).version


def patient(cpr: str) -> Any:
    organisation = Organisation.objects.create(
        name="Klinik", kind=Organisation.Kind.GENERAL_PRACTICE
    )
    return factories.PatientFactory(organisation=organisation, cpr=cpr)


@pytest.mark.django_db
def test_submit_rescore_progress_and_summary_use_the_sex(imported: Any, version: Any) -> None:
    link = ids(imported)
    he = patient("0101701001")  # odd last digit: male (CPR)
    she = patient("0101701002")  # even: female
    results = {}
    for who in (he, she):
        context = PatientContext.of(sex=who.sex, birth_date=who.birth_date.isoformat())
        submitted = factories.submitted(who, version, asked_answers(imported, context))
        assert submitted.patient_context() == context  # sex and birth date, nothing else
        asked = {item.id for item in response_progress(submitted).asked}
        assert (link["AUDIT-2-male"] in asked) is (who.sex == "male")
        assert (link["AUDIT-2-not-male"] in asked) is (who.sex == "female")
        row = submitted.results.get()
        stored = row.engine_result
        assert stored == result_compute(response=submitted)  # rescoring gives the same result
        summary = summary_build(response=submitted, stored=row, language="en")
        shown = {line.item_id for section in summary.sections for line in section.lines}
        assert (link["AUDIT-2-male"] in shown) is (who.sex == "male")
        assert (link["AUDIT-2-not-male"] in shown) is (who.sex == "female")
        results[who.sex] = tuple(stored.score(link[t]).value for t in TOTALS)
    assert results == {"male": BY_HAND["male"], "female": BY_HAND["female"]}


@pytest.mark.django_db
def test_score_command_takes_the_patient_and_says_when_none_is_given(
    imported: Any, version: Any, tmp_path: Path
) -> None:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(asked_answers(imported, MALE)), encoding="utf-8")
    ref = f"{version.questionnaire_id}@{version.version}"
    out, err = StringIO(), StringIO()
    call_command("score", ref, str(path), "--gender", "male", stdout=out, stderr=err)
    scores = json.loads(out.getvalue())["scores"]
    assert scores[ids(imported)["AUDIT-C-score"]]["value"] == BY_HAND["male"][1]
    assert err.getvalue() == ""
    out, err = StringIO(), StringIO()
    call_command("score", ref, str(path), stdout=out, stderr=err)
    assert "reads the patient's sex or birth date (%patient); none was given" in err.getvalue()

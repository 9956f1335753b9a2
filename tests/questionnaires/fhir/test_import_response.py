"""manage.py import_response: a QuestionnaireResponse (paper answers typed
in, another system's) is scored against the version it answers, with the
questionnaire's own linkIds (issue 15, item 5). Nothing is stored."""

from __future__ import annotations

import copy
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from questionnaires.fhir.services import fhir_response_export, fhir_stored_response_export
from questionnaires.models import QuestionnaireVersion, Response, ScoringResult
from tests import factories
from tests.questionnaires.fhir.test_link_ids import LOINC, PHQ2
from tests.questionnaires.test_heart_failure_worse_than_last import CALM

pytestmark = pytest.mark.django_db
REF = "phq2_loinc@1.0.0"


def coded(link_id: str, code: str) -> dict[str, Any]:
    return {"linkId": link_id, "answer": [{"valueCoding": {"system": LOINC, "code": code}}]}


#: Another system's response to the LOINC PHQ-2: item 1 "nearly every day"
#: (3), item 2 "several days" (1); its own total 4 (3 + 1, by hand).
RESPONSE: dict[str, Any] = {
    "resourceType": "QuestionnaireResponse",
    "questionnaire": "http://example.org/Questionnaire/phq2",
    "status": "completed",
    "item": [
        {
            "linkId": "/55757-9",
            "item": [
                coded("44250-9", "LA6571-9"),
                coded("44255-8", "LA6569-3"),
                {"linkId": "55758-7", "answer": [{"valueInteger": 4}]},
            ],
        }
    ],
}


@pytest.fixture
def phq2(tmp_path: Path) -> None:
    path = tmp_path / "phq2.json"
    path.write_text(json.dumps(PHQ2))
    call_command("import_fhir", str(path), stdout=StringIO())


def run(tmp_path: Path, resource: Any, *args: str) -> tuple[dict[str, Any], str]:
    path = tmp_path / "response.json"
    path.write_text(resource if isinstance(resource, str) else json.dumps(resource))
    out, err = StringIO(), StringIO()
    call_command("import_response", str(path), *args, stdout=out, stderr=err)
    return json.loads(out.getvalue()), err.getvalue()


def refused(tmp_path: Path, resource: Any, *args: str) -> str:
    with pytest.raises(CommandError) as caught:
        run(tmp_path, resource, *args)
    return str(caught.value)


def test_another_systems_response_is_scored_by_its_own_link_ids(phq2: None, tmp_path: Path) -> None:
    printed, notes = run(tmp_path, RESPONSE, "--questionnaire", REF)
    assert printed["scores"]["q_55758_7"]["value"] == 4
    assert printed["overall"] == "red"
    assert [flag["id"] for flag in printed["flags"]] == ["q_44250_9_significance"]
    assert notes == ""  # the file's total agrees
    assert not ScoringResult.objects.exists()
    assert not Response.objects.exists()


def test_a_total_in_the_file_that_differs_is_told(phq2: None, tmp_path: Path) -> None:
    wrong = copy.deepcopy(RESPONSE)
    wrong["item"][0]["item"][2]["answer"] = [{"valueInteger": 5}]
    _, notes = run(tmp_path, wrong, "--questionnaire", REF)
    assert "note: the file gives q_55758_7 = 5; PRO Portal computes 4" in notes


def test_a_pro_portal_export_names_its_own_version(phq2: None, tmp_path: Path) -> None:
    version = QuestionnaireVersion.objects.get()
    exported = fhir_response_export(version=version, answers={"44250-9": "LA6568-5"})
    printed, _ = run(tmp_path, exported)
    assert printed["version"] == "1.0.0"
    assert printed["scores"]["q_55758_7"]["value"] is None  # item 2 unanswered: no total
    assert printed["overall"] == "green"


def test_a_foreign_questionnaire_needs_the_version_named(phq2: None, tmp_path: Path) -> None:
    message = refused(tmp_path, RESPONSE)
    assert "(http://example.org/Questionnaire/phq2) is not one PRO Portal exported" in message
    assert "--questionnaire ID@VERSION" in message


def answered(link_id: str, *answers: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "item": [{"linkId": link_id, "answer": list(answers)}],
    }


@pytest.mark.parametrize(
    ("resource", "message"),
    [
        ("{not json", "response.json: not JSON"),
        ({"resourceType": "Patient"}, "not a FHIR QuestionnaireResponse (resourceType: Patient)"),
        (
            answered("9999-9", {"valueInteger": 1}),
            "item 9999-9: not an item of phq2_loinc@1.0.0 (its answer would be lost",
        ),
        (
            answered("44250-9", {"valueCoding": {"code": "LA0000-0"}}),
            "'LA0000-0' is not an option of q_44250_9",
        ),
        (
            answered(
                "44250-9",
                {"valueCoding": {"code": "LA6568-5"}},
                {"valueCoding": {"code": "LA6569-3"}},
            ),
            "item 44250-9: 2 answers to a question that takes one",
        ),
        (
            answered("44250-9", {"valueDate": "2026-01-01"}),
            "item 44250-9: valueDate is not an answer to a single_choice item",
        ),
        (answered("44250-9", {"valueCoding": {}}), "item 44250-9: an answer without a usable"),
    ],
)
def test_a_bad_file_is_a_clear_error(
    phq2: None, tmp_path: Path, resource: Any, message: str
) -> None:
    assert message in refused(tmp_path, resource, "--questionnaire", REF)


def test_a_stored_response_exports_with_the_result_it_was_given(personas: Any) -> None:
    """The colour stored at submit read the previous response (heart failure
    1.2.0: worse than last time is yellow); the export carries that result,
    which the answers alone cannot give, and no patient identity."""
    version = factories.published_version("heart_failure", version="1.2.0")
    factories.submitted(personas.patient, version, {**CALM, "hf.limitation": "none"})
    later = factories.submitted(personas.patient, version, {**CALM, "hf.limitation": "slight"})
    exported = fhir_stored_response_export(response=later)
    (result,) = [e for e in exported["extension"] if e["url"].endswith("/result")]
    assert result["extension"][0] == {"url": "overall", "valueCode": "yellow"}
    rules = [sub["extension"][0]["valueCode"] for sub in result["extension"][1:]]
    assert rules == ["hf_worse_than_last"]
    assert exported["authored"].startswith(str(later.submitted_at.date()))
    assert "subject" not in exported
    assert "source" not in exported

"""Never silent: every import warning has a stable code, the items concerned
and its text; an item that looks like a score but has no expression, and a
score kept as FHIRPath that gives no value, are warnings too (issue 15, item 4)."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest

from questionnaires.fhir import importer
from questionnaires.fhir.importer import questionnaire_from_fhir
from questionnaires.fhir.warnings import (
    CODES,
    ENABLE_FAILING,
    SCORE_WITHOUT_EXPRESSION,
    SCORE_WITHOUT_VALUE,
    UNNAMED,
    named_warnings,
    warning_code,
)
from tests.questionnaires.fhir.helpers import EXAMPLES, FIXTURES, import_items, imported

HAND = FIXTURES / "hand-written"
CALCULATED = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression"
ENABLE_WHEN_EXPRESSION = (
    "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression"
)


def hand(name: str) -> dict[str, Any]:
    return json.loads((HAND / name).read_text(encoding="utf-8"))


def codes_of(resource: dict[str, Any]) -> dict[str, list[str]]:
    result = questionnaire_from_fhir(resource, source="test.json")
    found: dict[str, list[str]] = {}
    for warning in named_warnings(result.notes):
        found.setdefault(warning.code, []).extend(warning.items)
    return found


#: Constructs that start with a value, and the values it takes.
LEADING_VALUES = {
    "f'{kind} item (left out)'": ["reference item (left out)", "attachment item (left out)"],
    "f'{kind} item (imported as short text)'": [
        "dateTime item (imported as short text)",
        "time item (imported as short text)",
        "url item (imported as short text)",
    ],
}


def _note_constructs() -> list[str]:
    """The constant start of the construct of every ``self.note(...)`` in the importer."""
    tree = ast.parse(Path(importer.__file__).read_text(encoding="utf-8"))
    found: list[str] = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "note"
            and node.args
        ):
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.append(first.value)
            elif isinstance(first, ast.JoinedStr) and isinstance(first.values[0], ast.Constant):
                found.append(str(first.values[0].value))
            elif isinstance(first, ast.JoinedStr):  # starts with a value: its known values
                found.extend(LEADING_VALUES[ast.unparse(first)])
            elif isinstance(first, ast.Name):
                found.append(
                    {
                        "SCORE_WITHOUT_EXPRESSION": SCORE_WITHOUT_EXPRESSION,
                        "SCORE_WITHOUT_VALUE": SCORE_WITHOUT_VALUE,
                        "ENABLE_FAILING": ENABLE_FAILING,
                    }[first.id]
                )
            else:  # pragma: no cover - a construct built some other way
                pytest.fail(f"cannot read the construct of the note on line {node.lineno}")
    return found


def test_every_warning_the_importer_can_give_has_its_own_code() -> None:
    constructs = _note_constructs()
    assert len(constructs) > 30  # the walk found the importer's notes
    unnamed = [c for c in constructs if warning_code(c) == UNNAMED]
    assert unnamed == [], "give these constructs a code in questionnaires/fhir/warnings.py"


def test_codes_are_slugs_and_each_prefix_is_named_once() -> None:
    prefixes = [prefix for prefix, _ in CODES]
    assert len(prefixes) == len(set(prefixes))
    assert all(code.replace("-", "").isalnum() and code.islower() for _, code in CODES)


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_named_warnings_are_the_printed_lines_with_a_code_each(name: str) -> None:
    result = imported(name)
    named = named_warnings(result.notes)
    assert [w.text for w in named] == result.warnings
    assert all(w.code != UNNAMED and w.items for w in named)


def test_a_warning_of_an_lhc_file_is_named_with_its_items() -> None:
    named = named_warnings(imported("argonaut-phq9-ish.json").notes)
    found = [w for w in named if w.code == "required-on-group"]
    assert [w.items for w in found] == [("g1", "g2")]


# --- an item that looks like a score but has no expression ------------------------------------


def test_the_phq9_panels_total_score_item_without_an_expression_is_warned() -> None:
    # LOINC 44261-6 "PHQ-9 total score", read-only, no calculatedExpression:
    # imported as a question the patient would fill in.
    assert codes_of(hand("phq9-panel-like.json"))["score-without-expression"] == [
        "/44249-1/44261-6"
    ]


def test_a_total_score_item_that_is_not_read_only_is_warned_too() -> None:
    assert codes_of(hand("phq4-like.json"))["score-without-expression"] == ["total"]


def test_promis_raw_and_t_scores_are_warned_but_not_questions_that_mention_days_or_scoring() -> (
    None
):
    found = codes_of(hand("promis-global-like.json"))
    # gph_raw (decimal, read-only) and gmh (a display "T-score"); not sum_ok,
    # which has its expression, nor "how many days …" or a choice "how would
    # you score your sleep?".
    assert found["score-without-expression"] == ["gph_raw", "gmh"]


@pytest.mark.parametrize(
    ("item", "warned"),
    [
        ({"type": "integer", "text": "Total score"}, True),
        ({"type": "decimal", "text": "Sum"}, True),
        ({"type": "string", "text": "Subtotal"}, True),
        ({"type": "integer", "text": "Samlet score"}, True),
        ({"type": "integer", "text": "Q", "code": [{"code": "x", "display": "Total score"}]}, True),
        ({"type": "choice", "readOnly": True, "text": "Severity score"}, True),
        ({"type": "choice", "text": "How would you score your sleep?"}, False),
        ({"type": "integer", "text": "Days active, in all"}, False),
        ({"type": "integer", "text": "Scoring is done by the clinic"}, False),
        ({"type": "boolean", "text": "Total knee replacement?"}, False),
    ],
)
def test_what_looks_like_a_score(item: dict[str, Any], warned: bool) -> None:
    options = [{"valueCoding": {"code": "a"}}] if item["type"] == "choice" else []
    result = import_items(
        [{"linkId": "x", **item, **({"answerOption": options} if options else {})}]
    )
    assert (SCORE_WITHOUT_EXPRESSION in dict(result.notes)) is warned


def test_an_item_with_its_expression_is_not_warned_as_a_score_without_one() -> None:
    result = import_items(
        [
            {"linkId": "a", "type": "integer", "text": "A"},
            {
                "linkId": "total",
                "type": "integer",
                "text": "Total score",
                "extension": [
                    {
                        "url": CALCULATED,
                        "valueExpression": {
                            "language": "text/fhirpath",
                            "expression": "%resource.item.where(linkId='a').answer.valueInteger",
                        },
                    }
                ],
            },
        ]
    )
    assert SCORE_WITHOUT_EXPRESSION not in dict(result.notes)


# --- kept, but cannot be evaluated ------------------------------------------------------------


def test_a_fhirpath_score_that_gives_no_value_on_complete_answers_is_named() -> None:
    # fhirpathpy runs the expression, but it reads a linkId the file does not
    # have: kept as FHIRPath, it would never give a value.
    result = import_items(
        [
            {"linkId": "a", "type": "integer", "text": "A"},
            {
                "linkId": "calc",
                "type": "integer",
                "text": "Calculated",
                "extension": [
                    {
                        "url": CALCULATED,
                        "valueExpression": {
                            "language": "text/fhirpath",
                            "expression": "%resource.item.where(linkId='b').answer.valueInteger"
                            " + %resource.item.where(linkId='a').answer.valueInteger",
                        },
                    }
                ],
            },
        ]
    )
    assert dict(result.notes)[SCORE_WITHOUT_VALUE] == ["calc"]
    named = {w.code: w for w in named_warnings(result.notes)}
    assert named["score-without-value"].items == ("calc",)
    assert named["score-without-value"].text.endswith("(it cannot be evaluated): calc")


def test_a_fhirpath_score_that_gives_a_value_is_not_named() -> None:
    result = import_items(
        [
            {"linkId": "a", "type": "integer", "text": "A"},
            {
                "linkId": "calc",
                "type": "integer",
                "text": "Calculated",
                "extension": [
                    {
                        "url": CALCULATED,
                        "valueExpression": {
                            "language": "text/fhirpath",
                            "expression": "%resource.item.where(linkId='a').answer.valueInteger*2",
                        },
                    }
                ],
            },
        ]
    )
    assert result.definition.score("calc").method == "fhirpath"
    assert SCORE_WITHOUT_VALUE not in dict(result.notes)


def test_an_enable_when_expression_failing_on_complete_answers_is_named() -> None:
    # fhirpathpy compiles it, but adding a text to a number fails once d is
    # answered: the item is then not asked (SDC: an error is no true).
    expression = "%resource.item.where(linkId='d').answer.value + 'x' > 1"
    result = import_items(
        [
            {"linkId": "d", "type": "integer", "text": "D"},
            {
                "linkId": "q",
                "type": "integer",
                "text": "Q",
                "extension": [
                    {
                        "url": ENABLE_WHEN_EXPRESSION,
                        "valueExpression": {"language": "text/fhirpath", "expression": expression},
                    }
                ],
            },
        ]
    )
    named = {w.code: w for w in named_warnings(result.notes)}
    assert named["enable-when-expression-fails"].items == ("q",)
    assert "not asked" in named["enable-when-expression-fails"].text


def test_an_enable_when_expression_that_evaluates_is_not_named_failing() -> None:
    expression = "%resource.item.where(linkId='d').answer.value > 1"
    result = import_items(
        [
            {"linkId": "d", "type": "integer", "text": "D"},
            {
                "linkId": "q",
                "type": "integer",
                "text": "Q",
                "extension": [
                    {
                        "url": ENABLE_WHEN_EXPRESSION,
                        "valueExpression": {"language": "text/fhirpath", "expression": expression},
                    }
                ],
            },
        ]
    )
    assert "enable-when-expression-fails" not in {w.code for w in named_warnings(result.notes)}

"""SDC item context: an item's variables and calculatedExpression are
evaluated with the item's own QuestionnaireResponse item as the focus and
``%context`` (SDC: "the context is the item"), a group's variables with the
group's, root variables with the whole response (docs/definitions.md § FHIR,
``fhir.paths``). The numbers are worked out by hand.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.engine.builders import numbers, run
from tests.engine.test_fhirpath_score import ITEMS, _fhir_items, problems

#: gate-1 at the root; a group "body" holding weight-1, visits-1 and the
#: calculated item "total"
QUESTIONNAIRE: dict[str, Any] = {
    "resourceType": "Questionnaire",
    "status": "active",
    "item": [
        {"linkId": "gate-1", "type": "boolean"},
        {
            "linkId": "body",
            "type": "group",
            "item": [
                {"linkId": "weight-1", "type": "quantity"},
                {"linkId": "visits-1", "type": "integer"},
                {"linkId": "total", "type": "decimal", "readOnly": True},
            ],
        },
    ],
}
#: read relative to the focus: finds weight-1 only when the focus is "body"
WEIGHT = "item.where(linkId = 'weight-1').answer.value.value"
GATE = "item.where(linkId = 'gate-1').answer.value"
PATH = [{"link_id": "body", "variables": ["w"]}, {"link_id": "total", "variables": ["own"]}]
SCORE = {
    "id": "total",
    "method": "fhirpath",
    "variables": [
        {"name": "g", "expression": f"iif({GATE}, 100, 0)"},  # root: the response
        {"name": "w", "expression": WEIGHT},  # the group's: its response item
        {"name": "own", "expression": "iif(%context.linkId = 'total', 1, 0)"},
    ],
    "expression": "%g + %w * 2 + %own + iif(linkId = 'total', 1000, 0)",
}


def definition(paths: Any = None, spec: dict[str, Any] = SCORE) -> dict[str, Any]:
    block: dict[str, Any] = {"questionnaire": QUESTIONNAIRE, "items": _fhir_items()}
    if paths is not None:
        block["paths"] = paths
    return numbers(copy.deepcopy(ITEMS), [spec], fhir=block)


def test_each_variable_and_the_expression_are_read_where_sdc_reads_them() -> None:
    # g: gate-1 at the root of the response → 100; w: weight-1 in the group
    # → 40 kg; own: %context is the item total → 1; the expression's focus is
    # total itself (a bare item, no value yet) → 1000: 100 + 80 + 1 + 1000
    result = run(definition({"total": PATH}), {"gate": "yes", "weight": 40})
    assert result.score("total").value == 1181


def test_without_a_path_every_expression_reads_the_whole_response_as_before() -> None:
    # a definition stored before paths were kept: item.where(linkId='weight-1')
    # on the response finds nothing (it is in the group), so no value
    result = run(definition(), {"gate": "yes", "weight": 40})
    assert result.score("total").value is None


def test_a_group_with_nothing_answered_gives_its_variables_nothing() -> None:
    spec = {**SCORE, "expression": "%w * 2"}
    result = run(definition({"total": PATH}, spec), {"gate": "yes"})
    assert result.score("total").value is None


AT = "fhir.paths['total']"


@pytest.mark.parametrize(
    ("paths", "line"),
    [
        ([], "fhir: paths: expected a mapping"),
        ({"total": []}, f"{AT}: path: the list is empty"),
        ({"total": "body"}, f"{AT}: path: expected a list"),
        ({"total": ["body"]}, f"{AT}: expected a mapping"),
        ({"total": [{"variables": []}]}, f"{AT}: missing key 'link_id'"),
        ({"total": [{"link_id": 3}]}, f"{AT}: link_id: expected a linkId, got the number 3"),
        ({"total": [{"link_id": "t", "variables": "w"}]}, f"{AT}: variables: expected a list"),
        ({"total": [{"link_id": "t", "variables": [1]}]}, f"{AT}: variables: expected a list"),
        ({"visits": [{"link_id": "t"}]}, "fhir.paths['visits']: 'visits' is not a score"),
    ],
)
def test_a_bad_path_is_a_clear_problem(paths: Any, line: str) -> None:
    assert any(found.startswith(line) for found in problems(definition(paths)))

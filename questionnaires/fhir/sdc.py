"""Run a Questionnaire's SDC calculations with fhirpathpy.

Evaluates what an SDC form filler would: the ``variable`` extensions on the
Questionnaire root and on each item (in scope for the item and its
children), then every item's ``calculatedExpression``, with ``%resource``
the QuestionnaireResponse and ``%questionnaire`` the Questionnaire. Used to
check exports against the engine and imports against their source file.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import fhirpathpy
from fhirpathpy.models import models

from questionnaires.fhir.common import CALCULATED, FHIRPATH, VARIABLE, extensions
from scoring.engine.fhirpath_score import to_number
from scoring.engine.model import Number
from scoring.engine.sdc_weight import NAMES, Weights

Compiled = Callable[[Mapping[str, Any], Mapping[str, Any] | None], list[Any]]


class CalculationError(Exception):
    """An expression fhirpathpy could not evaluate; names the item."""


@functools.lru_cache(maxsize=4096)
def compiled(expression: str) -> Compiled:
    """fhirpathpy's compiled form of ``expression``, once per process."""
    return fhirpathpy.compile(expression, model=models["r4"])


def _weighted(expression: str) -> bool:
    return any(f"{name}(" in expression for name in NAMES)


def fhirpath_of(extension: Mapping[str, Any]) -> tuple[str | None, str] | None:
    """(name, FHIRPath) of a variable or calculatedExpression extension, or
    None when it is in another language (CQL, x-fhir-query)."""
    expression = extension.get("valueExpression")
    if not isinstance(expression, Mapping) or expression.get("language") != FHIRPATH:
        return None
    text = expression.get("expression")
    if not isinstance(text, str):
        return None
    name = expression.get("name")
    return (name if isinstance(name, str) else None), text


def evaluate(
    expression: str,
    response: Mapping[str, Any],
    scope: Mapping[str, Any],
    where: str,
    weights: Weights | None = None,
) -> list[Any]:
    """The expression's value; ``weights`` gives it ``weight()``/``ordinal()``."""
    try:
        if weights is not None and _weighted(expression):
            options = {"userInvocationTable": weights.table()}
            return fhirpathpy.compile(expression, model=models["r4"], options=options)(
                response, scope
            )
        return compiled(expression)(response, scope)
    except Exception as error:  # fhirpathpy raises plain Exception for every failure
        raise CalculationError(
            f"{where}: fhirpathpy cannot evaluate {expression!r}: {error}"
        ) from None


def with_variables(
    element: Mapping[str, Any],
    response: Mapping[str, Any],
    scope: dict[str, Any],
    where: str,
    weights: Weights | None = None,
) -> dict[str, Any]:
    """``scope`` plus the element's variables, each evaluated in order."""
    scope = dict(scope)
    for extension in extensions(element, VARIABLE):
        found = fhirpath_of(extension)
        if found is not None and found[0] is not None:
            scope[found[0]] = evaluate(
                found[1], response, scope, f"{where} variable {found[0]}", weights
            )
    return scope


def calculate(
    questionnaire: Mapping[str, Any], response: Mapping[str, Any]
) -> dict[str, Number | None]:
    """linkId → the number every ``calculatedExpression`` gives (None when it
    gives no single number). Raises :class:`CalculationError`."""
    weights = Weights(questionnaire).with_response(response)
    scope = with_variables(
        questionnaire,
        response,
        {"resource": response, "questionnaire": questionnaire},
        "Questionnaire",
        weights,
    )
    values: dict[str, Number | None] = {}
    _walk(questionnaire.get("item"), response, scope, values, weights)
    return values


def _walk(
    items: object,
    response: Mapping[str, Any],
    scope: dict[str, Any],
    values: dict[str, Any],
    weights: Weights,
) -> None:
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, Mapping):
            continue
        link_id = str(item.get("linkId"))
        inner = with_variables(item, response, scope, f"item {link_id}", weights)
        for extension in extensions(item, CALCULATED):
            found = fhirpath_of(extension)
            if found is not None:
                result = evaluate(found[1], response, inner, f"item {link_id}", weights)
                values[link_id] = to_number(result)
        _walk(item.get("item"), response, inner, values, weights)


def response_with(
    questionnaire: Mapping[str, Any], answers: Mapping[str, list[dict[str, Any]]]
) -> dict[str, Any]:
    """A QuestionnaireResponse with ``answers`` (linkId → FHIR answers),
    nested in the Questionnaire's groups as a form filler writes it."""

    def items(found: object) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for item in found if isinstance(found, list) else []:
            if not isinstance(item, Mapping):
                continue
            entry: dict[str, Any] = {"linkId": item.get("linkId")}
            if item.get("linkId") in answers:
                entry["answer"] = list(answers[str(item.get("linkId"))])
            children = items(item.get("item"))
            if children:
                entry["item"] = children
            if len(entry) > 1:
                out.append(entry)
        return out

    return {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "item": items(questionnaire.get("item")),
    }


def calculate_settled(
    questionnaire: Mapping[str, Any],
    answers: Mapping[str, list[dict[str, Any]]],
    *,
    rounds: int = 20,
) -> dict[str, Number | None]:
    """What an SDC form filler shows: every ``calculatedExpression``
    evaluated, its value written back as the item's answer (``valueInteger``
    for an integer item, else ``valueDecimal``), again and again until no
    value changes. Raises :class:`CalculationError` when the values still
    change after ``rounds`` (a cycle that does not settle)."""
    kinds = {
        str(item.get("linkId")): item.get("type") for item in _items(questionnaire.get("item"))
    }
    values: dict[str, Number | None] = {}
    for _ in range(rounds):
        given = dict(answers)
        for link_id, value in values.items():
            if value is not None:
                key = "valueInteger" if kinds.get(link_id) == "integer" else "valueDecimal"
                given[link_id] = [{key: value}]
        found = calculate(questionnaire, response_with(questionnaire, given))
        if found == values:
            return values
        values = found
    raise CalculationError(f"the calculated values still change after {rounds} rounds")


def _items(items: object) -> list[Mapping[str, Any]]:
    found: list[Mapping[str, Any]] = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, Mapping):
            found.append(item)
            found.extend(_items(item.get("item")))
    return found

"""A reference SDC form filler for the conformance tests, built on fhirpathpy.

What an SDC renderer (LHC-Forms, Smart Forms) does with a Questionnaire
while the patient answers, written from the FHIR R4 and SDC texts and
nothing of PRO Portal's engine:

- ``enableWhen`` (R4 Questionnaire.item.enableWhen: ``exists``, ``=``,
  ``!=``, ``>``, ``<``, ``>=``, ``<=``; ``enableBehavior`` any/all, one
  condition meaning all) and SDC ``enableWhenExpression``; a disabled item
  and everything below it has no answer in the response;
- SDC ``variable`` (root and item, in scope for the item and its children)
  and ``calculatedExpression``, with ``%resource`` the response and
  ``%questionnaire`` the Questionnaire; each calculated value is written back
  as the item's answer;
- all of it repeated until nothing changes (SDC: calculations and
  enableWhen are re-evaluated whenever an answer changes);
- ``weight()`` / ``ordinal()``, which fhirpathpy lacks, per the SDC text
  (SDC 3.0 § "Scoring"): the ``itemWeight`` (R5; ``ordinalValue`` in R4) of
  the chosen coding, read from the item's ``answerOption`` or from a
  contained ValueSet's expansion/compose. An expression using them is
  rewritten so fhirpathpy reads that weight through ``%questionnaire``.

``%patient`` is the FHIR Patient the caller gives (SDC launch context,
``sdc-questionnaire-launchContext``), else empty, as in a renderer opened
without a launch; other launch contexts (``%user``, ``%encounter``) are
empty.

An ``enableWhenExpression`` that fhirpathpy cannot evaluate (a syntax or
arity error, e.g. an ``iif`` with 5 arguments) never enables its item: SDC
enables an item only on ``true`` (STU 4: "If the expression resolves to an
empty set, it is interpreted as false"; anything else is "an error in the
design of the Questionnaire"), and CSIRO Smart Forms
(packages/smart-forms-renderer/src/utils/enableWhenExpression.ts catches the
error and keeps ``isEnabled`` unset; utils/qItem.ts ``isHiddenByEnableWhen``
hides an item whose ``isEnabled`` is not true) leaves such an item hidden.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from fhirpathpy.engine.nodes import ResourceNode

from questionnaires.fhir.common import (
    CALCULATED,
    ENABLE_WHEN_EXPRESSION,
    ORDINAL_VALUE,
    VARIABLE,
    extensions,
)
from questionnaires.fhir.sdc import CalculationError, evaluate, fhirpath_of

ITEM_WEIGHT = "http://hl7.org/fhir/StructureDefinition/itemWeight"
LAUNCH_CONTEXT = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-launchContext"
#: answer value keys of an R4 QuestionnaireResponse
VALUE_KEYS = (
    "valueBoolean",
    "valueDecimal",
    "valueInteger",
    "valueDate",
    "valueDateTime",
    "valueTime",
    "valueString",
    "valueUri",
    "valueCoding",
    "valueQuantity",
)
Answers = dict[str, list[dict[str, Any]]]


def walk(items: object) -> Iterator[Mapping[str, Any]]:
    for item in items if isinstance(items, list) else []:
        if isinstance(item, Mapping):
            yield item
            yield from walk(item.get("item"))


def calculated_items(questionnaire: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """linkId → item, for every item with a FHIRPath calculatedExpression."""
    return {
        str(item["linkId"]): item
        for item in walk(questionnaire.get("item"))
        if any(fhirpath_of(e) for e in extensions(item, CALCULATED))
    }


def uses_weight(text: str) -> bool:
    return bool(re.search(r"\.(weight|ordinal)\(\)", text))


def _weight_of(questionnaire: Mapping[str, Any], link_id: str, coding: Mapping[str, Any]) -> Any:
    """The SDC weight of ``coding`` as an answer of item ``link_id``: the
    itemWeight / ordinalValue on the matching answerOption (or its coding),
    else on the concept of the contained ValueSet the item names."""
    item = next((i for i in walk(questionnaire.get("item")) if i.get("linkId") == link_id), None)
    if item is None:
        return None
    holders: list[Mapping[str, Any]] = []
    for option in item.get("answerOption", []):
        value = option.get("valueCoding", {})
        if value.get("code") == coding.get("code") and value.get("system") == coding.get("system"):
            holders += [option, value]
    reference = item.get("answerValueSet")
    for contained in questionnaire.get("contained", []):
        if reference not in (f"#{contained.get('id')}", contained.get("url")):
            continue
        concepts = list(walk_contains(contained.get("expansion", {}).get("contains")))
        for include in contained.get("compose", {}).get("include", []):
            concepts += [{**c, "system": include.get("system")} for c in include.get("concept", [])]
        holders += [
            c
            for c in concepts
            if c.get("code") == coding.get("code") and c.get("system") == coding.get("system")
        ]
    for holder in holders:
        for url in (ITEM_WEIGHT, ORDINAL_VALUE):
            for extension in holder.get("extension", []):
                if extension.get("url") == url and "valueDecimal" in extension:
                    return extension["valueDecimal"]
    return None


def walk_contains(contains: object) -> Iterator[Mapping[str, Any]]:
    for concept in contains if isinstance(contains, list) else []:
        yield concept
        yield from walk_contains(concept.get("contains"))


def with_weights(questionnaire: Mapping[str, Any], response: Mapping[str, Any]) -> dict[str, Any]:
    """The response with each coded answer's SDC weight attached as an
    ``itemWeight`` extension on the coding, so that ``weight()`` can be read
    as ``extension(itemWeight).value``."""

    def items(found: object) -> list[dict[str, Any]]:
        out = []
        for item in found if isinstance(found, list) else []:
            entry = dict(item)
            if "answer" in entry:
                answers = []
                for answer in entry["answer"]:
                    answer = dict(answer)
                    coding = answer.get("valueCoding")
                    weight = _weight_of(questionnaire, entry["linkId"], coding) if coding else None
                    if weight is not None:
                        kept = [
                            e for e in coding.get("extension", []) if e.get("url") != ITEM_WEIGHT
                        ]
                        answer["valueCoding"] = {
                            **coding,
                            "extension": [*kept, {"url": ITEM_WEIGHT, "valueDecimal": weight}],
                        }
                    answers.append(answer)
                entry["answer"] = answers
            if "item" in entry:
                entry["item"] = items(entry["item"])
            out.append(entry)
        return out

    return {**response, "item": items(response.get("item"))}


def rewrite_weight(text: str) -> str:
    """``X.weight()`` / ``X.ordinal()`` → the itemWeight with_weights attached."""
    return re.sub(
        r"\.(weight|ordinal)\(\)",
        f".extension('{ITEM_WEIGHT}').value",
        text,
    )


def _value(answer: Mapping[str, Any]) -> tuple[str, Any] | None:
    for key in VALUE_KEYS:
        if key in answer:
            return key, answer[key]
    return None


def _compare(operator: str, given: Any, wanted: Any) -> bool:
    if isinstance(wanted, Mapping) and "code" in wanted:  # Coding: system and code
        same = given.get("code") == wanted.get("code") and (
            wanted.get("system") is None or given.get("system") == wanted.get("system")
        )
        return same if operator == "=" else (not same if operator == "!=" else False)
    if isinstance(wanted, Mapping):  # Quantity
        given, wanted = given.get("value"), wanted.get("value")
    operations = {
        "=": lambda a, b: a == b,
        "!=": lambda a, b: a != b,
        ">": lambda a, b: a > b,
        "<": lambda a, b: a < b,
        ">=": lambda a, b: a >= b,
        "<=": lambda a, b: a <= b,
    }
    try:
        return bool(operations[operator](given, wanted))
    except TypeError:
        return False


def _condition(condition: Mapping[str, Any], answers: Answers) -> bool:
    given = answers.get(str(condition.get("question")), [])
    operator = condition.get("operator")
    wanted = next((v for k, v in condition.items() if k.startswith("answer")), None)
    if operator == "exists":
        return bool(given) == bool(wanted)
    values = [found[1] for found in (_value(a) for a in given) if found]
    if operator == "!=":
        return not values or all(_compare("!=", v, wanted) for v in values)
    return any(_compare(str(operator), v, wanted) for v in values)


def settle(
    questionnaire: Mapping[str, Any],
    given: Answers,
    *,
    patient: Mapping[str, Any] | None = None,
    rounds: int = 30,
) -> dict[str, Any]:
    """Fill ``given`` (linkId → answers) in as an SDC renderer would, launched
    with ``patient`` (a FHIR Patient: ``%patient``), and return linkId → the
    value of each calculated item (a number, text, boolean or coding; None
    when the expression gives nothing).
    Raises CalculationError when the values never settle."""
    weigh = uses_weight(json.dumps(questionnaire))
    questionnaire = _rewritten(questionnaire)
    contexts = _contexts(questionnaire, patient)
    calculated = calculated_items(questionnaire)
    values: dict[str, Any] = {}
    enabled: set[str] | None = None
    for _ in range(rounds):
        answers: Answers = dict(given)
        for link_id, value in values.items():
            if value is not None:
                answers[link_id] = [_as_answer(calculated[link_id], value)]
        response, now_enabled = _response(questionnaire, answers, enabled, contexts, weigh)
        found = _calculate(questionnaire, response, contexts)
        found = {k: v for k, v in found.items() if k in now_enabled}
        if found == values and now_enabled == enabled:
            return values
        values, enabled = found, now_enabled
    raise CalculationError(f"the form does not settle after {rounds} rounds")


def enabled_links(
    questionnaire: Mapping[str, Any],
    given: Answers,
    *,
    patient: Mapping[str, Any] | None = None,
    rounds: int = 30,
) -> set[str]:
    """The linkIds an SDC renderer enables once ``given`` is filled in (by
    enableWhen and enableWhenExpression, re-evaluated until they settle),
    launched with ``patient`` as in :func:`settle`.
    Raises CalculationError when they never settle."""
    weigh = uses_weight(json.dumps(questionnaire))
    questionnaire = _rewritten(questionnaire)
    contexts = _contexts(questionnaire, patient)
    now: set[str] | None = None
    for _ in range(rounds):
        _, found = _response(questionnaire, given, now, contexts, weigh)
        if found == now:
            return found
        now = found
    raise CalculationError(f"the form does not settle after {rounds} rounds")


def _contexts(
    questionnaire: Mapping[str, Any], patient: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The launch contexts: ``%patient`` as given (else empty), every other
    one declared, ``%user`` and ``%encounter`` empty."""
    contexts: dict[str, Any] = {
        str(e.get("extension", [{}])[0].get("valueCoding", {}).get("code") or ""): []
        for e in extensions(questionnaire, LAUNCH_CONTEXT)
    }
    contexts.pop("", None)
    contexts.update(patient=[] if patient is None else dict(patient), user=[], encounter=[])
    return contexts


def _rewritten(questionnaire: Mapping[str, Any]) -> Mapping[str, Any]:
    text = json.dumps(questionnaire)
    if not uses_weight(text):
        return questionnaire
    return json.loads(
        re.sub(r"\.(weight|ordinal)\(\)", lambda _: rewrite_weight(".weight()"), text)
    )


def _scope(
    questionnaire: Mapping[str, Any], response: Mapping[str, Any], contexts: Mapping[str, Any]
) -> dict[str, Any]:
    return {**contexts, "resource": response, "questionnaire": questionnaire}


def _response(
    questionnaire: Mapping[str, Any],
    answers: Answers,
    enabled: set[str] | None,
    contexts: Mapping[str, Any],
    weigh: bool,
) -> tuple[dict[str, Any], set[str]]:
    """The response of ``answers`` with disabled items (by enableWhen, and by
    enableWhenExpression evaluated on the previous round's response) left out,
    and the linkIds enabled."""
    now: set[str] = set()
    previous = _build(questionnaire, answers, enabled)
    previous = with_weights(questionnaire, previous) if weigh else previous
    scope = {**_scope(questionnaire, previous, contexts), "context": previous}
    # variables are in scope for enableWhenExpression too; evaluated only when one reads them
    named = _reads_variables(questionnaire)
    root = _variables(questionnaire, previous, scope, "") if named else scope

    def visit(
        items: object, answered: list[Mapping[str, Any]], parent_on: bool, scope: dict
    ) -> None:
        for item in items if isinstance(items, list) else []:
            link_id = str(item.get("linkId"))
            own = next((i for i in answered if i.get("linkId") == link_id), {"linkId": link_id})
            node = ResourceNode.create_node(own, "QuestionnaireResponse.item")
            inner = _variables(item, node, {**scope, "context": node}, link_id) if named else scope
            on = parent_on and _enabled(item, answers, previous, inner)
            if on:
                now.add(link_id)
            visit(item.get("item"), list(own.get("item", [])), on, inner)

    visit(questionnaire.get("item"), list(previous.get("item", [])), True, root)
    response = _build(questionnaire, answers, now)
    return (with_weights(questionnaire, response) if weigh else response), now


def _reads_variables(questionnaire: Mapping[str, Any]) -> bool:
    """Whether an enableWhenExpression names a variable (``%x`` other than
    the response, the questionnaire and the launch contexts)."""
    texts = [
        found[1]
        for item in walk(questionnaire.get("item"))
        for extension in extensions(item, ENABLE_WHEN_EXPRESSION)
        if (found := fhirpath_of(extension)) is not None
    ]
    standard = {"resource", "questionnaire", "context", "patient", "user", "encounter"}
    return any(set(re.findall(r"%(\w+)", text)) - standard for text in texts)


def _enabled(
    item: Mapping[str, Any], answers: Answers, response: Mapping[str, Any], scope: dict[str, Any]
) -> bool:
    conditions = item.get("enableWhen", [])
    if conditions:
        results = [_condition(c, answers) for c in conditions]
        if not (all(results) if item.get("enableBehavior", "all") == "all" else any(results)):
            return False
    for extension in extensions(item, ENABLE_WHEN_EXPRESSION):
        found = fhirpath_of(extension)
        if found is not None:
            try:
                result = evaluate(found[1], response, scope, f"item {item.get('linkId')}")
            except CalculationError:  # never true: the item is not enabled
                return False
            if result != [True]:
                return False
    return True


def _build(questionnaire: Mapping[str, Any], answers: Answers, on: set[str] | None) -> dict:
    def items(found: object) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for item in found if isinstance(found, list) else []:
            link_id = str(item.get("linkId"))
            if on is not None and link_id not in on:
                continue
            entry: dict[str, Any] = {"linkId": link_id}
            if answers.get(link_id):
                entry["answer"] = list(answers[link_id])
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


def _calculate(
    questionnaire: Mapping[str, Any], response: Mapping[str, Any], contexts: Mapping[str, Any]
) -> dict[str, Any]:
    """Every calculatedExpression. SDC evaluates an item's expressions (its
    variables and calculatedExpression) with the item's own
    QuestionnaireResponse item as the context (``%context``, and the start
    of a path such as ``item.where(…)``); the root's with the response."""
    values: dict[str, Any] = {}

    def visit(items: object, answered: list[Mapping[str, Any]], scope: dict[str, Any]) -> None:
        for item in items if isinstance(items, list) else []:
            link_id = str(item.get("linkId"))
            own = next((i for i in answered if i.get("linkId") == link_id), {"linkId": link_id})
            node = ResourceNode.create_node(own, "QuestionnaireResponse.item")
            inner = _variables(item, node, {**scope, "context": node}, link_id)
            for extension in extensions(item, CALCULATED):
                found = fhirpath_of(extension)
                if found is not None:
                    try:
                        result = evaluate(found[1], node, inner, f"item {link_id}")
                    except CalculationError:  # e.g. a variable not in scope: no value
                        result = []
                    values[link_id] = _one(result)
            visit(item.get("item"), list(own.get("item", [])), inner)

    scope = {**_scope(questionnaire, response, contexts), "context": response}
    root = _variables(questionnaire, response, scope, "")
    visit(questionnaire.get("item"), list(response.get("item", [])), root)
    return values


def _variables(element: Mapping[str, Any], context: Any, scope: dict[str, Any], where: str) -> dict:
    """``scope`` plus the element's variables in order, each evaluated on
    ``context``; one that cannot be evaluated is empty."""
    scope = dict(scope)
    for extension in extensions(element, VARIABLE):
        found = fhirpath_of(extension)
        if found is not None and found[0] is not None:
            try:
                scope[found[0]] = evaluate(found[1], context, scope, where)
            except CalculationError:
                scope[found[0]] = []
    return scope


def _one(result: list[Any]) -> Any:
    if len(result) != 1:
        return None
    value = result[0]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Mapping):
        return dict(value)
    return value if isinstance(value, bool | int | float | str) else str(value)


def _as_answer(item: Mapping[str, Any], value: Any) -> dict[str, Any]:
    kind = item.get("type")
    if isinstance(value, bool):
        return {"valueBoolean": value}
    if isinstance(value, Mapping):
        return {"valueQuantity" if "value" in value else "valueCoding": value}
    if isinstance(value, int | float) and kind == "integer":
        return {"valueInteger": int(value)}
    if isinstance(value, int | float):
        return {"valueDecimal": value}
    return {"valueString": str(value)}

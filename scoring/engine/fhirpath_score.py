"""Scores computed by a FHIRPath expression: ``method: fhirpath``.

An imported FHIR Questionnaire may compute a score with an SDC
``calculatedExpression`` that the data-driven scorers cannot express. Such a
score keeps the expression (and the SDC ``variable``s in scope) and is
evaluated by fhirpathpy — never by an interpreter of our own — over a
QuestionnaireResponse built from the answers, with the original
Questionnaire as ``%questionnaire`` (docs/definitions.md § FHIR).

A calculated item may read another one's value, as SDC form fillers allow:
the values of the scores already computed are written into the response as
the answers of their items, and a score comes after every score whose
linkId its expression (or a variable it uses) mentions — so a chain is
evaluated in dependency order, and a cycle is refused when the definition
is parsed (a score cycle).

The expressions are compiled once, when the definition is parsed, with
fhirpathpy's R4 model (so that ``answer.value`` finds ``valueCoding`` …) and
SDC's ``weight()``/``ordinal()``, which fhirpathpy lacks
(scoring/engine/sdc_weight.py).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from scoring.engine.model import FhirContext, FhirItem, FhirStep, Number
from scoring.engine.rules.values import Env
from scoring.engine.sdc_weight import Weights

#: ``value[x]`` keys an answer may be written with.
CHOICE_ANSWERS = ("valueCoding", "valueString", "valueInteger", "valueDate", "valueTime")
#: Option values an export writes in their own type (``fhir.items``), not as codings.
TYPED_OPTIONS = ("valueString", "valueInteger")
NUMBER_ANSWERS = ("valueInteger", "valueDecimal", "valueQuantity")
ANSWER_KEYS = (*CHOICE_ANSWERS, "valueDecimal", "valueQuantity", "valueBoolean")
#: Names fhirpathpy or SDC already give a meaning.
RESERVED_NAMES = frozenset({"resource", "questionnaire", "context", "ucum", "rootResource"})
#: ``%patient`` (or ``%`patient` ``) in an expression: it reads the SDC launch context.
PATIENT_USE = re.compile(r"%`?patient\b`?")
#: The elements of ``%patient`` PRO Portal gives (PatientContext): the others are empty.
PATIENT_GIVEN = ("gender", "birthDate")
VARIABLE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
#: ``%name`` or ``%`name` `` in an expression: the variables it reads.
_VARIABLE_USE = re.compile(r"%`?([A-Za-z][A-Za-z0-9_]*)")

Compiled = Callable[[Mapping[str, Any], Mapping[str, Any] | None], list[Any]]
#: ``Env.cache`` key: the ids of the items whose enableWhenExpression raised
#: an error in this evaluation (``enable_failures``; the import names them).
ENABLE_FAILED = "enable-failed"


class FhirpathError(Exception):
    """An expression fhirpathpy cannot compile or evaluate; the message says why."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """One evaluation: the value (None when the expression gave no single
    number), the items read that were answered and those missing, and whether
    every item read was disabled (the score is then not applicable)."""

    value: Number | None
    used: list[str]
    missing: list[str]
    not_applicable: bool


@dataclass(frozen=True, slots=True, eq=False)
class FhirpathScore:
    """A compiled FHIRPath score."""

    context: FhirContext
    variables: tuple[tuple[str, Compiled], ...]
    expression: Compiled
    #: Ids of the items (in item order), then of the calculated scores, whose
    #: linkId the expression or a variable it uses mentions.
    reads: tuple[str, ...]
    #: Where SDC evaluates it (``fhir.paths``): empty for a definition
    #: imported before paths were kept — then on the whole response.
    path: tuple[FhirStep, ...] = ()

    def evaluate(self, env: Env) -> Outcome:
        try:
            value = to_number(self.run(build_response(self.context, env), env.patient))
        except Exception:  # fhirpathpy raises plain Exception; a score never crashes a submit
            value = None  # e.g. arithmetic on a text: the score is not scored
        used = [name for name in self.reads if name in env.answered]
        missing = [n for n in self.reads if n not in env.answered and n not in env.na]
        disabled = bool(self.reads) and all(name in env.na for name in self.reads)
        return Outcome(value, used, missing, value is None and disabled)

    def run(
        self, response: Mapping[str, Any], patient: Mapping[str, Any] | None = None
    ) -> list[Any]:
        """The expression's result over ``response``, variables evaluated
        first. ``%patient`` is the patient given (SDC launch context), else
        empty, as in a form filler launched without a patient."""
        scope: dict[str, Any] = {
            "resource": response,
            "questionnaire": self.context.questionnaire,
            "patient": [] if patient is None else patient,
        }
        if self.path:
            return self.run_at_item(response, scope)
        for name, compiled in self.variables:
            scope[name] = compiled(response, scope)
        return self.expression(response, scope)

    def run_at_item(self, response: Mapping[str, Any], scope: dict[str, Any]) -> list[Any]:
        """As SDC evaluates a calculated item: root variables on the response,
        each enclosing item's variables with that item's response item as the
        focus and ``%context``, then the item's own variables and expression
        on its own response item (a bare item with only the linkId when it
        has none yet, as a form filler's is before it has a value)."""
        foci = item_foci(response, self.path)
        depth = {name: n for n, step in enumerate(self.path) for name in step.variables}
        for name, compiled in self.variables:
            focus = foci[depth[name]] if name in depth else response
            scope[name] = compiled(focus, {**scope, "context": focus})
        return self.expression(foci[-1], {**scope, "context": foci[-1]})


def item_foci(response: Mapping[str, Any], path: tuple[FhirStep, ...]) -> list[Any]:
    """The response item of each step of ``path`` (the first with its linkId
    under the one before), typed for fhirpathpy's R4 model so that
    ``answer.value`` resolves."""
    from fhirpathpy.engine.nodes import ResourceNode

    foci: list[Any] = []
    parent: Mapping[str, Any] = response
    for step in path:
        children = parent.get("item", [])
        found = next((i for i in children if i.get("linkId") == step.link_id), None)
        parent = found if found is not None else {"linkId": step.link_id}
        typed = ResourceNode.create_node(parent, "QuestionnaireResponse.item")  # type: ignore[no-untyped-call]  # fhirpathpy's own API, untyped
        foci.append(typed)
    return foci


def compile_score(
    expression: str,
    variables: tuple[tuple[str, str], ...],
    context: FhirContext,
    path: tuple[FhirStep, ...] = (),
) -> FhirpathScore:
    """Compile ``expression`` and its variables once; evaluate them on a
    response with no answers so that unknown functions and syntax errors are
    found at load time. Raises :class:`FhirpathError`."""
    compile_one = compiler(Weights(context.questionnaire, context.items))
    seen: set[str] = set()
    compiled: list[tuple[str, Compiled]] = []
    for name, text in variables:
        if not VARIABLE_NAME.fullmatch(name) or name in RESERVED_NAMES:
            raise FhirpathError(f"variable name {name!r} is not a usable FHIRPath name")
        if name in seen:
            raise FhirpathError(f"variable {name!r} is defined twice")
        seen.add(name)
        compiled.append((name, compile_one(text)))
    texts = used_texts(expression, variables)
    mapped = [*context.items.items(), *context.scores.items()]
    reads = tuple(
        name for name, item in mapped if any(f"'{item.link_id}'" in text for text in texts)
    )
    score = FhirpathScore(context, tuple(compiled), compile_one(expression), reads, path)
    try:
        score.run(build_response(context, Env()))
    except Exception as error:  # fhirpathpy raises plain Exception for every failure
        raise FhirpathError(f"fhirpathpy cannot evaluate it: {error}") from None
    return score


def compile_enable(
    item_ids: tuple[str, ...],
    expression: str,
    variables: tuple[tuple[str, str], ...],
    context: FhirContext,
) -> tuple[Callable[[Env], bool | None], tuple[str, ...]]:
    """The SDC ``enableWhenExpression`` of ``item_ids`` (one item, or the
    questions of a group that has it) as one enable-when test, and the ids
    it reads (by linkId, as for scores). An item is asked only when the
    expression gives ``true`` over the response built from the answers so
    far (items disabled before it have no answer; calculated values computed
    before it are in); an expression that fails on some answers is not
    ``true`` either (SDC: only ``true`` enables; Smart Forms leaves such an
    item hidden). The items share one evaluation per response: it is
    run again only when an answer outside them has changed, so a group's
    expression decides all its questions at once, as in an SDC form filler.
    Raises :class:`FhirpathError`."""
    compiled = compile_score(expression, variables, context)
    inside = frozenset(item_ids)
    outside = tuple(name for name in context.items if name not in inside)
    token = object()  # this test's entry in the evaluation's cache

    def test(env: Env) -> bool:
        key: tuple[object, ...] = (
            *((env.code.get(n), env.sel.get(n), env.num.get(n)) for n in outside),
            *(env.num.get(n) for n in context.scores),
        )
        found = env.cache.get(token)
        if found is not None and found[0] == key:
            return bool(found[1])
        try:
            result = compiled.run(build_response(context, env), env.patient) == [True]
        except Exception:  # fhirpathpy raises plain Exception; an error is no true
            result = False  # not asked, as an SDC form filler (docs § FHIR)
            env.cache.setdefault(ENABLE_FAILED, set()).update(item_ids)
        env.cache[token] = (key, result)
        return result

    return test, tuple(name for name in compiled.reads if name not in inside)


def compiler(weights: Weights) -> Callable[[str], Compiled]:
    """fhirpathpy's compile, with the R4 model and ``weight()``/``ordinal()``."""
    import fhirpathpy  # imported here: only imported definitions pay its ~0.6 s load time
    from fhirpathpy.models import models

    options = {"userInvocationTable": weights.table()}

    def compile_one(text: str) -> Compiled:
        try:
            return fhirpathpy.compile(text, model=models["r4"], options=options)
        except Exception as error:  # fhirpathpy raises plain Exception for a syntax error
            raise FhirpathError(f"fhirpathpy cannot compile {text!r}: {error}") from None

    return compile_one


def used_texts(expression: str, variables: tuple[tuple[str, str], ...]) -> list[str]:
    """The expression and the texts of the variables it uses, directly or
    through another variable (a variable in scope but unused reads nothing)."""
    used = set(_VARIABLE_USE.findall(expression))
    texts = [expression]
    for name, text in reversed(variables):
        if name in used:
            texts.append(text)
            used.update(_VARIABLE_USE.findall(text))
    return texts


def to_number(result: list[Any]) -> Number | None:
    """The single number a score expression gave, else None (not scored)."""
    if len(result) != 1:
        return None
    value = result[0]
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    if isinstance(value, int):
        return value
    number = float(value)
    if not math.isfinite(number):
        return None
    return int(value) if isinstance(value, Decimal) and number.is_integer() else number


def answer_values(item_id: str, item: FhirItem, env: Env) -> list[dict[str, Any]]:
    """The FHIR ``answer`` entries of one item (empty when unanswered)."""
    codes: list[str] = []
    if item_id in env.code:
        codes = [env.code[item_id]]
    elif item_id in env.sel:
        codes = [code for code in item.options if code in env.sel[item_id]]
    if codes and item.answer == "valueBoolean":
        return [{"valueBoolean": codes[0] == "yes"}]
    if codes:
        return [{item.answer: item.options[code]} for code in codes]
    if item_id not in env.num:
        return []
    number = env.num[item_id]
    if item.answer == "valueQuantity":
        return [{"valueQuantity": {**item.quantity, "value": number}}]
    return [{item.answer: number}]


def build_response(context: FhirContext, env: Env) -> dict[str, Any]:
    """A QuestionnaireResponse with the answers in ``env`` and the values of
    the calculated items scored so far, nested in the groups of the original
    Questionnaire. Disabled and unanswered items have no answer, as FHIR
    requires."""
    by_link: dict[str, list[dict[str, Any]]] = {}
    for item_id, item in context.items.items():
        answers = answer_values(item_id, item, env)
        if answers:
            by_link[item.link_id] = answers
    for score_id, item in context.scores.items():  # calculated values computed so far
        if score_id in env.num:
            by_link[item.link_id] = answer_values(score_id, item, env)
    return {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "item": _response_items(context.questionnaire.get("item"), by_link),
    }


def _response_items(
    items: object, answers: Mapping[str, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, Mapping):
            continue
        link_id = item.get("linkId")
        entry: dict[str, Any] = {"linkId": link_id}
        if isinstance(link_id, str) and link_id in answers:
            entry["answer"] = answers[link_id]
        children = _response_items(item.get("item"), answers)
        if children:
            entry["item"] = children
        if len(entry) > 1:
            found.append(entry)
    return found

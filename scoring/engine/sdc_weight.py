"""SDC's ``weight()`` and ``ordinal()`` FHIRPath functions, which fhirpathpy lacks.

SDC (Expressions, *FHIRPath supplements*) defines ``weight()`` — ``ordinal()``
is its older name — as the score of the chosen answer: the ``itemWeight``
extension (R4 files: ``ordinalValue``) of the coding. Where to look follows
fhirpath.js, SDC's reference implementation (its docs/weight.md):

1. an extension on the value itself;
2. for an answer of a QuestionnaireResponse: the matching ``answerOption``
   of its Questionnaire item (the extension on the option, else on its
   coding), else the matching concept of the contained ValueSet its
   ``answerValueSet`` names (``#id`` or the ValueSet's url);
3. a CodeSystem contained in the Questionnaire (a concept's extension).

A value without a weight adds nothing to the result (a ``sum()`` of the
weights then counts only the weighted answers), as in fhirpath.js.
Terminology servers are never asked: nothing here reaches the network.

fhirpathpy hands a user-defined function the values alone, not where they
sit in the response, so step 2 goes by object identity: the engine writes
each answer with the very object its ``FhirItem`` holds for that option
(fhirpath_score.build_response), and :class:`Weights` maps those objects to
their weights. :meth:`Weights.with_response` does the same for a response
written by someone else. A value known neither way takes the weight of its
system and code (or its plain value) in the Questionnaire when every option
with them has the same weight; otherwise it has none.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from scoring.engine.model import FhirItem, Number

ITEM_WEIGHT = "http://hl7.org/fhir/StructureDefinition/itemWeight"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
#: The extensions that hold a weight, in the order they are read.
WEIGHT_URLS = (ITEM_WEIGHT, ORDINAL_VALUE)
#: The names an expression calls the function by.
NAMES = ("weight", "ordinal")

#: An option of a Questionnaire item: its value (a coding or a primitive) and
#: its weight (None when it has none).
Choice = tuple[object, Number | None]


def own_weight(element: object) -> Number | None:
    """The weight an element carries itself (an itemWeight or ordinalValue
    extension), else None."""
    if not isinstance(element, Mapping):
        return None
    extensions = element.get("extension")
    for url in WEIGHT_URLS:
        for extension in extensions if isinstance(extensions, list) else []:
            if isinstance(extension, Mapping) and extension.get("url") == url:
                for key in ("valueDecimal", "valueInteger"):
                    value = extension.get(key)
                    if isinstance(value, int | float) and not isinstance(value, bool):
                        return value
    return None


def _as_fhirpath(value: Number) -> Number | Decimal:
    """A weight as fhirpathpy computes with decimals: exact, so that a sum
    of 0.1 and 0.2 is 0.3."""
    return Decimal(repr(value)) if isinstance(value, float) else value


def _walk(items: object) -> Iterator[Mapping[str, Any]]:
    for item in items if isinstance(items, list) else []:
        if isinstance(item, Mapping):
            yield item
            yield from _walk(item.get("item"))
            for answer in item.get("answer") or []:
                if isinstance(answer, Mapping):
                    yield from _walk(answer.get("item"))


def _value(element: Mapping[str, Any]) -> object:
    for key, value in element.items():
        if key.startswith("value") and len(key) > 5 and key[5].isupper():
            return value
    return None


def _concepts(contains: object, system: object) -> Iterator[Mapping[str, Any]]:
    for concept in contains if isinstance(contains, list) else []:
        if isinstance(concept, Mapping):
            yield {"system": system, **concept} if system is not None else concept
            yield from _concepts(concept.get("contains"), system)
            yield from _concepts(concept.get("concept"), system)


def _value_set(questionnaire: Mapping[str, Any], reference: str) -> list[Mapping[str, Any]]:
    """The concepts of the contained ValueSet ``reference`` names."""
    for contained in questionnaire.get("contained") or []:
        if not isinstance(contained, Mapping) or contained.get("resourceType") != "ValueSet":
            continue
        if reference not in (f"#{contained.get('id')}", contained.get("url")):
            continue
        expansion = contained.get("expansion")
        if isinstance(expansion, Mapping) and expansion.get("contains"):
            return list(_concepts(expansion.get("contains"), None))
        compose = contained.get("compose")
        includes = compose.get("include") if isinstance(compose, Mapping) else None
        found: list[Mapping[str, Any]] = []
        for include in includes if isinstance(includes, list) else []:
            if isinstance(include, Mapping):
                found.extend(_concepts(include.get("concept"), include.get("system")))
        return found
    return []


def item_choices(questionnaire: Mapping[str, Any]) -> dict[str, list[Choice]]:
    """linkId → the item's options with their weights (steps 2 and 3)."""
    systems: dict[tuple[object, object], Number] = {}
    for contained in questionnaire.get("contained") or []:
        if isinstance(contained, Mapping) and contained.get("resourceType") == "CodeSystem":
            for concept in _concepts(contained.get("concept"), None):
                weight = own_weight(concept)
                if weight is not None:
                    systems[(contained.get("url"), concept.get("code"))] = weight
    found: dict[str, list[Choice]] = {}
    for item in _walk(questionnaire.get("item")):
        choices: list[Choice] = []
        for option in item.get("answerOption") or []:
            value = _value(option) if isinstance(option, Mapping) else None
            if isinstance(option, Mapping) and value is not None:
                weight = own_weight(option)
                choices.append((value, own_weight(value) if weight is None else weight))
        reference = item.get("answerValueSet")
        if not choices and isinstance(reference, str):
            for concept in _value_set(questionnaire, reference.split("|")[0]):
                choices.append((concept, own_weight(concept)))
        choices = [
            (value, systems.get(_key(value)) if weight is None else weight)
            for value, weight in choices
        ]
        if choices:
            found[str(item.get("linkId"))] = choices
    return found


def _key(value: object) -> tuple[object, object]:
    """What identifies an answer: a coding's (system, code), else the value."""
    if isinstance(value, Mapping):
        return value.get("system"), value.get("code")
    return None, value


def _matches(answer: object, option: object) -> bool:
    if isinstance(answer, Mapping) and isinstance(option, Mapping):
        if answer.get("code") != option.get("code"):
            return False
        systems = answer.get("system"), option.get("system")
        return None in systems or systems[0] == systems[1]
    return not isinstance(answer, Mapping | bool) and answer == option


def match(choices: list[Choice], answer: object) -> Number | None:
    """The weight of the option ``answer`` is, among an item's ``choices``."""
    for option, weight in choices:
        if _matches(answer, option):
            return weight
    return None


class Weights:
    """``weight()``/``ordinal()`` for one Questionnaire: a fhirpathpy user
    function (``userInvocationTable``). Immutable once built, so one
    instance serves every evaluation, in any thread."""

    __slots__ = ("by_key", "by_object", "choices", "keep")

    def __init__(
        self,
        questionnaire: Mapping[str, Any],
        items: Mapping[str, FhirItem] | None = None,
    ) -> None:
        self.choices = item_choices(questionnaire)
        #: id() of an answer object the engine writes → its weight; ``keep``
        #: holds the objects, so that no id is reused while this lives.
        self.by_object: dict[int, Number | None] = {}
        self.keep: list[object] = []
        for item in (items or {}).values():
            choices = self.choices.get(item.link_id, [])
            for value in item.options.values():
                if isinstance(value, Mapping):
                    self.by_object[id(value)] = match(choices, value)
                    self.keep.append(value)
        weights: dict[tuple[object, object], set[Number]] = {}
        for choices in self.choices.values():
            for value, weight in choices:
                if weight is not None:
                    weights.setdefault(_key(value), set()).add(weight)
        #: (system, code) or (None, value) → the weight every option with it has.
        self.by_key = {key: next(iter(found)) for key, found in weights.items() if len(found) == 1}

    def with_response(self, response: Mapping[str, Any]) -> Weights:
        """A copy that also knows the answer objects of ``response`` (a
        QuestionnaireResponse written by another program)."""
        copy = Weights.__new__(Weights)
        copy.choices, copy.by_key = self.choices, self.by_key
        copy.by_object, copy.keep = dict(self.by_object), [*self.keep, response]
        for item in _walk(response.get("item")):
            choices = self.choices.get(str(item.get("linkId")), [])
            for answer in item.get("answer") or []:
                value = _value(answer) if isinstance(answer, Mapping) else None
                if isinstance(value, Mapping):
                    copy.by_object[id(value)] = match(choices, value)
        return copy

    def weight(self, value: object) -> Number | None:
        if isinstance(value, bool):
            return None  # true is not the integer 1 here
        own = own_weight(value)
        if own is not None:
            return own
        if id(value) in self.by_object:
            return self.by_object[id(value)]
        try:
            return self.by_key.get(_key(value))
        except TypeError:  # an unhashable value (a list) has no weight
            return None

    def __call__(self, values: list[object]) -> list[Number | Decimal]:
        found = (self.weight(value) for value in values)
        return [_as_fhirpath(weight) for weight in found if weight is not None]

    def table(self) -> dict[str, dict[str, Any]]:
        """fhirpathpy's ``userInvocationTable`` entry for both names."""
        return {name: {"fn": self} for name in NAMES}

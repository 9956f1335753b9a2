"""FHIRPath for PRO Portal scores and enable-when conditions (export).

Every score becomes SDC ``variable``s on the Questionnaire root and a
``calculatedExpression`` on the score's read-only item, written so that
fhirpathpy evaluates it *to the engine's value* from the exported
Questionnaire (``%questionnaire``) and a QuestionnaireResponse
(``%resource``) alone:

* an answer's value is its option's ``ordinalValue`` read through
  ``%questionnaire`` (yes/no: 1/0; numbers as given); ``lookup`` tables and
  ``reverse`` scoring are written out; ``{max: [a, b]}`` is ``(a | b).max()``;
* proration, "not scored" and "not applicable" follow the engine: a term is
  *missing* when it has no answer and is enabled (its enable-when, itself
  written in FHIRPath), a sum with at most ``prorate_up_to`` missing terms
  is ``total × enabled weight / answered weight``, a mean is over the
  answered terms, a sum whose missing terms count 0 is that of the answered
  terms, a count is the number of answered terms;
* ``multiply``/``add`` and rounding half away from zero are written with
  ``floor()`` — fhirpathpy's ``round()`` rounds half to even;
* formulas translate the rule language's arithmetic; ``x ^ n`` with a whole
  literal ``n`` is written as a product (fhirpathpy's ``power()`` gives no
  value for a negative base).

What FHIRPath cannot express from the file alone raises
:class:`NotExpressibleError` (``change()`` reads the previous response; a
fractional power; a score imported as FHIRPath of another questionnaire);
the exporter then says so in the score's PRO Portal extension.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from questionnaires.fhir.common import number_literal, string_literal
from scoring.engine import Condition, Definition, EnableWhen, Item, Score
from scoring.engine.fhirpath_score import TYPED_OPTIONS
from scoring.engine.item_types import item_type
from scoring.engine.model import Number
from scoring.engine.rules.ast import Arith, Call, Name, Neg, Node, Num, Quantifier, Str
from scoring.engine.rules.parser import parse
from scoring.engine.rules.values import COMPARISON

ORDINAL_URL = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
#: Longest whole-number exponent written out as a product.
_MAX_PRODUCT = 12


class NotExpressibleError(Exception):
    """A score FHIRPath cannot express from the exported file alone."""


@dataclass(frozen=True, slots=True)
class Variable:
    name: str
    expression: str
    description: str


def item_links(definition: Definition) -> dict[str, str]:
    """Item and score id → its linkId in an export: the linkId of the FHIR
    Questionnaire it was imported from (``link_id``), else the id."""
    links = {item.id: item.link_id or item.id for item in definition.items}
    links.update({score.id: score.link_id or score.id for score in definition.scores})
    return links


def typed_options(definition: Definition, item: Item) -> tuple[str, dict[str, str | int]] | None:
    """``(valueString, {code: text})`` or ``(valueInteger, {code: n})`` when
    the item's options are written as strings or integers, as in the file
    it was imported from (``fhir.items``: FUT's questionnaires answer with
    ``valueString``); None when they are codings of PRO Portal's code system."""
    mapped = definition.fhir.items.get(item.id) if definition.fhir is not None else None
    if mapped is None or mapped.answer not in TYPED_OPTIONS or not item.options:
        return None
    wanted = str if mapped.answer == "valueString" else int
    values = {o.code: mapped.options.get(o.code) for o in item.options}
    found = {
        code: value
        for code, value in values.items()
        if isinstance(value, wanted) and not isinstance(value, bool)
    }
    return (mapped.answer, found) if len(found) == len(values) else None


def code_path(definition: Definition, item: Item) -> str:
    """The FHIRPath of an answer's option code, from its ``value[x]``."""
    typed = typed_options(definition, item)
    if typed is None:
        return "valueCoding.code"
    return "valueString" if typed[0] == "valueString" else "valueInteger.toString()"


def section_links(definition: Definition) -> dict[str, str]:
    """Section id → the linkId of its group: the id, or ``<id>-section`` when
    an item or score has the same id or linkId (linkIds are unique in a
    Questionnaire)."""
    links = item_links(definition)
    taken = {*links, *links.values()}
    return {s.id: s.id if s.id not in taken else f"{s.id}-section" for s in definition.sections}


class FhirpathWriter:
    """Builds the root variables once per definition, dependencies first."""

    def __init__(self, definition: Definition) -> None:
        self.definition = definition
        self.variables: list[Variable] = []
        self.names: dict[tuple[str, ...], str] = {}
        self.taken: set[str] = set()
        links = section_links(definition)
        self.links = item_links(definition)
        #: Item id → the path to its group (exact paths are much faster than repeat()).
        self.groups = {
            item.id: f".item.where(linkId = {string_literal(links[section.id])})"
            for section in definition.sections
            for item in section.items
        }

    # --- variables ----------------------------------------------------------

    def name(self, prefix: str, ident: str, suffix: str = "") -> str:
        """A variable name that is both a FHIR ``id`` and a FHIRPath
        identifier: ``phq9.9`` → ``vPhq99``."""
        parts = [part for part in re.split(r"[^A-Za-z0-9]+", ident) if part]
        base = (prefix + "".join(p[:1].upper() + p[1:] for p in parts) + suffix)[:60]
        name, number = base, 2
        while name in self.taken:
            name = f"{base}{number}"
            number += 1
        self.taken.add(name)
        return name

    def define(
        self,
        key: tuple[str, ...],
        prefix: str,
        ident: str,
        build: Callable[[], str],
        description: str,
        suffix: str = "",
    ) -> str:
        """``%name`` of the variable for ``key``, defining it (after whatever
        ``build`` defines) the first time."""
        if key not in self.names:
            expression = build()
            name = self.name(prefix, ident, suffix)
            self.variables.append(Variable(name, expression, description))
            self.names[key] = name
        return f"%{self.names[key]}"

    # --- answers --------------------------------------------------------------

    def path(self, root: str, item_id: str) -> str:
        link = string_literal(self.links[item_id])
        return f"{root}{self.groups[item_id]}.item.where(linkId = {link})"

    def answers(self, item_id: str) -> str:
        return f"{self.path('%resource', item_id)}.answer"

    def code(self, item: Item) -> str:
        """``%c…``: the chosen code of a single choice or yes/no item (empty
        if none), a variable so that option look-ups read the answer once."""

        def build() -> str:
            answers = self.answers(item.id)
            if item.type == "yes_no":
                return f"{answers}.valueBoolean.select(iif($this, 'yes', 'no'))"
            return f"{answers}.{code_path(self.definition, item)}"

        return self.define(("c", item.id), "c", item.id, build, f"the code chosen for {item.id}")

    def item_value(self, item: Item) -> str:
        def build() -> str:
            answers = self.answers(item.id)
            if item.type == "yes_no":
                return f"{answers}.valueBoolean.select(iif($this, 1, 0))"
            if item.type == "single_choice":
                return (
                    f"{self.path('%questionnaire', item.id)}"
                    f".answerOption.where({code_path(self.definition, item)} = {self.code(item)})"
                    f".extension.where(url = {string_literal(ORDINAL_URL)}).valueDecimal"
                )
            return f"{answers}.{item_type(item).fhir_value}"  # a number typed or 0–10

        return self.define(("v", item.id), "v", item.id, build, f"the value of {item.id}")

    def value(self, name: str) -> str:
        """The number an item or score gives (empty when it gives none)."""
        if name in self.definition.plan.scores:
            return self.score(self.definition.score(name))
        return self.item_value(self.definition.item(name))

    # --- enable-when ----------------------------------------------------------

    def enabled(self, item_id: str) -> str:
        """``true`` or ``%e…``: whether the item is asked (its enable-when)."""
        item = self.definition.item(item_id)
        enable = item.enable_when
        if enable is None:
            return "true"
        return self.define(
            ("e", item_id),
            "e",
            item_id,
            lambda: self.joined(enable, self.condition),
            f"whether {item_id} is asked",
        )

    def gate(self, score: Score) -> str:
        """``true`` or ``%g…``: whether a score's enable-when is true (it is
        scored only then)."""
        enable = score.enable_when
        if enable is None:
            return "true"
        return self.define(
            ("g", score.id),
            "g",
            score.id,
            lambda: self.joined(enable, self.condition),
            f"whether the score {score.id} is asked",
        )

    def gate_open(self, score: Score) -> str:
        """``true`` or ``%o…``: the score's enable-when is true *or unknown*
        (Kleene), i.e. the score is not "not applicable" because of it."""
        enable = score.enable_when
        if enable is None:
            return "true"
        return self.define(
            ("o", score.id),
            "o",
            score.id,
            lambda: self.joined(enable, self.condition_open),
            f"whether the enable-when of {score.id} is true or unknown",
        )

    @staticmethod
    def joined(enable: EnableWhen, each: Callable[[Condition], str]) -> str:
        parts = [f"({each(c)})" for c in enable.conditions]
        return (" or " if enable.behavior == "any" else " and ").join(parts)

    def condition_open(self, condition: Condition) -> str:
        """A condition that is true or unknown: a comparison on a missing
        answer or an unscored (but applicable) score is unknown."""
        if condition.op in ("answered", "missing"):
            return self.condition(condition)
        if condition.on_score:
            value = self.score(self.definition.score(condition.item))
            absent = _all([f"{value}.empty()", self.applicable(condition.item)])
        else:
            absent = _all([f"{self.answers(condition.item)}.empty()", self.enabled(condition.item)])
        return f"{self.condition(condition)} or ({absent})"

    def condition(self, condition: Condition) -> str:
        """One enable-when condition as a FHIRPath true/false (never empty)."""
        op, value = condition.op, condition.value
        if condition.on_score:
            assert isinstance(value, int | float)  # the parser requires a number
            score = self.score(self.definition.score(condition.item))
            return f"{score}.where($this {op} {number_literal(value)}).exists()"
        item = self.definition.item(condition.item)
        answers = self.answers(item.id)
        if op == "answered":
            return f"{answers}.exists()"
        if op == "missing":
            enabled = self.enabled(item.id)
            return f"{answers}.empty()" if enabled == "true" else f"{answers}.empty() and {enabled}"
        if isinstance(value, str):
            codes, positive = [value], op == "="
        elif item_type(item).answer == "number":
            assert value is not None  # the parser requires a value for comparisons
            key = item_type(item).fhir_value
            return f"{answers}.where({key} {op} {number_literal(value)}).exists()"
        else:
            compare = COMPARISON[op]
            codes = [o.code for o in item.options if compare(o.value, value)]
            positive = True
        test = self.code_test(item, codes)
        if positive:
            return f"{answers}.where({test}).exists()"
        return f"{answers}.exists() and {answers}.where({test}).empty()"

    def code_test(self, item: Item, codes: list[str]) -> str:
        if not codes:
            return "false"
        if item.type == "yes_no":
            values = [("true" if code == "yes" else "false") for code in codes]
            return f"valueBoolean in ({' | '.join(values)})"
        path = code_path(self.definition, item)
        return f"{path} in ({' | '.join(map(string_literal, codes))})"

    def applicable(self, name: str) -> str:
        """``true`` or an expression: the item is asked / the score is not
        "not applicable" (comparisons on what is not applicable are false)."""
        if name not in self.definition.plan.scores:
            return self.enabled(name)
        score = self.definition.score(name)
        if score.method == "fhirpath":
            raise NotExpressibleError(_IMPORTED)
        if score.method == "formula":
            inner = _all([self.applicable(leaf) for leaf in _leaves(parse(score.expression or ""))])
        else:
            inner = _any([self.applicable(m) for term in score.terms for m in term])
        return _all([self.gate_open(score), inner])

    # --- scores -----------------------------------------------------------------

    def score(self, score: Score) -> str:
        """``%s…``: the score's final value, as the engine computes it."""
        if score.method == "fhirpath":
            raise NotExpressibleError(_IMPORTED)

        def build() -> str:
            if score.method == "formula":
                raw = self.formula(parse(score.expression or ""))
            else:
                raw = self.terms(score)
            value = _finish(raw, score.multiply, score.add, score.decimals)
            gate = self.gate(score)
            return value if gate == "true" else f"iif({gate}, {value}, {{}})"

        return self.define(("s", score.id), "s", score.id, build, f"the score {score.id}")

    def member(self, score: Score, member: str) -> str:
        """A term member's number after the score's lookup and reverse."""
        table = score.lookup.get(member)
        reverse = member in score.reverse
        if table is None and not reverse:
            return self.value(member)

        def build() -> str:
            item = self.definition.item(member)
            if table is not None:
                chain = "{}"
                for code, number in reversed(list(table.items())):
                    chain = (
                        f"iif($this = {string_literal(code)}, {number_literal(number)}, {chain})"
                    )
                value = f"{self.code(item)}.select({chain})"
            else:
                value = self.value(member)
            if reverse:
                values = [o.value for o in item.options]
                flip = (min(values) + max(values)) if values else (item.min or 0) + (item.max or 0)
                value = f"({value}).select({number_literal(flip)} - $this)"
            return value

        return self.define(
            ("m", score.id, member), "m", f"{score.id}_{member}", build, f"{member} in {score.id}"
        )

    def larger(self, score: Score, index: int, term: tuple[str, ...]) -> str:
        """A term's number: its member's, or the larger of ``{max: [a, b]}``
        (union then max(): an unanswered member adds nothing)."""
        members = [self.member(score, m) for m in term]
        if len(members) == 1:
            return members[0]
        return self.define(
            ("t", score.id, str(index)),
            "t",
            score.id,
            lambda: f"({' | '.join(members)}).max()",
            f"the larger of {', '.join(term)} in {score.id}",
            suffix=str(index + 1),
        )

    def checkpoint(self) -> tuple[int, dict[tuple[str, ...], str], set[str]]:
        return len(self.variables), dict(self.names), set(self.taken)

    def rollback(self, state: tuple[int, dict[tuple[str, ...], str], set[str]]) -> None:
        """Forget the variables defined for a score that turned out not expressible."""
        del self.variables[state[0] :]
        self.names, self.taken = state[1], state[2]

    def terms(self, score: Score) -> str:
        """A sum or mean with the engine's missing-item rules."""
        values: list[str] = []
        enabled: list[str] = []
        for index, term in enumerate(score.terms):
            values.append(self.larger(score, index, term))
            enabled.append(_any([self.applicable(m) for m in term]))
        weights = [score.weights.get(term[0], 1) if len(term) == 1 else 1 for term in score.terms]

        def sum_of(parts: list[str]) -> str:
            return "(" + " + ".join(parts) + ")"

        total = self.define(
            ("total", score.id),
            "s",
            score.id,
            lambda: sum_of(
                [
                    f"iif({v}.exists(), {_times(w, v)}, 0)"
                    for v, w in zip(values, weights, strict=True)
                ]
            ),
            f"{score.id}: the weighted sum of the answered terms",
            "Total",
        )
        answered = self.define(
            ("answered", score.id),
            "s",
            score.id,
            lambda: sum_of(
                [
                    f"iif({v}.exists(), {number_literal(w)}, 0)"
                    for v, w in zip(values, weights, strict=True)
                ]
            ),
            f"{score.id}: the weight of the answered terms",
            "Answered",
        )
        asked = self.define(
            ("asked", score.id),
            "s",
            score.id,
            lambda: sum_of(
                [
                    number_literal(w)
                    if e == "true"
                    else f"iif({v}.exists() or {e}, {number_literal(w)}, 0)"
                    for v, w, e in zip(values, weights, enabled, strict=True)
                ]
            ),
            f"{score.id}: the weight of the terms asked (not disabled by enable-when)",
            "Asked",
        )
        missing = self.define(
            ("missing", score.id),
            "s",
            score.id,
            lambda: sum_of(
                [
                    f"iif({v}.empty(), 1, 0)" if e == "true" else f"iif({v}.empty() and {e}, 1, 0)"
                    for v, e in zip(values, enabled, strict=True)
                ]
            ),
            f"{score.id}: the number of terms asked but not answered",
            "Missing",
        )
        if score.method == "count":  # no weights: the weight answered is the count
            return f"iif({asked} != 0, {answered}, {{}})"
        if score.counts_as_zero:  # the answered terms; 0 when none is
            return f"iif({asked} != 0, {total}, {{}})"
        if score.method == "mean":
            raw = f"{total} / {answered}"
        else:
            raw = f"iif({missing} = 0, {total}, {total} * {asked} / {answered})"
        return (
            f"iif({asked} != 0 and {answered} != 0 and {missing} <= {score.prorate_up_to},"
            f" {raw}, {{}})"
        )

    def formula(self, node: Node) -> str:
        """The rule language's arithmetic in FHIRPath (empty propagates like
        the engine's unknown; division by zero is empty in both)."""
        if isinstance(node, Num):
            return number_literal(node.value)
        if isinstance(node, Name):
            return self.value(node.name)
        if isinstance(node, Neg):
            return f"(0 - {self.formula(node.operand)})"
        if isinstance(node, Arith) and node.op == "^":
            return self.power(node)
        if isinstance(node, Arith):
            return f"({self.formula(node.left)} {node.op} {self.formula(node.right)})"
        if isinstance(node, Quantifier) and node.fn == "count":
            return self.count(node)
        if isinstance(node, Call) and node.fn == "count_selected":
            answers = self.answers(node.name.name)
            return f"iif({answers}.exists(), {answers}.count(), {{}})"
        if isinstance(node, Call) and node.fn == "change":
            raise NotExpressibleError(
                "change() reads the patient's previous response, which is not in the file"
            )
        raise NotExpressibleError(f"a {type(node).__name__} in a formula")  # pragma: no cover

    def power(self, node: Arith) -> str:
        right = node.right
        exponent: Number | None = None
        if isinstance(right, Num):
            exponent = right.value
        elif isinstance(right, Neg) and isinstance(right.operand, Num):
            exponent = -right.operand.value
        if exponent is None or exponent != int(exponent) or abs(exponent) > _MAX_PRODUCT:
            raise NotExpressibleError(
                "a power with a fractional or non-literal exponent: fhirpathpy's power()"
                " gives no value for a negative base or a fractional exponent"
            )
        base = self.formula(node.left)
        if exponent == 0:
            return f"({base} * 0 + 1)"
        product = "(" + " * ".join([base] * abs(int(exponent))) + ")"
        return product if exponent > 0 else f"(1 / {product})"

    def count(self, node: Quantifier) -> str:
        """``count([a, b] >= 2)``: unknown (empty) when an element is
        unknown; an element on something not applicable is false."""
        elements: list[str] = []
        for name in node.names:
            if isinstance(node.right, Str):
                item = self.definition.item(name.name)
                compare = f"({self.code(item)} {node.op} {string_literal(node.right.value)})"
                asked = self.applicable(name.name)
            else:
                compare = f"({self.value(name.name)} {node.op} {self.formula(node.right)})"
                right = [self.applicable(leaf) for leaf in _leaves(node.right)]
                asked = _all([self.applicable(name.name), *right])
            elements.append(compare if asked == "true" else f"iif({asked}, {compare}, false)")
        unknown = " or ".join(f"({e}).empty()" for e in elements)
        counted = " + ".join(f"iif({e}, 1, 0)" for e in elements)
        return f"iif({unknown}, {{}}, ({counted}))"


_IMPORTED = (
    "a score imported as FHIRPath reads the linkIds of the questionnaire it was"
    " imported from, not of this export"
)


def _times(weight: Number, value: str) -> str:
    return value if weight == 1 else f"{number_literal(weight)} * {value}"


def _any(parts: list[str]) -> str:
    if not parts or "true" in parts:
        return "true"
    return "(" + " or ".join(dict.fromkeys(parts)) + ")" if len(set(parts)) > 1 else parts[0]


def _all(parts: list[str]) -> str:
    kept = list(dict.fromkeys(p for p in parts if p != "true"))
    if not kept:
        return "true"
    return kept[0] if len(kept) == 1 else "(" + " and ".join(kept) + ")"


def _leaves(node: Node) -> list[str]:
    """Names whose "not applicable" makes a formula not applicable: those
    read by arithmetic, not those inside count() (a comparison on what is
    not applicable is false there)."""
    if isinstance(node, Name):
        return [node.name]
    if isinstance(node, Neg):
        return _leaves(node.operand)
    if isinstance(node, Arith):
        return _leaves(node.left) + _leaves(node.right)
    if isinstance(node, Call) and node.fn in ("count_selected", "change"):
        return [node.name.name]
    return []


def _finish(raw: str, multiply: Number, add: Number, decimals: int) -> str:
    """``raw × multiply + add``, rounded half away from zero to ``decimals``
    with floor() (the engine's rounding; fhirpathpy's round() is half-even)."""
    value = f"({raw})"
    if multiply != 1 or add != 0:
        value += f".select($this * {number_literal(multiply)} + {number_literal(add)})"
    if decimals == 0:
        up, down = "($this + 0.5).floor()", "((0 - $this) + 0.5).floor()"
    else:
        factor = number_literal(10**decimals)
        up = f"($this * {factor} + 0.5).floor() / {factor}"
        down = f"((0 - $this) * {factor} + 0.5).floor() / {factor}"
    return f"{value}.select(iif($this >= 0, {up}, 0 - {down}))"

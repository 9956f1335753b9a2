"""Sections, items, options and enable-when (docs/definitions.md § Sections,
§ Items)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from scoring.engine.answers import describe, enable_test, is_iso_date
from scoring.engine.fhirpath_score import FhirpathError, compile_enable
from scoring.engine.item_types import (
    CODE_TYPES,
    ITEM_TYPES,
    SET_TYPES,
    VALUED_TYPES,
    ItemType,
    implicit_options,
)
from scoring.engine.model import Condition, EnableWhen, Item, Option, Text
from scoring.engine.parse.base import (
    ID,
    ITEM_ID,
    Reader,
    is_number,
    located,
    topological,
)
from scoring.engine.rules.compiler import Symbol
from scoring.engine.rules.values import Env, kleene

_ITEM_COMMON = ("text", "help", "required", "enable_when", "link_id")
_CONDITION_OPS = ("=", "!=", ">", ">=", "<", "<=", "answered", "missing")
_SCORE_OPS = ("=", "!=", ">", ">=", "<", "<=")
_SECTION_KINDS = ("generic", "domain", "disease")


class ItemsReader(Reader):
    """Sections and their items; enable-when checked once every item is known."""

    def register_symbols(self) -> None:
        """Make every item a name the rule language knows."""
        for item in self.items.values():
            kind = ITEM_TYPES[item.type]
            self.symbols[item.id] = Symbol(
                kind.rule_kind, kind.described, tuple(self.options[item.id])
            )

    def read_sections(self, raw: object) -> list[tuple[dict[str, Any], list[str]]]:
        sections: list[tuple[dict[str, Any], list[str]]] = []
        seen: dict[str, str] = {}
        for index, entry in enumerate(self.sequence(raw, "top level", "sections", False)):
            data = self.mapping(entry, f"sections[{index}]")
            if data is None:
                continue
            if "include" in data:
                self.problem(
                    f"sections[{index}]",
                    f"include: {data['include']} must be resolved before parsing"
                    " (questionnaires/library.py does this)",
                )
                continue
            included = data.get("included_from")
            where = located(f"sections[{index}]", data.get("id"), included)
            self.keys(data, where, ("id", "kind", "items"), ("title", "intro", "included_from"))
            sid = self.identifier(data.get("id"), where, ID) if "id" in data else None
            if sid is not None:
                self.unique(seen, sid, where, "section id")
            kind = data.get("kind", "generic")
            if kind not in _SECTION_KINDS:
                self.problem(
                    where, f"kind: must be generic, domain or disease, got {describe(kind)}"
                )
            ids: list[str] = []
            entries = self.sequence(data.get("items", []), where, "items", False)
            for position, raw_item in enumerate(entries):
                item = self.read_item(
                    raw_item, f"sections[{index}].items[{position}]", sid or "", included
                )
                if item is not None:
                    ids.append(item)
            fields = {
                "id": sid or "",
                "kind": str(kind),
                "title": self.text(data, "title", where, required=True),
                "intro": self.text(data, "intro", where, required=False),
                "included_from": included if isinstance(included, str) else None,
            }
            sections.append((fields, ids))
        return sections

    def read_item(self, raw: object, base: str, section: str, included: object) -> str | None:
        data = self.mapping(raw, base)
        if data is None:
            return None
        where = located(base, data.get("id"), included)
        item_id = self.claim(data.get("id"), where, ITEM_ID) if "id" in data else None
        kind = data.get("type")
        registered = ITEM_TYPES.get(kind) if isinstance(kind, str) else None
        if registered is None:
            known = ", ".join(ITEM_TYPES)
            reason = "missing key 'type'" if kind is None else f"type: unknown item type {kind!r}"
            self.problem(where, f"{reason} (types: {known})", item_id)
            return None
        self.keys(
            data,
            where,
            ("id", "type", *registered.required_keys),
            (*_ITEM_COMMON, *registered.optional_keys),
            item_id,
        )
        if item_id is None:
            return None
        fields: dict[str, Any] = {
            "text": self.text(data, "text", where, required=True, ident=item_id),
            "help": self.text(data, "help", where, required=False, ident=item_id),
            "required": self.boolean(data, "required", where, True, item_id),
            "link_id": self.link_id(data, where, item_id),
        }
        options: tuple[Option, ...] = ()
        if "options" in data:
            options = self.read_options(data["options"], where, item_id, registered.name)
        elif registered.implicit_options:
            options = implicit_options(registered, self.languages)
        fields.update(self.read_bounds(data, where, item_id, registered, len(options)))
        if "anchors" in registered.keys:
            fields["anchors"] = self.read_anchors(data, where, item_id)
        if registered.max_length is not None:
            length = self.integer(data, "max_length", where, 1, item_id)
            fields["max_length"] = length or registered.max_length
        if "enable_when" in data:
            self.pending.append((item_id, data["enable_when"], where))
        self.items[item_id] = Item(item_id, registered.name, section, options=options, **fields)
        self.item_where[item_id] = where
        self.options[item_id] = {option.code: option for option in options}
        return item_id

    def read_options(self, raw: object, where: str, item_id: str, kind: str) -> tuple[Option, ...]:
        options: list[Option] = []
        seen: dict[str, str] = {}
        for index, entry in enumerate(self.sequence(raw, where, "options", False)):
            at = f"{where}.options[{index}]"
            data = self.mapping(entry, at)
            if data is None:
                continue
            self.keys(data, at, ("code", "value"), ("label", "exclusive"), item_id)
            code, value = data.get("code"), data.get("value")
            if "code" in data and (not isinstance(code, str) or not code.strip()):
                hint = f', like code: "{code}"' if is_number(code) else ""
                self.problem(
                    at,
                    f"code: must be a non-empty text in quotes{hint}, got {describe(code)}",
                    item_id,
                )
                code = None
            if "value" in data and not is_number(value):
                self.problem(at, f"value: expected a number, got {describe(value)}", item_id)
                value = None
            label = self.text(data, "label", at, required=True, ident=item_id)
            exclusive = self.boolean(data, "exclusive", at, False, item_id)
            if exclusive and kind not in SET_TYPES:
                self.problem(at, "exclusive: applies only to multiple choice options", item_id)
            if (
                isinstance(code, str)
                and self.unique(seen, code, at, "option code")
                and (value is not None)
            ):
                options.append(Option(code, value, label, exclusive))
        return tuple(options)

    def read_bounds(
        self, data: Mapping[str, Any], where: str, item_id: str, kind: ItemType, choices: int
    ) -> dict[str, Any]:
        """min/max (numbers, choice counts or dates), unit and decimals."""
        fields: dict[str, Any] = {}
        if kind.scale is not None:
            return {"min": kind.scale[0], "max": kind.scale[1]}
        if kind.answer == "date":
            for key in ("min", "max"):
                value = data.get(key)
                if key not in data:
                    continue
                if is_iso_date(value):
                    fields[f"{key}_date"] = value
                else:
                    self.problem(where, f"{key}: expected an ISO date like 2024-05-31", item_id)
            return fields
        if "min" in kind.keys:  # a number's bounds, or how many choices
            whole = kind.whole or kind.answer != "number"
            for key in ("min", "max"):
                value = data.get(key)
                if key not in data:
                    continue
                if not is_number(value) or (whole and not isinstance(value, int)):
                    wanted = "a whole number" if whole else "a number"
                    self.problem(where, f"{key}: expected {wanted}, got {describe(value)}", item_id)
                else:
                    fields[key] = value
            low, high = fields.get("min"), fields.get("max")
            if low is not None and high is not None and low > high:
                self.problem(where, f"min {low} is above max {high}", item_id)
            if kind.answer == "codes" and (high or 0) > choices:
                self.problem(where, f"max {high} is more than the {choices} options", item_id)
        if "unit" in kind.keys:
            # A measurement (a weight) means nothing without its unit; a count does.
            fields["unit"] = self.text(data, "unit", where, not kind.whole, item_id)
        if "decimals" in kind.keys:
            fields["decimals"] = self.integer(data, "decimals", where, 0, item_id)
        return fields

    def read_anchors(
        self, data: Mapping[str, Any], where: str, item_id: str
    ) -> tuple[Text, Text] | None:
        if "anchors" not in data:
            if self.languages:
                self.problem(where, "anchors: missing ({low: Text, high: Text})", item_id)
            return None
        anchors = self.mapping(data["anchors"], where, "anchors")
        if anchors is None:
            return None
        self.keys(anchors, f"{where}.anchors", ("low", "high"), (), item_id)
        return (
            self.text(anchors, "low", f"{where}.anchors", required=True, ident=item_id),
            self.text(anchors, "high", f"{where}.anchors", required=True, ident=item_id),
        )

    def enable_order(self) -> dict[str, tuple[Callable[[Env], bool | None], list[str]]]:
        """Check every item's enable-when: item id → (test, names it reads),
        conditions first. Cycles among items are problems here; those through
        a score are found when the scores are known (``plan_steps``)."""
        deps: dict[str, list[str]] = {}
        tests: dict[str, Callable[[Env], bool | None]] = {}
        for item_id, raw, where in self.pending:
            enable = self.read_enable_when(raw, where, item_id)
            if enable is not None:
                self.items[item_id] = dataclasses.replace(self.items[item_id], enable_when=enable)
                tests[item_id] = enable_test(enable, self.items)
                deps[item_id] = [c.item for c in enable.conditions]
        for item_id, (test, reads) in self.fhir_enable_tests().items():
            tests[item_id] = both(tests[item_id], test) if item_id in tests else test
            deps[item_id] = [*deps.get(item_id, []), *reads]
        nodes = [item_id for item_id in self.items if item_id in deps]  # document order
        order, cycles = topological(
            nodes, {k: [d for d in v if d in deps] for k, v in deps.items()}
        )
        for cycle in cycles:
            self.problem(
                self.item_where[cycle[0]], f"enable_when cycle: {' → '.join(cycle)}", cycle[0]
            )
        return {item_id: (tests[item_id], deps[item_id]) for item_id in order}

    def fhir_enable_tests(
        self,
    ) -> dict[str, tuple[Callable[[Env], bool | None], tuple[str, ...]]]:
        """Items asked only when their SDC enableWhenExpression gives true
        (the ``fhir.enable`` block), compiled once by fhirpathpy; one that
        fhirpathpy cannot evaluate (``error``) never gives true: never asked."""
        context = self.fhir
        shared: dict[tuple[str, tuple[tuple[str, str], ...]], list[str]] = {}
        for item_id, gate in (context.enable if context else {}).items():
            shared.setdefault(gate, []).append(item_id)
        found: dict[str, tuple[Callable[[Env], bool | None], tuple[str, ...]]] = {}
        for (expression, variables), item_ids in shared.items():
            assert context is not None
            try:
                test = compile_enable(tuple(item_ids), expression, variables, context)
            except FhirpathError as error:
                for item_id in item_ids:
                    self.problem(f"fhir.enable[{item_id!r}]", f"expression: {error}", item_id)
                continue
            found.update(dict.fromkeys(item_ids, test))
        for item_id in context.unevaluable if context else {}:
            found[item_id] = (_never, ())
        return found

    def score_gated(self, item_id: str) -> bool:
        """Whether an item is asked only when a score allows."""
        enable = self.items[item_id].enable_when
        return enable is not None and any(c.on_score for c in enable.conditions)

    def read_enable_when(self, raw: object, where: str, item_id: str) -> EnableWhen | None:
        at = f"{where}.enable_when"
        data = self.mapping(raw, at)
        if data is None:
            return None
        self.keys(data, at, ("conditions",), ("behavior",), item_id)
        behavior = data.get("behavior", "all")
        if behavior not in ("any", "all"):
            self.problem(at, f"behavior: must be any or all, got {describe(behavior)}", item_id)
        conditions: list[Condition] = []
        ok = behavior in ("any", "all")
        for index, entry in enumerate(
            self.sequence(data.get("conditions"), at, "conditions", False)
        ):
            condition = self.read_condition(entry, f"{at}.conditions[{index}]", item_id)
            if condition is None:
                ok = False
            else:
                conditions.append(condition)
        if not ok or not conditions:
            return None
        return EnableWhen(str(behavior), tuple(conditions))

    def read_condition(self, raw: object, at: str, ident: str) -> Condition | None:
        """One condition of an item's or a score's (``ident``) enable-when:
        on an item (``item:``) or on a score's value (``score:``)."""
        data = self.mapping(raw, at)
        if data is None:
            return None
        problems = len(self.problems)
        if "score" in data:
            return self.read_score_condition(data, at, ident)
        self.keys(data, at, ("item", "op"), ("value",), ident)
        target, op, value = data.get("item"), data.get("op"), data.get("value")
        if op not in _CONDITION_OPS:
            self.problem(
                at, f"op: must be one of {' '.join(_CONDITION_OPS)}, got {describe(op)}", ident
            )
        elif op in ("answered", "missing"):
            if "value" in data:
                self.problem(at, f"value: op {op} takes no value", ident)
        elif not isinstance(value, str) and not is_number(value):
            self.problem(
                at, f"value: expected a code in quotes or a number, got {describe(value)}", ident
            )
        item = self.items.get(target) if isinstance(target, str) else None
        if item is None:
            if target in self.score_ids:
                self.problem(at, f"item: {target} is a score: write score: {target}", ident)
            elif "item" in data:
                self.problem(at, f"item: enable_when names a missing item {target!r}", ident)
        elif target == ident:
            self.problem(at, "item: an item cannot depend on itself", ident)
        elif item.type == "display":
            self.problem(at, f"item: {target} is a display text and is never answered", ident)
        elif op in ("answered", "missing") or len(self.problems) > problems:
            pass
        elif isinstance(value, str):
            if item.type not in CODE_TYPES and item.type not in SET_TYPES:
                described = ITEM_TYPES[item.type].described
                self.problem(at, f"value: {target} is {described} and has no codes", ident)
            elif op not in ("=", "!="):
                self.problem(at, f"op: codes are compared with = or !=, not {op}", ident)
            elif value not in self.options[item.id]:
                codes = ", ".join(self.options[item.id])
                self.problem(at, f"value: {value!r} is not an option of {target} ({codes})", ident)
        elif item.type not in VALUED_TYPES:
            described = ITEM_TYPES[item.type].described
            self.problem(at, f"value: {target} is {described} and has no number", ident)
        if len(self.problems) > problems:
            return None
        assert isinstance(target, str)
        assert isinstance(op, str)
        return Condition(target, op, value)

    def read_score_condition(
        self, data: Mapping[str, Any], at: str, ident: str
    ) -> Condition | None:
        """``{score: gad2, op: ">=", value: 3}``: a score's value compared with a number."""
        problems = len(self.problems)
        self.keys(data, at, ("score", "op", "value"), (), ident)
        target, op, value = data.get("score"), data.get("op"), data.get("value")
        if op not in _SCORE_OPS:
            self.problem(
                at,
                f"op: a score is compared with {' '.join(_SCORE_OPS)}, got {describe(op)}",
                ident,
            )
        if "value" in data and not is_number(value):
            self.problem(at, f"value: a score is a number; got {describe(value)}", ident)
        if target not in self.score_ids:
            self.problem(at, f"score: enable_when names a missing score {target!r}", ident)
        elif target == ident:
            self.problem(at, "score: a score cannot depend on itself", ident)
        if len(self.problems) > problems:
            return None
        assert isinstance(target, str)
        assert isinstance(op, str)
        assert is_number(value)
        return Condition(target, op, value, on_score=True)


def both(
    first: Callable[[Env], bool | None], second: Callable[[Env], bool | None]
) -> Callable[[Env], bool | None]:
    """Asked when both tests say so (an enableWhen and an enableWhenExpression);
    the second is not run when the first is false."""

    def joined(env: Env) -> bool | None:
        return kleene((test(env) for test in (first, second)), decisive=False)

    return joined


def _never(env: Env) -> bool:
    """The test of an enableWhenExpression that cannot be evaluated."""
    return False

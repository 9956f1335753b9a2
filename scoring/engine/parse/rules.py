"""Rules: ids, colours, texts and the compiled condition (docs/definitions.md
§ Rules)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scoring.engine.answers import describe
from scoring.engine.model import COLOURS, Rule
from scoring.engine.parse.base import ID, Reader, included_from, located
from scoring.engine.plan import CompiledRule
from scoring.engine.rules.compiler import BOOLEAN, referenced_names


class RulesReader(Reader):
    """Rules, each condition parsed, type-checked and compiled once."""

    def read_rules(self, raw: object) -> tuple[CompiledRule, ...]:
        rules: list[CompiledRule] = []
        seen: dict[str, str] = {}
        for index, entry in enumerate(self.sequence(raw, "top level", "rules")):
            data = self.mapping(entry, f"rules[{index}]")
            if data is None:
                continue
            where = located(f"rules[{index}]", data.get("id"), data.get("included_from"))
            compiled = self.read_rule(data, where, seen)
            if compiled is not None:
                rules.append(compiled)
        return tuple(rules)

    def read_rule(
        self, data: Mapping[str, Any], where: str, seen: dict[str, str]
    ) -> CompiledRule | None:
        problems = len(self.problems)
        rid = data.get("id")
        self.keys(
            data,
            where,
            ("id", "when", "colour", "source"),
            ("safety", "clinician_text", "patient_text", "included_from"),
            rid,
        )
        checked = self.identifier(rid, where, ID) if "id" in data else None
        if checked is not None:
            self.unique(seen, checked, where, "rule id")
        colour = data.get("colour")
        if "colour" in data and colour not in COLOURS:
            self.problem(where, f"colour: {describe(colour)} is not red, yellow or green", rid)
        safety = self.boolean(data, "safety", where, False, rid)
        clinician = self.text(data, "clinician_text", where, required=True, ident=rid)
        patient = self.text(data, "patient_text", where, required=safety, ident=rid)
        source = self.string(data, "source", where, rid)
        when = data.get("when")
        condition = None
        if "when" in data and not isinstance(when, str):
            self.problem(where, f"when: expected an expression, got {describe(when)}", rid)
        elif isinstance(when, str):
            condition = self.expression(when, where, "when", BOOLEAN, str(rid))
        if len(self.problems) > problems or condition is None:
            return None
        assert isinstance(rid, str)
        assert isinstance(when, str)
        assert isinstance(colour, str)
        rule = Rule(
            id=rid,
            when=when,
            colour=colour,
            source=str(source),
            safety=safety,
            clinician_text=clinician,
            patient_text=patient,
            included_from=included_from(data),
        )
        return CompiledRule(rule, condition, frozenset(referenced_names(when)[1]))

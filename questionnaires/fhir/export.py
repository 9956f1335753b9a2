"""PRO Portal definition → FHIR R4 Questionnaire, and answers →
QuestionnaireResponse (docs/definitions.md § FHIR).

Sections become groups, items keep their ids as linkIds, options become
``answerOption.valueCoding`` with the ordinal value in the ``ordinalValue``
extension, texts are in the first language with the others as
``translation`` extensions. Every score is a read-only item whose SDC
``calculatedExpression`` fhirpathpy evaluates to the engine's value
(questionnaires/fhir/fhirpath.py). Rules travel in PRO Portal's ``rule``
extension; those comparing one answer are also written as the Danish eHealth
infrastructure's ``ehealth-questionnaire-answerSignificance``, and their
patient texts as its ``ehealth-questionnaire-feedback``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from questionnaires.fhir import common as c
from questionnaires.fhir.fhirpath import (
    FhirpathWriter,
    NotExpressibleError,
    item_links,
    section_links,
    typed_options,
)
from scoring.engine import (
    Condition,
    Definition,
    EnableWhen,
    Item,
    PatientContext,
    Result,
    Rule,
    Score,
    Section,
    Vector,
    enabled_items,
    evaluate,
)
from scoring.engine.item_types import (
    CODE_TYPES,
    ITEM_TYPES,
    PLAIN,
    SET_TYPES,
    answer_text,
    item_type,
)
from scoring.engine.model import FhirStep, Number, Text
from scoring.engine.rules.ast import Call, Compare, Logic, Name, Node, Num
from scoring.engine.rules.compiler import referenced_names
from scoring.engine.rules.parser import parse
from scoring.engine.rules.values import COMPARISON, Env

STATUSES = ("draft", "active", "retired")
#: An imported enableWhenExpression and the SDC variables in scope (``fhir.enable``).
Gate = tuple[str, tuple[tuple[str, str], ...]]
_FLIP = {">": "<", "<": ">", ">=": "<=", "<=": ">=", "=": "=", "!=": "!="}


def questionnaire_to_fhir(definition: Definition, *, status: str = "draft") -> dict[str, Any]:
    """The FHIR R4 Questionnaire of ``definition``; ``status`` is the
    version's status in PRO Portal (draft, active or retired)."""
    return _Exporter(definition).questionnaire(status)


def fhir_id(definition: Definition) -> str:
    """A FHIR ``id`` (letters, digits, ``-`` and ``.``): ``chronic-pain-1.0.0``."""
    return f"{definition.id.replace('_', '-')}-{definition.version}"


def option_system(definition: Definition, item_id: str) -> str:
    return f"{c.CODE_SYSTEM_URL}{definition.id}/{item_id}"


def score_mapping(score: Score) -> dict[str, Any]:
    """A score as written in a definition file (docs § Scores), without its
    id and label (the item's linkId and text)."""
    data: dict[str, Any] = {"method": score.method, "source": score.source}
    if score.method in ("sum", "mean", "count"):
        data["items"] = [t[0] if len(t) == 1 else {"max": list(t)} for t in score.terms]
        if score.reverse:
            data["reverse"] = sorted(score.reverse)
        if score.weights:
            data["weights"] = dict(score.weights)
        if score.lookup:
            data["lookup"] = {k: dict(v) for k, v in score.lookup.items()}
        if score.counts_as_zero:
            data["missing"] = {"counts_as_zero": True}
        elif score.method != "count":
            data["missing"] = {"prorate_up_to": score.prorate_up_to}
    else:
        data["expression"] = score.expression
    if score.variables:
        data["variables"] = [{"name": n, "expression": e} for n, e in score.variables]
    if score.multiply != 1:
        data["multiply"] = score.multiply
    if score.add != 0:
        data["add"] = score.add
    data["decimals"] = score.decimals
    if score.range is not None:
        data["range"] = list(score.range)
    if score.monotone:
        data["monotone"] = True
    if score.included_from is not None:
        data["included_from"] = score.included_from
    if score.enable_when is not None:
        data["enable_when"] = enable_when_mapping(score.enable_when)
    if score.bands:
        data["bands"] = [
            {
                "code": b.code,
                "min": b.min,
                "max": b.max,
                **({"label": dict(b.label)} if b.label else {}),
            }
            for b in score.bands
        ]
    return data


def enable_when_mapping(enable: EnableWhen) -> dict[str, Any]:
    """An enable-when as written in a definition file (docs § Items)."""
    return {
        "behavior": enable.behavior,
        "conditions": [
            {
                ("score" if k.on_score else "item"): k.item,
                "op": k.op,
                **({"value": k.value} if k.value is not None else {}),
            }
            for k in enable.conditions
        ],
    }


def vector_mapping(vector: Vector) -> dict[str, Any]:
    expect: dict[str, Any] = {}
    wanted = vector.expect
    if wanted.overall is not None:
        expect["overall"] = wanted.overall
    if wanted.scores:
        expect["scores"] = {
            sid: {"value": s.value, **({"band": s.band} if s.check_band else {})}
            for sid, s in wanted.scores.items()
        }
    if wanted.flags is not None:
        expect["flags"] = sorted(wanted.flags)
    if wanted.not_assessable is not None:
        expect["not_assessable"] = sorted(wanted.not_assessable)
    data: dict[str, Any] = {
        "id": vector.id,
        "source": vector.source,
        "answers": {k: list(v) if isinstance(v, tuple) else v for k, v in vector.answers.items()},
        "expect": expect,
    }
    if vector.previous is not None:
        data["previous"] = {
            "scores": dict(vector.previous.scores),
            "items": dict(vector.previous.items),
        }
    return data


def metadata_mapping(definition: Definition) -> dict[str, Any]:
    """What a Questionnaire has no element for, as written in a definition."""
    group = definition.patient_group
    data: dict[str, Any] = {
        "intended_use": definition.intended_use,
        "provenance": {
            "kind": definition.provenance.kind,
            **({"note": dict(definition.provenance.note)} if definition.provenance.note else {}),
        },
        "instruments": [
            {
                "id": i.id,
                "name": i.name,
                "licence": i.licence,
                "source": i.source,
                **({"wording_source": i.wording_source} if i.wording_source else {}),
            }
            for i in definition.instruments
        ],
    }
    if definition.green_interval_days is not None:
        data["triage"] = {"green_interval_days": definition.green_interval_days}
    if definition.recall_period:
        data["recall_period"] = dict(definition.recall_period)
    if group.description or group.inclusion or group.exclusion:
        data["patient_group"] = {
            "description": dict(group.description),
            "inclusion": [dict(t) for t in group.inclusion],
            "exclusion": [dict(t) for t in group.exclusion],
        }
    if definition.trended_scores:
        data["trended_scores"] = list(definition.trended_scores)
    if definition.brief:
        data["brief"] = list(definition.brief)
    if definition.patient_support:
        data["patient_support"] = {"default": dict(definition.patient_support)}
    if definition.fhir is not None:
        data["fhir"] = {
            **(
                {"questionnaire": definition.fhir.questionnaire}
                if definition.fhir.questionnaire
                else {}
            ),
            "items": {
                key: {
                    "link_id": item.link_id,
                    "answer": item.answer,
                    **({"options": dict(item.options)} if item.options else {}),
                    **({"quantity": dict(item.quantity)} if item.quantity else {}),
                }
                for key, item in definition.fhir.items.items()
            },
        }
        if definition.fhir.scores:
            data["fhir"]["scores"] = {
                key: {
                    "link_id": item.link_id,
                    "answer": item.answer,
                    **({"quantity": dict(item.quantity)} if item.quantity else {}),
                }
                for key, item in definition.fhir.scores.items()
            }
        if definition.fhir.enable:
            data["fhir"]["enable"] = {
                key: {
                    "expression": expression,
                    "variables": [{"name": n, "expression": e} for n, e in variables],
                }
                for key, (expression, variables) in definition.fhir.enable.items()
            }
        if definition.fhir.paths:
            data["fhir"]["paths"] = _paths(definition.fhir.paths)
    return data


def _paths(paths: Mapping[str, tuple[FhirStep, ...]]) -> dict[str, list[dict[str, Any]]]:
    """``fhir.paths`` as the definition writes it (docs/definitions.md § FHIR)."""
    return {
        key: [
            {"link_id": s.link_id, **({"variables": list(s.variables)} if s.variables else {})}
            for s in steps
        ]
        for key, steps in paths.items()
    }


def _string_extension(url: str, value: str) -> dict[str, Any]:
    return {"url": url, "valueString": value}


def _expression(
    url: str, expression: str, name: str | None = None, description: str = ""
) -> dict[str, Any]:
    value: dict[str, Any] = {"language": c.FHIRPATH, "expression": expression}
    if name is not None:
        value["name"] = name
    if description:
        value["description"] = description
    return {"url": url, "valueExpression": value}


def _gate_extensions(gate: Gate, native: str | None = None) -> list[dict[str, Any]]:
    """An imported SDC enableWhenExpression (``fhir.enable``) as SDC writes it:
    the variables it had in scope on the element itself (SDC evaluates an
    element's expressions with its own variables), then the expression —
    joined with ``and`` to the item's own enable-when in FHIRPath, if any
    (an item has at most one enableWhenExpression)."""
    expression, variables = gate
    found = [_expression(c.VARIABLE, text, name) for name, text in variables]
    if native is not None:
        expression = f"({native}) and ({expression})"
    found.append(_expression(c.ENABLE_WHEN_EXPRESSION, expression))
    return found


def _item_control(code: str) -> dict[str, Any]:
    return {
        "url": c.ITEM_CONTROL,
        "valueCodeableConcept": {"coding": [{"system": c.ITEM_CONTROL_SYSTEM, "code": code}]},
    }


class _Exporter:
    def __init__(self, definition: Definition) -> None:
        self.definition = definition
        self.languages = definition.languages
        self.writer = FhirpathWriter(definition)
        self.one_answer: dict[str, list[tuple[Rule, list[list[dict[str, Any]]]]]] = {}
        self.section_links = section_links(definition)
        self.links = item_links(definition)
        #: Item id → its imported enableWhenExpression; a section whose items
        #: all share one (the group's of the imported file) has it on its group.
        self.gates: dict[str, Gate] = dict(definition.fhir.enable) if definition.fhir else {}
        self.section_gates: dict[str, Gate] = {}
        for section in definition.sections:
            shared = {self.gates.get(item.id) for item in section.items}
            gate = shared.pop() if len(shared) == 1 else None
            if gate is not None:
                self.section_gates[section.id] = gate
                for item in section.items:
                    del self.gates[item.id]

    def text(self, target: dict[str, Any], key: str, text: Text) -> None:
        c.put_text(target, key, text, self.languages)

    def questionnaire(self, status: str) -> dict[str, Any]:
        definition = self.definition
        if status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}, got {status!r}")
        for rule in definition.rules:
            for item_id, conditions in self.significances(rule):
                self.one_answer.setdefault(item_id, []).append((rule, conditions))
        resource: dict[str, Any] = {
            "resourceType": "Questionnaire",
            "id": fhir_id(definition),
            "url": c.QUESTIONNAIRE_URL + definition.id,
            "version": definition.version,
            "name": "".join(p.capitalize() for p in definition.id.split("_")),
            "status": status,
        }
        if self.languages:
            resource["language"] = self.languages[0]
        self.text(resource, "title", definition.title or {"en": definition.id})
        self.text(resource, "description", definition.description)
        copyright_ = "; ".join(f"{i.name}: {i.licence}" for i in definition.instruments)
        if copyright_:
            resource["copyright"] = copyright_
        items = [self.group(section) for section in definition.sections]
        scores = [self.score_item(score) for score in definition.scores]
        extension: list[dict[str, Any]] = [
            _expression(c.VARIABLE, v.expression, v.name, v.description)
            for v in self.writer.variables
        ]
        extension += [self.rule_extension(rule) for rule in definition.rules]
        extension.append(
            _string_extension(c.DEFINITION, c.canonical_json(metadata_mapping(definition)))
        )
        extension.append(
            _string_extension(
                c.TEST_VECTORS,
                c.canonical_json([vector_mapping(v) for v in definition.test_vectors]),
            )
        )
        resource["extension"] = extension
        resource["item"] = items + scores
        return resource

    # --- sections and items ---------------------------------------------------

    def group(self, section: Section) -> dict[str, Any]:
        group: dict[str, Any] = {
            "linkId": self.section_links[section.id],
            "type": "group",
            "extension": [{"url": c.SECTION_KIND, "valueCode": section.kind}],
        }
        if section.included_from is not None:
            group["extension"].append({"url": c.INCLUDED_FROM, "valueCode": section.included_from})
        if section.id in self.section_gates:
            group["extension"] += _gate_extensions(self.section_gates[section.id])
        self.text(group, "text", section.title)
        children: list[dict[str, Any]] = []
        if section.intro:
            intro: dict[str, Any] = {
                "linkId": f"{self.section_links[section.id]}-intro",
                "type": "display",
                "extension": [{"url": c.SECTION_INTRO, "valueBoolean": True}],
            }
            self.text(intro, "text", section.intro)
            children.append(intro)
        children += [self.item(item) for item in section.items]
        group["item"] = children
        return group

    def linked(self, ident: str) -> tuple[str, list[dict[str, Any]]]:
        """The linkId of an item or score, and — when it is not the id (an
        imported linkId) — PRO Portal's ``item-id`` naming the id."""
        link = self.links[ident]
        return link, [] if link == ident else [{"url": c.ITEM_ID_URL, "valueCode": ident}]

    def item(self, item: Item) -> dict[str, Any]:
        link, extension = self.linked(item.id)
        entry: dict[str, Any] = {"linkId": link}
        self.text(entry, "text", item.text or {"en": item.id})
        kind = item.type
        entry["type"] = ITEM_TYPES[kind].fhir_type
        if kind in ("nrs", "body_regions"):
            extension.append({"url": c.ITEM_TYPE, "valueCode": kind})
        if kind != "display":
            entry["required"] = item.required
        if kind in SET_TYPES:
            entry["repeats"] = True
        extension += self.bounds(item)
        if item.options and kind != "yes_no":
            entry["answerOption"] = [self.option(item, o) for o in item.options]
        if item.max_length is not None:
            entry["maxLength"] = item.max_length
        if item.id in self.gates:
            self.imported_gate(item, extension)
        elif item.enable_when is not None:
            self.enable_when(item, entry, extension)
        for rule, conditions in self.one_answer.get(item.id, []):
            for condition in conditions:
                extension.append(self.significance(rule, condition))
        feedback = self.feedback(item)
        if feedback is not None:
            extension.append(feedback)
        if extension:
            entry["extension"] = extension
        if item.help:
            helper: dict[str, Any] = {
                "linkId": f"{link}-help",
                "type": "display",
                "extension": [_item_control("help")],
            }
            self.text(helper, "text", item.help)
            entry["item"] = [helper]
        return entry

    def bounds(self, item: Item) -> list[dict[str, Any]]:
        kind = item.type
        found: list[dict[str, Any]] = []
        if ITEM_TYPES[kind].answer == "number":
            key = ITEM_TYPES[kind].fhir_value  # bounds are written like the answers
            for url, bound in ((c.MIN_VALUE, item.min), (c.MAX_VALUE, item.max)):
                if bound is not None:
                    found.append({"url": url, key: bound})
        if kind == "nrs":
            found.append(_item_control("slider"))
            found.append({"url": c.SLIDER_STEP, "valueInteger": 1})
            if item.anchors is not None:
                low, high = item.anchors
                found.append(
                    {
                        "url": c.ANCHORS,
                        "extension": [c.localized("low", low), c.localized("high", high)],
                    }
                )
        if kind == "decimal" and item.decimals is not None:
            found.append({"url": c.MAX_DECIMAL_PLACES, "valueInteger": item.decimals})
        if item.unit:
            coding: dict[str, Any] = {}
            self.text(coding, "display", item.unit)
            found.append({"url": c.UNIT, "valueCoding": coding})
        if kind == "date":
            for url, day in ((c.MIN_VALUE, item.min_date), (c.MAX_VALUE, item.max_date)):
                if day is not None:
                    found.append({"url": url, "valueDate": day})
        if kind in SET_TYPES:
            for url, bound in ((c.MIN_OCCURS, item.min), (c.MAX_OCCURS, item.max)):
                if bound is not None:
                    found.append({"url": url, "valueInteger": bound})
        return found

    def option(self, item: Item, option: Any) -> dict[str, Any]:
        extension: list[dict[str, Any]] = [{"url": c.ORDINAL_VALUE, "valueDecimal": option.value}]
        if option.exclusive:
            extension.append({"url": c.OPTION_EXCLUSIVE, "valueBoolean": True})
        typed = typed_options(self.definition, item)
        if typed is not None:  # the string or integer itself; a label has no other place
            return {typed[0]: typed[1][option.code], "extension": extension}
        coding: dict[str, Any] = {
            "system": option_system(self.definition, item.id),
            "code": option.code,
        }
        self.text(coding, "display", option.label)
        return {"valueCoding": coding, "extension": extension}

    def coding(self, item_id: str, code: str) -> dict[str, Any]:
        return {"system": option_system(self.definition, item_id), "code": code}

    def option_value(self, item: Item, code: str, prefix: str = "value") -> dict[str, Any]:
        """The FHIR value of an option code, as its answerOption writes it
        (``valueString: …`` / ``answerCoding: {…}`` with ``prefix`` answer)."""
        typed = typed_options(self.definition, item)
        if typed is not None:
            key = typed[0].removeprefix("value")
            return {f"{prefix}{key}": typed[1][code]}
        return {f"{prefix}Coding": self.coding(item.id, code)}

    # --- enable-when ------------------------------------------------------------

    def enable_when(
        self, item: Item, entry: dict[str, Any], extension: list[dict[str, Any]]
    ) -> None:
        """FHIR enableWhen where it expresses the conditions exactly, else an
        SDC enableWhenExpression. Where enableWhen had to rewrite a condition
        (a number compared with a choice becomes its codes) or could not
        express it, PRO Portal's ``enable-when`` keeps the original, which
        import restores."""
        enable = item.enable_when
        assert enable is not None
        groups = [self.condition(condition) for condition in enable.conditions]
        behavior = enable.behavior
        wide = [g for g in groups if g is not None and len(g) > 1]
        exact = all(g is not None for g in groups) and (
            not wide or behavior == "any" or len(groups) == 1
        )
        original = _string_extension(c.ENABLE_WHEN, c.canonical_json(enable_when_mapping(enable)))
        rewritten = any(
            not isinstance(k.value, str) and self.definition.item(k.item).type in CODE_TYPES
            for k in enable.conditions
            if k.value is not None and not k.on_score
        )
        if not exact:
            state = self.writer.checkpoint()
            try:
                expression = self.writer.enabled(item.id)
            except NotExpressibleError:  # a gate on a score FHIRPath cannot say (change())
                self.writer.rollback(state)
            else:
                extension.append(_expression(c.ENABLE_WHEN_EXPRESSION, expression))
            extension.append(original)
            return
        flat = [part for group in groups if group is not None for part in group]
        entry["enableWhen"] = flat
        if len(flat) > 1:
            entry["enableBehavior"] = "any" if wide else behavior
        if rewritten:
            extension.append(original)

    def imported_gate(self, item: Item, extension: list[dict[str, Any]]) -> None:
        """The item's imported enableWhenExpression, with its own enable-when
        (if any) in the same expression: SDC allows one enableWhenExpression
        and no enableWhen beside it. PRO Portal's ``enable-when`` keeps the
        original, which import restores."""
        native = None
        if item.enable_when is not None:
            original = c.canonical_json(enable_when_mapping(item.enable_when))
            extension.append(_string_extension(c.ENABLE_WHEN, original))
            state = self.writer.checkpoint()
            try:
                native = self.writer.enabled(item.id)
            except NotExpressibleError:  # a gate on a score FHIRPath cannot say
                self.writer.rollback(state)  # another filler then asks it more often, never less
        extension += _gate_extensions(self.gates[item.id], native)

    def condition(self, condition: Condition) -> list[dict[str, Any]] | None:
        """The FHIR enableWhen entries of one condition (several: any of
        them), or None when enableWhen cannot express it — as for a
        condition on a score: its value is calculated, not an answer in the
        QuestionnaireResponse, so the enableWhenExpression reads it."""
        if condition.on_score:
            return None
        target = self.definition.item(condition.item)
        op, value = condition.op, condition.value
        base = {"question": self.links[target.id]}
        if op in ("answered", "missing"):
            return [{**base, "operator": "exists", "answerBoolean": op == "answered"}]
        if isinstance(value, str):
            if target.type == "yes_no":
                return [{**base, "operator": op, "answerBoolean": value == "yes"}]
            return [{**base, "operator": op, **self.option_value(target, value, "answer")}]
        assert value is not None
        if target.type in ("integer", "nrs"):
            if value != int(value):
                return None
            return [{**base, "operator": op, "answerInteger": int(value)}]
        if target.type == "decimal":
            return [{**base, "operator": op, "answerDecimal": value}]
        compare = COMPARISON[op]
        codes = [o.code for o in target.options if compare(o.value, value)]
        if not codes:
            return None
        if target.type == "yes_no":
            return [{**base, "operator": "=", "answerBoolean": code == "yes"} for code in codes]
        return [
            {**base, "operator": "=", **self.option_value(target, code, "answer")} for code in codes
        ]

    # --- scores -------------------------------------------------------------------

    def score_item(self, score: Score) -> dict[str, Any]:
        link, extension = self.linked(score.id)
        entry: dict[str, Any] = {
            "linkId": link,
            "type": "integer" if score.decimals == 0 else "decimal",
            "readOnly": True,
        }
        self.text(entry, "text", score.label or {"en": score.id})
        details = [{"url": "definition", "valueString": c.canonical_json(score_mapping(score))}]
        state = self.writer.checkpoint()
        try:
            value = self.writer.score(score)
        except NotExpressibleError as reason:
            self.writer.rollback(state)
            details.append({"url": "not-expressed", "valueString": str(reason)})
        else:
            extension.append(
                _expression(
                    c.CALCULATED,
                    value,
                    description=f"{score.id} as PRO Portal's engine computes it",
                )
            )
            if score.enable_when is not None:  # a gated score: shown only when asked
                extension.append(_expression(c.ENABLE_WHEN_EXPRESSION, self.writer.gate(score)))
        if score.decimals:
            extension.append({"url": c.MAX_DECIMAL_PLACES, "valueInteger": score.decimals})
        extension.append({"url": c.SCORE, "extension": details})
        entry["extension"] = extension
        return entry

    # --- rules ----------------------------------------------------------------------

    def rule_extension(self, rule: Rule) -> dict[str, Any]:
        parts: list[dict[str, Any]] = [
            {"url": "id", "valueCode": rule.id},
            {"url": "expression", "valueString": rule.when},
            {"url": "colour", "valueCode": rule.colour},
            {"url": "safety", "valueBoolean": rule.safety},
        ]
        if rule.clinician_text:
            parts.append(c.localized("clinician-text", rule.clinician_text))
        if rule.patient_text:
            parts.append(c.localized("patient-text", rule.patient_text))
        parts.append({"url": "source", "valueString": rule.source})
        if rule.included_from is not None:
            parts.append({"url": "included-from", "valueCode": rule.included_from})
        return {"url": c.RULE, "extension": parts}

    def significances(self, rule: Rule) -> list[tuple[str, list[list[dict[str, Any]]]]]:
        """Where a rule compares one answer: (item, [conditions of one
        answerSignificance, …]); several significances mean any of them."""
        tree = parse(rule.when)
        names, changed = referenced_names(rule.when)
        if len(names) != 1 or names[0] in self.definition.plan.scores or changed:
            return []
        item = self.definition.item(names[0])
        if item.type in CODE_TYPES:
            codes = self.firing_codes(rule, item)
            if not codes:
                return []
            return [(item.id, [[self.answer_condition(item, "=", code)] for code in codes])]
        if item.type in SET_TYPES:
            selected = _selected_codes(tree, item.id)
            if selected is None:
                return []
            return [(item.id, [[self.answer_condition(item, "=", code)] for code in selected])]
        comparisons = _comparisons(tree, item.id)
        if comparisons is None:
            return []
        return [(item.id, [[self.answer_condition(item, op, n) for op, n in comparisons]])]

    def firing_codes(self, rule: Rule, item: Item) -> list[str]:
        """The codes for which the rule fires when only this item is answered
        (exact: the answer space is the options); none if it fires unanswered."""
        compiled = next(r for r in self.definition.plan.rules if r.rule.id == rule.id)
        silent = Env()
        disabled = Env()
        disabled.na.add(item.id)
        if compiled.condition.fn(silent) is True or compiled.condition.fn(disabled) is True:
            return []
        codes: list[str] = []
        for option in item.options:
            env = Env()
            env.num[item.id] = option.value
            env.code[item.id] = option.code
            env.answered.add(item.id)
            if compiled.condition.fn(env) is True:
                codes.append(option.code)
        return codes

    def answer_condition(self, item: Item, op: str, value: str | Number) -> dict[str, Any]:
        if isinstance(value, str) and item.type == "yes_no":
            answer: dict[str, Any] = {"valueBoolean": value == "yes"}
        elif isinstance(value, str):
            answer = self.option_value(item, value)
        elif item.type in ("integer", "nrs") and value == int(value):
            answer = {"valueInteger": int(value)}
        else:
            answer = {"valueDecimal": value}
        return {
            "url": c.ANSWER_CONDITION,
            "extension": [{"url": "value", **answer}, {"url": "operator", "valueCode": op}],
        }

    def significance(self, rule: Rule, conditions: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "url": c.ANSWER_SIGNIFICANCE,
            "extension": [
                *conditions,
                {
                    "url": "significance",
                    "valueCoding": {"system": c.SIGNIFICANCE_SYSTEM, "code": rule.colour},
                },
                {"url": c.RULE_ID, "valueCode": rule.id},
            ],
        }

    def feedback(self, item: Item) -> dict[str, Any] | None:
        """The first rule on this item with a patient text, as eHealth's
        feedback: shown when the answer's number lies in [min, max] (for a
        choice item: its ordinal value). eHealth allows one per item."""
        for rule, conditions in self.one_answer.get(item.id, []):
            if not rule.patient_text or item.type in ("yes_no", *SET_TYPES):
                continue
            span = self.interval(item, rule, conditions)
            if span is None:
                continue
            text = rule.patient_text
            language = self.languages[0] if self.languages else next(iter(text))
            return {
                "url": c.FEEDBACK,
                "extension": [
                    {"url": "value", "valueString": text[language]},
                    {"url": "min", "valueInteger": span[0]},
                    {"url": "max", "valueInteger": span[1]},
                ],
            }
        return None

    def interval(
        self, item: Item, rule: Rule, conditions: list[list[dict[str, Any]]]
    ) -> tuple[int, int] | None:
        if item.type == "single_choice":
            named = [
                {k: v for k, v in sub.items() if k != "url"}
                for group in conditions
                for condition in group
                for sub in condition["extension"]
                if sub["url"] == "value"
            ]
            codes = {o.code for o in item.options if self.option_value(item, o.code) in named}
            values = sorted(o.value for o in item.options if o.code in codes)
            others = [o.value for o in item.options if o.code not in codes]
            low, high = values[0], values[-1]
            whole = all(v == int(v) for v in values)
            if not whole or any(low <= v <= high for v in others):
                return None
            return int(low), int(high)
        if item.type not in ("integer", "nrs") or item.min is None or item.max is None:
            return None
        low, high = int(item.min), int(item.max)
        for condition in conditions[0]:
            parts = {sub["url"]: sub for sub in condition["extension"]}
            op = parts["operator"]["valueCode"]
            bound = parts["value"].get("valueInteger")
            if bound is None or op == "!=":
                return None
            if op in (">", ">=", "="):
                low = max(low, bound + (1 if op == ">" else 0))
            if op in ("<", "<=", "="):
                high = min(high, bound - (1 if op == "<" else 0))
        return (low, high) if low <= high else None


def _selected_codes(node: Node, item_id: str) -> list[str] | None:
    """``selected(x, 'a') or selected(x, 'b')`` → [a, b]; else None."""
    if isinstance(node, Call) and node.fn == "selected" and node.code is not None:
        return [node.code.value]
    if isinstance(node, Logic) and node.op == "or":
        left, right = _selected_codes(node.left, item_id), _selected_codes(node.right, item_id)
        if left is not None and right is not None:
            return list(dict.fromkeys(left + right))
    return None


def _comparisons(node: Node, item_id: str) -> list[tuple[str, Number]] | None:
    """``x > 3`` or ``x >= 2 and x <= 5`` on one number item → its answer
    conditions (at most two, as eHealth allows); else None."""
    if isinstance(node, Compare):
        if isinstance(node.left, Name) and isinstance(node.right, Num):
            return [(node.op, node.right.value)]
        if isinstance(node.left, Num) and isinstance(node.right, Name):
            return [(_FLIP[node.op], node.left.value)]
        return None
    if isinstance(node, Logic) and node.op == "and":
        left, right = _comparisons(node.left, item_id), _comparisons(node.right, item_id)
        if left is not None and right is not None and len(left) + len(right) <= 2:
            return left + right
    return None


# --- responses -------------------------------------------------------------------------


def response_to_fhir(
    definition: Definition,
    answers: Mapping[str, object],
    *,
    status: str = "completed",
    authored: str | None = None,
    with_scores: bool = True,
    result: Result | None = None,
    patient: PatientContext | None = None,
) -> dict[str, Any]:
    """A FHIR R4 QuestionnaireResponse of ``answers`` (as in ANSWERS.json)
    to the Questionnaire :func:`questionnaire_to_fhir` exports: items nested
    in their sections' groups, answers to disabled items left out (FHIR
    requires it), and — with ``with_scores`` — the engine's scores as the
    answers of the read-only score items. Raises AnswerError on invalid
    answers. ``result``: the result to carry (a stored one, which read the
    patient's previous response); by default the engine's on these answers.
    Scores and colours come with it (see :func:`_findings`). ``patient``:
    ``%patient`` for a questionnaire reading it (what was asked depends on it)."""
    asked = enabled_items(definition, answers, patient)
    if result is None and with_scores:
        result = evaluate(definition, answers, patient=patient)
    languages = definition.languages
    links = section_links(definition)
    item_link = item_links(definition)
    groups: list[dict[str, Any]] = []
    for section in definition.sections:
        entries = []
        for item in section.items:
            given = answers.get(item.id)
            if item.id not in asked or given is None or item.type == "display":
                continue
            entry: dict[str, Any] = {"linkId": item_link[item.id]}
            c.put_text(entry, "text", item.text, languages[:1])
            entry["answer"] = _answer_values(definition, item, given)
            entries.append(entry)
        if entries:
            group = {"linkId": links[section.id], "item": entries}
            groups.append(group)
    extension: list[dict[str, Any]] = []
    if result is not None:
        for score in result.scores:
            if score.value is not None:
                key = "valueInteger" if isinstance(score.value, int) else "valueDecimal"
                groups.append({"linkId": item_link[score.id], "answer": [{key: score.value}]})
        extension = [*_findings(definition, answers, result), _result_extension(result)]
    response: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{c.QUESTIONNAIRE_URL}{definition.id}|{definition.version}",
        "status": status,
        "item": groups,
    }
    if extension:
        response["extension"] = extension
    if authored is not None:
        response["authored"] = authored
    return response


def _colour(colour: str) -> dict[str, Any]:
    return {"system": c.SIGNIFICANCE_SYSTEM, "code": colour}


def _result_extension(result: Result) -> dict[str, Any]:
    """PRO Portal's ``result``: the overall colour and every rule that fired
    (also those on scores, which no single answer carries)."""
    parts: list[dict[str, Any]] = [{"url": "overall", "valueCode": result.overall}]
    parts += [
        {
            "url": "flag",
            "extension": [
                {"url": "rule-id", "valueCode": flag.rule_id},
                {"url": "colour", "valueCoding": _colour(flag.colour)},
            ],
        }
        for flag in result.flags
    ]
    return {"url": c.RESULT, "extension": parts}


def _findings(
    definition: Definition, answers: Mapping[str, object], result: Result
) -> list[dict[str, Any]]:
    """eHealth's finding basis for every answer a fired rule coloured through
    an answerSignificance of the exported Questionnaire: the linkId, the
    answer's value, the finding (``red-question-answer`` …) and the
    significance that applied. eHealth keeps these on the ClinicalImpression
    that assesses the response; the export puts them on the response itself,
    so that one file carries the answers and their colours."""
    exporter = _Exporter(definition)
    rules = {rule.id: rule for rule in definition.rules}
    links = item_links(definition)
    found: list[dict[str, Any]] = []
    for flag in result.flags:
        rule = rules[flag.rule_id]
        for item_id, groups in exporter.significances(rule):
            given = answers.get(item_id)
            if given is None:  # pragma: no cover - such a rule fires only on an answer
                continue
            for value in _answer_values(definition, definition.item(item_id), given):
                for conditions in groups:
                    if not _applies(conditions, value):
                        continue
                    significance = exporter.significance(rule, conditions)
                    finding = f"{flag.colour}-question-answer"
                    found.append(
                        {
                            "url": c.FINDING_BASIS,
                            "extension": [
                                {"url": "linkId", "valueString": links[item_id]},
                                {"url": "value", **value},
                                {
                                    "url": "finding",
                                    "valueCodeableConcept": {
                                        "coding": [{"system": c.FINDING_SYSTEM, "code": finding}]
                                    },
                                },
                                significance,
                            ],
                        }
                    )
    return found


def _applies(conditions: list[dict[str, Any]], value: Mapping[str, Any]) -> bool:
    """Whether one answer value meets a significance's conditions: a code,
    a string or integer option, or yes/no is the one the condition names
    (``=``); a number lies in its interval
    (the rule fired on it, and its only significance is that interval)."""
    for condition in conditions:
        wanted = next(e for e in condition["extension"] if e["url"] == "value")
        if "valueCoding" in wanted:
            if value.get("valueCoding", {}).get("code") != wanted["valueCoding"]["code"]:
                return False
        elif "valueBoolean" in wanted and value.get("valueBoolean") != wanted["valueBoolean"]:
            return False
        else:  # a string or number option: the one named (an interval holds: the rule fired)
            operator = next(e for e in condition["extension"] if e["url"] == "operator")
            same = [k for k in ("valueString", "valueInteger") if k in wanted and k in value]
            if operator["valueCode"] == "=" and any(value[k] != wanted[k] for k in same):
                return False
    return True


def _listed(value: object) -> list[object]:
    return list(value) if isinstance(value, list | tuple) else []


def _answer_values(definition: Definition, item: Item, given: object) -> list[dict[str, Any]]:
    """The answers' ``value[x]`` (scoring/engine/item_types.py): a choice's
    display is the answer's text in the first language, as pages show it."""
    key = item_type(item).fhir_value
    if key == "valueBoolean":
        return [{key: given == "yes"}]
    if key != "valueCoding":
        return [{key: given}]
    codes = [given] if isinstance(given, str) else [str(code) for code in _listed(given)]
    typed = typed_options(definition, item)
    if typed is not None:  # as the Questionnaire's answerOption has it
        return [{typed[0]: typed[1][code]} for code in codes]
    found = []
    for code in codes:
        coding: dict[str, Any] = {"system": option_system(definition, item.id), "code": code}
        if definition.languages:
            first = definition.languages[0]
            coding["display"] = answer_text(item, code, first, formats=PLAIN)
        found.append({"valueCoding": coding})
    return found

"""``parse_definition``: validate a resolved definition mapping and compile it.

The mapping is what ``questionnaires/library.py`` reads from YAML, includes
resolved (format: docs/definitions.md). Validation collects *every* problem
rather than stopping at the first, so an author fixes a file in one pass;
nothing is compiled into a :class:`Definition` unless there are none.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from scoring.engine.answers import describe, enable_test, read_answers
from scoring.engine.errors import DefinitionError, Problem
from scoring.engine.evaluate import yes_no_label
from scoring.engine.model import (
    CODE_TYPES,
    COLOURS,
    ITEM_TYPES,
    NO_TEXT,
    NUMBER_TYPES,
    SET_TYPES,
    Band,
    Condition,
    Definition,
    EnableWhen,
    Expectation,
    Instrument,
    Item,
    Number,
    Option,
    PatientGroup,
    PreviousValues,
    Provenance,
    Rule,
    Score,
    ScoreExpectation,
    Section,
    Text,
    Vector,
)
from scoring.engine.plan import CompiledRule, Plan
from scoring.engine.rules.compiler import (
    BOOLEAN,
    NUMBER,
    Compiled,
    Symbol,
    compile_expression,
    referenced_names,
)
from scoring.engine.rules.lexer import RuleSyntaxError
from scoring.engine.rules.parser import RESERVED
from scoring.engine.scorers import Member, Scorer, to_decimal
from scoring.engine.semantics import NOT_ASSESSABLE

ID = re.compile(r"[a-z][a-z0-9_]*")
ITEM_ID = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*")
VERSION = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+")
LANGUAGE = re.compile(r"[a-z]{2,3}")
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

_TOP_REQUIRED = (
    "format",
    "id",
    "version",
    "languages",
    "intended_use",
    "provenance",
    "instruments",
    "sections",
    "test_vectors",
)
#: Required unless ``languages: []`` (they hold only text).
_TOP_TEXTUAL = ("title", "description", "recall_period", "patient_group")
_TOP_OPTIONAL = ("triage", "trended_scores", "scores", "rules", "patient_support")

#: Per item type: keys it requires and keys it may have, beyond the common ones.
_TYPE_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "single_choice": (("options",), ()),
    "multiple_choice": (("options",), ("min", "max")),
    "integer": (("min", "max"), ("unit",)),
    "decimal": (("min", "max"), ("unit", "decimals")),
    "nrs": ((), ("anchors",)),
    "yes_no": ((), ()),
    "date": ((), ("min", "max")),
    "short_text": ((), ("max_length",)),
    "long_text": ((), ("max_length",)),
    "body_regions": (("options",), ()),
    "display": ((), ()),
}
_ITEM_COMMON = ("text", "help", "required", "enable_when")
_TEXT_LENGTH = {"short_text": 200, "long_text": 2000}
_DESCRIBED = {
    "single_choice": "a single choice item",
    "multiple_choice": "a multiple choice item",
    "integer": "an integer item",
    "decimal": "a decimal item",
    "nrs": "an NRS item",
    "yes_no": "a yes/no item",
    "date": "a date item",
    "short_text": "a short text item",
    "long_text": "a long text item",
    "body_regions": "a body region item",
    "display": "a display text",
}
_CONDITION_OPS = ("=", "!=", ">", ">=", "<", "<=", "answered", "missing")
_SCORE_KEYS = (
    "label",
    "items",
    "reverse",
    "weights",
    "lookup",
    "multiply",
    "add",
    "decimals",
    "missing",
    "range",
    "monotone",
    "bands",
    "expression",
    "included_from",
)
_TERM_ONLY = ("items", "reverse", "weights", "lookup", "missing")
_SECTION_KINDS = ("generic", "domain", "disease")
_PROVENANCE_KINDS = ("own",)
_SYMBOL_KINDS = {
    "single_choice": "choice",
    "yes_no": "choice",
    "integer": "number",
    "decimal": "number",
    "nrs": "number",
    "multiple_choice": "set",
    "body_regions": "set",
    "display": "display",
}


def parse_definition(mapping: Mapping[str, Any], *, source: str = "<memory>") -> Definition:
    """Validate and compile a resolved definition mapping.

    Raises :class:`DefinitionError` listing every problem found, each naming
    ``source``, the location in the file, the id concerned and the reason.
    """
    return _Parser(source).parse(mapping)


def _where(base: str, ident: object, included: object = None) -> str:
    where = f"{base} ({ident})" if isinstance(ident, str) and ident else base
    return f"{where} from include {included}" if isinstance(included, str) else where


def _included(data: Mapping[str, Any]) -> str | None:
    included = data.get("included_from")
    return included if isinstance(included, str) else None


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _topological(
    nodes: Iterable[str], deps: Mapping[str, Iterable[str]]
) -> tuple[list[str], list[list[str]]]:
    """Nodes ordered dependencies first, and the cycles met on the way."""
    order: list[str] = []
    state: dict[str, bool] = {}  # False while visiting, True when done
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        if state.get(node) is True:
            return
        if node in path:
            cycles.append([*path[path.index(node) :], node])
            return
        path.append(node)
        for dep in deps.get(node, ()):
            visit(dep, path)
        path.pop()
        state[node] = True
        order.append(node)

    for node in nodes:
        visit(node, [])
    return order, cycles


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []
        self.languages: tuple[str, ...] = ()
        #: Item and score ids (one namespace) → where first declared.
        self.ids: dict[str, str] = {}
        self.items: dict[str, Item] = {}
        self.item_where: dict[str, str] = {}
        self.options: dict[str, dict[str, Option]] = {}
        self.symbols: dict[str, Symbol] = {}
        self.score_ids: set[str] = set()
        #: (item id, raw enable_when, where), checked once every item is known.
        self.pending: list[tuple[str, object, str]] = []

    # --- generic readers ------------------------------------------------------

    def problem(
        self, where: str, reason: str, ident: object = None, position: int | None = None
    ) -> None:
        ident = ident if isinstance(ident, str) else None
        self.problems.append(Problem(self.source, where, reason, ident, position))

    def mapping(self, value: object, where: str, key: str = "") -> Mapping[str, Any] | None:
        if isinstance(value, Mapping):
            return value
        prefix = f"{key}: " if key else ""
        self.problem(where, f"{prefix}expected a mapping (key: value), got {describe(value)}")
        return None

    def sequence(self, value: object, where: str, key: str, allow_empty: bool = True) -> list[Any]:
        if not isinstance(value, list):
            self.problem(where, f"{key}: expected a list, got {describe(value)}")
            return []
        if not value and not allow_empty:
            self.problem(where, f"{key}: the list is empty")
        return value

    def keys(
        self,
        data: Mapping[str, Any],
        where: str,
        required: Iterable[str],
        optional: Iterable[str],
        ident: object = None,
    ) -> None:
        required = tuple(required)
        known = (*required, *optional)
        for key in required:
            if key not in data:
                self.problem(where, f"missing key '{key}'", ident)
        for key in data:
            if key not in known:
                close = difflib.get_close_matches(str(key), known, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                self.problem(where, f"unknown key '{key}'{hint}", ident)

    def text(
        self, data: Mapping[str, Any], key: str, where: str, required: bool, ident: object = None
    ) -> Text:
        """A text per language; see docs/definitions.md § Text."""
        if key not in data:
            if required and self.languages:
                self.problem(where, f"{key}: text is missing", ident)
            return NO_TEXT
        value = data[key]
        if not isinstance(value, Mapping):
            self.problem(
                where, f"{key}: expected a text per language, like {{da: …, en: …}}", ident
            )
            return NO_TEXT
        for lang in self.languages:
            if lang not in value:
                self.problem(where, f"{key}: text is missing in language '{lang}'", ident)
        for lang, text in value.items():
            if self.languages and lang not in self.languages:
                self.problem(where, f"{key}: language '{lang}' is not in languages", ident)
            elif not isinstance(text, str) or not text.strip():
                self.problem(where, f"{key}: text in '{lang}' is empty", ident)
        return dict(value)

    def string(
        self, data: Mapping[str, Any], key: str, where: str, ident: object = None
    ) -> str | None:
        value = data.get(key)
        if key in data and (not isinstance(value, str) or not value.strip()):
            self.problem(where, f"{key}: expected a non-empty text, got {describe(value)}", ident)
            return None
        return value

    def boolean(
        self, data: Mapping[str, Any], key: str, where: str, default: bool, ident: object = None
    ) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.problem(where, f"{key}: expected true or false, got {describe(value)}", ident)
            return default
        return value

    def number(
        self, data: Mapping[str, Any], key: str, where: str, ident: object = None
    ) -> Number | None:
        value = data.get(key)
        if key in data and not _number(value):
            self.problem(where, f"{key}: expected a number, got {describe(value)}", ident)
            return None
        return value

    def integer(
        self,
        data: Mapping[str, Any],
        key: str,
        where: str,
        minimum: int,
        ident: object = None,
    ) -> int | None:
        value = data.get(key)
        if key in data and (
            not isinstance(value, int) or isinstance(value, bool) or value < minimum
        ):
            self.problem(
                where, f"{key}: expected a whole number ≥ {minimum}, got {describe(value)}", ident
            )
            return None
        return value

    def identifier(
        self, value: object, where: str, pattern: re.Pattern[str], key: str = "id"
    ) -> str | None:
        if not isinstance(value, str) or not pattern.fullmatch(value):
            dotted = (
                " (items and scores may have dotted parts, like phq9.9)"
                if (pattern is ITEM_ID)
                else ""
            )
            self.problem(
                where,
                f"{key}: bad id {value!r}: use lower-case letters, digits and _,"
                f" starting with a letter{dotted}",
            )
            return None
        if pattern is ITEM_ID and value in RESERVED:  # only items and scores are names
            self.problem(where, f"{key}: {value!r} is a word of the rule language", value)
            return None
        return value

    def unique(self, seen: dict[str, str], ident: str, where: str, what: str = "id") -> bool:
        if ident in seen:
            self.problem(where, f"duplicate {what} '{ident}' (also at {seen[ident]})", ident)
            return False
        seen[ident] = where
        return True

    def expression(self, text: str, where: str, key: str, want: str, ident: str) -> Compiled | None:
        try:
            return compile_expression(text, self.symbols, want)
        except RuleSyntaxError as error:
            position = error.pos + 1
            self.problem(
                where,
                f"{key}: {error.message} (at position {position} of {text!r})",
                ident,
                position,
            )
            return None

    # --- the definition -------------------------------------------------------

    def parse(self, data: object) -> Definition:
        top = self.mapping(data, "top level")
        if top is None:
            raise DefinitionError(self.problems)
        self.languages = self.read_languages(top)
        textual = _TOP_TEXTUAL if self.languages else ()
        optional = _TOP_OPTIONAL if self.languages else (*_TOP_OPTIONAL, *_TOP_TEXTUAL)
        self.keys(top, "top level", (*_TOP_REQUIRED, *textual), optional)
        if "format" in top and (top["format"] != 1 or isinstance(top["format"], bool)):
            self.problem("format", f"format: must be 1, got {describe(top['format'])}")
        qid = self.identifier(top.get("id"), "id", ID) if "id" in top else None
        version = top.get("version")
        if "version" in top and (not isinstance(version, str) or not VERSION.fullmatch(version)):
            self.problem(
                "version",
                f'version: expected MAJOR.MINOR.PATCH in quotes, like "1.0.0",'
                f" got {describe(version)}",
            )
        intended_use, green_days = self.read_use(top)
        title = self.text(top, "title", "title", required=True)
        description = self.text(top, "description", "description", required=True)
        recall = self.text(top, "recall_period", "recall_period", required=True)
        group = self.read_patient_group(top)
        provenance = self.read_provenance(top)
        instruments = self.read_instruments(top.get("instruments", []))
        sections = self.read_sections(top.get("sections", []))
        score_data = self.claim_scores(top.get("scores", []))
        self.symbols.update(
            {
                item.id: Symbol(
                    _SYMBOL_KINDS.get(item.type, "other"),
                    _DESCRIBED[item.type],
                    tuple(self.options[item.id]),
                )
                for item in self.items.values()
            }
        )
        self.symbols.update({sid: Symbol("number", "a score") for sid, _, _ in score_data})
        enable = self.enable_order()
        scores, scorers = self.read_scores(score_data)
        score_map = {score.id: score for score in scores}
        rules = self.read_rules(top.get("rules", []))
        trended = self.read_trended(top, score_map)
        support = self.read_support(top)
        item_order = tuple(self.items[i] for _, ids in sections for i in ids)
        plan = Plan(
            items=self.items,
            item_order=item_order,
            options=self.options,
            scores=score_map,
            enable=enable,
            scorers=scorers,
            rules=rules,
        )
        vectors = self.read_vectors(top.get("test_vectors", []), plan, score_map, rules)
        if self.problems:
            raise DefinitionError(self.problems)
        assert qid is not None
        assert isinstance(version, str)
        return Definition(
            format=1,
            id=qid,
            version=version,
            languages=self.languages,
            intended_use=intended_use,
            provenance=provenance,
            instruments=instruments,
            sections=tuple(
                Section(**fields, items=tuple(self.items[i] for i in ids))
                for fields, ids in sections
            ),
            scores=scores,
            rules=tuple(compiled.rule for compiled in rules),
            test_vectors=vectors,
            plan=plan,
            title=title,
            description=description,
            recall_period=recall,
            patient_group=group,
            green_interval_days=green_days,
            trended_scores=trended,
            patient_support=support,
            source=self.source,
        )

    def read_languages(self, top: Mapping[str, Any]) -> tuple[str, ...]:
        if "languages" not in top:
            return ()
        raw = self.sequence(top["languages"], "languages", "languages")
        languages: dict[str, str] = {}
        for index, lang in enumerate(raw):
            where = f"languages[{index}]"
            if not isinstance(lang, str) or not LANGUAGE.fullmatch(lang):
                self.problem(where, f"expected a language code like da or en, got {describe(lang)}")
            else:
                self.unique(languages, lang, where, "language")
        return tuple(languages)

    def read_use(self, top: Mapping[str, Any]) -> tuple[str, int | None]:
        use = top.get("intended_use", "dialogue")
        if use not in ("dialogue", "triage"):
            self.problem(
                "intended_use", f"intended_use: must be dialogue or triage, got {describe(use)}"
            )
            return "dialogue", None
        if use == "dialogue":
            if "triage" in top:
                self.problem("triage", "triage: applies only to intended_use: triage")
            return use, None
        if "triage" not in top:
            self.problem("top level", "missing key 'triage' (intended_use is triage)")
            return use, None
        triage = self.mapping(top["triage"], "triage", "triage")
        if triage is None:
            return use, None
        self.keys(triage, "triage", ("green_interval_days",), ())
        return use, self.integer(triage, "green_interval_days", "triage", 1)

    def read_patient_group(self, top: Mapping[str, Any]) -> PatientGroup:
        group = self.mapping(top.get("patient_group", {}), "patient_group")
        if group is None:
            return PatientGroup()
        keys = ("description", "inclusion", "exclusion")
        self.keys(
            group, "patient_group", keys if self.languages else (), () if self.languages else keys
        )
        lists: dict[str, tuple[Text, ...]] = {}
        for key in ("inclusion", "exclusion"):
            entries = self.sequence(group.get(key, []), "patient_group", key)
            lists[key] = tuple(
                self.text({key: entry}, key, f"patient_group.{key}[{index}]", required=True)
                for index, entry in enumerate(entries)
            )
        return PatientGroup(
            self.text(group, "description", "patient_group", required=True),
            lists["inclusion"],
            lists["exclusion"],
        )

    def read_provenance(self, top: Mapping[str, Any]) -> Provenance:
        provenance = self.mapping(top.get("provenance", {}), "provenance")
        if provenance is None:
            return Provenance("own")
        self.keys(provenance, "provenance", ("kind",), ("note",))
        kind = provenance.get("kind", "own")
        if kind not in _PROVENANCE_KINDS:
            self.problem(
                "provenance",
                f"kind: must be own (PRO Portal's own algorithm), got {describe(kind)}",
            )
        return Provenance(str(kind), self.text(provenance, "note", "provenance", required=True))

    def read_instruments(self, raw: object) -> tuple[Instrument, ...]:
        instruments: list[Instrument] = []
        seen: dict[str, str] = {}
        for index, entry in enumerate(self.sequence(raw, "top level", "instruments", False)):
            data = self.mapping(entry, f"instruments[{index}]")
            if data is None:
                continue
            where = _where(f"instruments[{index}]", data.get("id"))
            self.keys(data, where, ("id", "name", "licence", "source"), ("wording_source",))
            iid = self.identifier(data.get("id"), where, ID) if "id" in data else None
            fields = [self.string(data, key, where, iid) for key in ("name", "licence", "source")]
            wording = self.string(data, "wording_source", where, iid)
            if iid is not None and self.unique(seen, iid, where, "instrument id"):
                name, licence, source = (field or "" for field in fields)
                instruments.append(Instrument(iid, name, licence, source, wording))
        return tuple(instruments)

    def read_support(self, top: Mapping[str, Any]) -> Text:
        if "patient_support" not in top:
            return NO_TEXT
        support = self.mapping(top["patient_support"], "patient_support")
        if support is None:
            return NO_TEXT
        self.keys(support, "patient_support", ("default",), ())
        return self.text(support, "default", "patient_support", required=False)

    def read_trended(self, top: Mapping[str, Any], scores: Mapping[str, Score]) -> tuple[str, ...]:
        trended: list[str] = []
        for index, sid in enumerate(
            self.sequence(top.get("trended_scores", []), "top level", "trended_scores")
        ):
            if sid in scores:
                trended.append(sid)
            else:
                self.problem(f"trended_scores[{index}]", f"{describe(sid)} is not a score id", sid)
        return tuple(trended)

    # --- sections and items ---------------------------------------------------

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
            where = _where(f"sections[{index}]", data.get("id"), included)
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

    def claim(self, ident: object, where: str, pattern: re.Pattern[str]) -> str | None:
        """Check an item or score id and reserve it in their shared namespace."""
        checked = self.identifier(ident, where, pattern)
        if checked is None or not self.unique(self.ids, checked, where):
            return None
        return checked

    def read_item(self, raw: object, base: str, section: str, included: object) -> str | None:
        data = self.mapping(raw, base)
        if data is None:
            return None
        where = _where(base, data.get("id"), included)
        item_id = self.claim(data.get("id"), where, ITEM_ID) if "id" in data else None
        kind = data.get("type")
        if kind not in _TYPE_KEYS:
            known = ", ".join(ITEM_TYPES)
            reason = "missing key 'type'" if kind is None else f"type: unknown item type {kind!r}"
            self.problem(where, f"{reason} (types: {known})", item_id)
            return None
        required, optional = _TYPE_KEYS[kind]
        self.keys(data, where, ("id", "type", *required), (*_ITEM_COMMON, *optional), item_id)
        if item_id is None:
            return None
        fields: dict[str, Any] = {
            "text": self.text(data, "text", where, required=True, ident=item_id),
            "help": self.text(data, "help", where, required=False, ident=item_id),
            "required": self.boolean(data, "required", where, True, item_id),
        }
        options: tuple[Option, ...] = ()
        if "options" in data:
            options = self.read_options(data["options"], where, item_id, kind)
        elif kind == "yes_no":
            options = (
                Option("yes", 1, yes_no_label("yes", self.languages)),
                Option("no", 0, yes_no_label("no", self.languages)),
            )
        fields.update(self.read_bounds(data, where, item_id, kind, len(options)))
        if kind == "nrs":
            fields["anchors"] = self.read_anchors(data, where, item_id)
        if kind in _TEXT_LENGTH:
            length = self.integer(data, "max_length", where, 1, item_id)
            fields["max_length"] = length or _TEXT_LENGTH[kind]
        if "enable_when" in data:
            self.pending.append((item_id, data["enable_when"], where))
        self.items[item_id] = Item(item_id, kind, section, options=options, **fields)
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
                hint = f', like code: "{code}"' if _number(code) else ""
                self.problem(
                    at,
                    f"code: must be a non-empty text in quotes{hint}, got {describe(code)}",
                    item_id,
                )
                code = None
            if "value" in data and not _number(value):
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
        self, data: Mapping[str, Any], where: str, item_id: str, kind: str, choices: int
    ) -> dict[str, Any]:
        """min/max (numbers, choice counts or dates), unit and decimals."""
        fields: dict[str, Any] = {}
        if kind == "nrs":
            return {"min": 0, "max": 10}
        if kind == "date":
            for key in ("min", "max"):
                value = data.get(key)
                if key not in data:
                    continue
                if isinstance(value, str) and DATE.fullmatch(value):
                    try:
                        dt.date.fromisoformat(value)
                        fields[f"{key}_date"] = value
                        continue
                    except ValueError:
                        pass
                self.problem(where, f"{key}: expected an ISO date like 2024-05-31", item_id)
            return fields
        if kind in ("integer", "decimal", "multiple_choice"):
            whole = kind != "decimal"
            for key in ("min", "max"):
                value = data.get(key)
                if key not in data:
                    continue
                if not _number(value) or (whole and not isinstance(value, int)):
                    wanted = "a whole number" if whole else "a number"
                    self.problem(where, f"{key}: expected {wanted}, got {describe(value)}", item_id)
                else:
                    fields[key] = value
            low, high = fields.get("min"), fields.get("max")
            if low is not None and high is not None and low > high:
                self.problem(where, f"min {low} is above max {high}", item_id)
            if kind == "multiple_choice" and (high or 0) > choices:
                self.problem(where, f"max {high} is more than the {choices} options", item_id)
        if kind in ("integer", "decimal"):
            fields["unit"] = self.text(data, "unit", where, kind == "decimal", item_id)
        if kind == "decimal":
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

    # --- enable-when ----------------------------------------------------------

    def enable_order(self) -> tuple[tuple[str, Callable[..., bool]], ...]:
        """Check every enable-when and order them so conditions come first."""
        deps: dict[str, list[str]] = {}
        enabled: dict[str, EnableWhen] = {}
        for item_id, raw, where in self.pending:
            enable = self.read_enable_when(raw, where, item_id)
            if enable is not None:
                self.items[item_id] = dataclasses.replace(self.items[item_id], enable_when=enable)
                enabled[item_id] = enable
                deps[item_id] = [c.item for c in enable.conditions]
        order, cycles = _topological(
            deps, {k: [d for d in v if d in deps] for k, v in deps.items()}
        )
        for cycle in cycles:
            self.problem(
                self.item_where[cycle[0]], f"enable_when cycle: {' → '.join(cycle)}", cycle[0]
            )
        return tuple((item_id, enable_test(enabled[item_id], self.items)) for item_id in order)

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

    def read_condition(self, raw: object, at: str, item_id: str) -> Condition | None:
        data = self.mapping(raw, at)
        if data is None:
            return None
        problems = len(self.problems)
        self.keys(data, at, ("item", "op"), ("value",), item_id)
        target, op, value = data.get("item"), data.get("op"), data.get("value")
        if op not in _CONDITION_OPS:
            self.problem(
                at, f"op: must be one of {' '.join(_CONDITION_OPS)}, got {describe(op)}", item_id
            )
        elif op in ("answered", "missing"):
            if "value" in data:
                self.problem(at, f"value: op {op} takes no value", item_id)
        elif not isinstance(value, str) and not _number(value):
            self.problem(
                at, f"value: expected a code in quotes or a number, got {describe(value)}", item_id
            )
        item = self.items.get(target) if isinstance(target, str) else None
        if item is None:
            if "item" in data:
                self.problem(at, f"item: enable_when names a missing item {target!r}", item_id)
        elif target == item_id:
            self.problem(at, "item: an item cannot depend on itself", item_id)
        elif item.type == "display":
            self.problem(at, f"item: {target} is a display text and is never answered", item_id)
        elif op in ("answered", "missing") or len(self.problems) > problems:
            pass
        elif isinstance(value, str):
            if item.type not in CODE_TYPES and item.type not in SET_TYPES:
                self.problem(
                    at, f"value: {target} is {_DESCRIBED[item.type]} and has no codes", item_id
                )
            elif op not in ("=", "!="):
                self.problem(at, f"op: codes are compared with = or !=, not {op}", item_id)
            elif value not in self.options[item.id]:
                codes = ", ".join(self.options[item.id])
                self.problem(
                    at, f"value: {value!r} is not an option of {target} ({codes})", item_id
                )
        elif item.type not in NUMBER_TYPES:
            self.problem(
                at, f"value: {target} is {_DESCRIBED[item.type]} and has no number", item_id
            )
        if len(self.problems) > problems:
            return None
        assert isinstance(target, str)
        assert isinstance(op, str)
        return Condition(target, op, value)

    # --- scores ---------------------------------------------------------------

    def claim_scores(self, raw: object) -> list[tuple[str, Mapping[str, Any], str]]:
        claimed: list[tuple[str, Mapping[str, Any], str]] = []
        for index, entry in enumerate(self.sequence(raw, "top level", "scores")):
            data = self.mapping(entry, f"scores[{index}]")
            if data is None:
                continue
            where = _where(f"scores[{index}]", data.get("id"), data.get("included_from"))
            self.keys(data, where, ("id", "method", "source"), _SCORE_KEYS, data.get("id"))
            sid = self.claim(data.get("id"), where, ITEM_ID) if "id" in data else None
            if sid is not None:
                self.score_ids.add(sid)
                claimed.append((sid, data, where))
        return claimed

    def read_scores(
        self, claimed: list[tuple[str, Mapping[str, Any], str]]
    ) -> tuple[tuple[Score, ...], tuple[Scorer, ...]]:
        built: dict[str, tuple[Score, Scorer]] = {}
        deps: dict[str, list[str]] = {}
        for sid, data, where in claimed:
            read = self.read_score(sid, data, where)
            if read is not None:
                score, scorer, names = read
                built[sid] = (score, scorer)
                deps[sid] = [name for name in names if name in self.score_ids]
        order, cycles = _topological(built, deps)
        wheres = {sid: where for sid, _, where in claimed}
        for cycle in cycles:
            self.problem(wheres[cycle[0]], f"score cycle: {' → '.join(cycle)}", cycle[0])
        scores = tuple(built[sid][0] for sid, _, _ in claimed if sid in built)
        return scores, tuple(built[sid][1] for sid in order if sid in built)

    def read_score(
        self, sid: str, data: Mapping[str, Any], where: str
    ) -> tuple[Score, Scorer, list[str]] | None:
        problems = len(self.problems)
        method = data.get("method")
        if method not in ("sum", "mean", "formula"):
            self.problem(
                where, f"method: must be sum, mean or formula, got {describe(method)}", sid
            )
        source = self.string(data, "source", where, sid)
        label = self.text(data, "label", where, required=True, ident=sid)
        multiply = self.number(data, "multiply", where, sid)
        add = self.number(data, "add", where, sid)
        decimals = self.integer(data, "decimals", where, 0, sid)
        if decimals is not None and decimals > 9:
            self.problem(where, "decimals: at most 9", sid)
        monotone = self.boolean(data, "monotone", where, False, sid)
        value_range = self.read_range(data, where, sid)
        bands = self.read_bands(data, where, sid, value_range, decimals or 0)
        formula: Compiled | None = None
        terms: tuple[tuple[tuple[Member, ...], Number], ...] = ()
        term_ids: tuple[tuple[str, ...], ...] = ()
        extras: dict[str, Any] = {}
        names: list[str] = []
        if method == "formula":
            for key in _TERM_ONLY:
                if key in data:
                    self.problem(where, f"{key}: does not apply to a formula score", sid)
            expression = data.get("expression")
            if not isinstance(expression, str):
                self.problem(where, "expression: a formula score needs an expression", sid)
            else:
                formula = self.expression(expression, where, "expression", NUMBER, sid)
                if formula is not None:
                    names = referenced_names(expression)[0]
        elif method in ("sum", "mean"):
            if "expression" in data:
                self.problem(where, "expression: applies only to method: formula", sid)
            read = self.read_terms(sid, data, where)
            if read is not None:
                term_ids, terms, extras = read
                names = [name for term in term_ids for name in term]
        if len(self.problems) > problems or source is None:
            return None  # (a missing source is reported with the other keys)
        assert isinstance(method, str)
        score = Score(
            id=sid,
            label=label,
            method=method,
            source=source,
            terms=term_ids,
            multiply=1 if multiply is None else multiply,
            add=add or 0,
            decimals=decimals or 0,
            range=value_range,
            monotone=monotone,
            bands=bands,
            expression=data.get("expression"),
            included_from=_included(data),
            **extras,
        )
        return score, Scorer(score, terms, formula, tuple(names)), names

    def read_range(
        self, data: Mapping[str, Any], where: str, sid: str
    ) -> tuple[Number, Number] | None:
        if "range" not in data:
            return None
        value = data["range"]
        if not isinstance(value, list) or len(value) != 2 or not all(map(_number, value)):
            self.problem(where, f"range: expected [min, max], got {describe(value)}", sid)
            return None
        if value[0] >= value[1]:
            self.problem(where, f"range: min {value[0]} is not below max {value[1]}", sid)
            return None
        return value[0], value[1]

    def read_bands(
        self,
        data: Mapping[str, Any],
        where: str,
        sid: str,
        value_range: tuple[Number, Number] | None,
        decimals: int,
    ) -> tuple[Band, ...]:
        if "bands" not in data:
            return ()
        bands: list[Band] = []
        seen: dict[str, str] = {}
        entries = self.sequence(data["bands"], where, "bands", False)
        for index, entry in enumerate(entries):
            at = f"{where}.bands[{index}]"
            band = self.mapping(entry, at)
            if band is None:
                continue
            at = _where(f"{where}.bands[{index}]", band.get("code"))
            self.keys(band, at, ("code", "min", "max"), ("label",), sid)
            code = self.identifier(band.get("code"), at, ID, "code") if "code" in band else None
            low, high = self.number(band, "min", at, sid), self.number(band, "max", at, sid)
            label = self.text(band, "label", at, required=True, ident=sid)
            unique = code is not None and self.unique(seen, code, at, "band code")
            if unique and code is not None and low is not None and high is not None:
                bands.append(Band(code, low, high, label))
        if len(bands) != len(entries):
            return tuple(bands)
        if value_range is None:
            self.problem(where, "bands: need a range to cover", sid)
            return tuple(bands)
        self.check_coverage(bands, where, sid, value_range, decimals)
        return tuple(bands)

    def check_coverage(
        self,
        bands: list[Band],
        where: str,
        sid: str,
        value_range: tuple[Number, Number],
        decimals: int,
    ) -> None:
        """Bands must tile the range: in order, no gap and no overlap at the
        score's resolution (1 for whole numbers, 0.1 for one decimal …)."""
        step = Decimal(1).scaleb(-decimals)
        low, high = to_decimal(value_range[0]), to_decimal(value_range[1])
        previous: Decimal | None = None
        for band in bands:
            band_min, band_max = to_decimal(band.min), to_decimal(band.max)
            if band_min > band_max:
                self.problem(
                    where, f"bands: {band.code} has min {band.min} above max {band.max}", sid
                )
                return
            if previous is None and band_min != low:
                self.problem(
                    where,
                    f"bands: start at {band.min} but the range starts at {value_range[0]}",
                    sid,
                )
            elif previous is not None and band_min > previous + step:
                self.problem(
                    where,
                    f"bands: gap between {previous} and {band.min}"
                    f" (at {step} resolution, decimals: {decimals})",
                    sid,
                )
            elif previous is not None and band_min < previous + step:
                self.problem(
                    where,
                    f"bands: {band.code} overlaps the band before it"
                    f" (it starts at {band.min}, the one before ends at {previous})",
                    sid,
                )
            previous = band_max
        if previous != high:
            self.problem(
                where, f"bands: end at {previous} but the range ends at {value_range[1]}", sid
            )

    def read_terms(
        self, sid: str, data: Mapping[str, Any], where: str
    ) -> (
        tuple[
            tuple[tuple[str, ...], ...],
            tuple[tuple[tuple[Member, ...], Number], ...],
            dict[str, Any],
        ]
        | None
    ):
        """The items of a sum/mean with their per-item recodings."""
        problems = len(self.problems)
        groups: list[tuple[str, ...]] = []
        seen: dict[str, str] = {}
        for index, entry in enumerate(self.sequence(data.get("items"), where, "items", False)):
            at = f"items[{index}]"
            group: list[object]
            if (
                isinstance(entry, Mapping)
                and list(entry) == ["max"]
                and isinstance(entry["max"], list)
                and len(entry["max"]) >= 2
            ):
                group = entry["max"]
            elif isinstance(entry, str):
                group = [entry]
            else:
                self.problem(
                    where,
                    f"{at}: expected an item or score id, or {{max: [a, b]}},"
                    f" got {describe(entry)}",
                    sid,
                )
                continue
            for name in group:
                self.check_member(sid, name, where, at, seen)
            groups.append(tuple(str(name) for name in group))
        members = {name for group in groups for name in group}
        singles = {group[0] for group in groups if len(group) == 1}
        reverse = self.member_list(data, "reverse", where, sid, members)
        weights = self.member_map(data, "weights", where, sid, singles, _number, "a number")
        lookup = self.member_map(
            data,
            "lookup",
            where,
            sid,
            members,
            lambda v: isinstance(v, Mapping),
            "a table {code: number}",
        )
        for name, table in lookup.items():
            self.check_lookup(sid, name, table, where)
        flips = {name: self.flip(sid, name, where) for name in reverse}
        prorate = 0
        if "missing" in data:
            missing = self.mapping(data["missing"], where, "missing")
            if missing is not None:
                self.keys(missing, f"{where}.missing", ("prorate_up_to",), (), sid)
                prorate = self.integer(missing, "prorate_up_to", f"{where}.missing", 0, sid) or 0
        if len(self.problems) > problems:
            return None
        terms = tuple(
            (
                tuple((name, lookup.get(name), flips.get(name)) for name in group),
                weights.get(group[0], 1) if len(group) == 1 else 1,
            )
            for group in groups
        )
        extras = {
            "reverse": frozenset(reverse),
            "weights": weights,
            "lookup": lookup,
            "prorate_up_to": prorate,
        }
        return tuple(groups), terms, extras

    def check_member(
        self, sid: str, name: object, where: str, at: str, seen: dict[str, str]
    ) -> None:
        symbol = self.symbols.get(name) if isinstance(name, str) else None
        if symbol is None:
            close = difflib.get_close_matches(str(name), list(self.symbols), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            self.problem(where, f"{at}: score names a missing item or score {name!r}{hint}", sid)
        elif name == sid:
            self.problem(where, f"{at}: a score cannot contain itself", sid)
        elif symbol.kind not in ("number", "choice"):
            self.problem(where, f"{at}: {name} is {symbol.described} and has no number", sid)
        else:
            self.unique(seen, str(name), f"{where}.{at}", "item in the score")

    def member_list(
        self, data: Mapping[str, Any], key: str, where: str, sid: str, members: set[str]
    ) -> list[str]:
        names = self.sequence(data.get(key, []), where, key)
        for name in names:
            if name not in members:
                self.problem(where, f"{key}: {describe(name)} is not one of the score's items", sid)
        return [name for name in names if name in members]

    def member_map(
        self,
        data: Mapping[str, Any],
        key: str,
        where: str,
        sid: str,
        members: set[str],
        valid: Callable[[object], bool],
        wanted: str,
    ) -> dict[str, Any]:
        raw = self.mapping(data.get(key, {}), where, key)
        result: dict[str, Any] = {}
        for name, value in (raw or {}).items():
            if name not in members:
                self.problem(
                    where, f"{key}: {describe(name)} is not a single item of the score", sid
                )
            elif not valid(value):
                self.problem(where, f"{key}: {name}: expected {wanted}, got {describe(value)}", sid)
            else:
                result[name] = value
        return result

    def check_lookup(self, sid: str, name: str, table: Mapping[Any, Any], where: str) -> None:
        symbol = self.symbols[name]
        if symbol.kind != "choice":
            self.problem(where, f"lookup: {name} is {symbol.described}; a table needs codes", sid)
            return
        for code, value in table.items():
            if code not in symbol.codes:
                self.problem(
                    where,
                    f"lookup: {name}: {describe(code)} is not an option code"
                    f" (codes: {', '.join(symbol.codes)})",
                    sid,
                )
            elif not _number(value):
                self.problem(
                    where, f"lookup: {name}: {code}: expected a number, got {describe(value)}", sid
                )
        absent = [code for code in symbol.codes if code not in table]
        if absent:
            self.problem(where, f"lookup: {name}: no value for codes {', '.join(absent)}", sid)

    def flip(self, sid: str, name: str, where: str) -> Number | None:
        """min + max of a reverse-scored member (option values, item bounds
        or the score's range)."""
        item = self.items.get(name)
        if item is not None and item.type in CODE_TYPES:
            values = [option.value for option in item.options]
            return min(values) + max(values)
        if item is not None and item.min is not None and item.max is not None:
            return item.min + item.max
        self.problem(where, f"reverse: {name} is a score; only items can be reverse-scored", sid)
        return None

    # --- rules ----------------------------------------------------------------

    def read_rules(self, raw: object) -> tuple[CompiledRule, ...]:
        rules: list[CompiledRule] = []
        seen: dict[str, str] = {}
        for index, entry in enumerate(self.sequence(raw, "top level", "rules")):
            data = self.mapping(entry, f"rules[{index}]")
            if data is None:
                continue
            where = _where(f"rules[{index}]", data.get("id"), data.get("included_from"))
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
            included_from=_included(data),
        )
        return CompiledRule(rule, condition, frozenset(referenced_names(when)[1]))

    # --- test vectors ---------------------------------------------------------

    def read_vectors(
        self,
        raw: object,
        plan: Plan,
        scores: Mapping[str, Score],
        rules: tuple[CompiledRule, ...],
    ) -> tuple[Vector, ...]:
        vectors: list[Vector] = []
        seen: dict[str, str] = {}
        rule_ids = {compiled.rule.id for compiled in rules}
        for index, entry in enumerate(self.sequence(raw, "top level", "test_vectors")):
            data = self.mapping(entry, f"test_vectors[{index}]")
            if data is None:
                continue
            where = _where(f"test_vectors[{index}]", data.get("id"))
            vector = self.read_vector(data, where, seen, plan, scores, rule_ids)
            if vector is not None:
                vectors.append(vector)
        return tuple(vectors)

    def read_vector(
        self,
        data: Mapping[str, Any],
        where: str,
        seen: dict[str, str],
        plan: Plan,
        scores: Mapping[str, Score],
        rule_ids: set[str],
    ) -> Vector | None:
        problems = len(self.problems)
        vid = data.get("id")
        self.keys(data, where, ("id", "source", "answers", "expect"), ("previous",), vid)
        checked = self.identifier(vid, where, ID) if "id" in data else None
        if checked is not None:
            self.unique(seen, checked, where, "test vector id")
        source = self.string(data, "source", where, vid)
        answers = self.mapping(data.get("answers", {}), where, "answers") or {}
        given = read_answers(plan.items, plan.options, answers, f"{where}.answers", self.source)
        self.problems.extend(given[2])
        previous = None
        if "previous" in data:
            previous = self.read_previous(data["previous"], where, str(vid), scores)
        expect = self.read_expect(data.get("expect", {}), where, str(vid), scores, rule_ids)
        if len(self.problems) > problems:
            return None
        assert isinstance(vid, str)
        assert isinstance(source, str)
        return Vector(vid, source, given[1], expect, previous)

    def read_previous(
        self, raw: object, where: str, vid: str, scores: Mapping[str, Score]
    ) -> PreviousValues:
        at = f"{where}.previous"
        data = self.mapping(raw, at) or {}
        self.keys(data, at, (), ("scores", "items"), vid)
        values: dict[str, dict[str, Number]] = {"scores": {}, "items": {}}
        for key, known in (("scores", scores), ("items", self.items)):
            for name, value in (self.mapping(data.get(key, {}), at, key) or {}).items():
                if name not in known:
                    self.problem(at, f"{key}: {describe(name)} is not one of the {key}", vid)
                elif not _number(value):
                    self.problem(
                        at, f"{key}: {name}: expected a number, got {describe(value)}", vid
                    )
                else:
                    values[key][name] = value
        return PreviousValues(values["scores"], values["items"])

    def read_expect(
        self,
        raw: object,
        where: str,
        vid: str,
        scores: Mapping[str, Score],
        rule_ids: set[str],
    ) -> Expectation:
        at = f"{where}.expect"
        data = self.mapping(raw, at) or {}
        self.keys(data, at, (), ("overall", "scores", "flags", "not_assessable"), vid)
        overall = data.get("overall")
        if "overall" in data and overall not in (*COLOURS, NOT_ASSESSABLE):
            self.problem(
                at,
                f"overall: must be red, yellow, green or not_assessable, got {describe(overall)}",
                vid,
            )
        expected: dict[str, ScoreExpectation] = {}
        for sid, raw_score in (self.mapping(data.get("scores", {}), at, "scores") or {}).items():
            wanted = self.read_expected_score(raw_score, f"{at}.scores[{sid!r}]", vid, sid, scores)
            if wanted is not None:
                expected[sid] = wanted
        sets: dict[str, frozenset[str] | None] = {}
        for key in ("flags", "not_assessable"):
            sets[key] = None
            if key in data:
                ids = self.sequence(data[key], at, key)
                for rid in ids:
                    if rid not in rule_ids:
                        self.problem(at, f"{key}: {describe(rid)} is not a rule id", vid)
                sets[key] = frozenset(str(rid) for rid in ids)
        return Expectation(
            overall if isinstance(overall, str) else None,
            expected,
            sets["flags"],
            sets["not_assessable"],
        )

    def read_expected_score(
        self, raw: object, at: str, vid: str, sid: object, scores: Mapping[str, Score]
    ) -> ScoreExpectation | None:
        score = scores.get(sid) if isinstance(sid, str) else None
        if score is None:
            self.problem(at, f"{describe(sid)} is not a score id", vid)
            return None
        data = self.mapping(raw, at)
        if data is None:
            return None
        self.keys(data, at, ("value",), ("band",), vid)
        value, band = data.get("value"), data.get("band")
        if value is not None and not _number(value):
            self.problem(at, f"value: expected a number or null, got {describe(value)}", vid)
        codes = [b.code for b in score.bands]
        if band is not None and band not in codes:
            self.problem(
                at, f"band: {describe(band)} is not a band of {sid} ({', '.join(codes)})", vid
            )
        return ScoreExpectation(value, band, "band" in data)

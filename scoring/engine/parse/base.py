"""Shared state and generic checks of the definition parser (problems are
collected, never raised one by one)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any

from scoring.engine.answers import describe
from scoring.engine.errors import Problem
from scoring.engine.model import NO_TEXT, FhirContext, Item, Number, Option, Text
from scoring.engine.rules.compiler import Compiled, Symbol, compile_expression
from scoring.engine.rules.lexer import RuleSyntaxError
from scoring.engine.rules.parser import RESERVED

ID = re.compile(r"[a-z][a-z0-9_]*")
ITEM_ID = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*")


def located(base: str, ident: object, included: object = None) -> str:
    """``sections[1].items[4] (phq9.9)``, plus ``from include phq9`` when included."""
    where = f"{base} ({ident})" if isinstance(ident, str) and ident else base
    return f"{where} from include {included}" if isinstance(included, str) else where


def included_from(data: Mapping[str, Any]) -> str | None:
    """The instrument block a part came from (set by questionnaires/library.py)."""
    included = data.get("included_from")
    return included if isinstance(included, str) else None


def is_number(value: object) -> bool:
    """A YAML/JSON number; true/false are not numbers here."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def topological(
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


class Reader:
    """State shared by the readers, and the small checks every part uses."""

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
        #: Score id → where it is declared, and the names it reads (its gate too).
        self.score_where: dict[str, str] = {}
        self.score_reads: dict[str, list[str]] = {}
        #: (item id, raw enable_when, where), checked once every item is known.
        self.pending: list[tuple[str, object, str]] = []
        #: The top-level ``fhir`` block, read before the scores that use it.
        self.fhir: FhirContext | None = None
        #: linkId aliases (``link_id`` of items and scores) → (id, where declared).
        self.links: dict[str, tuple[str, str]] = {}

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
        if key in data and not is_number(value):
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

    def link_id(self, data: Mapping[str, Any], where: str, ident: str) -> str | None:
        """An item's or score's ``link_id``: the FHIR linkId it was imported
        from, unique among linkIds (checked against the ids by ``check_links``)."""
        if "link_id" not in data:
            return None
        value = data["link_id"]
        if not isinstance(value, str) or not value.strip() or value != value.strip():
            self.problem(
                where,
                f"link_id: expected a FHIR linkId (text without leading or trailing spaces),"
                f" got {describe(value)}",
                ident,
            )
            return None
        if value in self.links:
            other, at = self.links[value]
            self.problem(where, f"link_id: {value!r} is also the link_id of {other} ({at})", ident)
            return None
        self.links[value] = (ident, where)
        return value

    def check_links(self) -> None:
        """A linkId alias may not be another item's or score's id: answers
        keyed by it would be ambiguous."""
        for link, (ident, where) in self.links.items():
            if link in self.ids and link != ident:
                self.problem(where, f"link_id: {link!r} is the id of another item or score", ident)

    def claim(self, ident: object, where: str, pattern: re.Pattern[str]) -> str | None:
        """Check an item or score id and reserve it in their shared namespace."""
        checked = self.identifier(ident, where, pattern)
        if checked is None or not self.unique(self.ids, checked, where):
            return None
        return checked

    def read_variables(
        self, data: Mapping[str, Any], where: str, ident: str
    ) -> tuple[tuple[str, str], ...]:
        """SDC variables in scope: ``[{name, expression}]``, in order."""
        variables: list[tuple[str, str]] = []
        for index, entry in enumerate(self.sequence(data.get("variables", []), where, "variables")):
            at = f"{where}.variables[{index}]"
            variable = self.mapping(entry, at)
            if variable is None:
                continue
            self.keys(variable, at, ("name", "expression"), (), ident)
            name, text = variable.get("name"), variable.get("expression")
            if isinstance(name, str) and isinstance(text, str):
                variables.append((name, text))
            elif "name" in variable and "expression" in variable:
                self.problem(at, "name and expression: expected text", ident)
        return tuple(variables)

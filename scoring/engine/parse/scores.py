"""Scores: terms, recodings, bands and their order (docs/definitions.md § Scores)."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from scoring.engine.answers import describe, enable_test
from scoring.engine.fhirpath_score import FhirpathError, FhirpathScore, compile_score
from scoring.engine.item_types import CODE_TYPES
from scoring.engine.model import Band, Number, Score
from scoring.engine.parse.base import (
    ID,
    ITEM_ID,
    included_from,
    is_number,
    located,
    topological,
)
from scoring.engine.parse.items import ItemsReader
from scoring.engine.rules.compiler import NUMBER, Compiled, referenced_names
from scoring.engine.scorers import Member, Scorer, to_decimal

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
    "variables",
    "enable_when",
    "included_from",
    "link_id",
)
_TERM_ONLY = ("items", "reverse", "weights", "lookup", "missing")
_METHODS = ("sum", "mean", "count", "formula", "fhirpath")
#: What a count cannot have: it counts the answered items, whatever their values.
_NOT_COUNTED = ("reverse", "weights", "lookup", "missing")


class ScoresReader(ItemsReader):
    """Scores, compiled into scorers in dependency order."""

    def claim_scores(self, raw: object) -> list[tuple[str, Mapping[str, Any], str]]:
        claimed: list[tuple[str, Mapping[str, Any], str]] = []
        for index, entry in enumerate(self.sequence(raw, "top level", "scores")):
            data = self.mapping(entry, f"scores[{index}]")
            if data is None:
                continue
            where = located(f"scores[{index}]", data.get("id"), data.get("included_from"))
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
            self.score_where[sid] = where
            read = self.read_score(sid, data, where)
            if read is not None:
                score, scorer, names = read
                built[sid] = (score, scorer)
                deps[sid] = [name for name in names if name in self.score_ids]
                gate = score.enable_when
                gated = [] if gate is None else [c.item for c in gate.conditions]
                self.score_reads[sid] = [*names, *gated]
                self.check_gated_terms(score, where)
        order, cycles = topological(built, deps)
        wheres = self.score_where
        for cycle in cycles:
            self.problem(wheres[cycle[0]], f"score cycle: {' → '.join(cycle)}", cycle[0])
        scores = tuple(built[sid][0] for sid, _, _ in claimed if sid in built)
        return scores, tuple(built[sid][1] for sid in order if sid in built)

    def read_score(
        self, sid: str, data: Mapping[str, Any], where: str
    ) -> tuple[Score, Scorer, list[str]] | None:
        problems = len(self.problems)
        method = data.get("method")
        if method not in _METHODS:
            self.problem(
                where,
                f"method: must be sum, mean, count, formula or fhirpath, got {describe(method)}",
                sid,
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
        fhirpath: FhirpathScore | None = None
        terms: tuple[tuple[tuple[Member, ...], Number], ...] = ()
        term_ids: tuple[tuple[str, ...], ...] = ()
        extras: dict[str, Any] = {}
        names: list[str] = []
        if method != "fhirpath" and "variables" in data:
            self.problem(where, "variables: apply only to method: fhirpath", sid)
        if method == "fhirpath":
            for key in _TERM_ONLY:
                if key in data:
                    self.problem(where, f"{key}: does not apply to a fhirpath score", sid)
            fhirpath, extras = self.read_fhirpath(data, where, sid)
        elif method == "formula":
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
        elif method in ("sum", "mean", "count"):
            if "expression" in data:
                self.problem(where, "expression: applies only to method: formula", sid)
            for key in _NOT_COUNTED if method == "count" else ():
                if key in data:
                    self.problem(
                        where,
                        f"{key}: does not apply to a count score (it counts the answered items)",
                        sid,
                    )
            read = self.read_terms(sid, data, where)
            if read is not None:
                term_ids, terms, extras = read
                names = [name for term in term_ids for name in term]
        gate = None
        if "enable_when" in data:
            gate = self.read_enable_when(data["enable_when"], where, sid)
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
            included_from=included_from(data),
            enable_when=gate,
            link_id=self.link_id(data, where, sid),
            **extras,
        )
        test = None if gate is None else enable_test(gate, self.items)
        if fhirpath is not None:
            names = list(fhirpath.reads)
        return score, Scorer(score, terms, formula, tuple(names), fhirpath, test), names

    def check_gated_terms(self, score: Score, where: str) -> None:
        """A sum or mean over items asked only when a score allows (GAD-7
        items 3–7 behind GAD-2) must share a gate: without one it would be
        the sum of the items asked, under the full score's name and bands."""
        if score.enable_when is not None:
            return
        gated = [
            member
            for term in score.terms
            for member in term
            if member in self.items and self.score_gated(member)
        ]
        if gated:
            self.problem(
                where,
                f"items: {', '.join(gated)} are asked only when a score allows (enable_when"
                " on a score): give this score an enable_when too, so that it is not asked"
                " rather than a sum of fewer items",
                score.id,
            )

    def read_fhirpath(
        self, data: Mapping[str, Any], where: str, sid: str
    ) -> tuple[FhirpathScore | None, dict[str, Any]]:
        """A score imported from FHIR: an SDC FHIRPath expression and its
        variables, compiled once by fhirpathpy (docs/definitions.md § FHIR)."""
        expression = data.get("expression")
        variables = self.read_variables(data, where, sid)
        if not isinstance(expression, str):
            self.problem(where, "expression: a fhirpath score needs a FHIRPath expression", sid)
            return None, {}
        if self.fhir is None:
            self.problem(where, "method: fhirpath needs the top-level fhir block", sid)
            return None, {}
        try:
            path = self.fhir.paths.get(sid, ())
            compiled = compile_score(expression, tuple(variables), self.fhir, path)
        except FhirpathError as error:
            self.problem(where, f"expression: {error}", sid)
            return None, {}
        return compiled, {"variables": tuple(variables)}

    def read_range(
        self, data: Mapping[str, Any], where: str, sid: str
    ) -> tuple[Number, Number] | None:
        if "range" not in data:
            return None
        value = data["range"]
        if not isinstance(value, list) or len(value) != 2 or not all(map(is_number, value)):
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
            at = located(f"{where}.bands[{index}]", band.get("code"))
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
        weights = self.member_map(data, "weights", where, sid, singles, is_number, "a number")
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
        prorate, as_zero = self.read_missing(sid, data, where)
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
            "counts_as_zero": as_zero,
        }
        return tuple(groups), terms, extras

    def read_missing(self, sid: str, data: Mapping[str, Any], where: str) -> tuple[int, bool]:
        """``missing``: ``prorate_up_to`` missing terms prorated, or (a sum
        only) ``counts_as_zero``: a missing term adds 0, as FHIRPath's sum()."""
        if "missing" not in data:
            return 0, False
        missing = self.mapping(data["missing"], where, "missing")
        if missing is None:
            return 0, False
        at = f"{where}.missing"
        self.keys(missing, at, (), ("prorate_up_to", "counts_as_zero"), sid)
        prorate = self.integer(missing, "prorate_up_to", at, 0, sid) or 0
        as_zero = self.boolean(missing, "counts_as_zero", at, False, sid)
        if "prorate_up_to" not in missing and "counts_as_zero" not in missing:
            self.problem(at, "give prorate_up_to or counts_as_zero", sid)
        elif "prorate_up_to" in missing and "counts_as_zero" in missing:
            self.problem(
                at,
                "prorate_up_to and counts_as_zero exclude each other"
                " (a missing item is either prorated or counts 0)",
                sid,
            )
        elif as_zero and data.get("method") != "sum":
            self.problem(
                at,
                "counts_as_zero: applies only to method: sum"
                " (a mean is already over the answered items)",
                sid,
            )
        return prorate, as_zero

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
            elif not is_number(value):
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

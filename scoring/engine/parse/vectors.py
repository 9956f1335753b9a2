"""Test vectors: answers checked like real ones, expectations checked against
the scores and rules (docs/definitions.md § Test vectors)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scoring.engine.answers import aliased, describe, read_answers
from scoring.engine.model import (
    COLOURS,
    Expectation,
    Number,
    PreviousValues,
    Score,
    ScoreExpectation,
    Vector,
)
from scoring.engine.parse.base import ID, Reader, is_number, located
from scoring.engine.plan import CompiledRule, Plan
from scoring.engine.semantics import NOT_ASSESSABLE


class VectorsReader(Reader):
    """Test vectors, read once the plan exists."""

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
            where = located(f"test_vectors[{index}]", data.get("id"))
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
        answers, twice = aliased(plan.aliases, answers, f"{where}.answers", self.source)
        given = read_answers(plan.items, plan.options, answers, f"{where}.answers", self.source)
        self.problems.extend([*twice, *given[2]])
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
                elif not is_number(value):
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
        if value is not None and not is_number(value):
            self.problem(at, f"value: expected a number or null, got {describe(value)}", vid)
        codes = [b.code for b in score.bands]
        if band is not None and band not in codes:
            self.problem(
                at, f"band: {describe(band)} is not a band of {sid} ({', '.join(codes)})", vid
            )
        return ScoreExpectation(value, band, "band" in data)

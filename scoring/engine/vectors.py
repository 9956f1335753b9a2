"""Test vectors: each definition proves its own algorithm.

A vector's expected numbers are worked out by hand from the cited source;
``run_test_vectors`` reports every expectation that does not hold, and the
loader refuses to publish a definition with any.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from scoring.engine.evaluate import load_answers, run
from scoring.engine.model import Definition, Number, Vector
from scoring.engine.results import Result


@dataclass(frozen=True, slots=True)
class VectorFailure:
    """One expectation of one vector that did not hold."""

    vector_id: str
    source: str
    file: str
    location: str
    what: str
    expected: str
    got: str

    def __str__(self) -> str:
        return (
            f"{self.file}: {self.location}: {self.what}: expected {self.expected},"
            f" got {self.got} (vector source: {self.source})"
        )


def evaluate_vector(definition: Definition, vector: Vector) -> Result:
    """Evaluate a vector's answers with its ``previous`` values."""
    previous = vector.previous
    env, given, done = load_answers(
        definition,
        vector.answers,
        previous=None if previous is None else {**previous.scores, **previous.items},
    )
    return run(definition, env, given, done)


def _number(value: Number | None) -> str:
    return "not scored" if value is None else str(value)


def _same(expected: Number | None, got: Number | None) -> bool:
    if expected is None or got is None:
        return expected is got
    return math.isclose(expected, got, rel_tol=0, abs_tol=1e-9)


def _ids(ids: Iterable[str]) -> str:
    return "[" + ", ".join(sorted(ids)) + "]"


def run_test_vectors(definition: Definition) -> list[VectorFailure]:
    """Every failed expectation of every test vector, in file order."""
    failures: list[VectorFailure] = []
    for index, vector in enumerate(definition.test_vectors):
        failures.extend(_check(definition, index, vector))
    return failures


def _check(definition: Definition, index: int, vector: Vector) -> list[VectorFailure]:
    result = evaluate_vector(definition, vector)
    location = f"test_vectors[{index}] ({vector.id})"
    failures: list[VectorFailure] = []

    def fail(what: str, expected: str, got: str) -> None:
        failures.append(
            VectorFailure(
                vector.id, vector.source, definition.source, location, what, expected, got
            )
        )

    expect = vector.expect
    if expect.overall is not None and expect.overall != result.overall:
        fail("overall", expect.overall, result.overall)
    for score_id, wanted in expect.scores.items():
        score = result.score(score_id)
        if not _same(wanted.value, score.value):
            fail(f"score {score_id}", _number(wanted.value), _number(score.value))
        if wanted.check_band and wanted.band != score.band:
            fail(f"band of {score_id}", str(wanted.band), str(score.band))
    if expect.flags is not None:
        fired = {flag.rule_id for flag in result.flags}
        if fired != expect.flags:
            fail("flags", _ids(expect.flags), _ids(fired))
    if expect.not_assessable is not None:
        unknown = {n.rule_id for n in result.not_assessable}
        if unknown != expect.not_assessable:
            fail("not assessable", _ids(expect.not_assessable), _ids(unknown))
    return failures

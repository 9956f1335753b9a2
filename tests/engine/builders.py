"""Small definition mappings for engine tests, built in Python.

``definition()`` gives a complete, valid mapping (two languages, every text
present) that a test changes in one place; ``numbers()`` a numbers-only
mapping (``languages: []``) for scorer and rule tests.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from scoring.engine import Definition, Result, evaluate, parse_definition


def text(value: str) -> dict[str, str]:
    return {"da": f"{value} (da)", "en": value}


def options(values: Iterable[int] = range(4), labelled: bool = True) -> list[dict[str, Any]]:
    return [
        {"code": str(v), "value": v, **({"label": text(f"option {v}")} if labelled else {})}
        for v in values
    ]


def choice(item_id: str, values: Iterable[int] = range(4), **extra: Any) -> dict[str, Any]:
    return {"id": item_id, "type": "single_choice", "options": options(values, False), **extra}


def integer(item_id: str, low: int = 0, high: int = 10, **extra: Any) -> dict[str, Any]:
    return {"id": item_id, "type": "integer", "min": low, "max": high, **extra}


def definition(**changes: Any) -> dict[str, Any]:
    """A valid two-language definition: PHQ-style items q.1–q.3 (0–3), a sum
    score, a red safety rule on q.3 and a yellow rule on the total."""
    base: dict[str, Any] = {
        "format": 1,
        "id": "demo",
        "version": "1.0.0",
        "languages": ["da", "en"],
        "title": text("Demo"),
        "description": text("A demo questionnaire"),
        "intended_use": "dialogue",
        "patient_group": {
            "description": text("Adults"),
            "inclusion": [text("Age 18 or over")],
            "exclusion": [text("Dementia")],
        },
        "recall_period": text("the last 2 weeks"),
        "provenance": {"kind": "own", "note": text("PRO Portal's own algorithm")},
        "instruments": [{"id": "portal", "name": "PRO Portal", "licence": "own", "source": "team"}],
        "sections": [
            {
                "id": "mood",
                "kind": "generic",
                "title": text("Mood"),
                "items": [
                    {
                        "id": f"q.{n}",
                        "type": "single_choice",
                        "text": text(f"Question {n}"),
                        "options": options(),
                    }
                    for n in (1, 2, 3)
                ],
            }
        ],
        "scores": [
            {
                "id": "total",
                "label": text("Total"),
                "method": "sum",
                "items": ["q.1", "q.2", "q.3"],
                "missing": {"prorate_up_to": 1},
                "range": [0, 9],
                "monotone": True,
                "bands": [
                    {"code": "low", "min": 0, "max": 4, "label": text("Low")},
                    {"code": "high", "min": 5, "max": 9, "label": text("High")},
                ],
                "source": "test fixture",
            }
        ],
        "rules": [
            {
                "id": "q3_safety",
                "when": "q.3 > 0",
                "colour": "red",
                "safety": True,
                "clinician_text": text("Safety answer"),
                "patient_text": text("Please call us"),
                "source": "team rule (test)",
            },
            {
                "id": "total_high",
                "when": "total >= 5",
                "colour": "yellow",
                "clinician_text": text("High total"),
                "patient_text": text("Talk about it"),
                "source": "test fixture",
            },
        ],
        "patient_support": {"default": text("Thank you")},
        "test_vectors": [
            {
                "id": "all_zero_is_green",
                "source": "by hand: 0 + 0 + 0 = 0",
                "answers": {"q.1": "0", "q.2": "0", "q.3": "0"},
                "expect": {
                    "overall": "green",
                    "scores": {"total": {"value": 0, "band": "low"}},
                    "flags": [],
                },
            }
        ],
    }
    base.update(changes)
    return base


def numbers(
    items: list[dict[str, Any]],
    scores: list[dict[str, Any]] | None = None,
    rules: list[dict[str, Any]] | None = None,
    **changes: Any,
) -> dict[str, Any]:
    """A numbers-only definition (``languages: []``) around the given parts.

    Scores get ``source`` and rules ``colour``/``source`` unless given.
    """
    return {
        "format": 1,
        "id": "fixture",
        "version": "1.0.0",
        "languages": [],
        "intended_use": "dialogue",
        "provenance": {"kind": "own"},
        "instruments": [{"id": "portal", "name": "test", "licence": "own", "source": "team"}],
        "sections": [{"id": "main", "kind": "generic", "items": items}],
        "scores": [{"source": "test", **score} for score in scores or []],
        "rules": [{"colour": "red", "source": "test", **rule} for rule in rules or []],
        "test_vectors": [],
        **changes,
    }


def parse(mapping: Mapping[str, Any]) -> Definition:
    return parse_definition(copy.deepcopy(dict(mapping)), source="test.yaml")


def run(
    mapping: Mapping[str, Any], answers: Mapping[str, Any], previous: Result | None = None
) -> Result:
    return evaluate(parse(mapping), answers, previous)

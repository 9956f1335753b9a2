"""Shared helpers of the FHIR tests: the example files and the library."""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from questionnaires.fhir.importer import ImportResult, questionnaire_from_fhir
from questionnaires.library import library_paths, read_definition
from scoring.engine import Definition, parse_definition

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "fhir"
EXAMPLES = sorted(path.name for path in FIXTURES.glob("*.json"))


@functools.cache
def _example(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def example(name: str) -> dict[str, Any]:
    """A fresh copy of a fixture file's JSON."""
    return json.loads(_example(name))


@functools.cache
def _imported(name: str) -> ImportResult:
    return questionnaire_from_fhir(example(name), source=name, fallback_id=Path(name).stem)


def imported(name: str) -> ImportResult:
    """The import of a fixture file (computed once per test session)."""
    return _imported(name)


@functools.cache
def library() -> tuple[Definition, ...]:
    """Every questionnaire of the built-in library, parsed."""
    return tuple(
        parse_definition(read_definition(path), source=path.parent.name) for path in library_paths()
    )


def library_ids() -> list[str]:
    return [path.parent.name for path in library_paths()]


def questionnaire(items: list[dict[str, Any]], **root: Any) -> dict[str, Any]:
    """A minimal FHIR Questionnaire around ``items``."""
    return {"resourceType": "Questionnaire", "status": "draft", "item": items, **root}


def import_items(items: list[dict[str, Any]], **root: Any) -> ImportResult:
    return questionnaire_from_fhir(copy.deepcopy(questionnaire(items, **root)), source="test.json")


def walk(items: object) -> Iterator[Mapping[str, Any]]:
    """Every item of a FHIR item tree, depth first."""
    for item in items if isinstance(items, list) else []:
        yield item
        yield from walk(item.get("item"))


def coding(code: str, display: str | None = None, system: str = "urn:test") -> dict[str, Any]:
    return {"system": system, "code": code, **({"display": display} if display else {})}


def choice(link_id: str, codes: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "linkId": link_id,
        "type": "choice",
        "text": link_id,
        "answerOption": [{"valueCoding": coding(code, code.upper())} for code in codes],
        **extra,
    }

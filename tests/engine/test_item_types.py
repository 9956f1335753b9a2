"""The item-type registry (scoring/engine/item_types.py): what each type is,
and an answer written plainly — the engine's record in a flag's trail and
the display of a FHIR coding. Pages write answers in the reader's locale
(tests/scoring/test_answer_texts.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scoring.engine import Item, Option
from scoring.engine.item_types import ITEM_TYPES, PLAIN, answer_text

ROOT = Path(__file__).resolve().parents[2]


def item(kind: str, **extra: object) -> Item:
    return Item(id="x", type=kind, section="s", text={"da": "Spørgsmål", "en": "Question"}, **extra)


OPTIONS = (
    Option("a", 1, {"da": "Æble", "en": "Apple"}),
    Option("b", 2, {"da": "Pære", "en": "Pear"}),
)


def test_the_definition_format_documents_every_registered_type_in_order() -> None:
    docs = (ROOT / "docs" / "definitions.md").read_text(encoding="utf-8")
    items = docs.split("## Items")[1].split("\n## ")[0]
    documented = re.findall(r"^\| `([a-z_]+)` \|", items, flags=re.MULTILINE)
    assert documented == list(ITEM_TYPES)


PLAIN_TEXTS = [
    (item("single_choice", options=OPTIONS), "b", "da", "Pære"),
    (item("multiple_choice", options=OPTIONS), ("b", "a"), "en", "Apple, Pear"),  # shown order
    (item("yes_no"), "no", "da", "Nej"),  # a yes/no item always has its two options
    (item("integer", unit={"da": "skridt", "en": "steps"}), 12500, "en", "12500 steps"),
    (item("decimal", unit={"da": "kg"}), 72.5, "da", "72,5 kg"),
    (item("decimal", unit={"da": "kg"}), 72.5, "en", "72.5 kg"),  # the unit that exists
    (item("nrs"), 7, "da", "7"),
    (item("date"), "2024-05-31", "da", "2024-05-31"),
    (item("short_text"), "Knæet", "en", "Knæet"),
    (item("single_choice", options=OPTIONS), None, "da", ""),
]


@pytest.mark.parametrize(("it", "answer", "language", "expected"), PLAIN_TEXTS)
def test_an_answer_written_plainly(it: Item, answer: object, language: str, expected: str) -> None:
    assert answer_text(it, answer, language, formats=PLAIN) == expected

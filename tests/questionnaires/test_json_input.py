"""Reading JSON from outside within limits: the nesting is measured without
recursion and before parsing, so no depth is a RecursionError."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from questionnaires.json_input import JsonInputError, loads, nesting_depth, read_answers


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("1", 0),
        ('"[[[["', 0),  # brackets inside a string are text
        ('["a\\"[[", {"b": []}]', 3),  # so are those after an escaped quote
        ('"\\\\" , [1]', 1),  # an escaped backslash ends before the quote
        ("[" * 3000 + "]" * 3000, 3000),
        ('{"a": [{"b": [[]]}]}', 5),
    ],
)
def test_nesting_is_measured_outside_strings(text: str, depth: int) -> None:
    assert nesting_depth(text) == depth


def test_within_the_depth_json_reads_as_usual_and_beyond_it_is_refused() -> None:
    assert loads("[[1]]", max_depth=2) == [[1]]
    with pytest.raises(JsonInputError, match="nested 3 levels deep; at most 2"):
        loads("[[[1]]]", max_depth=2)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json_numbers(constant: str) -> None:
    with pytest.raises(ValueError, match="not a JSON number"):
        loads(f"[{constant}]")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe", "cannot read the answers"),
        (b"[1]", "must be a JSON object"),
        (json.dumps({f"x{n}": 0 for n in range(4)}).encode(), "4 answers; at most 3"),
    ],
)
def test_answers_files_say_what_is_wrong(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "answers.json"
    path.write_bytes(content)
    with pytest.raises(JsonInputError, match=message):
        read_answers(path, max_bytes=1000, max_depth=5, max_items=3)

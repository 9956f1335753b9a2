"""questionnaires/library.py: reading YAML, resolving instrument blocks, the
library's files and the checker CLI."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from questionnaires import library
from questionnaires.library import (
    INSTRUMENTS_DIR,
    LIBRARY_DIR,
    check_file,
    library_paths,
    load_definition,
    main,
    read_definition,
)
from scoring.engine import DefinitionError
from tests.engine.builders import definition, text

ROOT = Path(__file__).resolve().parents[2]

BLOCK: dict[str, Any] = {
    "instrument": {"id": "mini", "name": "Mini", "licence": "free", "source": "test"},
    "sections": [
        {
            "id": "mini",
            "kind": "domain",
            "title": text("Mini"),
            "items": [{"id": "mini.1", "type": "yes_no", "text": text("Tired?")}],
        }
    ],
    "scores": [
        {
            "id": "mini",
            "label": text("Mini"),
            "method": "sum",
            "items": ["mini.1"],
            "source": "test",
        }
    ],
    "rules": [
        {
            "id": "mini_tired",
            "when": "mini.1 = 'yes'",
            "colour": "yellow",
            "clinician_text": text("Tired"),
            "source": "test",
        }
    ],
}


def write(path: Path, content: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text_ = content if isinstance(content, str) else yaml.safe_dump(content, allow_unicode=True)
    path.write_text(text_, encoding="utf-8")
    return path


def including(tmp_path: Path, block: Any = BLOCK, **changes: Any) -> Path:
    write(tmp_path / "_instruments" / "mini.yaml", block)
    mapping = definition(**changes)
    mapping["sections"].append({"include": "mini"})
    return write(tmp_path / "demo" / "1.0.0.yaml", mapping)


def problems(path: Path) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        read_definition(path, instruments_dir=path.parents[1] / "_instruments")
    return [f"{p.location}: {p.reason}" for p in caught.value.problems]


def test_an_include_is_replaced_by_the_blocks_sections_in_place(tmp_path: Path) -> None:
    path = including(tmp_path)
    data = read_definition(path, instruments_dir=tmp_path / "_instruments")
    assert [s["id"] for s in data["sections"]] == ["mood", "mini"]
    assert data["sections"][1]["included_from"] == "mini"
    assert [s["id"] for s in data["scores"]] == ["mini", "total"]  # the block's first
    assert [r["id"] for r in data["rules"]] == ["mini_tired", "q3_safety", "total_high"]
    assert data["rules"][0]["included_from"] == "mini"
    assert [i["id"] for i in data["instruments"]] == ["portal", "mini"]


def test_an_included_definition_loads_and_runs(tmp_path: Path) -> None:
    loaded = load_definition(including(tmp_path), instruments_dir=tmp_path / "_instruments")
    assert loaded.item("mini.1").type == "yes_no"
    assert loaded.sections[1].included_from == "mini"
    assert loaded.rules[0].included_from == "mini"


def test_an_instrument_the_file_already_lists_identically_is_not_added_twice(
    tmp_path: Path,
) -> None:
    instruments = [definition()["instruments"][0], BLOCK["instrument"]]
    path = including(tmp_path, instruments=instruments)
    data = read_definition(path, instruments_dir=tmp_path / "_instruments")
    assert [i["id"] for i in data["instruments"]] == ["portal", "mini"]


def test_an_instrument_listed_differently_from_its_block_is_a_problem(tmp_path: Path) -> None:
    instruments = [definition()["instruments"][0], {**BLOCK["instrument"], "name": "Other"}]
    assert problems(including(tmp_path, instruments=instruments)) == [
        "instruments: instrument mini differs from the one in _instruments/mini.yaml:"
        " remove it from this file"
    ]


INCLUDE_PROBLEMS = [
    ([{"include": "mini"}, {"include": "mini"}], "sections[2]: include: mini is included twice"),
    ([{"include": "Mini"}], "sections[1]: include: bad instrument name 'Mini'"),
    (
        [{"include": "mini", "id": "x"}],
        "sections[1]: an include section has no other keys than enable_when and items"
        " (both or neither) and reuse_within_days",
    ),
    ([{"include": "nothing"}], "file: cannot read: No such file or directory"),
]


@pytest.mark.parametrize(("extra", "line"), INCLUDE_PROBLEMS)
def test_a_bad_include_names_the_file_and_section(
    tmp_path: Path, extra: list[Any], line: str
) -> None:
    path = including(tmp_path)
    mapping = yaml.safe_load(path.read_text())
    mapping["sections"][1:] = extra
    write(path, mapping)
    assert line in problems(path)


def test_an_include_may_reuse_answers_and_the_engine_never_sees_the_key(tmp_path: Path) -> None:
    path = including(tmp_path)
    mapping = yaml.safe_load(path.read_text())
    mapping["sections"][1] = {"include": "mini", "reuse_within_days": 14}
    write(path, mapping)
    content, reuse = library.read_published(path, instruments_dir=tmp_path / "_instruments")
    assert reuse == {"mini": 14}
    assert all("reuse_within_days" not in section for section in content["sections"])
    assert load_definition(path, instruments_dir=tmp_path / "_instruments").item("mini.1")
    assert (
        library.read_published(including(tmp_path), instruments_dir=tmp_path / "_instruments")[1]
        == {}
    )


REUSE_PROBLEMS = [
    (0, "sections[1]: reuse_within_days: expected a whole number of days from 1 to 28, got 0"),
    (29, "sections[1]: reuse_within_days: expected a whole number of days from 1 to 28, got 29"),
    (
        "14",
        "sections[1]: reuse_within_days: expected a whole number of days from 1 to 28, got '14'",
    ),
    (
        True,
        "sections[1]: reuse_within_days: expected a whole number of days from 1 to 28, got True",
    ),
]


@pytest.mark.parametrize(("days", "line"), REUSE_PROBLEMS)
def test_reuse_is_a_whole_number_of_days_from_1_to_28(
    tmp_path: Path, days: object, line: str
) -> None:
    path = including(tmp_path)
    mapping = yaml.safe_load(path.read_text())
    mapping["sections"][1] = {"include": "mini", "reuse_within_days": days}
    write(path, mapping)
    assert problems(path) == [line]


def test_reuse_on_a_section_of_the_files_own_is_a_problem(tmp_path: Path) -> None:
    path = including(tmp_path)
    mapping = yaml.safe_load(path.read_text())
    mapping["sections"][0]["reuse_within_days"] = 14
    write(path, mapping)
    assert problems(path) == [
        "sections[0]: reuse_within_days: only an include section (an instrument block)"
        " can reuse answers"
    ]


def test_the_boundaries_1_and_28_days_are_allowed(tmp_path: Path) -> None:
    for days in (1, 28):
        path = including(tmp_path)
        mapping = yaml.safe_load(path.read_text())
        mapping["sections"][1] = {"include": "mini", "reuse_within_days": days}
        write(path, mapping)
        _, reuse = library.read_published(path, instruments_dir=tmp_path / "_instruments")
        assert reuse == {"mini": days}


BLOCK_PROBLEMS = [
    ({k: v for k, v in BLOCK.items() if k != "instrument"}, "top level: missing key 'instrument'"),
    (
        {**BLOCK, "test_vectors": []},
        "top level: unknown key 'test_vectors' (keys: instrument, sections, scores, rules)",
    ),
    (
        {**BLOCK, "instrument": {"id": "other"}},
        "instrument: expected a mapping with id: mini (the file's name)",
    ),
    ({**BLOCK, "rules": {}}, "rules: expected a list"),
    (
        {**BLOCK, "sections": [{"include": "phq9"}]},
        "sections[0]: an instrument block cannot include another",
    ),
]


@pytest.mark.parametrize(("block", "line"), BLOCK_PROBLEMS)
def test_a_bad_instrument_block_is_reported_in_the_blocks_file(
    tmp_path: Path, block: dict[str, Any], line: str
) -> None:
    path = including(tmp_path, block=block)
    with pytest.raises(DefinitionError) as caught:
        read_definition(path, instruments_dir=tmp_path / "_instruments")
    (problem,) = caught.value.problems
    assert problem.source.endswith("_instruments/mini.yaml")
    assert f"{problem.location}: {problem.reason}" == line


def test_a_definition_without_includes_is_returned_as_read(tmp_path: Path) -> None:
    path = write(tmp_path / "demo" / "1.0.0.yaml", definition())
    assert read_definition(path) == definition()


def test_sections_that_are_not_a_list_are_left_for_the_engine_to_report(tmp_path: Path) -> None:
    path = write(tmp_path / "x.yaml", {"sections": "none"})
    assert read_definition(path) == {"sections": "none"}


# --- YAML -------------------------------------------------------------------------

YAML_READING = [
    ("a: yes\nb: no\nc: on\n", {"a": "yes", "b": "no", "c": "on"}),  # answers, not booleans
    ("a: true\nb: False\n", {"a": True, "b": False}),
    ("d: 2024-05-31\n", {"d": "2024-05-31"}),  # dates stay ISO text
    ("n: 2\nf: 2.5\ns: '2'\n", {"n": 2, "f": 2.5, "s": "2"}),
    (
        "base: &b {x: 1, y: 2}\nnext: {<<: *b, y: 3}\n",
        {"base": {"x": 1, "y": 2}, "next": {"x": 1, "y": 3}},
    ),
]


@pytest.mark.parametrize(("source", "data"), YAML_READING)
def test_yaml_is_read_the_yaml_1_2_way(tmp_path: Path, source: str, data: dict[str, Any]) -> None:
    assert read_definition(write(tmp_path / "x.yaml", source)) == data


YAML_PROBLEMS = [
    ("a: 1\na: 2\n", "line 2, column 1: YAML: key 'a' is given twice"),
    ("a: [1, 2\n", "line 2, column 1: YAML: expected ',' or ']', but got '<stream end>'"),
    ("- 1\n- 2\n", "top level: expected a mapping (key: value)"),
    ("\tx: 1\n", "line 1, column 1: YAML: found character '\\t' that cannot start any token"),
]


@pytest.mark.parametrize(("source", "line"), YAML_PROBLEMS)
def test_a_yaml_problem_names_the_line(tmp_path: Path, source: str, line: str) -> None:
    path = write(tmp_path / "x.yaml", source)
    with pytest.raises(DefinitionError) as caught:
        read_definition(path)
    assert [f"{p.location}: {p.reason}" for p in caught.value.problems] == [line]


# --- the library and the CLI -------------------------------------------------------


def test_library_paths_are_id_version_files_without_instrument_blocks(tmp_path: Path) -> None:
    for name in (
        "b/1.0.0.yaml",
        "a/2.0.0.yaml",
        "a/1.0.0.yaml",
        "_instruments/x.yaml",
        "notes.yaml",
    ):
        write(tmp_path / name, "{}")
    assert [p.relative_to(tmp_path).as_posix() for p in library_paths(tmp_path)] == [
        "a/1.0.0.yaml",
        "a/2.0.0.yaml",
        "b/1.0.0.yaml",
    ]


def test_the_library_is_in_questionnaires_definitions() -> None:
    assert LIBRARY_DIR == ROOT / "questionnaires" / "definitions"
    assert INSTRUMENTS_DIR == LIBRARY_DIR / "_instruments"


def test_a_file_named_like_a_version_must_sit_in_a_folder_named_like_its_id(
    tmp_path: Path,
) -> None:
    path = write(tmp_path / "other" / "1.0.1.yaml", definition())
    assert [line.split(": ", 1)[1] for line in check_file(path)] == [
        "file: expected the path demo/1.0.0.yaml (folder = id, file = version)"
    ]


def test_a_library_file_needs_ten_test_vectors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(library, "LIBRARY_DIR", tmp_path)
    path = write(tmp_path / "demo" / "1.0.0.yaml", definition())
    assert [line.split(": ", 1)[1] for line in check_file(path)] == [
        "test_vectors: 1 vectors; a shipped definition needs at least 10"
    ]


def test_check_file_lists_parse_problems_and_failing_vectors(tmp_path: Path) -> None:
    broken = definition()
    broken["rules"][0]["colour"] = "pink"
    assert check_file(write(tmp_path / "a.yaml", broken)) == [
        f"{tmp_path / 'a.yaml'}: rules[0] (q3_safety): colour: 'pink' is not red, yellow or green"
    ]
    failing = definition()
    failing["test_vectors"][0]["expect"]["overall"] = "red"
    (line,) = check_file(write(tmp_path / "b.yaml", failing))
    assert "overall: expected red, got green" in line


def test_the_cli_prints_problems_and_a_summary_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write(tmp_path / "good.yaml", definition())
    bad = write(tmp_path / "bad.yaml", {**definition(), "format": 2})
    assert main([str(good), str(bad)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"ok {good}",
        f"{bad}: format: format: must be 1, got the number 2",
        "2 file(s) checked: 1 ok, 1 with problems",
    ]


def test_the_cli_checks_the_whole_library_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write(tmp_path / "demo" / "1.0.0.yaml", definition())
    monkeypatch.setattr(library, "library_paths", lambda: [good])
    assert main([]) == 0
    assert capsys.readouterr().out.endswith("1 file(s) checked: 1 ok, 0 with problems\n")


def test_the_cli_runs_as_a_module(tmp_path: Path) -> None:
    path = write(tmp_path / "demo.yaml", definition())
    done = subprocess.run(
        [sys.executable, "-m", "questionnaires.library", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout.splitlines()[-1]) == (
        0,
        "1 file(s) checked: 1 ok, 0 with problems",
    )


@pytest.mark.parametrize("path", library_paths(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_definition_in_the_library_passes_its_checks(path: Path) -> None:
    assert check_file(path) == []


# --- a gate on some of an included block's items (GAD-7 behind GAD-2 >= 3) -------------

GATED_BLOCK: dict[str, Any] = {
    **BLOCK,
    "sections": [
        {
            **BLOCK["sections"][0],
            "items": [
                {"id": f"mini.{n}", "type": "yes_no", "text": text(f"Item {n}")} for n in (1, 2, 3)
            ],
        }
    ],
    "scores": [
        {
            "id": "mini",
            "label": text("Mini"),
            "method": "sum",
            "items": ["mini.1", {"max": ["mini.2", "mini.3"]}],
            "source": "test",
        },
        {
            "id": "mini_x2",
            "label": text("x2"),
            "method": "formula",
            "expression": "mini * 2",
            "source": "test",
        },
        {
            "id": "mini_first",
            "label": text("1"),
            "method": "sum",
            "items": ["mini.1"],
            "source": "test",
        },
    ],
}
GATE = {"conditions": [{"score": "total", "op": ">=", "value": 3}]}


def gated(tmp_path: Path, block: Any = GATED_BLOCK, **section: Any) -> Path:
    path = including(tmp_path, block=block)
    mapping = yaml.safe_load(path.read_text())
    mapping["sections"][1].update(section)
    return write(path, mapping)


def test_an_include_can_gate_some_of_its_items_and_the_scores_reading_them(
    tmp_path: Path,
) -> None:
    path = gated(tmp_path, enable_when=GATE, items=["mini.3"])
    data = read_definition(path, instruments_dir=tmp_path / "_instruments")
    items = {i["id"]: i for i in data["sections"][1]["items"]}
    assert [k for k, item in items.items() if "enable_when" in item] == ["mini.3"]
    gated_scores = [s["id"] for s in data["scores"] if "enable_when" in s]
    assert gated_scores == ["mini", "mini_x2"]  # mini_first reads no gated item
    # the shared block file is not changed
    assert (
        "enable_when"
        not in yaml.safe_load((tmp_path / "_instruments" / "mini.yaml").read_text())["scores"][0]
    )
    loaded = load_definition(path, instruments_dir=tmp_path / "_instruments")
    assert loaded.score("mini").enable_when == loaded.item("mini.3").enable_when


GATE_PROBLEMS = [
    ({"enable_when": GATE}, "an include section has no other keys than enable_when and items"),
    ({"enable_when": GATE, "items": "mini.3"}, "items: expected a list of the block's item ids"),
    ({"enable_when": GATE, "items": ["mini.9"]}, "items: mini.9 not in include mini"),
]


@pytest.mark.parametrize(("section", "reason"), GATE_PROBLEMS)
def test_a_gate_names_items_of_the_block(
    tmp_path: Path, section: dict[str, Any], reason: str
) -> None:
    lines = problems(gated(tmp_path, **section))
    assert len(lines) == 1
    assert lines[0].startswith(f"sections[1]: {reason}")


def test_a_gate_is_not_added_to_what_already_has_an_enable_when(tmp_path: Path) -> None:
    block = copy.deepcopy(GATED_BLOCK)
    block["sections"][0]["items"][2]["enable_when"] = {
        "conditions": [{"item": "mini.1", "op": "answered"}]
    }
    block["scores"][0]["enable_when"] = GATE
    lines = problems(gated(tmp_path, block, enable_when=GATE, items=["mini.3"]))
    assert lines == [
        "sections[1]: items: mini.3 has an enable_when in include mini: a gate cannot be added"
        " to it",
        "sections[1]: score mini has an enable_when in include mini: a gate cannot be added to it",
    ]

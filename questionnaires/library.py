"""The questionnaire library on disk: reading YAML definitions, resolving
``include: <instrument>`` blocks, and a checker CLI.

Pure Python (no Django), so ``manage.py load_questionnaires``, the tests and
content authors share one reader::

    python -m questionnaires.library                    # the whole library
    python -m questionnaires.library path/to/1.0.0.yaml  # some files

It prints every problem and failing test vector, a summary, and exits 1 if
there was any. The formats are in docs/definitions.md.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from scoring.engine import (
    Definition,
    DefinitionError,
    Problem,
    parse_definition,
    run_test_vectors,
)

LIBRARY_DIR = Path(__file__).resolve().parent / "definitions"
INSTRUMENTS_DIR = LIBRARY_DIR / "_instruments"
#: Keys of an instrument block (``_instruments/<x>.yaml``).
BLOCK_KEYS = ("instrument", "sections", "scores", "rules")
#: Every shipped definition proves itself with at least this many vectors.
MIN_VECTORS = 10

_ID = re.compile(r"[a-z][a-z0-9_]*")
#: ``include: phq9`` or ``include: phq9@1.1``: a block's later text revision
#: lives beside it as ``_instruments/phq9@1.1.yaml`` (same instrument id), so a
#: new definition version can take new texts while the published ones keep
#: resolving to exactly what was published.
_INCLUDE = re.compile(r"(?P<id>[a-z][a-z0-9_]*)(?:@[0-9]+(?:\.[0-9]+)*)?")
_VERSION_FILE = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.yaml")
#: ``reuse_within_days: 14`` beside ``include: who5@1.2``: the patient's
#: answers to that block from another response submitted fewer days ago are
#: reused instead of asked again (questionnaires.answering.answers_reuse). The
#: answering flow's key, never the engine's: the loader takes it off the
#: section and publishes it beside the content (QuestionnaireVersion.reuse).
REUSE_KEY = "reuse_within_days"
#: Reuse is for instruments with a recall period of days or weeks (WHO-5,
#: PHQ-9 and GAD-7 ask about the last two weeks); four weeks at most.
REUSE_DAYS = (1, 28)


class _Loader(yaml.SafeLoader):
    """Safe YAML, read the YAML 1.2 way: only true/false are booleans (yes,
    no, on, off stay text: "yes"/"no" are answers here) and dates stay ISO
    text as in ANSWERS.json. A key given twice is an error, not "last wins"."""


_Loader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Hashable] = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue  # `<<: *base` then overriding a key is intended
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, Hashable):
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} is given twice", key_node.start_mark
                )
            seen.add(key)
    loader.flatten_mapping(node)
    return loader.construct_mapping(node, deep=True)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


TOO_DEEP_YAML = "YAML: nested too deeply to read"


def display_name(path: Path) -> str:
    """``path`` relative to the working directory when inside it (for messages)."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _read_yaml(path: Path) -> dict[str, Any]:
    source = display_name(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise DefinitionError([Problem(source, "file", f"cannot read: {error.strerror}")]) from None
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader subclass
    except RecursionError:  # PyYAML composes nested nodes recursively
        raise DefinitionError([Problem(source, "file", TOO_DEEP_YAML)]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "file"
        reason = getattr(error, "problem", None) or str(error)
        raise DefinitionError([Problem(source, where, f"YAML: {reason}")]) from None
    if not isinstance(data, dict):
        raise DefinitionError([Problem(source, "top level", "expected a mapping (key: value)")])
    return data


def _tagged(entries: object, name: str) -> list[Any]:
    """Block entries marked with ``included_from`` so that problems in them
    say where to look; non-mappings are left for the engine to report."""
    if not isinstance(entries, list):
        return []
    return [
        {**entry, "included_from": name} if isinstance(entry, Mapping) else entry
        for entry in entries
    ]


def read_block(name: str, instruments_dir: Path = INSTRUMENTS_DIR) -> dict[str, Any]:
    """Read and check the instrument block ``<instruments_dir>/<name>.yaml``
    (``name`` may carry a revision: ``phq9@1.1``; its instrument id is ``phq9``)."""
    path = instruments_dir / f"{name}.yaml"
    instrument_id = name.split("@", 1)[0]
    block = _read_yaml(path)
    source = display_name(path)
    problems: list[Problem] = []
    for key in ("instrument", "sections"):
        if key not in block:
            problems.append(Problem(source, "top level", f"missing key '{key}'"))
    for key in block:
        if key not in BLOCK_KEYS:
            problems.append(
                Problem(source, "top level", f"unknown key '{key}' (keys: {', '.join(BLOCK_KEYS)})")
            )
    instrument = block.get("instrument")
    if "instrument" in block and (
        not isinstance(instrument, Mapping) or instrument.get("id") != instrument_id
    ):
        problems.append(
            Problem(
                source,
                "instrument",
                f"expected a mapping with id: {instrument_id} (the file's name)",
            )
        )
    for key in ("sections", "scores", "rules"):
        if key in block and not isinstance(block[key], list):
            problems.append(Problem(source, key, "expected a list"))
    for index, section in enumerate(block.get("sections") or []):
        if isinstance(section, Mapping) and "include" in section:
            problems.append(
                Problem(source, f"sections[{index}]", "an instrument block cannot include another")
            )
    if problems:
        raise DefinitionError(problems)
    return block


#: The keys that gate some of an included block's items (docs/definitions.md, "include").
_GATE_KEYS = ("enable_when", "items")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*")


def _score_reads(score: Mapping[str, Any]) -> set[str]:
    """The ids a block score reads: its items (``{max: [a, b]}`` too) or the
    names in its formula."""
    names: set[str] = set()
    for entry in score.get("items") or []:
        if isinstance(entry, Mapping):
            names.update(str(member) for member in entry.get("max") or [])
        else:
            names.add(str(entry))
    expression = score.get("expression")
    if isinstance(expression, str):
        names.update(_NAME.findall(expression))
    return names


def _gate(
    block: dict[str, Any],
    section: Mapping[str, Any],
    source: str,
    where: str,
    name: str,
    problems: list[Problem],
) -> tuple[dict[str, Any], list[Any]] | None:
    """``- include: gad7@1.2`` with ``enable_when`` and ``items``: the block
    with those items asked only under that enable-when — and every block
    score reading one of them (directly or through another block score)
    gated the same way, so a gated total is *not asked*, never a sum of the
    items asked. The block file itself is not changed (blocks are shared)."""
    gate, wanted = section["enable_when"], section["items"]
    if not isinstance(wanted, list) or not wanted:
        problems.append(Problem(source, where, "items: expected a list of the block's item ids"))
        return None
    ids = {
        item.get("id")
        for sec in block["sections"]
        if isinstance(sec, Mapping)
        for item in sec.get("items") or []
        if isinstance(item, Mapping)
    }
    bad = [item for item in wanted if item not in ids]
    if bad:
        problems.append(
            Problem(source, where, f"items: {', '.join(map(str, bad))} not in include {name}")
        )
        return None
    gated = set(wanted)

    def with_gate(entry: Mapping[str, Any], what: str) -> dict[str, Any]:
        if "enable_when" in entry:
            problems.append(
                Problem(
                    source,
                    where,
                    f"{what} {entry.get('id')} has an enable_when in include {name}:"
                    " a gate cannot be added to it",
                )
            )
        return {**entry, "enable_when": gate}

    sections: list[Any] = []
    for sec in block["sections"]:
        items = [
            with_gate(item, "items:")
            if isinstance(item, Mapping) and item.get("id") in gated
            else item
            for item in sec.get("items") or []
        ]
        sections.append({**sec, "items": items})
    scores = [s for s in block.get("scores") or [] if isinstance(s, Mapping)]
    reading = gated
    changed = True
    while changed:  # a score reading a gated score reads gated items too
        found = {s.get("id") for s in scores if _score_reads(s) & reading}
        changed = not found <= reading
        reading = reading | {str(f) for f in found}
    block_scores = [
        with_gate(score, "score")
        if isinstance(score, Mapping) and score.get("id") in reading
        else score
        for score in block.get("scores") or []
    ]
    return {**block, "sections": sections}, block_scores


def resolve_includes(
    data: dict[str, Any], source: str, instruments_dir: Path = INSTRUMENTS_DIR
) -> dict[str, Any]:
    """Replace each ``- include: <x>`` section by block x's sections and merge
    its scores, rules (before the file's own, in include order) and its
    instrument (into ``instruments`` unless the file lists the same one)."""
    sections = data.get("sections")
    if not isinstance(sections, list):
        return data
    problems: list[Problem] = []
    resolved: list[Any] = []
    merged: dict[str, list[Any]] = {"scores": [], "rules": [], "instruments": []}
    included: set[str] = set()
    for index, section in enumerate(sections):
        if not isinstance(section, Mapping) or "include" not in section:
            if isinstance(section, Mapping) and REUSE_KEY in section:
                problems.append(
                    Problem(
                        source,
                        f"sections[{index}]",
                        f"{REUSE_KEY}: only an include section (an instrument block) can"
                        " reuse answers",
                    )
                )
                section = {k: v for k, v in section.items() if k != REUSE_KEY}
            resolved.append(section)
            continue
        name = section["include"]
        where = f"sections[{index}]"
        if REUSE_KEY in section:
            problems.extend(_reuse_problems(section[REUSE_KEY], source, where))
        # reuse_within_days is the answering flow's own; enable_when and items gate
        # some of the block's items (both or neither).
        extra = set(section) - {"include", REUSE_KEY}
        if extra and extra != set(_GATE_KEYS):
            problems.append(
                Problem(
                    source,
                    where,
                    "an include section has no other keys than enable_when and items"
                    " (both or neither) and reuse_within_days",
                )
            )
        elif not isinstance(name, str) or not (match := _INCLUDE.fullmatch(name)):
            problems.append(Problem(source, where, f"include: bad instrument name {name!r}"))
        elif match["id"] in included:
            problems.append(Problem(source, where, f"include: {name} is included twice"))
        else:
            instrument_id = match["id"]
            included.add(instrument_id)
            try:
                block = read_block(name, instruments_dir)
            except DefinitionError as error:
                problems.extend(error.problems)
                continue
            block_scores = block.get("scores", [])
            if "enable_when" in section:
                gated = _gate(block, section, source, where, name, problems)
                if gated is None:
                    continue
                block, block_scores = gated
            resolved.extend(_tagged(block["sections"], instrument_id))
            merged["scores"].extend(_tagged(block_scores, instrument_id))
            merged["rules"].extend(_tagged(block.get("rules", []), instrument_id))
            merged["instruments"].append(block["instrument"])
    if problems:
        raise DefinitionError(problems)
    data = {**data, "sections": resolved}
    for key in ("scores", "rules"):
        own = data.get(key, [])
        if merged[key] and isinstance(own, list):
            data[key] = [*merged[key], *own]
    own_instruments = data.get("instruments")
    if merged["instruments"] and isinstance(own_instruments, list):
        listed = {i.get("id"): i for i in own_instruments if isinstance(i, Mapping)}
        for instrument in merged["instruments"]:
            mine = listed.get(instrument["id"])
            if mine is None:
                own_instruments = [*own_instruments, instrument]
            elif dict(mine) != dict(instrument):
                problems.append(
                    Problem(
                        source,
                        "instruments",
                        f"instrument {instrument['id']} differs from the one in"
                        f" _instruments/{instrument['id']}.yaml: remove it from this file",
                    )
                )
        data["instruments"] = own_instruments
    if problems:
        raise DefinitionError(problems)
    return data


def _reuse_problems(days: object, source: str, where: str) -> list[Problem]:
    low, high = REUSE_DAYS
    if isinstance(days, bool) or not isinstance(days, int) or not low <= days <= high:
        return [
            Problem(
                source,
                where,
                f"{REUSE_KEY}: expected a whole number of days from {low} to {high}, got {days!r}",
            )
        ]
    return []


def reuse_policy(data: Mapping[str, Any]) -> dict[str, int]:
    """Instrument id → days, from the include sections of an *unresolved*
    definition that say ``reuse_within_days`` (checked by resolve_includes)."""
    policy: dict[str, int] = {}
    for section in data.get("sections") or []:
        if isinstance(section, Mapping) and "include" in section and REUSE_KEY in section:
            match = _INCLUDE.fullmatch(str(section["include"]))
            if match:
                policy[match["id"]] = section[REUSE_KEY]
    return policy


def read_published(
    path: Path | str, *, instruments_dir: Path = INSTRUMENTS_DIR
) -> tuple[dict[str, Any], dict[str, int]]:
    """What publishing ``path`` stores: the resolved content (what the engine
    parses and the loader hashes) and the answering flow's reuse policy
    (instrument id → days). Raises DefinitionError."""
    path = Path(path)
    data = _read_yaml(path)
    return resolve_includes(data, display_name(path), instruments_dir), reuse_policy(data)


def read_definition(path: Path | str, *, instruments_dir: Path = INSTRUMENTS_DIR) -> dict[str, Any]:
    """The definition mapping in ``path`` with its includes resolved: what
    the engine parses and the loader hashes. Raises DefinitionError."""
    return read_published(path, instruments_dir=instruments_dir)[0]


def load_definition(path: Path | str, *, instruments_dir: Path = INSTRUMENTS_DIR) -> Definition:
    """Read and parse ``path``. Test vectors are *not* run: see
    :func:`check_file`, or call ``run_test_vectors`` before publishing."""
    path = Path(path)
    data = read_definition(path, instruments_dir=instruments_dir)
    return parse_definition(data, source=display_name(path))


def library_paths(root: Path = LIBRARY_DIR) -> list[Path]:
    """Every ``<id>/<version>.yaml`` under ``root``, sorted; ``_*`` folders
    (instrument blocks) are not questionnaires."""
    return sorted(path for path in root.glob("*/*.yaml") if not path.parent.name.startswith("_"))


def check_file(path: Path, instruments_dir: Path = INSTRUMENTS_DIR) -> list[str]:
    """Every problem with one file, as printable lines (empty when it is fine).

    Besides parsing and the test vectors: a file named like a version must
    sit in a folder named like its id and hold that version, and a file in
    the library must have at least MIN_VECTORS test vectors.
    """
    try:
        definition = load_definition(path, instruments_dir=instruments_dir)
    except DefinitionError as error:
        return [str(problem) for problem in error.problems]
    lines = [str(failure) for failure in run_test_vectors(definition)]
    source = definition.source
    if _VERSION_FILE.fullmatch(path.name) and (
        path.parent.name != definition.id or path.name != f"{definition.version}.yaml"
    ):
        lines.append(
            f"{source}: file: expected the path {definition.id}/{definition.version}.yaml"
            " (folder = id, file = version)"
        )
    if path.resolve().is_relative_to(LIBRARY_DIR) and len(definition.test_vectors) < MIN_VECTORS:
        lines.append(
            f"{source}: test_vectors: {len(definition.test_vectors)} vectors;"
            f" a shipped definition needs at least {MIN_VECTORS}"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    paths = [Path(argument) for argument in arguments] or library_paths()
    write = sys.stdout.write
    bad = 0
    for path in paths:
        lines = check_file(path)
        for line in lines:
            write(f"{line}\n")
        if lines:
            bad += 1
        else:
            write(f"ok {display_name(path)}\n")
    write(f"{len(paths)} file(s) checked: {len(paths) - bad} ok, {bad} with problems\n")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

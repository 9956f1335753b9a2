"""Mutation testing of the decision-support engine: do the engine's tests notice
a small change to its code?

On demand, not in the suite (pytest never collects it)::

    nice .venv/bin/python tests/benchmarks/mutation_engine.py [FILE ...]
        [--max-children N] [--workdir DIR] [--min-score PERCENT]

FILE is a module of ``scoring/engine/`` (default: every module of it). Uses
mutmut (PyPI, pinned in requirements/lock.txt): it changes one operator,
constant, keyword or argument at a time (``<`` → ``<=``, ``and`` → ``or``,
``1`` → ``2``, ``not x`` → ``x``, a string → ``"XX…XX"``, an argument →
``None``…), runs the tests of tests/engine that reach the changed function
against each such mutant, and records whether a test failed (*killed*),
none did (*survived*) or the tests ran past their time (*timeout*, counted
as detected). mutmut is used as it is meant to be — its own copy of the
code in ``mutants/``, a fork per mutant, only the tests that cover the
mutated function — because a full test run per mutant would take hours.

The run happens in a scratch copy of the checkout (``--workdir``, default a
new temporary directory) holding a ``[tool.mutmut]`` section that this
script writes, so the checkout and its pyproject.toml stay untouched. Run
again with the same ``--workdir`` and mutmut re-checks only what changed.

It prints the counts, the score — detected (killed + timeout) / mutants —
and every survivor as ``file:line  old → new``. A survivor is either a gap
in the tests (write the test from the source, never from the code's output)
or an *equivalent* mutant that no test can kill (e.g. a changed error
message nobody reads, ``x + 1 > y`` vs ``x >= y`` on integers); say which
in the commit that handles it. ``--min-score`` exits 1 below the given
percentage. Figures and the survivors found so far: README.md § Mutation
testing.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENGINE = Path("scoring/engine")
MUTMUT = Path(sys.executable).with_name("mutmut")
# What the engine's tests read besides the engine: the library of definitions
# (questionnaires/), the settings pytest-django imports (pro_portal/), the
# definition format they compare with the code (docs/) and their own helpers.
COPIED = ["scoring", "questionnaires", "pro_portal", "docs", "templates", "locale", "tests"]
DETECTED = ("killed", "timeout")


@dataclass(frozen=True)
class Mutant:
    name: str
    status: str


@dataclass(frozen=True)
class Located:
    file: str
    line: int
    old: str
    new: str


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("files", nargs="*", type=Path, help="modules of scoring/engine/")
    parser.add_argument("--max-children", type=int, default=1, help="mutants tested at once")
    parser.add_argument("--workdir", type=Path, help="scratch copy to use (kept); default: new")
    parser.add_argument("--min-score", type=float, help="exit 1 below this percentage")
    args = parser.parse_args()
    if not MUTMUT.exists():
        sys.exit(f"{MUTMUT} is missing: install the locked packages (bash scripts/setup.sh)")
    targets = [module(path) for path in args.files] or sorted(
        str(path.relative_to(ROOT)) for path in (ROOT / ENGINE).rglob("*.py")
    )
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="pp-mutation-"))
    prepare(workdir, targets)
    log = workdir / "mutmut.log"
    print(f"mutating {len(targets)} module(s) in {workdir}; progress: tail -f {log}", flush=True)
    started = time.monotonic()
    with log.open("ab") as out:
        # The engine's tests need no database; TESTING keeps the settings quiet.
        env = {**os.environ, "PRO_PORTAL_TESTING": "true"}
        command = [str(MUTMUT), "run", "--max-children", str(args.max_children)]
        subprocess.run(command, cwd=workdir, env=env, stdout=out, stderr=out, check=True)
    minutes = (time.monotonic() - started) / 60
    mutants = results(workdir)
    score = report(workdir, mutants, minutes)
    if not args.workdir:
        shutil.rmtree(workdir)
    return 1 if args.min_score is not None and score < args.min_score else 0


def module(path: Path) -> str:
    """``path`` as a module file of the engine relative to the checkout."""
    resolved = (path if path.is_absolute() else Path.cwd() / path).resolve()
    if resolved.suffix != ".py" or not resolved.is_relative_to(ROOT / ENGINE):
        sys.exit(f"{path} is not a module of {ENGINE}/")
    return str(resolved.relative_to(ROOT))


def prepare(workdir: Path, targets: list[str]) -> None:
    """Copy the checkout's sources into ``workdir`` (again, so that a kept
    workdir sees today's code and tests) with a pyproject.toml that
    configures mutmut for ``targets``."""
    workdir.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "node_modules", "e2e")
    for name in COPIED:
        shutil.copytree(ROOT / name, workdir / name, ignore=ignore, dirs_exist_ok=True)
    shutil.copy2(ROOT / "manage.py", workdir / "manage.py")
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    pyproject = pyproject.split("\n[tool.mutmut]\n", 1)[0]  # never two sections
    quoted = ", ".join(f'"{target}"' for target in targets)
    also = ", ".join(f'"{name}/"' for name in COPIED if name != "tests") + ', "manage.py"'
    (workdir / "pyproject.toml").write_text(
        f"{pyproject}\n[tool.mutmut]\n"
        f'source_paths = ["{ENGINE}/"]\n'
        f"only_mutate = [{quoted}]\n"
        f"also_copy = [{also}]\n"
        'pytest_add_cli_args_test_selection = ["tests/engine/"]\n'
        # In a fixed order, so that a mutant is judged the same way each run.
        'pytest_add_cli_args = ["-p", "no:randomly", "-p", "no:cacheprovider"]\n',
        encoding="utf-8",
    )


def mutmut(workdir: Path, *args: str) -> str:
    done = subprocess.run(
        [str(MUTMUT), *args], cwd=workdir, capture_output=True, text=True, check=True
    )
    return done.stdout


def results(workdir: Path) -> list[Mutant]:
    """Every mutant and its status, as ``mutmut results --all true`` lists them."""
    listed = re.findall(r"^\s*(\S+): (.+)$", mutmut(workdir, "results", "--all", "true"), re.M)
    return [Mutant(name, status.strip()) for name, status in listed]


def locate(workdir: Path, mutant: Mutant) -> Located:
    """Where the mutation is in the original file, and what it changed.

    ``mutmut show`` gives a diff of the mutated function whose line numbers
    count from the function; the changed lines are looked up in the
    original file within that function instead.
    """
    diff = mutmut(workdir, "show", mutant.name).splitlines()
    path = next(line[4:].strip() for line in diff if line.startswith("--- "))
    old = [line[1:].strip() for line in diff if line.startswith("-") and line[:3] != "---"]
    new = [line[1:].strip() for line in diff if line.startswith("+") and line[:3] != "+++"]
    expected_in_function = changed_line(diff)
    source = (workdir / path).read_text(encoding="utf-8").splitlines()
    start, end = function_span(source, mutant.name)
    expected = start + expected_in_function - 1
    candidates = [
        number for number in range(start, end + 1) if old and source[number - 1].strip() == old[0]
    ]
    line = min(candidates, key=lambda n: abs(n - expected)) if candidates else expected
    return Located(path, line, " / ".join(old) or "(nothing)", " / ".join(new) or "(removed)")


def changed_line(diff: list[str]) -> int:
    """The first changed line of the diff, counted from the function's start."""
    line = 1
    for text in diff:
        if text.startswith("@@"):
            hunk = re.match(r"@@ -(\d+)", text)
            line = int(hunk.group(1)) if hunk else 1
        elif text.startswith("-") and not text.startswith("---"):
            return line
        elif text.startswith(" "):
            line += 1
    return line


def function_span(source: list[str], name: str) -> tuple[int, int]:
    """First and last line of the function a mutmut mutant name points at:
    ``pkg.mod.x_func__mutmut_3`` or ``pkg.mod.xǁClassǁmethod__mutmut_3``."""
    local = name.rsplit(".", 1)[-1].rsplit("__mutmut_", 1)[0]
    parts = local.split("ǁ")[1:] if local.startswith("xǁ") else [local[2:]]
    body = ast.parse("\n".join(source)).body
    found: ast.FunctionDef | ast.ClassDef | None = None
    for part in parts:
        found = next(
            (
                node
                for node in body
                if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name == part
            ),
            None,
        )
        if found is None:
            return 1, len(source)
        body = found.body
    if found is None:
        return 1, len(source)
    first = min([found.lineno, *(decorator.lineno for decorator in found.decorator_list)])
    return first, found.end_lineno or len(source)


def report(workdir: Path, mutants: list[Mutant], minutes: float) -> float:
    counts = Counter(mutant.status for mutant in mutants)
    detected = sum(counts[status] for status in DETECTED)
    score = 100 * detected / len(mutants) if mutants else 0.0
    print(f"\n{len(mutants)} mutants in {minutes:.1f} min")
    for status in ("killed", "survived", "timeout"):
        print(f"  {status:<10} {counts.pop(status, 0)}")
    for status, count in sorted(counts.items()):
        print(f"  {status:<10} {count}")  # no tests, suspicious, segfault…
    print(f"score: {score:.1f} % detected (killed + timeout) of all mutants")
    undetected = [mutant for mutant in mutants if mutant.status not in DETECTED]
    if undetected:
        print("\nnot detected:")
    for mutant in undetected:
        where = locate(workdir, mutant)
        print(f"  {where.file}:{where.line}  [{mutant.status}]  {where.old}  →  {where.new}")
    return score


if __name__ == "__main__":
    sys.exit(main())

"""Guards: the engine and the library reader are plain Python — no Django,
and never Python's eval/exec/compile on expressions from files."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PURE = [
    *sorted((ROOT / "scoring" / "engine").rglob("*.py")),
    ROOT / "questionnaires" / "library.py",
]


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names.append(node.module or "")
    return names


@pytest.mark.parametrize("path", PURE, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_engine_module_imports_django(path: Path) -> None:
    assert [name for name in _imports(path) if name.split(".")[0] == "django"] == []


@pytest.mark.parametrize("path", PURE, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_engine_module_calls_eval_exec_or_compile(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    called = {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert called.isdisjoint({"eval", "exec", "compile", "__import__"})


def test_importing_the_engine_and_library_loads_no_django() -> None:
    code = (
        "import sys, pkgutil, importlib, scoring.engine as engine\n"
        "for module in pkgutil.walk_packages(engine.__path__, 'scoring.engine.'):\n"
        "    importlib.import_module(module.name)\n"
        "import questionnaires.library\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(ROOT)},
    )
    assert (done.returncode, done.stdout.strip()) == (0, "[]"), done.stderr

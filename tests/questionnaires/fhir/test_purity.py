"""Guard: the FHIR conversion is plain Python — only services.py (and the
commands) touch Django — and it never evaluates FHIRPath itself."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "questionnaires" / "fhir"
PURE = sorted(path for path in PACKAGE.glob("*.py") if path.name != "services.py")


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names.append(node.module or "")
    return names


@pytest.mark.parametrize("path", PURE, ids=lambda p: p.name)
def test_no_conversion_module_imports_django(path: Path) -> None:
    assert [n for n in _imports(path) if n.split(".")[0] == "django"] == []


def test_importing_the_conversion_modules_loads_no_django() -> None:
    modules = ", ".join(f"questionnaires.fhir.{p.stem}" for p in PURE if p.stem != "__init__")
    code = f"import sys, {modules}\nprint(sorted(m for m in sys.modules if m.startswith('django')))"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(ROOT)},
    )
    assert (done.returncode, done.stdout.strip()) == (0, "[]"), done.stderr

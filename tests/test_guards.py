"""Guards that keep the architecture honest."""

from __future__ import annotations

import ast
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration() -> None:
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exc:
        pytest.fail(f"missing migrations:\n{out.getvalue()} ({exc})")


#: Plain Python, never Django: the scoring engine (a library), the definition
#: reader, and the FHIR conversion (of questionnaires/fhir only services.py,
#: its Django side, may touch models). One list, so a new pure module is
#: guarded by adding it here once.
PLAIN_PYTHON = {
    "scoring.engine": sorted((ROOT / "scoring" / "engine").rglob("*.py")),
    "questionnaires.library": [ROOT / "questionnaires" / "library.py"],
    "questionnaires.json_input": [ROOT / "questionnaires" / "json_input.py"],
    "questionnaires.fhir conversion": sorted(
        path
        for path in (ROOT / "questionnaires" / "fhir").glob("*.py")
        if path.name != "services.py"
    ),
}


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def _django_imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names.append(node.module or "")
    return [name for name in names if name.split(".")[0] == "django"]


@pytest.mark.parametrize("paths", PLAIN_PYTHON.values(), ids=PLAIN_PYTHON.keys())
def test_plain_python_code_imports_no_django(paths: list[Path]) -> None:
    # Its own source names no Django module, not even inside a function that
    # importing alone would not run...
    found = {
        str(path.relative_to(ROOT)): names for path in paths if (names := _django_imports(path))
    }
    assert found == {}
    # ...and importing all of it in a fresh interpreter with no settings loads
    # no Django through another module either.
    code = (
        "import importlib, sys\n"
        "for name in sys.argv[1:]:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, *map(_module, paths)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    assert (done.returncode, done.stdout.strip()) == (0, "[]"), done.stderr


def test_every_template_extends_base_or_is_an_include() -> None:
    # One layout means one place for the language switch, disclaimer and help.
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        # Partials (_name.html), includes and standalone documents (PDF, e-mail)
        # are not pages.
        standalone = path.name.endswith(("_pdf.html", ".txt")) or "email" in path.parts
        if path.name in ("base.html",) or path.name.startswith("_") or standalone:
            continue
        # allauth's elements are pieces of its pages, like includes.
        if "includes" in path.parts or path.parts[-2:-1] == ("elements",):
            continue
        if path.parts[-2] == "admin":
            continue
        assert "{% extends" in text, f"{path.relative_to(ROOT)} does not extend a layout"

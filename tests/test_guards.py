"""Guards that keep the architecture honest."""

from __future__ import annotations

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


def test_the_scoring_engine_imports_no_django() -> None:
    code = (
        "import sys, pkgutil, importlib, scoring.engine as e\n"
        "for m in pkgutil.walk_packages(e.__path__, 'scoring.engine.'):\n"
        "    importlib.import_module(m.name)\n"
        "import questionnaires.library\n"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(','.join(bad))\n"
    )
    # A fresh interpreter with no settings: importing the engine must not pull Django in.
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_every_template_extends_base_or_is_an_include() -> None:
    # One layout means one place for the language switch, disclaimer and help.
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        # Partials (_name.html), includes and standalone documents (PDF, e-mail)
        # are not pages.
        standalone = path.name.endswith(("_pdf.html", ".txt")) or "email" in path.parts
        if path.name in ("base.html",) or path.name.startswith("_") or standalone:
            continue
        if "includes" in path.parts:
            continue
        if path.parts[-2] == "admin":
            continue
        assert "{% extends" in text, f"{path.relative_to(ROOT)} does not extend a layout"

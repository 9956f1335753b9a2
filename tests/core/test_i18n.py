"""Danish is the default; every Danish entry is translated and none is fuzzy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polib
import pytest
from django.test import Client
from django.utils import translation

from pro_portal.i18n import page_language
from tests.needs import needs

ROOT = Path(__file__).resolve().parents[2]
DANISH = ROOT / "locale" / "da" / "LC_MESSAGES"


def test_every_danish_entry_is_translated_and_none_is_fuzzy() -> None:
    po = polib.pofile(str(DANISH / "django.po"))
    assert not po.metadata_is_fuzzy
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
    assert [e.msgid for e in po if e.obsolete] == []


def test_the_compiled_catalogue_matches_the_po_file() -> None:
    po = polib.pofile(str(DANISH / "django.po"))
    mo = polib.mofile(str(DANISH / "django.mo"))
    assert {e.msgid: e.msgstr for e in mo if e.msgid} == {
        e.msgid: e.msgstr for e in po.translated_entries() if e.msgid
    }, "run: manage.py compilemessages"


def test_no_template_string_is_missing_from_the_catalogue(tmp_path: Path) -> None:
    """makemessages over the code finds nothing the committed catalogue lacks."""
    import shutil
    import subprocess
    import sys

    needs(shutil.which("msguniq") is not None, "gettext is not installed")
    work = tmp_path / "copy"
    shutil.copytree(
        ROOT,
        work,
        ignore=shutil.ignore_patterns(".venv", "node_modules", ".git", "var", "*.pyc", "tests"),
    )
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "da", "--no-location", "-v0"],
        cwd=work,
        check=True,
        capture_output=True,
    )
    fresh = polib.pofile(str(work / "locale/da/LC_MESSAGES/django.po"))
    missing = [e.msgid for e in fresh.untranslated_entries() + fresh.fuzzy_entries()]
    assert missing == [], "new strings: run makemessages -l da and translate them"


@pytest.mark.django_db
def test_pages_are_danish_by_default_and_english_on_request(client: Client) -> None:
    assert "Log ind" in client.get("/accounts/login/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert "Log in" in client.get("/accounts/login/").content.decode()


@pytest.mark.parametrize(
    ("active", "expected"),
    [
        ("da", "da"),
        ("en", "en"),
        ("en-gb", "en"),  # a regional variant gets the texts of its language
        ("de", "da"),  # not offered: the site's default, whose texts exist
        (None, "da"),  # translation switched off (a management command, a task)
    ],
)
def test_the_page_language_is_always_one_the_texts_exist_in(
    active: str | None, expected: str
) -> None:
    with translation.override(active):
        assert page_language() == expected


def test_the_page_language_falls_back_to_the_configured_default(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"
    with translation.override("de"):
        assert page_language() == "en"

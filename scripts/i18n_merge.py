"""Update the Danish catalogue: extract strings, merge translations, compile.

    .venv/bin/python scripts/i18n_merge.py [locale/da/*.json ...]

Runs makemessages for Danish, fills empty or fuzzy entries from the given
JSON files (msgid → Danish msgstr, or for a plural
``{"msgid_plural": …, "msgstr": [singular, plural]}``), compiles the .mo file and prints the
msgids still untranslated (tests/core/test_i18n.py fails on any). The .po file
is the source of truth; the JSON files are only a hand-over format.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import polib

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale/da/LC_MESSAGES/django.po"


def main(paths: list[str]) -> int:
    manage = [sys.executable, str(ROOT / "manage.py")]
    ignore = ["--ignore=.venv", "--ignore=tests", "--ignore=node_modules", "--no-location"]
    subprocess.run([*manage, "makemessages", "-l", "da", *ignore, "-v0"], cwd=ROOT, check=True)
    translations: dict[str, Any] = {}
    for path in paths:
        translations.update(json.loads(Path(path).read_text(encoding="utf-8")))
    po = polib.pofile(str(PO))
    for entry in po:
        given = translations.get(entry.msgid)
        if entry.obsolete or given is None:
            continue
        if entry.msgid_plural:
            forms = given["msgstr"] if isinstance(given, dict) else [given, given]
            if "fuzzy" in entry.flags or not entry.msgstr_plural.get(0):
                entry.msgstr_plural = dict(enumerate(forms))
        elif not entry.msgstr or "fuzzy" in entry.flags:
            entry.msgstr = given if isinstance(given, str) else given["msgstr"][0]
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    po[:] = [entry for entry in po if not entry.obsolete]
    po.metadata_is_fuzzy = False
    po.save()
    subprocess.run([*manage, "compilemessages", "--ignore=.venv", "-v0"], cwd=ROOT, check=True)
    missing = [e.msgid for e in po.untranslated_entries() + po.fuzzy_entries()]
    for msgid in missing:
        print(f"untranslated: {msgid!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

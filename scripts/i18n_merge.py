"""Update the Danish catalogue: extract strings, merge translations, compile.

    .venv/bin/python scripts/i18n_merge.py [locale/da/*.json ...]

Runs makemessages for Danish, fills empty or fuzzy entries from the given
JSON files (msgid → Danish msgstr), compiles the .mo file and prints the
msgids still untranslated (tests/core/test_i18n.py fails on any). The .po file
is the source of truth; the JSON files are only a hand-over format.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale/da/LC_MESSAGES/django.po"


def main(paths: list[str]) -> int:
    manage = [sys.executable, str(ROOT / "manage.py")]
    ignore = ["--ignore=.venv", "--ignore=tests", "--ignore=node_modules", "--no-location"]
    subprocess.run([*manage, "makemessages", "-l", "da", *ignore, "-v0"], cwd=ROOT, check=True)
    translations: dict[str, str] = {}
    for path in paths:
        translations.update(json.loads(Path(path).read_text(encoding="utf-8")))
    po = polib.pofile(str(PO))
    for entry in po:
        if entry.obsolete:
            continue
        if (not entry.msgstr or "fuzzy" in entry.flags) and entry.msgid in translations:
            entry.msgstr = translations[entry.msgid]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
        if entry.msgid_plural and entry.msgid in translations and not entry.msgstr_plural.get(0):
            text = translations[entry.msgid]
            entry.msgstr_plural = {0: text, 1: translations.get(entry.msgid_plural, text)}
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

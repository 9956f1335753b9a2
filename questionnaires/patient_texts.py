"""The clinic's numbers inside definition texts shown to patients.

Patient texts of definitions name the out-of-hours line through the
placeholder ``{out_of_hours}`` (from version 1.1.0 of each definition), which
becomes the line of the clinic's region ("lægevagten på 1818", "Akuttelefonen
på 1813"). Versions 1.0.0 are published and never change, and they name the
Capital Region's 1813 for every clinic: a patient of a clinic elsewhere must
not be sent there, so their fixed wording is replaced the same way when
shown. Both versions also said "your answers are not read straight away" in
every text; the pages say it once themselves, so the sentence is left out
here (``SAID_BY_THE_PAGE``).
"""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from pro_portal.models import Organisation

OUT_OF_HOURS = "{out_of_hours}"

#: How version 1.0.0 texts name the out-of-hours line.
_FIXED_1813 = (
    "lægevagten (1813 i Region Hovedstaden)",
    "the medical helpline (1813 in the Capital Region)",
)

#: Sentences the page says once; 1.0.0 texts repeat them in every message.
SAID_BY_THE_PAGE = (
    ("Dine svar bliver ikke læst med det samme. ", ""),
    ("Your answers are not read straight away. ", ""),
    ("Dine svar bliver ikke læst med det samme – hvis", "Hvis"),
    ("Your answers are not read straight away — if", "If"),
    ("Dit svar bliver ikke læst med det samme – hvis", "Hvis"),
    ("Your answer is not read straight away — if", "If"),
)


def out_of_hours_words(organisation: Organisation | None, language: str) -> str:
    """The clinic's out-of-hours line in words, to stand in a sentence."""
    with translation.override(language):
        region = organisation.out_of_hours if organisation is not None else None
        if region is None:
            return _("the medical helpline of your region (the numbers are under “Get help now”)")
        return _("%(line)s on %(phone)s") % {"line": region.line, "phone": region.phone}


def patient_text(said: str, *, organisation: Organisation | None, language: str) -> str:
    """A definition's patient text as this clinic's patient reads it."""
    words = out_of_hours_words(organisation, language)
    said = said.replace(OUT_OF_HOURS, words)
    for fixed in _FIXED_1813:
        said = said.replace(fixed, words)
    for sentence, instead in SAID_BY_THE_PAGE:
        said = said.replace(sentence, instead)
    return said

"""What a colour means to the clinician, per intended use.

*Dialogue* (dialogue support before a consultation): the colour says what to
talk about. *Triage* follows the AmbuFlex model of PRO-based follow-up
(Aarhus University Hospital / Region Midtjylland, see Schougaard et al.,
Qual Life Res 2016; 25:525-534): red = should be seen in the clinic,
yellow = clarify by phone, green = next questionnaire after the set
interval — and the patient can always ask to be contacted.
"""

from __future__ import annotations

from scoring.engine.model import NO_TEXT, Text
from scoring.engine.results import Meaning

NOT_ASSESSABLE = "not_assessable"

_DIALOGUE: dict[str, Text] = {
    "red": {
        "da": "Tal om dette først: mindst ét svar kræver lægens opmærksomhed i konsultationen.",
        "en": "Talk about this first: at least one answer needs the clinician's attention"
        " in the consultation.",
    },
    "yellow": {
        "da": "Værd at tale om i konsultationen.",
        "en": "Worth talking about in the consultation.",
    },
    "green": {
        "da": "Intet i svarene kræver særlig opmærksomhed.",
        "en": "Nothing in the answers needs special attention.",
    },
    NOT_ASSESSABLE: {
        "da": "Svar, der skal til for en vurdering, mangler: spørg til dem i konsultationen.",
        "en": "Answers needed for an assessment are missing: ask about them in the consultation.",
    },
}

_TRIAGE: dict[str, Text] = {
    "red": {"da": "Bør ses i klinikken.", "en": "Should be seen in the clinic."},
    "yellow": {"da": "Afklares telefonisk.", "en": "Clarify by phone."},
    "green": {
        "da": "Næste spørgeskema efter {days} dage.",
        "en": "Next questionnaire after {days} days.",
    },
    NOT_ASSESSABLE: {
        "da": "Svar mangler: afklares telefonisk.",
        "en": "Answers are missing: clarify by phone.",
    },
}

_CONTACT: Text = {
    "da": "Patienten kan altid selv bede om at blive kontaktet.",
    "en": "The patient can always ask to be contacted.",
}


def colour_meaning(intended_use: str, colour: str, green_interval_days: int | None) -> Meaning:
    """The meaning of ``colour`` (red, yellow, green or not_assessable)."""
    if intended_use != "triage":
        return Meaning(intended_use, colour, _DIALOGUE[colour], NO_TEXT)
    days = green_interval_days if colour == "green" else None
    action = {lang: text.format(days=days) for lang, text in _TRIAGE[colour].items()}
    return Meaning(intended_use, colour, action, _CONTACT, days)

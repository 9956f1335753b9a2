"""How the clinician's summary presents a definition: decisions about layout,
never about scores or colours.

Published definition versions never change (their content is hashed and a
trigger refuses edits), so what the summary needs from a version published
before the definition format could say it lives here, keyed by questionnaire
id: a new version would need a new clinical review and would split the
patient's history across two versions for a change that scores nothing.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

#: "The patient in brief" for versions published before definitions could
#: declare ``brief`` (docs/definitions.md). A definition's own ``brief`` wins.
BRIEF_BEFORE_THE_KEY: dict[str, tuple[str, ...]] = {
    "chronic_pain": (
        "pain.duration",
        "pain.regions",
        "med.taking",
        "med.list",
        "work.status",
        "work.sick_leave_weeks",
        "goals.text",
    ),
}

#: Short headings for the brief, where the question itself is too long to
#: scan; any other item is headed by its question as the patient saw it.
#: Presentation only, so they live in the translation catalogue rather than in
#: a (hashed, immutable) definition.
BRIEF_HEADINGS: dict[str, Promise] = {
    "pain.duration": _("Pain for"),
    "pain.regions": _("Where"),
    "pain.risk_factors": _("Risk factors"),
    "med.taking": _("Pain medicine"),
    "med.list": _("Which medicines"),
    "med.sedatives": _("Medicines that cause drowsiness"),
    "work.status": _("Work"),
    "work.sick_leave_weeks": _("Weeks on sick leave"),
    "work.return_expect": _("Sure of working in 3 months"),
    "beliefs.cause": _("Thinks the pain comes from"),
    "goals.text": _("Goals"),
}

#: The waiting-room questionnaire whose answers of the day are shown as
#: "today's measurements" on every summary of the same patient and day.
WAITING_ROOM_QUESTIONNAIRE = "basic_data"
WAITING_ROOM_BLOOD_PRESSURE = ("basic.bp_sys", "basic.bp_dia")
WAITING_ROOM_WEIGHT = "basic.weight"
WAITING_ROOM_BMI = "bmi"

#: A gate's comparison that did not hold, written as what did ("GAD-2 = 2 (< 3)"
#: for a gate ``gad2 >= 3``): the summary's "not asked" line for a gated score.
NOT_OP: dict[str, str] = {">=": "<", ">": "≤", "<=": ">", "<": "≥", "=": "≠", "!=": "="}

# --- A safety question left unanswered ------------------------------------------
#
# The engine leaves a rule it cannot decide *not assessable*, and the overall
# colour is ``not_assessable`` only when nothing red or yellow fired — so
# PHQ-9 total 12 with item 9 skipped is stored yellow, and item 9 used to be a
# quiet note under it. Published algorithm versions never change and rescoring
# must not change stored results, so the distinction is drawn here, from the
# stored result: a not-assessable rule that is a safety rule (``safety: true``
# in the definition version the response was scored under, which the engine
# copies into the stored entry) is *a safety question left unanswered* and
# ranks with red ("ask directly"); any other unknown is *incomplete* (a score
# or rule lacks answers), shown quieter. docs/library.md, "Missing answers".

#: What lists and the summary show for a response, beside the stored colours.
SAFETY_UNANSWERED = "safety_unanswered"
INCOMPLETE = "incomplete"

#: The order of what is shown: an unanswered safety question ranks with red,
#: an incomplete response before green (someone has to look), not answered last.
RANK: dict[str | None, int] = {
    "red": 0,
    SAFETY_UNANSWERED: 0,
    "yellow": 1,
    INCOMPLETE: 2,
    "green": 3,
    None: 4,
}


def shown_state(overall: str | None, *, safety_unanswered: bool) -> str | None:
    """What a response shows: red stays red; otherwise a safety question left
    unanswered outranks the stored colour (yellow, or not assessable); a stored
    ``not_assessable`` with no safety rule among the unknowns is incomplete."""
    if overall == "red":
        return "red"
    if safety_unanswered:
        return SAFETY_UNANSWERED
    if overall == "not_assessable":
        return INCOMPLETE
    return overall

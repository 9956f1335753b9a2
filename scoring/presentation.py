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

from questionnaires.results import INCOMPLETE, RANK, SAFETY_UNANSWERED, shown_state

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
# What a response shows (red, a safety question left unanswered, yellow,
# incomplete, green) and its rank: the rule lives beside the stored result
# (questionnaires.results, "What a response shows"), which keeps its outcome
# on the response for the worklists; the summary applies the same rule.

__all__ = [
    "BRIEF_BEFORE_THE_KEY",
    "BRIEF_HEADINGS",
    "INCOMPLETE",
    "NOT_OP",
    "RANK",
    "SAFETY_UNANSWERED",
    "WAITING_ROOM_BLOOD_PRESSURE",
    "WAITING_ROOM_BMI",
    "WAITING_ROOM_QUESTIONNAIRE",
    "WAITING_ROOM_WEIGHT",
    "shown_state",
]

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
    "med.taking": _("Pain medicine"),
    "med.list": _("Which medicines"),
    "work.status": _("Work"),
    "work.sick_leave_weeks": _("Weeks on sick leave"),
    "goals.text": _("Goals"),
}

#: The waiting-room questionnaire whose answers of the day are shown as
#: "today's measurements" on every summary of the same patient and day.
WAITING_ROOM_QUESTIONNAIRE = "basic_data"
WAITING_ROOM_BLOOD_PRESSURE = ("basic.bp_sys", "basic.bp_dia")
WAITING_ROOM_WEIGHT = "basic.weight"
WAITING_ROOM_BMI = "bmi"

"""A patient's access log: every read of their data — who, in which role,
what, when — as rows for the page and as CSV.

Read inside ``scoring.door.access_log_record``, which checks the role and
audits the read of the log itself. The rows come from the audit log
(``AuditEvent``), one event per patient per read.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pro_portal.models import AuditEvent, Membership, Patient, Role

ROWS_PER_PAGE = 100

#: What each audit action means to the patient asking. An action missing here
#: is shown as it is stored.
ACTIONS = {
    "patient.view": gettext_lazy("Opened the patient's page"),
    "patient.search": gettext_lazy("Found the patient in a search"),
    "patient.create": gettext_lazy("Registered the patient"),
    "worklist.view": gettext_lazy("Saw the patient on the worklist"),
    "summary.view": gettext_lazy("Read the summary of answers"),
    "summary.pdf": gettext_lazy("Opened the summary as PDF"),
    "summary.copy": gettext_lazy("Copied the summary as text for the record"),
    "response.review": gettext_lazy("Opened the answers to review them"),
    "response.reviewed": gettext_lazy("Marked the answers as reviewed"),
    "response.submit": gettext_lazy("Sent the answers"),
    "response.reuse": gettext_lazy("Reused recent answers instead of asking them again"),
    "unsent_safety.raise": gettext_lazy(
        "Noted a saved answer to a safety question that was not sent, for the clinic"
    ),
    "unsent_safety.view": gettext_lazy("Read a saved answer to a safety question not sent"),
    "unsent_safety.handle": gettext_lazy("Marked a saved answer to a safety question as handled"),
    "invitation.view": gettext_lazy("Opened an invitation"),
    "invitation.create": gettext_lazy("Invited the patient"),
    "invitation.send": gettext_lazy("Sent an invitation"),
    "invitation.reissue": gettext_lazy("Gave a new invitation link"),
    "invitation.cancel": gettext_lazy("Cancelled an invitation link"),
    "invitation.open": gettext_lazy("Opened the invitation link"),
    "kiosk.open": gettext_lazy("Opened the questionnaires on a waiting-room tablet"),
    "visit_code.create": gettext_lazy("Gave a code for the waiting-room tablet"),
    "access_log.view": gettext_lazy("Read this access log"),
    "access_log.export": gettext_lazy("Exported this access log"),
}


@dataclass(frozen=True)
class AccessRow:
    at: dt.datetime
    who: str
    role: str
    what: str


def _events(patient: Patient) -> QuerySet[AuditEvent]:
    return (
        AuditEvent.objects.filter(patient=patient)
        .select_related("actor", "kiosk")
        .order_by("-at", "-id")
    )


def _roles(patient: Patient, events: Sequence[AuditEvent]) -> dict[int, str]:
    """The roles each member of staff holds today in the patient's organisation
    (the audit row does not record the role at the time of the read)."""
    held: dict[int, list[str]] = defaultdict(list)
    memberships = Membership.objects.filter(
        organisation_id=patient.organisation_id,
        user_id__in={event.actor_id for event in events if event.actor_id},
    ).order_by("role")
    for user_id, role in memberships.values_list("user_id", "role"):
        held[user_id].append(str(Role(role).label))
    return {user_id: ", ".join(labels) for user_id, labels in held.items()}


def _who(event: AuditEvent) -> str:
    if event.actor is not None:
        name = event.actor.get_full_name()
        return f"{name} ({event.actor.username})" if name else event.actor.username
    if event.actor_kind == AuditEvent.ActorKind.PATIENT:
        return _("The patient")
    if event.kiosk is not None:
        return _("Waiting-room tablet “%(name)s”") % {"name": event.kiosk.name}
    return _("PRO Portal (automatic)")


def _rows(patient: Patient, events: Sequence[AuditEvent]) -> list[AccessRow]:
    roles = _roles(patient, events)
    return [
        AccessRow(
            at=timezone.localtime(event.at),
            who=_who(event),
            role=roles.get(event.actor_id, "") if event.actor_id else "",
            what=str(ACTIONS.get(event.action, event.action)),
        )
        for event in events
    ]


def access_log_page(
    patient: Patient, number: str | None
) -> tuple[Page[AuditEvent], list[AccessRow]]:
    """One page of the log, newest first; a page number out of range or not a
    number gives the nearest page (Paginator.get_page)."""
    page = Paginator(_events(patient), ROWS_PER_PAGE).get_page(number)
    return page, _rows(patient, list(page.object_list))


def access_log_rows(patient: Patient) -> list[AccessRow]:
    """Every row of the log, newest first (for the export)."""
    return _rows(patient, list(_events(patient)))


# A spreadsheet runs a cell that starts with one of these as a formula
# (OWASP, "CSV injection"); a leading apostrophe makes it text. Written here
# rather than with a library (defusedcsv): one rule, and the csv module does
# the quoting.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_START) else value


def access_log_csv(rows: Iterable[AccessRow]) -> str:
    """The log as CSV with a header row, in the active language; UTF-8 with a
    byte-order mark so that spreadsheets read æ, ø and å."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([_("When"), _("Who"), _("Role"), _("What")])
    for row in rows:
        when = row.at.isoformat(sep=" ", timespec="seconds")
        writer.writerow([_cell(text) for text in (when, row.who, row.role, row.what)])
    return out.getvalue()

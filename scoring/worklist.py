"""Selectors for the worklist: who needs attention today, and why.

Reads only; the views audit what they show. Every list is fetched with a
fixed number of queries whatever its length (select_related/prefetch).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from pro_portal.access import CLINICAL_ROLES, PATIENT_IDENTITY_ROLES, visible_to
from pro_portal.models import Patient, User
from questionnaires.models import Consultation, Invitation, Response
from scoring.models import ScoringResult

# Red first, then yellow; "not assessable" (answers missing) before green
# because someone must look at it; not answered last.
COLOUR_RANK = {"red": 0, "yellow": 1, "not_assessable": 2, "green": 3, None: 4}
# A red nobody has reviewed this long after submitting (when no consultation
# is booked) is raised at the top of every clinician's worklist.
RED_UNREVIEWED_AFTER = dt.timedelta(hours=24)


@dataclass(frozen=True)
class ResponseRow:
    response: Response
    overall: str | None
    reviewed: bool
    overdue: bool


@dataclass(frozen=True)
class ConsultationRow:
    consultation: Consultation
    invitations: list[Invitation]
    responses: list[ResponseRow] = field(default_factory=list)

    @property
    def overall(self) -> str | None:
        colours = [r.overall for r in self.responses if r.overall]
        return min(colours, key=COLOUR_RANK.__getitem__) if colours else None

    @property
    def rank(self) -> int:
        return COLOUR_RANK[self.overall]


@dataclass(frozen=True)
class Filters:
    day: dt.date
    colour: str | None = None
    questionnaire: str | None = None
    unreviewed: bool = False

    def keep(self, row: ResponseRow) -> bool:
        if self.colour and row.overall != self.colour:
            return False
        if self.questionnaire and (
            row.response.questionnaire_version.questionnaire_id != self.questionnaire
        ):
            return False
        return not (self.unreviewed and row.reviewed)


def _original_results() -> Prefetch[Any]:
    return Prefetch(
        "results",
        queryset=ScoringResult.objects.filter(kind=ScoringResult.Kind.ORIGINAL).only(
            "id", "response_id", "overall", "scored_at"
        ),
        to_attr="original_results",
    )


def _responses() -> QuerySet[Response]:
    # A list needs the version's id and number, never its content (the whole
    # questionnaire as JSON).
    return (
        Response.objects.select_related(
            "questionnaire_version", "review", "invitation__consultation", "patient"
        )
        .defer("questionnaire_version__content")
        .prefetch_related(_original_results())
    )


def _overdue(response: Response, overall: str | None, reviewed: bool, now: dt.datetime) -> bool:
    if overall != "red" or reviewed or response.submitted_at is None:
        return False
    consultation = response.invitation.consultation if response.invitation else None
    if consultation is not None:
        return consultation.starts_at <= now
    return response.submitted_at + RED_UNREVIEWED_AFTER <= now


def response_row(response: Response, now: dt.datetime) -> ResponseRow:
    results = getattr(response, "original_results", [])
    overall = results[0].overall if results else None
    reviewed = hasattr(response, "review")
    return ResponseRow(response, overall, reviewed, _overdue(response, overall, reviewed, now))


def day_list(user: User, filters: Filters, *, clinical: bool) -> list[ConsultationRow]:
    """The day's consultations of the user's organisations, red first.

    Without ``clinical`` (secretaries) no colour or response is attached.
    """
    now = timezone.now()
    start = timezone.make_aware(dt.datetime.combine(filters.day, dt.time.min))
    consultations = visible_to(
        Consultation.objects.all(), user, roles=PATIENT_IDENTITY_ROLES
    ).filter(starts_at__gte=start, starts_at__lt=start + dt.timedelta(days=1))
    invitations = Invitation.objects.order_by("created_at")
    if clinical:
        invitations = invitations.prefetch_related(
            Prefetch(
                "responses",
                queryset=_responses().filter(status=Response.Status.SUBMITTED),
                to_attr="submitted_responses",
            )
        )
    consultations = consultations.select_related("patient").prefetch_related(
        Prefetch("invitations", queryset=invitations, to_attr="invitation_list")
    )
    rows = []
    for consultation in consultations.order_by("starts_at"):
        responses = [
            response_row(response, now)
            for invitation in consultation.invitation_list
            for response in getattr(invitation, "submitted_responses", [])
        ]
        kept = [r for r in responses if filters.keep(r)]
        narrowing = filters.colour or filters.questionnaire or filters.unreviewed
        if clinical and narrowing and not kept:
            continue
        rows.append(ConsultationRow(consultation, consultation.invitation_list, kept))
    if clinical:
        rows.sort(key=lambda row: (row.rank, row.consultation.starts_at))
    return rows


def unreviewed(user: User) -> list[ResponseRow]:
    """Every submitted response no clinician has reviewed, booked or not,
    red first, oldest first within a colour."""
    now = timezone.now()
    responses = visible_to(_responses(), user, roles=CLINICAL_ROLES).filter(
        status=Response.Status.SUBMITTED, review__isnull=True
    )
    rows = [response_row(r, now) for r in responses.order_by("submitted_at")]
    rows.sort(key=lambda r: (not r.overdue, COLOUR_RANK[r.overall]))
    return rows


def awaiting_review(rows: list[ResponseRow], filters: Filters) -> list[ResponseRow]:
    """The unreviewed rows the filters keep."""
    return [r for r in rows if filters.keep(r)]


def overdue_reds(rows: list[ResponseRow]) -> list[ResponseRow]:
    """Reds still unreviewed past the consultation, or 24 h after submitting:
    shown above everything, whatever the filters."""
    return [r for r in rows if r.overdue]


def search_patients(user: User, text: str) -> list[Patient]:
    """By exact CPR number (through the keyed hash) or part of the name."""
    text = text.strip()
    if not text:
        return []
    query = Q(name__icontains=text)
    with contextlib.suppress(ValueError):  # not a CPR number: search by name only
        query |= Q(cpr_hash=Patient.hash_for(text))
    patients = visible_to(Patient.objects.all(), user, roles=PATIENT_IDENTITY_ROLES)
    return list(patients.filter(query).order_by("name")[:50])


def recent_responses(patients: list[Patient]) -> dict[int, list[ResponseRow]]:
    """Each patient's submitted responses, newest first, in one query."""
    now = timezone.now()
    rows: dict[int, list[ResponseRow]] = {p.pk: [] for p in patients}
    responses = _responses().filter(patient__in=patients, status=Response.Status.SUBMITTED)
    for response in responses.order_by("-submitted_at"):
        rows[response.patient_id].append(response_row(response, now))
    return rows

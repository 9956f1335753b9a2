"""Finding a patient by CPR number or part of the name, at a region's scale.

Reads only, for ``scoring.door``, which decides the organisations a search
may show and audits the patients shown. A search costs what it shows, not
what the clinic holds (issue 16):

- a CPR number (ten digits, a dash or a space allowed) is looked up by its
  keyed hash alone, on an index of ``cpr_hash``; it is never OR-ed with a
  name condition, which made PostgreSQL read every patient of the clinic;
- part of a name is ``name__icontains``, which Django writes on PostgreSQL as
  ``UPPER(name::text) LIKE UPPER('%part%')``: with the organisation, the
  condition the index ``patient_organisation_name_trgm`` (organisation and
  name trigrams, pro_portal migration 0009) serves, reading the clinic's own
  names only;
- at most ``PATIENTS_SHOWN`` patients (``find_patients`` says why they are
  not sorted in the database), with word when more matched, and at most
  ``RESPONSES_SHOWN`` responses each, the newest, with how many more.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.urls import reverse

from pro_portal.cpr import CPR_PATTERN
from pro_portal.i18n import sort_key
from pro_portal.models import Patient
from questionnaires.models import Response
from scoring import worklist

PATIENTS_SHOWN = 50
RESPONSES_SHOWN = 5


@dataclass(frozen=True)
class Found:
    """The patients a search shows, by name, and whether more matched."""

    patients: list[Patient]
    more: bool = False  # more than PATIENTS_SHOWN matched: the user should narrow the search


@dataclass(frozen=True)
class Responses:
    """A patient's newest submitted responses and how many more they have."""

    newest: list[worklist.ResponseRow] = field(default_factory=list)
    more: int = 0


@dataclass(frozen=True)
class Row:
    """One patient found: who, the newest responses (clinicians only), and
    the patient's page."""

    patient: Patient
    responses: Responses
    url: str


def rows(patients: list[Patient], responses: dict[int, Responses]) -> list[Row]:
    """The rows of the page, with the patient page's URL from one reverse()
    for the list rather than two per patient."""
    placeholder = uuid.UUID(int=0)
    pattern = reverse("scoring:patient", args=[placeholder])
    return [
        Row(
            patient,
            responses.get(patient.pk, Responses()),
            pattern.replace(str(placeholder), str(patient.public_id)),
        )
        for patient in patients
    ]


def looks_like_cpr(text: str) -> bool:
    """Ten digits, as DDMMYYXXXX or DDMMYY-XXXX: searched as a CPR number only."""
    return CPR_PATTERN.fullmatch(text.strip()) is not None


def name_matches(text: str) -> Q:
    """Part of a name, in any case: ``UPPER(name) LIKE UPPER('%text%')`` on
    PostgreSQL, the condition the index ``patient_organisation_name_trgm``
    serves beside the organisation."""
    return Q(name__icontains=text)


def matching(seen: worklist.Organisations, text: str) -> QuerySet[Patient]:
    """The ``seen`` organisations' patients with this CPR number, or whose
    name holds ``text`` (any case), in no order; every one of them (what
    ``find_patients`` limits, and what a benchmark EXPLAINs). Never the CPR
    number itself: the list shows the name and the birth date."""
    text = text.strip()
    if not text:
        return Patient.objects.none()
    patients = Patient.objects.filter(organisation__in=seen).defer("cpr")
    if not looks_like_cpr(text):
        return patients.filter(name_matches(text))
    try:
        digest = Patient.hash_for(text)
    except ValueError:  # ten digits that are no date of birth: nobody has them
        return Patient.objects.none()
    # One per organisation at most; a member of two clinics may find two.
    return patients.filter(cpr_hash=digest)


def find_patients(seen: worklist.Organisations, text: str, language: str) -> Found:
    """At most ``PATIENTS_SHOWN`` patients ``matching``, by name as a reader
    of ``language`` sorts, and whether more matched (one more is read
    rather than all counted).

    The database does not sort them: to give the first 50 by name it must
    read every match (6,576 patients for "jensen" in a clinic of 100,000,
    80 ms), where unsorted it stops at the 51st. So when more than 50 match,
    the 50 shown are 50 of them, not the first 50 by name, and the page asks
    for more of the name; when 50 or fewer match, all are shown, in order.
    """
    found = list(matching(seen, text)[: PATIENTS_SHOWN + 1])
    shown = sorted(found[:PATIENTS_SHOWN], key=lambda p: (sort_key(p.name, language), p.pk))
    return Found(shown, more=len(found) > PATIENTS_SHOWN)


def newest_responses(
    clinical: worklist.Organisations, patients: list[Patient], language: str
) -> dict[int, Responses]:
    """Each patient's newest ``RESPONSES_SHOWN`` submitted responses of the
    ``clinical`` organisations, newest first, and how many more there are:
    one query picks and counts them (a window per patient), two more read
    the rows shown (``worklist`` reads them as its lists do)."""
    submitted = Response.objects.filter(
        organisation__in=clinical, patient__in=patients, status=Response.Status.SUBMITTED
    )
    newest_first = (F("submitted_at").desc(), F("pk").desc())
    picked = (
        submitted.annotate(
            rank=Window(RowNumber(), partition_by=F("patient_id"), order_by=newest_first),
            total=Window(Count("pk"), partition_by=F("patient_id")),
        )
        .filter(rank__lte=RESPONSES_SHOWN)
        .values_list("pk", "patient_id", "total")
    )
    ids, more = [], {}
    for pk, patient_id, total in picked:
        ids.append(pk)
        more[patient_id] = total - RESPONSES_SHOWN
    rows: dict[int, list[worklist.ResponseRow]] = {p.pk: [] for p in patients}
    if ids:
        shown = Response.objects.filter(pk__in=ids).order_by(*newest_first)
        # The worklist's own reading of a response row (colour, reviewed,
        # summary link), so the search shows a response as every list does.
        for row in worklist.response_rows(shown, language):
            rows[row.patient.pk].append(row)
    return {pk: Responses(newest, max(0, more.get(pk, 0))) for pk, newest in rows.items()}

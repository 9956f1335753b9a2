"""Selectors for the worklist: who needs attention today, and why.

Reads only, for ``scoring.door``, which decides the organisations each list
may show (``organisations``: a subquery of organisation ids) and audits what
is shown. Every list is fetched with a fixed number of queries whatever its
length.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone

from pro_portal.i18n import sort_key
from pro_portal.models import Patient
from questionnaires.models import (
    Consultation,
    Invitation,
    QuestionnaireVersion,
    Response,
    ScoringResult,
    UnsentSafetyNotice,
)
from scoring import presentation
from scoring.engine import pick_text

#: Ids of the organisations a list may show, as a subquery
#: (``pro_portal.access.organisations_where``).
Organisations = QuerySet[Any]

# What a list shows of a response is its stored colour, except that a safety
# question left unanswered ranks with red and any other unknown is
# "incomplete" (scoring.presentation): red and safety question unanswered
# first, then yellow; incomplete before green because someone must look at
# it; not answered last.
COLOUR_RANK = presentation.RANK
# A stored result with a safety rule among its not-assessable rules. The
# engine writes each entry with the rule's ``safety``; a text match on the
# entries' JSON reads it in the database on PostgreSQL (jsonb text,
# ``"safety": true``) and SQLite (minified, ``"safety":true``) alike, where
# ``contains`` on a JSON array is PostgreSQL's alone. A string value cannot
# hold the pattern: its quotes are escaped.
_SAFETY_UNKNOWN = {"result__not_assessable__regex": r'"safety": ?true'}
_MAY_HIDE_SAFETY_UNKNOWN = (ScoringResult.Overall.YELLOW, ScoringResult.Overall.NOT_ASSESSABLE)
# A red nobody has reviewed this long after submitting (when no consultation
# is booked) is raised at the top of every clinician's worklist.
RED_UNREVIEWED_AFTER = dt.timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class PatientRef:
    """What a list shows and audits of a patient: never the CPR number."""

    pk: int
    public_id: uuid.UUID
    organisation_id: int
    name: str


@dataclass(frozen=True, slots=True)
class ResponseRow:
    public_id: uuid.UUID
    patient: PatientRef
    questionnaire_id: str
    questionnaire_title: str
    version: str
    submitted_at: dt.datetime
    consultation_id: int | None
    consultation_starts_at: dt.datetime | None
    overall: str | None  # what the list shows (presentation.shown_state), not the stored colour
    reviewed: bool
    overdue: bool
    summary_url: str


@dataclass(frozen=True, slots=True)
class ConsultationRow:
    starts_at: dt.datetime
    patient: PatientRef
    invitation_states: list[str]  # as the secretary reads them, expired once run out
    responses: list[ResponseRow] = field(default_factory=list)
    overall: str | None = field(init=False)  # the most urgent colour of the responses

    def __post_init__(self) -> None:
        colours = [r.overall for r in self.responses if r.overall]
        # Red and a safety question unanswered rank together; red names the row.
        worst = min(colours, key=lambda c: (COLOUR_RANK[c], c != "red")) if colours else None
        object.__setattr__(self, "overall", worst)


@dataclass(frozen=True)
class Filters:
    day: dt.date
    colour: str | None = None
    questionnaire: str | None = None
    unreviewed: bool = False

    def keep(self, row: ResponseRow) -> bool:
        # By rank: "red" keeps the safety questions left unanswered, which rank with it.
        if self.colour and COLOUR_RANK.get(row.overall) != COLOUR_RANK.get(self.colour):
            return False
        if self.questionnaire and row.questionnaire_id != self.questionnaire:
            return False
        return not (self.unreviewed and row.reviewed)


# Lists read plain values, not model instances: a day of 100 consultations
# built six model instances per response, which cost more than the queries.
_PATIENT_FIELDS = ("patient_id", "patient__public_id", "patient__organisation_id", "patient__name")
_RESPONSE_FIELDS = (
    "public_id",
    *_PATIENT_FIELDS,
    "questionnaire_version_id",
    "questionnaire_version__questionnaire_id",
    "questionnaire_version__version",
    "submitted_at",
    "consultation_id",
    "consultation__starts_at",
    "original_overall",
    "original_safety_unknown",
    "review__id",
)


def _patient(values: dict[str, Any]) -> PatientRef:
    return PatientRef(
        pk=values["patient_id"],
        public_id=values["patient__public_id"],
        organisation_id=values["patient__organisation_id"],
        name=values["patient__name"],
    )


def _overdue(
    overall: str | None,
    reviewed: bool,
    submitted_at: dt.datetime,
    consultation_starts_at: dt.datetime | None,
    now: dt.datetime,
) -> bool:
    if COLOUR_RANK.get(overall) != COLOUR_RANK["red"] or reviewed:
        return False
    if consultation_starts_at is not None:
        return consultation_starts_at <= now
    return submitted_at + RED_UNREVIEWED_AFTER <= now


def _titles(version_ids: set[int], language: str) -> dict[int, str]:
    """Each version's title, read once per version rather than once per row
    (it lives in the version's JSON content, which PostgreSQL would read in
    whole for every row)."""
    versions = QuestionnaireVersion.objects.filter(pk__in=version_ids)
    return {
        pk: pick_text(title, language) for pk, title in versions.values_list("pk", "content__title")
    }


def questionnaire_choices(language: str) -> list[tuple[str, str]]:
    """(questionnaire id, title) for the filter, by title: a clinician knows
    "Langvarige smerter", not ``chronic_pain``. The newest version's title."""
    titles: dict[str, str] = {}
    versions = QuestionnaireVersion.objects.order_by("questionnaire_id", "-published_at")
    for questionnaire_id, title in versions.values_list("questionnaire_id", "content__title"):
        titles.setdefault(questionnaire_id, pick_text(title, language) or questionnaire_id)
    return sorted(titles.items(), key=lambda choice: sort_key(choice[1], language))


def _summary_url_maker() -> Callable[[uuid.UUID], str]:
    """The summary page's URL for a response id: reverse() once per list,
    not once per row (per row it was a fifth of a day list's rendering)."""
    placeholder = uuid.UUID(int=0)
    pattern = reverse("scoring:summary", args=[placeholder])
    return lambda public_id: pattern.replace(str(placeholder), str(public_id))


def _response_rows(responses: QuerySet[Response], language: str) -> list[ResponseRow]:
    """Submitted responses as rows, with their original overall colour and
    whether they were reviewed, in two queries."""
    now = timezone.now()
    originals = ScoringResult.objects.filter(
        response=OuterRef("pk"), kind=ScoringResult.Kind.ORIGINAL
    )
    submitted = responses.filter(status=Response.Status.SUBMITTED).annotate(
        original_overall=Subquery(originals.values("overall")[:1]),
        # Only a yellow or not-assessable result can hold one (red stays red,
        # green has no unknowns): the text match runs on those alone.
        original_safety_unknown=Exists(
            originals.filter(overall__in=_MAY_HIDE_SAFETY_UNKNOWN, **_SAFETY_UNKNOWN)
        ),
    )
    listed = list(submitted.values(*_RESPONSE_FIELDS))
    titles = _titles({values["questionnaire_version_id"] for values in listed}, language)
    summary_url = _summary_url_maker()
    rows = []
    for values in listed:
        overall = presentation.shown_state(
            values["original_overall"], safety_unanswered=values["original_safety_unknown"]
        )
        reviewed = values["review__id"] is not None
        starts_at = values["consultation__starts_at"]
        rows.append(
            ResponseRow(
                public_id=values["public_id"],
                patient=_patient(values),
                questionnaire_id=values["questionnaire_version__questionnaire_id"],
                questionnaire_title=titles[values["questionnaire_version_id"]],
                version=values["questionnaire_version__version"],
                submitted_at=values["submitted_at"],
                consultation_id=values["consultation_id"],
                consultation_starts_at=starts_at,
                overall=overall,
                reviewed=reviewed,
                overdue=_overdue(overall, reviewed, values["submitted_at"], starts_at, now),
                summary_url=summary_url(values["public_id"]),
            )
        )
    return rows


def day_list(
    filters: Filters, *, seen: Organisations, clinical: Organisations | None, language: str
) -> list[ConsultationRow]:
    """The day's consultations of the ``seen`` organisations, red first.

    Colours and responses only from the ``clinical`` organisations (where
    the user is a clinician); without them (secretaries) none are attached.
    """
    start = timezone.make_aware(dt.datetime.combine(filters.day, dt.time.min))
    day = Consultation.objects.filter(
        organisation__in=seen, starts_at__gte=start, starts_at__lt=start + dt.timedelta(days=1)
    )
    consultations = list(day.order_by("starts_at").values("id", "starts_at", *_PATIENT_FIELDS))
    # The day's invitations and responses through subqueries, not lists of ids
    # (binding hundreds of ids cost more than the query).
    now = timezone.now()
    invitations: dict[int, list[tuple[int, str]]] = {}  # consultation: [(invitation, state)]
    for invitation in (
        Invitation.objects.filter(consultation__in=day.values("pk"))
        .order_by("created_at")
        .values("id", "consultation_id", "state", "expires_at")
    ):
        state = Invitation.state_at(invitation["state"], invitation["expires_at"], now)
        invitations.setdefault(invitation["consultation_id"], []).append((invitation["id"], state))
    responses: dict[int, list[ResponseRow]] = {}
    if clinical is not None:
        # Colours only where the user is a clinician, not where they are a secretary.
        # By the consultation each response is for: those of its invitations,
        # and answers given on the waiting-room tablet that day.
        answered = Response.objects.filter(
            organisation__in=clinical, consultation__in=day.values("pk")
        ).order_by("pk")
        for row in _response_rows(answered, language):
            responses.setdefault(row.consultation_id or 0, []).append(row)
    narrowing = filters.colour or filters.questionnaire or filters.unreviewed
    rows = []
    labels = {state: str(label) for state, label in Invitation.State.choices}
    for consultation in consultations:
        listed = invitations.get(consultation["id"], [])
        kept = [r for r in responses.get(consultation["id"], []) if filters.keep(r)]
        if clinical is not None and narrowing and not kept:
            continue
        states = [labels[state] for _pk, state in listed]
        rows.append(
            ConsultationRow(consultation["starts_at"], _patient(consultation), states, kept)
        )
    if clinical is not None:
        rows.sort(key=lambda row: (COLOUR_RANK[row.overall], row.starts_at))
    return rows


def _unreviewed(clinical: Organisations) -> QuerySet[Response]:
    return Response.objects.filter(
        organisation__in=clinical, status=Response.Status.SUBMITTED, review__isnull=True
    )


def unreviewed(clinical: Organisations, language: str) -> list[ResponseRow]:
    """Every submitted response no clinician has reviewed, booked or not,
    overdue reds first, then by colour, oldest first within a colour."""
    rows = _response_rows(_unreviewed(clinical).order_by("submitted_at"), language)
    rows.sort(key=lambda r: (not r.overdue, COLOUR_RANK[r.overall]))
    return rows


@dataclass(frozen=True, slots=True)
class Alerts:
    """What every worklist page shows above its list."""

    overdue: list[ResponseRow]  # reds unreviewed past the consultation, or 24 h after submitting
    unreviewed: int  # responses awaiting review, the tab's count

    @classmethod
    def of(cls, unreviewed: list[ResponseRow]) -> Alerts:
        """From every unreviewed row, when a page has read them anyway."""
        return cls(overdue=[r for r in unreviewed if r.overdue], unreviewed=len(unreviewed))


def alerts(clinical: Organisations, language: str) -> Alerts:
    """The count of unreviewed responses and the overdue reds (and safety
    questions left unanswered, which rank with red), in one query when (as on
    most days) none is overdue."""
    now = timezone.now()
    late = Q(consultation__starts_at__lte=now) | Q(
        consultation__isnull=True, submitted_at__lte=now - RED_UNREVIEWED_AFTER
    )
    original = Q(results__kind=ScoringResult.Kind.ORIGINAL)
    unknown = {f"results__{key}": value for key, value in _SAFETY_UNKNOWN.items()}
    hidden = Q(results__overall__in=_MAY_HIDE_SAFETY_UNKNOWN, **unknown)
    red = original & (Q(results__overall=ScoringResult.Overall.RED) | hidden)
    unreviewed = _unreviewed(clinical)
    counts = unreviewed.aggregate(
        total=Count("pk", distinct=True), overdue=Count("pk", filter=late & red, distinct=True)
    )
    overdue = []
    if counts["overdue"]:
        reds = unreviewed.filter(late & red).order_by("submitted_at")
        # The same rule again in Python (_overdue) keeps the two from drifting apart.
        overdue = [row for row in _response_rows(reds, language) if row.overdue]
    return Alerts(overdue=overdue, unreviewed=counts["total"])


def awaiting_review(rows: list[ResponseRow], filters: Filters) -> list[ResponseRow]:
    """The unreviewed rows the filters keep."""
    return [r for r in rows if filters.keep(r)]


@dataclass(frozen=True, slots=True)
class UnsentRow:
    """A safety answer saved but not sent (questionnaires.unsent), as the top of
    the worklist lists it: who, which questionnaire, when last saved."""

    public_id: uuid.UUID
    patient: PatientRef
    questionnaire_title: str
    last_saved_at: dt.datetime
    url: str


def unsent_safety(clinical: Organisations, language: str) -> list[UnsentRow]:
    """The open notices of safety answers saved but not sent, of the ``clinical``
    organisations (the inviting organisation's clinicians only), oldest first:
    not handled, and the response still not submitted."""
    notices = (
        UnsentSafetyNotice.objects.filter(
            organisation__in=clinical, handled_at__isnull=True, cleared_at__isnull=True
        )
        .exclude(response__status=Response.Status.SUBMITTED)
        .order_by("last_saved_at")
        .values(
            "public_id", *_PATIENT_FIELDS, "response__questionnaire_version_id", "last_saved_at"
        )
    )
    listed = list(notices)
    titles = _titles({values["response__questionnaire_version_id"] for values in listed}, language)
    return [
        UnsentRow(
            public_id=values["public_id"],
            patient=_patient(values),
            questionnaire_title=titles[values["response__questionnaire_version_id"]],
            last_saved_at=values["last_saved_at"],
            url=reverse("scoring:unsent", args=[values["public_id"]]),
        )
        for values in listed
    ]


def search_patients(seen: Organisations, text: str) -> list[Patient]:
    """By exact CPR number (through the keyed hash) or part of the name."""
    text = text.strip()
    if not text:
        return []
    query = Q(name__icontains=text)
    with contextlib.suppress(ValueError):  # not a CPR number: search by name only
        query |= Q(cpr_hash=Patient.hash_for(text))
    patients = Patient.objects.filter(organisation__in=seen)
    return list(patients.filter(query).order_by("name")[:50])


def recent_responses(
    clinical: Organisations, patients: list[Patient], language: str
) -> dict[int, list[ResponseRow]]:
    """Each patient's submitted responses of the ``clinical`` organisations,
    newest first, in one query."""
    rows: dict[int, list[ResponseRow]] = {p.pk: [] for p in patients}
    responses = Response.objects.filter(organisation__in=clinical)
    for row in _response_rows(
        responses.filter(patient__in=patients).order_by("-submitted_at"), language
    ):
        rows[row.patient.pk].append(row)
    return rows

"""Selectors for the worklist: who needs attention today, and why.

Reads only, for ``scoring.door``, which decides the organisations each list
may show (``organisations``: a subquery of organisation ids) and audits what
is shown. Every list is fetched with a fixed number of queries whatever its
length, and costs what it shows rather than the clinic's history: what a
response shows and whether it was reviewed are read from the response itself
(``Response.shown``, ``attention``, ``reviewed_at``), and the unreviewed ones
are found on a partial index of the responses submitted and not reviewed.
The lists that grow with the backlog (awaiting review, and the overdue block
above both tabs) come a page at a time.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from pro_portal.i18n import sort_key
from questionnaires.models import (
    Consultation,
    Invitation,
    QuestionnaireVersion,
    Response,
    UnsentSafetyNotice,
    version_titles,
)
from scoring import presentation
from scoring.engine import pick_text

#: Ids of the organisations a list may show, as a subquery
#: (``pro_portal.access.organisations_where``) or a list
#: (``pro_portal.access.organisation_ids_where``, which the clinical lists
#: are given so that PostgreSQL plans for the clinic).
Organisations = QuerySet[Any] | list[int]

# What a list shows of a response is its stored colour, except that a safety
# question left unanswered ranks with red and any other unknown is
# "incomplete" (scoring.presentation): red and safety question unanswered
# first, then yellow; incomplete before green because someone must look at
# it; not answered last.
COLOUR_RANK = presentation.RANK
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
    page: int = 1  # of the awaiting-review list
    overdue_page: int = 1  # of the overdue block above both tabs

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
    "questionnaire_version__content_hash",  # its title, from the compiled definition
    "submitted_at",
    "consultation_id",
    "consultation__starts_at",
    "shown",
    "reviewed_at",
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


def _titles_of(keys: set[tuple[int, str]], language: str) -> dict[int, str]:
    """Each version's title by pk, for ``(pk, content hash)`` the rows read
    with their version: no query once the process has compiled them."""
    return {pk: pick_text(title, language) for pk, title in version_titles(list(keys)).items()}


def questionnaire_choices(language: str) -> list[tuple[str, str]]:
    """(questionnaire id, title) for the filter, by title: a clinician knows
    "Langvarige smerter", not ``chronic_pain``. The newest version's title."""
    titles: dict[str, str] = {}
    versions = list(
        QuestionnaireVersion.objects.order_by("questionnaire_id", "-published_at").values_list(
            "pk", "content_hash", "questionnaire_id"
        )
    )
    by_pk = version_titles([(pk, content_hash) for pk, content_hash, _ in versions])
    for pk, _hash, questionnaire_id in versions:
        titles.setdefault(questionnaire_id, pick_text(by_pk[pk], language) or questionnaire_id)
    return sorted(titles.items(), key=lambda choice: sort_key(choice[1], language))


def _summary_url_maker() -> Callable[[uuid.UUID], str]:
    """The summary page's URL for a response id: reverse() once per list,
    not once per row (per row it was a fifth of a day list's rendering)."""
    placeholder = uuid.UUID(int=0)
    pattern = reverse("scoring:summary", args=[placeholder])
    return lambda public_id: pattern.replace(str(placeholder), str(public_id))


def response_rows(responses: QuerySet[Response], language: str) -> list[ResponseRow]:
    """Submitted responses as rows, with what they show and whether they were
    reviewed, in two queries."""
    submitted = responses.filter(status=Response.Status.SUBMITTED)
    return _rows(list(submitted.values(*_RESPONSE_FIELDS)), language)


def _rows(listed: list[dict[str, Any]], language: str) -> list[ResponseRow]:
    """Rows of responses read as ``_RESPONSE_FIELDS``."""
    now = timezone.now()
    titles = _titles_of(
        {
            (values["questionnaire_version_id"], values["questionnaire_version__content_hash"])
            for values in listed
        },
        language,
    )
    summary_url = _summary_url_maker()
    rows = []
    for values in listed:
        overall = values["shown"] or None  # kept from the original result at submit
        reviewed = values["reviewed_at"] is not None
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
        for row in response_rows(answered, language):
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


#: Rows per page of the awaiting-review list, and of the overdue block above
#: both tabs (smaller: it sits above the day's consultations).
AWAITING_PAGE_SIZE = 50
OVERDUE_PAGE_SIZE = 20


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list: its rows, and where they sit among ``count``
    ("showing 51–100 of 5,377"). ``previous``/``next`` are page numbers."""

    rows: list[ResponseRow]
    number: int
    count: int
    size: int

    @property
    def first(self) -> int:
        return (self.number - 1) * self.size + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number * self.size < self.count else None

    @property
    def paged(self) -> bool:
        """Whether the list is longer than one page (the pager is shown)."""
        return self.count > self.size


def _page(
    responses: QuerySet[Response],
    order: tuple[str, ...],
    *,
    count: int,
    number: int,
    size: int,
    language: str,
) -> Page:
    """Page ``number`` (kept between the first and the last) of ``responses``
    in ``order``, whose length ``count`` the caller has read, by offset: as
    Django's Paginator does, but with the count taken in the query that reads
    the other counts of the page.

    The page's responses are chosen on the response table alone (the partial
    index's columns), then joined to their patients and versions: joined
    first, PostgreSQL joined the whole backlog before sorting it (15 ms for
    5,377 rows, against 3 ms)."""
    number = max(1, min(number, -(-count // size) or 1))
    chosen = responses.order_by(*order).values("pk")[(number - 1) * size : number * size]
    listed = Response.objects.filter(pk__in=chosen).order_by(*order).values(*_RESPONSE_FIELDS)
    rows = _rows(list(listed), language) if count else []
    return Page(rows=rows, number=number, count=count, size=size)


def _unreviewed(clinical: Organisations) -> QuerySet[Response]:
    """Submitted and not reviewed: read on the partial index ``response_awaiting_review``."""
    return Response.objects.filter(
        organisation__in=clinical, status=Response.Status.SUBMITTED, reviewed_at__isnull=True
    )


def _late(now: dt.datetime) -> Q:
    """Past its consultation, or (none booked) ``RED_UNREVIEWED_AFTER`` after submitting."""
    return Q(consultation__starts_at__lte=now) | Q(
        consultation__isnull=True, submitted_at__lte=now - RED_UNREVIEWED_AFTER
    )


#: Most urgent first (red and a safety question unanswered), then oldest first.
_URGENT_THEN_OLDEST = ("attention", "submitted_at", "pk")


def awaiting_review(clinical: Organisations, filters: Filters, *, page: int, language: str) -> Page:
    """One page of the submitted responses no clinician has reviewed, booked or
    not, that the filters keep: red and safety questions unanswered first,
    then by colour, oldest first within a colour."""
    unreviewed = _unreviewed(clinical)
    if filters.colour:
        unreviewed = unreviewed.filter(attention=COLOUR_RANK[filters.colour])
    if filters.questionnaire:
        unreviewed = unreviewed.filter(
            questionnaire_version__questionnaire_id=filters.questionnaire
        )
    return _page(
        unreviewed,
        _URGENT_THEN_OLDEST,
        count=unreviewed.count(),
        number=page,
        size=AWAITING_PAGE_SIZE,
        language=language,
    )


@dataclass(frozen=True, slots=True)
class Alerts:
    """What every worklist page shows above its list."""

    overdue: Page  # reds unreviewed past the consultation, or 24 h after submitting
    unreviewed: int  # responses awaiting review, the tab's count

    @classmethod
    def none(cls) -> Alerts:
        return cls(Page(rows=[], number=1, count=0, size=OVERDUE_PAGE_SIZE), 0)


def alerts(clinical: Organisations, language: str, *, page: int = 1) -> Alerts:
    """The count of unreviewed responses and a page of the overdue reds (and
    safety questions left unanswered, which rank with red), oldest first: one
    query for both counts, and (only when some are overdue) one for the page."""
    now = timezone.now()
    overdue = Q(attention=COLOUR_RANK["red"]) & _late(now)
    unreviewed = _unreviewed(clinical)
    counts = unreviewed.aggregate(total=Count("pk"), overdue=Count("pk", filter=overdue))
    shown = _page(
        unreviewed.filter(overdue),
        ("submitted_at", "pk"),
        count=counts["overdue"],
        number=page,
        size=OVERDUE_PAGE_SIZE,
        language=language,
    )
    return Alerts(overdue=shown, unreviewed=counts["total"])


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
            "public_id",
            *_PATIENT_FIELDS,
            "response__questionnaire_version_id",
            "response__questionnaire_version__content_hash",
            "last_saved_at",
        )
    )
    listed = list(notices)
    titles = _titles_of(
        {
            (
                values["response__questionnaire_version_id"],
                values["response__questionnaire_version__content_hash"],
            )
            for values in listed
        },
        language,
    )
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

"""The one door to patient data for staff.

Every helper here checks the organisation that invited the patient and the
user's role there, writes the audit row for what it returns, and reads
inside ``patient_data_scope`` — in one call, so a view cannot forget any of
the three. Views never filter by organisation or write audit rows
themselves. Anything the user may not see is ``Http404``, never 403, which
would confirm that the patient exists.

One-patient helpers are context managers: the check and the audit happen
on entry, and the block (reading the summary, rendering the page, calling a
reception service) runs inside the scope. List helpers return the rows
shown and audit exactly those patients.

Who may see what (``pro_portal.access``): clinicians and secretaries see who
the patient is and their invitations; only clinicians see answers, scores
and flags, and who has read a patient's data (the access log).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import models
from django.http import Http404

from pro_portal.access import (
    ACCESS_LOG_ROLES,
    CLINICAL_ROLES,
    PATIENT_IDENTITY_ROLES,
    organisation_ids_where,
    organisations_where,
    patient_data_scope,
)
from pro_portal.audit import audit_record, audit_record_many
from pro_portal.models import Organisation, Patient, User
from questionnaires.models import Invitation, Response, UnsentSafetyNotice
from scoring import search, worklist

M = TypeVar("M", bound=models.Model)

DOOR = "staff"


def _parse_uuid(value: uuid.UUID | str) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Http404 from None


@contextmanager
def _record(
    user: User,
    queryset: models.QuerySet[M],
    public_id: uuid.UUID | str,
    *,
    roles: Collection[str],
    action: str,
    patient_of: Callable[[M], Patient],
) -> Iterator[M]:
    """One row of an organisation where the user holds one of ``roles``,
    audited as ``action``, with the block inside the scope; else Http404."""
    with patient_data_scope(DOOR):
        row = queryset.filter(
            organisation__in=organisations_where(user, roles), public_id=_parse_uuid(public_id)
        ).first()
        if row is None:
            raise Http404
        audit_record(action=action, actor=user, patient=patient_of(row), obj=row)
        yield row


def patient_record(
    user: User, patient_id: uuid.UUID | str, *, action: str
) -> AbstractContextManager[Patient]:
    """One patient's identity, consultations and invitations (clinician or secretary)."""
    return _record(
        user,
        Patient.objects.select_related("organisation"),
        patient_id,
        roles=PATIENT_IDENTITY_ROLES,
        action=action,
        patient_of=lambda patient: patient,
    )


def invitation_record(
    user: User, invitation_id: uuid.UUID | str, *, action: str
) -> AbstractContextManager[Invitation]:
    """One invitation, for reception (clinician or secretary)."""
    return _record(
        user,
        Invitation.objects.select_related("patient", "organisation", "consultation"),
        invitation_id,
        roles=PATIENT_IDENTITY_ROLES,
        action=action,
        patient_of=lambda invitation: invitation.patient,
    )


def response_record(
    user: User, response_id: uuid.UUID | str, *, action: str
) -> AbstractContextManager[Response]:
    """A submitted response with its answers, scores and flags: clinicians only."""
    return _record(
        user,
        Response.objects.filter(status=Response.Status.SUBMITTED)
        .select_related(
            "questionnaire_version",
            "patient",
            "organisation",
            "consultation",
            "review__reviewed_by",
        )
        # The version's compiled definition is cached per process: its content
        # (up to 165 kB of JSON for chronic pain) is not read and decoded on
        # every view of a summary. Its review and reviewer in the same query.
        .defer("questionnaire_version__content", "questionnaire_version__source"),
        response_id,
        roles=CLINICAL_ROLES,
        action=action,
        patient_of=lambda response: response.patient,
    )


def unsent_notice_record(
    user: User, notice_id: uuid.UUID | str, *, action: str
) -> AbstractContextManager[UnsentSafetyNotice]:
    """A safety answer saved but not sent, with the response's saved answers:
    clinicians of the organisation that invited the patient only."""
    return _record(
        user,
        UnsentSafetyNotice.objects.select_related(
            "patient", "organisation", "response__questionnaire_version", "handled_by"
        ),
        notice_id,
        roles=CLINICAL_ROLES,
        action=action,
        patient_of=lambda notice: notice.patient,
    )


def access_log_record(
    user: User, patient_id: uuid.UUID | str, *, action: str
) -> AbstractContextManager[Patient]:
    """One patient, to read who has read their data (``ACCESS_LOG_ROLES``);
    the read of the log is itself audited, as ``action``."""
    return _record(
        user,
        Patient.objects.select_related("organisation"),
        patient_id,
        roles=ACCESS_LOG_ROLES,
        action=action,
        patient_of=lambda patient: patient,
    )


def may_see_access_log(user: User, patient: Patient) -> bool:
    """Whether ``user`` may open ``patient``'s access log (to offer the link)."""
    return (
        organisations_where(user, ACCESS_LOG_ROLES)
        .filter(organisation_id=patient.organisation_id)
        .exists()
    )


def may_read_answers(user: User, patient: Patient) -> bool:
    """Whether ``user`` may read ``patient``'s answers (to offer summary links)."""
    return (
        organisations_where(user, CLINICAL_ROLES)
        .filter(organisation_id=patient.organisation_id)
        .exists()
    )


@dataclass(frozen=True)
class Reception:
    """The reception desk of one member of staff: where they may register and
    invite patients, and a look-up by CPR number that is audited when it finds."""

    user: User
    organisations: list[Organisation]

    def patient_by_cpr(self, cpr_text: str) -> Patient | None:
        """Exact look-up through the keyed hash; audited when found."""
        try:
            digest = Patient.hash_for(cpr_text)
        except ValueError:
            return None
        patient = Patient.objects.filter(
            organisation__in=organisations_where(self.user, PATIENT_IDENTITY_ROLES),
            cpr_hash=digest,
        ).first()
        if patient is not None:
            audit_record(action="patient.search", actor=self.user, patient=patient, obj=patient)
        return patient


@contextmanager
def reception(user: User) -> Iterator[Reception]:
    """Finding and registering patients (clinician or secretary)."""
    organisations = list(
        Organisation.objects.filter(pk__in=organisations_where(user, PATIENT_IDENTITY_ROLES))
    )
    if not organisations:
        raise Http404
    with patient_data_scope(DOOR):
        yield Reception(user=user, organisations=organisations)


def _clinical(user: User) -> worklist.Organisations | None:
    """The organisations where the user is a clinician, or None when nowhere:
    their ids, so the lists' queries are planned for those clinics
    (``organisation_ids_where``)."""
    return organisation_ids_where(user, CLINICAL_ROLES) or None


@dataclass(frozen=True)
class WorklistPage:
    rows: list[Any]  # the rows shown: a day's consultations, or a page awaiting review
    alerts: worklist.Alerts
    clinical: bool
    unsent: list[worklist.UnsentRow] = field(default_factory=list)  # at the top, with the reds
    awaiting: worklist.Page | None = None  # the awaiting-review tab's page, with its counts


def _audit_shown(user: User, page: WorklistPage) -> None:
    """One audit row per patient on the page: its rows, the page of the overdue
    block and the unsent notices, never the rows on other pages."""
    shown = (
        {row.patient for row in page.rows}
        | {row.patient for row in page.alerts.overdue.rows}
        | {row.patient for row in page.unsent}
    )
    audit_record_many(action="worklist.view", actor=user, patients=shown)


def day_page(user: User, filters: worklist.Filters, *, language: str) -> WorklistPage:
    """The day's consultations, red first, with the overdue reds above them;
    colours only where the user is a clinician. Audits every patient shown."""
    with patient_data_scope(DOOR):
        clinical = _clinical(user)
        rows = worklist.day_list(
            filters,
            seen=organisations_where(user, PATIENT_IDENTITY_ROLES),
            clinical=clinical,
            language=language,
        )
        alerts = (
            worklist.alerts(clinical, language, page=filters.overdue_page)
            if clinical is not None
            else worklist.Alerts.none()
        )
        unsent = worklist.unsent_safety(clinical, language) if clinical is not None else []
        page = WorklistPage(rows=rows, alerts=alerts, clinical=clinical is not None, unsent=unsent)
        _audit_shown(user, page)
    return page


def awaiting_page(user: User, filters: worklist.Filters, *, language: str) -> WorklistPage:
    """A page of the submitted responses nobody has reviewed, booked or not:
    clinicians only. Audits the patients on the page."""
    with patient_data_scope(DOOR):
        clinical = _clinical(user)
        if clinical is None:
            raise Http404
        awaiting = worklist.awaiting_review(clinical, filters, page=filters.page, language=language)
        page = WorklistPage(
            rows=awaiting.rows,
            alerts=worklist.alerts(clinical, language, page=filters.overdue_page),
            clinical=True,
            unsent=worklist.unsent_safety(clinical, language),
            awaiting=awaiting,
        )
        _audit_shown(user, page)
    return page


@dataclass(frozen=True)
class SearchPage:
    rows: list[search.Row]
    clinical: bool
    more: bool  # more patients matched than are shown: narrow the search
    limit: int = search.PATIENTS_SHOWN


def patient_search(user: User, text: str, *, language: str) -> SearchPage:
    """Patients by exact CPR number or part of the name (at most
    ``search.PATIENTS_SHOWN``); a clinician also sees each one's newest
    submitted responses. Audits every patient shown, and no other."""
    with patient_data_scope(DOOR):
        found = search.find_patients(
            organisations_where(user, PATIENT_IDENTITY_ROLES), text, language
        )
        clinical = _clinical(user)
        responses = (
            search.newest_responses(clinical, found.patients, language)
            if clinical is not None
            else {}
        )
        audit_record_many(action="patient.search", actor=user, patients=found.patients)
    return SearchPage(
        rows=search.rows(found.patients, responses),
        clinical=clinical is not None,
        more=found.more,
    )

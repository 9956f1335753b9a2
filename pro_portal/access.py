"""The only way views obtain patient data.

Each ``access_*`` helper checks that the user is an active member of the
organisation that invited the patient, in a role allowed to see that kind of
data, writes one AuditEvent for the read, and returns the object. Anything the
user may not see is ``Http404`` — never 403, which would confirm that the
patient exists. Other apps build their own helpers on ``access_object``.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any, TypeVar

from django.db import models
from django.http import Http404

from pro_portal.audit import audit_record, audit_record_many
from pro_portal.models import Membership, Patient, Role, User

M = TypeVar("M", bound=models.Model)

# Who may see what. Secretaries run reception: they see who the patient is and
# the status of invitations, never answers, scores or flags. Clinic admins
# manage users and kiosks and see no patient data by that role alone.
PATIENT_IDENTITY_ROLES = frozenset({Role.CLINICIAN, Role.SECRETARY})
CLINICAL_ROLES = frozenset({Role.CLINICIAN})


def _parse_uuid(value: uuid.UUID | str) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Http404 from None


def visible_to(
    queryset: models.QuerySet[M],
    user: User,
    *,
    roles: Collection[str],
    organisation_path: str = "organisation",
) -> models.QuerySet[M]:
    """Rows of organisations where ``user`` has one of ``roles``.

    A filter, not a read: callers that show the rows must audit them.
    """
    if not (user.is_authenticated and user.is_active):
        return queryset.none()
    # A subquery, not a join through memberships: no duplicate rows, so no
    # DISTINCT over wide rows (JSON columns included) on every list.
    organisations = Membership.objects.filter(user=user, role__in=list(roles)).values(
        "organisation_id"
    )
    return queryset.filter(**{f"{organisation_path}__in": organisations})


def access_object(
    user: User,
    queryset: models.QuerySet[M],
    public_id: uuid.UUID | str,
    *,
    roles: Collection[str],
    action: str,
    organisation_path: str = "organisation",
    patient_path: str | None = None,
) -> M:
    """Fetch one row the user may see, audit the read, or raise Http404."""
    rows = visible_to(queryset, user, roles=roles, organisation_path=organisation_path)
    obj = rows.filter(public_id=_parse_uuid(public_id)).first()
    if obj is None:
        raise Http404
    patient: Any = obj if isinstance(obj, Patient) else None
    if patient_path is not None:
        patient = obj
        for attr in patient_path.split("__"):
            patient = getattr(patient, attr)
    audit_record(action=action, actor=user, patient=patient, obj=obj)
    return obj


def access_patient(user: User, patient_id: uuid.UUID | str) -> Patient:
    """The patient's identity and contact details (clinician or secretary)."""
    return access_object(
        user,
        Patient.objects.select_related("organisation"),
        patient_id,
        roles=PATIENT_IDENTITY_ROLES,
        action="patient.view",
    )


def access_patient_list(user: User, patients: models.QuerySet[Patient]) -> list[Patient]:
    """Patients shown in a list: filtered to the user's organisations, each audited."""
    rows = list(visible_to(patients, user, roles=PATIENT_IDENTITY_ROLES))
    audit_record_many(action="patient.list", actor=user, patients=rows)
    return rows


def find_patient_by_cpr(user: User, cpr_text: str) -> Patient | None:
    """Exact look-up by CPR number through the keyed hash; audited when found."""
    try:
        digest = Patient.hash_for(cpr_text)
    except ValueError:
        return None
    patient = (
        visible_to(Patient.objects.all(), user, roles=PATIENT_IDENTITY_ROLES)
        .filter(cpr_hash=digest)
        .first()
    )
    if patient is not None:
        audit_record(action="patient.search", actor=user, patient=patient, obj=patient)
    return patient

"""Writing the audit log. Every read of patient data goes through here."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models

from pro_portal.middleware import client_address
from pro_portal.models import AuditEvent, Kiosk, Organisation, Patient, User


def audit_record(
    *,
    action: str,
    actor: User | None = None,
    kiosk: Kiosk | None = None,
    actor_kind: str | None = None,
    patient: Patient | None = None,
    organisation: Organisation | None = None,
    obj: models.Model | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    kind = actor_kind or (
        AuditEvent.ActorKind.STAFF
        if actor
        else AuditEvent.ActorKind.KIOSK
        if kiosk
        else AuditEvent.ActorKind.SYSTEM
    )
    return AuditEvent.objects.create(
        action=action,
        actor_kind=kind,
        actor=actor,
        kiosk=kiosk,
        patient=patient,
        organisation=organisation or (patient.organisation if patient else None),
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(getattr(obj, "public_id", None) or obj.pk) if obj is not None else "",
        client_address=client_address.get(),
        detail=detail or {},
    )


def audit_record_many(*, action: str, actor: User, patients: Iterable[Patient]) -> None:
    """One event per patient shown in a list, written in one query."""
    address = client_address.get()
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                action=action,
                actor_kind=AuditEvent.ActorKind.STAFF,
                actor=actor,
                patient=patient,
                organisation_id=patient.organisation_id,
                object_type="pro_portal.patient",
                object_id=str(patient.public_id),
                client_address=address,
            )
            for patient in patients
        ]
    )

"""Writing the audit log. Every read of patient data goes through here."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, Protocol

from django.db import connection, models
from django.utils import timezone

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
        # By id: the patient's organisation is not read for it (a query per view).
        organisation_id=(
            organisation.pk if organisation else (patient.organisation_id if patient else None)
        ),
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(getattr(obj, "public_id", None) or obj.pk) if obj is not None else "",
        client_address=client_address.get(),
        detail=detail or {},
    )


class ShownPatient(Protocol):
    """A patient as a list holds it: a model instance or a lighter row."""

    @property
    def pk(self) -> Any: ...
    @property
    def public_id(self) -> uuid.UUID: ...
    @property
    def organisation_id(self) -> int: ...


def audit_record_many(*, action: str, actor: User, patients: Iterable[ShownPatient]) -> None:
    """One event per patient shown in a list; the event's patient is what
    was shown, so it names no other object.

    One ``INSERT … SELECT`` from the patient table rather than ``bulk_create``:
    building 100 model instances and binding their 1,100 parameters took
    longer than all of a day list's reads (tests/benchmarks/bench_day_list.py).
    The shared values are prepared by the model's own fields.
    """
    ids = sorted({patient.pk for patient in patients})
    if not ids:
        return
    shared = {
        "at": timezone.now(),
        "actor_kind": AuditEvent.ActorKind.STAFF.value,
        "actor": actor.pk,
        "kiosk": None,
        "action": action,
        "object_type": "",
        "object_id": "",
        "client_address": client_address.get(),
        "detail": {},
    }
    fields = [f for f in AuditEvent._meta.concrete_fields if f.name in shared]
    values = [f.get_db_prep_save(shared[f.name], connection) for f in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in fields)
    # Only names from the models and placeholders go into the SQL; values are parameters.
    sql = (
        f"INSERT INTO {quote(AuditEvent._meta.db_table)} ({columns}, organisation_id, patient_id) "  # noqa: S608
        f"SELECT {', '.join(['%s'] * len(values))}, organisation_id, id "
        f"FROM {quote(Patient._meta.db_table)} WHERE id IN "
    )
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 900):  # SQLite allows 999 parameters
            batch = ids[start : start + 900]
            cursor.execute(sql + f"({', '.join(['%s'] * len(batch))})", [*values, *batch])

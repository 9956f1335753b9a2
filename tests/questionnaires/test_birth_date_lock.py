"""The birth-date lock is one rule for the invitation link and the kiosk visit code."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from pro_portal.models import AuditEvent
from questionnaires.models import Invitation, VisitCode
from tests.conftest import Personas
from tests.questionnaires.test_kiosk import code_for, kiosk_post, tablet
from tests.questionnaires.test_patient_flow import invite, unlock

pytestmark = pytest.mark.django_db

WRONG = dt.date(1990, 1, 1)


def link_door(personas: Personas) -> tuple[Callable[[dt.date], Any], Invitation | VisitCode, str]:
    invitation, token = invite(personas)
    client = Client()
    return lambda date: unlock(client, token, date), invitation, "patient"


def kiosk_door(personas: Personas) -> tuple[Callable[[dt.date], Any], Invitation | VisitCode, str]:
    client, _kiosk = tablet(personas)
    code = code_for(personas)
    return (
        lambda date: client.post("/kiosk/", kiosk_post(code, date)),
        VisitCode.objects.get(),
        "kiosk",
    )


@pytest.mark.parametrize(
    ("door", "prefix"), [(link_door, "invitation"), (kiosk_door, "visit_code")]
)
def test_link_and_visit_code_lock_after_the_same_setting_with_the_same_audit_events(
    personas: Personas, settings: Any, door: Any, prefix: str
) -> None:
    settings.PATIENT_BIRTH_DATE_ATTEMPTS = 2
    post, guarded, actor_kind = door(personas)
    post(WRONG)
    guarded.refresh_from_db()
    assert guarded.locked_at is None
    post(WRONG)
    guarded.refresh_from_db()
    assert guarded.locked_at is not None
    # Locked: even the right date no longer opens it.
    assert post(personas.patient.birth_date).status_code == 200
    events = AuditEvent.objects.filter(patient=personas.patient)
    wrong = events.filter(action=f"{prefix}.birth_date_wrong").order_by("at", "pk")
    assert [(e.actor_kind, e.detail) for e in wrong] == [
        (actor_kind, {"attempt": 1}),
        (actor_kind, {"attempt": 2}),
    ]
    assert list(events.filter(action=f"{prefix}.lock").values_list("actor_kind", flat=True)) == [
        actor_kind
    ]
    assert not events.filter(action__in=["invitation.open", "kiosk.open"]).exists()


def test_the_link_counts_down_the_tries_left_from_the_setting(
    personas: Personas, settings: Any
) -> None:
    settings.PATIENT_BIRTH_DATE_ATTEMPTS = 3
    _, token = invite(personas)
    page = unlock(Client(), token, WRONG).content.decode()
    assert "2 more times" in page or "2 gange mere" in page

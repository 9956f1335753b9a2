"""``manage.py seed_scale``: a small region the clinician's pages can read.

At a tiny scale the command builds the counts it was asked for, the big
clinic's day list and a seeded patient's summary open for its clinician,
a typed CPR number finds its patient through the model's own hash, stored
results are the engine's, and the command refuses without DEBUG or
``--benchmark`` and on anything but PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
import time_machine
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from pro_portal.models import AuditEvent, Membership, Organisation, Patient, Role
from questionnaires.models import Consultation, Response, ScoringResult
from scoring.engine import evaluate, result_to_stored
from scoring.models import ResponseReview
from scoring.seed_scale import NOT_ALLOWED, NOT_EMPTY, NOT_POSTGRESQL, Plan
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.postgresql]
SCALE = 0.0005
# A Monday late morning in Copenhagen: today's consultations from 8:00 have begun.
LATE_MORNING = dt.datetime(2026, 11, 23, 10, 2, tzinfo=dt.UTC)


def seed(**options: object) -> str:
    out = io.StringIO()
    call_command("seed_scale", scale=SCALE, benchmark=True, stdout=out, **options)
    return out.getvalue()


def the_clinic() -> Organisation:
    return Organisation.objects.get(name="Smerteklinikken Syd")


def signed_in_clinician(client):
    """The clinic's seeded clinician, with a second factor as staff must have."""
    membership = Membership.objects.filter(
        organisation=the_clinic(), role=Role.CLINICIAN
    ).select_related("user")[0]
    TOTP.activate(membership.user, generate_totp_secret())
    client.force_login(membership.user)
    return membership.user


# At 0.004 more of today's reds have begun than there are overdue reds to plan.
@pytest.mark.parametrize("scale", [SCALE, 0.004])
@time_machine.travel(LATE_MORNING, tick=False)
def test_the_region_has_the_planned_counts(scale):
    plan = Plan.at_scale(scale)
    out = io.StringIO()
    call_command("seed_scale", scale=scale, benchmark=True, stdout=out)
    output = out.getvalue()

    clinic = the_clinic()
    now = timezone.now()
    clinic_responses = Response.objects.filter(organisation=clinic)
    unreviewed = clinic_responses.filter(review__isnull=True)
    overdue_reds = unreviewed.filter(results__kind="original", results__overall="red").filter(
        Q(consultation__starts_at__lte=now)
        | Q(consultation__isnull=True, submitted_at__lte=now - dt.timedelta(hours=24))
    )
    assert Organisation.objects.count() == plan.organisations
    assert Patient.objects.count() == plan.patients
    assert Patient.objects.filter(organisation=clinic).count() == plan.clinic_patients
    assert Response.objects.filter(status=Response.Status.SUBMITTED).count() == plan.responses
    assert ScoringResult.objects.filter(kind="original").count() == plan.responses
    assert clinic_responses.count() == plan.clinic_responses
    assert unreviewed.count() == plan.clinic_unreviewed
    assert overdue_reds.count() == plan.clinic_overdue_reds
    assert Consultation.objects.filter(
        organisation=clinic, starts_at__date=timezone.localdate()
    ).count() == min(100, plan.clinic_patients // 2)
    # Besides the seed's own events, publishing each library version is audited.
    assert AuditEvent.objects.exclude(action="questionnaire.publish").count() == plan.audit_events
    # About nine answers a response, as in the region of issue 16.
    answers = sum(len(a) for a in Response.objects.values_list("answers", flat=True))
    assert 7 <= answers / plan.responses <= 12
    assert (
        ResponseReview.objects.count()
        == plan.responses - Response.objects.filter(review__isnull=True).count()
    )
    assert "Seeded in" in output
    # The review state the worklists read agrees with the results and reviews.
    assert clinic_responses.filter(reviewed_at__isnull=True).count() == plan.clinic_unreviewed
    assert set(unreviewed.values_list("pk", flat=True)) == set(
        clinic_responses.filter(reviewed_at__isnull=True).values_list("pk", flat=True)
    )
    assert set(overdue_reds.values_list("pk", flat=True)) <= set(
        clinic_responses.filter(attention=0).values_list("pk", flat=True)
    )
    assert not Response.objects.filter(status=Response.Status.SUBMITTED, shown="").exists()


def test_the_day_list_and_a_summary_open_for_the_clinics_clinician(client):
    seed()
    signed_in_clinician(client)
    today = timezone.localdate()

    day_list = client.get(f"/worklist/?day={today:%Y-%m-%d}")

    assert day_list.status_code == 200
    html = day_list.content.decode()
    for consultation in Consultation.objects.filter(organisation=the_clinic()).select_related(
        "patient"
    ):
        assert consultation.patient.name in html
    latest = Response.objects.filter(organisation=the_clinic()).latest("submitted_at")
    summary = client.get(f"/responses/{latest.public_id}/")
    assert summary.status_code == 200
    assert latest.questionnaire_version.title("da") in summary.content.decode()


def test_a_typed_cpr_number_finds_its_seeded_patient_by_the_models_own_hash():
    seed()
    patient = Patient.objects.order_by("?").first()
    # The field decrypts what the seed encrypted; the model hashes what is typed.
    typed = patient.cpr_formatted

    assert Patient.objects.get(cpr_hash=Patient.hash_for(typed)) == patient
    assert Patient.objects.filter(cpr_hash=Patient.hash_for(typed)).count() == 1


def test_stored_results_are_the_engines_for_the_answers_stored():
    seed()
    for stored in ScoringResult.objects.select_related("response__questionnaire_version")[:25]:
        response = stored.response
        definition = response.questionnaire_version.definition
        scored = evaluate(definition, response.answers_dict())
        assert stored.result == json.loads(json.dumps(result_to_stored(scored, definition)))
        assert stored.result["result_format"] == 2  # compact, as a submit stores it
        assert stored.engine_result == scored


def test_the_output_names_no_cpr_number():
    output = seed()
    numbers = [p.cpr for p in Patient.objects.all()]
    assert not any(number in output for number in numbers)


def test_refused_without_debug_or_the_benchmark_flag(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off unless --benchmark"):
        call_command("seed_scale", scale=SCALE, stdout=io.StringIO())
    assert str(NOT_ALLOWED).startswith("seed_scale fills")
    assert not Patient.objects.exists()


def test_allowed_with_debug_on(settings):
    settings.DEBUG = True
    call_command("seed_scale", scale=SCALE, stdout=io.StringIO())
    assert Patient.objects.exists()


def test_refused_on_a_database_that_holds_patients():
    factories.PatientFactory()
    with pytest.raises(CommandError) as refused:
        seed()
    assert str(refused.value) == NOT_EMPTY


def test_refused_on_sqlite(monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError) as refused:
        seed()
    assert str(refused.value) == NOT_POSTGRESQL

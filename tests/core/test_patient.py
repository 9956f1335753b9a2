"""Patients: derived fields, CPR encrypted at rest, exact look-up by keyed hash."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection
from django.utils import translation

from pro_portal.models import Patient
from tests.factories import CANARY_CPR, OrganisationFactory, PatientFactory

pytestmark = pytest.mark.django_db


def test_birth_date_and_sex_are_derived_from_the_cpr_number() -> None:
    patient = PatientFactory(cpr="030485-1239")
    assert patient.birth_date == dt.date(1985, 4, 3)
    assert patient.sex == "male"
    assert patient.cpr == "0304851239"


def test_the_cpr_number_is_encrypted_in_the_database() -> None:
    patient = PatientFactory(cpr=CANARY_CPR)
    with connection.cursor() as cursor:
        cursor.execute("SELECT cpr, cpr_hash FROM pro_portal_patient WHERE id = %s", [patient.pk])
        stored, digest = cursor.fetchone()
    assert CANARY_CPR not in stored
    assert CANARY_CPR not in digest
    assert Patient.objects.get(pk=patient.pk).cpr == CANARY_CPR


def test_a_patient_is_found_by_exact_cpr_number_through_the_hash() -> None:
    patient = PatientFactory(cpr=CANARY_CPR)
    PatientFactory()
    assert list(Patient.objects.filter(cpr_hash=Patient.hash_for("030485-1239"))) == [patient]


def test_the_same_cpr_number_twice_in_one_organisation_is_refused() -> None:
    organisation = OrganisationFactory()
    PatientFactory(organisation=organisation, cpr=CANARY_CPR)
    with pytest.raises(IntegrityError):
        PatientFactory(organisation=organisation, cpr=CANARY_CPR)


@pytest.mark.parametrize(
    ("language", "explanation"),
    [("da", "skal være en gyldig dato"), ("en", "must be a real date")],
)
def test_model_validation_explains_an_impossible_date(language: str, explanation: str) -> None:
    patient = Patient(organisation=OrganisationFactory(), name="X", cpr="3102701234")
    with translation.override(language):
        with pytest.raises(ValidationError) as excinfo:
            patient.full_clean(exclude=["cpr_hash", "birth_date", "sex"])
        shown = " ".join(excinfo.value.messages)  # the message is lazy: read it in `language`
    assert explanation in shown


def test_str_never_shows_the_cpr_number() -> None:
    patient = PatientFactory(cpr=CANARY_CPR)
    assert CANARY_CPR not in str(patient)
    assert patient.cpr_masked == "030485-xxxx"

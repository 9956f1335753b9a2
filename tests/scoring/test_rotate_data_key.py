"""Data keys apart from SECRET_KEY, and ``manage.py rotate_data_key``.

CPR numbers and stored summary PDFs are encrypted with DATA_ENCRYPTION_KEYS
(first encrypts, all decrypt). Rotation: data written under key A, the
setting changed to [B, A], the command run, then [B] alone reads everything.
"""

from __future__ import annotations

import base64
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from encrypted_fields.fields import EncryptedCharField

from pro_portal.crypto import data_cipher
from pro_portal.models import AuditEvent, Patient
from scoring.models import SummaryPdf
from scoring.pdf import pdf_path, summary_pdf_store
from tests import factories
from tests.factories import CANARY_CPR, CANARY_CPR_FORMATTED
from tests.scoring.test_pdf_at_rest import NAME, download, pdf_text

pytestmark = pytest.mark.django_db
KEY_A = base64.urlsafe_b64encode(b"A" * 32).decode()
KEY_B = base64.urlsafe_b64encode(b"B" * 32).decode()
KEY_C = base64.urlsafe_b64encode(b"C" * 32).decode()


def as_a_new_process() -> None:
    """Forget keys the library caches on the field, as a restarted site would."""
    field = Patient._meta.get_field("cpr")
    for cached in ("keys", "f"):
        field.__dict__.pop(cached, None)


def stored_cpr(patient: Patient) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT cpr FROM pro_portal_patient WHERE id = %s", [patient.pk])
        return str(cursor.fetchone()[0])


def rotate() -> tuple[int, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("rotate_data_key", "--batch-size", "2", stdout=out, stderr=err)
    except SystemExit as stop:
        return int(stop.code or 0), out.getvalue() + err.getvalue()
    return 0, out.getvalue()


@pytest.fixture
def under_key_a(personas, settings, tmp_path: Path):
    """Patients and a stored PDF, all written under key A."""
    settings.PRIVATE_FILES_ROOT = tmp_path
    settings.DATA_ENCRYPTION_KEYS = [KEY_A]
    as_a_new_process()
    Patient.objects.filter(pk=personas.patient.pk).update(cpr=CANARY_CPR)  # written under A
    factories.PatientFactory.create_batch(3, organisation=personas.organisation)
    version = factories.published_version("phq9")
    response = factories.submitted(personas.patient, version, factories.PHQ9_RED)
    summary_pdf_store(response_id=response.pk, language="da")
    yield response
    as_a_new_process()


def test_after_rotation_the_new_key_alone_reads_everything(
    personas, under_key_a, settings, client
) -> None:
    patients = Patient.objects.count()
    settings.DATA_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    as_a_new_process()
    code, report = rotate()
    assert code == 0, report
    assert f"pro_portal.Patient.cpr: {patients} re-encrypted, 0 already" in report
    assert "summary PDFs: 1 re-encrypted, 0 already under the current key, 0 unreadable" in report

    settings.DATA_ENCRYPTION_KEYS = [KEY_B]
    settings.DATA_ENCRYPTION_LEGACY_READ = False
    as_a_new_process()
    assert Patient.objects.get(pk=personas.patient.pk).cpr == CANARY_CPR
    assert all(len(cpr) == 10 for cpr in Patient.objects.values_list("cpr", flat=True))
    client.force_login(personas.clinician)
    found = client.post("/worklist/search/", {"query": CANARY_CPR_FORMATTED}).content.decode()
    assert NAME in found  # the look-up hash is keyed apart and still finds the patient
    summary = client.get(f"/responses/{under_key_a.public_id}/")
    assert CANARY_CPR_FORMATTED in summary.content.decode()
    assert SummaryPdf.objects.count() == 1
    text = pdf_text(download(client, under_key_a))
    assert NAME in text
    assert CANARY_CPR_FORMATTED in text
    assert SummaryPdf.objects.count() == 1  # the stored file was read, not rendered again


def test_running_the_rotation_again_changes_nothing(personas, under_key_a, settings) -> None:
    settings.DATA_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    as_a_new_process()
    rotate()
    before = stored_cpr(personas.patient)
    pdf_before = pdf_path(SummaryPdf.objects.get()).read_bytes()
    code, report = rotate()
    assert code == 0
    assert "pro_portal.Patient.cpr: 0 re-encrypted" in report
    assert "summary PDFs: 0 re-encrypted, 1 already under the current key" in report
    assert stored_cpr(personas.patient) == before
    assert pdf_path(SummaryPdf.objects.get()).read_bytes() == pdf_before
    assert AuditEvent.objects.filter(action="data_key.rotate").count() == 2


def test_a_value_no_accepted_key_opens_is_counted_left_alone_and_fails_the_command(
    personas, under_key_a, settings
) -> None:
    settings.DATA_ENCRYPTION_KEYS = [KEY_C]
    as_a_new_process()
    before = stored_cpr(personas.patient)
    code, report = rotate()
    assert code == 1
    assert "1 unreadable" in report
    assert "could not be decrypted" in report
    assert stored_cpr(personas.patient) == before


def test_changing_secret_key_no_longer_makes_cpr_numbers_unreadable(personas, settings) -> None:
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 50
    settings.SECRET_KEY_FALLBACKS = []
    as_a_new_process()
    assert Patient.objects.get(pk=personas.patient.pk).cpr == CANARY_CPR


def test_data_under_the_old_secret_key_derived_key_is_read_then_moved_by_rotation(
    personas, settings
) -> None:
    # As an existing database holds it: encrypted by django-fernet-encrypted-fields
    # itself, under its key derived from SECRET_KEY and FIELD_ENCRYPTION_SALT.
    old_field = EncryptedCharField(max_length=10)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE pro_portal_patient SET cpr = %s WHERE id = %s",
            [old_field.get_prep_value(CANARY_CPR), personas.patient.pk],
        )
    as_a_new_process()
    assert Patient.objects.get(pk=personas.patient.pk).cpr == CANARY_CPR  # still readable

    code, report = rotate()
    assert code == 0, report
    assert "pro_portal.Patient.cpr: 1 re-encrypted" in report
    assert data_cipher().is_current(stored_cpr(personas.patient).encode())

    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 50
    settings.DATA_ENCRYPTION_LEGACY_READ = False
    as_a_new_process()
    assert Patient.objects.get(pk=personas.patient.pk).cpr == CANARY_CPR

"""Stored summary PDFs are encrypted at rest and keyed by language.

The PDF holds the patient's name and CPR number, like the database row whose
CPR column is encrypted; the file on disk must give away neither, while the
clinician still downloads an ordinary PDF in the language they read.
"""

from __future__ import annotations

import importlib
import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from scoring.models import SummaryPdf
from scoring.pdf import pdf_path, summary_pdf_store
from tests import factories
from tests.factories import CANARY_CPR, CANARY_CPR_FORMATTED

pytestmark = pytest.mark.django_db
NAME = "Karen Kanarie"  # the personas' patient


@pytest.fixture
def submitted(personas, settings, tmp_path: Path, django_capture_on_commit_callbacks):
    """A submitted response whose PDF the after-submit task has stored."""
    settings.PRIVATE_FILES_ROOT = tmp_path
    version = factories.published_version("phq9")
    with django_capture_on_commit_callbacks(execute=True):
        response = factories.submitted(personas.patient, version, factories.PHQ9_RED)
    assert SummaryPdf.objects.filter(response=response).count() == 1
    return response


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def pdf_text(data: bytes) -> str:
    return " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split()
    )


def download(client, response, language: str = "da") -> bytes:
    answer = client.get(
        f"/responses/{response.public_id}/pdf", headers={"accept-language": language}
    )
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/pdf"
    return b"".join(answer.streaming_content)


def test_the_stored_file_gives_away_neither_the_name_nor_the_cpr_number(
    personas, submitted, tmp_path: Path
) -> None:
    (path,) = stored_files(tmp_path)
    data = path.read_bytes()
    assert not data.startswith(b"%PDF")  # not a PDF anyone can open
    with pytest.raises(PdfReadError):
        PdfReader(io.BytesIO(data))
    for secret in (NAME, "Kanarie", CANARY_CPR, CANARY_CPR_FORMATTED):
        assert secret.encode() not in data
        assert secret not in path.name


def test_the_clinician_still_downloads_the_pdf_with_name_and_cpr_number(
    personas, submitted, client
) -> None:
    client.force_login(personas.clinician)
    data = download(client, submitted)
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert NAME in text
    assert CANARY_CPR_FORMATTED in text


def test_a_clinician_reading_english_gets_an_english_pdf_and_the_danish_one_stays(
    personas, submitted, client, tmp_path: Path
) -> None:
    client.force_login(personas.clinician)
    english = pdf_text(download(client, submitted, "en"))
    danish = pdf_text(download(client, submitted, "da"))
    assert "CPR number" in english
    assert "CPR-nummer" in danish
    records = SummaryPdf.objects.filter(response=submitted)
    assert sorted(records.values_list("language", flat=True)) == ["da", "en"]
    # One file per (response, template version, language), named by ids only.
    assert len(stored_files(tmp_path)) == 2
    for record in records:
        assert f"-{record.language}." in record.file_name
        assert str(submitted.public_id) in record.file_name


def test_a_stored_file_no_key_opens_is_rendered_again_on_download(
    personas, submitted, client
) -> None:
    record = SummaryPdf.objects.get(response=submitted)
    pdf_path(record).write_bytes(b"written under a key since dropped")
    client.force_login(personas.clinician)
    assert NAME in pdf_text(download(client, submitted))
    assert pdf_path(record).read_bytes() != b"written under a key since dropped"
    assert summary_pdf_store(response_id=submitted.pk).pk == record.pk


def test_the_upgrade_removes_pdfs_stored_in_plain_text(personas, submitted, tmp_path: Path) -> None:
    """Migration scoring 0005: PDFs from before encryption go, files and records
    (the summary renders them again, encrypted, when next opened)."""
    from django.apps import apps

    migration = importlib.import_module("scoring.migrations.0005_plain_pdfs_removed")
    record = SummaryPdf.objects.get(response=submitted)
    pdf_path(record).write_bytes(b"%PDF-1.7 Karen Kanarie 030485-1239")  # as stored before
    migration.remove_plain_pdfs(apps, None)
    assert stored_files(tmp_path) == []
    assert not SummaryPdf.objects.exists()


def test_a_pdf_of_an_older_template_is_not_offered_as_ready(personas, submitted, client) -> None:
    # After a template change the stored file is an old layout: the summary
    # must offer to create the new one, not claim a PDF is ready.
    client.force_login(personas.clinician)
    summary = f"/responses/{submitted.public_id}/"
    assert "Hent PDF" in client.get(summary).content.decode()
    SummaryPdf.objects.filter(response=submitted).update(template_version="0")
    page = client.get(summary).content.decode()
    assert "Hent PDF" not in page
    assert "Lav og hent PDF" in page

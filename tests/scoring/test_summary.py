"""The clinician summary and its PDF: red first, and why."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from pathlib import Path

import pytest
import time_machine
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from pypdf import PdfReader

from pro_portal.crypto import data_cipher
from pro_portal.models import AuditEvent
from questionnaires.library import LIBRARY_DIR, read_definition
from questionnaires.results import result_original
from scoring.models import SummaryPdf
from scoring.pdf import (
    TEMPLATE_VERSION,
    AssetOnlyFetcher,
    RefusedUrlError,
    pdf_path,
    summary_pdf_data,
    summary_pdf_store,
)
from scoring.summary import summary_build
from tests import factories

pytestmark = pytest.mark.django_db
CHRONIC_PAIN = read_definition(LIBRARY_DIR / "chronic_pain/1.0.0.yaml")
VECTORS = {v["id"]: v for v in CHRONIC_PAIN["test_vectors"]}
# The chronic-pain file's own vectors (hand-computed there): a new red-flag
# symptom is red (team rule pain_red_flags), with "Søvn" as the agenda.
RED_FLAG = VECTORS["red_flag_bladder_bowel_red"]
GREEN = VECTORS["base_green"]


@pytest.fixture
def red_response(personas, settings, tmp_path: Path):
    settings.PRIVATE_FILES_ROOT = tmp_path
    version = factories.published_version("chronic_pain")
    factories.submitted(personas.patient, version, GREEN["answers"])  # last time
    return factories.submitted(personas.patient, version, RED_FLAG["answers"])


def test_the_summary_puts_label_overall_agenda_and_red_flags_first(personas, red_response, client):
    client.force_login(personas.clinician)
    html = client.get(f"/responses/{red_response.public_id}/").content.decode()
    label = html.index("label-own")
    overall = html.index("overall-red")
    agenda = html.index('id="agenda-title"')
    flags = html.index('id="flags-title"')
    answers = html.index('id="answers-title"')
    assert label < overall < agenda < flags < answers
    assert "Søvn" in html[agenda:flags]  # the patient's own topic
    assert "pain_red_flags" in html[flags:answers]  # the rule that raised it
    assert "Awaiting clinical review" in html or "Afventer klinisk gennemgang" in html


def test_each_flag_shows_the_question_and_answer_the_patient_saw(personas, red_response, client):
    definition = red_response.questionnaire_version.definition
    question = definition.item("pain.red_flags").text["da"]
    option = next(o for o in definition.item("pain.red_flags").options if o.code == "bladder_bowel")
    client.force_login(personas.clinician)
    html = client.get(f"/responses/{red_response.public_id}/").content.decode()
    flags = html[html.index('id="flags-title"') : html.index('id="scores-title"')]
    assert question in flags
    assert option.label["da"] in flags


def test_the_summary_shows_versions_times_and_a_trend_per_trended_score(
    personas, red_response, client
):
    client.force_login(personas.clinician)
    html = client.get(f"/responses/{red_response.public_id}/").content.decode()
    assert "1.0.0" in html  # questionnaire version and engine version
    assert html.count("<svg") == len(red_response.questionnaire_version.definition.trended_scores)
    assert "▲" in html  # colour is never the only signal


def test_a_secretary_and_another_organisation_get_404_and_nothing_is_audited(
    personas, red_response, client
):
    for user in (personas.secretary, personas.outsider_clinician, personas.admin):
        client.force_login(user)
        assert client.get(f"/responses/{red_response.public_id}/").status_code == 404
        assert client.get(f"/responses/{red_response.public_id}/pdf").status_code == 404
    assert not AuditEvent.objects.filter(action__startswith="summary.").exists()


def test_opening_the_summary_writes_one_audit_event(personas, red_response, client):
    client.force_login(personas.clinician)
    client.get(f"/responses/{red_response.public_id}/")
    event = AuditEvent.objects.get(action="summary.view")
    assert (event.actor, event.patient) == (personas.clinician, personas.patient)


def pdf_text(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def test_the_pdf_has_every_flag_and_its_because_on_page_one(personas, red_response, client):
    client.force_login(personas.clinician)
    response = client.get(f"/responses/{red_response.public_id}/pdf")
    assert response["Content-Type"] == "application/pdf"
    data = b"".join(response.streaming_content)
    pages = pdf_text(data)
    first = " ".join(pages[0].split())
    stored = red_response.results.get(kind="original").engine_result
    appendix = " ".join(" ".join(pages).split()).split("Bilag: reglerne bag markeringerne")[1]
    for flag in stored.flags:
        if flag.colour in ("red", "yellow"):
            assert " ".join(flag.clinician_text["da"].split())[:40] in first
            for answer in flag.because.answers:
                assert " ".join(answer.question["da"].split())[:40] in first
            # The formal rule, its id and source: in the appendix, not the first reading.
            assert flag.rule_id not in first
            assert "selected(" not in first
            assert flag.rule_id in appendix
    assert personas.patient.cpr_formatted in first  # the PDF is the clinical record
    assert "Søvn" in first


def test_page_one_of_the_pdf_holds_every_score_and_its_trend(personas, settings, tmp_path):
    """Page 1 alone serves the consultation: the trends too, not spilled over."""
    settings.PRIVATE_FILES_ROOT = tmp_path
    version = factories.published_version("chronic_pain")
    now = timezone.now()
    days = (now - dt.timedelta(days=60), now - dt.timedelta(days=30), now)
    for day, vector in zip(days, (GREEN, VECTORS["who5_fall_12_yellow"], RED_FLAG), strict=True):
        with time_machine.travel(day, tick=False):
            response = factories.submitted(personas.patient, version, vector["answers"])
    first = " ".join(pdf_text(summary_pdf_data(response_id=response.pk, language="da"))[0].split())
    for score in CHRONIC_PAIN["scores"]:
        assert " ".join(score["label"]["da"].split())[:20] in first
    # WHO-5 as the two vectors state it (80, then 68), then today's response,
    # oldest first, with the first and last dates.
    assert "80 → 68 → " in first
    with translation.override("da"):  # "9. august 2026", as a Danish reader writes dates
        first_day, last_day = (date_format(timezone.localdate(d)) for d in (days[0], days[2]))
    assert f"({first_day} – {last_day})" in first
    assert "pain_red_flags" not in first  # rule ids wait in the appendix


def test_the_pdf_is_a4_with_its_fonts_embedded(personas, red_response) -> None:
    reader = PdfReader(io.BytesIO(summary_pdf_data(response_id=red_response.pk, language="da")))
    width, height = (float(x) for x in reader.pages[0].mediabox[2:])
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)
    embedded = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            if "/DescendantFonts" in font:
                font = font["/DescendantFonts"][0].get_object()
            descriptor = font["/FontDescriptor"].get_object()
            embedded.add(bool({"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor)))
    assert embedded == {True}


def test_rendering_twice_is_idempotent_and_the_file_name_holds_no_patient_data(
    personas, red_response, tmp_path
) -> None:
    first = summary_pdf_store(response_id=red_response.pk)
    second = summary_pdf_store(response_id=red_response.pk)
    assert first.pk == second.pk
    assert SummaryPdf.objects.count() == 1
    assert first.file_name == f"{red_response.public_id}-t{TEMPLATE_VERSION}-da.pdf.enc"
    assert personas.patient.cpr not in first.file_name
    assert str(tmp_path) in str(next(tmp_path.rglob("*.pdf.enc")))


def test_a_pdf_whose_file_has_gone_is_rendered_again_and_its_record_matches_it(
    personas, red_response, tmp_path
) -> None:
    first = summary_pdf_store(response_id=red_response.pk)
    pdf_path(first).unlink()
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2)):  # a new "generated" time
        again = summary_pdf_store(response_id=red_response.pk)
    data = data_cipher().decrypt(pdf_path(again).read_bytes())
    assert again.pk == first.pk
    assert (again.size, again.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert list(tmp_path.rglob("*.tmp")) == []  # no temporary file left behind


def test_submit_enqueues_the_pdf_on_commit(
    personas, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.PRIVATE_FILES_ROOT = tmp_path
    version = factories.published_version("phq9")
    with django_capture_on_commit_callbacks(execute=True):
        response = factories.submitted(personas.patient, version, factories.PHQ9_RED)
    assert SummaryPdf.objects.filter(response=response).exists()


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1/x.css",
        "https://example.org/font.ttf",
        "data:,x",
        "pdf-asset:../../settings.py",
    ],
)
def test_the_pdf_fetcher_refuses_files_and_the_network(url: str) -> None:
    with pytest.raises(RefusedUrlError):
        AssetOnlyFetcher().fetch(url)


def test_the_pdf_fetcher_serves_the_vendored_fonts() -> None:
    response = AssetOnlyFetcher().fetch("pdf-asset:fonts/DejaVuSans.ttf")
    assert response.headers["Content-Type"] == "font/ttf"


def test_a_first_response_has_no_change_column_and_a_second_has_it(
    personas, settings, tmp_path: Path, client
) -> None:
    """With nothing to compare with, "Change since last time" would be "–"
    on every score: the page and the PDF leave the column out until the
    patient has answered the questionnaire before."""
    settings.PRIVATE_FILES_ROOT = tmp_path
    version = factories.published_version("chronic_pain")
    first = factories.submitted(personas.patient, version, GREEN["answers"])
    second = factories.submitted(personas.patient, version, RED_FLAG["answers"])
    client.force_login(personas.clinician)
    for response, shown in ((first, False), (second, True)):
        page = client.get(f"/responses/{response.public_id}/").content.decode()
        assert ("Ændring siden sidst" in page) is shown, response
        stored = result_original(response_id=response.pk)
        summary = summary_build(response=response, stored=stored, language="da")
        with translation.override("da"):
            pdf_source = render_to_string("scoring/summary_pdf.html", {"s": summary})
        assert ("Ændring siden sidst" in pdf_source) is shown, response

"""A canary CPR number used through the suite never leaks.

Not in URLs, log output, task payloads, file names, audit events or error
reports. Later features add their pages to the walk in ``canary_walk``.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from celery.signals import before_task_publish, task_prerun
from django.core import mail
from django.test import Client

from pro_portal.models import AuditEvent
from tests.factories import CANARY_CPR, CANARY_CPR_FORMATTED

pytestmark = pytest.mark.django_db
CANARIES = (CANARY_CPR, CANARY_CPR_FORMATTED, CANARY_CPR[:6] + " " + CANARY_CPR[6:])


def leaks(text: str) -> bool:
    return any(canary in text for canary in CANARIES)


@pytest.fixture
def task_payloads() -> list[str]:
    payloads: list[str] = []

    def on_publish(body: object = None, **kwargs: object) -> None:
        payloads.append(repr(body))

    def on_prerun(args: object = None, kwargs: object = None, **extra: object) -> None:
        payloads.append(repr((args, kwargs)))

    before_task_publish.connect(on_publish, weak=False)
    task_prerun.connect(on_prerun, weak=False)
    yield payloads
    before_task_publish.disconnect(on_publish)
    task_prerun.disconnect(on_prerun)


def canary_walk(personas, client: Client) -> list[str]:
    """Every page a persona opens for the canary patient; returns the URLs used."""
    urls = ["/", f"/patients/{personas.patient.public_id}/"]
    seen = []
    for user in (personas.clinician, personas.secretary, personas.outsider_clinician):
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            seen.append(url)
            if response.has_header("Location"):
                seen.append(response["Location"])
    seen += _patient_flow_walk(personas, client)
    return seen


def _patient_flow_walk(personas, client: Client) -> list[str]:
    """Reception finds the patient by CPR, invites them and gives a kiosk code;
    the patient opens the link and answers (questionnaires)."""
    import datetime as dt
    import re

    from django.utils import timezone

    from tests.factories import published_version

    seen = []
    client.force_login(personas.secretary)
    found = client.post("/reception/", {"step": "find", "cpr": CANARY_CPR_FORMATTED})
    seen += ["/reception/", found["Location"]]
    version = published_version("phq9", active=True)
    day = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    invite_url = f"/patients/{personas.patient.public_id}/invite/"
    invited = client.post(
        invite_url, {"date": day, "time": "09:00", "versions": [version.pk], "send_email": "on"}
    )
    seen += [invite_url, invited["Location"]]
    page = client.get(invited["Location"]).content.decode()
    link = re.search(r'class="issued-link[^"]*">[^<]*?(/i/[^<]+)</code>', page).group(1)
    code_url = f"/patients/{personas.patient.public_id}/visit-code/"
    seen += [code_url, client.post(code_url)["Location"]]
    patient = Client()
    birth = personas.patient.birth_date
    opened = patient.post(
        link, {"birth-day": birth.day, "birth-month": birth.month, "birth-year": birth.year}
    )
    seen += [link, opened["Location"]]
    response = version.responses.get(patient=personas.patient)
    for url in (f"/answer/{response.public_id}/", f"/answer/{response.public_id}/check/"):
        reply = patient.get(url)
        seen.append(url)
        if reply.has_header("Location"):
            seen.append(reply["Location"])
    question = f"/answer/{response.public_id}/q/phq9.1/"
    seen += [question, patient.post(question, {"answer": "1", "action": "continue"})["Location"]]
    return seen


def test_the_canary_cpr_never_leaks(
    personas, client: Client, caplog, task_payloads: list[str], settings, tmp_path: Path
) -> None:
    settings.PRIVATE_FILES_ROOT = tmp_path
    caplog.set_level(logging.DEBUG)
    urls = canary_walk(personas, client)
    # The clinician does see the CPR number on the patient's page: the canary works.
    client.force_login(personas.clinician)
    patient_page = f"/patients/{personas.patient.public_id}/"
    assert CANARY_CPR_FORMATTED in client.get(patient_page).content.decode()

    assert not [url for url in urls if leaks(url)]
    assert not leaks(caplog.text)
    assert not [p for p in task_payloads if leaks(p)]
    assert not [p for p in tmp_path.rglob("*") if leaks(p.name)]
    for event in AuditEvent.objects.all():
        assert not leaks(f"{event.object_id} {event.object_type} {event.detail}")
    assert not [m for m in mail.outbox if leaks(m.subject + m.body)]


def test_log_records_are_redacted_even_when_code_logs_a_cpr_number() -> None:
    # The console handler configured in settings.LOGGING, writing to a buffer.
    (handler,) = [h for h in logging.getLogger().handlers if h.filters]
    buffer = io.StringIO()
    old_stream = handler.setStream(buffer)
    try:
        logger = logging.getLogger("pro_portal.some_module")
        logger.warning("looked up %s", CANARY_CPR)
        try:
            raise ValueError(f"bad patient {CANARY_CPR_FORMATTED}")
        except ValueError:
            logger.exception("failed")
    finally:
        handler.setStream(old_stream)
    err = buffer.getvalue()
    assert "looked up [CPR]" in err
    assert "bad patient [CPR]" in err
    assert not leaks(err)


def test_error_reports_redact_a_cpr_number_in_post_data_and_variables(rf) -> None:
    import sys

    from django.views.debug import ExceptionReporter

    request = rf.post("/somewhere/", {"cpr": CANARY_CPR, "name": "Karen"})
    try:
        patient_cpr = CANARY_CPR_FORMATTED  # a local variable in the failing frame
        raise RuntimeError("boom " + patient_cpr[:0])
    except RuntimeError:
        report = ExceptionReporter(request, *sys.exc_info()).get_traceback_text()
    assert "Karen" in report  # the report is a real one
    assert not leaks(report)

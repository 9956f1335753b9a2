"""The clinician's morning, in a real Chromium: log in with a TOTP code, find
the red patient first, open the summary, download the PDF. A secretary sees
no answers or flags."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from pypdf import PdfReader

from tests import factories
from tests.e2e.conftest import (
    SCREENSHOTS,
    TABLET,
    ace_violations,
    axe_violations,
    log_in,
    totp_code,
)

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct horse battery staple"


@pytest.fixture
def morning(personas) -> dict[str, Any]:
    """Today: a green patient at 09:00, a red one at 10:00, a yellow one at 11:00;
    and a red from yesterday's consultation nobody reviewed (overdue all day)."""
    version = factories.published_version("phq9")
    today = timezone.localdate()
    rows = {}
    for hour, name, answers in [
        (9, "Grete Grøn", factories.PHQ9_GREEN),
        (10, "Rasmus Rød", factories.PHQ9_RED),
        (11, "Gitte Gul", factories.PHQ9_YELLOW),
    ]:
        patient = factories.PatientFactory(organisation=personas.organisation, name=name)
        starts = timezone.make_aware(dt.datetime.combine(today, dt.time(hour, 0)))
        invitation = factories.invitation(
            factories.consultation(patient, starts, personas.secretary),
            patient,
            personas.secretary,
        )
        rows[name] = factories.submitted(patient, version, answers, invitation=invitation)
    patient = factories.PatientFactory(organisation=personas.organisation, name="Otto Overset")
    yesterday = timezone.make_aware(dt.datetime.combine(today, dt.time(10, 0))) - dt.timedelta(
        days=1
    )
    invitation = factories.invitation(
        factories.consultation(patient, yesterday, personas.secretary), patient, personas.secretary
    )
    rows["Otto Overset"] = factories.submitted(
        patient, version, factories.PHQ9_RED, invitation=invitation
    )
    return rows


def test_a_clinician_logs_in_with_totp_finds_the_red_patient_first_and_gets_the_pdf(
    personas, morning, new_context, site
) -> None:
    context = new_context(viewport=TABLET, accept_downloads=True)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("input[name=login]", personas.clinician.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.fill("input[name=code]", totp_code(personas.clinician.totp_secret))
    page.click("main button[type=submit]")
    page.wait_for_url("**/worklist/")

    rows = page.locator("table.worklist tbody tr")
    assert "Rasmus Rød" in rows.nth(0).inner_text()
    assert "Gitte Gul" in rows.nth(1).inner_text()
    assert "Grete Grøn" in rows.nth(2).inner_text()
    # Yesterday's unreviewed red is raised above the day (and scanned with it).
    assert "Otto Overset" in page.locator("section.overdue").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "clinician-worklist.png"), full_page=True)
    assert axe_violations(page) == []
    assert ace_violations(page) == []  # IBM's engine, beside axe

    rows.nth(0).get_by_role("link").first.click()
    page.wait_for_url("**/responses/**")
    flags = page.locator("article.flag")
    # The flag in words; its rule id only in the disclosure under it.
    assert "PHQ-9 spørgsmål 9 (tanker om død eller selvskade)" in flags.first.inner_text()
    assert "phq9_item9_self_harm" not in flags.first.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "clinician-summary.png"), full_page=True)
    assert axe_violations(page) == []
    assert ace_violations(page) == []  # IBM's engine, beside axe

    with page.expect_download() as download:
        page.click("a[href$='/pdf']")
    data = Path(download.value.path()).read_bytes()
    first_page = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "phq9_item9_self_harm" in first_page
    assert "Rasmus Rød" in first_page


def test_a_secretary_sees_the_day_but_no_answers_or_flags(
    personas, morning, new_context, site
) -> None:
    context = new_context(viewport=TABLET)
    log_in(context, personas.secretary, site)
    page = context.new_page()
    page.goto("/worklist/")
    text = page.inner_text("main")
    assert "Rasmus Rød" in text
    assert page.locator(".colour-red").count() == 0
    assert page.locator("a[href*='/responses/']").count() == 0
    red = morning["Rasmus Rød"]
    reply = page.goto(f"/responses/{red.public_id}/")
    assert reply is not None
    assert reply.status == 404

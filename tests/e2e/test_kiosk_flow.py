"""The waiting-room tablet in a real browser: enrol, code + birth date, the idle warning
and wipe (in the browser and on the server), and no way back to the previous patient."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings

from pro_portal.models import Kiosk, Patient
from questionnaires.kiosk import kiosk_enrol, visit_code_create
from questionnaires.models import Response
from tests import factories
from tests.conftest import Personas
from tests.e2e import data
from tests.e2e.conftest import AXE, TABLET, axe_violations, fill_birth_date, log_in
from tests.factories import answers_of

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fast_clock(settings: Any) -> None:
    """Idle warning after 2 s and wipe after 5 s instead of 60 s and 90 s."""
    settings.KIOSK_IDLE_WARNING_SECONDS = 2
    settings.KIOSK_IDLE_WIPE_SECONDS = 5


def tablet(personas: Personas, new_context: Callable[..., Any], site: str, **options: Any) -> Any:
    data.active("basic_data")
    _kiosk, token = kiosk_enrol(
        organisation=personas.organisation, name="Venteværelse", by=personas.admin
    )
    context = new_context(viewport=TABLET, **options)
    context.add_cookies([{"name": settings.KIOSK_COOKIE_NAME, "value": token, "url": site}])
    return context


def start(page: Any, personas: Personas, patient: Patient) -> None:
    _visit, code = visit_code_create(patient=patient, by=personas.secretary)
    page.goto("/kiosk/")
    page.fill("#code", code)
    fill_birth_date(page, patient.birth_date)
    page.click("main button[type=submit]")
    page.wait_for_url("**/answer/")


def test_a_clinic_admin_enrols_the_tablet_and_a_patient_starts_with_a_code(
    personas: Personas, new_context: Callable[..., Any], site: str
) -> None:
    data.active("basic_data")
    context = new_context(viewport=TABLET)
    log_in(context, personas.admin, site)
    page = context.new_page()
    page.goto("/kiosk/enrol/")
    page.fill("#id_name", "Ved vinduet")
    page.click("main button[type=submit]")
    page.wait_for_url("**/kiosk/")
    cookies = {c["name"]: c for c in context.cookies()}
    assert cookies[settings.KIOSK_COOKIE_NAME]["httpOnly"]
    assert Kiosk.objects.get().name == "Ved vinduet"
    page.goto("/kiosk/enrol/")  # the admin was logged out on the tablet: a login page
    assert page.locator("#id_name").count() == 0
    start(page, personas, personas.patient)
    assert personas.patient.name in page.content()
    assert page.locator(".questionnaire-card").count() == 1


def test_a_warning_after_a_while_then_the_tablet_is_wiped_and_history_shows_nothing(
    personas: Personas, new_context: Callable[..., Any], site: str, fast_clock: None
) -> None:
    context = tablet(personas, new_context, site)
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    start(page, personas, personas.patient)
    page.click(".questionnaire-card a")
    page.fill("#answer", "81")
    page.click("button[value=continue]")
    page.wait_for_url("**/q/basic.height/")
    dialog = page.locator("#idle-dialog")
    dialog.wait_for(state="visible", timeout=4_000)
    assert axe_violations(page) == []
    with page.expect_response("**/kiosk/alive/") as alive:
        page.click("[data-idle-dismiss]")
    assert alive.value.status == 204  # the server's idle clock restarts too
    assert not dialog.is_visible()
    page.wait_for_url("**/kiosk/?ended=idle", timeout=10_000)
    assert personas.patient.name not in page.content()
    # The answer given is saved; nothing of it is left in the browser.
    basic = Response.objects.get(patient=personas.patient)
    assert answers_of(basic)["basic.weight"] == 81
    for _ in range(4):
        page.go_back()
        page.wait_for_load_state()
        assert personas.patient.name not in page.content()
        assert 'value="81"' not in page.content()
    page.goto(f"/answer/{basic.public_id}/q/basic.weight/")
    assert page.url.endswith("/kiosk/")


def test_the_server_wipes_an_idle_tablet_even_without_javascript(
    personas: Personas, new_context: Callable[..., Any], site: str, fast_clock: None
) -> None:
    context = tablet(personas, new_context, site, java_script_enabled=False)
    page = context.new_page()
    start(page, personas, personas.patient)
    page.click(".questionnaire-card a")
    page.fill("#answer", "81")
    page.wait_for_timeout(6_000)  # longer than the wipe, with no request
    page.click("button[value=continue]")
    page.wait_for_url("**/kiosk/?ended=idle")
    assert not Response.objects.exclude(
        answers={}
    ).exists()  # an answer after the wipe is not taken
    assert personas.patient.name not in page.content()


def test_after_finishing_the_next_patient_cannot_reach_the_previous_patients_pages(
    personas: Personas, new_context: Callable[..., Any], site: str
) -> None:
    context = tablet(personas, new_context, site)
    page = context.new_page()
    start(page, personas, personas.patient)
    first_session = next(c for c in context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
    first_device = next(c for c in context.cookies() if c["name"] == settings.KIOSK_COOKIE_NAME)
    page.click(".questionnaire-card a")
    page.fill("#answer", "81")
    page.click("button[value=continue]")
    visited = page.url
    page.goto("/answer/")
    page.click("form[action='/kiosk/finish/'] button")
    page.wait_for_url("**/kiosk/hand-back/**")
    assert personas.patient.name not in page.content()
    cookies = {c["name"]: c for c in context.cookies()}
    # Clear-Site-Data removed every cookie: the session is gone for good, and the
    # tablet holds a new device token.
    assert settings.SESSION_COOKIE_NAME not in cookies or (
        cookies[settings.SESSION_COOKIE_NAME]["value"] != first_session["value"]
    )
    assert cookies[settings.KIOSK_COOKIE_NAME]["value"] != first_device["value"]

    page.click("main a.btn")
    page.wait_for_url("**/kiosk/")
    for _ in range(6):  # back through the whole history of the tablet
        page.go_back()
        page.wait_for_load_state()
        assert personas.patient.name not in page.content()
        assert "Venteværelse" not in page.url
    page.goto(visited)
    assert page.url.endswith("/kiosk/")

    other = factories.PatientFactory(organisation=personas.organisation, name="Næste Patient")
    start(page, personas, other)
    assert "Næste Patient" in page.content()
    assert personas.patient.name not in page.content()

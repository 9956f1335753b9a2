"""Issue 13 in a real browser (Danish and English, a 390×844 phone and a 1366×768 laptop, axe
and IBM's engine on every page):
help on the very next page, the clinic's own numbers, no dead end from the
check page, no "Confirm Form Resubmission", an honest progress, Stop on the
kiosk, and the smaller messages. Screenshots: test-artifacts/screenshots/help-*.png."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from questionnaires.kiosk import kiosk_enrol, visit_code_create
from questionnaires.models import Invitation, Response
from tests.conftest import Personas
from tests.e2e import data
from tests.e2e.conftest import (
    PHONE,
    SCREENSHOTS,
    ace_violations,
    axe_violations,
    fill_birth_date,
    set_language,
)

pytestmark = pytest.mark.django_db(transaction=True)

LANGUAGES = ["da", "en"]
LAPTOP = {"width": 1366, "height": 768}
_SCREENS = {
    "da-phone": ("da", PHONE),
    "en-phone": ("en", PHONE),
    "da-laptop": ("da", LAPTOP),
    "en-laptop": ("en", LAPTOP),
}
# The urgent help in both languages on both screens; each other fix in both
# languages on the phone and in Danish on the laptop.
EVERY_SCREEN = pytest.mark.parametrize(
    ("language", "viewport"), list(_SCREENS.values()), ids=list(_SCREENS)
)
SCREENS = pytest.mark.parametrize(
    ("language", "viewport"),
    [_SCREENS[name] for name in ("da-phone", "en-phone", "da-laptop")],
    ids=["da-phone", "en-phone", "da-laptop"],
)


def _screen(
    new_context: Callable[..., Any], site: str, language: str, viewport: dict[str, int]
) -> Any:
    context = new_context(viewport=viewport)
    set_language(context, language, site)
    return context.new_page()


def _open(page: Any, link: str, birth_date: dt.date) -> None:
    page.goto(link)
    fill_birth_date(page, birth_date)
    page.click("main button[type=submit]")
    page.wait_for_url("**/answer/")


def _choose(page: Any, code: str) -> None:
    page.click(f"label[for='answer-{code}']")
    page.click("button[value=continue]")


def _looked_at(page: Any, name: str) -> None:
    assert axe_violations(page) == [], name
    assert ace_violations(page) == [], name  # IBM's engine, beside axe
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"help-{name}.png"), full_page=True)


def _in_zealand(personas: Personas) -> None:
    personas.organisation.region = "sjaelland"
    personas.organisation.help_phone = "70 00 00 01"
    personas.organisation.save()


@EVERY_SCREEN
def test_a_self_harm_answer_gets_help_on_the_very_next_page_and_first_on_the_done_page(
    personas: Personas,
    new_context: Callable[..., Any],
    site: str,
    language: str,
    viewport: dict[str, int],
) -> None:
    _in_zealand(personas)
    invitation, link = data.invite(personas.patient, personas.secretary, "phq9", version="1.1.0")
    response = data.response(invitation, "phq9")
    page = _screen(new_context, site, language, viewport)
    _open(page, link, personas.patient.birth_date)
    data.give_answers(response, {f"phq9.{n}": "0" for n in range(1, 9)})
    page.goto(f"/answer/{response.public_id}/q/phq9.9/")
    _choose(page, "1")
    page.wait_for_url("**/help-now/")
    box = page.locator(".safety-box")
    for number in ("tel:112", "tel:70000001", "tel:1818", "tel:+4570201201"):
        assert box.locator(f"a[href='{number}']").is_visible(), number
    assert "1813" not in page.content()
    assert "Livslinien" in box.inner_text()
    _looked_at(page, f"urgent-{language}-{viewport['width']}")
    page.click("main .actions a")
    page.wait_for_url("**/check/")
    page.click("form[data-submit-once] button")
    page.wait_for_url("**/done/")
    main = page.locator("main")
    first_h2 = main.locator("h2").first.inner_text()
    assert first_h2 in ("Hvis du har brug for hjælp nu", "If you need help now")
    text = main.inner_text()
    said = text.count("ikke læst med det samme") + text.count("not read straight away")
    assert said == 1
    _looked_at(page, f"done-{language}-{viewport['width']}")


@SCREENS
def test_an_optional_question_left_empty_leads_back_to_the_check_page(
    personas: Personas,
    new_context: Callable[..., Any],
    site: str,
    language: str,
    viewport: dict[str, int],
) -> None:
    invitation, link = data.invite(personas.patient, personas.secretary, "basic_data")
    response = data.response(invitation, "basic_data")
    page = _screen(new_context, site, language, viewport)
    _open(page, link, personas.patient.birth_date)
    data.give_answers(
        response,
        {
            "basic.weight": 72,
            "basic.height": 180,
            "basic.bp_measured": "no",
            "basic.smoking": "never",
            "basic.alcohol_week": 3,
            "basic.alcohol_max_day": 2,
            "basic.activity_moderate": 60,
            "basic.activity_vigorous": 0,
            "basic.diet_fruitveg": "3to5",
            "basic.diet_fish": "once_week",
        },
    )
    page.goto(f"/answer/{response.public_id}/check/")
    page.click("a.change-link[href*='basic.waist']")
    page.wait_for_url("**/q/basic.waist/?from=check")
    page.click("button[value=continue]")  # "Save and go back to your answers", left empty
    page.wait_for_url("**/check/")
    page.click("a.change-link[href*='basic.kram_talk']")
    page.click("button[value=continue]")
    page.wait_for_url("**/check/")
    _looked_at(page, f"check-{language}-{viewport['width']}")


@SCREENS
def test_back_after_a_refused_answer_never_asks_to_resend_the_form(
    personas: Personas,
    new_context: Callable[..., Any],
    site: str,
    language: str,
    viewport: dict[str, int],
) -> None:
    invitation, link = data.invite(personas.patient, personas.secretary, "basic_data")
    page = _screen(new_context, site, language, viewport)
    _open(page, link, personas.patient.birth_date)
    response = data.response(invitation, "basic_data")
    page.goto(f"/answer/{response.public_id}/q/basic.weight/")
    page.fill("#answer", "7x2")
    page.click("button[value=continue]")
    page.wait_for_selector("[data-error-summary]")
    assert page.input_value("#answer") == "7x2"  # what was typed is kept
    _looked_at(page, f"refused-{language}-{viewport['width']}")
    page.fill("#answer", "72")
    page.click("button[value=continue]")
    page.wait_for_url("**/q/basic.height/")
    page.go_back()
    page.wait_for_load_state("load")
    assert page.url.endswith("/q/basic.weight/"), page.url  # not a chrome-error page
    assert page.locator("#answer").input_value() == "72"
    page.reload()  # nothing to resend either
    assert page.locator("#answer").input_value() == "72"


@SCREENS
def test_the_progress_does_not_jump_when_an_answer_opens_questions(
    personas: Personas,
    new_context: Callable[..., Any],
    site: str,
    language: str,
    viewport: dict[str, int],
) -> None:
    invitation, link = data.invite(personas.patient, personas.secretary, "basic_data")
    page = _screen(new_context, site, language, viewport)
    _open(page, link, personas.patient.birth_date)
    response = data.response(invitation, "basic_data")
    data.give_answers(response, {"basic.weight": 72, "basic.height": 180})
    smoking = f"/answer/{response.public_id}/q/basic.smoking/"
    seen = []
    for answer in ("no", "yes"):
        data.give_answers(response, {"basic.bp_measured": answer})
        page.goto(smoking)
        seen.append(
            (
                page.locator(".progress-text").inner_text(),
                page.locator("progress").get_attribute("value"),
            )
        )
    assert seen[0] == seen[1]
    assert " 38 " not in seen[0][0]
    _looked_at(page, f"progress-{language}-{viewport['width']}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_kiosk_offers_stop_on_a_question_page_and_wipes_the_tablet(
    personas: Personas, new_context: Callable[..., Any], site: str, language: str
) -> None:
    data.active("basic_data")
    _kiosk, token = kiosk_enrol(
        organisation=personas.organisation, name="Venteværelse", by=personas.admin
    )
    context = new_context(viewport=PHONE)
    set_language(context, language, site)
    context.add_cookies([{"name": settings.KIOSK_COOKIE_NAME, "value": token, "url": site}])
    page = context.new_page()
    _visit, code = visit_code_create(patient=personas.patient, by=personas.secretary)
    page.goto("/kiosk/")
    page.fill("#code", code)
    fill_birth_date(page, personas.patient.birth_date)
    page.click("main button[type=submit]")
    page.wait_for_url("**/answer/")
    page.click(".questionnaire-card a")
    page.wait_for_url("**/q/basic.weight/")
    page.fill("#answer", "72")
    page.click("button[value=continue]")
    page.wait_for_url("**/q/basic.height/")
    _looked_at(page, f"kiosk-question-{language}")
    page.click(".kiosk-stop button")
    page.wait_for_url("**/kiosk/?ended=stopped")
    assert page.locator(".notice").is_visible()
    _looked_at(page, f"kiosk-stopped-{language}")
    page.go_back()
    page.wait_for_load_state("load")
    assert "72" not in page.content()
    assert personas.patient.name not in page.content()
    (stored,) = [a for a in Response.objects.values_list("answers", flat=True) if a]
    assert stored["basic.weight"] == 72


@SCREENS
def test_the_smaller_messages_say_what_is_wrong_and_keep_what_was_typed(
    personas: Personas,
    new_context: Callable[..., Any],
    site: str,
    language: str,
    viewport: dict[str, int],
) -> None:
    personas.organisation.help_phone = "70 00 00 01"
    personas.organisation.save()
    invitation, link = data.invite(personas.patient, personas.secretary, "chronic_pain")
    page = _screen(new_context, site, language, viewport)
    page.goto(link)
    page.fill("#birth-day", "31")
    page.fill("#birth-month", "2")
    page.fill("#birth-year", "1980")
    page.click("main button[type=submit]")
    summary = page.locator("[data-error-summary]").inner_text()
    assert "findes ikke" in summary or "does not exist" in summary
    _looked_at(page, f"birth-date-{language}-{viewport['width']}")

    _open(page, link, personas.patient.birth_date)
    response = data.response(invitation, "chronic_pain")
    page.goto(f"/answer/{response.public_id}/q/goals.text/")
    written = "Jeg vil gerne kunne gå en tur med hunden igen. " * 25  # > 1000 characters
    page.fill("#answer", written)
    assert page.input_value("#answer") == written  # the browser cuts nothing
    page.click("button[value=continue]")
    page.wait_for_selector("[data-error-summary]")
    assert page.input_value("#answer") == written  # kept whole
    assert str(len(written.strip())) in page.locator("[data-error-summary]").inner_text()
    _looked_at(page, f"too-long-{language}-{viewport['width']}")

    Invitation.objects.filter(pk=invitation.pk).update(locked_at=timezone.now())
    other = _screen(new_context, site, language, viewport)
    other.goto(link)
    assert other.locator("a[href='tel:70000001']").is_visible()
    _looked_at(other, f"locked-{language}-{viewport['width']}")

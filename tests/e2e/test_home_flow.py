"""The patient at home, in a real browser: invited by reception, answering, resuming,
submitting exactly once, locked out by wrong birth dates, and told where to get help."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from questionnaires.models import Invitation, Response, ScoringResult
from tests.conftest import Personas
from tests.e2e import data
from tests.e2e.conftest import (
    PHONE,
    SCREENSHOTS,
    TABLET,
    axe_violations,
    fill_birth_date,
    log_in,
)
from tests.factories import CANARY_CPR, CANARY_CPR_FORMATTED, answers_of

pytestmark = pytest.mark.django_db(transaction=True)


def open_link(page: Any, link: str, birth_date: dt.date) -> None:
    page.goto(link)
    fill_birth_date(page, birth_date)
    page.click("main button[type=submit]")
    page.wait_for_url("**/answer/")


def choose(page: Any, code: str) -> None:
    page.click(f"label[for='answer-{code}']")
    page.click("button[value=continue]")


def test_reception_invites_the_patient_who_opens_the_link(
    personas: Personas, new_context: Callable[..., Any], site: str
) -> None:
    data.active("phq9")
    gad7 = data.active("gad7")
    staff = new_context(viewport=TABLET)
    log_in(staff, personas.secretary, site)
    desk = staff.new_page()
    desk.goto("/reception/")
    desk.fill("#id_cpr", CANARY_CPR_FORMATTED)
    desk.click("main button[type=submit]")
    desk.wait_for_url(f"**/patients/{personas.patient.public_id}/")
    assert CANARY_CPR not in desk.url
    day = timezone.localdate() + dt.timedelta(days=3)
    desk.fill("#id_date", day.isoformat())
    desk.fill("#id_time", "10:30")
    desk.check(f"input[name=versions][value='{gad7.pk}']")
    desk.click(".invite-form button[type=submit]")
    link = desk.locator(".issued-link").inner_text()
    desk.screenshot(path=str(SCREENSHOTS / "reception-patient-link.png"), full_page=True)
    assert axe_violations(desk) == []
    assert re.fullmatch(rf"{re.escape(site)}/i/[A-Za-z0-9_-]{{43}}/", link)
    desk.reload()
    assert desk.locator(".issued-link").count() == 0  # shown once
    assert "Sendt" in desk.content() or "Sent" in desk.content()

    patient = new_context().new_page()
    open_link(patient, link.removeprefix(site), personas.patient.birth_date)
    assert personas.organisation.name in patient.content()
    assert patient.locator(".questionnaire-card").count() == 1


def test_the_whole_home_flow_works_without_javascript(
    personas: Personas, new_context: Callable[..., Any]
) -> None:
    invitation, link = data.invite(personas.patient, personas.secretary, "phq9")
    page = new_context(java_script_enabled=False).new_page()
    open_link(page, link, personas.patient.birth_date)
    page.click(".questionnaire-card a")
    for _ in range(1, 10):
        assert re.search(r"\b(Del|Part) 1 (af|of) 1\b", page.locator(".progress-text").inner_text())
        choose(page, "0")
    page.wait_for_url("**/check/")
    assert page.locator(".answers-row").count() == 9
    page.click("form[data-submit-once] button")
    page.wait_for_url("**/done/")
    response = data.response(invitation, "phq9")
    response.refresh_from_db()
    assert response.status == Response.Status.SUBMITTED
    assert ScoringResult.objects.filter(response=response).count() == 1


def test_back_and_forward_keep_every_answer(
    personas: Personas, new_context: Callable[..., Any]
) -> None:
    invitation, link = data.invite(personas.patient, personas.secretary, "phq9")
    page = new_context().new_page()
    open_link(page, link, personas.patient.birth_date)
    page.click(".questionnaire-card a")
    choose(page, "1")
    choose(page, "2")
    page.click(".back-link")  # the page's own Back link
    page.wait_for_url("**/q/phq9.2/")
    assert page.is_checked("#answer-2")
    page.go_back()  # the browser's back button
    page.wait_for_url("**/q/phq9.3/")
    page.go_back()
    page.wait_for_url("**/q/phq9.2/")
    assert page.is_checked("#answer-2")
    page.go_back()
    page.wait_for_url("**/q/phq9.1/")
    assert page.is_checked("#answer-1")
    page.go_forward()
    page.wait_for_url("**/q/phq9.2/")
    assert page.is_checked("#answer-2")
    stored = answers_of(data.response(invitation, "phq9"))
    assert stored == {"phq9.1": "1", "phq9.2": "2"}


def test_a_patient_resumes_in_a_fresh_browser_with_the_same_link(
    personas: Personas, new_context: Callable[..., Any]
) -> None:
    _invitation, link = data.invite(personas.patient, personas.secretary, "phq9")
    phone = new_context().new_page()
    open_link(phone, link, personas.patient.birth_date)
    phone.click(".questionnaire-card a")
    for code in ("1", "0", "2"):
        choose(phone, code)

    laptop = new_context(viewport=TABLET).new_page()
    open_link(laptop, link, personas.patient.birth_date)
    assert re.search(r"\b3\b", laptop.locator(".questionnaire-card .status").inner_text())
    laptop.click(".questionnaire-card a")
    laptop.wait_for_url("**/q/phq9.4/")  # where they left off
    laptop.click(".back-link")
    assert laptop.is_checked("#answer-2")


def test_a_double_click_two_tabs_and_the_back_button_give_one_response(
    personas: Personas, new_context: Callable[..., Any]
) -> None:
    invitation, link = data.invite(personas.patient, personas.secretary, "phq9")
    response = data.response(invitation, "phq9")
    context = new_context()
    first = context.new_page()
    open_link(first, link, personas.patient.birth_date)
    data.give_answers(response, {f"phq9.{n}": "0" for n in range(1, 10)})
    second = context.new_page()
    check = f"/answer/{response.public_id}/check/"
    first.goto(check)
    second.goto(check)
    first.dblclick("form[data-submit-once] button")
    first.wait_for_url("**/done/")
    second.click("form[data-submit-once] button")
    second.wait_for_url("**/done/")
    first.go_back()  # back to the check page: it now leads to thank-you
    first.wait_for_url("**/done/")
    assert ScoringResult.objects.filter(response=response).count() == 1


def test_five_wrong_birth_dates_lock_the_link(
    personas: Personas, new_context: Callable[..., Any]
) -> None:
    invitation, link = data.invite(personas.patient, personas.secretary, "phq9")
    page = new_context().new_page()
    page.goto(link)
    for attempt in range(5):
        fill_birth_date(page, dt.date(1970, 1, 1 + attempt))
        page.click("main button[type=submit]")
    assert page.locator("#birth-day").count() == 0
    assert personas.patient.name not in page.content()
    page.goto(link)
    assert page.locator("#birth-day").count() == 0
    invitation.refresh_from_db()
    assert invitation.is_locked
    assert invitation.state == Invitation.State.SENT


def test_a_safety_answer_says_where_to_get_help_now(
    personas: Personas, new_context: Callable[..., Any]
) -> None:
    invitation, link = data.invite(personas.patient, personas.secretary, "phq9")
    response = data.response(invitation, "phq9")
    page = new_context().new_page()
    open_link(page, link, personas.patient.birth_date)
    data.give_answers(response, {f"phq9.{n}": "0" for n in range(1, 9)})
    page.goto(f"/answer/{response.public_id}/q/phq9.9/")
    choose(page, "2")
    page.wait_for_url("**/help-now/")  # help at once, before going on
    page.click("main .actions a")
    page.wait_for_url("**/check/")
    page.click("form[data-submit-once] button")
    page.wait_for_url("**/done/")
    box = page.locator(".safety-box")
    assert box.is_visible()
    for number in ("tel:112", "tel:1813", "tel:+4570201201"):
        assert box.locator(f"a[href='{number}']").is_visible()
    # The same help is one tap away from every page.
    page.click(".help-now-link")
    page.wait_for_url("**/help/")
    assert page.locator("a[href='tel:112']").is_visible()


def test_the_0_to_10_scale_wraps_on_a_phone_and_works_with_the_keyboard(
    personas: Personas, new_context: Callable[..., Any]
) -> None:
    invitation, link = data.invite(personas.patient, personas.secretary, "chronic_pain")
    page = new_context(viewport=PHONE).new_page()
    open_link(page, link, personas.patient.birth_date)
    response = data.response(invitation, "chronic_pain")
    page.goto(f"/answer/{response.public_id}/q/pain.now/")
    boxes = [page.locator(f"label[for='answer-{n}']").bounding_box() for n in range(11)]
    rows = {round(box["y"]) for box in boxes}
    assert len(rows) >= 2  # wraps rather than shrinking
    assert all(box["width"] >= 44 and box["height"] >= 44 for box in boxes)
    assert max(box["x"] + box["width"] for box in boxes) <= PHONE["width"]

    page.focus("#answer-0")
    for _ in range(7):
        page.keyboard.press("ArrowRight")
    assert page.is_checked("#answer-7")
    page.keyboard.press("Enter")  # submits the form: Continue
    page.wait_for_url("**/q/pain.avg/")
    assert answers_of(response)["pain.now"] == 7
    # Screen readers hear the anchors with the ends of the scale.
    label = page.locator("label[for='answer-0']").inner_text()
    assert "0" in label

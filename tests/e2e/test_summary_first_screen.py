"""The GP's 30-second read, in a real Chromium: on the first screen of a
1366×768 laptop, who the patient is (age and sex), the overall colour, the
patient's agenda, the red and yellow flags in words, the patient in brief,
today's waiting-room measurements and the change since last time, with
"Download PDF" at the top; the formal rules stay in closed disclosures. The
copy button puts the text for the record on the clipboard and the copy is
audited. Danish and English, phone and laptop, axe on each."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from pro_portal.models import AuditEvent
from questionnaires.library import LIBRARY_DIR, read_definition
from questionnaires.models import Response
from tests import factories
from tests.e2e.conftest import (
    PHONE,
    SCREENSHOTS,
    ace_violations,
    axe_violations,
    log_in,
    set_language,
)

pytestmark = pytest.mark.django_db(transaction=True)
LAPTOP = {"width": 1366, "height": 768}
PAIN = {
    v["id"]: v for v in read_definition(LIBRARY_DIR / "chronic_pain/1.0.0.yaml")["test_vectors"]
}
BASIC_FILE = read_definition(LIBRARY_DIR / "basic_data/1.0.0.yaml")
BASIC = {v["id"]: v for v in BASIC_FILE["test_vectors"]}
# Today: a new red-flag symptom (red, safety), an opioid (yellow), on sick
# leave (yellow); the patient's agenda is sleep and medicine.
TODAY = {
    **PAIN["base_green"]["answers"],
    "pain.red_flags": ["bladder_bowel"],
    "pain.avg": 7,
    "med.taking": "yes",
    "med.list": "Tramadol 50 mg x 2",
    "med.opioid": "yes",
    "med.effect": "some",
    "med.side_effects": "no",
    "work.status": "sick_leave",
    "work.sick_leave_weeks": 6,
    "work.worry": "yes",
    "agenda.2": "Medicinen",
}
# Waiting room: 82.5 kg, 178 cm → BMI 26.0; 142/88 mmHg. Last time 80 kg, 135/85.
BASIC_TODAY = {
    **BASIC["base_green"]["answers"],
    "basic.weight": 82.5,
    "basic.height": 178,
    "basic.bp_measured": "yes",
    "basic.bp_sys": 142,
    "basic.bp_dia": 88,
}
BASIC_BEFORE = {**BASIC_TODAY, "basic.weight": 80.0, "basic.bp_sys": 135, "basic.bp_dia": 85}
WORDS = {
    "da": {
        "sex": "kvinde",
        "brief": "Smerter i",
        "waiting": "Målt i venteværelset",
        "since": "Siden sidst",
        "copied": "Kopieret",
        "copy": "Kopiér til journalen",
        "bp": "142/88 mmHg",
        "bmi": "26,0",
    },
    "en": {
        "sex": "female",
        "brief": "Pain for",
        "waiting": "Measured in the waiting room",
        "since": "Since last time",
        "copied": "Copied",
        "copy": "Copy for the record",
        "bp": "142/88 mmHg",
        "bmi": "26.0",
    },
}


def _submit(patient: Any, questionnaire_id: str, answers: dict[str, Any], **kw: Any) -> Response:
    version = factories.published_version(questionnaire_id)
    return factories.submitted(patient, version, answers, **kw)


@pytest.fixture
def visit(personas) -> Response:
    """Bodil (born 1 March 1962, a woman by her CPR number) answered about her
    pain a month ago and today, and gave her measurements on the waiting-room
    tablet both times."""
    patient = factories.PatientFactory(
        organisation=personas.organisation, name="Bodil Berg", cpr="0103624002"
    )
    month_ago = timezone.now() - dt.timedelta(days=30)
    with time_machine.travel(month_ago, tick=False):
        _submit(patient, "chronic_pain", PAIN["base_green"]["answers"])
        _submit(patient, "basic_data", BASIC_BEFORE)
    starts = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(23, 0)))
    invitation = factories.invitation(
        factories.consultation(patient, starts, personas.secretary), patient, personas.secretary
    )
    _submit(patient, "basic_data", BASIC_TODAY)
    return _submit(patient, "chronic_pain", TODAY, invitation=invitation)


def _on_first_screen(page: Any, selector: str) -> None:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    assert box["y"] + min(box["height"], 40) <= LAPTOP["height"], (selector, box)


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_the_first_screen_holds_the_30_second_read_and_the_copy_is_audited(
    personas, visit, new_context, site, language: str, viewport: dict[str, int]
) -> None:
    words = WORDS[language]
    context = new_context(viewport=viewport, permissions=["clipboard-read", "clipboard-write"])
    log_in(context, personas.clinician, site)
    set_language(context, language, site)
    page = context.new_page()
    page.goto(f"/responses/{visit.public_id}/")

    today = timezone.localdate()
    age = today.year - 1962 - ((today.month, today.day) < (3, 1))
    facts = page.inner_text(".patient-facts").lower()
    assert f"{age} " in facts
    assert words["sex"] in facts
    first = page.inner_text(".first-screen")
    for expected in [
        "Søvn",  # the agenda
        "Medicinen",
        words["brief"],  # the patient in brief
        "Tramadol 50 mg x 2",
        words["waiting"],  # today's measurements
        words["bp"],
        words["bmi"],
        words["since"],  # the change since last time
    ]:
        assert expected in first
    # The rules are one click away: their ids are in the page but not shown.
    assert page.locator("details.flag-rule[open]").count() == 0
    assert not page.get_by_text("pain_red_flags", exact=True).is_visible()
    assert page.locator("article.flag-red").count() == 1
    assert page.locator("article.flag-yellow").count() == 2
    if viewport == LAPTOP:
        for selector in [
            ".patient-facts",
            "a[href$='/pdf']",
            "form.copy-record button",
            ".overall",
            ".agenda li:last-child",
            "article.flag-red h3",
            "article.flag-yellow:last-of-type h3",
            ".brief dl > div:last-child",
            ".waiting-room tbody tr:first-child",
            ".changes tbody tr:first-child",
        ]:
            _on_first_screen(page, selector)
    shot = f"summary-first-screen-{language}-{viewport['width']}.png"
    page.screenshot(path=str(SCREENSHOTS / shot))
    assert axe_violations(page) == []
    assert ace_violations(page) == []  # IBM's engine, beside axe

    copies = AuditEvent.objects.filter(action="summary.copy", patient=visit.patient).count()
    page.get_by_role("button", name=words["copy"]).click()
    page.wait_for_function(
        "word => document.querySelector('.copy-status').textContent.includes(word)",
        arg=words["copied"],
    )
    copied = page.evaluate("navigator.clipboard.readText()")
    definition = visit.questionnaire_version.definition
    flag = next(rule for rule in definition.rules if rule.id == "pain_red_flags")
    assert flag.clinician_text[language] in copied
    assert "Søvn" in copied
    assert words["bp"] in copied
    assert "pain_red_flags" not in copied
    assert "selected(" not in copied
    assert AuditEvent.objects.filter(action="summary.copy", patient=visit.patient).count() == (
        copies + 1
    )
    # The disclosure opens with one click and holds the formal rule.
    page.locator("article.flag-red details.flag-rule summary").click()
    assert page.get_by_text("pain_red_flags", exact=True).is_visible()
    # axe reads colours as they are: let the buttons' hover transition end first.
    page.mouse.move(0, 0)
    page.wait_for_timeout(400)
    assert axe_violations(page) == []
    assert ace_violations(page) == []  # IBM's engine, beside axe


def test_without_javascript_the_button_opens_the_text_in_a_read_only_box(
    personas, visit, new_context, site
) -> None:
    context = new_context(viewport=LAPTOP, java_script_enabled=False)
    log_in(context, personas.clinician, site)
    page = context.new_page()
    page.goto(f"/responses/{visit.public_id}/")
    copies = AuditEvent.objects.filter(action="summary.copy", patient=visit.patient).count()
    page.get_by_role("button", name=WORDS["da"]["copy"]).click()
    page.wait_for_url("**/record-text*")
    box = page.locator("textarea#record-text[readonly]")
    assert "Søvn" in box.input_value()
    assert AuditEvent.objects.filter(action="summary.copy", patient=visit.patient).count() == (
        copies + 1
    )
    page.screenshot(path=str(SCREENSHOTS / "summary-record-text-da-1366.png"))
    checked = new_context(viewport=PHONE)
    log_in(checked, personas.clinician, site)
    page = checked.new_page()
    page.goto(f"/responses/{visit.public_id}/record-text")
    assert axe_violations(page) == []
    assert ace_violations(page) == []  # IBM's engine, beside axe

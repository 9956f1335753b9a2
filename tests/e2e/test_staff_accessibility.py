"""Staff screens as a person with low vision or on a small screen meets them: fields
and checkboxes they can find (WCAG 1.4.11), and a summary that reflows at 320 px
(WCAG 1.4.10) even where a rule id is one long word."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests import factories
from tests.conftest import Personas
from tests.e2e import data
from tests.e2e.conftest import SCREENSHOTS, horizontal_overflow, log_in, set_language
from tests.e2e.test_keyboard import COLOURS_JS, LAPTOP, tab_walk

pytestmark = pytest.mark.django_db(transaction=True)

#: Every visible form field's and checkbox's border against the background around it.
BORDERS_JS = (
    """
() => {"""
    + COLOURS_JS
    + """
  const out = [];
  for (const el of document.querySelectorAll(".form-control, .form-select, .form-check-input")) {
    if (!el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    out.push({
      what: el.tagName.toLowerCase() + "#" + el.id,
      width: parseFloat(style.borderTopWidth),
      contrast: contrast(rgba(style.borderTopColor), background(el.parentElement)),
    });
  }
  return out;
}
"""
)


def test_staff_fields_and_checkboxes_have_borders_of_3_to_1(
    personas: Personas, new_context: Callable[..., Any], site: str
) -> None:
    """A secretary finds the boxes to tick and the fields to fill (WCAG 1.4.11)."""
    data.active("phq9")
    context = new_context(viewport=LAPTOP)
    log_in(context, personas.secretary, site)
    page = context.new_page()
    page.goto(f"/patients/{personas.patient.public_id}/")
    fields = page.evaluate(BORDERS_JS)
    assert any(f["what"].startswith("input#id_versions") for f in fields), fields
    assert [f for f in fields if f["contrast"] < 3 or f["width"] < 1] == []
    page.goto("/accounts/login/")
    assert [f for f in page.evaluate(BORDERS_JS) if f["contrast"] < 3] == []


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_summary_reflows_at_320_px_with_its_rule_ids(
    personas: Personas, new_context: Callable[..., Any], site: str, language: str
) -> None:
    version = factories.published_version("phq9")
    red = factories.submitted(personas.patient, version, factories.PHQ9_RED)
    context = new_context(viewport={"width": 320, "height": 640})
    log_in(context, personas.clinician, site)
    set_language(context, language, site)
    page = context.new_page()
    page.goto(f"/responses/{red.public_id}/")
    assert "phq9_item9_self_harm" in page.inner_text("main")
    page.screenshot(path=str(SCREENSHOTS / f"summary-320-{language}.png"), full_page=True)
    assert horizontal_overflow(page) == 0


def test_staff_checkboxes_selects_and_date_fields_show_the_focus_ring(
    personas: Personas, new_context: Callable[..., Any], site: str
) -> None:
    data.active("phq9")
    secretary = new_context(viewport=LAPTOP)
    log_in(secretary, personas.secretary, site)
    page = secretary.new_page()
    page.goto(f"/patients/{personas.patient.public_id}/")
    problems = tab_walk(page, "staff-patient", screenshot_text_field=False)
    clinician = new_context(viewport=LAPTOP)
    log_in(clinician, personas.clinician, site)
    worklist = clinician.new_page()
    worklist.goto("/worklist/")
    assert worklist.locator("select.form-select").count() > 0
    problems += tab_walk(worklist, "staff-worklist", screenshot_text_field=False)
    assert problems == [], "\n".join(problems)

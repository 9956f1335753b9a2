"""The keyboard walk: Tab through the question, birth-date, kiosk-code and staff log-in
pages; every control that gets focus shows a ring a keyboard or switch user can see
(outline at least 2 px, at least 3 : 1 against what is around it, WCAG 2.4.7 and
1.4.11). And a click on an error-summary link does not follow the patient to later
pages (WCAG 2.4.3). Danish and English, phone 390 × 844 and laptop 1366 × 768."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings

from questionnaires.kiosk import kiosk_enrol
from tests.conftest import Personas
from tests.e2e import data
from tests.e2e.conftest import PHONE, SCREENSHOTS, fill_birth_date, set_language
from tests.factories import answers_of

pytestmark = pytest.mark.django_db(transaction=True)

LAPTOP = {"width": 1366, "height": 768}
CONFIGURATIONS = [
    pytest.param("da", PHONE, id="da-phone"),
    pytest.param("en", PHONE, id="en-phone"),
    pytest.param("da", LAPTOP, id="da-laptop"),
    pytest.param("en", LAPTOP, id="en-laptop"),
]

#: WCAG 2.x relative luminance and contrast ratio, and the background behind a node.
COLOURS_JS = """
  const rgba = (text) => {
    const m = text.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const [r, g, b, a] = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return { r, g, b, a: a === undefined ? 1 : a };
  };
  const luminance = ({ r, g, b }) => {
    const c = [r, g, b].map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const contrast = (x, y) => {
    const [a, b] = [luminance(x), luminance(y)].sort((p, q) => q - p);
    return (a + 0.05) / (b + 0.05);
  };
  const background = (node) => {
    for (let n = node; n && n.nodeType === 1; n = n.parentElement) {
      const c = rgba(getComputedStyle(n).backgroundColor);
      if (c && c.a > 0.5) return c;
    }
    return { r: 255, g: 255, b: 255, a: 1 };
  };
"""

#: The focused element's ring, measured: outline style and width, and the contrast of
#: the outline colour with the colours beside it (the background behind the element and
#: the halo drawn under the outline, if any). A radio or checkbox inside a choice box
#: shows its ring on the box (the label), which is what the patient sees and taps.
FOCUS_RING_JS = (
    """
() => {"""
    + COLOURS_JS
    + """
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  // Not a control: focused by script, never by Tab (<main>, the error summary).
  if (el.getAttribute("tabindex") === "-1") return { what: "script-focused", skip: true };
  let ringOn = el;
  const own = getComputedStyle(el);
  if ((el.type === "radio" || el.type === "checkbox") && own.outlineStyle === "none"
      && el.closest("label")) {
    ringOn = el.closest("label");
  }
  const style = getComputedStyle(ringOn);
  const outline = rgba(style.outlineColor);
  const beside = [background(ringOn.parentElement)];
  const halo = style.boxShadow && style.boxShadow !== "none" ? rgba(style.boxShadow) : null;
  if (halo && halo.a > 0.5) beside.push(halo);
  const text = el.innerText || el.name || el.getAttribute("aria-label") || "";
  const label = (el.id ? "#" + el.id : "") + " " + text.trim().slice(0, 30);
  return {
    what: el.tagName.toLowerCase() + (el.type ? "[" + el.type + "]" : "") + label,
    ringOn: ringOn === el ? "itself" : "its label",
    style: style.outlineStyle,
    width: parseFloat(style.outlineWidth),
    contrast: outline ? Math.min(...beside.map((c) => contrast(outline, c))) : 0,
    textField: el.matches("input[type=text], input:not([type]), input[type=password], textarea"),
  };
}
"""
)


def tab_walk(page: Any, name: str, *, screenshot_text_field: bool = True) -> list[str]:
    """Tab from the top of the page through every control; the problems with the focus
    ring of each (none: all visible). Keeps a screenshot of the first focused text field."""
    # After the page's own script has moved focus to an error summary, if any.
    page.wait_for_load_state("load")
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    problems: list[str] = []
    seen: list[str] = []
    shot = not screenshot_text_field
    for _ in range(80):
        page.keyboard.press("Tab")
        ring = page.evaluate(FOCUS_RING_JS)
        if ring is None or (seen and ring["what"] == seen[0]):
            break  # back at the top: every control visited
        if ring.get("skip"):
            continue
        seen.append(ring["what"])
        if ring["style"] == "none" or ring["width"] < 2 or ring["contrast"] < 3:
            problems.append(f"{name}: {ring}")
        if ring["textField"] and not shot:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.wait_for_timeout(300)  # Bootstrap fades box-shadows in over 0.15 s
            page.screenshot(path=str(SCREENSHOTS / f"keyboard-{name}.png"))
            shot = True
    assert len(seen) >= 3, f"{name}: Tab reached only {seen}"
    return problems


@pytest.mark.parametrize(("language", "viewport"), CONFIGURATIONS)
def test_every_control_shows_a_visible_focus_ring_when_tabbed_to(
    personas: Personas, new_context: Callable[..., Any], site: str, language: str, viewport: dict
) -> None:
    config = f"{language}-{'phone' if viewport == PHONE else 'laptop'}"
    context = new_context(viewport=viewport)
    set_language(context, language, site)
    page = context.new_page()
    problems: list[str] = []

    # The birth-date page, empty and with its error (fields marked invalid).
    invitation, link = data.invite(personas.patient, personas.secretary, "chronic_pain")
    page.goto(link)
    problems += tab_walk(page, f"{config}-birth-date")
    page.click("main button[type=submit]")
    problems += tab_walk(page, f"{config}-birth-date-error")
    fill_birth_date(page, personas.patient.birth_date)
    page.click("main button[type=submit]")
    page.wait_for_url("**/answer/")

    # Question pages: 0–10 boxes, a number, free text.
    pain = data.response(invitation, "chronic_pain")
    for item_id in ("pain.now", "activity.days", "goals.text"):
        page.goto(f"/answer/{pain.public_id}/q/{item_id}/")
        problems += tab_walk(
            page, f"{config}-{item_id}", screenshot_text_field=item_id != "pain.now"
        )
    page.goto(f"/answer/{pain.public_id}/q/activity.days/")
    page.fill("#answer", "99")
    page.click("button[value=continue]")
    problems += tab_walk(page, f"{config}-number-error")

    # The kiosk's code page, empty and with its errors.
    data.active("basic_data")
    _kiosk, token = kiosk_enrol(
        organisation=personas.organisation, name="Venteværelse", by=personas.admin
    )
    tablet = new_context(viewport=viewport)
    set_language(tablet, language, site)
    tablet.add_cookies([{"name": settings.KIOSK_COOKIE_NAME, "value": token, "url": site}])
    kiosk = tablet.new_page()
    kiosk.goto("/kiosk/")
    problems += tab_walk(kiosk, f"{config}-kiosk-code")
    kiosk.click("main button[type=submit]")
    problems += tab_walk(kiosk, f"{config}-kiosk-code-error")

    # The staff log-in.
    staff = new_context(viewport=viewport)
    set_language(staff, language, site)
    login = staff.new_page()
    login.goto("/accounts/login/")
    problems += tab_walk(login, f"{config}-staff-login")

    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize(("language", "viewport"), CONFIGURATIONS)
def test_after_an_error_summary_link_the_next_page_opens_at_the_top_with_nothing_chosen(
    personas: Personas, new_context: Callable[..., Any], site: str, language: str, viewport: dict
) -> None:
    invitation, link = data.invite(personas.patient, personas.secretary, "chronic_pain")
    context = new_context(viewport=viewport)
    set_language(context, language, site)
    page = context.new_page()
    page.goto(link)
    fill_birth_date(page, personas.patient.birth_date)
    page.click("main button[type=submit]")
    page.wait_for_url("**/answer/")
    pain = data.response(invitation, "chronic_pain")
    page.goto(f"/answer/{pain.public_id}/q/pain.now/")
    page.click("button[value=continue]")  # no answer: the error summary
    page.click(".error-summary a")
    assert page.url.endswith("#answer-0")
    page.click("label[for='answer-5']")
    page.click("button[value=continue]")

    page.wait_for_url("**/q/pain.avg/**")
    assert "#" not in page.url
    assert page.evaluate("() => window.scrollY") == 0
    focused = page.evaluate("() => document.activeElement.tagName.toLowerCase()")
    assert focused in ("body", "main"), f"focus is on a {focused}"
    page.keyboard.press("Space")  # a patient reading the page answers nothing
    assert page.locator("input:checked").count() == 0

    # Nor does it follow the patient further.
    page.click("label[for='answer-3']")
    page.click("button[value=continue]")
    page.wait_for_url(lambda url: "pain.avg" not in url)
    assert "#" not in page.url
    assert page.evaluate("() => window.scrollY") == 0
    answers = answers_of(pain)
    assert answers == {"pain.now": 5, "pain.avg": 3}

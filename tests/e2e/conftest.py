"""Real-browser tests: Debian's Chromium driven by Playwright's sync API.

Never a downloaded browser. Pages are served by pytest-django's live server
(the same process, so tests can set settings and read the database). Staff
are logged in by injecting a session cookie, as ``Client.force_login`` does,
so these tests do not depend on the login screens.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyotp
import pytest

# Playwright's sync API runs an event loop in this thread; the Django ORM
# calls made by the tests themselves are synchronous and safe here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from django.conf import settings
from django.test import Client

from tests.needs import needs

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
]
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
#: IBM Equal Access (accessibility-checker-engine, from npm): a second engine with
#: rules of its own, beside axe.
ACE = Path(__file__).resolve().parent / "node_modules" / "accessibility-checker-engine" / "ace.js"
ACE_POLICY = "IBM_Accessibility"
#: IBM rules that are wrong for these pages: rule id → (the only elements it is
#: allowed on, a CSS selector; why). Documented in docs/architecture.md,
#: "Accessibility". Only violations fail a test; IBM's "potential violations" and
#: "manual checks" are for a person to review.
ACE_ALLOWED: dict[str, tuple[str, str]] = {
    "input_checkboxes_grouped": (
        ".region-group input[type=checkbox]",
        "The body-regions question is one group (the question's fieldset, all boxes"
        " name=answer) whose places are sub-grouped by part of the body in nested,"
        " labelled fieldsets; IBM wants same-named boxes to share their nearest group."
        " Screen readers announce both legends, which is the structure (WCAG 1.3.1).",
    ),
}
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
TABLET = {"width": 820, "height": 1180}


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Marks the browser tests ``e2e``, and puts them in one group: the two test
    processes (pytest-xdist ``--dist loadgroup``, scripts/test.sh) never run two
    Chromiums at once, which on two cores slowed every walk down two- to threefold.
    One process walks the browser tests while the other takes the rest."""
    here = Path(__file__).resolve().parent
    for item in items:
        if Path(str(item.fspath)).resolve().is_relative_to(here):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.xdist_group("browser"))


PATIENT_FLOW_DANISH = ROOT / "locale" / "da" / "patient_flow_translations.json"


@pytest.fixture(scope="session")
def _patient_flow_danish_catalogue(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """The patient flow's Danish strings compiled once per run into a locale
    folder; None once that file is gone (merged into the main catalogue)."""
    import json

    import polib

    if not PATIENT_FLOW_DANISH.exists():
        return None
    catalogue = polib.MOFile()
    catalogue.metadata = {
        "Content-Type": "text/plain; charset=UTF-8",
        "Plural-Forms": "nplurals=2; plural=(n != 1);",
    }
    for msgid, translation in json.loads(PATIENT_FLOW_DANISH.read_text()).items():
        if isinstance(translation, dict):
            catalogue.append(
                polib.MOEntry(
                    msgid=msgid,
                    msgid_plural=translation["msgid_plural"],
                    msgstr_plural=dict(enumerate(translation["msgstr"])),
                )
            )
        else:
            catalogue.append(polib.MOEntry(msgid=msgid, msgstr=translation))
    folder = tmp_path_factory.mktemp("locale")
    (folder / "da" / "LC_MESSAGES").mkdir(parents=True)
    catalogue.save(str(folder / "da" / "LC_MESSAGES" / "django.mo"))
    return folder


@pytest.fixture(autouse=True)
def _patient_flow_danish(_patient_flow_danish_catalogue: Path | None) -> Iterator[None]:
    """The patient flow's Danish strings, until they are merged into the main
    catalogue (which wins where both have an entry): the Danish pages are then
    checked with their real, longer Danish text. Per browser test, so the
    catalogue never leaks into the tests that run after them."""
    from django.test.utils import override_settings

    if _patient_flow_danish_catalogue is None:
        yield
        return
    with override_settings(LOCALE_PATHS=[*settings.LOCALE_PATHS, _patient_flow_danish_catalogue]):
        yield


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    needs(Path(CHROMIUM).exists(), "Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def site(live_server: Any, settings: Any) -> str:
    """The live server's base URL; invitation links point at it."""
    settings.SITE_URL = live_server.url
    return str(live_server.url)


#: Every Content-Security-Policy violation in a page, also those Chromium does
#: not print itself, is logged to the console under the words the test looks for.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`Content Security Policy violation: ${event.violatedDirective} refused `
    + `${event.blockedURI || "inline"} at ${event.sourceFile}:${event.lineNumber}`);
});
"""


@dataclass
class CspWatch:
    """Collects the Content-Security-Policy violations of a browser context's pages."""

    violations: list[str] = field(default_factory=list)

    def attach(self, context: Any) -> None:
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        context.on("console", self._on_console)

    def _on_console(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            url = message.page.url if message.page else "?"
            self.violations.append(f"{url}: {message.text}")


@pytest.fixture
def new_context(browser: Any, site: str) -> Iterator[Callable[..., Any]]:
    """Open browser contexts (each a fresh browser profile), closed after the test.

    The site's Content-Security-Policy is enforced as in production (never
    ``bypass_csp``), and the test fails at teardown if any page of it reported
    a violation: a page that works only without its policy is broken.
    """
    opened: list[Any] = []
    watch = CspWatch()

    def make(*, viewport: dict[str, int] | None = None, **options: Any) -> Any:
        assert "bypass_csp" not in options, "browser tests run under the site's CSP"
        context = browser.new_context(
            base_url=site, viewport=viewport or PHONE, locale="da-DK", **options
        )
        context.set_default_timeout(10_000)
        watch.attach(context)
        opened.append(context)
        return context

    yield make
    for context in opened:
        context.close()
    if watch.violations:
        pytest.fail("Content Security Policy violations:\n" + "\n".join(watch.violations))


def log_in(context: Any, user: Any, site: str) -> None:
    """Give the browser context a logged-in staff session (like force_login)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": site}])


def totp_code(secret: str) -> str:
    """The authenticator's current code, taken from a window with at least 5 s left:
    the site accepts no code of a past window, and a code typed a moment before the
    window turns is refused on a busy machine."""
    totp = pyotp.TOTP(secret)
    left = totp.interval - time.time() % totp.interval
    if left < 5:
        time.sleep(left + 0.2)
    return str(totp.now())


def set_language(context: Any, language: str, site: str) -> None:
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": site}])


def fill_birth_date(page: Any, date: Any, prefix: str = "birth") -> None:
    page.fill(f"#{prefix}-day", str(date.day))
    page.fill(f"#{prefix}-month", str(date.month))
    page.fill(f"#{prefix}-year", str(date.year))


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core (from npm, loaded into the page) with the WCAG 2.x A/AA and 2.2 AA rules."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated by the test harness rather than added as a <script> element,
        # which the page's CSP (rightly) refuses.
        page.evaluate(AXE.read_text())
    result = page.evaluate(
        "async (tags) => await axe.run(document, "
        "{runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
    ]


ACE_RUN = """
async ([policy, allowed]) => {
  const report = await new ace.Checker().check(document, [policy]);
  const node = (xpath) => document.evaluate(
    xpath, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue;
  return report.results
    .filter((r) => r.value[0] === "VIOLATION" && r.value[1] === "FAIL")
    .filter((r) => !(r.ruleId in allowed && node(r.path.dom)?.matches(allowed[r.ruleId])))
    .map((r) => ({ rule: r.ruleId, reason: r.reasonId, message: r.message, where: r.path.dom }));
}
"""


def ace_violations(page: Any) -> list[dict[str, Any]]:
    """IBM's checker (from npm, evaluated into the page like axe: the CSP refuses an
    injected <script>) with its default policy; violations only, minus ACE_ALLOWED."""
    if not page.evaluate("() => typeof window.ace !== 'undefined'"):
        page.evaluate(ACE.read_text())
    allowed = {rule: selector for rule, (selector, _why) in ACE_ALLOWED.items()}
    return list(page.evaluate(ACE_RUN, [ACE_POLICY, allowed]))


TARGETS_JS = """
() => {
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, '
    + '[tabindex]:not([tabindex="-1"])';
  const out = [];
  for (const el of document.querySelectorAll(selector)) {
    if (el.closest('dialog:not([open])') || el.closest('[hidden]')) continue;
    // The skip link shows only when focused.
    if (el.classList.contains('visually-hidden-focusable')) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const own = el.getBoundingClientRect();
    if (own.width === 0 && own.height === 0) continue;
    // A radio or checkbox is operated through its label: the label is the target.
    const choice = (el.type === 'radio' || el.type === 'checkbox') && el.labels && el.labels.length;
    const box = choice ? el.labels[0].getBoundingClientRect() : own;
    out.push({
      what: el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' '
        + (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 40),
      width: Math.round(box.width * 10) / 10, height: Math.round(box.height * 10) / 10,
      ownWidth: Math.round(own.width * 10) / 10, ownHeight: Math.round(own.height * 10) / 10,
      choice: !!choice,
    });
  }
  return out;
}
"""


def small_targets(page: Any, minimum: float) -> list[dict[str, Any]]:
    """Interactive elements smaller than ``minimum`` × ``minimum`` CSS px (a radio or
    checkbox: its label; the control itself must still be 24 × 24)."""
    found = []
    for target in page.evaluate(TARGETS_JS):
        too_small = target["width"] < minimum - 0.5 or target["height"] < minimum - 0.5
        control_small = target["choice"] and (
            target["ownWidth"] < 23.5 or target["ownHeight"] < 23.5
        )
        if too_small or control_small:
            found.append(target)
    return found


def horizontal_overflow(page: Any) -> int:
    """How many CSS px the page scrolls sideways (0 = it reflows)."""
    return int(
        page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
    )


@dataclass
class PageChecks:
    """Runs axe and IBM's checker, the target-size and the reflow checks on a page and keeps a
    screenshot, collecting every problem so one run reports them all."""

    name: str
    minimum_target: float = 44
    axe: bool = True
    #: IBM's checker beside axe (slower than axe; a walk may run it in fewer configurations).
    ibm: bool = True
    screenshots: bool = True
    problems: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)

    def __call__(self, page: Any, step: str, *, minimum: float | None = None) -> None:
        page.wait_for_load_state("load")
        self.pages.append(step)
        # Measured before the screenshot: a full-page screenshot resizes the
        # viewport for a moment.
        overflow = horizontal_overflow(page)
        if overflow > 0:
            self.problems.append(f"{step}: scrolls sideways by {overflow} px")
        for target in small_targets(page, minimum or self.minimum_target):
            self.problems.append(f"{step}: small target {target}")
        if page.locator("h1").count() != 1:
            self.problems.append(f"{step}: {page.locator('h1').count()} <h1> elements")
        for violation in axe_violations(page) if self.axe else []:
            self.problems.append(f"{step}: axe {violation}")
        for violation in ace_violations(page) if self.axe and self.ibm else []:
            self.problems.append(f"{step}: IBM {violation}")
        if self.screenshots:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"{self.name}-{step}.png"), full_page=True)

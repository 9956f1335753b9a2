"""The screens the other browser tests do not open work under the site's
Content-Security-Policy — the Django admin with its own scripts, setting up a
second factor (its QR code is a data: image), a 404 — and the harness notices
a page the policy breaks. (Every browser test fails on a CSP violation; see
``new_context`` in conftest.py.)"""

from __future__ import annotations

from typing import Any

import pytest

from tests import factories
from tests.e2e.conftest import SCREENSHOTS, TABLET, CspWatch, log_in

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct horse battery staple"


def test_the_admin_runs_its_own_scripts_under_the_policy(personas, new_context, site) -> None:
    context = new_context(viewport=TABLET)
    log_in(context, personas.admin, site)
    page = context.new_page()
    for path in (
        "/admin/",
        "/admin/pro_portal/organisation/",
        "/admin/pro_portal/kiosk/",
        "/admin/pro_portal/user/add/",
        f"/admin/pro_portal/user/{personas.clinician.pk}/change/",
        "/admin/pro_portal/user/",
    ):
        reply = page.goto(path)
        assert reply is not None
        assert reply.status == 200, path
    # The change list's "select all" box is the admin's actions.js at work.
    page.click("#action-toggle")
    boxes = page.locator("input.action-select")
    assert boxes.count() >= 3
    assert all(boxes.nth(n).is_checked() for n in range(boxes.count()))
    page.screenshot(path=str(SCREENSHOTS / "admin-users.png"), full_page=True)


def test_setting_up_a_second_factor_shows_its_qr_code(personas, new_context, site) -> None:
    newcomer = factories.clinician(personas.organisation, totp=False)
    context = new_context(viewport=TABLET)
    log_in(context, newcomer, site)
    page = context.new_page()
    page.goto("/accounts/2fa/totp/activate/")
    # allauth asks for the password again before a second factor is set up.
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/2fa/totp/activate/")
    qr_code = page.locator("main img[src^='data:']")
    assert qr_code.count() == 1
    assert qr_code.evaluate("img => img.complete && img.naturalWidth") > 0
    page.screenshot(path=str(SCREENSHOTS / "totp-activate.png"), full_page=True)


def test_a_missing_page_is_shown_under_the_policy(new_context) -> None:
    page = new_context().new_page()
    reply = page.goto("/no-such-page/")
    assert reply is not None
    assert reply.status == 404
    assert "Content-Security-Policy" in {name.title() for name in reply.headers}


def test_an_inline_script_is_refused_and_reported(browser: Any, site: str) -> None:
    """The check every browser test relies on: a page that needs its policy
    loosened is caught, not silently broken."""
    watch = CspWatch()
    context = browser.new_context(base_url=site)
    watch.attach(context)
    try:
        page = context.new_page()
        page.goto("/accounts/login/")
        page.evaluate(
            """() => {
              const script = document.createElement("script");
              script.textContent = "window.inlineRan = true;";
              document.body.append(script);
            }"""
        )
        for _ in range(40):
            if watch.violations:
                break
            page.wait_for_timeout(50)
        assert page.evaluate("() => window.inlineRan") is None
        assert watch.violations, "the refused inline script was not reported"
        assert "script-src" in " ".join(watch.violations)
    finally:
        context.close()

"""Every kind of page tells the browser to run only our own files and to deny
device features: a strict Content-Security-Policy and a Permissions-Policy.

The browser tests (tests/e2e) prove the pages work under the policy; these
prove each kind of page sends it, and that no template needs it loosened.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests import factories
from tests.conftest import Personas
from tests.questionnaires.test_kiosk import open_kiosk
from tests.questionnaires.test_patient_flow import open_phq9, question_url

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def patient_question(personas: Personas, client: Client) -> str:
    _, response = open_phq9(personas, client)
    return question_url(response, "phq9.1")


def kiosk_question(personas: Personas, client: Client) -> str:
    tablet, _ = open_kiosk(personas)
    client.cookies.update(tablet.cookies)
    return "/answer/"


def staff_worklist(personas: Personas, client: Client) -> str:
    client.force_login(personas.clinician)
    return "/worklist/"


def admin_page(personas: Personas, client: Client) -> str:
    client.force_login(personas.admin)
    return "/admin/pro_portal/user/"


PAGES: dict[str, tuple[Callable[[Personas, Client], str], int]] = {
    "patient question page": (patient_question, 200),
    "kiosk": (kiosk_question, 200),
    "staff worklist": (staff_worklist, 200),
    "admin login": (lambda personas, client: "/admin/login/", 302),
    "admin page": (admin_page, 200),
    "allauth login": (lambda personas, client: "/accounts/login/", 200),
    "page not found": (lambda personas, client: "/no-such-page/", 404),
}


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


@pytest.mark.parametrize("kind", PAGES)
def test_every_kind_of_page_sends_a_strict_csp_and_a_permissions_policy(
    personas: Personas, client: Client, kind: str
) -> None:
    build, status = PAGES[kind]
    reply = client.get(build(personas, client))
    assert reply.status_code == status

    policy = reply.headers.get("Content-Security-Policy", "")
    assert policy, f"{kind}: no Content-Security-Policy header"
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    found = directives(policy)
    assert found["default-src"] == ["'none'"]
    assert found["script-src"] == ["'self'"]
    assert found["style-src"] == ["'self'"]
    assert found["img-src"] == ["'self'", "data:"]  # allauth's TOTP QR code is a data: image
    assert found["frame-ancestors"] == ["'none'"]
    assert found["object-src"] == ["'none'"]

    permissions = reply.headers.get("Permissions-Policy", "")
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in permissions, f"{kind}: {feature} not denied"


def test_the_totp_set_up_page_shows_its_qr_code_as_a_data_image(
    personas: Personas, client: Client
) -> None:
    newcomer = factories.clinician(personas.organisation, totp=False)
    client.force_login(newcomer)
    # allauth asks for the password again before a second factor is set up.
    client.post("/accounts/reauthenticate/", {"password": "correct horse battery staple"})
    reply = client.get("/accounts/2fa/totp/activate/")
    assert reply.status_code == 200
    assert 'src="data:image/' in reply.content.decode()
    assert "data:" in directives(reply.headers["Content-Security-Policy"])["img-src"]


#: What the policy refuses to run or apply: a <script> with a body (JSON data
#: blocks are not run, so they are allowed), a <style> element, a style=""
#: attribute, an on…="" handler, a javascript: URL.
INLINE = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I),
    "style element": re.compile(r"<style\b", re.I),
    "style attribute": re.compile(r"\sstyle\s*=", re.I),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}
#: Rendered by WeasyPrint on the server into a PDF, never sent to a browser.
SERVER_ONLY = {"scoring/summary_pdf.html"}


def test_no_template_has_inline_script_or_style() -> None:
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES).as_posix()
        if name in SERVER_ONLY:
            continue
        text = path.read_text()
        for what, pattern in INLINE.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"templates/{name}:{line}: {what}")
    assert found == [], "the CSP would block these; move them to static files:\n" + "\n".join(found)

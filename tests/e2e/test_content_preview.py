"""Content staff in a real Chromium (issue 15, items 6 and 7): import a FHIR file
and read its warnings, import another under the same id as a new version from
the collision page, then preview PHQ-9 as a patient would — answering page by
page with the result beside it — until item 9 raises the red safety flag with
its because-trail, and send the version for review. Every page passes axe and
IBM's checker, has one <h1>, reflows on a laptop, and runs under the CSP."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pro_portal.models import AuditEvent
from questionnaires.content import REVIEW_REQUESTED
from tests import factories
from tests.e2e.conftest import PageChecks, log_in
from tests.e2e.test_keyboard import LAPTOP
from tests.scoring.test_content_pages import content_user

pytestmark = pytest.mark.django_db(transaction=True)
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "fhir" / "argonaut-phq9-ish.json"


def test_content_staff_import_preview_phq9_to_a_red_flag_and_send_it_for_review(
    new_context: Callable[..., Any], site: str, tmp_path: Path
) -> None:
    version = factories.published_version("phq9", version="1.2.0")
    context = new_context(viewport=LAPTOP)
    log_in(context, content_user("manage_questionnaires"), site)
    page = context.new_page()
    checks = PageChecks("content", minimum_target=24)

    # The live server's first request loads the URLconf, templates and catalogues:
    # seconds on a busy machine, so it gets longer than the default 10 s.
    page.goto("/content/", timeout=60_000)
    page.get_by_role("link", name="Importér en FHIR-fil").click()
    page.set_input_files("input[type=file]", str(FIXTURE))
    page.get_by_role("button", name="Importér", exact=True).click()
    assert "Importeret som kladde" in page.locator("main").inner_text()
    assert page.locator(".import-warnings li").count() > 0
    checks(page, "imported")

    # Another file under the same id: the choice, as forms (no JavaScript needed).
    changed = tmp_path / FIXTURE.name
    changed.write_text(json.dumps({**json.loads(FIXTURE.read_text()), "title": "PHQ-9, changed"}))
    page.set_input_files("input[type=file]", str(changed))
    page.get_by_role("button", name="Importér", exact=True).click()
    assert "er allerede i brug" in page.locator("main").inner_text()
    checks(page, "collision")
    page.get_by_role("button", name=re.compile("^Importér som ny version af")).click()
    assert "Importeret som kladde" in page.locator("main").inner_text()

    page.goto(f"/content/{version.pk}/preview/")
    page.get_by_role("link", name="Svar som patient").click()
    for n in range(1, 9):
        page.wait_for_url(f"**/preview/q/phq9.{n}/**")
        page.locator(".patient-frame").get_by_text("Slet ikke", exact=True).click()
        if n == 1:
            checks(page, "question")
        page.get_by_role("button", name="Fortsæt").click()
    page.wait_for_url("**/preview/q/phq9.9/**")
    page.locator(".patient-frame").get_by_text("Mere end halvdelen af dagene", exact=True).click()
    page.get_by_role("button", name="Fortsæt").click()
    page.wait_for_url("**/preview/check/")
    panel = page.locator(".preview-panel")
    red = panel.locator("article.flag-red").first
    assert "Tanker om, at det ville være bedre, hvis du var død" in red.inner_text()
    assert "Mere end halvdelen af dagene" in red.inner_text()
    assert "Patienten får vist hjælp med det samme" in panel.inner_text()
    checks(page, "check-red")

    page.get_by_role("button", name="Send til gennemgang").click()
    page.wait_for_url(f"**/content/{version.pk}/preview/")
    assert "sendt til klinisk gennemgang" in page.locator("main").inner_text()
    assert AuditEvent.objects.filter(action=REVIEW_REQUESTED).count() == 1
    problems = [
        p for p in checks.problems if " axe " in p or " IBM " in p or "<h1>" in p or "sideways" in p
    ]
    assert problems == [], "\n".join(problems)


def test_a_questionnaire_reading_the_patient_is_previewed_as_a_chosen_patient(
    new_context: Callable[..., Any], site: str
) -> None:
    """CNICS' AUDIT words question 2 by ``%patient.gender``: the reviewer
    chooses a male patient on the preview page (a form; axe and IBM's
    checker pass it), and after question 1 the male wording is asked."""
    from questionnaires.fhir.importer import questionnaire_from_fhir
    from questionnaires.services import questionnaire_publish
    from tests.questionnaires.fhir.test_launch_context import AUDIT

    imported = questionnaire_from_fhir(json.loads(AUDIT.read_text()), source=AUDIT.name)
    version = questionnaire_publish(content=imported.mapping, source=AUDIT.name).version
    context = new_context(viewport=LAPTOP)
    log_in(context, content_user("manage_questionnaires"), site)
    page = context.new_page()
    checks = PageChecks("content", minimum_target=24)
    page.goto(f"/content/{version.pk}/preview/", timeout=60_000)
    page.get_by_label("Køn").select_option("male")
    page.get_by_label("Fødselsdato").fill("1970-01-01")
    checks(page, "preview-patient")
    page.get_by_role("button", name="Svar som denne patient").click()
    page.wait_for_url(f"**/content/{version.pk}/preview/")
    assert "svarer nu som denne patient" in page.locator("main").inner_text()
    page.get_by_role("link", name="Svar som patient").click()
    page.wait_for_url("**/preview/q/audit_0/**")
    page.locator(".patient-frame").locator("input[type=radio]").nth(2).check()
    page.get_by_role("button", name="Fortsæt").click()
    page.wait_for_url("**/preview/q/audit_1/**")
    page.locator(".patient-frame").locator("input[type=radio]").nth(1).check()
    page.get_by_role("button", name="Fortsæt").click()
    page.wait_for_url("**/preview/q/audit_2_male/**")
    problems = [p for p in checks.problems if " axe " in p or " IBM " in p or "<h1>" in p]
    assert problems == [], "\n".join(problems)

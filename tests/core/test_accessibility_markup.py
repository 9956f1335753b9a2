"""Markup that assistive technology and browsers read, and axe does not check: the
error summary's role, forms that post without a fragment, the language of English
source text on a Danish summary, and the staff log-in fields' input hints."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from questionnaires.models import Invitation, Response
from tests import factories
from tests.conftest import Personas
from tests.questionnaires.test_kiosk import tablet
from tests.questionnaires.test_patient_flow import invite, open_phq9, question_url
from tests.scoring.test_summary import GREEN, RED_FLAG

pytestmark = pytest.mark.django_db


def tag(html: str, pattern: str) -> str:
    """The one opening tag matching ``pattern`` (a regex inside ``<…>``)."""
    found = re.findall(rf"<{pattern}[^>]*>", html)
    assert len(found) == 1, found
    return found[0]


@pytest.fixture
def opened(personas: Personas, client: Client) -> tuple[Invitation, Response]:
    return open_phq9(personas, client)


def test_a_question_page_error_summary_is_a_named_region(opened, client: Client) -> None:
    _, response = opened
    reply = client.post(question_url(response, "phq9.1"), {"action": "continue"})
    page = client.get(reply["Location"]).content.decode()  # post/redirect/get
    summary = tag(page, r"div class=\"error-summary\"")
    assert 'role="region"' in summary
    assert 'aria-labelledby="error-summary-title"' in summary
    assert 'id="error-summary-title"' in page


def test_the_question_form_posts_to_its_own_address_with_its_query(opened, client) -> None:
    """Not to the address the browser shows, which after a click on an
    error-summary link ends in #answer-0: the redirect would keep it."""
    _, response = opened
    url = question_url(response, "phq9.2") + "?from=check"
    form = tag(client.get(url).content.decode(), r"form [^>]*class=\"question-form\"")
    assert f'action="{url}"' in form


def test_the_birth_date_and_kiosk_forms_post_to_an_address_without_fragment(
    personas: Personas, client: Client
) -> None:
    _, token = invite(personas)
    page = client.post(f"/i/{token}/", {}).content.decode()
    assert 'role="region"' in tag(page, r"div class=\"error-summary\"")
    assert f'action="/i/{token}/"' in tag(page, r"form method=\"post\" action=\"/i/")

    kiosk_client, _kiosk = tablet(personas)
    kiosk_page = kiosk_client.get("/kiosk/?ended=idle").content.decode()
    form = tag(kiosk_page, r"form method=\"post\" action=\"/kiosk/\"")
    assert 'autocomplete="off"' in form
    assert "bday" not in kiosk_page  # a shared tablet offers nobody's birth date


def test_the_summary_marks_its_english_source_text_as_english(personas, client) -> None:
    version = factories.published_version("chronic_pain")
    factories.submitted(personas.patient, version, GREEN["answers"])
    response = factories.submitted(personas.patient, version, RED_FLAG["answers"])
    client.force_login(personas.clinician)
    page = client.get(f"/responses/{response.public_id}/", HTTP_ACCEPT_LANGUAGE="da")
    html = page.content.decode()
    assert '<html lang="da">' in html
    sources = re.findall(r"<dd class=\"source\"[^>]*>", html)
    assert sources, "the red flag shows its source"
    assert all('lang="en"' in source for source in sources)


def test_the_log_in_field_accepts_a_username_and_says_so_to_autofill(client: Client) -> None:
    page = client.get("/accounts/login/").content.decode()
    login = tag(page, r"input [^>]*name=\"login\"")
    assert 'autocomplete="username"' in login
    assert 'autocomplete="current-password"' in tag(page, r"input [^>]*name=\"password\"")


def test_the_two_factor_code_field_brings_up_the_number_pad(personas, client) -> None:
    client.post(
        "/accounts/login/",
        {"login": personas.clinician.username, "password": "correct horse battery staple"},
    )
    page = client.get("/accounts/2fa/authenticate/").content.decode()
    code = tag(page, r"input [^>]*name=\"code\"")
    assert 'inputmode="numeric"' in code
    assert 'autocomplete="one-time-code"' in code

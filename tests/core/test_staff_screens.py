"""The staff's two-factor pages in the site's look, and a plain welcome."""

from __future__ import annotations

import pyotp
import pytest
from django.test import Client

from tests import factories
from tests.core.test_auth import log_in

pytestmark = pytest.mark.django_db


def test_the_code_step_is_a_styled_form_with_a_label_that_says_where_the_code_is(
    personas, client: Client
) -> None:
    log_in(client, personas.clinician.username)
    page = client.get("/accounts/2fa/authenticate/").content.decode()
    assert "Koden fra din godkendelsesapp" in page
    assert "Kode:" not in page
    assert 'inputmode="numeric"' in page
    assert 'autocomplete="one-time-code"' in page
    assert 'class="btn btn-primary btn-lg"' in page
    assert "form-control" in page  # crispy's Bootstrap field


def test_setting_up_the_app_shows_the_qr_code_the_key_and_a_styled_form(
    personas, client: Client
) -> None:
    newcomer = factories.clinician(personas.organisation, totp=False)
    client.force_login(newcomer)
    # allauth asks for the password again before a second factor is set up,
    # on its own page, with the site's buttons.
    asked = client.get(client.get("/accounts/2fa/totp/activate/")["Location"]).content.decode()
    assert 'type="submit" class="btn btn-primary' in asked
    client.post("/accounts/reauthenticate/", {"password": "correct horse battery staple"})
    page = client.get("/accounts/2fa/totp/activate/").content.decode()
    assert "Opsæt din godkendelsesapp" in page
    assert 'src="data:image/svg+xml' in page
    assert 'class="mfa-secret' in page
    assert 'inputmode="numeric"' in page
    assert 'class="btn btn-primary btn-lg"' in page


def test_after_the_code_the_welcome_uses_the_name_in_plain_danish(personas, client) -> None:
    user = personas.clinician
    user.first_name, user.last_name = "Anne", "Holm"
    user.save(update_fields=["first_name", "last_name"])
    log_in(client, user.username)
    client.post("/accounts/2fa/authenticate/", {"code": pyotp.TOTP(user.totp_secret).now()})
    page = client.get("/worklist/").content.decode()
    assert "Du er logget ind som Anne Holm." in page
    assert "Loggede succesfuldt" not in page
    assert user.username not in page.split('role="status"')[1][:300]


def test_the_welcome_in_english(personas, client) -> None:
    user = personas.clinician
    user.first_name, user.last_name = "Anne", "Holm"
    user.save(update_fields=["first_name", "last_name"])
    client.cookies["django_language"] = "en"
    log_in(client, user.username)
    client.post("/accounts/2fa/authenticate/", {"code": pyotp.TOTP(user.totp_secret).now()})
    assert "You are logged in as Anne Holm." in client.get("/worklist/").content.decode()

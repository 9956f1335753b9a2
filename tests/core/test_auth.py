"""Staff log in with a password and a TOTP code; lockout, idle timeout, reset."""

from __future__ import annotations

import time

import pyotp
import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests import factories

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def log_in(client: Client, username: str, password: str = PASSWORD, **extra: str):
    return client.post("/accounts/login/", {"login": username, "password": password}, **extra)


def test_a_password_alone_does_not_log_in_a_code_is_asked_for(personas, client: Client) -> None:
    response = log_in(client, personas.clinician.username)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/").status_code == 302  # not logged in yet


def test_password_and_current_totp_code_log_in(personas, client: Client) -> None:
    log_in(client, personas.clinician.username)
    code = pyotp.TOTP(personas.clinician.totp_secret).now()
    response = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert response.status_code == 302
    assert client.get("/worklist/").status_code == 200


def test_a_wrong_totp_code_is_refused(personas, client: Client) -> None:
    log_in(client, personas.clinician.username)
    response = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert response.status_code == 200
    assert client.get("/").status_code == 302


def test_staff_without_a_second_factor_must_set_one_up_first(personas, client: Client) -> None:
    newcomer = factories.clinician(personas.organisation, totp=False)
    client.force_login(newcomer)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"


def test_five_wrong_passwords_lock_the_account_from_that_address(personas, client) -> None:
    username = personas.clinician.username
    for _ in range(5):
        log_in(client, username, "wrong password", REMOTE_ADDR="192.0.2.7")
    response = log_in(client, username, REMOTE_ADDR="192.0.2.7")
    assert response.status_code == 429
    assert "30" in response.content.decode()
    # A colleague logging in from the same clinic address is not locked out.
    other = log_in(Client(), personas.secretary.username, REMOTE_ADDR="192.0.2.7")
    assert other["Location"] == "/accounts/2fa/authenticate/"


def test_staff_are_logged_out_after_the_idle_timeout(personas, client: Client, settings) -> None:
    settings.STAFF_IDLE_TIMEOUT = 60
    client.force_login(personas.clinician)
    assert client.get("/worklist/").status_code == 200
    session = client.session
    session["staff_last_seen"] = int(time.time()) - 61
    session.save()
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.get("/").status_code == 302


def test_activity_keeps_a_staff_session_alive_without_a_write_per_page(
    personas, client: Client, settings
) -> None:
    settings.STAFF_IDLE_TIMEOUT = 120
    with time_machine.travel(1_800_000_000, tick=False):
        client.force_login(personas.clinician)
        client.get("/worklist/")
        with CaptureQueriesContext(connection) as queries:
            client.get("/worklist/")  # seconds later: the session is not rewritten
        assert not [q for q in queries.captured_queries if 'UPDATE "django_session"' in q["sql"]]
    for minutes in (1.5, 3, 4.5):  # a page every 90 s: never idle for 120 s
        with time_machine.travel(1_800_000_000 + minutes * 60, tick=False):
            assert client.get("/worklist/").status_code == 200
    with time_machine.travel(1_800_000_000 + 4.5 * 60 + 121, tick=False):
        assert client.get("/worklist/").status_code == 302  # idle for over 120 s


def test_a_deactivated_user_cannot_log_in(personas, client: Client) -> None:
    personas.clinician.is_active = False
    personas.clinician.save()
    response = log_in(client, personas.clinician.username)
    assert response.status_code in (200, 302)
    assert response.get("Location") != "/accounts/2fa/authenticate/"
    assert client.get("/").status_code == 302


def test_nobody_can_sign_up(client: Client) -> None:
    response = client.get("/accounts/signup/")
    assert "signup" not in response.get("Location", "") or response.status_code != 200
    assert response.status_code in (200, 302)
    assert "password2" not in response.content.decode()


def test_password_reset_sends_a_link_by_email(personas, client: Client) -> None:
    client.post("/accounts/password/reset/", {"email": personas.clinician.email})
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_the_admin_login_goes_through_the_two_factor_login(client: Client) -> None:
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")

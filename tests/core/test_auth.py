"""Staff log in with a password and a TOTP code; lockout, idle timeout, reset."""

from __future__ import annotations

import time
from typing import Any

import pyotp
import pytest
import time_machine
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.core import mail
from django.core.cache.backends.base import BaseCache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pro_portal.models import AuditEvent, User
from tests import factories

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def log_in(client: Client, username: str, password: str = PASSWORD, **extra: str):
    return client.post("/accounts/login/", {"login": username, "password": password}, **extra)


def enter_code(client: Client, code: str, **extra: str):
    return client.post("/accounts/2fa/authenticate/", {"code": code}, **extra)


def wrong_code(user: User) -> str:
    """A six-digit code that is not valid now, nor in the windows either side."""
    totp = pyotp.TOTP(user.totp_secret)  # type: ignore[attr-defined]
    valid = {totp.at(time.time() + offset) for offset in (-30, 0, 30)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in valid)


LOCKED_DA = "For mange forkerte koder. Log ind på denne konto er spærret i 30 minutter."
LOCKED_EN = "Too many wrong codes. Logging in to this account is blocked for 30 minutes."


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


# --- The code step: a limit per user, plain messages, fail closed -------------------


def test_five_wrong_codes_lock_the_code_step_and_then_the_right_code_is_refused(
    personas, client: Client
) -> None:
    user = personas.clinician
    log_in(client, user.username)
    for _ in range(5):
        response = enter_code(client, wrong_code(user))
        assert LOCKED_DA not in response.content.decode()
    response = enter_code(client, pyotp.TOTP(user.totp_secret).now())
    assert response.status_code == 200
    assert LOCKED_DA in response.content.decode()
    assert client.get("/worklist/").status_code == 302  # not logged in
    # Still locked, in English too.
    response = enter_code(client, pyotp.TOTP(user.totp_secret).now(), HTTP_ACCEPT_LANGUAGE="en")
    assert LOCKED_EN in response.content.decode()


def test_the_lock_lasts_30_minutes(personas, client: Client) -> None:
    user = personas.clinician
    with time_machine.travel(1_800_000_000, tick=False):
        log_in(client, user.username)
        for _ in range(5):
            enter_code(client, wrong_code(user))
    with time_machine.travel(1_800_000_000 + 29 * 60, tick=False):
        log_in(client, user.username)  # allauth forgets a password step after 15 minutes
        response = enter_code(client, pyotp.TOTP(user.totp_secret).now())
        assert LOCKED_DA in response.content.decode()
    with time_machine.travel(1_800_000_000 + 30 * 60 + 1, tick=False):
        log_in(client, user.username)
        response = enter_code(client, pyotp.TOTP(user.totp_secret).now())
        assert response.status_code == 302
        assert client.get("/worklist/").status_code == 200


def test_five_wrong_recovery_codes_lock_and_then_a_right_one_is_refused_and_kept(
    personas, client: Client
) -> None:
    user = personas.clinician
    codes = RecoveryCodes.activate(user).generate_codes()
    log_in(client, user.username)
    for attempt in range(5):
        wrong = f"{attempt:08d}"
        assert wrong not in codes
        assert LOCKED_DA not in enter_code(client, wrong).content.decode()
    response = enter_code(client, codes[0])
    assert LOCKED_DA in response.content.decode()
    assert client.get("/worklist/").status_code == 302
    # The refused recovery code was not used up: it works once the lock is over.
    assert codes[0] in RecoveryCodes.activate(user).get_unused_codes()


def test_asking_for_the_code_again_is_limited_the_same_way(personas, client: Client) -> None:
    """allauth asks a logged-in user for their code again before sensitive
    changes; that form counts wrong codes under the same per-user limit."""
    user = personas.clinician
    client.force_login(user)
    for _ in range(5):
        client.post("/accounts/2fa/reauthenticate/", {"code": wrong_code(user)})
    response = client.post(
        "/accounts/2fa/reauthenticate/", {"code": pyotp.TOTP(user.totp_secret).now()}
    )
    assert response.status_code == 200
    assert LOCKED_DA in response.content.decode()


def test_a_code_used_already_is_refused_with_a_message_that_says_so(
    personas, client: Client
) -> None:
    user = personas.clinician
    with time_machine.travel(1_800_000_000, tick=False):
        code = pyotp.TOTP(user.totp_secret).now()
        log_in(client, user.username)
        assert enter_code(client, code).status_code == 302
        client.logout()
        log_in(client, user.username)
        response = enter_code(client, code)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Denne kode er allerede brugt" in page
    assert "Forkert kode" not in page
    assert client.get("/worklist/").status_code == 302


def test_a_colleague_at_the_same_address_logs_in_while_one_is_locked(
    personas, client: Client
) -> None:
    clinic = {"REMOTE_ADDR": "192.0.2.7"}
    log_in(client, personas.clinician.username, **clinic)
    for _ in range(5):
        enter_code(client, wrong_code(personas.clinician), **clinic)
    response = enter_code(client, wrong_code(personas.clinician), **clinic)
    assert LOCKED_DA in response.content.decode()
    colleague = Client()
    assert log_in(colleague, personas.secretary.username, **clinic).status_code == 302
    response = enter_code(colleague, pyotp.TOTP(personas.secretary.totp_secret).now(), **clinic)
    assert response.status_code == 302
    assert colleague.get("/worklist/", **clinic).status_code == 200


def test_a_busy_clinic_address_is_not_limited_per_address(personas, client: Client) -> None:
    """allauth's default (30 log-ins a minute per address) refused the 31st
    log-in of a clinic behind one NAT address, whoever it was."""
    clinic = {"REMOTE_ADDR": "192.0.2.8"}
    for number in range(30):
        log_in(Client(), f"colleague{number}", "a mistyped password", **clinic)
    response = log_in(client, personas.secretary.username, **clinic)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"


class UnreachableCache(BaseCache):
    """A cache whose server is down: every operation raises, as Redis does."""

    def __init__(self, location: str, params: dict[str, Any]) -> None:
        super().__init__(params)

    def _down(self, *args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    add = get = set = touch = delete = has_key = incr = clear = get_many = _down  # type: ignore[assignment]


def test_the_code_step_fails_closed_when_the_cache_is_down(
    personas, client: Client, settings
) -> None:
    settings.CACHES = {"default": {"BACKEND": "tests.core.test_auth.UnreachableCache"}}
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    user = personas.clinician
    assert log_in(client, user.username)["Location"] == "/accounts/2fa/authenticate/"
    for _ in range(20):
        response = enter_code(client, wrong_code(user))
        assert response.status_code == 200
        assert "Din kode kan ikke kontrolleres lige nu" in response.content.decode()
    # Without its count of wrong codes the right code is refused as well.
    response = enter_code(client, pyotp.TOTP(user.totp_secret).now())
    assert "Din kode kan ikke kontrolleres lige nu" in response.content.decode()
    assert client.get("/worklist/").status_code == 302
    assert not AuditEvent.objects.filter(action="auth.login").exists()


def test_setting_up_the_authenticator_says_so_plainly_when_the_cache_is_down(
    personas, client: Client, settings
) -> None:
    """Setting up TOTP checks the first code through the same cache; a cache that
    raises gives the same plain message as the code step, never a 500."""
    newcomer = factories.clinician(personas.organisation, totp=False)
    client.force_login(newcomer)
    # allauth asks for the password again before a second factor is set up.
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    secret = page.context["form"].secret
    settings.CACHES = {"default": {"BACKEND": "tests.core.test_auth.UnreachableCache"}}
    response = client.post("/accounts/2fa/totp/activate/", {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200
    assert "Din kode kan ikke kontrolleres lige nu" in response.content.decode()
    assert not newcomer.authenticator_set.exists()  # nothing half set up


# --- Audit events: who, when, from where --------------------------------------------


def events(action: str):
    return AuditEvent.objects.filter(action=action)


def test_logging_in_and_out_are_audited_with_who_and_address(personas, client: Client) -> None:
    user = personas.clinician
    log_in(client, user.username, REMOTE_ADDR="198.51.100.4")
    assert not events("auth.login").exists()  # the password alone is no log-in
    enter_code(client, pyotp.TOTP(user.totp_secret).now(), REMOTE_ADDR="198.51.100.4")
    login = events("auth.login").get()
    assert (login.actor, login.client_address) == (user, "198.51.100.4")
    client.post("/accounts/logout/", REMOTE_ADDR="198.51.100.4")
    logout = events("auth.logout").get()
    assert (logout.actor, logout.client_address) == (user, "198.51.100.4")
    assert logout.at >= login.at


def test_a_wrong_password_and_the_lock_that_follows_are_audited(personas, client) -> None:
    user = personas.clinician
    for _ in range(5):
        log_in(client, user.username.upper(), "not the password", REMOTE_ADDR="192.0.2.9")
    failed = events("auth.login_failed")
    assert failed.count() == 5
    assert {(e.actor, e.client_address, e.detail["step"]) for e in failed} == {
        (user, "192.0.2.9", "password")
    }
    locked = events("auth.locked_out").get()
    assert (locked.actor, locked.client_address, locked.detail) == (
        user,
        "192.0.2.9",
        {"step": "password"},
    )
    for event in AuditEvent.objects.all():
        assert "not the password" not in str(event.detail)


def test_a_login_nobody_has_is_audited_without_what_was_typed(client: Client, db) -> None:
    # A CPR number typed into the wrong box must not reach the audit log.
    response = log_in(client, factories.CANARY_CPR, "some password", REMOTE_ADDR="192.0.2.10")
    assert response.status_code == 200
    event = events("auth.login_failed").get()
    assert event.actor is None
    assert event.client_address == "192.0.2.10"
    assert event.detail == {"step": "password", "account": "unknown"}


def test_wrong_codes_and_the_code_lock_are_audited(personas, client: Client) -> None:
    user = personas.clinician
    log_in(client, user.username, REMOTE_ADDR="192.0.2.11")
    for _ in range(5):
        enter_code(client, wrong_code(user), REMOTE_ADDR="192.0.2.11")
    enter_code(client, pyotp.TOTP(user.totp_secret).now(), REMOTE_ADDR="192.0.2.11")
    failed = events("auth.second_factor_failed")
    assert failed.count() == 5
    assert {(e.actor, e.client_address) for e in failed} == {(user, "192.0.2.11")}
    locked = events("auth.locked_out").get()
    assert (locked.actor, locked.client_address, locked.detail) == (
        user,
        "192.0.2.11",
        {"step": "second_factor"},
    )
    assert not events("auth.login").exists()

"""Staff authentication: allauth with mandatory TOTP, axes lockout.

Two locks, one per step, each counting per account so colleagues behind one
clinic address never lock each other out:

- the password step: django-axes, five wrong passwords per username *and*
  address lock that pair for 30 minutes;
- the code step (TOTP and recovery codes): allauth's own ``login_failed``
  rate limit, which allauth keys per user for second-factor codes, set in
  settings to axes' numbers. The forms below only say what happened in
  plain words, and refuse every code when the count cannot be read.

Log-in, log-out, failed log-ins, failed codes and lock-outs are written to
the audit log from the signals of Django, allauth and axes.
"""

from __future__ import annotations

import logging
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.signals import user_logged_in
from allauth.mfa.base.forms import AuthenticateForm as AllauthAuthenticateForm
from allauth.mfa.base.forms import ReauthenticateForm as AllauthReauthenticateForm
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authentication_failed
from allauth.mfa.totp.forms import ActivateTOTPForm as AllauthActivateTOTPForm
from allauth.mfa.totp.internal.auth import TOTP, validate_totp_code
from allauth.mfa.utils import decrypt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_out, user_login_failed
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pro_portal.audit import audit_record
from pro_portal.models import AuditEvent, User

logger = logging.getLogger(__name__)

# Error codes allauth gives its form errors (allauth.account.adapter and
# allauth.mfa.adapter ``error_messages``).
_ALLAUTH_LOCKED = "too_many_login_attempts"
_ALLAUTH_WRONG = "incorrect_code"


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]
    """Clinic admins create staff accounts; there is no public sign-up."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """Wrong passwords are axes' to count, per username and address.

        allauth would also count them under ``login_failed`` — the limit that
        counts wrong codes — per login from any address: anyone could then
        lock a clinician out by typing their username, and the password step
        would have two locks with two messages.
        """


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The login as typed (username or e-mail), so axes counts failures per
    account whichever way the clinician logs in."""
    credentials = credentials or {}
    login = (
        credentials.get("username")
        or credentials.get("email")
        or request.POST.get("login")
        or request.POST.get("username")
    )
    return str(login).strip().lower() if login else None


def _lock_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


class LoginForm(AllauthLoginForm):  # type: ignore[misc]
    """The password step (settings.ACCOUNT_FORMS). allauth marks the login
    field ``autocomplete="email"`` when both username and e-mail are accepted;
    ``username`` is the token for "the name the account is known by" (WCAG
    1.3.5), and lets a password manager offer either."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].widget.attrs["autocomplete"] = "username"


class _FailsClosed:
    """No code is accepted when the cache cannot be read: allauth reads and
    writes its count of wrong codes (and TOTP's used-code marks) in the cache.
    Whatever the cache raises — Redis refuses connections, times out, answers
    garbage — the code step and the set-up of a code say so plainly, the right
    code included, instead of failing with a 500."""

    def clean_code(self) -> str:
        try:
            return self._checked_code()
        except ValidationError:
            raise
        except Exception:
            logger.exception("Second-factor check refused: the rate-limit cache failed.")
            raise ValidationError(
                _(
                    "Your code cannot be checked right now. Please try again in a few minutes. "
                    "If it keeps happening, contact your clinic admin."
                ),
                code="unavailable",
            ) from None

    def _checked_code(self) -> str:
        return str(super().clean_code())  # type: ignore[misc]


class _PlainCodeMessages(_FailsClosed):
    """Around allauth's code check: a plain message for a locked code step
    and for a code used once already (and, from :class:`_FailsClosed`, no code
    at all when the count of wrong codes cannot be read). The code field brings
    up the phone's number pad: TOTP and recovery codes are digits only."""

    user: User
    cleaned_data: dict[str, Any]
    fields: dict[str, Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs["inputmode"] = "numeric"

    def _checked_code(self) -> str:
        try:
            return super()._checked_code()
        except ValidationError as error:
            if error.code == _ALLAUTH_LOCKED:
                audit_record(
                    action="auth.locked_out",
                    actor=self.user,
                    detail={"step": "second_factor"},
                )
                raise ValidationError(
                    _(
                        "Too many wrong codes. Logging in to this account is blocked for "
                        "%(minutes)d minutes. Try again later, or ask your clinic admin for help."
                    )
                    % {"minutes": _lock_minutes()},
                    code="locked",
                ) from None
            if error.code == _ALLAUTH_WRONG and self._used_already(self.cleaned_data["code"]):
                raise ValidationError(
                    _(
                        "This code has already been used. Wait for the next code in your "
                        "authenticator app, and enter that one."
                    ),
                    code="used",
                ) from None
            raise

    def _used_already(self, code: str) -> bool:
        """A right TOTP code allauth refused because it was used in its window
        (allauth's replay protection marks used codes in the cache)."""
        for authenticator in Authenticator.objects.filter(
            user=self.user, type=Authenticator.Type.TOTP
        ):
            totp = TOTP(authenticator)
            if validate_totp_code(decrypt(authenticator.data["secret"]), code) and cache.get(
                totp._get_used_cache_key(code)
            ):
                return True
        return False


class _CodeField:
    """The six-digit code box as the site words and shows it: a label that
    says where the code comes from (allauth's is "Code"), the number keypad
    on a phone (recovery codes are digits too) and the browser's one-time-code
    autofill."""

    fields: dict[str, Any]
    code_label = gettext_lazy("Code from your authenticator app")
    code_help = gettext_lazy("6 digits. Lost your phone? Type one of your recovery codes.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        code = self.fields["code"]
        code.label = self.code_label
        code.help_text = self.code_help
        code.widget.attrs.update(
            {"inputmode": "numeric", "autocomplete": "one-time-code", "placeholder": ""}
        )


class AuthenticateForm(_CodeField, _PlainCodeMessages, AllauthAuthenticateForm):  # type: ignore[misc]
    """The code step of logging in (settings.MFA_FORMS)."""


class ReauthenticateForm(_CodeField, _PlainCodeMessages, AllauthReauthenticateForm):  # type: ignore[misc]
    """The code asked again before a sensitive change (settings.MFA_FORMS)."""


class ActivateTOTPForm(_CodeField, _FailsClosed, AllauthActivateTOTPForm):  # type: ignore[misc]
    """Setting up the authenticator app (settings.MFA_FORMS)."""

    code_help = gettext_lazy("The 6 digits the app shows now, after adding PRO Portal to it.")


# --- Audit events ------------------------------------------------------------------
# Who, when and from where (audit_record reads the client address of the
# request). Never the login as typed: a username field may hold a password or
# a CPR number typed in the wrong box; an unknown login is recorded as unknown.


def _account(login: str | None) -> User | None:
    if not login:
        return None
    login = login.strip()
    return (
        User.objects.filter(Q(username__iexact=login) | Q(email__iexact=login))
        .order_by("pk")
        .first()
    )


def _audit_staff(action: str, user: User | None, detail: dict[str, Any]) -> None:
    if user is None:
        detail = {**detail, "account": "unknown"}
    audit_record(action=action, actor=user, actor_kind=AuditEvent.ActorKind.STAFF, detail=detail)


@receiver(user_logged_in, dispatch_uid="pro_portal.auth.audit_login")
def audit_login(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    """allauth's signal, sent once password and code are both right (Django's
    own is also sent by test logins and would record log-ins nobody made)."""
    audit_record(action="auth.login", actor=user)


@receiver(user_logged_out, dispatch_uid="pro_portal.auth.audit_logout")
def audit_logout(
    sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any
) -> None:
    if user is not None:
        audit_record(action="auth.logout", actor=user)


@receiver(user_login_failed, dispatch_uid="pro_portal.auth.audit_login_failed")
def audit_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    login = axes_username(request, credentials) if request is not None else None
    _audit_staff("auth.login_failed", _account(login), {"step": "password"})


@receiver(authentication_failed, dispatch_uid="pro_portal.auth.audit_code_failed")
def audit_code_failed(
    sender: Any, user: User, reauthentication: bool = False, **kwargs: Any
) -> None:
    audit_record(
        action="auth.second_factor_failed",
        actor=user,
        detail={"step": "second_factor", "reauthentication": reauthentication},
    )


@receiver(user_locked_out, dispatch_uid="pro_portal.auth.audit_locked_out")
def audit_locked_out(sender: Any, username: str | None = None, **kwargs: Any) -> None:
    """axes: the password step of this username and address is locked (sent
    on the failure that locks it and on every attempt while locked)."""
    _audit_staff("auth.locked_out", _account(username), {"step": "password"})

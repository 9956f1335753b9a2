"""Staff authentication: allauth with mandatory TOTP, axes lockout."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]
    """Clinic admins create staff accounts; there is no public sign-up."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False


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

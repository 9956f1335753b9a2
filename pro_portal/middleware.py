"""Request-scoped facts the audit log needs: the client address."""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

client_address: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "client_address", default=None
)


def request_client_address(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, or the address the trusted reverse proxies saw.

    With ``TRUSTED_PROXY_COUNT = n`` the n-th address from the right of
    X-Forwarded-For is the client: addresses further left were written by the
    client itself and cannot be trusted.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [a.strip() for a in request.headers.get("X-Forwarded-For", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


class ClientAddressMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = client_address.set(request_client_address(request))
        try:
            return self.get_response(request)
        finally:
            client_address.reset(token)


class StaffSessionMiddleware:
    """Two rules for logged-in staff, checked on every request:

    - idle timeout: after ``STAFF_IDLE_TIMEOUT`` seconds without a request the
      session ends (a PC in a consultation room is shared);
    - two-factor authentication is required: until TOTP is set up, every page
      but the set-up pages redirects there.

    Written here rather than taken from a package: allauth has no idle
    timeout and does not enforce MFA, and both are a few lines over it.
    """

    EXEMPT_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/healthz")
    TOUCH_EVERY = 60  # seconds

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            idle = now - int(request.session.get("staff_last_seen", now))
            if idle > settings.STAFF_IDLE_TIMEOUT:
                logout(request)
                messages.info(request, _("You were logged out after a period without activity."))
                return redirect_to_login(request.get_full_path())
            if idle >= self.TOUCH_EVERY or "staff_last_seen" not in request.session:
                # Not on every request: a session write per page view is a
                # database write per page view. The timeout is exact to a minute.
                request.session["staff_last_seen"] = now
            if not request.path.startswith(self.EXEMPT_PREFIXES) and not is_mfa_enabled(
                user, [Authenticator.Type.TOTP]
            ):
                return redirect("mfa_activate_totp")
        return self.get_response(request)

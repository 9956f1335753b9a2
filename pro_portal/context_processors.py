"""What every page's header needs to know about the member of staff."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

from pro_portal.access import PATIENT_IDENTITY_ROLES, holds_role
from pro_portal.models import User


def navigation(request: HttpRequest) -> dict[str, Callable[[], bool]]:
    """``nav_patient_lists``: whether the header links the worklist and the
    reception, which only clinicians and secretaries may open (anyone else —
    content staff with no organisation, a clinic admin alone — would get a
    404). Read only when the header asks (a template calls it), at most once
    per request (``holds_role`` keeps the roles on the user)."""
    user = getattr(request, "user", None)

    def patient_lists() -> bool:
        return isinstance(user, User) and holds_role(user, PATIENT_IDENTITY_ROLES)

    return {"nav_patient_lists": patient_lists}

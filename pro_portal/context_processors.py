"""What every page's header needs to know about the member of staff."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import Permission
from django.db.models import Q
from django.http import HttpRequest

from pro_portal.access import PATIENT_IDENTITY_ROLES, holds_role
from pro_portal.models import User


def navigation(request: HttpRequest) -> dict[str, Callable[[], bool]]:
    """What the header links, each read only when the header asks (a template
    calls it):

    - ``nav_patient_lists``: the worklist and the reception, which only
      clinicians and secretaries may open (anyone else — content staff with
      no organisation, a clinic admin alone — would get a 404); at most once
      per request (``holds_role`` keeps the roles on the user);
    - ``nav_content``: the questionnaires, for content staff
      (``questionnaires.manage_questionnaires``, given to the user or a group).
    """
    user = getattr(request, "user", None)

    def patient_lists() -> bool:
        return isinstance(user, User) and holds_role(user, PATIENT_IDENTITY_ROLES)

    def content() -> bool:
        return isinstance(user, User) and may_manage_questionnaires(user)

    return {"nav_patient_lists": patient_lists, "nav_content": content}


def may_manage_questionnaires(user: User) -> bool:
    """``user.has_perm("questionnaires.manage_questionnaires")`` in one query
    instead of Django's two (the user's permissions, then their groups'), for
    the header of every staff page. The pages themselves still ask
    ``has_perm``."""
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    return (
        Permission.objects.filter(
            codename="manage_questionnaires", content_type__app_label="questionnaires"
        )
        .filter(Q(user=user) | Q(group__user=user))
        .exists()
    )

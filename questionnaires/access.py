"""Staff access to invitations, built on ``pro_portal.access.access_object``.

Each helper checks the organisation that invited the patient and the user's
role, audits the read and returns the object, or raises Http404.
Secretaries run reception: they see invitations and their status, never
answers, scores or flags.
"""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from pro_portal.access import PATIENT_IDENTITY_ROLES, access_object
from pro_portal.models import Organisation, Role, User
from questionnaires.models import Invitation

#: Who may invite patients, cancel and reissue links and give visit codes.
RECEPTION_ROLES = PATIENT_IDENTITY_ROLES
#: Who may enrol a waiting-room tablet.
KIOSK_ADMIN_ROLES = frozenset({Role.ADMIN})


def access_invitation(user: User, invitation_id: uuid.UUID | str, *, action: str) -> Invitation:
    """An invitation of the user's organisation, for reception (audited as ``action``)."""
    return access_object(
        user,
        Invitation.objects.select_related("patient", "organisation", "consultation"),
        invitation_id,
        roles=RECEPTION_ROLES,
        action=action,
        patient_path="patient",
    )


def _organisations(user: User, roles: frozenset[str]) -> QuerySet[Organisation]:
    if not (user.is_authenticated and user.is_active):
        return Organisation.objects.none()
    return Organisation.objects.filter(
        memberships__user=user, memberships__role__in=list(roles)
    ).distinct()


def reception_organisations(user: User) -> QuerySet[Organisation]:
    """Organisations where the user may register and invite patients."""
    return _organisations(user, RECEPTION_ROLES)


def kiosk_admin_organisations(user: User) -> QuerySet[Organisation]:
    """Organisations whose waiting-room tablets the user may enrol."""
    return _organisations(user, KIOSK_ADMIN_ROLES)

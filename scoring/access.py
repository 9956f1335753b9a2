"""Clinical data — answers, scores, flags, summaries — for clinicians only.

Built on pro_portal.access: the response belongs to the organisation that
invited the patient; only that organisation's clinicians see it; every read is
audited; anything else is a 404. Secretaries never get here.
"""

from __future__ import annotations

import uuid

from pro_portal.access import CLINICAL_ROLES, access_object
from pro_portal.models import User
from questionnaires.models import Response


def access_response(user: User, response_id: uuid.UUID | str, *, action: str) -> Response:
    """A submitted response with its version, patient and organisation."""
    return access_object(
        user,
        Response.objects.filter(status=Response.Status.SUBMITTED).select_related(
            "questionnaire_version", "patient", "organisation", "invitation__consultation"
        ),
        response_id,
        roles=CLINICAL_ROLES,
        action=action,
        patient_path="patient",
    )

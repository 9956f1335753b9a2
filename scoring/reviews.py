"""A clinician records that a submitted response has been reviewed."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from pro_portal.audit import audit_record
from pro_portal.models import User
from questionnaires.models import Response
from scoring.models import ResponseReview


def review_record(*, response: Response, by: User) -> bool:
    """Record the review once (audited); False when it had been recorded already."""
    try:
        with transaction.atomic():
            ResponseReview.objects.create(response=response, reviewed_by=by)
    except IntegrityError:
        return False
    audit_record(action="response.reviewed", actor=by, patient=response.patient, obj=response)
    return True

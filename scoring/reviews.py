"""A clinician records that a submitted response has been reviewed."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from pro_portal.audit import audit_record
from pro_portal.models import User
from questionnaires.models import Response
from scoring.models import ResponseReview


def review_record(*, response: Response, by: User) -> bool:
    """Record the review once (audited); False when it had been recorded already.

    The response's ``reviewed_at`` (what the worklists read) is set in the
    same transaction as the review it mirrors."""
    try:
        with transaction.atomic():
            review = ResponseReview.objects.create(response=response, reviewed_by=by)
            Response.objects.filter(pk=response.pk).update(reviewed_at=review.reviewed_at)
    except IntegrityError:
        return False
    response.reviewed_at = review.reviewed_at
    audit_record(action="response.reviewed", actor=by, patient=response.patient, obj=response)
    return True

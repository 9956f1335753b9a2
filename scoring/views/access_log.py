"""A patient's access log: who has read their data, on a page and as CSV.

For ``ACCESS_LOG_ROLES`` in the patient's organisation (404 for anyone else);
each view and each export is itself an audited read (``scoring.door``).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from pro_portal.access import ACCESS_LOG_ROLES, staff_of, staff_view
from scoring import door
from scoring.access_log import access_log_csv, access_log_page, access_log_rows


@staff_view(roles=ACCESS_LOG_ROLES)
@require_GET
def access_log(request: HttpRequest, patient_id: str) -> HttpResponse:
    user = staff_of(request)
    with door.access_log_record(user, patient_id, action="access_log.view") as patient:
        page, rows = access_log_page(patient, request.GET.get("page"))
        return render(
            request, "scoring/access_log.html", {"patient": patient, "page": page, "rows": rows}
        )


@staff_view(roles=ACCESS_LOG_ROLES)
@require_GET
def access_log_export(request: HttpRequest, patient_id: str) -> HttpResponse:
    user = staff_of(request)
    with door.access_log_record(user, patient_id, action="access_log.export") as patient:
        body = access_log_csv(access_log_rows(patient))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    # The file name holds the patient's public id and the date, no patient data.
    filename = f"access-log-{patient.public_id}-{timezone.localdate():%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

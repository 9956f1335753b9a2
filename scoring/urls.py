"""Staff URLs: worklist, search, summary, PDF, review, and reception."""

from __future__ import annotations

from django.urls import path

from scoring.views import access_log, reception
from scoring.views import clinician as views

app_name = "scoring"
urlpatterns = [
    path("worklist/", views.worklist_view, name="worklist"),
    path("worklist/awaiting/", views.awaiting_view, name="awaiting"),
    path("worklist/search/", views.search, name="search"),
    path("worklist/unsent/<str:notice_id>/", views.unsent, name="unsent"),
    path("responses/<str:response_id>/", views.summary, name="summary"),
    path("responses/<str:response_id>/pdf", views.summary_pdf, name="summary_pdf"),
    path(
        "responses/<str:response_id>/record-text",
        views.record_text,
        name="summary_record_text",
    ),
    path("responses/<str:response_id>/review", views.mark_reviewed, name="review"),
    # Reception (secretaries and clinicians).
    path("reception/", reception.find, name="find"),
    path("patients/<str:patient_id>/", reception.patient, name="patient"),
    path("patients/<str:patient_id>/invite/", reception.invite, name="invite"),
    path("patients/<str:patient_id>/visit-code/", reception.visit_code, name="visit_code"),
    # Who has read a patient's data (ACCESS_LOG_ROLES).
    path("patients/<str:patient_id>/access-log/", access_log.access_log, name="access_log"),
    path(
        "patients/<str:patient_id>/access-log.csv",
        access_log.access_log_export,
        name="access_log_export",
    ),
    path("invitations/<str:invitation_id>/cancel/", reception.cancel, name="cancel"),
    path("invitations/<str:invitation_id>/reissue/", reception.reissue, name="reissue"),
]

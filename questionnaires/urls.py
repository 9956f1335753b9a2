"""Patient-facing URLs of the questionnaires app: at home and on the kiosk.

Patient pages name responses by their random public id; a CPR number is
never part of a URL.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from questionnaires.views import kiosk, patient, review

app_name = "questionnaires"
urlpatterns: list[URLPattern | URLResolver] = [
    # The patient at home (and, after a visit code, on the kiosk).
    path("i/<str:token>/", patient.invitation_open, name="invitation_open"),
    path("answer/", patient.overview, name="overview"),
    path("answer/saved/", patient.saved, name="saved"),
    path("answer/leave/", patient.leave, name="leave"),
    path("answer/<str:response_id>/", patient.resume, name="resume"),
    path("answer/<str:response_id>/q/<str:item_id>/", patient.question, name="question"),
    path("answer/<str:response_id>/check/", patient.check, name="check"),
    path(
        "answer/<str:response_id>/again/<str:instrument>/",
        patient.reuse_again,
        name="reuse_again",
    ),
    path("answer/<str:response_id>/submit/", patient.submit, name="submit"),
    path("answer/<str:response_id>/done/", patient.done, name="done"),
    path("answer/<str:response_id>/help-now/", patient.urgent, name="urgent"),
    path("help/", patient.help_now, name="help"),
    # The waiting-room tablet.
    path("kiosk/", kiosk.welcome, name="kiosk_welcome"),
    path("kiosk/enrol/", kiosk.enrol, name="kiosk_enrol"),
    path("kiosk/alive/", kiosk.alive, name="kiosk_alive"),
    path("kiosk/timeout/", kiosk.timeout, name="kiosk_timeout"),
    path("kiosk/finish/", kiosk.finish, name="kiosk_finish"),
    path("kiosk/stop/", kiosk.stop, name="kiosk_stop"),
    path("kiosk/restore/", kiosk.restore, name="kiosk_restore"),
    path("kiosk/hand-back/", kiosk.handback, name="kiosk_handback"),
    # Questionnaire content: the clinical reviewer's sign-off (questionnaires.views.review).
    path("questionnaires/content/review/", review.review_list, name="content-review-list"),
    path("questionnaires/content/<int:pk>/review/", review.review, name="content-review"),
    path(
        "questionnaires/content/<int:pk>/review/licence/",
        review.review_licence,
        name="content-review-licence",
    ),
]

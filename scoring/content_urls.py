"""Questionnaire content pages, under /content/ (scoring.views.content).

Names without a namespace (``content-index``, ``content-preview`` with the
version's pk): the clinical reviewer's sign-off pages link to the preview.
"""

from __future__ import annotations

from django.urls import path

from scoring.views import content

urlpatterns = [
    path("", content.index, name="content-index"),
    path("import/", content.import_file, name="content-import"),
    path("import/choice/", content.import_choice, name="content-import-choice"),
    path("<int:pk>/preview/", content.preview, name="content-preview"),
    path(
        "<int:pk>/preview/q/<str:item_id>/",
        content.preview_question,
        name="content-preview-question",
    ),
    path("<int:pk>/preview/check/", content.preview_check, name="content-preview-check"),
    path("<int:pk>/preview/reset/", content.preview_reset, name="content-preview-reset"),
    path(
        "<int:pk>/preview/patient/",
        content.preview_patient_choose,
        name="content-preview-patient",
    ),
    path("<int:pk>/send-for-review/", content.send_for_review, name="content-send-for-review"),
]

"""Clinician URLs: worklist, search, summary, PDF, review."""

from __future__ import annotations

from django.urls import path

from scoring import views

app_name = "scoring"
urlpatterns = [
    path("worklist/", views.worklist_view, name="worklist"),
    path("worklist/awaiting/", views.awaiting_view, name="awaiting"),
    path("worklist/search/", views.search, name="search"),
    path("responses/<str:response_id>/", views.summary, name="summary"),
    path("responses/<str:response_id>/pdf", views.summary_pdf, name="summary_pdf"),
    path("responses/<str:response_id>/review", views.mark_reviewed, name="review"),
]

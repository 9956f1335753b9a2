"""Patient-facing and reception URLs of the questionnaires app."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "questionnaires"
urlpatterns: list[URLPattern | URLResolver] = []

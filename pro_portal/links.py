"""The address links to this site start with, in messages and on pages."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

#: Where ``manage.py runserver`` and scripts/demo.sh serve: links made with
#: neither SITE_URL nor a request (DEBUG only: production requires SITE_URL).
DEVELOPMENT_SITE_URL = "http://127.0.0.1:8000"


def site_url(request: HttpRequest | None = None) -> str:
    """``SITE_URL`` when set (always in production); otherwise the address the
    request came to (its host is checked against ``ALLOWED_HOSTS``), so a
    demo served on another address hands out links that work there."""
    if settings.SITE_URL:
        return str(settings.SITE_URL).rstrip("/")
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return DEVELOPMENT_SITE_URL

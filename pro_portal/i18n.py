"""The page's language, one way everywhere."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation


def page_language() -> str:
    """The language the current request or task is in, as a code from
    ``settings.LANGUAGES`` ("en-gb" gives "en").

    Falls back to ``settings.LANGUAGE_CODE`` when translation is switched off
    (``get_language()`` is then None) or the active language is not one we
    offer: texts are looked up by this code, so it must be one they have.
    """
    language = translation.get_language()
    if language:
        try:
            # Cached by Django: cheap enough for once per row.
            return translation.get_supported_language_variant(language)
        except LookupError:
            pass
    return str(settings.LANGUAGE_CODE)

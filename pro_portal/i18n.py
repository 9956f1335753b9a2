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


# Danish sorts æ, ø, å after z (and in that order); code-point order puts å
# first and all three after z only by accident. Written here rather than with
# ICU (PyICU needs the C library and a compiler) or Python's locale module
# (which depends on the locales the server has installed).
_DANISH_LAST = str.maketrans({"æ": "{", "ø": "|", "å": "}", "ä": "{", "ö": "|"})


def sort_key(text: str, language: str) -> str:
    """A key that sorts ``text`` as a reader of ``language`` expects."""
    folded = text.casefold()
    return folded.translate(_DANISH_LAST) if language == "da" else folded

"""Translations of a questionnaire's texts, attached as a file (docs/definitions.md § Translations).

A translation file is JSON::

    {
      "language": "da",
      "source": "Danish translation by …, licensed …",
      "texts": {
        "title": "…",
        "item.phq9_1.text": "…",
        "item.phq9_1.options.0.label": "…",
        "sections.main.title": "…"
      }
    }

``texts`` is keyed by where the text sits in the definition: an item's texts
under ``item.<item id>``, other texts by their path, list entries by their id
(or an option by its code). ``manage.py questionnaire translation-template``
writes every key with the text in the questionnaire's first language, to be
translated. Attaching checks that every key is there (none missing, none
unknown, none empty) and gives the content with the language added — a new
version, since published content never changes.

Plain Python over the content (no Django).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping
from typing import Any

#: Parts of the content that hold no patient- or staff-facing text to translate.
_SKIPPED = frozenset({"fhir", "test_vectors", "languages", "id", "version", "format"})
LANGUAGE = re.compile(r"[a-z]{2}")
VERSION = re.compile(r"(\d+)\.(\d+)\.(\d+)")

NOT_AN_OBJECT = "the translation file is not a JSON object with language, source and texts"
BAD_LANGUAGE = "language: expected a two-letter language code like 'da', got {value!r}"
ALREADY = "the questionnaire already has texts in '{language}'"
NO_SOURCE = "source: say where the translation comes from (who translated it, under what licence)"
NO_TEXTS = "texts: expected an object of key → translated text"
MISSING = "texts: {count} text(s) missing: {keys}"
UNKNOWN = "texts: unknown key(s): {keys}"
EMPTY = "texts: empty or not text: {keys}"


class TranslationError(Exception):
    """The translation cannot be attached; ``problems`` says why, one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _is_text(value: object, languages: list[str]) -> bool:
    return (
        isinstance(value, Mapping)
        and bool(value)
        and set(value) <= set(languages)
        and all(isinstance(v, str) for v in value.values())
    )


def _walk(
    node: object, path: list[str], languages: list[str]
) -> Iterator[tuple[str, dict[str, str]]]:
    if isinstance(node, Mapping):
        if path and _is_text(node, languages):
            yield ".".join(path), node  # type: ignore[misc]
            return
        for key, value in node.items():
            if not path and key in _SKIPPED:
                continue
            yield from _walk(value, [*path, str(key)], languages)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            if isinstance(value, Mapping) and path and path[-1] == "items" and "id" in value:
                yield from _walk(value, ["item", str(value["id"])], languages)
                continue
            name = (
                value.get("id") or value.get("code") if isinstance(value, Mapping) else None
            ) or index
            yield from _walk(value, [*path, str(name)], languages)


def translatable_texts(content: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """Every text of the definition by its key (the texts themselves, so
    they can be changed in place on a copy)."""
    languages = list(content.get("languages") or [])
    return dict(_walk(content, [], languages))


def translation_template(content: Mapping[str, Any], language: str) -> dict[str, Any]:
    """A translation file to fill in: every key with the text in the
    questionnaire's first language."""
    first = (content.get("languages") or ["en"])[0]
    return {
        "language": language,
        "source": "",
        "texts": {key: text.get(first, "") for key, text in translatable_texts(content).items()},
    }


def translation_apply(
    content: Mapping[str, Any], translation: object
) -> tuple[str, dict[str, Any]]:
    """The language and the content with the translation's texts added
    under a new patch version. Raises :class:`TranslationError`."""
    if not isinstance(translation, Mapping):
        raise TranslationError([NOT_AN_OBJECT])
    problems: list[str] = []
    language = translation.get("language")
    languages = list(content.get("languages") or [])
    if not isinstance(language, str) or not LANGUAGE.fullmatch(language):
        problems.append(BAD_LANGUAGE.format(value=language))
    elif language in languages:
        problems.append(ALREADY.format(language=language))
    source = translation.get("source")
    if not isinstance(source, str) or not source.strip():
        problems.append(NO_SOURCE)
    texts = translation.get("texts")
    if not isinstance(texts, Mapping):
        problems.append(NO_TEXTS)
        raise TranslationError(problems)
    result = copy.deepcopy(dict(content))
    wanted = translatable_texts(result)
    missing = [key for key in wanted if key not in texts]
    unknown = [key for key in texts if key not in wanted]
    empty = [
        key
        for key in wanted
        if key in texts and not (isinstance(texts[key], str) and texts[key].strip())
    ]
    if missing:
        problems.append(MISSING.format(count=len(missing), keys=_some(missing)))
    if unknown:
        problems.append(UNKNOWN.format(keys=_some(unknown)))
    if empty:
        problems.append(EMPTY.format(keys=_some(empty)))
    if problems:
        raise TranslationError(problems)
    assert isinstance(language, str)
    for key, text in wanted.items():
        text[language] = str(texts[key]).strip()
    result["languages"] = [*languages, language]
    result["version"] = next_version(str(result["version"]))
    return language, result


def next_version(version: str) -> str:
    """The next patch version: 1.0.0 → 1.0.1."""
    found = VERSION.fullmatch(version)
    if found is None:
        return f"{version}.1"
    major, minor, patch = (int(part) for part in found.groups())
    return f"{major}.{minor}.{patch + 1}"


def _some(keys: list[str], limit: int = 10) -> str:
    shown = ", ".join(keys[:limit])
    return shown if len(keys) <= limit else f"{shown} … ({len(keys) - limit} more)"

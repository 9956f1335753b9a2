"""Extension URLs and small helpers shared by FHIR import and export.

Everything here is plain Python over JSON-like dicts (no Django), so the
conversion is unit-testable. The mapping is documented in
docs/definitions.md § FHIR.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

HL7 = "http://hl7.org/fhir/StructureDefinition/"
SDC = "http://hl7.org/fhir/uv/sdc/StructureDefinition/"
TRANSLATION = HL7 + "translation"
ORDINAL_VALUE = HL7 + "ordinalValue"
CO_VALUE = HL7 + "iso21090-CO-value"
ITEM_WEIGHT = HL7 + "itemWeight"
MIN_VALUE = HL7 + "minValue"
MAX_VALUE = HL7 + "maxValue"
MIN_OCCURS = HL7 + "questionnaire-minOccurs"
MAX_OCCURS = HL7 + "questionnaire-maxOccurs"
MAX_DECIMAL_PLACES = HL7 + "maxDecimalPlaces"
UNIT = HL7 + "questionnaire-unit"
UNIT_OPTION = HL7 + "questionnaire-unitOption"
ITEM_CONTROL = HL7 + "questionnaire-itemControl"
ITEM_CONTROL_SYSTEM = "http://hl7.org/fhir/questionnaire-item-control"
OPTION_EXCLUSIVE = HL7 + "questionnaire-optionExclusive"
HIDDEN = HL7 + "questionnaire-hidden"
SLIDER_STEP = HL7 + "questionnaire-sliderStepValue"
VARIABLE = HL7 + "variable"
CALCULATED = SDC + "sdc-questionnaire-calculatedExpression"
ENABLE_WHEN_EXPRESSION = SDC + "sdc-questionnaire-enableWhenExpression"
FHIRPATH = "text/fhirpath"
#: SDC launch context: a resource (``%patient``) the form filler is given when launched.
LAUNCH_CONTEXT = SDC + "sdc-questionnaire-launchContext"

EHEALTH = "http://ehealth.sundhed.dk/fhir/StructureDefinition/"
ANSWER_SIGNIFICANCE = EHEALTH + "ehealth-questionnaire-answerSignificance"
ANSWER_CONDITION = EHEALTH + "ehealth-answer-Condition"
SIGNIFICANCE_SYSTEM = "http://ehealth.sundhed.dk/cs/questionnaire-item-significance-indicator"
FEEDBACK = EHEALTH + "ehealth-questionnaire-feedback"
#: How eHealth records the colour an answer was given: on the ClinicalImpression
#: that assesses a response, one finding basis per coloured answer (linkId,
#: value, finding, the answerSignificance that applied).
FINDING_BASIS = EHEALTH + "ehealth-questionnaireresponse-finding-basis"
FINDING_SYSTEM = "http://ehealth.sundhed.dk/cs/clinicalimpression-finding-codes"

#: PRO Portal's own extensions (documented in docs/definitions.md § FHIR).
PORTAL = "http://pro-portal.invalid/fhir/"
RULE = PORTAL + "StructureDefinition/rule"
RULE_ID = PORTAL + "StructureDefinition/rule-id"
SCORE = PORTAL + "StructureDefinition/score"
DEFINITION = PORTAL + "StructureDefinition/definition"
TEST_VECTORS = PORTAL + "StructureDefinition/test-vectors"
SECTION_KIND = PORTAL + "StructureDefinition/section-kind"
SECTION_INTRO = PORTAL + "StructureDefinition/section-intro"
INCLUDED_FROM = PORTAL + "StructureDefinition/included-from"
ITEM_TYPE = PORTAL + "StructureDefinition/item-type"
ANCHORS = PORTAL + "StructureDefinition/nrs-anchors"
ENABLE_WHEN = PORTAL + "StructureDefinition/enable-when"
ITEM_ID_URL = PORTAL + "StructureDefinition/item-id"
RESULT = PORTAL + "StructureDefinition/result"
QUESTIONNAIRE_URL = PORTAL + "Questionnaire/"
CODE_SYSTEM_URL = PORTAL + "CodeSystem/"

ITEM_ID = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*")
#: Words of the rule language, which can be neither item nor score ids.
RESERVED = frozenset(
    {
        "and",
        "or",
        "not",
        "any",
        "all",
        "count",
        "answered",
        "missing",
        "selected",
        "count_selected",
        "change",
    }
)


def extensions(element: object, url: str) -> list[dict[str, Any]]:
    """The extensions of ``element`` with ``url``, in order."""
    if not isinstance(element, Mapping):
        return []
    found = element.get("extension")
    if not isinstance(found, list):
        return []
    return [e for e in found if isinstance(e, dict) and e.get("url") == url]


def extensions_all(element: object) -> list[dict[str, Any]]:
    """Every extension of ``element`` (a dict), in order."""
    found = element.get("extension") if isinstance(element, Mapping) else None
    return [e for e in found if isinstance(e, dict)] if isinstance(found, list) else []


def extension_value(element: object, url: str) -> Any:
    """The ``value[x]`` of the first extension with ``url`` (None if absent)."""
    for extension in extensions(element, url):
        for key, value in extension.items():
            if key.startswith("value"):
                return value
    return None


def value_of(element: Mapping[str, Any], prefix: str = "value") -> tuple[str, Any] | None:
    """The (key, value) of an element's ``value[x]`` / ``answer[x]`` choice."""
    for key, value in element.items():
        if key.startswith(prefix) and len(key) > len(prefix) and key[len(prefix)].isupper():
            return key, value
    return None


def translation(language: str, content: str) -> dict[str, Any]:
    return {
        "url": TRANSLATION,
        "extension": [
            {"url": "lang", "valueCode": language},
            {"url": "content", "valueString": content},
        ],
    }


def put_text(
    target: dict[str, Any], key: str, text: Mapping[str, str], languages: Sequence[str]
) -> None:
    """``target[key]`` in the first language, the others as ``translation``
    extensions on ``target['_' + key]`` (FHIR's way for primitive strings)."""
    if not text:
        return
    first = languages[0] if languages and languages[0] in text else next(iter(text))
    target[key] = text[first]
    others = [translation(lang, text[lang]) for lang in languages if lang != first and lang in text]
    if others:
        target[f"_{key}"] = {"extension": others}


def read_text(element: Mapping[str, Any], key: str, language: str) -> dict[str, str]:
    """``element[key]`` as a text per language: the primary language plus
    every ``translation`` on ``element['_' + key]``."""
    value = element.get(key)
    if not isinstance(value, str) or not value.strip():
        return {}
    text = {language: value}
    for extension in extensions(element.get(f"_{key}"), TRANSLATION):
        lang = extension_value(extension, "lang")
        content = extension_value(extension, "content")
        if isinstance(lang, str) and isinstance(content, str) and content.strip():
            text.setdefault(primary_language(lang), content)
    return text


def localized(url: str, text: Mapping[str, str]) -> dict[str, Any]:
    """A text as a complex extension with one sub-extension per language
    (``Extension`` cannot carry a translated ``valueString``: ext-1)."""
    return {
        "url": url,
        "extension": [{"url": lang, "valueString": value} for lang, value in text.items()],
    }


def read_localized(extension: Mapping[str, Any]) -> dict[str, str]:
    found = extension.get("extension")
    subs = found if isinstance(found, list) else []
    return {
        str(sub["url"]): sub["valueString"]
        for sub in subs
        if isinstance(sub, dict) and isinstance(sub.get("valueString"), str)
    }


def sub_extensions(extension: Mapping[str, Any], url: str) -> list[dict[str, Any]]:
    return extensions(extension, url)


def primary_language(tag: str) -> str:
    """``en-US`` → ``en``."""
    return tag.split("-")[0].lower()


def number_literal(value: int | float | Decimal) -> str:
    """A FHIRPath number literal (never exponent notation); negatives in
    parentheses, since FHIRPath has no negative literals."""
    text = format(Decimal(repr(value)) if isinstance(value, float) else Decimal(value), "f")
    return f"(0 - {text[1:]})" if text.startswith("-") else text


def string_literal(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"


def slug(text: str) -> str:
    """Lower-case letters, digits and ``_``: ``Q1-exists`` → ``q1_exists``."""
    return re.sub(r"_+", "_", re.sub(r"[^a-z0-9]+", "_", text.lower())).strip("_")


def unique(name: str, taken: set[str]) -> str:
    candidate, number = name, 2
    while candidate in taken:
        candidate = f"{name}_{number}"
        number += 1
    taken.add(candidate)
    return candidate


def item_id_for(link_id: str, taken: set[str]) -> str:
    """An item or score id for a linkId: unchanged when it already is a valid
    id (our own exports), else slugged (dots kept) and, when it does not start
    with a letter, prefixed with ``q_``; a word of the rule language gets
    ``_item``; a clash gets ``_2``, ``_3`` …"""
    if ITEM_ID.fullmatch(link_id) and link_id not in RESERVED and link_id not in taken:
        taken.add(link_id)
        return link_id
    parts = [slug(part) for part in link_id.split(".")]
    name = ".".join(part for part in parts if part) or "item"
    if not name[0].isalpha():
        name = f"q_{name}"
    if name in RESERVED:
        name = f"{name}_item"
    return unique(name, taken)


def section_id_for(link_id: str, taken: set[str]) -> str:
    name = slug(link_id) or "section"
    if not name[0].isalpha():
        name = f"s_{name}"
    return unique(name, taken)


def canonical_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def join(words: Iterable[str]) -> str:
    return ", ".join(words)

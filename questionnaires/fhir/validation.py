"""Structural validation of exported resources with fhir.resources' R4B
models (R4B is R4 for Questionnaire and QuestionnaireResponse), plus the
Questionnaire invariants those models do not check and an export relies on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from pydantic import ValidationError

_MODELS: dict[str, Any] = {
    "Questionnaire": Questionnaire,
    "QuestionnaireResponse": QuestionnaireResponse,
}


class InvalidResourceError(ValueError):
    """A resource that is not valid FHIR R4; the message lists why."""


def validate(resource: Mapping[str, Any]) -> None:
    """Raise :class:`InvalidResourceError` unless ``resource`` is a valid
    Questionnaire or QuestionnaireResponse."""
    model = _MODELS.get(str(resource.get("resourceType")))
    if model is None:
        raise InvalidResourceError(f"not a Questionnaire: {resource.get('resourceType')!r}")
    try:
        model.model_validate(dict(resource))
    except ValidationError as error:
        raise InvalidResourceError(str(error)) from None
    problems = _extension_rule(resource.get("extension"), "Questionnaire")
    problems += _invariants(resource.get("item"), set())
    if problems:
        raise InvalidResourceError("; ".join(problems))


def _invariants(items: object, seen: set[str]) -> list[str]:
    """que-2 (unique linkIds), que-1 (groups have items), que-12
    (enableBehavior with several enableWhen), ext-1 (value or extensions)."""
    problems: list[str] = []
    for item in items if isinstance(items, list) else []:
        link_id = str(item.get("linkId"))
        if link_id in seen:
            problems.append(f"linkId {link_id} is used twice")
        seen.add(link_id)
        if item.get("type") == "group" and not item.get("item"):
            problems.append(f"group {link_id} has no items")
        if len(item.get("enableWhen", [])) > 1 and "enableBehavior" not in item:
            problems.append(f"{link_id}: several enableWhen without enableBehavior")
        problems += _extension_rule(item.get("extension"), link_id)
        for option in item.get("answerOption", []):
            problems += _extension_rule(option.get("extension"), link_id)
        problems += _invariants(item.get("item"), seen)
    return problems


def _extension_rule(extensions: object, where: str) -> list[str]:
    problems: list[str] = []
    for extension in extensions if isinstance(extensions, list) else []:
        values = [key for key in extension if key.startswith("value")]
        nested = extension.get("extension")
        if bool(values) == bool(nested):
            problems.append(
                f"{where}: extension {extension.get('url')} needs a value or extensions"
            )
        problems += _extension_rule(nested, where)
    return problems

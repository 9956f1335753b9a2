"""A FHIR R4 QuestionnaireResponse → the answers of a definition
(docs/definitions.md § FHIR, *Import of a QuestionnaireResponse*).

Pure functions over the JSON (no Django). Items are found by linkId — the
item's id or its ``link_id`` (the linkId of the file it was imported from) —
at any depth of groups and of answers' nested items; answers become the
values ANSWERS.json holds, which the engine then checks like any answers.
Answers to calculated (score) items are read apart: PRO Portal computes
its own, and the file's are kept to compare with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from questionnaires.fhir import common as c
from questionnaires.fhir.fhirpath import item_links
from scoring.engine import Definition, validate_answers
from scoring.engine.item_types import ITEM_TYPES

#: What an answer's ``value[x]`` may be for each kind of answer (item_types).
_ACCEPTED = {
    "code": ("valueCoding", "valueString", "valueInteger", "valueBoolean"),
    "codes": ("valueCoding", "valueString", "valueInteger"),
    "number": ("valueInteger", "valueDecimal", "valueQuantity"),
    "date": ("valueDate",),
    "text": ("valueString",),
}


class ResponseImportError(Exception):
    """The response cannot be read against the definition; one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ResponseAnswers:
    """The answers by item id (as in ANSWERS.json), and the values the file
    gives the calculated items, by score id."""

    answers: dict[str, object]
    calculated: dict[str, object] = field(default_factory=dict)


def questionnaire_ref(resource: object) -> str | None:
    """``id@version`` when ``QuestionnaireResponse.questionnaire`` is the
    canonical of a PRO Portal export (``…/Questionnaire/<id>|<version>``)."""
    canonical = resource.get("questionnaire") if isinstance(resource, Mapping) else None
    if not isinstance(canonical, str) or not canonical.startswith(c.QUESTIONNAIRE_URL):
        return None
    qid, _, version = canonical.removeprefix(c.QUESTIONNAIRE_URL).partition("|")
    return f"{qid}@{version}" if version else qid


def answers_from_response(
    definition: Definition, resource: object, *, source: str
) -> ResponseAnswers:
    """The answers of a QuestionnaireResponse to ``definition``. Raises
    :class:`ResponseImportError` naming every answer that is not one of the
    definition's items or not a valid answer to it."""
    if not isinstance(resource, Mapping) or resource.get("resourceType") != (
        "QuestionnaireResponse"
    ):
        kind = resource.get("resourceType") if isinstance(resource, Mapping) else None
        raise ResponseImportError(
            [f"{source}: not a FHIR QuestionnaireResponse (resourceType: {kind or 'missing'})"]
        )
    links = item_links(definition)
    by_link = {link: ident for ident, link in links.items()}
    by_link.update({ident: ident for ident in links})
    items = {item.id: item for item in definition.items}
    answers: dict[str, object] = {}
    calculated: dict[str, object] = {}
    problems: list[str] = []
    pending = list(_entries(resource.get("item")))
    while pending:
        entry = pending.pop(0)
        link_id = str(entry.get("linkId"))
        given = _entries(entry.get("answer"))
        pending[:0] = [
            *_entries(entry.get("item")),
            *(nested for answer in given for nested in _entries(answer.get("item"))),
        ]
        if not given:
            continue  # a group, or a question left unanswered
        ident = by_link.get(link_id)
        where = f"{source}: item {link_id}"
        if ident is None:
            problems.append(
                f"{where}: not an item of {definition.id}@{definition.version} (its answer"
                " would be lost; check the questionnaire the response was given to)"
            )
            continue
        values = [c.value_of(answer) for answer in given]
        if ident not in items:  # a calculated item: the file's value, to compare
            calculated[ident] = values[0][1] if len(values) == 1 and values[0] else values
            continue
        if ident in answers:
            problems.append(f"{where}: answered twice")
            continue
        read = _answer(items[ident].type, [v for v in values if v is not None], where)
        if isinstance(read, _Refused):
            problems.append(read)
        else:
            answers[ident] = read
    if not problems:
        problems = [
            f"{source}: {problem.location}: {problem.reason}"
            for problem in validate_answers(definition, answers)
        ]
    if problems:
        raise ResponseImportError(problems)
    return ResponseAnswers(answers, calculated)


def _entries(value: object) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


class _Refused(str):
    """A problem, told apart from a text answer."""


def _answer(kind: str, values: list[tuple[str, Any]], where: str) -> object:
    """One item's answers as ANSWERS.json holds them, or the problem (a str
    subclass) saying why they are not."""
    registered = ITEM_TYPES[kind]
    wanted = registered.answer
    accepted = _ACCEPTED.get(wanted, ())
    for key, _ in values:
        if key not in accepted:
            allowed = ", ".join(accepted) or "no answer (a display text)"
            return _Refused(f"{where}: {key} is not an answer to a {kind} item ({allowed})")
    if wanted != "codes" and len(values) != 1:
        return _Refused(f"{where}: {len(values)} answers to a question that takes one")
    read = [_plain(key, value) for key, value in values]
    if any(r is None for r in read):
        return _Refused(f"{where}: an answer without a usable value")
    if wanted == "codes":
        return [str(r) for r in read]
    if wanted == "code":
        first = read[0]
        if isinstance(first, bool):
            return "yes" if first else "no"
        return str(first)
    return read[0]


def _plain(key: str, value: Any) -> object:
    """A ``value[x]`` as the plain value ANSWERS.json holds."""
    if key == "valueCoding":
        code = value.get("code") if isinstance(value, Mapping) else None
        return code if isinstance(code, str) else None
    if key == "valueQuantity":
        number = value.get("value") if isinstance(value, Mapping) else None
        return number if isinstance(number, int | float) else None
    return value

"""What ``evaluate`` returns, and its JSON form.

Results are stored as JSON next to the response and fed back as
``previous`` on the patient's next response, so the round trip
``result_from_dict(result_to_dict(r)) == r`` is exact.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scoring.engine.model import Answer, Number, Text

#: Bumped when the JSON layout of a result changes.
RESULT_FORMAT = 1
SEVERITY = {"red": 0, "yellow": 1, "green": 2}


def pick_language(text: Text, language: str, fallbacks: Sequence[str] = ("en", "da")) -> str:
    """The text in ``language``, else in the first fallback present, else any."""
    for candidate in (language, *fallbacks):
        if candidate in text:
            return text[candidate]
    return next(iter(text.values()), "")


def pick_text(text: object, language: str) -> str:
    """A definition's text as shown: per language (``pick_language``), or plain."""
    return pick_language(text, language) if isinstance(text, dict) else str(text or "")


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """A computed score. ``status`` is ``scored``, ``not_scored`` (too many
    missing items) or ``not_applicable`` (every item disabled by
    enable-when). ``items_used`` and ``items_missing`` are ids of items, and
    of scores for a score over scores."""

    id: str
    label: Text
    value: Number | None
    status: str
    band: str | None = None
    band_label: Text = field(default_factory=dict)
    items_used: tuple[str, ...] = ()
    items_missing: tuple[str, ...] = ()
    prorated: bool = False


@dataclass(frozen=True, slots=True)
class AnswerInvolved:
    """An answer a flag rests on: the question, the answer as given and the
    number rules read. ``labels`` records the answer written plainly per
    language when it was scored (ISO dates); pages write ``answer`` in the
    reader's locale instead (questionnaires/item_types.py)."""

    item_id: str
    question: Text
    answer: Answer | None
    value: Number | None
    labels: tuple[Text, ...] = ()
    previous: Number | None = None


@dataclass(frozen=True, slots=True)
class ScoreInvolved:
    score_id: str
    label: Text
    value: Number | None
    band: str | None = None
    previous: Number | None = None


@dataclass(frozen=True, slots=True)
class Because:
    answers: tuple[AnswerInvolved, ...] = ()
    scores: tuple[ScoreInvolved, ...] = ()


@dataclass(frozen=True, slots=True)
class Flag:
    """A rule that fired, with its texts and its because-trail."""

    rule_id: str
    colour: str
    safety: bool
    expression: str
    clinician_text: Text
    patient_text: Text
    because: Because


@dataclass(frozen=True, slots=True)
class NotAssessable:
    """A rule left unknown by missing answers, and the items it needed."""

    rule_id: str
    colour: str
    safety: bool
    expression: str
    missing_items: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PatientMessage:
    """Patient-support text: from a fired rule, or the definition's default."""

    text: Text
    rule_id: str | None = None
    safety: bool = False

    def in_language(self, language: str) -> str:
        return pick_language(self.text, language)


@dataclass(frozen=True, slots=True)
class Meaning:
    """What the overall colour means under the definition's intended use."""

    intended_use: str
    colour: str
    action: Text
    note: Text = field(default_factory=dict)
    next_questionnaire_days: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Result:
    """The outcome of one response; see docs/definitions.md § Results."""

    questionnaire: str
    version: str
    engine_version: str
    intended_use: str
    overall: str
    meaning: Meaning
    scores: tuple[ScoreResult, ...]
    flags: tuple[Flag, ...]
    item_colours: Mapping[str, str]
    not_assessable: tuple[NotAssessable, ...]
    patient_messages: tuple[PatientMessage, ...]
    #: Numbers of the answered items, read by change() in the next response.
    item_values: Mapping[str, Number]

    def score(self, score_id: str) -> ScoreResult:
        """The score ``score_id``; KeyError if the definition has none."""
        for score in self.scores:
            if score.id == score_id:
                return score
        raise KeyError(score_id)

    def patient_messages_in(self, language: str) -> list[str]:
        return [message.in_language(language) for message in self.patient_messages]


# --- JSON --------------------------------------------------------------------


def _answer_out(answer: Answer | None) -> Any:
    return list(answer) if isinstance(answer, tuple) else answer


def _answer_in(answer: Any) -> Answer | None:
    return tuple(answer) if isinstance(answer, list) else answer


def result_to_dict(result: Result) -> dict[str, Any]:
    """A JSON-able dict holding everything in ``result``."""
    return {
        "result_format": RESULT_FORMAT,
        "questionnaire": result.questionnaire,
        "version": result.version,
        "engine_version": result.engine_version,
        "intended_use": result.intended_use,
        "overall": result.overall,
        "meaning": {
            "intended_use": result.meaning.intended_use,
            "colour": result.meaning.colour,
            "action": dict(result.meaning.action),
            "note": dict(result.meaning.note),
            "next_questionnaire_days": result.meaning.next_questionnaire_days,
        },
        "scores": [
            {
                "id": s.id,
                "label": dict(s.label),
                "value": s.value,
                "status": s.status,
                "band": s.band,
                "band_label": dict(s.band_label),
                "items_used": list(s.items_used),
                "items_missing": list(s.items_missing),
                "prorated": s.prorated,
            }
            for s in result.scores
        ],
        "flags": [
            {
                "rule_id": f.rule_id,
                "colour": f.colour,
                "safety": f.safety,
                "expression": f.expression,
                "clinician_text": dict(f.clinician_text),
                "patient_text": dict(f.patient_text),
                "because": {
                    "answers": [
                        {
                            "item_id": a.item_id,
                            "question": dict(a.question),
                            "answer": _answer_out(a.answer),
                            "value": a.value,
                            "labels": [dict(label) for label in a.labels],
                            "previous": a.previous,
                        }
                        for a in f.because.answers
                    ],
                    "scores": [
                        {
                            "score_id": s.score_id,
                            "label": dict(s.label),
                            "value": s.value,
                            "band": s.band,
                            "previous": s.previous,
                        }
                        for s in f.because.scores
                    ],
                },
            }
            for f in result.flags
        ],
        "item_colours": dict(result.item_colours),
        "not_assessable": [
            {
                "rule_id": n.rule_id,
                "colour": n.colour,
                "safety": n.safety,
                "expression": n.expression,
                "missing_items": list(n.missing_items),
            }
            for n in result.not_assessable
        ],
        "patient_messages": [
            {"text": dict(m.text), "rule_id": m.rule_id, "safety": m.safety}
            for m in result.patient_messages
        ],
        "item_values": dict(result.item_values),
    }


def result_from_dict(data: Mapping[str, Any]) -> Result:
    """The inverse of :func:`result_to_dict`; ValueError on an unknown layout."""
    if data.get("result_format") != RESULT_FORMAT:
        raise ValueError(f"unknown result_format {data.get('result_format')!r}")
    meaning = data["meaning"]
    return Result(
        questionnaire=data["questionnaire"],
        version=data["version"],
        engine_version=data["engine_version"],
        intended_use=data["intended_use"],
        overall=data["overall"],
        meaning=Meaning(
            intended_use=meaning["intended_use"],
            colour=meaning["colour"],
            action=meaning["action"],
            note=meaning["note"],
            next_questionnaire_days=meaning["next_questionnaire_days"],
        ),
        scores=tuple(
            ScoreResult(
                id=s["id"],
                label=s["label"],
                value=s["value"],
                status=s["status"],
                band=s["band"],
                band_label=s["band_label"],
                items_used=tuple(s["items_used"]),
                items_missing=tuple(s["items_missing"]),
                prorated=s["prorated"],
            )
            for s in data["scores"]
        ),
        flags=tuple(
            Flag(
                rule_id=f["rule_id"],
                colour=f["colour"],
                safety=f["safety"],
                expression=f["expression"],
                clinician_text=f["clinician_text"],
                patient_text=f["patient_text"],
                because=Because(
                    answers=tuple(
                        AnswerInvolved(
                            item_id=a["item_id"],
                            question=a["question"],
                            answer=_answer_in(a["answer"]),
                            value=a["value"],
                            labels=tuple(a["labels"]),
                            previous=a["previous"],
                        )
                        for a in f["because"]["answers"]
                    ),
                    scores=tuple(
                        ScoreInvolved(
                            score_id=s["score_id"],
                            label=s["label"],
                            value=s["value"],
                            band=s["band"],
                            previous=s["previous"],
                        )
                        for s in f["because"]["scores"]
                    ),
                ),
            )
            for f in data["flags"]
        ),
        item_colours=dict(data["item_colours"]),
        not_assessable=tuple(
            NotAssessable(
                rule_id=n["rule_id"],
                colour=n["colour"],
                safety=n["safety"],
                expression=n["expression"],
                missing_items=tuple(n["missing_items"]),
            )
            for n in data["not_assessable"]
        ),
        patient_messages=tuple(
            PatientMessage(text=m["text"], rule_id=m["rule_id"], safety=m["safety"])
            for m in data["patient_messages"]
        ),
        item_values=dict(data["item_values"]),
    )


def result_to_score_json(result: Result) -> dict[str, Any]:
    """The compact summary ``manage.py score`` prints.

    ``because`` maps each answer involved to the raw answer and each score
    involved to its value; ``patient_messages`` are texts per language.
    """
    return {
        "questionnaire": result.questionnaire,
        "version": result.version,
        "overall": result.overall,
        "scores": {s.id: {"value": s.value, "band": s.band} for s in result.scores},
        "flags": [
            {
                "id": f.rule_id,
                "colour": f.colour,
                "because": {
                    **{a.item_id: _answer_out(a.answer) for a in f.because.answers},
                    **{s.score_id: s.value for s in f.because.scores},
                },
            }
            for f in result.flags
        ],
        "patient_messages": [dict(m.text) for m in result.patient_messages],
    }

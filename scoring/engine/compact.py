"""The compact stored form of a result: what the engine decided, no texts.

A :class:`Result` carries the definition's texts (flag texts, questions,
score and band labels, patient messages, the colour's meaning) in every
language. They are the same in every result of a definition version, and a
published version never changes, so the stored form keeps only what the
engine decided — the overall colour, each score's value, status, band and
items, the rules that fired or stayed unknown with the answers and scores
they rest on (and the values last time, for ``change()``), and the item
values the next response compares with — and the texts are read from the
version again when the result is read. ``result_from_compact(data, d)``
rebuilds the very ``Result`` that ``evaluate`` returned under ``d``.

``result_to_stored`` writes the compact form only when it reads back equal
to the result; anything else (a result not of ``d``) is stored in full
(``result_to_dict``). ``result_from_stored`` reads either form. The layout
is ``result_format`` 2 (docs/definitions.md, "Results"):

``scores``
    score id → ``{"value", "status", "band", "used", "missing", "prorated"}``,
    each left out when it is the usual one (status ``scored``; no band; the
    score's items in order used; none missing; not prorated).
``flags``
    in the result's order: ``{"rule", "answers": [[item, answer, previous?]],
    "scores": [[score, previous?]]}`` (``answers``/``scores`` left out when
    empty); an answer's number is the item's value in ``item_values``, a
    score's value and band are the score's.
``not_assessable``
    ``[[rule, [missing items]]]``.
``item_values``
    as in the full form.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from scoring.engine.evaluate import answer_labels, colours_of_items, flag_of, patient_messages
from scoring.engine.model import Definition, Number, Rule, Score
from scoring.engine.results import (
    AnswerInvolved,
    Because,
    Flag,
    NotAssessable,
    Result,
    ScoreInvolved,
    ScoreResult,
    result_from_dict,
    result_to_dict,
)
from scoring.engine.scorers import SCORED
from scoring.engine.semantics import colour_meaning

#: The ``result_format`` of the compact form (the full form is 1).
COMPACT_FORMAT = 2


def _answer_out(answer: Any) -> Any:
    return list(answer) if isinstance(answer, tuple) else answer


def _answer_in(answer: Any) -> Any:
    return tuple(answer) if isinstance(answer, list) else answer


def _members(score: Score) -> list[str]:
    """The ids a score sums, in order: its usual ``items_used``."""
    return [member for term in score.terms for member in term]


def _with_previous(head: list[Any], previous: Number | None) -> list[Any]:
    return head if previous is None else [*head, previous]


def _score_out(score: ScoreResult, known: Score) -> dict[str, Any]:
    out: dict[str, Any] = {"value": score.value}
    if score.status != SCORED:
        out["status"] = score.status
    if score.band is not None:
        out["band"] = score.band
    if list(score.items_used) != _members(known):
        out["used"] = list(score.items_used)
    if score.items_missing:
        out["missing"] = list(score.items_missing)
    if score.prorated:
        out["prorated"] = True
    return out


def _flag_out(flag: Flag) -> dict[str, Any]:
    out: dict[str, Any] = {"rule": flag.rule_id}
    if flag.because.answers:
        out["answers"] = [
            _with_previous([a.item_id, _answer_out(a.answer)], a.previous)
            for a in flag.because.answers
        ]
    if flag.because.scores:
        out["scores"] = [_with_previous([s.score_id], s.previous) for s in flag.because.scores]
    return out


def result_to_compact(result: Result, definition: Definition) -> dict[str, Any]:
    """What the engine decided in ``result``, scored under ``definition``."""
    return {
        "result_format": COMPACT_FORMAT,
        "questionnaire": result.questionnaire,
        "version": result.version,
        "engine_version": result.engine_version,
        "overall": result.overall,
        "scores": {s.id: _score_out(s, definition.score(s.id)) for s in result.scores},
        "flags": [_flag_out(flag) for flag in result.flags],
        "not_assessable": [[n.rule_id, list(n.missing_items)] for n in result.not_assessable],
        "item_values": dict(result.item_values),
    }


def _score_in(data: Mapping[str, Any], score: Score) -> ScoreResult:
    band = next((b for b in score.bands if b.code == data.get("band")), None)
    return ScoreResult(
        id=score.id,
        label=score.label,
        value=data["value"],
        status=data.get("status", SCORED),
        band=data.get("band"),
        band_label={} if band is None else band.label,
        items_used=tuple(data.get("used", _members(score))),
        items_missing=tuple(data.get("missing", ())),
        prorated=data.get("prorated", False),
    )


def _previous(entry: list[Any], at: int) -> Number | None:
    return entry[at] if len(entry) > at else None


def _flag_in(
    data: Mapping[str, Any],
    rules: Mapping[str, Rule],
    scores: Mapping[str, ScoreResult],
    item_values: Mapping[str, Number],
    definition: Definition,
) -> Flag:
    rule = rules[data["rule"]]
    answers = []
    for entry in data.get("answers", ()):
        item = definition.item(entry[0])
        answer = _answer_in(entry[1])
        answers.append(
            AnswerInvolved(
                item_id=item.id,
                question=item.text,
                answer=answer,
                value=item_values.get(item.id),
                labels=answer_labels(item, answer, definition.languages),
                previous=_previous(entry, 2),
            )
        )
    involved = []
    for entry in data.get("scores", ()):
        score = scores[entry[0]]
        involved.append(
            ScoreInvolved(score.id, score.label, score.value, score.band, _previous(entry, 1))
        )
    return flag_of(rule, Because(tuple(answers), tuple(involved)))


def result_from_compact(data: Mapping[str, Any], definition: Definition) -> Result:
    """The result ``data`` records, with its texts from ``definition``, the
    version it was scored under; ValueError for another layout or version."""
    if data.get("result_format") != COMPACT_FORMAT:
        raise ValueError(f"not a compact result: result_format {data.get('result_format')!r}")
    if (data["questionnaire"], data["version"]) != (definition.id, definition.version):
        raise ValueError(
            f"a result of {data['questionnaire']}@{data['version']}"
            f" read with {definition.id}@{definition.version}"
        )
    stored = data["scores"]
    scores = {s.id: _score_in(stored[s.id], s) for s in definition.scores}
    rules = {rule.id: rule for rule in definition.rules}
    item_values = dict(data["item_values"])
    flags = tuple(_flag_in(flag, rules, scores, item_values, definition) for flag in data["flags"])
    overall = data["overall"]
    return Result(
        questionnaire=definition.id,
        version=definition.version,
        engine_version=data["engine_version"],
        intended_use=definition.intended_use,
        overall=overall,
        meaning=colour_meaning(definition.intended_use, overall, definition.green_interval_days),
        scores=tuple(scores.values()),
        flags=flags,
        item_colours=colours_of_items(flags),
        not_assessable=tuple(
            NotAssessable(
                rule_id=rule.id,
                colour=rule.colour,
                safety=rule.safety,
                expression=rule.when,
                missing_items=tuple(missing),
            )
            for rule, missing in ((rules[entry[0]], entry[1]) for entry in data["not_assessable"])
        ),
        patient_messages=patient_messages(definition, flags),
        item_values=item_values,
    )


def result_to_stored(result: Result, definition: Definition) -> dict[str, Any]:
    """The form to store: compact when it reads back as exactly ``result``
    under ``definition``, else the full form."""
    if (result.questionnaire, result.version) == (definition.id, definition.version):
        try:
            compact = result_to_compact(result, definition)
            if result_from_compact(compact, definition) == result:
                return compact
        except KeyError:  # a score, rule or item ``definition`` does not have
            pass
    return result_to_dict(result)


def result_from_stored(data: Mapping[str, Any], definition: Callable[[], Definition]) -> Result:
    """A stored result of either form; ``definition()`` gives the version it
    was scored under, asked for only by the compact form."""
    if data.get("result_format") == COMPACT_FORMAT:
        return result_from_compact(data, definition())
    return result_from_dict(data)

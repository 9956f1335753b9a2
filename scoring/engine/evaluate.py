"""``evaluate``: answers (+ the previous result) → scores, flags and colours.

A pure, deterministic function of its inputs: no clock, no randomness, no
I/O; iteration follows the definition's order everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping

from scoring.engine.answers import aliased, disable, read_answers
from scoring.engine.errors import AnswerError, Problem
from scoring.engine.fhirpath_score import ENABLE_FAILED
from scoring.engine.item_types import (
    CODE_TYPES,
    PLAIN,
    SET_TYPES,
    answer_text,
    option_labels,
)
from scoring.engine.model import Answer, Definition, Item, Number, PatientContext, Rule, Text
from scoring.engine.plan import CompiledRule, Step
from scoring.engine.results import (
    SEVERITY,
    AnswerInvolved,
    Because,
    Flag,
    NotAssessable,
    PatientMessage,
    Result,
    ScoreInvolved,
    ScoreResult,
)
from scoring.engine.rules.compiler import unknowns, witnesses
from scoring.engine.rules.values import Env
from scoring.engine.scorers import Scorer, expand_missing
from scoring.engine.semantics import NOT_ASSESSABLE, colour_meaning
from scoring.engine.version import ENGINE_VERSION


def settle(
    steps: tuple[Step, ...], env: Env, given: dict[str, Answer], done: dict[str, ScoreResult]
) -> None:
    """Run enable-when tests and scorers in dependency order: an item is
    asked only when its enable-when is true (its answer is discarded
    otherwise); each score is computed into ``done`` and ``env``."""
    for step in steps:
        if isinstance(step, Scorer):
            done[step.score.id] = step(env, done)
        elif step[1](env) is not True:
            disable(step[0], env, given)


def load_answers(
    definition: Definition,
    answers: Mapping[str, object],
    *,
    previous: Mapping[str, Number] | None = None,
    scoring: bool = True,
    patient: PatientContext | None = None,
) -> tuple[Env, dict[str, Answer], dict[str, ScoreResult]]:
    """Read the answers and settle what is asked; with ``scoring``, every score.
    ``patient`` is ``%patient`` of an imported questionnaire's FHIRPath."""
    plan = definition.plan
    env, given, problems = read_answers(
        plan.items, plan.options, answers, "answers", definition.source
    )
    if problems:
        raise AnswerError(problems)
    if previous is not None:
        env.prev = previous
    if patient is not None:
        env.patient = patient.resource()
    done: dict[str, ScoreResult] = {}
    settle(plan.steps if scoring else plan.steps[: plan.asking], env, given, done)
    return env, given, done


def answers_by_id(definition: Definition, answers: Mapping[str, object]) -> dict[str, object]:
    """``answers`` with every key that is an item's linkId alias replaced by
    the item's id (an imported questionnaire's ``32406-1`` → ``q_32406_1``),
    so that answers keyed by a FHIR Questionnaire's own linkIds score.
    Raises AnswerError when an item is given both ways."""
    renamed, problems = aliased(definition.plan.aliases, answers, "answers", definition.source)
    if problems:
        raise AnswerError(problems)
    return dict(renamed)


def validate_answers(definition: Definition, answers: Mapping[str, object]) -> list[Problem]:
    """Problems with ``answers`` (unknown item, wrong type, code not an
    option, number or date out of bounds); empty when they are valid."""
    plan = definition.plan
    return read_answers(plan.items, plan.options, answers, "answers", definition.source)[2]


def enabled_items(
    definition: Definition,
    answers: Mapping[str, object],
    patient: PatientContext | None = None,
) -> frozenset[str]:
    """The ids of the items that are asked given ``answers`` (enable-when;
    an imported enableWhenExpression may read ``patient``).

    The answering flow asks only these; answers to the others are discarded.
    Raises AnswerError if the answers are invalid.
    """
    env = load_answers(definition, answers, scoring=False, patient=patient)[0]
    return frozenset(item.id for item in definition.plan.item_order if item.id not in env.na)


def enable_failures(
    definition: Definition,
    answers: Mapping[str, object],
    patient: PatientContext | None = None,
) -> frozenset[str]:
    """The ids of the items whose SDC enableWhenExpression fhirpathpy could
    not evaluate on ``answers`` (not asked, as an SDC form filler would not
    enable them): the importer tries complete answers and names them.
    Raises AnswerError if the answers are invalid."""
    env = load_answers(definition, answers, scoring=False, patient=patient)[0]
    return frozenset(env.cache.get(ENABLE_FAILED, ()))


def previous_values(previous: Result | None) -> dict[str, Number]:
    """The values change() compares with: the earlier result's scores and items."""
    if previous is None:
        return {}
    values = {s.id: s.value for s in previous.scores if s.value is not None}
    values.update(previous.item_values)
    return values


def evaluate(
    definition: Definition,
    answers: Mapping[str, object],
    previous: Result | None = None,
    patient: PatientContext | None = None,
) -> Result:
    """Score ``answers`` and run the definition's rules.

    ``previous`` is the result of the same patient's previous response to the
    same questionnaire id (any version), or None for a first response.
    ``patient`` (sex and birth date only) is the SDC launch context
    ``%patient`` an imported questionnaire's FHIRPath reads; without it
    ``%patient`` is empty, as in a form filler launched without a patient.
    Raises AnswerError if the answers do not fit the definition.
    """
    env, given, done = load_answers(
        definition, answers, previous=previous_values(previous), patient=patient
    )
    return run(definition, env, given, done)


def run(
    definition: Definition,
    env: Env,
    given: Mapping[str, Answer],
    done: Mapping[str, ScoreResult],
) -> Result:
    """Evaluate settled answers and scores: rules, then the summary."""
    plan = definition.plan
    item_values = {name: value for name, value in env.num.items() if name in plan.items}
    fired: list[CompiledRule] = []
    unknown: list[CompiledRule] = []
    for compiled in plan.rules:
        outcome = compiled.condition.fn(env)
        if outcome is True:
            fired.append(compiled)
        elif outcome is None:
            unknown.append(compiled)
    fired.sort(key=lambda c: SEVERITY[c.rule.colour])  # stable: definition order within a colour
    flags = tuple(_flag(definition, c, env, given, done) for c in fired)
    not_assessable = tuple(_not_assessable(c, env, done) for c in unknown)
    overall = _overall(flags, not_assessable)
    return Result(
        questionnaire=definition.id,
        version=definition.version,
        engine_version=ENGINE_VERSION,
        intended_use=definition.intended_use,
        overall=overall,
        meaning=colour_meaning(definition.intended_use, overall, definition.green_interval_days),
        scores=tuple(done[score.id] for score in definition.scores),
        flags=flags,
        item_colours=colours_of_items(flags),
        not_assessable=not_assessable,
        patient_messages=patient_messages(definition, flags),
        item_values=item_values,
    )


def colours_of_items(flags: tuple[Flag, ...]) -> dict[str, str]:
    """Each answer's colour: that of the most severe flag resting on it."""
    colours: dict[str, str] = {}
    for flag in flags:  # most severe first, so the first colour set is the item's colour
        for answer in flag.because.answers:
            colours.setdefault(answer.item_id, flag.colour)
    return colours


def _overall(flags: tuple[Flag, ...], not_assessable: tuple[NotAssessable, ...]) -> str:
    """Red > yellow > green; not_assessable only when nothing red or yellow fired."""
    if flags and flags[0].colour != "green":
        return flags[0].colour
    return NOT_ASSESSABLE if not_assessable else "green"


def answer_labels(
    item: Item, answer: Answer | None, languages: tuple[str, ...]
) -> tuple[Text, ...]:
    """The answer as the engine records it in a flag's trail: one Text per
    chosen option, or the answer written plainly per language (ISO dates).
    Pages show answers with the reader's formats (questionnaires/item_types.py)."""
    if answer is None:
        return ()
    if item.type in CODE_TYPES or item.type in SET_TYPES:
        assert isinstance(answer, str | tuple)  # checked by read_answers
        return option_labels(item, answer)
    return ({lang: answer_text(item, answer, lang, formats=PLAIN) for lang in languages},)


def _flag(
    definition: Definition,
    compiled: CompiledRule,
    env: Env,
    given: Mapping[str, Answer],
    done: Mapping[str, ScoreResult],
) -> Flag:
    plan = definition.plan
    names: dict[str, None] = {}
    witnesses(compiled.condition, env, names)
    answers: list[AnswerInvolved] = []
    scores: list[ScoreInvolved] = []
    for name in names:
        previous = env.prev.get(name) if name in compiled.changed else None
        score = done.get(name)
        if score is not None:
            scores.append(ScoreInvolved(name, score.label, score.value, score.band, previous))
            continue
        item = plan.items[name]
        answer = given.get(name)
        answers.append(
            AnswerInvolved(
                item_id=name,
                question=item.text,
                answer=answer,
                value=env.num.get(name),
                labels=answer_labels(item, answer, definition.languages),
                previous=previous,
            )
        )
    return flag_of(compiled.rule, Because(tuple(answers), tuple(scores)))


def flag_of(rule: Rule, because: Because) -> Flag:
    """The flag a fired ``rule`` raises, its texts from the rule (also when a
    compact stored result is read back, scoring/engine/compact.py)."""
    return Flag(
        rule_id=rule.id,
        colour=rule.colour,
        safety=rule.safety,
        expression=rule.when,
        clinician_text=rule.clinician_text,
        patient_text=rule.patient_text,
        because=because,
    )


def _not_assessable(
    compiled: CompiledRule, env: Env, done: Mapping[str, ScoreResult]
) -> NotAssessable:
    names: dict[str, None] = {}
    unknowns(compiled.condition, env, names)
    rule = compiled.rule
    return NotAssessable(
        rule_id=rule.id,
        colour=rule.colour,
        safety=rule.safety,
        expression=rule.when,
        missing_items=expand_missing(list(names), done),
    )


def patient_messages(definition: Definition, flags: tuple[Flag, ...]) -> tuple[PatientMessage, ...]:
    """Safety texts first, then by colour; the default when no rule speaks."""
    messages = [
        PatientMessage(flag.patient_text, flag.rule_id, flag.safety)
        for flag in sorted(flags, key=lambda f: not f.safety)
        if flag.patient_text
    ]
    if not messages and definition.patient_support:
        messages.append(PatientMessage(definition.patient_support))
    return tuple(messages)

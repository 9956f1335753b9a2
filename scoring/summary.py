"""The clinician summary as plain data: one builder for the page and the PDF.

Layer one of three (context → template → render): everything the clinician
reads is decided here and tested here; templates only lay it out.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from questionnaires.answering import safety_flags_saved
from questionnaires.item_types import answer_text, day_text, number_text
from questionnaires.models import Response, ScoringResult, UnsentSafetyNotice
from scoring import presentation
from scoring.charts import dates_text, display_range, sparkline_svg, trend_svg
from scoring.engine import (
    Definition,
    Flag,
    PatientContext,
    Result,
    Score,
    ScoreResult,
    enabled_items,
    pick_text,
)
from scoring.engine.item_types import item_type
from scoring.engine.model import Number

SEVERITY = {"red": 0, "yellow": 1, "green": 2}
TREND_POINTS = 12
# A section with this id holds the patient's own agenda ("what I most want to
# talk about at this visit"); its text answers open the summary.
AGENDA_SECTION = "agenda"

LABEL_OWN_ALGORITHM = gettext_noop("PRO Portal's own algorithm, not a national standard.")
LABEL_IMPORTED = gettext_noop(
    "Imported questionnaire (FHIR), not a national standard and not PRO Portal's own algorithm."
)
NOT_A_DEVICE = gettext_noop(
    "Not a CE-marked medical device: the colours support the clinician's judgement."
)
AWAITING_REVIEW = gettext_noop("Awaiting clinical review.")
DEMO_REVIEW = gettext_noop(
    "The demo data recorded a review by %(name)s on %(date)s: a demo review, not a clinical one."
)
REVIEWED = gettext_noop("Clinically reviewed by %(name)s on %(date)s.")
REUSED_SCORE = gettext_noop("%(score)s from the patient's answers of %(date)s (reused)")
REUSED_ANSWER = gettext_noop("from the patient's answers of %(date)s (reused)")
SAFETY_UNANSWERED_MEANING = gettext_noop(
    "A safety question was not answered: ask it directly, as you would act on a red answer."
)


@dataclass(frozen=True)
class AnswerShown:
    item_id: str
    question: str
    answer: str
    value: float | int | None = None


@dataclass(frozen=True)
class ScoreShown:
    """A score a flag rests on, as the clinician reads it: the value in the
    reader's locale and its band in words (never the band's code)."""

    label: str
    value: str
    band: str
    previous: str = ""  # the value last time, for a rule on the change


@dataclass(frozen=True)
class FlagShown:
    """What a flag means, and the answers and scores it rests on, in the
    reader's language; the formal rule, its id and its source (the team's
    English text) are kept for the disclosure under it."""

    rule_id: str
    colour: str
    safety: bool
    text: str
    rule: str
    source: str
    answers: tuple[AnswerShown, ...]
    scores: tuple[ScoreShown, ...]


@dataclass(frozen=True)
class NotAssessableShown:
    """A rule left unknown: which questions (or scores) were not answered."""

    rule_id: str
    colour: str
    safety: bool
    rule: str
    missing: tuple[str, ...]

    def __str__(self) -> str:
        # What the PDF joins into its one "not assessable" line.
        return "; ".join(self.missing)


@dataclass(frozen=True)
class BriefLine:
    heading: str
    answer: str


@dataclass(frozen=True)
class ChangeShown:
    """A score beside its value last time."""

    label: str
    value: str
    previous: str
    change: str
    band: str


@dataclass(frozen=True)
class Measurement:
    label: str
    value: str
    previous: str  # last time's value, "" when there was none


@dataclass(frozen=True)
class WaitingRoom:
    """The waiting-room measurements of the visit's day (the basic-data
    questionnaire), with the values of the time before."""

    day: dt.date
    measurements: tuple[Measurement, ...]
    previous_day: dt.date | None


@dataclass(frozen=True)
class ScoreLine:
    id: str
    label: str
    value: float | int | None
    band: str
    status: str
    prorated: bool
    missing: int
    change: float | int | None
    trend: TrendShown | None = None  # when the definition trends this score
    value_text: str = ""  # the value in the reader's locale
    change_text: str = ""  # the change with its sign, in the reader's locale
    previous_text: str = ""  # the value last time
    # "WHO-5 … from the patient's answers of <date> (reused)": the score rests on
    # answers reused from an earlier response (questionnaires.answering).
    reused: str = ""
    #: A gated score not asked, in words ("not asked: GAD-2 = 2 (< 3)"), else "".
    not_asked: str = ""


@dataclass(frozen=True)
class TrendShown:
    score_id: str
    label: str
    points: tuple[tuple[dt.date, float | int], ...]
    svg: str  # the web page's chart
    sparkline: str  # the PDF's, in the scores table
    scale: str  # the range both are drawn on, "10–45" (charts.display_range)
    dates: str  # the first and last date, "9. august 2026 – 7. december 2026"


@dataclass(frozen=True)
class AnswerLine:
    item_id: str
    question: str
    answer: str
    colour: str | None
    reused: str = ""  # "from the patient's answers of <date> (reused)"


@dataclass(frozen=True)
class SectionShown:
    title: str
    lines: tuple[AnswerLine, ...]


@dataclass(frozen=True)
class Summary:
    response_id: str
    language: str
    clinic: str
    patient_name: str
    patient_cpr: str
    patient_age: int  # whole years on the day the patient answered
    patient_sex: str  # in the reader's language
    questionnaire_title: str
    questionnaire_ref: str
    definition_version: str
    engine_version: str
    label: str
    review_status: str
    review_demo: str  # "" unless the demo data recorded a review
    not_a_device: str
    submitted_at: dt.datetime | None
    consultation_starts_at: dt.datetime | None  # the consultation the answers are for
    channel: str  # where the patient answered, in words
    scored_at: dt.datetime
    generated_at: dt.datetime
    overall: str
    overall_meaning: str
    agenda: tuple[str, ...] | None  # None: the questionnaire asks for no agenda
    flags: tuple[FlagShown, ...]
    not_assessable: tuple[NotAssessableShown, ...]
    scores: tuple[ScoreLine, ...]
    trends: tuple[TrendShown, ...]
    sections: tuple[SectionShown, ...]
    reviewed: str | None
    brief: tuple[BriefLine, ...] = ()
    changes: tuple[ChangeShown, ...] = ()
    previous_at: dt.datetime | None = None  # when the patient answered last time
    waiting_room: WaitingRoom | None = None
    # What the page shows beside the stored colours (scoring.presentation):
    # the overall state, safety rules left unknown ("unanswered — ask
    # directly", shown with red) and every other unknown (incomplete, quieter).
    shown: str = ""
    shown_meaning: str = ""  # what an unanswered safety question asks of the reader
    unanswered: tuple[NotAssessableShown, ...] = ()
    incomplete: tuple[NotAssessableShown, ...] = ()

    @property
    def red_and_yellow(self) -> tuple[FlagShown, ...]:
        return tuple(f for f in self.flags if f.colour in ("red", "yellow"))

    @property
    def red_flags(self) -> tuple[FlagShown, ...]:
        return tuple(f for f in self.flags if f.colour == "red")

    @property
    def yellow_flags(self) -> tuple[FlagShown, ...]:
        return tuple(f for f in self.flags if f.colour == "yellow")

    @property
    def overall_also(self) -> str:
        """The stored colour, when the state shown outranks it (yellow with a
        safety question unanswered): the reader sees both."""
        return self.overall if self.shown == presentation.SAFETY_UNANSWERED else ""

    @property
    def first_time(self) -> bool:
        """No earlier response to this questionnaire to compare with: the
        scores' change column would be "–" all down, so it is left out."""
        return self.previous_at is None


def _date(day: dt.date | dt.datetime, language: str) -> str:
    """A date in the reader's words: "4. december 2026", "Dec. 4, 2026"."""
    return day_text(timezone.localdate(day) if isinstance(day, dt.datetime) else day, language)


def _number(value: Number | None, language: str, decimals: int | None = None) -> str:
    """A score in the reader's locale with its definition's decimals ("26,0")."""
    if value is None:
        return "–"
    if decimals:
        with translation.override(language):
            return formats.number_format(value, decimal_pos=decimals, use_l10n=True)
    return number_text(value, language, decimals)


def _signed(value: Number, language: str, decimals: int | None = None) -> str:
    """A change with its sign, in the reader's locale: +3, −2,5, 0."""
    if value == 0:
        return "0"
    return ("+" if value > 0 else "−") + number_text(abs(value), language, decimals)


def _reviewer(user: object) -> str:
    return str(getattr(user, "get_full_name", lambda: "")() or getattr(user, "username", ""))


def _review_status(response: Response, language: str) -> tuple[str, str]:
    """One review status for the banner and the footer, and the demo's note.

    The truth wins: a review the demo data recorded is labelled as such and
    the version still awaits clinical review (as the library says it does).
    """
    version = response.questionnaire_version
    if version.clinical_reviewer is None or version.reviewed_on is None:
        return _(AWAITING_REVIEW), ""
    who = {
        "name": _reviewer(version.clinical_reviewer),
        "date": _date(version.reviewed_on, language),
    }
    if version.review_by_demo:
        return _(AWAITING_REVIEW), _(DEMO_REVIEW) % who
    return _(REVIEWED) % who, ""


def _band_label(score: Score | None, code: str | None, language: str) -> str:
    """A band in words from the definition (its ``bands[].label``), never its code."""
    if score is None or not code:
        return ""
    band = next((b for b in score.bands if b.code == code), None)
    return pick_text(band.label, language) if band is not None and band.label else ""


def _score_of(definition: Definition, score_id: str) -> Score | None:
    return next((s for s in definition.scores if s.id == score_id), None)


def _flags(
    result_flags: Iterable[Flag], definition: Definition, language: str
) -> tuple[FlagShown, ...]:
    # A flag's answers are written from the answer itself, as on every other
    # page, not from the labels the engine recorded when it scored (those
    # have plain ISO dates).
    sources = {rule.id: rule.source for rule in definition.rules}
    flags = []
    for flag in result_flags:
        scores = []
        for s in flag.because.scores:
            score = _score_of(definition, s.score_id)
            decimals = score.decimals if score is not None else None
            scores.append(
                ScoreShown(
                    label=pick_text(s.label, language),
                    value=_number(s.value, language, decimals),
                    band=_band_label(score, s.band, language),
                    previous=(
                        "" if s.previous is None else _number(s.previous, language, decimals)
                    ),
                )
            )
        flags.append(
            FlagShown(
                rule_id=flag.rule_id,
                colour=flag.colour,
                safety=flag.safety,
                text=pick_text(flag.clinician_text, language),
                rule=flag.expression,
                source=sources.get(flag.rule_id, ""),
                answers=tuple(
                    AnswerShown(
                        item_id=a.item_id,
                        question=pick_text(a.question, language),
                        answer=answer_text(definition.item(a.item_id), a.answer, language),
                        value=a.value,
                    )
                    for a in flag.because.answers
                ),
                scores=tuple(scores),
            )
        )
    flags.sort(key=lambda f: (SEVERITY.get(f.colour, 3), not f.safety))
    return tuple(flags)


def _not_assessable(
    result: Result, definition: Definition, language: str
) -> tuple[NotAssessableShown, ...]:
    """Rules the answers could not decide, named by the questions left empty."""

    def named(ident: str) -> str:
        if ident in definition.plan.items:
            return pick_text(definition.item(ident).text, language)
        score = _score_of(definition, ident)
        return pick_text(score.label, language) if score is not None else ident

    # A safety rule as the version scored under says (the engine copied the
    # same flag into the stored entry, which is the fallback).
    safety = {rule.id: rule.safety for rule in definition.rules}
    shown = [
        NotAssessableShown(
            rule_id=na.rule_id,
            colour=na.colour,
            safety=safety.get(na.rule_id, na.safety),
            rule=na.expression,
            missing=tuple(named(ident) for ident in na.missing_items),
        )
        for na in result.not_assessable
    ]
    shown.sort(key=lambda n: (SEVERITY.get(n.colour, 3), not n.safety))
    return tuple(shown)


def _unanswered(not_assessable: tuple[NotAssessableShown, ...]) -> tuple[NotAssessableShown, ...]:
    """One block per question left unanswered: two safety rules on the same
    question (item 9 > 0, and item 9 >= 2 for same-day contact) are one "ask
    directly"; the appendix and the rule disclosures keep every rule."""
    return tuple({na.missing: na for na in reversed(not_assessable) if na.safety}.values())[::-1]


def _history(response: Response) -> list[tuple[Response, Result]]:
    """The patient's submitted responses to the same questionnaire id, oldest
    first, up to and including this one (trends never look ahead)."""
    rows = (
        ScoringResult.objects.filter(
            kind=ScoringResult.Kind.ORIGINAL,
            response__patient_id=response.patient_id,
            questionnaire_id=response.questionnaire_version.questionnaire_id,
            response__submitted_at__lte=response.submitted_at,
        )
        .select_related("response__questionnaire_version")
        .defer("response__questionnaire_version__content")
        .order_by("-response__submitted_at")[:TREND_POINTS]
    )
    return [(row.response, row.engine_result) for row in reversed(rows)]


def _trends(
    history: list[tuple[Response, Result]], definition: Definition, language: str
) -> tuple[TrendShown, ...]:
    trends = []
    for score_id in definition.trended_scores:
        score = definition.score(score_id)
        points = []
        for past, result in history:
            value = next((s.value for s in result.scores if s.id == score_id), None)
            if value is not None and past.submitted_at is not None:
                points.append((timezone.localdate(past.submitted_at), value))
        label = pick_text(score.label, language)
        low, high = display_range([v for _, v in points], extremes=score.range, bands=score.bands)
        trends.append(
            TrendShown(
                score_id=score_id,
                label=label,
                points=tuple(points),
                svg=trend_svg(
                    points,
                    label=label,
                    language=language,
                    value_range=score.range,
                    bands=score.bands,
                ),
                sparkline=sparkline_svg(
                    points,
                    label=label,
                    language=language,
                    value_range=score.range,
                    bands=score.bands,
                ),
                scale=f"{number_text(low, language)}–{number_text(high, language)}",
                dates=dates_text(points, language),
            )
        )
    return tuple(trends)


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


def _score_items(
    definition: Definition, score_id: str, seen: frozenset[str] = frozenset()
) -> set[str]:
    """The items a score is computed from, scores it reads expanded."""
    plan = definition.plan
    score = plan.scores.get(score_id)
    if score is None or score_id in seen:
        return set()
    names = {name for term in score.terms for name in term}
    names |= set(_NAME.findall(score.expression or ""))
    items = {name for name in names if name in plan.items}
    for name in names - items:
        items |= _score_items(definition, name, seen | {score_id})
    return items


def _reused_score(
    definition: Definition,
    score_id: str,
    label: str,
    reused: Mapping[str, dt.datetime],
    language: str,
) -> str:
    """Beside a score resting on reused answers: whose answers, of which day."""
    days = [reused[i] for i in _score_items(definition, score_id) if i in reused]
    if not days:
        return ""
    # "WHO-5 well-being score (0–100)" → "WHO-5 well-being score": the range
    # is in the table already.
    short = re.sub(r"\s*\([^)]*\)$", "", label) or label
    return _(REUSED_SCORE) % {"score": short, "date": _date(min(days), language)}


def _scores(
    result: Result,
    previous: Result | None,
    trends: tuple[TrendShown, ...],
    definition: Definition,
    language: str,
    reused: Mapping[str, dt.datetime] | None = None,
) -> tuple[ScoreLine, ...]:
    before = {s.id: s.value for s in previous.scores} if previous else {}
    trend_of = {trend.score_id: trend for trend in trends}
    results = {s.id: s for s in result.scores}
    lines = []
    for score in result.scores:
        label = pick_text(score.label, language)
        old = before.get(score.id)
        known = _score_of(definition, score.id)
        decimals = known.decimals if known is not None else None
        change = None
        if score.value is not None and old is not None:
            change = round(score.value - old, 2)
        lines.append(
            ScoreLine(
                id=score.id,
                label=label,
                value=score.value,
                band=_score_band(score, known, language),
                status=score.status,
                prorated=score.prorated,
                missing=len(score.items_missing),
                change=change,
                trend=trend_of.get(score.id),
                value_text=_number(score.value, language, decimals),
                change_text="" if change is None else _signed(change, language, decimals),
                previous_text="" if old is None else _number(old, language, decimals),
                reused=(
                    _reused_score(definition, score.id, label, reused, language) if reused else ""
                ),
                not_asked=_not_asked(score, known, results, definition, language),
            )
        )
    return tuple(lines)


def _not_asked(
    score: ScoreResult,
    known: Score | None,
    results: dict[str, ScoreResult],
    definition: Definition,
    language: str,
) -> str:
    """Why a gated score was not asked, in words: "not asked: GAD-2 = 2 (< 3)"
    — never a number, so a GAD-7 total is never a GAD-2 sum in disguise. Empty
    for every other score (docs/definitions.md, "Scores")."""
    if known is None or known.enable_when is None or score.status != "not_applicable":
        return ""
    reasons = []
    for condition in known.enable_when.conditions:
        if condition.on_score:
            gate = results.get(condition.item)
            gate_known = _score_of(definition, condition.item)
            label = pick_text(gate.label, language) if gate else condition.item
            if gate is None or gate.value is None:
                reasons.append(_("%(score)s not asked") % {"score": label})
                continue
            decimals = gate_known.decimals if gate_known is not None else None
            threshold = condition.value
            assert not isinstance(threshold, str)  # a score is compared with a number
            reasons.append(
                f"{label} = {_number(gate.value, language, decimals)}"
                f" ({presentation.NOT_OP[condition.op]} {_number(threshold, language)})"
            )
        else:
            item = definition.item(condition.item)
            reasons.append(pick_text(item.text, language))
    return _("not asked: %(reasons)s") % {"reasons": "; ".join(reasons)}


def _score_band(score: ScoreResult, known: Score | None, language: str) -> str:
    """The band in words: as recorded when scored, else from the definition."""
    if score.band_label:
        return pick_text(score.band_label, language)
    return _band_label(known, score.band, language)


def _changes(scores: tuple[ScoreLine, ...]) -> tuple[ChangeShown, ...]:
    return tuple(
        ChangeShown(
            label=line.label,
            value=line.value_text,
            previous=line.previous_text,
            change=line.change_text,
            band=line.band,
        )
        for line in scores
        if line.change is not None
    )


def _sections(
    definition: Definition,
    answers: dict[str, object],
    result: Result,
    language: str,
    reused: Mapping[str, dt.datetime] | None = None,
    patient: PatientContext | None = None,
) -> tuple[SectionShown, ...]:
    asked = enabled_items(definition, answers, patient)
    # A safety question left unanswered is marked in the answers too.
    unanswered = {
        item_id for na in result.not_assessable if na.safety for item_id in na.missing_items
    }
    sections = []
    for section in definition.sections:
        lines = []
        for item in section.items:
            # Display texts and questions enable-when skipped were never answered.
            if item.type == "display" or item.id not in asked:
                continue
            lines.append(
                AnswerLine(
                    item_id=item.id,
                    question=pick_text(item.text, language),
                    answer=answer_text(item, answers.get(item.id), language),
                    colour=result.item_colours.get(item.id)
                    or (presentation.SAFETY_UNANSWERED if item.id in unanswered else None),
                    reused=(
                        _(REUSED_ANSWER) % {"date": _date(reused[item.id], language)}
                        if reused and item.id in reused
                        else ""
                    ),
                )
            )
        if lines:
            sections.append(SectionShown(pick_text(section.title, language), tuple(lines)))
    return tuple(sections)


def _agenda(definition: Definition, answers: dict[str, object]) -> tuple[str, ...] | None:
    agenda = next((s for s in definition.sections if s.id == AGENDA_SECTION), None)
    if agenda is None:
        return None
    return tuple(
        str(answers[item.id]).strip()
        for item in agenda.items
        if item_type(item).answer == "text" and str(answers.get(item.id) or "").strip()
    )


def _brief(
    definition: Definition,
    answers: dict[str, object],
    language: str,
    patient: PatientContext | None = None,
) -> tuple[BriefLine, ...]:
    """The answers the definition puts first ("the patient in brief")."""
    ids = definition.brief or presentation.BRIEF_BEFORE_THE_KEY.get(definition.id, ())
    asked = enabled_items(definition, answers, patient)
    lines = []
    for item_id in ids:
        if item_id not in definition.plan.items or item_id not in asked:
            continue
        text = answer_text(definition.item(item_id), answers.get(item_id), language).strip()
        if not text:
            continue
        heading = presentation.BRIEF_HEADINGS.get(item_id)
        lines.append(
            BriefLine(
                heading=str(heading)
                if heading
                else pick_text(definition.item(item_id).text, language),
                answer=text,
            )
        )
    return tuple(lines)


def _visit_day(response: Response) -> dt.date:
    invitation = response.invitation
    consultation = invitation.consultation if invitation is not None else None
    if consultation is not None:
        return timezone.localdate(consultation.starts_at)
    return timezone.localdate(response.submitted_at or timezone.now())


def _measurements_of(stored: ScoringResult, language: str) -> dict[str, str]:
    definition = stored.response.questionnaire_version.definition
    answers = stored.response.answers_dict()
    out: dict[str, str] = {}
    sys_id, dia_id = presentation.WAITING_ROOM_BLOOD_PRESSURE
    if isinstance(answers.get(sys_id), int | float) and isinstance(
        answers.get(dia_id), int | float
    ):
        unit = pick_text(definition.item(sys_id).unit, language)
        out["bp"] = (
            f"{_number(answers[sys_id], language)}/{_number(answers[dia_id], language)} {unit}"
        ).strip()
    bmi = next(
        (s for s in stored.engine_result.scores if s.id == presentation.WAITING_ROOM_BMI), None
    )
    if bmi is not None and bmi.value is not None:
        known = _score_of(definition, bmi.id)
        value = _number(bmi.value, language, known.decimals if known else None)
        band = _score_band(bmi, known, language)
        out["bmi"] = f"{value} – {band}" if band else value
    weight = answers.get(presentation.WAITING_ROOM_WEIGHT)
    if isinstance(weight, int | float):
        out["weight"] = answer_text(
            definition.item(presentation.WAITING_ROOM_WEIGHT), weight, language
        )
    return out


def _waiting_room(response: Response, language: str) -> WaitingRoom | None:
    """The basic-data answers the patient gave on the visit's day (in the
    waiting room), beside those of the time before."""
    if response.questionnaire_version.questionnaire_id == presentation.WAITING_ROOM_QUESTIONNAIRE:
        return None  # this summary is those answers
    day = _visit_day(response)
    rows = list(
        ScoringResult.objects.filter(
            kind=ScoringResult.Kind.ORIGINAL,
            response__patient_id=response.patient_id,
            questionnaire_id=presentation.WAITING_ROOM_QUESTIONNAIRE,
            response__submitted_at__date__lte=day,
        )
        .select_related("response__questionnaire_version")
        .defer("response__questionnaire_version__content")
        .order_by("-response__submitted_at")[:2]
    )
    if not rows or rows[0].response.submitted_at is None:
        return None
    if timezone.localdate(rows[0].response.submitted_at) != day:
        return None
    today = _measurements_of(rows[0], language)
    before = _measurements_of(rows[1], language) if len(rows) > 1 else {}
    labels = {
        "bp": _("Blood pressure"),
        "bmi": _("BMI (kg/m²)"),
        "weight": _("Weight"),
    }
    measurements = tuple(
        Measurement(label=labels[key], value=today[key], previous=before.get(key, ""))
        for key in ("bp", "bmi", "weight")
        if key in today
    )
    if not measurements:
        return None
    previous_at = rows[1].response.submitted_at if len(rows) > 1 else None
    return WaitingRoom(
        day=day,
        measurements=measurements,
        previous_day=timezone.localdate(previous_at) if previous_at else None,
    )


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def summary_build(*, response: Response, stored: ScoringResult, language: str) -> Summary:
    """Everything the summary page and PDF show for one response."""
    definition = response.questionnaire_version.definition
    result = stored.engine_result
    answers = response.answers_dict()
    # Answers reused from an earlier response, by the day the patient gave them.
    reused = {item_id: origin.submitted_at for item_id, origin in response.reused_from().items()}
    history = _history(response)
    previous = history[-2][1] if len(history) >= 2 else None
    trends = _trends(history, definition, language)
    scores = _scores(result, previous, trends, definition, language, reused)
    review = getattr(response, "review", None)
    patient = response.patient
    review_status, review_demo = _review_status(response, language)
    context = response.patient_context()  # as at submit: the questions asked are the same
    not_assessable = _not_assessable(result, definition, language)
    unanswered = _unanswered(not_assessable)
    shown = presentation.shown_state(result.overall, safety_unanswered=bool(unanswered)) or ""
    with translation.override(language):
        sex = str(patient.get_sex_display())
    return Summary(
        response_id=str(response.public_id),
        language=language,
        clinic=response.organisation.name,
        patient_name=patient.name,
        patient_cpr=patient.cpr_formatted,
        patient_age=_age(
            patient.birth_date, timezone.localdate(response.submitted_at or timezone.now())
        ),
        patient_sex=sex,
        questionnaire_title=pick_text(definition.title, language),
        questionnaire_ref=response.questionnaire_version.ref,
        definition_version=stored.definition_version,
        engine_version=stored.engine_version,
        label=_(
            LABEL_IMPORTED if definition.provenance.kind == "imported" else LABEL_OWN_ALGORITHM
        ),
        review_status=review_status,
        review_demo=review_demo,
        not_a_device=_(NOT_A_DEVICE),
        submitted_at=response.submitted_at,
        consultation_starts_at=response.consultation.starts_at if response.consultation else None,
        channel=str(response.get_channel_display()),
        scored_at=stored.scored_at,
        generated_at=timezone.now(),
        overall=result.overall,
        overall_meaning=pick_text(result.meaning.action, language),
        agenda=_agenda(definition, answers),
        flags=_flags(result.flags, definition, language),
        not_assessable=not_assessable,
        scores=scores,
        trends=trends,
        sections=_sections(definition, answers, result, language, reused, context),
        reviewed=(
            _("Reviewed by %(name)s, %(when)s")
            % {
                "name": _reviewer(review.reviewed_by),
                "when": _date(review.reviewed_at, language)
                + " "
                + timezone.localtime(review.reviewed_at).strftime("%H:%M"),
            }
            if review
            else None
        ),
        brief=_brief(definition, answers, language, context),
        changes=_changes(scores),
        previous_at=history[-2][0].submitted_at if len(history) >= 2 else None,
        waiting_room=_waiting_room(response, language),
        shown=shown,
        shown_meaning=(
            _(SAFETY_UNANSWERED_MEANING) if shown == presentation.SAFETY_UNANSWERED else ""
        ),
        unanswered=unanswered,
        incomplete=tuple(na for na in not_assessable if not na.safety),
    )


@dataclass(frozen=True)
class UnsentSummary:
    """A safety answer saved but not sent (questionnaires.unsent), as the
    clinician who must contact the patient reads it."""

    notice_id: str
    patient_id: str
    patient_name: str
    patient_cpr: str
    patient_mobile: str
    patient_email: str
    questionnaire_title: str
    channel: str
    last_saved_at: dt.datetime
    raised_at: dt.datetime
    flags: tuple[FlagShown, ...]  # what the saved answers raise now
    submitted: bool  # sent since: the summary shows it
    handled: str | None  # who marked it handled, and when


def unsent_build(*, notice: UnsentSafetyNotice, language: str) -> UnsentSummary:
    """The saved answers' safety flags, as the patient saw them when they
    passed the furthest question they answered (answering.safety_flags_saved)."""
    response = notice.response
    definition = response.questionnaire_version.definition
    patient = notice.patient
    handled = None
    if notice.handled_at is not None:
        handled = _("Handled by %(name)s, %(when)s") % {
            "name": _reviewer(notice.handled_by),
            "when": _date(notice.handled_at, language)
            + " "
            + timezone.localtime(notice.handled_at).strftime("%H:%M"),
        }
    return UnsentSummary(
        notice_id=str(notice.public_id),
        patient_id=str(patient.public_id),
        patient_name=patient.name,
        patient_cpr=patient.cpr_formatted,
        patient_mobile=patient.mobile,
        patient_email=patient.email,
        questionnaire_title=pick_text(definition.title, language),
        channel=str(response.get_channel_display()),
        last_saved_at=notice.last_saved_at,
        raised_at=notice.raised_at,
        flags=_flags(safety_flags_saved(response=response), definition, language),
        submitted=response.is_submitted,
        handled=handled,
    )


def summary_record_text(summary: Summary) -> str:
    """The summary as plain text for the patient's record, in the summary's
    language: colour, agenda, flags with their answers, scores with dates."""
    with translation.override(summary.language):
        text = render_to_string("scoring/summary_record.txt", {"s": summary})
    # The template's block tags leave blank lines; a record wants one at most.
    lines = [line.rstrip() for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip() + "\n"


@dataclass(frozen=True)
class ResultShown:
    """What the summary's first screen shows for a result, without a patient:
    the content preview's live panel (answers given in a preview, never a
    response). Built by the same functions as the summary."""

    overall: str
    overall_meaning: str
    shown: str
    shown_meaning: str
    flags: tuple[FlagShown, ...]
    unanswered: tuple[NotAssessableShown, ...]
    incomplete: tuple[NotAssessableShown, ...]
    scores: tuple[ScoreLine, ...]
    #: Safety questions the patient has not reached yet (a preview part way
    #: through): not claimed unanswered, since nobody could have answered them.
    ahead: tuple[str, ...] = ()

    @property
    def red_flags(self) -> tuple[FlagShown, ...]:
        return tuple(f for f in self.flags if f.colour == "red")

    @property
    def yellow_flags(self) -> tuple[FlagShown, ...]:
        return tuple(f for f in self.flags if f.colour == "yellow")

    @property
    def green_flags(self) -> tuple[FlagShown, ...]:
        return tuple(f for f in self.flags if f.colour not in ("red", "yellow"))


def result_shown_build(
    *,
    definition: Definition,
    result: Result,
    language: str,
    reached: Collection[str] | None = None,
) -> ResultShown:
    """The flags with their because-trails, the unknown rules and the scores
    of ``result`` as the summary shows them (no history: no change, no trend).

    ``reached``: the items the patient has come to so far (a preview part way
    through; None: all, as in a response sent). As on the patient's own pages,
    where a question is missing only once the patient has passed it (the check
    page lists those), a safety rule is "unanswered" only when one of its
    questions was reached and left empty; the rest are ``ahead``."""
    ahead_rules = (
        set()
        if reached is None
        else {
            na.rule_id
            for na in result.not_assessable
            if not any(ident in reached for ident in na.missing_items)
        }
    )
    not_assessable = _not_assessable(result, definition, language)
    unanswered = _unanswered(tuple(na for na in not_assessable if na.rule_id not in ahead_rules))
    ahead = tuple(
        dict.fromkeys(
            question
            for na in not_assessable
            if na.safety and na.rule_id in ahead_rules
            for question in na.missing
        )
    )
    shown = presentation.shown_state(result.overall, safety_unanswered=bool(unanswered)) or ""
    return ResultShown(
        overall=result.overall,
        overall_meaning=pick_text(result.meaning.action, language),
        shown=shown,
        shown_meaning=(
            _(SAFETY_UNANSWERED_MEANING) if shown == presentation.SAFETY_UNANSWERED else ""
        ),
        flags=_flags(result.flags, definition, language),
        unanswered=unanswered,
        incomplete=tuple(na for na in not_assessable if not na.safety),
        scores=_scores(result, None, (), definition, language),
        ahead=ahead,
    )

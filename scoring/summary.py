"""The clinician summary as plain data: one builder for the page and the PDF.

Layer one of three (context → template → render): everything the clinician
reads is decided here and tested here; templates only lay it out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from questionnaires.item_types import answer_text, number_text
from questionnaires.models import Response, ScoringResult
from scoring.charts import dates_text, display_range, sparkline_svg, trend_svg
from scoring.engine import Definition, Result, enabled_items, pick_text, result_from_dict
from scoring.engine.item_types import item_type

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


@dataclass(frozen=True)
class AnswerShown:
    item_id: str
    question: str
    answer: str
    value: float | int | None = None


@dataclass(frozen=True)
class ScoreShown:
    label: str
    value: float | int | None
    band: str


@dataclass(frozen=True)
class FlagShown:
    rule_id: str
    colour: str
    safety: bool
    text: str
    rule: str
    source: str
    answers: tuple[AnswerShown, ...]
    scores: tuple[ScoreShown, ...]


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
    not_assessable: tuple[str, ...]
    scores: tuple[ScoreLine, ...]
    trends: tuple[TrendShown, ...]
    sections: tuple[SectionShown, ...]
    reviewed: str | None

    @property
    def red_and_yellow(self) -> tuple[FlagShown, ...]:
        return tuple(f for f in self.flags if f.colour in ("red", "yellow"))


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _band_words(definition: Definition, score_id: str, code: str | None, language: str) -> str:
    """A band's label in the reader's words (the engine records its code)."""
    score = next((s for s in definition.scores if s.id == score_id), None)
    band = next((b for b in score.bands if b.code == code), None) if score else None
    return pick_text(band.label, language) if band is not None and band.label else ""


def _review_status(response: Response, language: str) -> str:
    version = response.questionnaire_version
    if version.clinical_reviewer is None or version.reviewed_on is None:
        return _("Awaiting clinical review.")
    return _("Clinically reviewed by %(name)s on %(date)s.") % {
        "name": version.clinical_reviewer.get_full_name() or version.clinical_reviewer.username,
        "date": version.reviewed_on.isoformat(),
    }


def _flags(result: Result, definition: Definition, language: str) -> tuple[FlagShown, ...]:
    # A flag's answers are written from the answer itself, as on every other
    # page, not from the labels the engine recorded when it scored (those
    # have plain ISO dates).
    sources = {rule.id: rule.source for rule in definition.rules}
    flags = [
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
            scores=tuple(
                ScoreShown(
                    label=pick_text(s.label, language),
                    value=s.value,
                    band=_band_words(definition, s.score_id, s.band, language),
                )
                for s in flag.because.scores
            ),
        )
        for flag in result.flags
    ]
    flags.sort(key=lambda f: (SEVERITY.get(f.colour, 3), not f.safety))
    return tuple(flags)


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
        .select_related("response")
        .order_by("-response__submitted_at")[:TREND_POINTS]
    )
    return [(row.response, result_from_dict(row.result)) for row in reversed(rows)]


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


def _scores(
    result: Result, previous: Result | None, trends: tuple[TrendShown, ...], language: str
) -> tuple[ScoreLine, ...]:
    before = {s.id: s.value for s in previous.scores} if previous else {}
    trend_of = {trend.score_id: trend for trend in trends}
    lines = []
    for score in result.scores:
        old = before.get(score.id)
        change = None
        if score.value is not None and old is not None:
            change = round(score.value - old, 2)
        lines.append(
            ScoreLine(
                id=score.id,
                label=pick_text(score.label, language),
                value=score.value,
                band=pick_text(score.band_label, language) if score.band_label else "",
                status=score.status,
                prorated=score.prorated,
                missing=len(score.items_missing),
                change=change,
                trend=trend_of.get(score.id),
            )
        )
    return tuple(lines)


def _sections(
    definition: Definition, answers: dict[str, object], result: Result, language: str
) -> tuple[SectionShown, ...]:
    asked = enabled_items(definition, answers)
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
                    colour=result.item_colours.get(item.id),
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


def summary_build(*, response: Response, stored: ScoringResult, language: str) -> Summary:
    """Everything the summary page and PDF show for one response."""
    definition = response.questionnaire_version.definition
    result = stored.engine_result
    answers = response.answers_dict()
    history = _history(response)
    previous = history[-2][1] if len(history) >= 2 else None
    trends = _trends(history, definition, language)
    review = getattr(response, "review", None)
    patient = response.patient
    return Summary(
        response_id=str(response.public_id),
        language=language,
        clinic=response.organisation.name,
        patient_name=patient.name,
        patient_cpr=patient.cpr_formatted,
        patient_age=_age(
            patient.birth_date, timezone.localdate(response.submitted_at or timezone.now())
        ),
        patient_sex=patient.get_sex_display(),
        questionnaire_title=pick_text(definition.title, language),
        questionnaire_ref=response.questionnaire_version.ref,
        definition_version=stored.definition_version,
        engine_version=stored.engine_version,
        label=_(
            LABEL_IMPORTED if definition.provenance.kind == "imported" else LABEL_OWN_ALGORITHM
        ),
        review_status=_review_status(response, language),
        not_a_device=_(NOT_A_DEVICE),
        submitted_at=response.submitted_at,
        consultation_starts_at=response.consultation.starts_at if response.consultation else None,
        channel=str(response.get_channel_display()),
        scored_at=stored.scored_at,
        generated_at=timezone.now(),
        overall=result.overall,
        overall_meaning=pick_text(result.meaning.action, language),
        agenda=_agenda(definition, answers),
        flags=_flags(result, definition, language),
        not_assessable=tuple(
            f"{na.rule_id}: {', '.join(na.missing_items)}" for na in result.not_assessable
        ),
        scores=_scores(result, previous, trends, language),
        trends=trends,
        sections=_sections(definition, answers, result, language),
        reviewed=(
            _("Reviewed by %(name)s, %(when)s")
            % {
                "name": review.reviewed_by.get_full_name() or review.reviewed_by.username,
                "when": timezone.localtime(review.reviewed_at).strftime("%Y-%m-%d %H:%M"),
            }
            if review
            else None
        ),
    )

"""Named import warnings: a stable code, the items concerned, and plain text.

The importer (questionnaires/fhir/importer.py) notes every construct it
could not express as ``<construct>: <items>``. Those texts are for people and
may be reworded; the *code* here is what is stored with the draft version,
what the clinical reviewer acknowledges and what scripts match on
(``manage.py questionnaire acknowledge --code``). A construct no prefix below
names gets :data:`UNNAMED` — a guard test reads every ``self.note(...)`` in the
importer and fails on one, so a new warning gets its own code when it is added.

Two checks are made here, pure functions over the FHIR item and the imported
definition: an item that looks like a score but has no expression
(:func:`looks_like_score`), and a score kept as FHIRPath that gives no value
on complete answers (:func:`scores_without_value`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scoring.engine import AnswerError, Definition, PatientContext, enable_failures, evaluate

#: The construct an item that looks like a score but has no expression is noted under.
SCORE_WITHOUT_EXPRESSION = (
    "looks like a score but has no calculatedExpression (the patient is asked to fill it in)"
)
#: The construct a FHIRPath score that gives no value on complete answers is noted under.
SCORE_WITHOUT_VALUE = (
    "score kept as FHIRPath gives no value on complete answers (it cannot be evaluated)"
)
#: The construct an enableWhenExpression that fails on complete answers is noted under.
ENABLE_FAILING = (
    "enableWhenExpression fails on complete answers (the item is then not asked,"
    " as in an SDC form filler)"
)
UNNAMED = "import-note"

#: Construct prefix → code, most specific first (the first that matches wins).
CODES: tuple[tuple[str, str], ...] = (
    (SCORE_WITHOUT_EXPRESSION, "score-without-expression"),
    (SCORE_WITHOUT_VALUE, "score-without-value"),
    ("questionnaire metadata not kept", "metadata-not-kept"),
    ("presentation not kept", "presentation-not-kept"),
    ("PRO Portal definition extension is not JSON", "portal-definition-not-json"),
    ("extension not kept", "extension-not-kept"),
    ("item codes (code) not kept", "item-codes-not-kept"),
    ("initial values not used", "initial-values-not-used"),
    ("item element not kept", "item-element-not-kept"),
    ("itemControl hint not kept", "item-control-not-kept"),
    ("expression not supported", "expression-not-supported"),
    ("required on a group", "required-on-group"),
    ("repeating group", "repeating-group-asked-once"),
    ("enableWhenExpression cannot be evaluated", "enable-when-expression-never-true"),
    (ENABLE_FAILING, "enable-when-expression-fails"),
    ("enableWhenExpression", "enable-when-expression-not-evaluated"),
    ("reads the patient's", "reads-patient"),
    ("group without items", "empty-group-left-out"),
    ("hidden item", "hidden-item-left-out"),
    ("read-only", "read-only-answerable"),
    ("required on a display text", "required-on-display"),
    ("reference item", "item-type-left-out"),
    ("attachment item", "item-type-left-out"),
    ("group nested in a question", "nested-group"),
    ("item nested in a question", "nested-item"),
    ("open-choice", "open-choice-as-choice"),
    ("unknown item type", "unknown-item-type"),
    ("dateTime item", "item-type-as-text"),
    ("time item", "item-type-as-text"),
    ("url item", "item-type-as-text"),
    ("repeats on a non-choice item", "repeats-one-answer"),
    ("ehealth-questionnaire-feedback", "feedback-not-kept"),
    ("decimal without minValue/maxValue", "decimal-unbounded"),
    ("unit options", "unit-options-first-only"),
    ("initialSelected not used", "initial-selected-not-used"),
    ("answerValueSet not in the file", "value-set-unresolved"),
    ("answer option of type", "option-type-left-out"),
    ("answer option without a (unique) code", "option-without-code"),
    ("options without ordinalValue or itemWeight", "options-valued-by-position"),
    ("enableWhen of a group (any) and of its item", "enable-when-not-combined"),
    ("enableWhen not expressible", "enable-when-not-expressible"),
    ("calculatedExpression not in FHIRPath", "calculation-not-fhirpath"),
    ("calculatedExpression reads calculated items left out", "calculation-reads-left-out"),
    ("calculatedExpression cannot be evaluated", "calculation-not-evaluable"),
    ("calculatedExpression kept as FHIRPath", "calculation-kept-as-fhirpath"),
    ("answerSignificance not expressible", "significance-not-expressible"),
    ("version ", "version-replaced"),
    ("translations not kept", "translations-not-kept"),
    ("test vectors failing after import", "test-vectors-left-out"),
)

#: Words that name a score in an item's text or code (English and Danish).
_SCORE_WORDS = re.compile(
    r"\b(total|sum|subtotal|score|t-score|totalscore|sumscore|samlet score)\b",
    re.IGNORECASE,
)
#: Item types a computed number can be written into (a choice is a question).
_NUMBER_TYPES = ("integer", "decimal", "quantity", "string", "text", "display")


@dataclass(frozen=True)
class NamedWarning:
    """One import warning as stored with a draft: ``code`` is stable,
    ``items`` the linkIds (or "Questionnaire") concerned, ``text`` the line
    the import printed."""

    code: str
    items: tuple[str, ...]
    text: str


def warning_code(construct: str) -> str:
    """The stable code of an importer construct (:data:`UNNAMED` if none)."""
    for prefix, code in CODES:
        if construct.startswith(prefix):
            return code
    return UNNAMED


def named_warnings(notes: Iterable[tuple[str, Sequence[str]]]) -> list[NamedWarning]:
    """The importer's notes (construct → items) as named warnings, in order."""
    return [
        NamedWarning(warning_code(construct), tuple(items), f"{construct}: {', '.join(items)}")
        for construct, items in notes
    ]


def looks_like_score(item: Mapping[str, Any]) -> bool:
    """Whether a FHIR item imported as a question reads as a computed score:
    its text, or the display of one of its codes, names a total, sum or score
    (LOINC 44261-6 "PHQ-9 total score", PROMIS "Global Physical Health raw
    score"), and it is a number, text or display item, or read-only. The
    caller has checked it has no calculatedExpression."""
    kind = item.get("type")
    if kind not in _NUMBER_TYPES and item.get("readOnly") is not True:
        return False
    texts = [item.get("text")]
    codes = item.get("code")
    if isinstance(codes, list):
        texts += [code.get("display") for code in codes if isinstance(code, Mapping)]
    return any(isinstance(text, str) and _SCORE_WORDS.search(text) for text in texts)


def complete_answers(definition: Definition) -> list[dict[str, object]]:
    """Two complete answer sets: every question at its lowest, then at its
    highest answer (choices by option order, numbers at their bounds; texts
    and dates answered with a plain value)."""
    sets: list[dict[str, object]] = [{}, {}]
    for item in definition.plan.item_order:
        for index, answers in enumerate(sets):
            value = _answer(item.type, item, highest=index == 1)
            if value is not None:
                answers[item.id] = value
    return sets


def _answer(kind: str, item: Any, *, highest: bool) -> object:
    options = [option.code for option in item.options]
    if kind == "single_choice" and options:
        return options[-1] if highest else options[0]
    if kind in ("multiple_choice", "body_regions") and options:
        return [options[-1] if highest else options[0]]
    if kind == "yes_no":
        return "yes" if highest else "no"
    if kind in ("integer", "nrs", "decimal"):
        bound = item.max if highest else item.min
        return bound if bound is not None else (10 if highest else 0)
    if kind == "date":
        return item.max_date if highest and item.max_date else item.min_date or "2000-01-01"
    if kind in ("short_text", "long_text"):
        return "x"
    return None


def scores_without_value(definition: Definition) -> list[str]:
    """Ids of the scores kept as FHIRPath that give no value on either
    complete answer set (an expression fhirpathpy runs but that yields no
    single number: the score is kept but cannot be evaluated)."""
    kept = [score.id for score in definition.scores if score.method == "fhirpath"]
    if not kept:
        return []
    results = []
    for answers in complete_answers(definition):
        try:
            results.append(evaluate(definition, answers))
        except AnswerError:  # answers the engine refuses say nothing about the score
            continue
    return [
        score_id
        for score_id in kept
        if all(result.score(score_id).value is None for result in results)
    ]


def enable_failing(definition: Definition) -> list[str]:
    """Ids of the items whose enableWhenExpression fhirpathpy compiles but
    cannot evaluate on a complete answer set (e.g. a text added to a
    number): such an item is not asked on those answers, which a reviewer
    must know. Tried for a male, a female and no patient when the
    questionnaire reads ``%patient``."""
    if definition.fhir is None or not definition.fhir.enable:
        return []
    patients: list[PatientContext | None] = [None]
    if definition.reads_patient:
        patients += [PatientContext(gender="male"), PatientContext(gender="female")]
    failed: set[str] = set()
    for answers in complete_answers(definition):
        for patient in patients:
            try:
                failed |= enable_failures(definition, answers, patient)
            except AnswerError:  # answers the engine refuses say nothing about the expression
                continue
    return [item.id for item in definition.items if item.id in failed]

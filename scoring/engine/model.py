"""The compiled definition: frozen dataclasses built by ``parse_definition``.

Everything here is plain, immutable data mirroring docs/definitions.md. The
executable parts (compiled rules, scorers, enable-when closures) live in a
:class:`~scoring.engine.plan.Plan` attached to the :class:`Definition` and
excluded from comparison, so two definitions built from the same mapping
compare equal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scoring.engine.plan import Plan

Number = int | float
#: Language code → text. Empty in numbers-only scoring fixtures (``languages: []``).
Text = Mapping[str, str]
#: One answer exactly as in ANSWERS.json: a code, a list of codes, a number,
#: an ISO date, "yes"/"no" or free text.
Answer = str | int | float | tuple[str, ...]

NO_TEXT: Text = MappingProxyType({})

COLOURS = ("red", "yellow", "green")


@dataclass(frozen=True, slots=True)
class Option:
    """An answer option: ``code`` as stored, ``value`` the ordinal used in scores."""

    code: str
    value: Number
    label: Text = field(default_factory=dict)
    exclusive: bool = False


@dataclass(frozen=True, slots=True)
class Condition:
    """One enable-when condition on an earlier answer, or (``on_score``) on a
    score's value: ``item`` is then the score's id (``{score: gad2, op: ">=",
    value: 3}``; items and scores share one namespace of ids)."""

    item: str
    op: str
    value: str | Number | None = None
    on_score: bool = False


@dataclass(frozen=True, slots=True)
class EnableWhen:
    behavior: str
    conditions: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Item:
    """A question (or a display text). ``type`` names one of
    scoring/engine/item_types.py. ``min``/``max`` bound numbers and the
    number of choices; ``min_date``/``max_date`` bound dates."""

    id: str
    type: str
    section: str
    text: Text = field(default_factory=dict)
    help: Text = field(default_factory=dict)
    required: bool = True
    enable_when: EnableWhen | None = None
    options: tuple[Option, ...] = ()
    min: Number | None = None
    max: Number | None = None
    min_date: str | None = None
    max_date: str | None = None
    unit: Text = field(default_factory=dict)
    decimals: int | None = None
    anchors: tuple[Text, Text] | None = None
    max_length: int | None = None
    #: The linkId of the FHIR Questionnaire it was imported from, when that is
    #: not a valid id (``32406-1`` for ``q_32406_1``): accepted in answers
    #: and written again in every FHIR export.
    link_id: str | None = None


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    kind: str
    title: Text
    intro: Text
    items: tuple[Item, ...]
    included_from: str | None = None


@dataclass(frozen=True, slots=True)
class Band:
    """An inclusive interval of score values with its meaning."""

    code: str
    min: Number
    max: Number
    label: Text = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Score:
    """A data-driven scorer; see docs/definitions.md § Scores.

    ``terms`` holds one tuple per summed term: a single id, or several ids
    of which the largest counts (MDI items 8a/8b).
    """

    id: str
    label: Text
    method: str
    source: str
    terms: tuple[tuple[str, ...], ...] = ()
    reverse: frozenset[str] = frozenset()
    weights: Mapping[str, Number] = field(default_factory=dict)
    lookup: Mapping[str, Mapping[str, Number]] = field(default_factory=dict)
    multiply: Number = 1
    add: Number = 0
    decimals: int = 0
    prorate_up_to: int = 0
    #: ``missing: {counts_as_zero: true}`` (``sum`` only): a missing term adds
    #: nothing and never leaves the score unscored — SDC's
    #: ``answer.value.weight().sum()``, where an empty sum is 0.
    counts_as_zero: bool = False
    range: tuple[Number, Number] | None = None
    monotone: bool = False
    bands: tuple[Band, ...] = ()
    expression: str | None = None
    included_from: str | None = None
    #: ``method: fhirpath``: SDC variables (name, FHIRPath), evaluated in order.
    variables: tuple[tuple[str, str], ...] = ()
    #: When the score is asked at all (a gate, e.g. GAD-7 only when GAD-2 >= 3):
    #: false → not applicable, undecidable → not scored (docs § Scores).
    enable_when: EnableWhen | None = None
    #: The linkId of the calculated item it was imported from (as Item.link_id).
    link_id: str | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    when: str
    colour: str
    source: str
    safety: bool = False
    clinician_text: Text = field(default_factory=dict)
    patient_text: Text = field(default_factory=dict)
    included_from: str | None = None


@dataclass(frozen=True, slots=True)
class FhirItem:
    """How one item's answer is written in a FHIR QuestionnaireResponse, for
    ``method: fhirpath`` scores: its ``linkId``, the ``value[x]`` key of its
    answers, the FHIR value of each option code and a quantity's unit."""

    link_id: str
    answer: str
    options: Mapping[str, Any] = field(default_factory=dict)
    quantity: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FhirStep:
    """One item on the path from the Questionnaire's root to a calculated
    item: its ``linkId`` and the names of the SDC variables defined on it."""

    link_id: str
    variables: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FhirContext:
    """The FHIR Questionnaire an imported definition came from (``%questionnaire``
    of its FHIRPath scores) and how each item maps onto it."""

    questionnaire: Mapping[str, Any]
    items: Mapping[str, FhirItem]
    #: Score id → the calculated item it came from: its value is written as
    #: that item's answer, so that calculations reading it see it.
    scores: Mapping[str, FhirItem] = field(default_factory=dict)
    #: Item id → its SDC ``enableWhenExpression`` (FHIRPath) and the SDC
    #: variables in scope: the item is asked only when it gives ``true``.
    enable: Mapping[str, tuple[str, tuple[tuple[str, str], ...]]] = field(default_factory=dict)
    #: Score id → the path to its calculated item (outermost first, the item
    #: last): SDC evaluates an item's variables and expression with its own
    #: response item as the context, and a group's variables with the group's.
    paths: Mapping[str, tuple[FhirStep, ...]] = field(default_factory=dict)
    #: Item ids whose enableWhenExpression fhirpathpy cannot evaluate, with
    #: why: never asked, as an SDC form filler never enables them (an error
    #: is no ``true``; SDC: an empty result is false).
    unevaluable: Mapping[str, str] = field(default_factory=dict)
    #: The SDC launch contexts the FHIRPath reads (``patient``): declared by
    #: sdc-questionnaire-launchContext or read as ``%patient``.
    launch: tuple[str, ...] = ()


#: PRO Portal's sex (from the CPR number) → FHIR administrative-gender.
FHIR_GENDER = {"female": "female", "male": "male"}


@dataclass(frozen=True, slots=True)
class PatientContext:
    """The SDC launch context ``%patient`` an imported questionnaire's FHIRPath
    may read (docs/definitions.md § FHIR, "The patient"): only the patient's
    administrative gender and birth date — never a name or an identifier.
    Both are derived from the CPR number and never change, so a response
    scored again later with the same patient gives the same result."""

    #: FHIR administrative-gender: male | female | other | unknown.
    gender: str | None = None
    #: ISO date (YYYY-MM-DD).
    birth_date: str | None = None

    @classmethod
    def of(cls, *, sex: str | None, birth_date: str | None) -> PatientContext:
        """From PRO Portal's sex (``female``/``male``) and an ISO birth date."""
        gender = None if sex is None else FHIR_GENDER.get(sex, "unknown")
        return cls(gender=gender, birth_date=birth_date)

    def resource(self) -> dict[str, Any]:
        """The FHIR Patient resource ``%patient`` is."""
        found: dict[str, Any] = {"resourceType": "Patient"}
        if self.gender is not None:
            found["gender"] = self.gender
        if self.birth_date is not None:
            found["birthDate"] = self.birth_date
        return found


@dataclass(frozen=True, slots=True)
class Instrument:
    id: str
    name: str
    licence: str
    source: str
    wording_source: str | None = None


@dataclass(frozen=True, slots=True)
class PatientGroup:
    description: Text = field(default_factory=dict)
    inclusion: tuple[Text, ...] = ()
    exclusion: tuple[Text, ...] = ()


@dataclass(frozen=True, slots=True)
class Provenance:
    kind: str
    note: Text = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ScoreExpectation:
    """``value`` None means "not scored"; the band is checked only if given."""

    value: Number | None
    band: str | None = None
    check_band: bool = False


@dataclass(frozen=True, slots=True)
class Expectation:
    """What a test vector expects; ``None`` means "not checked"."""

    overall: str | None = None
    scores: Mapping[str, ScoreExpectation] = field(default_factory=dict)
    flags: frozenset[str] | None = None
    not_assessable: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class PreviousValues:
    """The values of an earlier result that ``change()`` may read."""

    scores: Mapping[str, Number] = field(default_factory=dict)
    items: Mapping[str, Number] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Vector:
    """A test vector: answers in, expected scores and flags out."""

    id: str
    source: str
    answers: Mapping[str, Answer]
    expect: Expectation
    previous: PreviousValues | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Definition:
    """One questionnaire version, validated and compiled."""

    format: int
    id: str
    version: str
    languages: tuple[str, ...]
    intended_use: str
    provenance: Provenance
    instruments: tuple[Instrument, ...]
    sections: tuple[Section, ...]
    scores: tuple[Score, ...]
    rules: tuple[Rule, ...]
    test_vectors: tuple[Vector, ...]
    plan: Plan = field(compare=False, repr=False)
    title: Text = field(default_factory=dict)
    description: Text = field(default_factory=dict)
    recall_period: Text = field(default_factory=dict)
    patient_group: PatientGroup = PatientGroup()
    green_interval_days: int | None = None
    trended_scores: tuple[str, ...] = ()
    #: Item ids whose answers open the clinician's summary ("the patient in brief").
    brief: tuple[str, ...] = ()
    patient_support: Text = field(default_factory=dict)
    source: str = "<memory>"
    fhir: FhirContext | None = None

    @property
    def items(self) -> tuple[Item, ...]:
        """Every item in questionnaire order."""
        return self.plan.item_order

    @property
    def reads_patient(self) -> bool:
        """Whether its FHIRPath reads the SDC launch context ``%patient``
        (give ``evaluate`` the patient's :class:`PatientContext`)."""
        return self.fhir is not None and "patient" in self.fhir.launch

    def item(self, item_id: str) -> Item:
        return self.plan.items[item_id]

    def score(self, score_id: str) -> Score:
        return self.plan.scores[score_id]

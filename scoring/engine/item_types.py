"""Item types: the one place that says what each kind of question is.

For every type (docs/definitions.md § Items): what its answer is in
ANSWERS.json, and so how the engine reads and checks it; the keys a
definition may give it; how the patient gives the answer (the widget
template and the message for a required question left empty); how it is
written in FHIR; and, through :func:`answer_text`, how an answer reads.

Plain Python like the rest of the engine, so the engine, the FHIR
conversion and the Django pages share it. The Django side
(``questionnaires/item_types.py``) adds only what needs Django: numbers and
dates in the reader's locale. Nothing else outside this module branches on
a type's name to decide how its answer is read, checked or written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from scoring.engine.model import Item, Number, Option, Text
from scoring.engine.results import pick_language

#: What an answer is in ANSWERS.json: one option code, a list of codes, a
#: number, an ISO date, free text, or nothing (a display text).
AnswerKind = Literal["code", "codes", "number", "date", "text", "none"]
#: How the patient gives it on the question page (questionnaires.forms.AnswerForm):
#: one of some choices, any of them, a typed number, a date in three boxes, typed text.
Entry = Literal["one_of", "any_of", "number", "date", "text", "none"]

_WIDGETS = "questionnaires/includes/items/"


def gettext_noop(message: str) -> str:
    """Mark a patient-facing message for translation and return it unchanged.

    Django's makemessages finds calls by this name, so the messages below are
    in the catalogue; the form translates them when it shows them. A local
    function because the engine imports no Django.
    """
    return message


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemType:
    """One kind of question."""

    name: str
    #: How the type reads in messages to authors ("a yes/no item").
    described: str
    answer: AnswerKind
    #: Number answers must be whole (an integer, a 0–10 scale).
    whole: bool = False
    entry: Entry
    #: The question page's widget: a template under templates/questionnaires/includes/items/.
    template: str
    #: What the patient is told when a required question is left empty.
    unanswered: str = ""
    #: Keys a definition must and may give an item of this type, beyond the common ones.
    required_keys: tuple[str, ...] = ()
    optional_keys: tuple[str, ...] = ()
    #: The longest text answer when the definition sets none.
    max_length: int | None = None
    #: A fixed range the type always has (min and max are not the author's to set).
    scale: tuple[int, int] | None = None
    #: Options every item of the type has without the definition listing them.
    implicit_options: tuple[Option, ...] = ()
    #: The FHIR Questionnaire ``item.type``.
    fhir_type: str
    #: The ``value[x]`` of its answers in a FHIR QuestionnaireResponse.
    fhir_value: str = ""

    @property
    def keys(self) -> tuple[str, ...]:
        return (*self.required_keys, *self.optional_keys)

    @property
    def rule_kind(self) -> str:
        """How the rule language reads the item (scoring.engine.rules.compiler.Symbol)."""
        return {"code": "choice", "codes": "set", "number": "number", "none": "display"}.get(
            self.answer, "other"
        )


_YES_NO: Mapping[str, Text] = {
    "yes": MappingProxyType({"da": "Ja", "en": "Yes"}),
    "no": MappingProxyType({"da": "Nej", "en": "No"}),
}

_REGISTERED = (
    ItemType(
        name="single_choice",
        described="a single choice item",
        answer="code",
        entry="one_of",
        template=_WIDGETS + "choice.html",
        unanswered=gettext_noop("Select an answer"),
        required_keys=("options",),
        fhir_type="choice",
        fhir_value="valueCoding",
    ),
    ItemType(
        name="multiple_choice",
        described="a multiple choice item",
        answer="codes",
        entry="any_of",
        template=_WIDGETS + "checkboxes.html",
        unanswered=gettext_noop("Select at least one answer"),
        required_keys=("options",),
        optional_keys=("min", "max"),
        fhir_type="choice",
        fhir_value="valueCoding",
    ),
    ItemType(
        name="integer",
        described="an integer item",
        answer="number",
        whole=True,
        entry="number",
        template=_WIDGETS + "number.html",
        unanswered=gettext_noop("Enter a number"),
        required_keys=("min", "max"),
        optional_keys=("unit",),
        fhir_type="integer",
        fhir_value="valueInteger",
    ),
    ItemType(
        name="decimal",
        described="a decimal item",
        answer="number",
        entry="number",
        template=_WIDGETS + "number.html",
        unanswered=gettext_noop("Enter a number"),
        required_keys=("min", "max"),
        optional_keys=("unit", "decimals"),
        fhir_type="decimal",
        fhir_value="valueDecimal",
    ),
    ItemType(
        name="nrs",
        described="an NRS item",
        answer="number",
        whole=True,
        entry="one_of",
        template=_WIDGETS + "nrs.html",
        unanswered=gettext_noop("Select a number from 0 to 10"),
        optional_keys=("anchors",),
        scale=(0, 10),
        fhir_type="integer",
        fhir_value="valueInteger",
    ),
    ItemType(
        name="yes_no",
        described="a yes/no item",
        answer="code",
        entry="one_of",
        template=_WIDGETS + "choice.html",
        unanswered=gettext_noop("Select yes or no"),
        implicit_options=(Option("yes", 1, _YES_NO["yes"]), Option("no", 0, _YES_NO["no"])),
        fhir_type="boolean",
        fhir_value="valueBoolean",
    ),
    ItemType(
        name="date",
        described="a date item",
        answer="date",
        entry="date",
        template=_WIDGETS + "date.html",
        unanswered=gettext_noop("Enter a date"),
        optional_keys=("min", "max"),
        fhir_type="date",
        fhir_value="valueDate",
    ),
    ItemType(
        name="short_text",
        described="a short text item",
        answer="text",
        entry="text",
        template=_WIDGETS + "text.html",
        unanswered=gettext_noop("Enter an answer"),
        optional_keys=("max_length",),
        max_length=200,
        fhir_type="string",
        fhir_value="valueString",
    ),
    ItemType(
        name="long_text",
        described="a long text item",
        answer="text",
        entry="text",
        template=_WIDGETS + "text.html",
        unanswered=gettext_noop("Enter an answer"),
        optional_keys=("max_length",),
        max_length=2000,
        fhir_type="text",
        fhir_value="valueString",
    ),
    ItemType(
        name="body_regions",
        described="a body region item",
        answer="codes",
        entry="any_of",
        template=_WIDGETS + "body_regions.html",
        unanswered=gettext_noop("Select at least one answer"),
        required_keys=("options",),
        fhir_type="choice",
        fhir_value="valueCoding",
    ),
    ItemType(
        name="display",
        described="a display text",
        answer="none",
        entry="none",
        template=_WIDGETS + "display.html",
        fhir_type="display",
    ),
)

#: Every item type by name, in the order docs/definitions.md lists them.
ITEM_TYPES: Mapping[str, ItemType] = MappingProxyType({t.name: t for t in _REGISTERED})


def _named(test: Callable[[ItemType], bool]) -> frozenset[str]:
    return frozenset(t.name for t in _REGISTERED if test(t))


#: Answered by one option code (rules compare it with a code in quotes, and with its value).
CODE_TYPES = _named(lambda t: t.answer == "code")
#: Answered by a list of option codes.
SET_TYPES = _named(lambda t: t.answer == "codes")
#: The answer gives rules and scores a number: the number given, or the chosen option's value.
VALUED_TYPES = _named(lambda t: t.answer in ("code", "number"))


def item_type(item: Item) -> ItemType:
    return ITEM_TYPES[item.type]


def implicit_options(kind: ItemType, languages: tuple[str, ...]) -> tuple[Option, ...]:
    """The type's own options with labels in the definition's languages
    (English where the registry has no label in one)."""
    return tuple(
        Option(
            option.code,
            option.value,
            {lang: option.label.get(lang, option.label["en"]) for lang in languages},
        )
        for option in kind.implicit_options
    )


def options_of(item: Item) -> tuple[Option, ...]:
    """The item's options; a yes/no item built by hand (not parsed) still has its two."""
    return item.options or item_type(item).implicit_options


# --- How an answer reads -----------------------------------------------------------------

#: Languages written with a decimal comma (82,5 kg).
_DECIMAL_COMMA = frozenset({"da", "de", "fi", "fr", "nb", "nl", "nn", "sv"})


def plain_number(value: Number, language: str) -> str:
    text = str(value)
    return text.replace(".", ",") if language in _DECIMAL_COMMA else text


def plain_date(iso: str, language: str) -> str:
    return iso


@dataclass(frozen=True, slots=True, kw_only=True)
class Formats:
    """How numbers and dates are written: plainly here (the engine's record,
    FHIR), or in the reader's locale by Django (questionnaires/item_types.py)."""

    number: Callable[[Number, str], str]
    date: Callable[[str, str], str]


PLAIN = Formats(number=plain_number, date=plain_date)


def option_labels(item: Item, answer: str | Iterable[str]) -> tuple[Text, ...]:
    """The labels of the chosen options, in the order the options are shown."""
    chosen = {answer} if isinstance(answer, str) else set(answer)
    return tuple(option.label for option in options_of(item) if option.code in chosen)


def answer_text(item: Item, answer: object, language: str, *, formats: Formats) -> str:
    """An answer as its reader reads it; empty when there is none.

    Choice labels in the reader's language, several joined by commas in the
    order they are shown; a number with its unit; a date; text as typed.
    """
    if answer is None:
        return ""
    kind = item_type(item).answer
    if kind == "code" or kind == "codes":
        assert isinstance(answer, str | list | tuple)  # answers are checked before they are shown
        labels = option_labels(item, answer)
        return ", ".join(pick_language(label, language) for label in labels)
    if kind == "number":
        assert isinstance(answer, int | float)
        unit = pick_language(item.unit, language) if item.unit else ""
        return f"{formats.number(answer, language)} {unit}".rstrip()
    if kind == "date":
        return formats.date(str(answer), language)
    return str(answer)

"""One answer per item type read into its ANSWERS.json value, or a message saying how to fix it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import QueryDict
from django.utils import timezone, translation

from questionnaires.forms import AnswerForm, BirthDateForm
from questionnaires.item_types import answer_text
from scoring.engine import Item, Option

EN = "en"


@pytest.fixture(autouse=True)
def _english() -> None:
    with translation.override("en"):
        yield


def item(kind: str, **extra: object) -> Item:
    return Item(
        id="x.1", type=kind, section="s", text={"da": "Spørgsmål", "en": "Question"}, **extra
    )


def post(**data: object) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, value in data.items():
        if isinstance(value, list):
            query.setlist(key, [str(v) for v in value])
        else:
            query[key] = str(value)
    return query


def read(it: Item, **data: object) -> AnswerForm:
    form = AnswerForm(it, EN, data=post(**data))
    form.is_valid()
    return form


OPTIONS = (
    Option("a", 1, {"en": "Apple"}),
    Option("b", 2, {"en": "Pear"}),
    Option("none", 0, {"en": "None of these"}, exclusive=True),
)
CHOICE = item("single_choice", options=OPTIONS[:2])
MULTI = item("multiple_choice", options=OPTIONS)
INTEGER = item("integer", min=0, max=200, unit={"en": "drinks"})
DECIMAL = item("decimal", min=30, max=300, decimals=1, unit={"en": "kg"})
DATE = item("date", min_date="2000-01-01", max_date="2030-12-31")
TEXT = item("short_text", max_length=10)


@pytest.mark.parametrize(
    ("it", "data", "value"),
    [
        (CHOICE, {"answer": "b"}, "b"),
        (item("yes_no"), {"answer": "yes"}, "yes"),
        (item("nrs"), {"answer": "0"}, 0),
        (item("nrs"), {"answer": "10"}, 10),
        (MULTI, {"answer": ["b", "a"]}, ["a", "b"]),
        (INTEGER, {"answer": " 12 "}, 12),
        (INTEGER, {"answer": "12 drinks"}, 12),
        (DECIMAL, {"answer": "72,5"}, 72.5),
        (DECIMAL, {"answer": "72.5"}, 72.5),
        (DECIMAL, {"answer": "72"}, 72),
        (DATE, {"answer-day": "3", "answer-month": "4", "answer-year": "2024"}, "2024-04-03"),
        (TEXT, {"answer": "  hello  "}, "hello"),
        (item("long_text"), {"answer": "line one\nline two"}, "line one\nline two"),
    ],
)
def test_a_valid_answer_becomes_its_answers_json_value(it: Item, data: dict, value: object) -> None:
    form = read(it, **data)
    assert form.error == ""
    assert form.value == value


@pytest.mark.parametrize(
    ("it", "data", "message"),
    [
        (CHOICE, {}, "Select an answer"),
        (item("yes_no"), {}, "Select yes or no"),
        (item("nrs"), {}, "Select a number from 0 to 10"),
        (item("nrs"), {"answer": "11"}, "Select one of the answers"),
        (CHOICE, {"answer": "z"}, "Select one of the answers"),
        (MULTI, {}, "Select at least one answer"),
        (MULTI, {"answer": ["a", "none"]}, "“None of these” on its own"),
        (item("multiple_choice", options=OPTIONS, min=2), {"answer": ["a"]}, "at least 2"),
        (item("multiple_choice", options=OPTIONS, max=1), {"answer": ["a", "b"]}, "no more than 1"),
        (INTEGER, {}, "Enter a number"),
        (INTEGER, {"answer": "twelve"}, "Enter a whole number, like 100"),
        (INTEGER, {"answer": "1.5"}, "Enter a whole number"),
        (INTEGER, {"answer": "201"}, "from 0 to 200"),
        (INTEGER, {"answer": "-1"}, "from 0 to 200"),
        (DECIMAL, {"answer": "72,55"}, "at most 1 decimal"),
        (DECIMAL, {"answer": "29,9"}, "from 30 to 300"),
        # Beyond Python's int() limit of 4300 digits: out of range, not a crash.
        (INTEGER, {"answer": "9" * 5000}, "from 0 to 200"),
        (INTEGER, {"answer": "-" + "9" * 5000}, "from 0 to 200"),
        (DECIMAL, {"answer": "9" * 5000 + ",5"}, "from 30 to 300"),
        (DATE, {}, "Enter a date"),
        (DATE, {"answer-day": "3", "answer-year": "2024"}, "must include a month"),
        (DATE, {"answer-day": "31", "answer-month": "2", "answer-year": "2024"}, "does not exist"),
        (DATE, {"answer-day": "1", "answer-month": "1", "answer-year": "24"}, "4 numbers"),
        (DATE, {"answer-day": "1", "answer-month": "1", "answer-year": "1999"}, "on or after"),
        # Found by the long fuzz run: a 500 before.
        (
            DATE,
            {"answer-day": "9" * 5000, "answer-month": "1", "answer-year": "2024"},
            "does not exist",
        ),
        (DATE, {"answer-day": "1", "answer-month": "9" * 5000, "answer-year": "2024"}, "1 to 12"),
        (DATE, {"answer-day": "²", "answer-month": "1", "answer-year": "2024"}, "with numbers"),
        (TEXT, {"answer": "   "}, "Enter an answer"),
        (TEXT, {"answer": "x" * 11}, "11 characters long and can be at most 10"),
        (item("long_text"), {"answer": "one\x00two"}, "null character"),  # PostgreSQL refuses it
    ],
)
def test_a_wrong_answer_says_how_to_fix_it(it: Item, data: dict, message: str) -> None:
    form = read(it, **data)
    assert message in form.error
    assert form.value is None


@pytest.mark.parametrize("it", [CHOICE, MULTI, INTEGER, DECIMAL, DATE, TEXT])
def test_an_optional_question_may_be_left_empty(it: Item) -> None:
    optional = Item(**{**{f: getattr(it, f) for f in it.__slots__}, "required": False})
    form = read(optional)
    assert form.error == ""
    assert form.value is None


def test_the_error_summary_links_to_the_first_option_or_the_first_wrong_date_box() -> None:
    assert read(CHOICE).error_anchor == "answer-a"
    assert read(INTEGER).error_anchor == "answer"
    assert read(DATE, **{"answer-day": "3", "answer-year": "2024"}).error_anchor == "answer-month"


def test_body_regions_are_grouped_by_part_of_the_body() -> None:
    regions = item(
        "body_regions",
        options=(
            Option("neck", 1, {"en": "Neck"}),
            Option("knee_left", 1, {"en": "Left knee"}),
            Option("hand_right", 1, {"en": "Right hand"}),
            Option("lower_back", 1, {"en": "Lower back"}),
            Option("head", 1, {"en": "Head"}),
            Option("tail", 1, {"en": "Tail"}),
        ),
    )
    groups = AnswerForm(regions, EN).region_groups
    assert [(g.legend, [c.code for c in g.choices]) for g in groups] == [
        ("Head and neck", ["neck", "head"]),
        ("Shoulders, arms and hands", ["hand_right"]),
        ("Chest, stomach and back", ["lower_back"]),
        ("Hips, legs and feet", ["knee_left"]),
        ("Other", ["tail"]),
    ]


def test_a_stored_answer_is_shown_as_the_patient_typed_it() -> None:
    assert AnswerForm(DECIMAL, "da", stored=72.5).raw == "72,5"
    assert AnswerForm(DECIMAL, "en", stored=72.5).raw == "72.5"
    date = AnswerForm(DATE, EN, stored="2024-04-03").date
    assert (date.day, date.month, date.year) == ("3", "4", "2024")
    assert AnswerForm(MULTI, EN, stored=["a", "b"]).selected == {"a", "b"}


def test_answers_read_back_in_the_patients_words() -> None:
    assert answer_text(MULTI, ["a", "b"], EN) == "Apple, Pear"
    assert answer_text(DECIMAL, 72.5, "da") == "72,5 kg"
    assert answer_text(item("yes_no"), "no", EN) == "No"
    assert answer_text(item("nrs"), 7, EN) == "7"


def test_a_birth_date_must_be_complete_real_and_in_the_past() -> None:
    assert BirthDateForm(post()).error == "Enter your date of birth"
    future = timezone.localdate() + dt.timedelta(days=30)
    late = BirthDateForm(
        post(**{"birth-day": future.day, "birth-month": future.month, "birth-year": future.year})
    )
    assert "in the past" in late.error
    good = BirthDateForm(post(**{"birth-day": "3", "birth-month": "4", "birth-year": "1985"}))
    assert good.is_valid()
    assert good.value == dt.date(1985, 4, 3)


def test_every_item_type_has_its_widget_template() -> None:
    from django.template.loader import get_template

    from scoring.engine.item_types import ITEM_TYPES

    for name in ITEM_TYPES:
        assert get_template(AnswerForm(item(name), EN).template), name


@pytest.mark.parametrize(
    ("it", "message"),
    [
        (item("yes_no"), "Vælg ja eller nej"),
        (item("nrs"), "Vælg et tal fra 0 til 10"),
        (CHOICE, "Vælg et svar"),
        (MULTI, "Vælg mindst ét svar"),
        (DECIMAL, "Skriv et tal"),
        (DATE, "Skriv en dato"),
        (TEXT, "Skriv et svar"),
    ],
)
def test_an_empty_required_question_is_named_in_the_patients_language(
    it: Item, message: str
) -> None:
    with translation.override("da"):
        form = AnswerForm(it, "da", data=post())
        form.is_valid()
    assert form.error == message


def test_yes_and_no_read_in_the_patients_language() -> None:
    assert [c.label for c in AnswerForm(item("yes_no"), "da").options] == ["Ja", "Nej"]
    assert [c.label for c in AnswerForm(item("yes_no"), EN).options] == ["Yes", "No"]

"""CPR numbers, tested against the CPR Office's rules.

Source: CPR-kontoret, "Personnummeret i CPR-systemet" (2008): the date part
DDMMYY; the century from digit 7 and the year (table in pro_portal/cpr.py);
the last digit odd for men, even for women; no modulus-11 check since 2007.
"""

from __future__ import annotations

import datetime as dt

import pytest

from pro_portal.cpr import InvalidCprError, parse_cpr, redact

CENTURY_TABLE = [
    # (cpr, birth date) — each row one cell of the century table, both sides of 36/37 and 57/58
    ("0101003001", dt.date(1900, 1, 1)),  # digit 7 = 0..3 → 1900s whatever the year
    ("0101993999", dt.date(1999, 1, 1)),
    ("0101364001", dt.date(2036, 1, 1)),  # digit 7 = 4, YY 00–36 → 2000s
    ("0101374001", dt.date(1937, 1, 1)),  # digit 7 = 4, YY 37–99 → 1900s
    ("0101369001", dt.date(2036, 1, 1)),  # digit 7 = 9, YY 00–36 → 2000s
    ("0101379001", dt.date(1937, 1, 1)),  # digit 7 = 9, YY 37–99 → 1900s
    ("0101575001", dt.date(2057, 1, 1)),  # digit 7 = 5..8, YY 00–57 → 2000s
    ("0101585001", dt.date(1858, 1, 1)),  # digit 7 = 5..8, YY 58–99 → 1800s
    ("0101578001", dt.date(2057, 1, 1)),
    ("0101588001", dt.date(1858, 1, 1)),
]


@pytest.mark.parametrize(("text", "birth_date"), CENTURY_TABLE)
def test_birth_date_follows_the_century_table(text: str, birth_date: dt.date) -> None:
    assert parse_cpr(text).birth_date == birth_date


@pytest.mark.parametrize(
    ("text", "sex"),
    [
        ("0101701231", "male"),
        ("0101701232", "female"),
        ("0101701239", "male"),
        ("0101701230", "female"),
    ],
)
def test_sex_is_male_for_an_odd_last_digit_and_female_for_an_even_one(text: str, sex: str) -> None:
    assert parse_cpr(text).sex == sex


@pytest.mark.parametrize("text", ["010170-1234", "010170 1234", " 0101701234 "])
def test_a_dash_or_spaces_are_accepted(text: str) -> None:
    assert parse_cpr(text).digits == "0101701234"


def test_a_number_failing_modulus_11_is_still_valid() -> None:
    # 0101701234: weights 4,3,2,7,6,5,4,3,2,1 give 0+4+0+7+42+0+4+6+6+4 = 73, not divisible by 11.
    assert parse_cpr("0101701234").digits == "0101701234"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "10 digits"),
        ("010170123", "10 digits"),
        ("01017012345", "10 digits"),
        ("01017O1234", "10 digits"),
        ("３１０１７０１２３４", "10 digits"),  # full-width digits are not CPR digits
        ("3102701234", "real date"),  # 31 February
        ("2902011234", "real date"),  # 29 February 1901: not a leap year
        ("0013701234", "real date"),  # day 00, month 13
    ],
)
def test_invalid_numbers_are_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(InvalidCprError, match=reason):
        parse_cpr(text)


def test_29_february_in_a_leap_year_is_a_real_date() -> None:
    assert parse_cpr("2902044001").birth_date == dt.date(2004, 2, 29)


def test_masked_form_hides_the_serial_number() -> None:
    assert parse_cpr("0304851239").masked == "030485-xxxx"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("patient 0304851239 logged in", "patient [CPR] logged in"),
        ("patient 030485-1239 logged in", "patient [CPR] logged in"),
        ("order 9999999999", "order 9999999999"),  # not a real date: not a CPR number
        ("id 103048512390", "id 103048512390"),  # inside a longer number
    ],
)
def test_redact_replaces_cpr_numbers_only(text: str, expected: str) -> None:
    assert redact(text) == expected

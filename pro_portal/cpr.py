"""Danish CPR numbers: validation, birth date, sex, keyed hash and masking.

Rules from the CPR Office's description of the personal identification number
("Personnummeret i CPR-systemet", CPR-kontoret, 2008, sections 2–4):

- ten digits, DDMMYY followed by a four-digit serial number;
- the century comes from the seventh digit together with the year:

  ======== ========= ========= =========
  digit 7   YY 00–36  YY 37–57  YY 58–99
  ======== ========= ========= =========
  0–3       1900      1900      1900
  4, 9      2000      1900      1900
  5–8       2000      2000      1800
  ======== ========= ========= =========

- the last digit is odd for men and even for women.

There is no modulus-11 check: since 2007 numbers are issued that fail it.
Pure Python so it can be used anywhere (forms, tests, the engine never).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from dataclasses import dataclass

_SEPARATORS = re.compile(r"[\s-]")

INVALID_FORMAT = "A CPR number has 10 digits (DDMMYY-XXXX)."
INVALID_DATE = "The first six digits of a CPR number must be a real date (DDMMYY)."


class InvalidCprError(ValueError):
    """The text is not a valid CPR number; the message says why."""


@dataclass(frozen=True, slots=True)
class Cpr:
    digits: str
    birth_date: dt.date
    sex: str  # "male" or "female", as the CPR number states it

    @property
    def masked(self) -> str:
        """The form that may be shown beside a name: DDMMYY-xxxx."""
        return f"{self.digits[:6]}-xxxx"

    @property
    def formatted(self) -> str:
        return f"{self.digits[:6]}-{self.digits[6:]}"


def century(digit7: int, yy: int) -> int:
    if digit7 <= 3:
        return 1900
    if digit7 in (4, 9):
        return 2000 if yy <= 36 else 1900
    return 2000 if yy <= 57 else 1800


def parse_cpr(text: str) -> Cpr:
    """Parse ``DDMMYYXXXX`` (a dash or spaces allowed) or raise InvalidCprError."""
    digits = _SEPARATORS.sub("", text or "")
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        raise InvalidCprError(INVALID_FORMAT)
    day, month, yy = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    year = century(int(digits[6]), yy) + yy
    try:
        birth_date = dt.date(year, month, day)
    except ValueError:
        raise InvalidCprError(INVALID_DATE) from None
    sex = "male" if int(digits[9]) % 2 else "female"
    return Cpr(digits=digits, birth_date=birth_date, sex=sex)


def cpr_hash(digits: str, *, key: str) -> str:
    """Keyed hash for exact look-up: HMAC-SHA256, so a leaked table of hashes
    cannot be reversed by hashing all ~3.6 million plausible CPR numbers
    without the key."""
    return hmac.new(key.encode(), digits.encode(), hashlib.sha256).hexdigest()


# Ten digits, optionally DDMMYY-XXXX, not inside a longer number. Used to
# redact logs and to check that no CPR number leaks anywhere.
CPR_PATTERN = re.compile(r"(?<!\d)(\d{6})[- ]?(\d{4})(?!\d)")


def redact(text: str) -> str:
    """Replace every CPR-number-shaped sequence whose date part is a real date."""

    def _sub(match: re.Match[str]) -> str:
        try:
            parse_cpr(match.group(1) + match.group(2))
        except InvalidCprError:
            return match.group(0)
        return "[CPR]"

    return CPR_PATTERN.sub(_sub, text)

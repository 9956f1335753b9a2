"""JSON from outside — an imported questionnaire, ANSWERS.json — read within limits.

``json.loads`` recurses once per level of nesting, so 3000 nested brackets
raise ``RecursionError`` (a traceback, not a message), and it reads a file
of any size whole. Here the file's size is checked before it is read and
the nesting is measured before it is parsed, without recursion: strings
are blanked out (a bracket inside one is text) and the brackets left are
counted. The standard library has no depth limit, and a streaming parser
(ijson) would be a new dependency for this one count, so it is written here.

Plain Python (no Django), so the FHIR conversion can read the JSON embedded
in its extensions the same way; the limits come from settings
(``IMPORT_MAX_BYTES``, ``IMPORT_MAX_DEPTH``, ``IMPORT_MAX_ITEMS``) through
the callers.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

TOO_LARGE = "{name}: the file is {size:,} bytes; at most {limit:,} are read (IMPORT_MAX_BYTES)"
TOO_DEEP = "{name}: the JSON is nested {depth} levels deep; at most {limit} (IMPORT_MAX_DEPTH)"
NOT_A_NUMBER = "{name}: {constant} is not a JSON number"
CANNOT_READ_ANSWERS = "{name}: cannot read the answers: {reason}"
NOT_ANSWERS = "{name}: must be a JSON object of item id → answer"
TOO_MANY_ANSWERS = "{name}: {count:,} answers; at most {limit:,} (IMPORT_MAX_ITEMS)"

#: The nesting a caller that passes no limit gets (the default of IMPORT_MAX_DEPTH).
DEFAULT_MAX_DEPTH = 64

# A JSON string, escapes included ("unrolled" so it runs in linear time).
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


class JsonInputError(Exception):
    """The input is over a limit; the message says which and by how much."""


def nesting_depth(text: str) -> int:
    """How deeply arrays and objects nest in ``text`` (0 for a bare value).

    Counts brackets outside strings; invalid JSON gives some number, and
    ``json.loads`` then says what is wrong with it.
    """
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRING.sub('""', text)):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _refuse(constant: str) -> Any:
    raise ValueError(NOT_A_NUMBER.format(name="JSON", constant=constant))


def loads(text: str, *, max_depth: int = DEFAULT_MAX_DEPTH, name: str = "JSON") -> Any:
    """``json.loads`` that refuses nesting deeper than ``max_depth`` with
    :class:`JsonInputError`, and NaN and Infinity (not JSON) with ValueError
    like any other invalid JSON."""
    depth = nesting_depth(text)
    if depth > max_depth:
        raise JsonInputError(TOO_DEEP.format(name=name, depth=depth, limit=max_depth))
    try:
        return json.loads(text, parse_constant=_refuse)
    except RecursionError:  # pragma: no cover - measured above; kept so it can never be a traceback
        raise JsonInputError(TOO_DEEP.format(name=name, depth=depth, limit=max_depth)) from None


def read_file(path: Path, *, max_bytes: int, max_depth: int) -> Any:
    """The parsed JSON in ``path``. Raises JsonInputError over a limit;
    OSError, UnicodeDecodeError and ValueError (not JSON) as ``open`` and
    ``json`` do, for the caller to word."""
    size = path.stat().st_size
    if size > max_bytes:
        raise JsonInputError(TOO_LARGE.format(name=path.name, size=size, limit=max_bytes))
    with path.open("rb") as file:
        data = file.read(max_bytes + 1)  # a file that grew since stat() is cut off here
    if len(data) > max_bytes:
        raise JsonInputError(TOO_LARGE.format(name=path.name, size=len(data), limit=max_bytes))
    return loads(data.decode("utf-8"), max_depth=max_depth, name=path.name)


def read_answers(path: Path, *, max_bytes: int, max_depth: int, max_items: int) -> dict[str, Any]:
    """ANSWERS.json (item id → answer) within the limits; every problem —
    unreadable, not JSON, over a limit, not an object — is a JsonInputError
    whose message names the file."""
    try:
        given = read_file(path, max_bytes=max_bytes, max_depth=max_depth)
    except (OSError, ValueError) as error:  # UnicodeDecodeError is a ValueError
        raise JsonInputError(CANNOT_READ_ANSWERS.format(name=path.name, reason=error)) from None
    if not isinstance(given, dict):
        raise JsonInputError(NOT_ANSWERS.format(name=path.name))
    if len(given) > max_items:
        raise JsonInputError(
            TOO_MANY_ANSWERS.format(name=path.name, count=len(given), limit=max_items)
        )
    return given

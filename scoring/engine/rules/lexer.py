"""Tokenizer of the rule language (grammar in docs/definitions.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass


class RuleSyntaxError(Exception):
    """A syntax or type error at ``pos`` (0-based) of the expression."""

    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "number", "string", "name", "op" or "end"
    text: str
    pos: int


_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*")
_OPERATORS = ("!=", ">=", "<=", "=", ">", "<", "+", "-", "*", "/", "^", "(", ")", "[", "]", ",")
#: Plain digits beyond this many are surely a typo, and would lose precision.
_MAX_DIGITS = 15


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens, ending with an ``end`` token."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char.isspace():
            pos += 1
            continue
        if match := _NUMBER.match(text, pos):
            if len(match.group().replace(".", "")) > _MAX_DIGITS:
                raise RuleSyntaxError(f"number {match.group()} has too many digits", pos)
            tokens.append(Token("number", match.group(), pos))
            pos = match.end()
            continue
        if match := _NAME.match(text, pos):
            tokens.append(Token("name", match.group(), pos))
            pos = match.end()
            continue
        if char == "'":
            end = text.find("'", pos + 1)
            if end < 0:
                raise RuleSyntaxError("unterminated string: a closing ' is missing", pos)
            tokens.append(Token("string", text[pos + 1 : end], pos))
            pos = end + 1
            continue
        if char == '"':
            raise RuleSyntaxError("strings are written in single quotes, like 'daily'", pos)
        if text.startswith("==", pos):
            raise RuleSyntaxError("'==' is not an operator: write '=' to compare", pos)
        operator = next((op for op in _OPERATORS if text.startswith(op, pos)), None)
        if operator is None:
            raise RuleSyntaxError(f"unexpected character {char!r}", pos)
        tokens.append(Token("op", operator, pos))
        pos += len(operator)
    tokens.append(Token("end", "", len(text)))
    return tokens

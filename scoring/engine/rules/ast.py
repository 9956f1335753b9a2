"""Syntax tree of a rule expression, produced by the parser."""

from __future__ import annotations

from dataclasses import dataclass

from scoring.engine.model import Number


@dataclass(frozen=True, slots=True)
class Num:
    value: Number
    pos: int


@dataclass(frozen=True, slots=True)
class Str:
    value: str
    pos: int


@dataclass(frozen=True, slots=True)
class Name:
    name: str
    pos: int


@dataclass(frozen=True, slots=True)
class Neg:
    operand: Node
    pos: int


@dataclass(frozen=True, slots=True)
class Arith:
    """``+ - * / ^``; ``pos`` is the operator's position."""

    op: str
    left: Node
    right: Node
    pos: int


@dataclass(frozen=True, slots=True)
class Compare:
    op: str
    left: Node
    right: Node
    pos: int


@dataclass(frozen=True, slots=True)
class Logic:
    """``and`` / ``or``."""

    op: str
    left: Node
    right: Node
    pos: int


@dataclass(frozen=True, slots=True)
class Not:
    operand: Node
    pos: int


@dataclass(frozen=True, slots=True)
class Quantifier:
    """``any([a, b] >= 2)``, ``all(…)``, ``count(…)``."""

    fn: str
    names: tuple[Name, ...]
    op: str
    right: Node
    pos: int


@dataclass(frozen=True, slots=True)
class Call:
    """``answered(x)``, ``missing(x)``, ``selected(x, 'c')``, ``count_selected(x)``,
    ``change(x)``."""

    fn: str
    name: Name
    code: Str | None
    pos: int


Node = Num | Str | Name | Neg | Arith | Compare | Logic | Not | Quantifier | Call

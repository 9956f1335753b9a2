"""Type checker and compiler of the rule language.

A syntax tree is checked once per definition (numbers, true/false and
quoted codes never mix; names exist and have the right kind) and turned
into nested closures: evaluating a rule is then a few Python calls, with no
tree walking and no ``eval``. The compiled tree keeps its children so that
the rare fired or unknown rule can be explained (:func:`witnesses`,
:func:`unknowns`).
"""

from __future__ import annotations

import difflib
import math
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from scoring.engine.model import Number
from scoring.engine.rules.ast import (
    Arith,
    Call,
    Compare,
    Logic,
    Name,
    Neg,
    Node,
    Not,
    Num,
    Quantifier,
    Str,
)
from scoring.engine.rules.lexer import RuleSyntaxError
from scoring.engine.rules.parser import parse
from scoring.engine.rules.values import COMPARISON, NA, Env, Range, kleene

NUMBER = "a number"
BOOLEAN = "true/false"

Fn = Callable[[Env], Any]


@dataclass(frozen=True, slots=True)
class Symbol:
    """What a name denotes: ``kind`` is ``number`` (a number item or a score),
    ``choice`` (a number with a code), ``set`` (a list of codes), ``other``
    (date or text: only answered/missing) or ``display``."""

    kind: str
    described: str
    codes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, eq=False)
class Compiled:
    """A checked, compiled expression node. Leaves that read an answer carry
    its ``name``; inner nodes carry their ``children``."""

    kind: str
    type: str
    fn: Fn
    children: tuple[Compiled, ...] = ()
    name: str | None = None


def compile_expression(text: str, symbols: Mapping[str, Symbol], want: str) -> Compiled:
    """Parse, check and compile ``text``; ``want`` is :data:`BOOLEAN` for a
    rule and :data:`NUMBER` for a formula score. Raises RuleSyntaxError."""
    tree = parse(text)
    compiled = _Compiler(symbols).compile(tree)
    if compiled.type != want:
        raise RuleSyntaxError(
            f"the expression must give {want}, but it gives {compiled.type}", _pos(tree)
        )
    return compiled


def referenced_names(text: str) -> tuple[list[str], list[str]]:
    """The ids a valid expression mentions, and those it reads through
    change(), each in order of first mention."""
    found: dict[str, None] = {}
    changed: dict[str, None] = {}
    _collect_names(parse(text), found, changed)
    return list(found), list(changed)


def _collect_names(node: Node, found: dict[str, None], changed: dict[str, None]) -> None:
    if isinstance(node, Name):
        found[node.name] = None
    elif isinstance(node, Neg | Not):
        _collect_names(node.operand, found, changed)
    elif isinstance(node, Arith | Compare | Logic):
        _collect_names(node.left, found, changed)
        _collect_names(node.right, found, changed)
    elif isinstance(node, Quantifier):
        found.update(dict.fromkeys(name.name for name in node.names))
        _collect_names(node.right, found, changed)
    elif isinstance(node, Call):
        found[node.name.name] = None
        if node.fn == "change":
            changed[node.name.name] = None


def _pos(node: Node) -> int:
    if isinstance(node, Arith | Compare | Logic):
        return _pos(node.left)
    return node.pos


class _Compiler:
    def __init__(self, symbols: Mapping[str, Symbol]) -> None:
        self.symbols = symbols

    def compile(self, node: Node) -> Compiled:
        if isinstance(node, Num):
            value = node.value
            return Compiled("const", NUMBER, lambda env: value)
        if isinstance(node, Str):
            raise RuleSyntaxError(
                f"a quoted code can only be compared with a choice item, like x = '{node.value}'",
                node.pos,
            )
        if isinstance(node, Name):
            return self.number_name(node)
        if isinstance(node, Neg):
            return Compiled("neg", NUMBER, _neg(self.number(node.operand).fn), ())
        if isinstance(node, Arith):
            left, right = self.number(node.left), self.number(node.right)
            return Compiled("arith", NUMBER, _arith(node.op, left.fn, right.fn), (left, right))
        if isinstance(node, Compare):
            return self.comparison(node)
        if isinstance(node, Logic):
            left, right = self.boolean(node.left), self.boolean(node.right)
            make = _and if node.op == "and" else _or
            return Compiled(node.op, BOOLEAN, make(left.fn, right.fn), (left, right))
        if isinstance(node, Not):
            operand = self.boolean(node.operand)
            return Compiled("not", BOOLEAN, _not(operand.fn), (operand,))
        if isinstance(node, Quantifier):
            return self.quantifier(node)
        return self.call(node)

    def typed(self, node: Node, want: str, context: str) -> Compiled:
        compiled = self.compile(node)
        if compiled.type != want:
            raise RuleSyntaxError(f"{context} needs {want}, found {compiled.type}", _pos(node))
        return compiled

    def number(self, node: Node) -> Compiled:
        return self.typed(node, NUMBER, "arithmetic and comparison")

    def boolean(self, node: Node) -> Compiled:
        return self.typed(node, BOOLEAN, "'and', 'or' and 'not'")

    def symbol(self, name: Name) -> Symbol:
        symbol = self.symbols.get(name.name)
        if symbol is None:
            close = difflib.get_close_matches(name.name, list(self.symbols), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise RuleSyntaxError(f"unknown item or score '{name.name}'{hint}", name.pos)
        if symbol.kind == "display":
            raise RuleSyntaxError(f"{name.name} is a display text and is never answered", name.pos)
        return symbol

    def number_name(self, name: Name) -> Compiled:
        symbol = self.symbol(name)
        if symbol.kind == "set":
            raise RuleSyntaxError(
                f"{name.name} is {symbol.described} and has no single number:"
                f" use selected({name.name}, 'code') or count_selected({name.name})",
                name.pos,
            )
        if symbol.kind == "other":
            raise RuleSyntaxError(
                f"{name.name} is {symbol.described}: only answered({name.name})"
                f" and missing({name.name}) apply",
                name.pos,
            )
        return Compiled("name", NUMBER, _read(name.name), name=name.name)

    def comparison(self, node: Compare) -> Compiled:
        if isinstance(node.right, Str):
            return self.code_comparison(node, node.left, node.right)
        if isinstance(node.left, Str):
            return self.code_comparison(node, node.right, node.left)
        left, right = self.number(node.left), self.number(node.right)
        return Compiled("compare", BOOLEAN, _compare(node.op, left.fn, right.fn), (left, right))

    def code_comparison(self, node: Compare, other: Node, code: Str) -> Compiled:
        if not isinstance(other, Name):
            raise RuleSyntaxError(
                f"a quoted code can only be compared with a choice item, like x = '{code.value}'",
                code.pos,
            )
        symbol = self.symbol(other)
        if symbol.kind != "choice":
            hint = f": use selected({other.name}, '{code.value}')" if symbol.kind == "set" else ""
            raise RuleSyntaxError(
                f"{other.name} is {symbol.described}; only a single choice or yes/no item"
                f" is compared with a quoted code{hint}",
                other.pos,
            )
        if node.op not in ("=", "!="):
            raise RuleSyntaxError(
                f"'{node.op}' cannot compare option codes: use = or !=, or compare"
                f" {other.name} with a number (its value)",
                node.pos,
            )
        self.check_code(other.name, symbol, code)
        fn = _code_equals(other.name, code.value, node.op == "=")
        return Compiled("code", BOOLEAN, fn, name=other.name)

    def check_code(self, name: str, symbol: Symbol, code: Str) -> None:
        if code.value not in symbol.codes:
            raise RuleSyntaxError(
                f"'{code.value}' is not an option code of {name}"
                f" (codes: {', '.join(symbol.codes)})",
                code.pos,
            )

    def quantifier(self, node: Quantifier) -> Compiled:
        elements = tuple(
            self.comparison(Compare(node.op, name, node.right, name.pos)) for name in node.names
        )
        fns = tuple(element.fn for element in elements)
        if node.fn == "count":
            return Compiled("quantifier", NUMBER, _count(fns), elements)
        make = _any if node.fn == "any" else _all
        return Compiled("quantifier", BOOLEAN, make(fns), elements)

    def call(self, node: Call) -> Compiled:
        name = node.name.name
        symbol = self.symbol(node.name)
        if node.fn in ("answered", "missing"):
            fn = _answered(name) if node.fn == "answered" else _missing(name)
            return Compiled("call", BOOLEAN, fn, name=name)
        if node.fn == "change":
            if symbol.kind not in ("number", "choice"):
                raise RuleSyntaxError(
                    f"change() needs an item or score with a number; {name} is {symbol.described}",
                    node.name.pos,
                )
            return Compiled("call", NUMBER, _change(name), name=name)
        if symbol.kind != "set":
            raise RuleSyntaxError(
                f"{node.fn}() needs a multiple choice or body region item;"
                f" {name} is {symbol.described}",
                node.name.pos,
            )
        if node.code is None:
            return Compiled("call", NUMBER, _count_selected(name), name=name)
        self.check_code(name, symbol, node.code)
        return Compiled("call", BOOLEAN, _selected(name, node.code.value), name=name)


# --- run-time closures -------------------------------------------------------


def _read(name: str) -> Fn:
    def read(env: Env) -> Any:
        value = env.num.get(name)
        if value is None and name in env.na:
            return NA
        return value

    return read


def _neg(operand: Fn) -> Fn:
    def neg(env: Env) -> Any:
        value = operand(env)
        if value is None or value is NA:
            return value
        if value.__class__ is Range:
            return Range(-value.hi, -value.lo)
        return -value

    return neg


def _power(base: Number, exponent: Number) -> Number | None:
    try:
        return math.pow(base, exponent)
    except (ValueError, OverflowError):
        return None  # a negative base to a fractional power, 0 ^ -1, or too large


_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "^": _power,
}


def _bounds(value: Any) -> tuple[Number, Number]:
    if value.__class__ is Range:
        return value.lo, value.hi
    return value, value


def _range_arithmetic(op: str, left: Any, right: Any) -> Range | None:
    left_lo, left_hi = _bounds(left)
    right_lo, right_hi = _bounds(right)
    if op == "+":
        return Range(left_lo + right_lo, left_hi + right_hi)
    if op == "-":
        return Range(left_lo - right_hi, left_hi - right_lo)
    return None  # a product, quotient or power of a partly unknown count stays unknown


def _arith(op: str, left: Fn, right: Fn) -> Fn:
    apply = _ARITHMETIC[op]

    def arith(env: Env) -> Any:
        a = left(env)
        b = right(env)
        if a is NA or b is NA:
            return NA
        if a is None or b is None:
            return None
        if a.__class__ is Range or b.__class__ is Range:
            return _range_arithmetic(op, a, b)
        try:
            return apply(a, b)
        except ArithmeticError:
            return None  # division by zero, or a number too large for a float

    return arith


def _range_compare(op: str, left: Any, right: Any) -> bool | None:
    left_lo, left_hi = _bounds(left)
    right_lo, right_hi = _bounds(right)
    if op in ("=", "!="):
        # One side spans several numbers, so equality is never certain.
        if left_hi < right_lo or right_hi < left_lo:
            return op == "!="
        return None
    # An ordering holds everywhere iff it holds at both extreme corners.
    compare = COMPARISON[op]
    first, second = compare(left_lo, right_hi), compare(left_hi, right_lo)
    return first if first == second else None


def _compare(op: str, left: Fn, right: Fn) -> Fn:
    compare = COMPARISON[op]

    def comparison(env: Env) -> bool | None:
        a = left(env)
        b = right(env)
        if a is NA or b is NA:
            return False
        if a is None or b is None:
            return None
        if a.__class__ is Range or b.__class__ is Range:
            return _range_compare(op, a, b)
        return compare(a, b)

    return comparison


def _code_equals(name: str, code: str, equal: bool) -> Fn:
    def code_equals(env: Env) -> bool | None:
        answer = env.code.get(name)
        if answer is None:
            return False if name in env.na else None
        return (answer == code) is equal

    return code_equals


def _and(left: Fn, right: Fn) -> Fn:
    def conjunction(env: Env) -> bool | None:
        a = left(env)
        if a is False:
            return False
        b = right(env)
        if b is False:
            return False
        return None if a is None or b is None else True

    return conjunction


def _or(left: Fn, right: Fn) -> Fn:
    def disjunction(env: Env) -> bool | None:
        a = left(env)
        if a is True:
            return True
        b = right(env)
        if b is True:
            return True
        return None if a is None or b is None else False

    return disjunction


def _not(operand: Fn) -> Fn:
    def negation(env: Env) -> bool | None:
        value = operand(env)
        return None if value is None else not value

    return negation


def _any(elements: tuple[Fn, ...]) -> Fn:
    def any_(env: Env) -> bool | None:
        return kleene((element(env) for element in elements), decisive=True)

    return any_


def _all(elements: tuple[Fn, ...]) -> Fn:
    def all_(env: Env) -> bool | None:
        return kleene((element(env) for element in elements), decisive=False)

    return all_


def _count(elements: tuple[Fn, ...]) -> Fn:
    def count(env: Env) -> int | Range:
        true = unknown = 0
        for element in elements:
            value = element(env)
            if value is True:
                true += 1
            elif value is None:
                unknown += 1
        return Range(true, true + unknown) if unknown else true

    return count


def _answered(name: str) -> Fn:
    return lambda env: name in env.answered


def _missing(name: str) -> Fn:
    return lambda env: name not in env.answered and name not in env.na


def _selected(name: str, code: str) -> Fn:
    def selected(env: Env) -> bool | None:
        codes = env.sel.get(name)
        if codes is None:
            return False if name in env.na else None
        return code in codes

    return selected


def _count_selected(name: str) -> Fn:
    def count_selected(env: Env) -> Any:
        codes = env.sel.get(name)
        if codes is None:
            return NA if name in env.na else None
        return len(codes)

    return count_selected


def _change(name: str) -> Fn:
    read = _read(name)

    def change(env: Env) -> Any:
        previous = env.prev.get(name)
        if previous is None:
            return NA  # a first response: comparisons are false, not unknown
        value = read(env)
        if value is None or value is NA:
            return value
        return value - previous

    return change


# --- explanations ------------------------------------------------------------


def witnesses(node: Compiled, env: Env, found: dict[str, None], everything: bool = False) -> None:
    """Collect into ``found`` the names that made a true ``node`` true: for
    ``or`` only the true branches, for any/all/count only the matching
    items; under ``not`` every name (they are all why it is false)."""
    if not everything and node.kind in ("or", "quantifier"):
        children: Iterable[Compiled] = (c for c in node.children if c.fn(env) is True)
    else:
        children = node.children
        everything = everything or node.kind == "not"
    if node.name is not None:
        found[node.name] = None
    for child in children:
        witnesses(child, env, found, everything)


def unknowns(node: Compiled, env: Env, found: dict[str, None]) -> None:
    """Collect into ``found`` the missing names that leave ``node`` unknown."""
    value = node.fn(env)
    if value is not None and value.__class__ is not Range:
        return
    if node.name is not None:
        found[node.name] = None
        return
    for child in node.children:
        unknowns(child, env, found)

"""Recursive-descent parser of the rule language (EBNF in docs/definitions.md).

One function per precedence level, lowest first: ``or``, ``and``, ``not``,
comparison (not chainable), ``+ -``, ``* /``, unary ``-``, ``^`` (right
associative), primary.
"""

from __future__ import annotations

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
from scoring.engine.rules.lexer import RuleSyntaxError, Token, tokenize

KEYWORDS = frozenset({"and", "or", "not"})
QUANTIFIERS = frozenset({"any", "all", "count"})
CALLS = frozenset({"answered", "missing", "selected", "count_selected", "change"})
#: Words an item, score or rule id may not be.
RESERVED = KEYWORDS | QUANTIFIERS | CALLS
COMPARISONS = frozenset({"=", "!=", ">", ">=", "<", "<="})
#: How deeply brackets, calls, ``not``, unary minus and ``^`` may nest, and how
#: many tokens an expression may have. The parser, the compiler and the
#: evaluator recurse once per level (a chain ``a + b + …`` is one level per
#: term, so the token count bounds chains), and without bounds 3000 brackets
#: were a RecursionError instead of a message. The library's expressions have
#: at most 51 tokens and 5 levels; a sum of 150 items still fits.
MAX_NESTING = 32
MAX_TOKENS = 300


def parse(text: str) -> Node:
    """Parse ``text`` into a syntax tree or raise :class:`RuleSyntaxError`."""
    return _Parser(text).parse()


def _describe(token: Token) -> str:
    if token.kind == "end":
        return "the end of the expression"
    if token.kind == "string":
        return f"'{token.text}'"
    return repr(token.text)


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0
        if len(self.tokens) > MAX_TOKENS + 1:  # the end token is not the author's
            raise RuleSyntaxError(
                f"the expression has {len(self.tokens) - 1} tokens; at most {MAX_TOKENS}", 0
            )

    def nested(self, token: Token) -> None:
        """One level deeper; too deep is a syntax error, not a RecursionError."""
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise RuleSyntaxError(f"nested more than {MAX_NESTING} levels deep", token.pos)

    def peek(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind != "end":
            self.index += 1
        return token

    def at_op(self, *ops: str) -> bool:
        token = self.peek()
        return token.kind == "op" and token.text in ops

    def at_word(self, word: str) -> bool:
        token = self.peek()
        return token.kind == "name" and token.text == word

    def expect_op(self, op: str, context: str) -> Token:
        token = self.advance()
        if token.kind != "op" or token.text != op:
            raise RuleSyntaxError(f"expected '{op}' {context}, found {_describe(token)}", token.pos)
        return token

    def parse(self) -> Node:
        node = self.disjunction()
        token = self.peek()
        if token.kind != "end":
            raise RuleSyntaxError(f"unexpected {_describe(token)}", token.pos)
        return node

    def disjunction(self) -> Node:
        self.nested(self.peek())
        left = self.conjunction()
        while self.at_word("or"):
            token = self.advance()
            left = Logic("or", left, self.conjunction(), token.pos)
        self.depth -= 1
        return left

    def conjunction(self) -> Node:
        left = self.negation()
        while self.at_word("and"):
            token = self.advance()
            left = Logic("and", left, self.negation(), token.pos)
        return left

    def negation(self) -> Node:
        if self.at_word("not"):
            token = self.advance()
            self.nested(token)
            node = Not(self.negation(), token.pos)
            self.depth -= 1
            return node
        return self.comparison()

    def comparison(self) -> Node:
        left = self.sum()
        token = self.peek()
        if token.kind == "op" and token.text in COMPARISONS:
            self.advance()
            node = Compare(token.text, left, self.sum(), token.pos)
            following = self.peek()
            if following.kind == "op" and following.text in COMPARISONS:
                raise RuleSyntaxError(
                    "comparisons cannot be chained: join them with 'and'", following.pos
                )
            return node
        return left

    def sum(self) -> Node:
        left = self.product()
        while self.at_op("+", "-"):
            token = self.advance()
            left = Arith(token.text, left, self.product(), token.pos)
        return left

    def product(self) -> Node:
        left = self.unary()
        while self.at_op("*", "/"):
            token = self.advance()
            left = Arith(token.text, left, self.unary(), token.pos)
        return left

    def unary(self) -> Node:
        if self.at_op("-"):
            token = self.advance()
            self.nested(token)
            node = Neg(self.unary(), token.pos)
            self.depth -= 1
            return node
        return self.power()

    def power(self) -> Node:
        base = self.primary()
        if self.at_op("^"):
            token = self.advance()
            self.nested(token)
            node = Arith("^", base, self.unary(), token.pos)
            self.depth -= 1
            return node
        return base

    def primary(self) -> Node:
        token = self.advance()
        if token.kind == "number":
            value = float(token.text) if "." in token.text else int(token.text)
            return Num(value, token.pos)
        if token.kind == "string":
            return Str(token.text, token.pos)
        if token.kind == "name":
            return self.name_or_call(token)
        if token.kind == "op" and token.text == "(":
            inner = self.disjunction()
            self.expect_op(")", "to close '('")
            return inner
        if token.kind == "op" and token.text == "[":
            raise RuleSyntaxError(
                "a list [...] is only allowed inside any(), all() or count()", token.pos
            )
        raise RuleSyntaxError(f"expected a value, found {_describe(token)}", token.pos)

    def name_or_call(self, token: Token) -> Node:
        word = token.text
        if word in KEYWORDS:
            raise RuleSyntaxError(f"expected a value before '{word}'", token.pos)
        if word in QUANTIFIERS or word in CALLS:
            if not self.at_op("("):
                raise RuleSyntaxError(f"{word} is a function: write {word}(…)", token.pos)
            self.advance()
            if word in QUANTIFIERS:
                return self.quantifier(token)
            return self.call(token)
        return Name(word, token.pos)

    def quantifier(self, fn: Token) -> Node:
        opening = self.advance()
        if opening.kind != "op" or opening.text != "[":
            raise RuleSyntaxError(
                f"{fn.text}() takes a comparison of an item list, like {fn.text}([a, b] >= 2)",
                opening.pos,
            )
        names = [self.name_argument("in the list")]
        while self.at_op(","):
            self.advance()
            names.append(self.name_argument("in the list"))
        self.expect_op("]", "to close the list")
        token = self.advance()
        if token.kind != "op" or token.text not in COMPARISONS:
            raise RuleSyntaxError(
                f"expected a comparison after the list, like {fn.text}([a, b] >= 2),"
                f" found {_describe(token)}",
                token.pos,
            )
        right = self.sum()
        self.expect_op(")", f"to close {fn.text}(")
        return Quantifier(fn.text, tuple(names), token.text, right, fn.pos)

    def call(self, fn: Token) -> Node:
        name = self.name_argument(f"as the argument of {fn.text}()")
        code = None
        if fn.text == "selected":
            self.expect_op(",", "after the item in selected(item, 'code')")
            token = self.advance()
            if token.kind != "string":
                raise RuleSyntaxError(
                    f"selected() takes an option code in quotes, like selected({name.name}, 'x')",
                    token.pos,
                )
            code = Str(token.text, token.pos)
        self.expect_op(")", f"to close {fn.text}(")
        return Call(fn.text, name, code, fn.pos)

    def name_argument(self, context: str) -> Name:
        token = self.advance()
        if token.kind != "name" or token.text in RESERVED:
            raise RuleSyntaxError(
                f"expected an item or score id {context}, found {_describe(token)}", token.pos
            )
        return Name(token.text, token.pos)

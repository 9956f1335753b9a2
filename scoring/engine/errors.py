"""Problems found in a definition or in a set of answers.

A definition is authored by people who are not programmers, so every problem
names the file, where in the file, the id concerned and the reason, and
``str()`` gives one readable line per problem (the loader prints them and
refuses to publish).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong, located precisely.

    ``location`` reads like a path into the file, indices counted from 0 and
    the id in brackets: ``rules[3] (phq9_total_moderate)`` or
    ``sections[1].items[4] (phq9.9)``. ``position`` is the 1-based character
    position inside a rule expression, when the problem is in one.
    """

    source: str
    location: str
    reason: str
    id: str | None = None
    position: int | None = None

    def __str__(self) -> str:
        return f"{self.source}: {self.location}: {self.reason}"


class _ProblemsError(ValueError):
    """An error carrying a list of problems, one line each in ``str()``."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)


class DefinitionError(_ProblemsError):
    """The definition cannot be published: see ``problems``."""


class AnswerError(_ProblemsError):
    """The answers do not fit the definition: see ``problems``."""

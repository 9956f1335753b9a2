"""Counts the fuzz cases each target ran and prints them after the run, so
that the long run (FUZZ_EXAMPLES, README) shows how many it tried."""

from __future__ import annotations

from collections import Counter

import pytest

#: Cases run per target (a form or a query string), filled by tests/fuzz/test_no_5xx.py.
CASES: Counter[str] = Counter()
#: The status codes each target answered, to see that the cases reach the forms.
STATUSES: dict[str, Counter[int]] = {}


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not CASES:
        return
    total = sum(CASES.values())
    terminalreporter.write_sep(
        "-", f"fuzz: {total:,} cases over {len(CASES)} forms and query strings"
    )
    for target, count in sorted(CASES.items()):
        answered = ", ".join(f"{code}: {n}" for code, n in sorted(STATUSES[target].items()))
        terminalreporter.write_line(f"  {count:6,}  {target}  ({answered})")

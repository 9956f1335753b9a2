"""scoring/engine/compact.py: results stored as what the engine decided.

The compact form leaves out every text; read back under the definition
version it was scored under, it must be the very result ``evaluate``
returned (every library vector is checked against the summary and the PDF
in tests/scoring/test_compact_results.py).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from scoring.engine import (
    Definition,
    Result,
    evaluate,
    result_from_compact,
    result_to_compact,
    result_to_dict,
    result_to_stored,
)
from tests.engine.builders import definition, parse, text


def stored(result: Result, under: Definition) -> dict[str, Any]:
    """As the database hands it back: through JSON."""
    data: dict[str, Any] = json.loads(json.dumps(result_to_stored(result, under)))
    return data


@pytest.fixture(scope="module")
def demo() -> Definition:
    return parse(definition())


def test_a_red_result_is_stored_without_texts_and_reads_back_exactly(demo: Definition) -> None:
    result = evaluate(demo, {"q.1": "3", "q.2": "3", "q.3": "2"})
    data = stored(result, demo)

    assert data["result_format"] == 2
    assert "Safety answer" not in json.dumps(data)  # the flag's text is the definition's
    assert data["flags"] == [
        {"rule": "q3_safety", "answers": [["q.3", "2"]]},
        {"rule": "total_high", "scores": [["total"]]},
    ]
    assert data["scores"] == {"total": {"value": 8, "band": "high"}}
    assert result_from_compact(data, demo) == result


def test_an_unscored_score_keeps_its_status_and_missing_items(demo: Definition) -> None:
    """Two of three items missing is more than ``prorate_up_to: 1``: not scored."""
    result = evaluate(demo, {"q.1": "1"})
    data = stored(result, demo)

    assert data["scores"] == {
        "total": {"value": None, "status": "not_scored", "used": ["q.1"], "missing": ["q.2", "q.3"]}
    }
    assert data["not_assessable"] == [["q3_safety", ["q.3"]], ["total_high", ["q.2", "q.3"]]]
    assert result_from_compact(data, demo) == result


def test_a_triage_result_takes_its_meaning_from_the_version(demo: Definition) -> None:
    triage = parse(definition(intended_use="triage", triage={"green_interval_days": 30}))
    result = evaluate(triage, {"q.1": "0", "q.2": "0", "q.3": "0"})
    back = result_from_compact(stored(result, triage), triage)

    assert back.meaning.next_questionnaire_days == 30
    assert back.meaning.action["en"] == "Next questionnaire after 30 days."
    assert back == result


def test_a_result_its_version_cannot_reproduce_is_stored_in_full(demo: Definition) -> None:
    result = evaluate(demo, {"q.1": "3", "q.2": "3", "q.3": "2"})
    other_text = dataclasses.replace(
        result,
        flags=(
            dataclasses.replace(result.flags[0], clinician_text=text("Said otherwise")),
            *result.flags[1:],
        ),
    )
    unknown_score = dataclasses.replace(
        result, scores=(dataclasses.replace(result.scores[0], id="elsewhere"),)
    )
    other_version = dataclasses.replace(result, version="2.0.0")

    for kept in (other_text, unknown_score, other_version):
        assert stored(kept, demo) == json.loads(json.dumps(result_to_dict(kept)))


def test_a_compact_result_is_read_only_with_its_own_version(demo: Definition) -> None:
    data = result_to_compact(evaluate(demo, {"q.1": "0", "q.2": "0", "q.3": "0"}), demo)
    later = parse(definition(version="1.1.0"))

    with pytest.raises(ValueError, match=r"demo@1\.0\.0 read with demo@1\.1\.0"):
        result_from_compact(data, later)
    with pytest.raises(ValueError, match="not a compact result"):
        result_from_compact({**data, "result_format": 1}, demo)


def test_a_prorated_score_says_so(demo: Definition) -> None:
    """One of three items missing is within ``prorate_up_to: 1``: 3 + 2 over
    two answered items, times three, is 7.5, rounded half up to 8."""
    result = evaluate(demo, {"q.1": "3", "q.3": "2"})
    data = stored(result, demo)

    assert data["scores"] == {
        "total": {
            "value": 8,
            "band": "high",
            "used": ["q.1", "q.3"],
            "missing": ["q.2"],
            "prorated": True,
        }
    }
    assert result_from_compact(data, demo) == result

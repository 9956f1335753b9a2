"""PRO Portal's scoring engine: a pure-Python library, no Django.

Definitions (docs/definitions.md) are parsed and compiled once; ``evaluate``
is then a pure, deterministic function of (definition, answers, previous
result). Every value in and out is a frozen dataclass.
"""

from scoring.engine.compact import (
    result_from_compact,
    result_from_stored,
    result_to_compact,
    result_to_stored,
)
from scoring.engine.errors import AnswerError, DefinitionError, Problem
from scoring.engine.evaluate import (
    answers_by_id,
    enable_failures,
    enabled_items,
    evaluate,
    validate_answers,
)
from scoring.engine.model import (
    Answer,
    Band,
    Condition,
    Definition,
    EnableWhen,
    Expectation,
    Instrument,
    Item,
    Option,
    PatientContext,
    PatientGroup,
    PreviousValues,
    Provenance,
    Rule,
    Score,
    ScoreExpectation,
    Section,
    Text,
    Vector,
)
from scoring.engine.parse import parse_definition
from scoring.engine.results import (
    AnswerInvolved,
    Because,
    Flag,
    Meaning,
    NotAssessable,
    PatientMessage,
    Result,
    ScoreInvolved,
    ScoreResult,
    pick_language,
    pick_text,
    result_from_dict,
    result_to_dict,
    result_to_score_json,
)
from scoring.engine.semantics import colour_meaning
from scoring.engine.vectors import VectorFailure, run_test_vectors
from scoring.engine.version import ENGINE_VERSION

__all__ = [
    "ENGINE_VERSION",
    "Answer",
    "AnswerError",
    "AnswerInvolved",
    "Band",
    "Because",
    "Condition",
    "Definition",
    "DefinitionError",
    "EnableWhen",
    "Expectation",
    "Flag",
    "Instrument",
    "Item",
    "Meaning",
    "NotAssessable",
    "Option",
    "PatientContext",
    "PatientGroup",
    "PatientMessage",
    "PreviousValues",
    "Problem",
    "Provenance",
    "Result",
    "Rule",
    "Score",
    "ScoreExpectation",
    "ScoreInvolved",
    "ScoreResult",
    "Section",
    "Text",
    "Vector",
    "VectorFailure",
    "answers_by_id",
    "colour_meaning",
    "enable_failures",
    "enabled_items",
    "evaluate",
    "parse_definition",
    "pick_language",
    "pick_text",
    "result_from_compact",
    "result_from_dict",
    "result_from_stored",
    "result_to_compact",
    "result_to_dict",
    "result_to_score_json",
    "result_to_stored",
    "run_test_vectors",
    "validate_answers",
]

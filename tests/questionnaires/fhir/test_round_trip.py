"""Library → FHIR → import keeps every item, rule and score: the re-imported
definition gives the same overall, scores and flags as the original on every
test vector of every library questionnaire."""

from __future__ import annotations

import copy
import dataclasses
import json
from dataclasses import replace
from typing import Any

import pytest

from questionnaires.fhir.export import questionnaire_to_fhir
from questionnaires.fhir.importer import ImportResult, questionnaire_from_fhir
from scoring.engine import Definition, evaluate, parse_definition
from scoring.engine.vectors import evaluate_vector
from tests.questionnaires.fhir.helpers import import_items, library, library_ids
from tests.questionnaires.fhir.test_fhirpath_scores import SYNTHETIC
from tests.questionnaires.fhir.test_import_constructs import WEIGHT_OF, calculated, weighted


def round_trip(definition: Definition) -> ImportResult:
    exported = json.loads(json.dumps(questionnaire_to_fhir(definition)))
    return questionnaire_from_fhir(exported, source=f"{definition.id}.json")


def outcome(definition: Definition, vector: Any) -> tuple[Any, ...]:
    result = evaluate_vector(definition, vector)
    return (
        result.overall,
        [(s.id, s.value, s.band, s.status) for s in result.scores],
        [f.rule_id for f in result.flags],
        [n.rule_id for n in result.not_assessable],
    )


@pytest.mark.parametrize("definition", library(), ids=library_ids())
def test_every_item_rule_and_score_comes_back_unchanged(definition: Definition) -> None:
    back = round_trip(definition).definition
    assert back.items == definition.items
    assert back.scores == definition.scores
    assert back.rules == definition.rules
    assert back.sections == definition.sections


@pytest.mark.parametrize("definition", library(), ids=library_ids())
def test_every_vector_gives_the_same_overall_scores_and_flags_after_the_round_trip(
    definition: Definition,
) -> None:
    back = round_trip(definition).definition
    for vector in definition.test_vectors:
        assert outcome(back, vector) == outcome(definition, vector), vector.id


@pytest.mark.parametrize("definition", library(), ids=library_ids())
def test_the_round_trip_warns_about_nothing_and_keeps_the_rest_of_the_definition(
    definition: Definition,
) -> None:
    result = round_trip(definition)
    assert (result.warnings, result.renamed) == ([], {})
    for field in dataclasses.fields(definition):
        if field.name not in ("plan", "source", "provenance"):
            assert getattr(result.definition, field.name) == getattr(definition, field.name)


def test_a_round_tripped_definition_is_an_imported_draft() -> None:
    back = round_trip(library()[0]).definition
    assert back.provenance.kind == "imported"
    assert back.provenance.note["en"].startswith(
        "Imported from the FHIR Questionnaire http://pro-portal.invalid/fhir/Questionnaire/"
    )


def test_exporting_the_reimport_gives_the_same_questionnaire() -> None:
    definition = next(d for d in library() if d.id == "chronic_pain")
    first = questionnaire_to_fhir(definition)
    second = questionnaire_to_fhir(round_trip(definition).definition)
    assert [e for e in second["extension"] if "definition" not in e["url"]] == [
        e for e in first["extension"] if "definition" not in e["url"]
    ]
    assert second["item"] == first["item"]


def test_every_scorer_feature_survives_the_round_trip() -> None:
    # A numbers-only definition has no texts; the export writes ids instead.
    back = round_trip(SYNTHETIC).definition
    assert [replace(s, label={}) for s in back.scores] == list(SYNTHETIC.scores)
    assert [shape(i) for i in back.items] == [shape(i) for i in SYNTHETIC.items]


def shape(item: Any) -> Any:
    """An item without its texts."""
    options = tuple(replace(o, label={}) for o in item.options)
    return replace(item, text={}, options=options, anchors=None, unit={})


def test_enable_when_fhir_cannot_express_and_triage_survive_the_round_trip() -> None:
    from tests.questionnaires.fhir.test_export import NUMBERS

    definition = parse_definition(copy.deepcopy(NUMBERS), source="numbers")
    back = round_trip(definition).definition
    for field in dataclasses.fields(definition):
        if field.name not in ("plan", "source", "provenance"):
            assert getattr(back, field.name) == getattr(definition, field.name)


def test_an_imported_fhirpath_score_survives_export_and_import() -> None:
    expression = f"({WEIGHT_OF.format('x')}) * 10 + ({WEIGHT_OF.format('y')})"
    first = import_items([weighted("x"), weighted("y"), calculated(expression)]).definition
    back = round_trip(first).definition
    answers = {"x": "b", "y": "c"}
    assert back.score("total").method == "fhirpath"
    assert evaluate(back, answers).score("total").value == 12
    assert evaluate(first, answers).score("total").value == 12

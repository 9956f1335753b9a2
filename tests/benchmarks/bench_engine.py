"""Benchmark: median ``evaluate()`` time, and the same PHQ-9 total in fhirpathpy.

    .venv/bin/python tests/benchmarks/bench_engine.py [--runs N]

Targets (docs/design: "Targets to measure against"): median evaluate on the
chronic-pain questionnaire ≤ 0.5 ms; ≥ 100 × faster than fhirpathpy on the
same PHQ-9 total. Both are measured in the same run, because these machines
are noisy; the ratio is the figure to compare between runs.

The definition is questionnaires/definitions/chronic_pain/1.0.0.yaml when it
exists and validates, else a synthetic thick definition (60 items, 15
scores, 40 rules) built here; the synthetic one is always measured too, as
it has the target's shape. The fhirpathpy side is an SDC Questionnaire in the
form of /work/shared/fhir-examples/apgar-with-itemWeight-variable.json —
itemWeight on each answer option, one ``variable`` per item looking the
weight up, and a calculatedExpression summing the variables — evaluated
over a QuestionnaireResponse, each expression compiled once beforehand.

Imported questionnaires are measured too (issue 15): the same PHQ-9 file
imported (its total translated to a ``sum`` because fhirpathpy confirms
it), PHQ-9 whose total is SDC's ``%resource.item.answer.value.weight().sum()``
— translated to a ``sum`` whose missing items count 0, and the same file
imported with that translation switched off (kept as FHIRPath, as before) —
and the hand-written screener with an
enableWhenExpression on a group of twelve questions and two FHIRPath totals
(tests/fixtures/fhir/hand-written/screener-enable-expression.json), with
``enabled_items()`` — what each patient page runs — beside it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import fhirpathpy  # noqa: E402 - after the path set-up above

from questionnaires.fhir import importer  # noqa: E402
from questionnaires.fhir.importer import questionnaire_from_fhir  # noqa: E402
from questionnaires.library import LIBRARY_DIR, load_definition  # noqa: E402
from scoring.engine import (  # noqa: E402
    Definition,
    DefinitionError,
    Item,
    enabled_items,
    evaluate,
    parse_definition,
    run_test_vectors,
)

CHRONIC_PAIN = LIBRARY_DIR / "chronic_pain" / "1.0.0.yaml"
ITEM_WEIGHT = "http://hl7.org/fhir/StructureDefinition/itemWeight"
VARIABLE = "http://hl7.org/fhir/StructureDefinition/variable"
CALCULATED = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression"
SCREENER = ROOT / "tests" / "fixtures" / "fhir" / "hand-written" / "screener-enable-expression.json"


def median_seconds(function: Callable[[], object], runs: int) -> float:
    for _ in range(min(runs, 50)):  # warm up
        function()
    timings = []
    for _ in range(runs):
        started = time.perf_counter_ns()
        function()
        timings.append(time.perf_counter_ns() - started)
    return statistics.median(timings) / 1e9


# --- our side --------------------------------------------------------------------


def synthetic_thick() -> dict[str, Any]:
    """60 items, 15 scores, 40 rules — the shape of a 'thick' questionnaire."""
    options = [{"code": str(v), "value": v} for v in range(4)]
    items: list[dict[str, Any]] = [
        {"id": f"s{g}.{n}", "type": "single_choice", "options": options}
        for g in range(1, 12)
        for n in range(1, 5)
    ]  # 44 choice items in 11 groups of 4
    items += [{"id": f"nrs.{n}", "type": "nrs"} for n in range(1, 7)]
    items += [{"id": f"yn.{n}", "type": "yes_no"} for n in range(1, 5)]
    items += [
        {"id": "weight", "type": "decimal", "min": 30, "max": 250},
        {"id": "height", "type": "integer", "min": 120, "max": 220},
        {
            "id": "regions",
            "type": "body_regions",
            "options": [{"code": c, "value": 1} for c in ("head", "neck", "back", "legs")],
        },
        {
            "id": "follow_up",
            "type": "nrs",
            "enable_when": {"conditions": [{"item": "yn.1", "op": "=", "value": "yes"}]},
        },
        {"id": "note", "type": "long_text"},
        {"id": "since", "type": "date"},
    ]
    scores: list[dict[str, Any]] = [
        {
            "id": f"g{g}",
            "method": "sum",
            "items": [f"s{g}.{n}" for n in range(1, 5)],
            "missing": {"prorate_up_to": 1},
            "range": [0, 12],
            "bands": [{"code": "low", "min": 0, "max": 5}, {"code": "high", "min": 6, "max": 12}],
        }
        for g in range(1, 11)
    ]
    scores += [
        {
            "id": "pain_mean",
            "method": "mean",
            "items": [f"nrs.{n}" for n in range(1, 7)],
            "decimals": 1,
        },
        {
            "id": "g11_rev",
            "method": "sum",
            "items": [f"s11.{n}" for n in range(1, 5)],
            "reverse": ["s11.1", "s11.3"],
        },
        {
            "id": "bmi",
            "method": "formula",
            "expression": "weight / (height / 100) ^ 2",
            "decimals": 1,
        },
        {"id": "mood", "method": "sum", "items": ["g1", "g2", "g3"]},
        {"id": "function", "method": "sum", "items": [{"max": ["g4", "g5"]}, "g6"], "multiply": 2},
    ]
    rules: list[dict[str, Any]] = []
    for g in range(1, 11):
        rules.append({"id": f"g{g}_high", "when": f"g{g} >= 8", "colour": "yellow"})
        rules.append(
            {
                "id": f"g{g}_item",
                "when": f"s{g}.1 = '3' or s{g}.2 >= 3",
                "colour": "red" if g == 1 else "yellow",
            }
        )
        rules.append(
            {
                "id": f"g{g}_any",
                "when": f"any([s{g}.1, s{g}.2, s{g}.3, s{g}.4] >= 2) and g{g} < 8",
                "colour": "green",
            }
        )
    rules += [
        {"id": "pain_high", "when": "pain_mean >= 7", "colour": "red"},
        {
            "id": "pain_count",
            "when": "count([nrs.1, nrs.2, nrs.3, nrs.4] >= 5) >= 2",
            "colour": "yellow",
        },
        {"id": "bmi_high", "when": "bmi >= 35", "colour": "yellow"},
        {"id": "regions_many", "when": "count_selected(regions) >= 3", "colour": "yellow"},
        {"id": "back", "when": "selected(regions, 'back') and yn.2 = 'yes'", "colour": "green"},
        {"id": "mood_low", "when": "mood >= 20 and not (function > 30)", "colour": "red"},
        {"id": "follow_up_high", "when": "follow_up >= 8", "colour": "red"},
        {"id": "rev", "when": "g11_rev > 9 or missing(note)", "colour": "green"},
        {"id": "mixed", "when": "(nrs.5 + nrs.6) / 2 > 6 and yn.3 = 'no'", "colour": "yellow"},
        {"id": "since", "when": "answered(since) and yn.4 = 'yes'", "colour": "green"},
    ]
    return {
        "format": 1,
        "id": "synthetic_thick",
        "version": "1.0.0",
        "languages": [],
        "intended_use": "dialogue",
        "provenance": {"kind": "own"},
        "instruments": [
            {"id": "portal", "name": "synthetic", "licence": "own", "source": "benchmark"}
        ],
        "sections": [{"id": "all", "kind": "generic", "items": items}],
        "scores": [{"source": "benchmark", **s} for s in scores],
        "rules": [{"source": "benchmark", **r} for r in rules],
        "test_vectors": [],
    }


def full_answers(definition: Definition) -> dict[str, Any]:
    """A complete, valid, deterministic set of answers (the middle options)."""
    answers: dict[str, Any] = {}
    for item in definition.items:
        answer = _answer(item)
        if answer is not None:
            answers[item.id] = answer
    return answers


def _answer(item: Item) -> Any:
    codes = [option.code for option in item.options]
    if item.type in ("single_choice", "yes_no"):
        return codes[len(codes) // 2]
    if item.type in ("multiple_choice", "body_regions"):
        plain = [o.code for o in item.options if not o.exclusive]
        return plain[: max(int(item.min or 1), min(2, int(item.max or 2)))]
    if item.type in ("integer", "nrs", "decimal"):
        low, high = item.min or 0, item.max if item.max is not None else 10
        middle = (low + high) / 2
        return int(middle) if item.type != "decimal" else middle
    if item.type == "date":
        return item.min_date or "2024-01-15"
    if item.type in ("short_text", "long_text"):
        return "fine"
    return None


def chronic_pain() -> Definition | None:
    try:
        definition = load_definition(CHRONIC_PAIN)
    except DefinitionError:
        return None
    return None if run_test_vectors(definition) else definition


# --- the fhirpathpy side ------------------------------------------------------------


def phq9_sdc() -> dict[str, Any]:
    """PHQ-9 as an SDC Questionnaire in the itemWeight + variable form."""
    items: list[dict[str, Any]] = []
    variables = []
    for n in range(1, 10):
        link = f"phq9.{n}"
        items.append(
            {
                "linkId": link,
                "type": "choice",
                "answerOption": [
                    {
                        "valueCoding": {"system": "urn:phq9", "code": str(v)},
                        "extension": [{"url": ITEM_WEIGHT, "valueDecimal": v}],
                    }
                    for v in range(4)
                ],
            }
        )
        variables.append(
            {
                "url": VARIABLE,
                "valueExpression": {
                    "name": f"v{n}",
                    "language": "text/fhirpath",
                    "expression": f"%questionnaire.item.where(linkId = '{link}').answerOption"
                    f".where(valueCoding.code=%resource.item.where(linkId = '{link}')"
                    f".answer.valueCoding.code).extension.where(url='{ITEM_WEIGHT}').valueDecimal",
                },
            }
        )
    names = [f"%v{n}" for n in range(1, 10)]
    total = {
        "url": CALCULATED,
        "valueExpression": {
            "language": "text/fhirpath",
            "expression": f"iif({' and '.join(f'{n}.exists()' for n in names)},"
            f" {' + '.join(names)}, {{}})",
        },
    }
    items.append(
        {"linkId": "phq9", "type": "decimal", "readOnly": True, "extension": [*variables, total]}
    )
    return {"resourceType": "Questionnaire", "status": "active", "item": items}


def phq9_weight_sum() -> dict[str, Any]:
    """PHQ-9 with SDC's weight(): the total is the sum of the answers' itemWeights."""
    questionnaire = phq9_sdc()
    questionnaire["item"][-1]["extension"] = [
        {
            "url": CALCULATED,
            "valueExpression": {
                "language": "text/fhirpath",
                "expression": "%resource.item.answer.value.weight().sum()",
            },
        }
    ]
    return questionnaire


def imported_figures(runs: int, codes: dict[str, str]) -> list[str]:
    """evaluate() (and enabled_items()) on imported questionnaires."""
    lines = []
    kept: float | None = None
    for name, questionnaire, translate in (
        ("PHQ-9 file, total translated to a sum", phq9_sdc(), True),
        ("PHQ-9 file, weight().sum() kept as FHIRPath", phq9_weight_sum(), False),
        ("PHQ-9 file, weight().sum() translated (missing counts 0)", phq9_weight_sum(), True),
    ):
        with mock.patch.object(
            importer, "_common_form", importer._common_form if translate else lambda _: None
        ):
            result = questionnaire_from_fhir(
                questionnaire, source="bench", fallback_id="phq9_bench"
            )
        definition = result.definition
        answers = {
            k.replace(".", "_") if k not in definition.plan.items else k: v
            for k, v in codes.items()
        }
        assert evaluate(definition, answers).scores[0].value == 12
        method = definition.scores[0].method
        assert (method == "fhirpath") is not translate, (name, method)
        seconds = median_seconds(lambda d=definition, a=answers: evaluate(d, a), runs)
        if method == "fhirpath":
            kept = seconds
        faster = "" if kept is None or method == "fhirpath" else f", {kept / seconds:.0f}× faster"
        lines.append(
            f"evaluate() median, imported {name} ({method}): {seconds * 1e3:.3f} ms{faster}\n"
        )
    screener = questionnaire_from_fhir(json.loads(SCREENER.read_text()), source="bench").definition
    answers = {
        "screen": "yes",
        **{f"d{n:02d}": "often" for n in range(1, 13)},
        **{f"g{n}": "sometimes" for n in range(1, 4)},
    }
    fewer = max(runs // 20, 30)
    for screen in ("yes", "no"):
        given = {**answers, "screen": screen}
        seconds = median_seconds(lambda g=given: evaluate(screener, g), fewer)
        pages = median_seconds(lambda g=given: enabled_items(screener, g), fewer)
        lines.append(
            f"imported screener (enableWhenExpression on 12 items, 2 FHIRPath totals),"
            f" screener {screen}: evaluate() {seconds * 1e3:.3f} ms,"
            f" enabled_items() {pages * 1e3:.3f} ms\n"
        )
    return lines


def phq9_response(answers: dict[str, str]) -> dict[str, Any]:
    return {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "item": [
            {"linkId": link, "answer": [{"valueCoding": {"system": "urn:phq9", "code": code}}]}
            for link, code in answers.items()
        ],
    }


def fhirpath_total(questionnaire: dict[str, Any]) -> Callable[[dict[str, Any]], Any]:
    """Compile every expression once; return the function an SDC renderer
    would run: each variable in order, then the calculated expression."""
    extensions = questionnaire["item"][-1]["extension"]
    compiled = [
        (e["valueExpression"].get("name"), fhirpathpy.compile(e["valueExpression"]["expression"]))
        for e in extensions
    ]

    def total(response: dict[str, Any]) -> Any:
        context: dict[str, Any] = {"questionnaire": questionnaire, "resource": response}
        result: Any = None
        for name, expression in compiled:
            result = expression(response, context)
            if name is not None:
                context[name] = result
        return result

    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3000)
    runs = parser.parse_args().runs

    thick = parse_definition(synthetic_thick(), source="synthetic")
    pain = chronic_pain()
    target = pain or thick
    name = "chronic_pain/1.0.0" if pain else "synthetic thick definition (chronic_pain unusable)"
    answers = full_answers(target)
    ours = median_seconds(lambda: evaluate(target, answers), runs)
    thick_answers = full_answers(thick)
    ours_thick = median_seconds(lambda: evaluate(thick, thick_answers), runs)

    codes = {
        f"phq9.{n}": str(v) for n, v in zip(range(1, 10), (1, 2, 0, 3, 1, 2, 2, 1, 0), strict=True)
    }  # total 12
    questionnaire = phq9_sdc()
    response = phq9_response(codes)
    total = fhirpath_total(questionnaire)
    assert total(response) == [12], total(response)
    fhir = median_seconds(lambda: total(response), max(runs // 20, 50))

    phq9_definition = load_definition(LIBRARY_DIR / "phq9" / "1.0.0.yaml")
    assert evaluate(phq9_definition, codes).score("phq9").value == 12
    ours_phq9 = median_seconds(lambda: evaluate(phq9_definition, codes), runs)

    def shape(d: Definition) -> str:
        return f"{len(d.items)} items, {len(d.scores)} scores, {len(d.rules)} rules"

    write = sys.stdout.write
    write(
        f"evaluate() median on {name} ({shape(target)}): {ours * 1e3:.3f} ms  (target ≤ 0.5 ms)\n"
    )
    write(
        f"evaluate() median on the synthetic thick definition ({shape(thick)}):"
        f" {ours_thick * 1e3:.3f} ms\n"
    )
    write(f"evaluate() median on phq9/1.0.0 alone: {ours_phq9 * 1e3:.3f} ms\n")
    write(
        f"fhirpathpy median, PHQ-9 total (itemWeight + variable form, compiled once):"
        f" {fhir * 1e3:.3f} ms\n"
    )
    write(
        f"ratio fhirpathpy PHQ-9 total / evaluate({name.split(' ')[0]}): {fhir / ours:.0f}×"
        f"  (target ≥ 100×)\n"
    )
    write(f"ratio fhirpathpy PHQ-9 total / evaluate(phq9): {fhir / ours_phq9:.0f}×\n")
    for line in imported_figures(runs, codes):
        write(line)


if __name__ == "__main__":
    main()

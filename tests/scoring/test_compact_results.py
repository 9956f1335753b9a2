"""Results stored compactly show exactly what the full form showed (issue 16).

A stored result keeps what the engine decided; its texts come from the
definition version it was scored under (scoring/engine/compact.py). For every
test vector of every version in the library, the compact form reads back as
the very result the full form holds; and the summary built from either form —
its data, its page and the PDF's source — is the same, for the vectors of
each questionnaire's newest version that together raise, or leave unknown,
each of its rules and reach each colour (building and rendering every one of
the 676 vectors twice would take most of a minute).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections import defaultdict
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from pro_portal.models import Organisation, Patient
from questionnaires.library import library_paths, load_definition, read_published
from questionnaires.models import QuestionnaireVersion, Response, ScoringResult
from questionnaires.services import questionnaire_publish
from scoring.engine import Result, result_from_stored, result_to_dict, result_to_stored
from scoring.engine.model import Vector
from scoring.engine.vectors import evaluate_vector
from scoring.summary import Summary, summary_build
from tests import factories

SUBMITTED = dt.datetime(2026, 12, 4, 8, 30, tzinfo=dt.UTC)
NO_ID = "00000000-0000-0000-0000-000000000000"


def _through_the_database(data: dict[str, Any]) -> Any:
    return json.loads(json.dumps(data))


def test_every_library_vector_reads_back_the_same_from_either_stored_form() -> None:
    count = 0
    for path in library_paths():
        definition = load_definition(path)
        for vector in definition.test_vectors:
            result = evaluate_vector(definition, vector)
            compact = _through_the_database(result_to_stored(result, definition))
            full = _through_the_database(result_to_dict(result))
            where = f"{path.parent.name}/{path.name} vector {vector.id}"
            assert compact["result_format"] == 2, where
            assert result_from_stored(compact, lambda d=definition: d) == result, where
            assert result_from_stored(full, lambda d=definition: d) == result, where
            count += 1
    assert count > 600  # every version's vectors, not a sample


def _patients(organisation: Organisation, count: int) -> list[tuple[Patient, Patient]]:
    """Pairs of patients alike in all the summary shows but the CPR number
    (same birth date and sex): one for the full form, one for the compact."""
    return [
        (
            Patient.objects.create(
                organisation=organisation, name="Vektor Patient", cpr=f"010170{2000 + 4 * n:04d}"
            ),
            Patient.objects.create(
                organisation=organisation, name="Vektor Patient", cpr=f"010170{2002 + 4 * n:04d}"
            ),
        )
        for n in range(count)
    ]


def _same_reader(summary: Summary) -> Summary:
    """Leave out what differs between the two patients' summaries by construction."""
    return dataclasses.replace(
        summary, response_id=str(NO_ID), patient_cpr="", generated_at=SUBMITTED
    )


def _covering(results: list[tuple[Vector, Result]]) -> list[tuple[Vector, Result]]:
    """A few of ``results`` that together raise, or leave unknown, every rule
    any of them does and reach every overall colour any of them does."""

    def features(result: Result) -> frozenset[str]:
        return frozenset(
            [f"flag {f.rule_id}" for f in result.flags]
            + [f"unknown {n.rule_id}" for n in result.not_assessable]
            + [f"overall {result.overall}"]
        )

    needed = frozenset().union(*(features(result) for _, result in results))
    chosen = []
    while needed:
        best = max(results, key=lambda pair: len(features(pair[1]) & needed))
        chosen.append(best)
        needed -= features(best[1])
    return chosen


def _store(response: Response, form: dict[str, Any], result: Result) -> ScoringResult:
    # Inserted as stored rows are (old rows hold the full form), not through
    # result_store, which writes the compact one.
    return ScoringResult.objects.create(
        response=response,
        questionnaire_id=result.questionnaire,
        definition_version=result.version,
        engine_version=result.engine_version,
        overall=result.overall,
        result=form,
        scored_at=SUBMITTED,
    )


@pytest.mark.django_db
def test_the_summary_page_and_pdf_source_are_the_same_from_either_stored_form() -> None:
    organisation = factories.OrganisationFactory()
    cases: list[tuple[QuestionnaireVersion, Vector, Result]] = []
    for path in factories.newest_library_paths().values():
        content, reuse = read_published(path)
        version = questionnaire_publish(content=content, source=path.name, reuse=reuse).version
        definition = version.definition
        scored = [(v, evaluate_vector(definition, v)) for v in definition.test_vectors]
        cases += [(version, vector, result) for vector, result in _covering(scored)]
    # A pair of patients answers each questionnaire once, so a trend, or the
    # waiting room's measurements (basic_data, the same day), read the same
    # form as the response itself.
    seen: dict[str, int] = defaultdict(int)
    for version, _vector, _result in cases:
        seen[version.questionnaire_id] += 1
    pairs = _patients(organisation, max(seen.values()))
    seen.clear()
    stored = []
    for version, vector, result in cases:
        answers = {k: list(v) if isinstance(v, tuple) else v for k, v in vector.answers.items()}
        forms = (result_to_dict(result), result_to_stored(result, version.definition))
        rows = []
        for patient, form in zip(pairs[seen[version.questionnaire_id]], forms, strict=True):
            response = factories.response_with_answers(patient, version, answers)
            response.status = Response.Status.SUBMITTED
            response.submitted_at = SUBMITTED
            response.save(update_fields=["status", "submitted_at"])
            rows.append(_store(response, form, result))
        seen[version.questionnaire_id] += 1
        stored.append((version, vector, rows))

    with translation.override("da"):
        for version, vector, rows in stored:
            shown = []
            for row in rows:
                row = ScoringResult.objects.select_related(
                    "response__questionnaire_version", "response__patient"
                ).get(pk=row.pk)
                summary = _same_reader(
                    summary_build(response=row.response, stored=row, language="da")
                )
                shown.append(
                    (
                        summary,
                        render_to_string("scoring/summary.html", {"s": summary}),
                        render_to_string("scoring/summary_pdf.html", {"s": summary}),
                    )
                )
            assert shown[0] == shown[1], f"{version.ref} vector {vector.id}"
    assert rows[1].result["result_format"] == 2

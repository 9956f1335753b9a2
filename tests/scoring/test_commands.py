"""manage.py score and rescore."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from questionnaires.models import ScoringResult
from tests import factories
from tests.questionnaires.test_submit import PHQ9_ALL_ZERO, PHQ9_TOTAL_6_ITEM9_1

pytestmark = pytest.mark.django_db


def score(tmp_path: Path, ref: str, answers: object) -> dict:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers))
    out = StringIO()
    call_command("score", ref, str(path), stdout=out)
    return json.loads(out.getvalue())


def test_score_prints_the_documented_json(tmp_path: Path) -> None:
    factories.published_version("phq9")
    result = score(tmp_path, "phq9@1.0.0", PHQ9_TOTAL_6_ITEM9_1)
    assert set(result) == {
        "questionnaire",
        "version",
        "overall",
        "scores",
        "flags",
        "patient_messages",
    }
    assert (result["questionnaire"], result["version"], result["overall"]) == (
        "phq9",
        "1.0.0",
        "red",
    )
    assert result["scores"]["phq9"] == {"value": 6, "band": "mild"}
    assert [f["id"] for f in result["flags"] if f["colour"] == "red"] == ["phq9_item9_self_harm"]


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"phq9.1": "7"}, "not an option"),
        ({"phq9.99": "1"}, "unknown item"),
        (["not", "an", "object"], "JSON object"),
    ],
)
def test_bad_answers_are_a_clear_error_with_exit_code_2(
    tmp_path: Path, answers: object, message: str
) -> None:
    factories.published_version("phq9")
    with pytest.raises(CommandError, match=message) as excinfo:
        score(tmp_path, "phq9", answers)
    assert excinfo.value.returncode == 2


def write_answers(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "answers.json"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # json.loads recursed into a RecursionError traceback.
        ('{"phq9.1": ' + "[" * 3000 + "]" * 3000 + "}", "nested 3001 levels deep; at most 64"),
        ('{"phq9.1": ' + "[" * 65 + "]" * 65 + "}", "nested 66 levels deep; at most 64"),
        ("{" + ", ".join(f'"x{n}": 0' for n in range(1001)) + "}", "1,001 answers; at most 1,000"),
        ('{"phq9.1": ' + "9" * 5000 + "}", "cannot read the answers"),  # Python's int limit
        ('{"phq9.1": NaN}', "cannot read the answers"),
    ],
)
def test_answers_over_the_import_limits_are_a_clear_error(
    tmp_path: Path, text: str, message: str
) -> None:
    factories.published_version("phq9")
    path = write_answers(tmp_path, text)
    with pytest.raises(CommandError, match=message) as excinfo:
        call_command("score", "phq9", str(path), stdout=StringIO())
    assert excinfo.value.returncode == 2


def test_an_answers_file_over_the_size_limit_is_refused_before_it_is_read(
    tmp_path: Path, settings
) -> None:
    factories.published_version("phq9")
    settings.IMPORT_MAX_BYTES = 100
    path = write_answers(tmp_path, '{"phq9.1": "0", "note": "' + "x" * 100 + '"}')
    with pytest.raises(CommandError, match="is 127 bytes; at most 100 are read"):
        call_command("score", "phq9", str(path), stdout=StringIO())


def test_answers_within_the_limits_are_scored(tmp_path: Path, settings) -> None:
    factories.published_version("phq9")
    settings.IMPORT_MAX_DEPTH = 1
    assert score(tmp_path, "phq9", PHQ9_ALL_ZERO)["overall"] == "green"


def test_an_unknown_questionnaire_is_named(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="nope@9"):
        score(tmp_path, "nope@9", {})


def test_rescore_adds_rows_beside_the_originals_and_reports_no_difference(personas) -> None:
    version = factories.published_version("phq9")
    for answers in (PHQ9_ALL_ZERO, PHQ9_TOTAL_6_ITEM9_1):
        factories.submitted(personas.patient, version, answers)
    out = StringIO()
    call_command("rescore", "phq9", stdout=out)
    assert "2 responses rescored" in out.getvalue()
    assert "0 differ" in out.getvalue()
    assert ScoringResult.objects.filter(kind="original").count() == 2
    assert ScoringResult.objects.filter(kind="rescore").count() == 2


def test_rescore_prints_every_difference(personas, monkeypatch) -> None:
    """A changed engine (here: a result that says green) shows up line by line."""
    import dataclasses

    from questionnaires import results

    version = factories.published_version("phq9")
    response = factories.submitted(personas.patient, version, PHQ9_TOTAL_6_ITEM9_1)
    real = results.result_compute

    def changed_engine(*, response):  # type: ignore[no-untyped-def]
        return dataclasses.replace(real(response=response), overall="green", flags=())

    monkeypatch.setattr(results, "result_compute", changed_engine)
    out = StringIO()
    call_command("rescore", "phq9@1.0.0", stdout=out)
    text = out.getvalue()
    assert f"response {response.public_id}:" in text
    assert 'overall: "red" -> "green"' in text
    assert "1 differ" in text
    assert ScoringResult.objects.get(kind="original").overall == "red"

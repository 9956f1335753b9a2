"""load_questionnaires: validate everything, publish all or nothing."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from pro_portal.models import AuditEvent
from questionnaires.library import LIBRARY_DIR, library_paths, read_definition
from questionnaires.models import ImmutableError, QuestionnaireVersion

pytestmark = pytest.mark.django_db
GAD7 = LIBRARY_DIR / "gad7" / "1.0.0.yaml"


def load(*paths: Path) -> str:
    out = StringIO()
    call_command("load_questionnaires", *[str(p) for p in paths], stdout=out)
    return out.getvalue()


def write_variant(tmp_path: Path, change: Any, name: str = "gad7.yaml") -> Path:
    """The resolved GAD-7 definition with one change applied, as a new file."""
    content = read_definition(GAD7)
    change(content)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(content, allow_unicode=True, sort_keys=False))
    return path


def test_the_whole_library_loads_as_drafts_with_an_audit_event_each() -> None:
    out = load()
    assert f"{len(library_paths())} published" in out
    versions = QuestionnaireVersion.objects.all()
    assert {v.status for v in versions} == {"draft"}
    assert {"phq9", "gad7", "who5", "mdi", "mrc", "chronic_pain"} <= {
        v.questionnaire_id for v in versions
    }
    assert AuditEvent.objects.filter(action="questionnaire.publish").count() == versions.count()


def test_loading_unchanged_content_again_is_a_no_op() -> None:
    load(GAD7)
    out = load(GAD7)
    assert "gad7@1.0.0: unchanged" in out
    assert QuestionnaireVersion.objects.count() == 1


def test_changed_content_under_a_published_version_is_refused(tmp_path: Path) -> None:
    load(GAD7)

    def retitle(c: dict[str, Any]) -> None:
        c["title"]["en"] = "Something else"

    with pytest.raises(CommandError, match="bump the version"):
        load(write_variant(tmp_path, retitle))
    assert QuestionnaireVersion.objects.get().content["title"]["en"] != "Something else"


def _set_colour(c: dict[str, Any]) -> None:
    c["rules"][0]["colour"] = "purple"


def _drop_danish_title(c: dict[str, Any]) -> None:
    del c["title"]["da"]


def _unknown_type(c: dict[str, Any]) -> None:
    c["sections"][0]["items"][0]["type"] = "slider"


def _option_without_value(c: dict[str, Any]) -> None:
    del c["sections"][0]["items"][0]["options"][0]["value"]


def _rule_on_missing_item(c: dict[str, Any]) -> None:
    c["rules"][0]["when"] = "gad7.99 > 1"


def _duplicate_item(c: dict[str, Any]) -> None:
    items = c["sections"][0]["items"]
    items[1]["id"] = items[0]["id"]


def _failing_vector(c: dict[str, Any]) -> None:
    c["test_vectors"][0]["expect"]["overall"] = (
        "green" if c["test_vectors"][0]["expect"].get("overall") != "green" else "red"
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_set_colour, "purple"),
        (_drop_danish_title, "da"),
        (_unknown_type, "slider"),
        (_option_without_value, "value"),
        (_rule_on_missing_item, "gad7.99"),
        (_duplicate_item, "duplicate"),
        (_failing_vector, "test vector"),
    ],
)
def test_a_bad_definition_is_refused_with_file_and_reason_and_nothing_is_published(
    tmp_path: Path, change: Any, expected: str
) -> None:
    bad = write_variant(tmp_path, change)
    with pytest.raises(CommandError) as excinfo:
        load(LIBRARY_DIR / "phq9" / "1.0.0.yaml", bad)
    message = str(excinfo.value)
    assert "nothing was published" in message
    assert "gad7.yaml" in message
    assert expected in message
    assert not QuestionnaireVersion.objects.exists()  # not even the good PHQ-9


def test_the_same_id_and_version_in_two_files_is_refused(tmp_path: Path) -> None:
    copy = write_variant(tmp_path, lambda c: None, name="copy.yaml")
    with pytest.raises(CommandError, match="duplicate"):
        load(GAD7, copy)
    assert not QuestionnaireVersion.objects.exists()


def test_a_published_version_cannot_be_changed_through_the_model() -> None:
    load(GAD7)
    version = QuestionnaireVersion.objects.get()
    version.content = {**version.content, "title": {"da": "x", "en": "x"}}
    with pytest.raises(ImmutableError, match="bump the version"):
        version.save()


@pytest.mark.postgresql  # the trigger is PostgreSQL's
def test_the_database_refuses_to_change_published_content() -> None:
    load(GAD7)
    with (
        pytest.raises(DatabaseError, match="immutable"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE questionnaires_questionnaireversion SET content = '{}'")


def test_deeply_nested_yaml_is_a_problem_not_a_recursion_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("id: deep\nversion: 1.0.0\nsections: " + "[" * 3000 + "]" * 3000 + "\n")
    with pytest.raises(CommandError, match="YAML: nested too deeply to read"):
        load(path)
    assert not QuestionnaireVersion.objects.exists()


def test_a_definition_over_the_size_or_item_limit_is_refused(tmp_path: Path, settings) -> None:
    path = write_variant(tmp_path, lambda c: None)
    settings.IMPORT_MAX_ITEMS = 6  # GAD-7 has 7 questions
    with pytest.raises(CommandError, match=r"7 items; at most 6 \(IMPORT_MAX_ITEMS\)"):
        load(path)
    settings.IMPORT_MAX_BYTES = 100
    with pytest.raises(CommandError, match=r"bytes; at most 100 are read \(IMPORT_MAX_BYTES\)"):
        load(path)
    assert not QuestionnaireVersion.objects.exists()

"""manage.py import_fhir and export_fhir."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, ManagementUtility, call_command

from questionnaires.fhir.importer import FhirImportError
from questionnaires.fhir.services import fhir_resource_import
from questionnaires.fhir.validation import validate
from questionnaires.models import QuestionnaireVersion
from tests.questionnaires.fhir.helpers import EXAMPLES, FIXTURES, example
from tests.questionnaires.fhir.test_import_constructs import WEIGHT_OF, calculated, weighted
from tests.questionnaires.fhir.test_import_examples import WARNINGS, apgar

pytestmark = pytest.mark.django_db
APGAR = FIXTURES / "apgar-with-itemWeight-variable.json"


def run(name: str, *args: str) -> str:
    out = StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


def score(tmp_path: Path, ref: str, answers: dict[str, Any]) -> dict[str, Any]:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers))
    return json.loads(run("score", ref, str(path)))


def write(tmp_path: Path, resource: Any, name: str = "q.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(resource) if not isinstance(resource, str) else resource)
    return path


@pytest.mark.parametrize("name", EXAMPLES)
def test_each_example_imports_as_a_draft_printing_its_warnings_first(name: str) -> None:
    out = run("import_fhir", str(FIXTURES / name))
    version = QuestionnaireVersion.objects.get()
    assert version.status == "draft"
    assert out.rstrip().endswith(f"created draft {version.ref}")
    for line in WARNINGS[name]:
        assert f"  - {line}\n" in out
    assert out.index("created draft") > out.find("warning:")


def test_the_warning_counts_the_constructs() -> None:
    out = run("import_fhir", str(FIXTURES / "blood-pressure-q.json"))
    assert "5 construct(s) could not be expressed and were left out or changed:" in out


def test_renamed_link_ids_are_printed_for_writing_answers() -> None:
    out = run("import_fhir", str(APGAR))
    said = "linkIds given ids the rules can read (answers may use either): 32406-1 → q_32406_1,"
    assert said in out


def test_manage_py_score_takes_answers_keyed_by_the_files_own_link_ids(tmp_path: Path) -> None:
    run("import_fhir", str(APGAR))
    by_id = apgar(1, 2, 1, 2, 1)
    by_link = {key.removeprefix("q_").replace("_", "-"): code for key, code in by_id.items()}
    assert score(tmp_path, "q_1_minute_apgar_score", by_link)["scores"]["q_9272_6"]["value"] == 7
    twice = {**by_id, **by_link}
    with pytest.raises(CommandError, match="answered twice: by its id and by its linkId"):
        score(tmp_path, "q_1_minute_apgar_score", twice)


def test_an_imported_apgar_draft_is_scored_with_manage_py_score_at_once(tmp_path: Path) -> None:
    run("import_fhir", str(APGAR))
    best = score(tmp_path, "q_1_minute_apgar_score", apgar(2, 2, 2, 2, 2))
    assert best["scores"]["q_9272_6"]["value"] == 10
    mixed = score(tmp_path, "q_1_minute_apgar_score@1.0.0", apgar(1, 2, 1, 2, 1))
    assert mixed["scores"]["q_9272_6"]["value"] == 7


def test_an_imported_fhirpath_score_is_scored_with_manage_py_score_at_once(
    tmp_path: Path,
) -> None:
    expression = f"({WEIGHT_OF.format('x')}) * 10 + ({WEIGHT_OF.format('y')})"
    resource = {
        "resourceType": "Questionnaire",
        "id": "tens",
        "status": "draft",
        "item": [weighted("x"), weighted("y"), calculated(expression)],
    }
    run("import_fhir", str(write(tmp_path, resource)))
    assert score(tmp_path, "tens", {"x": "c", "y": "b"})["scores"]["total"]["value"] == 21


def test_importing_the_same_file_again_changes_nothing() -> None:
    run("import_fhir", str(APGAR))
    out = run("import_fhir", str(APGAR))
    assert "is already published with this content (unchanged)" in out
    assert QuestionnaireVersion.objects.count() == 1


def test_changed_content_under_the_same_version_is_refused(tmp_path: Path) -> None:
    run("import_fhir", str(APGAR))
    changed = example("apgar-with-itemWeight-variable.json")
    changed["item"][0]["text"] = "Skin colour"
    with pytest.raises(CommandError, match="already published with other content"):
        run("import_fhir", str(write(tmp_path, changed, APGAR.name)))


def titled(title: str, link_id: str) -> dict[str, Any]:
    """A Questionnaire with no id: its id comes from its title."""
    item = {"linkId": link_id, "type": "string", "text": link_id}
    return {"resourceType": "Questionnaire", "title": title, "status": "draft", "item": [item]}


def test_two_files_with_the_same_title_get_a_clear_choice_not_a_file_edit(
    tmp_path: Path,
) -> None:
    run("import_fhir", str(write(tmp_path, titled("Pain", "a"), "first.json")))
    second = str(write(tmp_path, titled("Pain", "b"), "second.json"))
    with pytest.raises(CommandError) as caught:
        run("import_fhir", second)
    message = str(caught.value)
    assert "pain@1.0.0 is already published with other content" in message
    assert f"import_fhir {second} --as-new-id NEW_ID" in message
    assert f"import_fhir {second} --as-new-version-of pain" in message
    assert QuestionnaireVersion.objects.count() == 1
    assert (
        run("import_fhir", second, "--as-new-id", "pain_b")
        .rstrip()
        .endswith("created draft pain_b@1.0.0")
    )
    out = run("import_fhir", second, "--as-new-version-of", "pain")
    assert "note: pain already has version(s) 1.0.0; this file joins them" in out
    assert out.rstrip().endswith("created draft pain@1.1.0")
    items = {v.ref: [i.id for i in v.definition.items] for v in QuestionnaireVersion.objects.all()}
    assert items == {"pain@1.0.0": ["a"], "pain_b@1.0.0": ["b"], "pain@1.1.0": ["b"]}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--as-new-id", "Pain-B"), "'Pain-B' is not a questionnaire id"),
        (("--as-new-version-of", "nope"), "no questionnaire nope is published"),
        (("--as-new-id", "x", "--as-new-version-of", "y"), "not allowed with argument"),
    ],
)
def test_a_wrong_choice_is_a_clear_error(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        run("import_fhir", str(write(tmp_path, titled("Pain", "a"))), *args)
    assert not QuestionnaireVersion.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "q.json: not JSON: Expecting property name enclosed in double quotes"),
        ({"resourceType": "Patient"}, "not a FHIR Questionnaire (resourceType: Patient)"),
        (
            {"resourceType": "Questionnaire", "item": [{"linkId": "a", "type": "reference"}]},
            "no item could be imported",
        ),
    ],
)
def test_a_file_that_cannot_be_imported_is_a_clear_error_and_publishes_nothing(
    tmp_path: Path, content: Any, message: str
) -> None:
    with pytest.raises(CommandError, match="cannot be imported; nothing was published") as caught:
        run("import_fhir", str(write(tmp_path, content)))
    assert message in str(caught.value)
    assert not QuestionnaireVersion.objects.exists()


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"nope\.json: cannot read the file"):
        run("import_fhir", str(tmp_path / "nope.json"))


def test_a_failed_import_exits_with_code_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["manage.py", "import_fhir", str(write(tmp_path, []))]
    # As manage.py runs it, less django.setup(): run again here, that would
    # configure logging onto this test's captured stderr, closed after it.
    command = ManagementUtility(argv).fetch_command("import_fhir")
    with pytest.raises(SystemExit) as caught:
        command.run_from_argv(argv)
    assert caught.value.code == 1
    assert "not a FHIR Questionnaire" in capsys.readouterr().err


# --- export_fhir ---------------------------------------------------------------------------


@pytest.fixture
def phq9() -> QuestionnaireVersion:
    run("load_questionnaires", "questionnaires/definitions/phq9/1.0.0.yaml")
    return QuestionnaireVersion.objects.get()


def test_export_writes_a_valid_questionnaire_to_stdout(phq9: QuestionnaireVersion) -> None:
    resource = json.loads(run("export_fhir", "phq9"))
    validate(resource)
    assert (resource["id"], resource["status"]) == ("phq9-1.0.0", "draft")


def test_export_writes_to_a_file_with_o(phq9: QuestionnaireVersion, tmp_path: Path) -> None:
    target = tmp_path / "phq9.json"
    out = run("export_fhir", "phq9@1.0.0", "-o", str(target))
    assert out.strip() == f"wrote Questionnaire phq9@1.0.0 to {target}"
    assert json.loads(target.read_text())["version"] == "1.0.0"


def test_export_writes_answers_as_a_questionnaire_response(
    phq9: QuestionnaireVersion, tmp_path: Path
) -> None:
    answers = write(tmp_path, {f"phq9.{n}": "1" for n in range(1, 10)}, "answers.json")
    response = json.loads(run("export_fhir", "phq9", "--answers", str(answers)))
    validate(response)
    assert response["resourceType"] == "QuestionnaireResponse"
    assert response["item"][-1] == {"linkId": "phq9", "answer": [{"valueInteger": 9}]}


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"phq9.1": "7"}, "'7' is not an option of phq9.1"),
        (["phq9.1"], "must be a JSON object of item id → answer"),
        ("{oops", "cannot read the answers"),
    ],
)
def test_bad_answers_for_a_response_are_a_clear_error(
    phq9: QuestionnaireVersion, tmp_path: Path, answers: Any, message: str
) -> None:
    path = write(tmp_path, answers, "answers.json")
    with pytest.raises(CommandError, match=message):
        run("export_fhir", "phq9", "--answers", str(path))


def test_export_of_an_unknown_questionnaire_is_a_clear_error() -> None:
    with pytest.raises(CommandError, match="No questionnaire nope@9 is published"):
        run("export_fhir", "nope@9")


def test_an_exported_library_questionnaire_imports_back_as_a_new_version(
    phq9: QuestionnaireVersion, tmp_path: Path
) -> None:
    resource = json.loads(run("export_fhir", "phq9"))
    resource["version"] = "1.0.1"
    out = run("import_fhir", str(write(tmp_path, resource)))
    assert out.strip().splitlines() == [
        "note: phq9 already has version(s) 1.0.0; this file joins them. If it is another"
        " questionnaire, import it with --as-new-id NEW_ID instead.",
        "created draft phq9@1.0.1",
    ]


# --- Import limits (settings.IMPORT_MAX_BYTES, IMPORT_MAX_DEPTH, IMPORT_MAX_ITEMS) ---------

DEEP = "[" * 3000 + "]" * 3000


def question(link_id: str, **extra: Any) -> dict[str, Any]:
    return {"linkId": link_id, "type": "boolean", "text": f"Question {link_id}", **extra}


def questionnaire(*items: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"resourceType": "Questionnaire", "status": "draft", "item": list(items), **extra}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        # json.loads recursed into a RecursionError traceback.
        ('{"resourceType": "Questionnaire", "item": ' + DEEP + "}", "nested 3001 levels deep"),
        (
            json.dumps(questionnaire(*(question(f"q{n}") for n in range(1001)), id="many")),
            "the questionnaire has 1,001 items; at most 1,000 (IMPORT_MAX_ITEMS)",
        ),
        (  # nested groups count too
            json.dumps(
                questionnaire(
                    {
                        "linkId": "g",
                        "type": "group",
                        "item": [question(f"q{n}") for n in range(1000)],
                    },
                    id="grouped",
                )
            ),
            "1,001 items",
        ),
        (  # JSON in PRO Portal's own extensions is held to the same depth
            json.dumps(
                questionnaire(
                    question("a"),
                    question(
                        "b",
                        enableWhen=[{"question": "a", "operator": "=", "answerBoolean": True}],
                        extension=[
                            {
                                "url": "http://pro-portal.invalid/fhir/StructureDefinition/enable-when",
                                "valueString": DEEP,
                            }
                        ],
                    ),
                    id="embedded",
                )
            ),
            "nested 3000 levels deep; at most 64 (IMPORT_MAX_DEPTH)"
            " (the enable-when extension of b)",
        ),
    ],
    ids=["deep", "many items", "many items in a group", "deep in an extension"],
)
def test_a_file_over_the_import_limits_is_a_clear_error_and_publishes_nothing(
    tmp_path: Path, content: str, message: str
) -> None:
    with pytest.raises(CommandError, match="cannot be imported; nothing was published") as caught:
        run("import_fhir", str(write(tmp_path, content)))
    assert message in str(caught.value)
    assert not QuestionnaireVersion.objects.exists()


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path: Path, settings) -> None:
    settings.IMPORT_MAX_BYTES = 1000
    path = write(tmp_path, questionnaire(question("a", text="x" * 1000), id="big"))
    with pytest.raises(CommandError, match=r"the file is 1,\d+ bytes; at most 1,000 are read"):
        run("import_fhir", str(path))
    assert not QuestionnaireVersion.objects.exists()


def test_a_1000_character_title_as_the_id_is_a_clear_error_not_a_database_error(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, questionnaire(question("a"), title="T" * 1000))
    with pytest.raises(CommandError, match="1,000 characters long; at most 64 fit"):
        run("import_fhir", str(path))
    assert not QuestionnaireVersion.objects.exists()


def test_a_questionnaire_at_the_limits_imports(tmp_path: Path, settings) -> None:
    settings.IMPORT_MAX_ITEMS = 3
    path = write(tmp_path, questionnaire(question("a"), question("b"), question("c"), id="three"))
    assert run("import_fhir", str(path)).rstrip().endswith("created draft three@1.0.0")


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        ("{not json", "total: the score extension is not JSON"),  # was a JSONDecodeError traceback
        ("[1, 2]", "total: the score extension's definition is not a JSON object"),  # a TypeError
    ],
)
def test_a_broken_score_extension_is_a_clear_error(
    tmp_path: Path, definition: str, message: str
) -> None:
    total = calculated("1")
    total["extension"].append(
        {
            "url": "http://pro-portal.invalid/fhir/StructureDefinition/score",
            "extension": [{"url": "definition", "valueString": definition}],
        }
    )
    path = write(tmp_path, questionnaire(question("a"), total, id="scored"))
    with pytest.raises(CommandError, match="cannot be imported; nothing was published") as caught:
        run("import_fhir", str(path))
    assert message in str(caught.value)


def test_the_import_service_refuses_both_choices_at_once() -> None:
    with pytest.raises(FhirImportError, match="choose one: a new id, or a new version"):
        fhir_resource_import(
            resource=titled("Pain", "a"), source="q.json", as_new_id="x", as_new_version_of="y"
        )

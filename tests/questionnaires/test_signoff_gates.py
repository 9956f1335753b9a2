"""An imported draft is activated only when every gate is met (issue 15,
items 4 and 8): a clinical review, each import warning acknowledged by a
clinical reviewer, Danish texts attached with their source, and a licence."""

from __future__ import annotations

import datetime as dt
import json
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from pro_portal.models import AuditEvent, User
from questionnaires.fhir.importer import questionnaire_from_fhir
from questionnaires.fhir.services import fhir_questionnaire_export
from questionnaires.models import ImportWarning, QuestionnaireTranslation, QuestionnaireVersion
from questionnaires.services import (
    PublishError,
    activation_problems,
    import_warnings_acknowledge,
    questionnaire_activate,
    questionnaire_licence_record,
    questionnaire_record_review,
    questionnaire_translate,
)
from questionnaires.translations import TranslationError
from tests import factories
from tests.questionnaires.content import HAND, danish, imported, reviewer, with_permission

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 12, 7)


def actions(version: QuestionnaireVersion) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_id=str(version.pk))
        .order_by("at", "id")
        .values_list("action", flat=True)
    )


def ready(version: QuestionnaireVersion, who: User, *, leave_out: str = "") -> None:
    """Meet every gate of ``version`` but ``leave_out``."""
    if leave_out != "warnings":
        import_warnings_acknowledge(version=version, reviewer=who)
    if leave_out != "licence":
        questionnaire_licence_record(version=version, licence="Free to use (Pfizer)", by=who)
    if leave_out != "review":
        questionnaire_record_review(version=version, reviewer=who, reviewed_on=DAY, by=who)


def translated(version: QuestionnaireVersion, who: User) -> QuestionnaireVersion:
    return questionnaire_translate(version=version, translation=danish(version), by=who)


def test_an_imported_draft_keeps_its_named_warnings_unacknowledged() -> None:
    version = imported()
    rows = list(version.import_warnings.values_list("position", "code", "items", "text"))
    assert rows == [
        (
            1,
            "score-without-expression",
            ["total"],
            "looks like a score but has no calculatedExpression (the patient is asked to fill"
            " it in): total",
        )
    ]
    assert not version.import_warnings.get().acknowledged


def test_a_new_import_names_every_unmet_gate(personas) -> None:
    version = imported()
    with pytest.raises(PublishError) as refused:
        questionnaire_activate(version=version, by=personas.admin)
    message = str(refused.value)
    assert "no clinical reviewer recorded" in message
    assert (
        "1 import warning(s) no clinical reviewer has acknowledged (score-without-expression)"
        in (message)
    )
    assert "cannot be activated for Danish-speaking patients: it has no Danish texts" in message
    assert "records no licence for PHQ-4" in message
    version.refresh_from_db()
    assert version.status == "draft"


@pytest.mark.parametrize(
    ("gate", "says"),
    [
        ("review", "no clinical reviewer recorded"),
        ("warnings", "import warning(s) no clinical reviewer has acknowledged"),
        ("licence", "records no licence"),
    ],
)
def test_each_gate_alone_refuses_activation(gate: str, says: str) -> None:
    who = reviewer()
    version = translated(imported(), who)
    ready(version, who, leave_out=gate)
    assert len(activation_problems(version)) == 1
    with pytest.raises(PublishError, match=re.escape(says)):
        questionnaire_activate(version=version, by=who)
    assert QuestionnaireVersion.objects.get(pk=version.pk).status == "draft"


def test_english_only_is_refused_for_danish_speaking_patients_naming_the_language() -> None:
    who = reviewer()
    version = imported()
    ready(version, who)
    assert activation_problems(version) == [
        f"{version.ref} cannot be activated for Danish-speaking patients: it has no Danish"
        " texts. Attach a Danish (da) translation with its source first (manage.py"
        " questionnaire translate); it is published as a new version."
    ]


def test_with_every_gate_met_it_activates_and_every_step_is_audited() -> None:
    who = reviewer()
    english = imported()
    version = translated(english, who)
    ready(version, who)
    questionnaire_activate(version=version, by=who)
    version.refresh_from_db()
    assert version.status == "active"
    assert actions(version) == [
        "questionnaire.publish",
        "questionnaire.translate",
        "questionnaire.warning_acknowledge",
        "questionnaire.licence",
        "questionnaire.review",
        "questionnaire.activate",
    ]
    acknowledged = AuditEvent.objects.get(action="questionnaire.warning_acknowledge")
    assert acknowledged.actor == who
    assert acknowledged.detail["code"] == "score-without-expression"
    assert acknowledged.detail["items"] == ["total"]
    warning = version.import_warnings.get()
    assert (warning.acknowledged_by, warning.acknowledged_at is not None) == (who, True)


def test_a_library_version_needs_only_its_review() -> None:
    # Written by the team in Danish and English, licences in the file, no import.
    version = factories.published_version("gad7")
    assert activation_problems(version) == [
        f"{version.ref} has no clinical reviewer recorded: record the review before activating it."
    ]


# --- who acknowledges ---------------------------------------------------------------------------


def test_a_clinician_without_the_review_permission_cannot_acknowledge(personas) -> None:
    version = imported()
    with pytest.raises(PublishError, match="cannot acknowledge import warnings"):
        import_warnings_acknowledge(version=version, reviewer=personas.clinician)
    assert not version.import_warnings.get().acknowledged
    assert "questionnaire.warning_acknowledge" not in actions(version)


def test_the_review_permission_without_the_clinician_role_cannot_acknowledge(personas) -> None:
    secretary = with_permission(personas.secretary, "review_questionnaires")
    with pytest.raises(PublishError, match="cannot acknowledge import warnings"):
        import_warnings_acknowledge(version=imported(), reviewer=secretary)


def test_warnings_of_an_active_version_are_not_acknowledged_again() -> None:
    who = reviewer()
    version = translated(imported(), who)
    ready(version, who)
    questionnaire_activate(version=version, by=who)
    with pytest.raises(PublishError, match="only a draft"):
        import_warnings_acknowledge(version=version, reviewer=who)


# --- the Danish translation ----------------------------------------------------------------------


def test_a_danish_translation_makes_a_new_version_in_danish_and_english() -> None:
    who = reviewer()
    english = imported()
    version = translated(english, who)
    assert (english.version, version.version) == ("1.0.0", "1.0.1")
    assert version.definition.languages == ("en", "da")
    assert version.definition.item("q1").text == {
        "en": "Feeling nervous, anxious or on edge",
        "da": "DA Feeling nervous, anxious or on edge",
    }
    assert version.definition.item("q1").options[0].label == {
        "en": "Not at all",
        "da": "DA Not at all",
    }
    assert version.title("da") == "DA PHQ-4 (hand-written, shaped like the LOINC 69724-3 panel)"
    # The source is kept beside it; the English version is unchanged.
    attached = QuestionnaireTranslation.objects.get(version=version)
    assert (attached.translated_from, attached.language, attached.source) == (
        english,
        "da",
        "Oversat af PRO Portal",
    )
    assert QuestionnaireVersion.objects.get(pk=english.pk).content == english.content
    # Its reviewer acknowledges the same warnings afresh.
    assert list(version.import_warnings.values_list("code", "acknowledged_at")) == [
        ("score-without-expression", None)
    ]


def test_a_translation_missing_texts_is_refused_naming_them() -> None:
    version = imported()
    translation = danish(version)
    del translation["texts"]["item.q2.text"]
    del translation["texts"]["title"]
    translation["texts"]["item.q9.text"] = "Ukendt"
    with pytest.raises(TranslationError) as refused:
        questionnaire_translate(version=version, translation=translation, by=None)
    assert refused.value.problems == [
        "texts: 2 text(s) missing: title, item.q2.text",
        "texts: unknown key(s): item.q9.text",
    ]
    assert QuestionnaireVersion.objects.count() == 1


def test_a_translation_without_its_source_is_refused() -> None:
    version = imported()
    with pytest.raises(TranslationError, match="say where the translation comes from"):
        questionnaire_translate(version=version, translation=danish(version, source=" "), by=None)


def test_a_language_the_questionnaire_has_is_not_attached_again() -> None:
    version = factories.published_version("gad7")
    translation = {"language": "da", "source": "x", "texts": {}}
    with pytest.raises(TranslationError, match="already has texts in 'da'"):
        questionnaire_translate(version=version, translation=translation, by=None)


# --- the licence ----------------------------------------------------------------------------------


def test_the_files_copyright_is_its_licence_and_goes_back_out_in_the_export() -> None:
    version = imported(HAND / "phq9-panel-like.json")
    assert "records no licence" not in " ".join(activation_problems(version))
    exported = fhir_questionnaire_export(version=version)
    assert "Pfizer Inc. No permission required" in exported["copyright"]


def test_a_recorded_licence_is_exported_as_the_questionnaires_copyright() -> None:
    version = imported()
    questionnaire_licence_record(version=version, licence="© 2026 Example; CC BY 4.0", by=None)
    exported = fhir_questionnaire_export(version=version)
    assert exported["copyright"].endswith(": © 2026 Example; CC BY 4.0")
    assert "Not stated" not in exported["copyright"]
    # Imported back, the licence is the one recorded (not "not stated" again).
    back = questionnaire_from_fhir(exported, source="exported.json")
    assert [i.licence for i in back.definition.instruments] == ["© 2026 Example; CC BY 4.0"]


def test_an_empty_licence_is_refused() -> None:
    with pytest.raises(PublishError, match="Write the licence"):
        questionnaire_licence_record(version=imported(), licence="  ", by=None)


# --- the management commands keep working ---------------------------------------------


def run(*args: str) -> str:
    out = StringIO()
    call_command("questionnaire", *args, stdout=out)
    return out.getvalue()


def test_the_whole_sign_off_by_command(tmp_path: Path) -> None:
    who = reviewer()
    english = imported()
    template = tmp_path / "da.json"
    run("translation-template", english.ref, "--language", "da", "-o", str(template))
    filled = json.loads(template.read_text(encoding="utf-8"))
    assert filled["texts"]["item.total.text"] == "Patient Health Questionnaire-4 total score"
    filled["source"] = "Dansk oversættelse, PRO Portal 2026"
    filled["texts"] = {key: f"DA {text}" for key, text in filled["texts"].items()}
    template.write_text(json.dumps(filled), encoding="utf-8")
    assert "created draft phq4_like@1.0.1" in run("translate", english.ref, str(template))
    ref = "phq4_like@1.0.1"
    assert "phq4_like@1.0.1" in run("list")
    assert "1 warning(s) to acknowledge" in run("list")
    assert "NOT acknowledged" in run("warnings", ref)
    with pytest.raises(CommandError, match="no import warning coded"):
        run("acknowledge", ref, "--reviewer", who.username, "--code", "nonsense")
    out = run("acknowledge", ref, "--reviewer", who.username, "--code", "score-without-expression")
    assert "1 warning(s) acknowledged" in out
    assert f"acknowledged by {who.username}" in run("warnings", ref)
    run("licence", ref, "Free to use")
    run("review", ref, "--reviewer", who.username, "--on", "2026-12-07")
    run("activate", ref)
    assert QuestionnaireVersion.objects.get(version="1.0.1").status == "active"


def test_activation_by_command_names_the_unmet_gates() -> None:
    version = imported()
    with pytest.raises(CommandError, match="Danish-speaking patients"):
        run("activate", version.ref)


def test_acknowledging_by_a_user_who_is_not_a_reviewer_is_a_clear_error(personas) -> None:
    version = imported()
    with pytest.raises(CommandError, match="cannot acknowledge import warnings"):
        run("acknowledge", version.ref, "--reviewer", personas.clinician.username, "--all")
    assert ImportWarning.objects.filter(acknowledged_at__isnull=False).count() == 0

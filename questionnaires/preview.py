"""Answering a questionnaire version as a patient would, with no patient.

Content staff and clinical reviewers walk a version page by page before it
is activated (issue 15). The pages are the patient's (the same forms, the
same questions asked, the same order), but the answers are the staff
member's own trial answers: they live in the staff member's session, keyed by
the version, and never in the response tables. No Response, Patient or
Answer row is written, so there is nothing to audit as a patient read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import MutableMapping
from typing import Any

from questionnaires.answering import Progress, answers_after, asked_items, safety_flags_given
from questionnaires.models import QuestionnaireVersion
from scoring.engine import AnswerError, Flag, PatientContext, Result, evaluate

#: The session key: version key → the trial answers (ANSWERS.json values).
SESSION_PREVIEW = "content_preview"
#: The session key: version key → the trial patient of a version that reads
#: ``%patient`` (``{"sex": "female" | "male" | "", "birth_date": ISO | ""}``).
SESSION_PREVIEW_PATIENT = "content_preview_patient"
#: Trial answers are kept for this many versions at a time (the newest used).
PREVIEWS_KEPT = 5


def _key(version: QuestionnaireVersion) -> str:
    # The content hash too: a version never changes, but a test database
    # (or a restored one) can give a pk to other content.
    return f"{version.pk}:{version.content_hash[:16]}"


def preview_answers(
    session: MutableMapping[str, Any], *, version: QuestionnaireVersion
) -> dict[str, Any]:
    """The trial answers given to ``version`` in this session so far."""
    kept = session.get(SESSION_PREVIEW)
    answers = kept.get(_key(version)) if isinstance(kept, dict) else None
    return dict(answers) if isinstance(answers, dict) else {}


def preview_answer_save(
    session: MutableMapping[str, Any],
    *,
    version: QuestionnaireVersion,
    item_id: str,
    value: Any,
) -> None:
    """Keep (``None``: clear) one trial answer, dropping the answers to the
    questions it stops asking, as the patient's ``answer_save`` does.
    Raises AnswerError for an answer the definition refuses."""
    definition = version.definition
    if definition.item(item_id).type == "display":
        return
    answers = answers_after(
        definition,
        preview_answers(session, version=version),
        item_id=item_id,
        value=value,
        patient=preview_patient(session, version=version),
    )
    kept = session.get(SESSION_PREVIEW)
    kept = dict(kept) if isinstance(kept, dict) else {}
    kept.pop(_key(version), None)
    kept[_key(version)] = answers  # the newest last
    session[SESSION_PREVIEW] = dict(list(kept.items())[-PREVIEWS_KEPT:])


def preview_clear(session: MutableMapping[str, Any], *, version: QuestionnaireVersion) -> None:
    """Start the preview of ``version`` again with no answers."""
    kept = session.get(SESSION_PREVIEW)
    if isinstance(kept, dict) and _key(version) in kept:
        kept = dict(kept)
        del kept[_key(version)]
        session[SESSION_PREVIEW] = kept


def preview_patient(
    session: MutableMapping[str, Any], *, version: QuestionnaireVersion
) -> PatientContext | None:
    """The trial patient's sex and birth date, for a version whose FHIRPath
    reads ``%patient``; None (no patient, as an SDC filler launched without
    one) for any other version or when none was chosen."""
    if not version.definition.reads_patient:
        return None
    chosen = preview_patient_chosen(session, version=version)
    if not chosen:
        return None
    return PatientContext.of(sex=chosen["sex"] or None, birth_date=chosen["birth_date"] or None)


def preview_patient_chosen(
    session: MutableMapping[str, Any], *, version: QuestionnaireVersion
) -> dict[str, str]:
    """The trial patient as chosen (``sex``, ``birth_date`` as ISO text, ""
    for not given), or nothing when none was."""
    kept = session.get(SESSION_PREVIEW_PATIENT)
    chosen = kept.get(_key(version)) if isinstance(kept, dict) else None
    if not isinstance(chosen, dict):
        return {}
    return {"sex": str(chosen.get("sex") or ""), "birth_date": str(chosen.get("birth_date") or "")}


def preview_patient_set(
    session: MutableMapping[str, Any],
    *,
    version: QuestionnaireVersion,
    sex: str,
    birth_date: dt.date | None,
) -> None:
    """Choose the trial patient (``sex``: ``female``, ``male`` or "" for not
    given). The trial answers start again: which questions are asked may
    depend on the patient."""
    kept = session.get(SESSION_PREVIEW_PATIENT)
    kept = dict(kept) if isinstance(kept, dict) else {}
    kept.pop(_key(version), None)
    kept[_key(version)] = {
        "sex": sex,
        "birth_date": birth_date.isoformat() if birth_date else "",
    }
    session[SESSION_PREVIEW_PATIENT] = dict(list(kept.items())[-PREVIEWS_KEPT:])
    preview_clear(session, version=version)


def preview_progress(
    *, version: QuestionnaireVersion, answers: dict[str, Any], patient: PatientContext | None
) -> Progress:
    """The questions asked given the trial answers, in the patient's order."""
    try:
        asked = asked_items(version.definition, answers, patient)
    except AnswerError:  # pragma: no cover - trial answers are validated when kept
        asked = list(version.definition.items)
    return Progress(asked=asked, answers=answers)


def preview_result(
    *, version: QuestionnaireVersion, answers: dict[str, Any], patient: PatientContext | None
) -> Result:
    """The engine's result for the trial answers so far (no previous result)."""
    return evaluate(version.definition, answers, patient=patient)


def preview_safety_flags(
    *,
    version: QuestionnaireVersion,
    answers: dict[str, Any],
    passed: str | None,
    patient: PatientContext | None,
) -> list[Flag]:
    """The safety rules whose help the patient would be shown now."""
    progress = preview_progress(version=version, answers=answers, patient=patient)
    return safety_flags_given(
        version.definition, answers, progress.asked, passed=passed, patient=patient
    )

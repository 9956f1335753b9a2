"""Answering a questionnaire version as a patient would, with no patient.

Content staff and clinical reviewers walk a version page by page before it
is activated (issue 15). The pages are the patient's (the same forms, the
same questions asked, the same order), but the answers are the staff
member's own trial answers: they live in the staff member's session, keyed by
the version, and never in the response tables. No Response, Patient or
Answer row is written, so there is nothing to audit as a patient read.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from questionnaires.answering import Progress, answers_after, asked_items, safety_flags_given
from questionnaires.models import QuestionnaireVersion
from scoring.engine import AnswerError, Flag, Result, evaluate

#: The session key: version key → the trial answers (ANSWERS.json values).
SESSION_PREVIEW = "content_preview"
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
        definition, preview_answers(session, version=version), item_id=item_id, value=value
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


def preview_progress(*, version: QuestionnaireVersion, answers: dict[str, Any]) -> Progress:
    """The questions asked given the trial answers, in the patient's order."""
    try:
        asked = asked_items(version.definition, answers)
    except AnswerError:  # pragma: no cover - trial answers are validated when kept
        asked = list(version.definition.items)
    return Progress(asked=asked, answers=answers)


def preview_result(*, version: QuestionnaireVersion, answers: dict[str, Any]) -> Result:
    """The engine's result for the trial answers so far (no previous result)."""
    return evaluate(version.definition, answers)


def preview_safety_flags(
    *, version: QuestionnaireVersion, answers: dict[str, Any], passed: str | None
) -> list[Flag]:
    """The safety rules whose help the patient would be shown now."""
    progress = preview_progress(version=version, answers=answers)
    return safety_flags_given(version.definition, answers, progress.asked, passed=passed)

"""Score a set of answers: ``manage.py score phq9[@1.0.0] ANSWERS.json``.

Prints the result as JSON. Items may be named by id or, for an imported
questionnaire, by their FHIR linkId (docs/definitions.md § Items). Unknown
item ids, out-of-range values and a file over the import limits
(settings.IMPORT_MAX_BYTES, IMPORT_MAX_DEPTH, and IMPORT_MAX_ITEMS answers)
are a clear error on stderr with exit code 2.

An imported questionnaire whose FHIRPath reads the SDC launch context
``%patient`` is scored for the patient ``--gender`` and ``--birth-date``
describe (what the site gives from the patient record); without them
``%patient`` is empty, as in a form filler launched without a patient, and
a note on stderr says so.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NoReturn

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from questionnaires import json_input
from questionnaires.lookup import version_for
from scoring.engine import (
    AnswerError,
    PatientContext,
    answers_by_id,
    evaluate,
    result_to_score_json,
    validate_answers,
)
from scoring.engine.answers import is_iso_date

#: FHIR administrative-gender.
GENDERS = ("female", "male", "other", "unknown")
NO_PATIENT = (
    "note: %(questionnaire)s reads the patient's sex or birth date (%%patient); none was"
    " given (--gender, --birth-date), so %%patient is empty"
)


class Command(BaseCommand):
    help = (
        "Score ANSWERS.json (item id → answer code/number/list/date) with a questionnaire version."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("questionnaire", help="ID or ID@VERSION")
        parser.add_argument("answers", type=Path, help="ANSWERS.json")
        parser.add_argument(
            "--gender",
            choices=GENDERS,
            help="%%patient.gender (FHIR administrative-gender) for a questionnaire reading it",
        )
        parser.add_argument(
            "--birth-date",
            metavar="YYYY-MM-DD",
            help="%%patient.birthDate for a questionnaire reading it",
        )

    def handle(
        self,
        *args: Any,
        questionnaire: str,
        answers: Path,
        gender: str | None = None,
        birth_date: str | None = None,
        **options: Any,
    ) -> None:
        definition = version_for(questionnaire).definition
        try:
            given = json_input.read_answers(
                answers,
                max_bytes=settings.IMPORT_MAX_BYTES,
                max_depth=settings.IMPORT_MAX_DEPTH,
                max_items=settings.IMPORT_MAX_ITEMS,
            )
        except json_input.JsonInputError as exc:
            self._fail(str(exc))
        try:  # an imported questionnaire's items may be named by their linkIds
            given = answers_by_id(definition, given)
        except AnswerError as error:
            self._fail(str(error))
        problems = validate_answers(definition, given)
        if problems:
            self._fail("\n".join(str(problem) for problem in problems))
        patient = self._patient(gender, birth_date)
        if patient is None and definition.reads_patient:
            self.stderr.write(NO_PATIENT % {"questionnaire": questionnaire})
        result = evaluate(definition, given, patient=patient)
        self.stdout.write(json.dumps(result_to_score_json(result), ensure_ascii=False, indent=2))

    def _patient(self, gender: str | None, birth_date: str | None) -> PatientContext | None:
        if gender is None and birth_date is None:
            return None
        if birth_date is not None and not is_iso_date(birth_date):
            self._fail(f"--birth-date: {birth_date!r} is not a date written YYYY-MM-DD")
        return PatientContext(gender=gender, birth_date=birth_date)

    def _fail(self, message: str) -> NoReturn:
        raise CommandError(message, returncode=2)

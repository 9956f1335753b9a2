"""Export a questionnaire version as FHIR R4: ``manage.py export_fhir
ID[@VERSION] [-o FILE]`` writes the Questionnaire (stdout by default);
``--answers ANSWERS.json`` writes those answers as a QuestionnaireResponse
instead. Both are validated with fhir.resources before they are written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from questionnaires import json_input
from questionnaires.fhir.services import fhir_questionnaire_export, fhir_response_export
from questionnaires.fhir.validation import InvalidResourceError
from questionnaires.lookup import version_for
from scoring.engine import AnswerError


class Command(BaseCommand):
    help = "Write a questionnaire version as a FHIR R4 Questionnaire (or a response to it)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("questionnaire", help="ID or ID@VERSION")
        parser.add_argument("-o", "--output", type=Path, help="write to FILE (default: stdout)")
        parser.add_argument(
            "--answers", type=Path, help="ANSWERS.json: export a QuestionnaireResponse"
        )

    def handle(
        self,
        *args: Any,
        questionnaire: str,
        output: Path | None,
        answers: Path | None,
        **options: Any,
    ) -> None:
        version = version_for(questionnaire)
        try:
            if answers is None:
                resource = fhir_questionnaire_export(version=version)
            else:
                resource = fhir_response_export(version=version, answers=_answers(answers))
        except AnswerError as error:
            raise CommandError(str(error)) from None
        except InvalidResourceError as error:  # a bug in the export, never the user's fault
            raise CommandError(f"{version.ref}: the export is not valid FHIR: {error}") from None
        text = json.dumps(resource, ensure_ascii=False, indent=2) + "\n"
        if output is None:
            self.stdout.write(text, ending="")
            return
        output.write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {resource['resourceType']} {version.ref} to {output}")


def _answers(path: Path) -> dict[str, Any]:
    try:
        return json_input.read_answers(
            path,
            max_bytes=settings.IMPORT_MAX_BYTES,
            max_depth=settings.IMPORT_MAX_DEPTH,
            max_items=settings.IMPORT_MAX_ITEMS,
        )
    except json_input.JsonInputError as error:
        raise CommandError(str(error)) from None

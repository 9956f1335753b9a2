"""Score a FHIR R4 QuestionnaireResponse: ``manage.py import_response FILE
[--questionnaire ID[@VERSION]]``.

The version is the one named, else the one the response's ``questionnaire``
names when that is a PRO Portal export's canonical. Answers are found by
linkId (an item's id, or the linkId of the file it was imported from).
Prints the scores and flags as JSON, as ``manage.py score`` does; nothing is
stored. A file that cannot be read or scored is a clear error (exit code 2).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandError, CommandParser

from questionnaires.fhir.importer import FhirImportError
from questionnaires.fhir.responses import ResponseImportError, questionnaire_ref
from questionnaires.fhir.services import fhir_file_read, fhir_response_score
from questionnaires.library import display_name
from questionnaires.lookup import version_for
from scoring.engine import result_to_score_json

NO_QUESTIONNAIRE = (
    "{file}: the response's questionnaire ({canonical}) is not one PRO Portal exported;"
    " name the version it answers: --questionnaire ID@VERSION"
)


class Command(BaseCommand):
    help = "Score a FHIR R4 QuestionnaireResponse (JSON) with a questionnaire version."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="a FHIR R4 QuestionnaireResponse as JSON")
        parser.add_argument(
            "--questionnaire",
            metavar="ID[@VERSION]",
            help="the version it answers (default: the one its questionnaire names)",
        )

    def handle(self, *args: Any, file: Path, questionnaire: str | None, **options: Any) -> None:
        source = display_name(file)
        try:
            resource = fhir_file_read(path=file)
        except FhirImportError as error:
            self._fail("\n".join(error.problems))
        ref = questionnaire or questionnaire_ref(resource)
        if ref is None:
            canonical = resource.get("questionnaire") if isinstance(resource, dict) else None
            self._fail(NO_QUESTIONNAIRE.format(file=source, canonical=canonical or "none"))
        version = version_for(ref)
        try:
            scored = fhir_response_score(version=version, resource=resource, source=source)
        except ResponseImportError as error:
            lines = "\n".join(f"  {problem}" for problem in error.problems)
            self._fail(f"{source} cannot be scored with {version.ref}:\n{lines}")
        self.stdout.write(
            json.dumps(result_to_score_json(scored.result), ensure_ascii=False, indent=2)
        )
        for score_id, given in scored.calculated.items():
            ours = scored.result.score(score_id).value
            if given != ours:
                self.stderr.write(
                    f"note: the file gives {score_id} = {given}; PRO Portal computes {ours}"
                )

    def _fail(self, message: str) -> NoReturn:
        raise CommandError(message, returncode=2)

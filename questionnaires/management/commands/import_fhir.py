"""Import a FHIR R4 Questionnaire as a draft: ``manage.py import_fhir FILE``.

Prints one warning listing every construct that could not be expressed
(and the items concerned), the ids given to linkIds that are not ids, then
"created draft ID@VERSION". A file that cannot be imported is a clear error
with exit code 1, and nothing is published. When other content is published
under the same id and version, the error offers ``--as-new-id ID`` (another
questionnaire) and ``--as-new-version-of ID`` (a new version of it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from questionnaires.fhir.importer import FhirImportError
from questionnaires.fhir.services import IdCollisionError, fhir_questionnaire_import
from questionnaires.library import display_name
from questionnaires.services import PublishError


class Command(BaseCommand):
    help = "Import a FHIR R4 Questionnaire (JSON) and publish it as a draft."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="a FHIR R4 Questionnaire as JSON")
        choice = parser.add_mutually_exclusive_group()
        choice.add_argument(
            "--as-new-id", metavar="ID", help="publish under this questionnaire id instead"
        )
        choice.add_argument(
            "--as-new-version-of",
            metavar="ID",
            help="publish as a new version of this published questionnaire",
        )

    def handle(
        self,
        *args: Any,
        file: Path,
        as_new_id: str | None,
        as_new_version_of: str | None,
        **options: Any,
    ) -> None:
        source = display_name(file)
        try:
            with transaction.atomic():
                outcome = fhir_questionnaire_import(
                    path=file,
                    source=source,
                    as_new_id=as_new_id,
                    as_new_version_of=as_new_version_of,
                )
        except FhirImportError as error:
            lines = "\n".join(f"  {problem}" for problem in error.problems)
            raise CommandError(
                f"{source} cannot be imported; nothing was published:\n{lines}"
            ) from None
        except IdCollisionError as error:
            qid = error.questionnaire_id
            raise CommandError(
                f"{source}: {error}\n"
                f"  another questionnaire: import_fhir {file} --as-new-id NEW_ID\n"
                f"  a new version of {qid}: import_fhir {file} --as-new-version-of {qid}"
            ) from None
        except PublishError as error:
            raise CommandError(f"{source}: {error}") from None
        result = outcome.result
        if result.warnings:
            self.stdout.write(
                self.style.WARNING(
                    f"warning: {source}: {len(result.warnings)} construct(s) could not be"
                    " expressed and were left out or changed:"
                )
            )
            for line in result.warnings:
                self.stdout.write(f"  - {line}")
        if result.renamed:
            renamed = ", ".join(f"{link} → {ident}" for link, ident in result.renamed.items())
            self.stdout.write(
                f"linkIds given ids the rules can read (answers may use either): {renamed}"
            )
        ref = outcome.version.ref
        if outcome.created and outcome.other_versions:
            qid = outcome.version.questionnaire_id
            self.stdout.write(
                f"note: {qid} already has version(s) {', '.join(outcome.other_versions)};"
                f" this file joins them. If it is another questionnaire, import it with"
                f" --as-new-id NEW_ID instead."
            )
        stored = outcome.version.import_warnings.count()
        if outcome.created and stored:
            self.stdout.write(
                f"a clinical reviewer acknowledges each of the {stored} warning(s) before {ref}"
                f" can be activated (manage.py questionnaire warnings {ref})"
            )
        if outcome.created:
            self.stdout.write(self.style.SUCCESS(f"created draft {ref}"))
        else:
            self.stdout.write(f"{ref} is already published with this content (unchanged)")

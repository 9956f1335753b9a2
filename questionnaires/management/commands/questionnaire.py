"""Lifecycle of published versions — each action audited.

manage.py questionnaire list
manage.py questionnaire review phq9@1.0.0 --reviewer USERNAME --on 2026-11-22
manage.py questionnaire activate phq9@1.0.0
manage.py questionnaire retire phq9@1.0.0
manage.py questionnaire warnings q@1.0.0
manage.py questionnaire acknowledge q@1.0.0 --reviewer USER (--all | --code CODE | --warning N)
manage.py questionnaire licence q@1.0.0 "PROMIS: © PROMIS Health Organization, …"
manage.py questionnaire translation-template q@1.0.0 --language da -o q-da.json
manage.py questionnaire translate q@1.0.0 q-da.json
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count, Q
from django.utils import timezone

from pro_portal.models import User
from questionnaires import json_input
from questionnaires.lookup import version_for
from questionnaires.models import QuestionnaireVersion
from questionnaires.services import (
    PublishError,
    import_warnings_acknowledge,
    questionnaire_activate,
    questionnaire_licence_record,
    questionnaire_record_review,
    questionnaire_retire,
    questionnaire_translate,
)
from questionnaires.translations import TranslationError, translation_template


class Command(BaseCommand):
    help = (
        "List questionnaire versions, record a clinical review, acknowledge import warnings,"
        " record a licence, attach a translation, activate or retire a version."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list")
        review = sub.add_parser("review")
        review.add_argument("ref", help="ID@VERSION")
        review.add_argument(
            "--reviewer",
            required=True,
            help="username of the clinical reviewer (the review permission and the clinician role)",
        )
        review.add_argument("--on", type=dt.date.fromisoformat, default=timezone.localdate())
        for name in ("activate", "retire", "warnings"):
            sub.add_parser(name).add_argument("ref", help="ID@VERSION")
        acknowledge = sub.add_parser("acknowledge", help="acknowledge import warnings")
        acknowledge.add_argument("ref", help="ID@VERSION")
        acknowledge.add_argument("--reviewer", required=True, help="username of the reviewer")
        which = acknowledge.add_mutually_exclusive_group(required=True)
        which.add_argument("--all", action="store_true", help="every warning not acknowledged")
        which.add_argument("--code", action="append", help="the warnings with this code")
        which.add_argument("--warning", action="append", type=int, help="warning number N")
        licence = sub.add_parser("licence", help="record the licence the file did not state")
        licence.add_argument("ref", help="ID@VERSION")
        licence.add_argument("text", help="the licence")
        template = sub.add_parser("translation-template", help="write a translation file to fill")
        template.add_argument("ref", help="ID@VERSION")
        template.add_argument("--language", required=True, help="two letters, like da")
        template.add_argument("-o", "--output", type=Path, help="the file (default: stdout)")
        translate = sub.add_parser("translate", help="attach a translation: a new version")
        translate.add_argument("ref", help="ID@VERSION")
        translate.add_argument("file", type=Path, help="the filled translation file (JSON)")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "list":
            versions = QuestionnaireVersion.objects.order_by("questionnaire_id", "published_at")
            for v in versions.select_related("clinical_reviewer").annotate(
                open_warnings=Count(
                    "import_warnings", filter=Q(import_warnings__acknowledged_at=None)
                )
            ):
                reviewer = v.clinical_reviewer.get_username() if v.clinical_reviewer else "-"
                waiting = f" {v.open_warnings} warning(s) to acknowledge" if v.open_warnings else ""
                self.stdout.write(
                    f"{v.ref:<32} {v.status:<8} reviewer {reviewer} {v.reviewed_on or ''}{waiting}"
                )
            return
        ref: str = options["ref"]
        if "@" not in ref:
            raise CommandError("Name the version: ID@VERSION.")
        version = version_for(ref)
        if action == "warnings":
            self.list_warnings(version)
            return
        if action == "translation-template":
            self.template(version, options["language"], options["output"])
            return
        try:
            if action == "acknowledge":
                self.acknowledge(version, options)
                return
            if action == "licence":
                questionnaire_licence_record(version=version, licence=options["text"], by=None)
            elif action == "translate":
                self.translate(version, options["file"])
                return
            elif action == "review":
                clinician = User.objects.filter(username=options["reviewer"]).first()
                if clinician is None:
                    raise CommandError(f"No user {options['reviewer']!r}.")
                questionnaire_record_review(
                    version=version, reviewer=clinician, reviewed_on=options["on"], by=None
                )
            elif action == "activate":
                questionnaire_activate(version=version, by=None)
            else:
                questionnaire_retire(version=version, by=None)
        except PublishError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"{version.ref}: {action} done."))

    def list_warnings(self, version: QuestionnaireVersion) -> None:
        rows = list(version.import_warnings.select_related("acknowledged_by"))
        if not rows:
            self.stdout.write(f"{version.ref}: no import warnings.")
        for w in rows:
            state = (
                f"acknowledged by {w.acknowledged_by.get_username()} {w.acknowledged_at:%Y-%m-%d}"
                if w.acknowledged_by is not None and w.acknowledged_at is not None
                else "NOT acknowledged"
            )
            self.stdout.write(f"{w.position:>3} {w.code:<40} {state}\n    {w.text}")

    def acknowledge(self, version: QuestionnaireVersion, options: dict[str, Any]) -> None:
        reviewer = User.objects.filter(username=options["reviewer"]).first()
        if reviewer is None:
            raise CommandError(f"No user {options['reviewer']!r}.")
        rows = list(version.import_warnings.all())
        chosen = None
        if options["code"]:
            chosen = [w for w in rows if w.code in options["code"]]
            unknown = set(options["code"]) - {w.code for w in rows}
            if unknown:
                raise CommandError(f"{version.ref} has no import warning coded {sorted(unknown)}.")
        elif options["warning"]:
            chosen = [w for w in rows if w.position in options["warning"]]
            unknown = set(options["warning"]) - {w.position for w in rows}
            if unknown:
                raise CommandError(f"{version.ref} has no import warning {sorted(unknown)}.")
        done = import_warnings_acknowledge(version=version, reviewer=reviewer, warnings=chosen)
        self.stdout.write(
            self.style.SUCCESS(f"{version.ref}: {len(done)} warning(s) acknowledged.")
        )

    def template(self, version: QuestionnaireVersion, language: str, output: Path | None) -> None:
        text = json.dumps(
            translation_template(version.content, language), ensure_ascii=False, indent=2
        )
        if output is None:
            self.stdout.write(text)
        else:
            output.write_text(text + "\n", encoding="utf-8")
            self.stdout.write(f"wrote {output.name}: fill in source and every text.")

    def translate(self, version: QuestionnaireVersion, path: Path) -> None:
        try:
            translation = json_input.read_file(
                path, max_bytes=settings.IMPORT_MAX_BYTES, max_depth=settings.IMPORT_MAX_DEPTH
            )
        except (json_input.JsonInputError, OSError, ValueError) as error:
            raise CommandError(f"{path.name}: cannot read the translation: {error}") from None
        try:
            new = questionnaire_translate(version=version, translation=translation, by=None)
        except TranslationError as error:
            lines = "\n".join(f"  {problem}" for problem in error.problems)
            raise CommandError(
                f"{path.name} cannot be attached to {version.ref}:\n{lines}"
            ) from None
        self.stdout.write(self.style.SUCCESS(f"created draft {new.ref} with the translation."))

"""Lifecycle of published versions — each action audited.

manage.py questionnaire list
manage.py questionnaire review phq9@1.0.0 --reviewer USERNAME --on 2026-11-22
manage.py questionnaire activate phq9@1.0.0
manage.py questionnaire retire phq9@1.0.0
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from pro_portal.models import User
from questionnaires.lookup import version_for
from questionnaires.models import QuestionnaireVersion
from questionnaires.services import (
    PublishError,
    questionnaire_activate,
    questionnaire_record_review,
    questionnaire_retire,
)


class Command(BaseCommand):
    help = "List questionnaire versions, record a clinical review, activate or retire a version."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list")
        review = sub.add_parser("review")
        review.add_argument("ref", help="ID@VERSION")
        review.add_argument("--reviewer", required=True, help="username of the reviewing clinician")
        review.add_argument("--on", type=dt.date.fromisoformat, default=timezone.localdate())
        for name in ("activate", "retire"):
            sub.add_parser(name).add_argument("ref", help="ID@VERSION")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "list":
            for v in QuestionnaireVersion.objects.order_by("questionnaire_id", "published_at"):
                reviewer = v.clinical_reviewer.get_username() if v.clinical_reviewer else "-"
                self.stdout.write(
                    f"{v.ref:<32} {v.status:<8} reviewer {reviewer} {v.reviewed_on or ''}"
                )
            return
        ref: str = options["ref"]
        if "@" not in ref:
            raise CommandError("Name the version: ID@VERSION.")
        version = version_for(ref)
        try:
            if action == "review":
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

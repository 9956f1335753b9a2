"""Re-run the current engine over stored responses: the check before an engine release.

Stores the outcomes as rescoring rows beside the originals (never replacing
them) and prints every difference a clinician would see.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from questionnaires.lookup import versions_for
from questionnaires.results import rescore


class Command(BaseCommand):
    help = "Rescore stored responses of QUESTIONNAIRE[@VERSION] with the current engine."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("questionnaire", help="ID or ID@VERSION")

    def handle(self, *args: Any, questionnaire: str, **options: Any) -> None:
        run, count, differences = rescore(versions=versions_for(questionnaire))
        for difference in differences:
            self.stdout.write(f"response {difference.response.public_id}:")
            for key in ("overall", "scores", "flags"):
                before, after = difference.original[key], difference.rescored[key]
                if before != after:
                    self.stdout.write(f"  {key}: {json.dumps(before)} -> {json.dumps(after)}")
        style = self.style.WARNING if differences else self.style.SUCCESS
        self.stdout.write(
            style(f"{count} responses rescored (run {run}); {len(differences)} differ.")
        )

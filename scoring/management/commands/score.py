"""Score a set of answers: ``manage.py score phq9[@1.0.0] ANSWERS.json``.

Prints the result as JSON. Unknown item ids and out-of-range values are a
clear error on stderr with exit code 2.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from questionnaires.lookup import version_for
from scoring.engine import evaluate, result_to_score_json, validate_answers


class Command(BaseCommand):
    help = (
        "Score ANSWERS.json (item id → answer code/number/list/date) with a questionnaire version."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("questionnaire", help="ID or ID@VERSION")
        parser.add_argument("answers", type=Path, help="ANSWERS.json")

    def handle(self, *args: Any, questionnaire: str, answers: Path, **options: Any) -> None:
        definition = version_for(questionnaire).definition
        try:
            given = json.loads(answers.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            self._fail(f"{answers.name}: cannot read the answers: {exc}")
        if not isinstance(given, dict):
            self._fail(f"{answers.name}: must be a JSON object of item id → answer")
        problems = validate_answers(definition, given)
        if problems:
            self._fail("\n".join(str(problem) for problem in problems))
        result = evaluate(definition, given)
        self.stdout.write(json.dumps(result_to_score_json(result), ensure_ascii=False, indent=2))

    def _fail(self, message: str) -> None:
        self.stderr.write(message)
        sys.exit(2)

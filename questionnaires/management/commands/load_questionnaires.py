"""Validate questionnaire definitions and publish them as drafts.

Any problem in any file — a format error, a rule naming a missing item, a
failing test vector, changed content under a published version — is printed
with the file, item and reason, the exit code is non-zero, and nothing at all
is published.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from questionnaires.library import LIBRARY_DIR, library_paths, read_published
from questionnaires.services import PublishError, questionnaire_publish
from scoring.engine import DefinitionError, parse_definition, run_test_vectors


class Command(BaseCommand):
    help = "Validate questionnaire definitions (default: the built-in library) and publish them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="*", type=Path, help="definition files or folders")

    def handle(self, *args: Any, paths: list[Path], **options: Any) -> None:
        files = expand(paths) if paths else library_paths()
        if not files:
            raise CommandError("No definition files found.")
        problems: list[str] = []
        valid: list[tuple[dict[str, Any], dict[str, int], str]] = []
        seen: dict[str, str] = {}
        for path in files:
            source = display_path(path)
            too_large = _over_the_size_limit(path, source)
            if too_large:
                problems.append(too_large)
                continue
            try:
                content, reuse = read_published(path)
                definition = parse_definition(content, source=source)
            except DefinitionError as exc:
                problems.extend(str(p) for p in exc.problems)
                continue
            items = sum(len(section.items) for section in definition.sections)
            if items > settings.IMPORT_MAX_ITEMS:
                limit = settings.IMPORT_MAX_ITEMS
                problems.append(f"{source}: {items:,} items; at most {limit:,} (IMPORT_MAX_ITEMS)")
                continue
            problems.extend(
                f"{source}: test vector {failure}" for failure in run_test_vectors(definition)
            )
            ref = f"{definition.id}@{definition.version}"
            if ref in seen:
                problems.append(f"{source}: {ref} is also defined in {seen[ref]} (duplicate id)")
            seen[ref] = source
            valid.append((content, reuse, source))
        if problems:
            raise CommandError(self._refusal(problems))

        created = unchanged = 0
        try:
            with transaction.atomic():
                for content, reuse, source in valid:
                    outcome = questionnaire_publish(content=content, source=source, reuse=reuse)
                    created += outcome.created
                    unchanged += not outcome.created
                    verb = "published (draft)" if outcome.created else "unchanged"
                    self.stdout.write(f"{outcome.version.ref}: {verb}")
        except PublishError as exc:
            raise CommandError(self._refusal([str(exc)])) from None
        self.stdout.write(
            self.style.SUCCESS(f"{created} published, {unchanged} unchanged, 0 problems.")
        )

    def _refusal(self, problems: list[str]) -> str:
        lines = "\n".join(f"  {p}" for p in problems)
        return f"{len(problems)} problem(s); nothing was published:\n{lines}"


def _over_the_size_limit(path: Path, source: str) -> str:
    """A problem when the file is larger than IMPORT_MAX_BYTES (checked before reading)."""
    try:
        size = path.stat().st_size
    except OSError:
        return ""  # reading it says why
    limit = settings.IMPORT_MAX_BYTES
    if size <= limit:
        return ""
    return f"{source}: the file is {size:,} bytes; at most {limit:,} are read (IMPORT_MAX_BYTES)"


def expand(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*.yaml") if "_instruments" not in p.parts))
        else:
            files.append(path)
    return files


def display_path(path: Path) -> str:
    """Relative to the library (or as given): never a machine's absolute path."""
    try:
        return str(path.resolve().relative_to(LIBRARY_DIR.resolve().parent.parent))
    except ValueError:
        return str(path)

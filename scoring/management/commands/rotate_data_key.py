"""Re-encrypt stored data under the current data key: ``manage.py rotate_data_key``.

After putting a new key first in ``DATA_ENCRYPTION_KEYS`` (the old ones
after it), this rewrites every encrypted database column (CPR numbers) and
every stored summary PDF under the new key, in batches, and prints counts.
Running it again changes nothing. Values that no accepted key opens are
counted and left as they are; the command then exits 1. When nothing needs
an old key any more, the old keys can be dropped from the setting.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from pro_portal.audit import audit_record
from pro_portal.crypto import RotationCounts, encrypted_field_rotate, encrypted_fields
from scoring.pdf import summary_pdf_rotate


class Command(BaseCommand):
    help = "Re-encrypt CPR numbers and stored PDFs under the first DATA_ENCRYPTION_KEYS key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size", type=int, default=500, help="rows or files per batch (default 500)"
        )

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        if batch_size < 1:
            self.stderr.write("--batch-size must be at least 1.")
            sys.exit(2)
        report: dict[str, RotationCounts] = {}
        for model, model_field in encrypted_fields():
            name = f"{model._meta.label}.{model_field.name}"
            report[name] = encrypted_field_rotate(model, model_field, batch_size=batch_size)
        report["summary PDFs"] = summary_pdf_rotate(batch_size=batch_size)
        for name, counts in report.items():
            line = (
                f"{name}: {counts.rotated} re-encrypted, {counts.current} already under "
                f"the current key, {counts.unreadable} unreadable"
            )
            if name == "summary PDFs":
                line += f", {counts.missing} files missing"
            self.stdout.write(line)
        audit_record(
            action="data_key.rotate",
            detail={name: vars(counts) for name, counts in report.items()},
        )
        unreadable = sum(counts.unreadable for counts in report.values())
        if unreadable:
            self.stderr.write(
                f"{unreadable} stored values could not be decrypted with any key in "
                "DATA_ENCRYPTION_KEYS (or the old SECRET_KEY-derived key); they were left as "
                "they are. Keep the old keys until they are found."
            )
            sys.exit(1)
        self.stdout.write(
            "Everything is under the current key: older keys in DATA_ENCRYPTION_KEYS may be "
            "removed, and DATA_ENCRYPTION_LEGACY_READ set to false."
        )

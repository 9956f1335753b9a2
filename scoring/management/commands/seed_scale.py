from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from scoring.seed_scale import Plan, guard, region_seed


class Command(BaseCommand):
    help = (
        "Fill a scratch PostgreSQL database with a fictional region for benchmarks "
        "(issue 16: 50 organisations, 500,000 patients, 1,000,000 responses, 5 M audit "
        "events at --scale 1). DEBUG or --benchmark only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="multiply every count (e.g. 0.01 for a quick run); default 1",
        )
        parser.add_argument(
            "--benchmark",
            action="store_true",
            help="allow seeding with DEBUG off (a production-like benchmark on a scratch database)",
        )
        counts = (
            "organisations",
            "patients",
            "responses",
            "audit-events",
            "clinic-patients",
            "clinic-responses",
            "clinic-unreviewed",
            "clinic-overdue-reds",
            "today",
            "batch",
            "seed",
        )
        for name in counts:
            parser.add_argument(f"--{name}", type=int, default=None, help="override the count")

    def handle(
        self, *args: Any, scale: float = 1.0, benchmark: bool = False, **options: Any
    ) -> None:
        refused = guard(debug=settings.DEBUG, benchmark=benchmark)
        if refused:
            raise CommandError(refused)
        if not 0 < scale <= 10:
            raise CommandError("--scale must be above 0 and at most 10.")
        names = [f.replace("-", "_") for f in ("organisations", "patients", "responses",
                 "audit-events", "clinic-patients", "clinic-responses", "clinic-unreviewed",
                 "clinic-overdue-reds", "today", "batch", "seed")]  # fmt: skip
        plan = Plan.at_scale(scale, **{name: options.get(name) for name in names})
        self.stdout.write(f"Seeding {plan}")
        report = region_seed(plan=plan, write=self.stdout.write)
        for what, count in report.counts.items():
            self.stdout.write(f"  {what:<22} {count:>12,}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded in {report.seconds:.1f} s; "
                f"database {report.database_bytes / 2**20:,.0f} MB. "
                f"The clinic is organisation {report.clinic_id} (clinician user "
                f"{report.clinic_clinician_id}); patient {report.long_history_patient} has "
                f"the long history."
            )
        )

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from pro_portal.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Create fictional demo data (organisation, staff of each role, patients). DEBUG only."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("Demo data has a published password: refused when DEBUG is off.")
        report = load_demo()
        for line in report.lines:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Log in at /login/ with:"))
        for username, what in report.logins:
            self.stdout.write(f"  {username:<12} password {DEMO_PASSWORD}   ({what})")

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from pro_portal.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, demo_totp_code, load_demo


class Command(BaseCommand):
    help = "Create fictional demo data (organisation, staff of each role, patients). DEBUG only."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--code", action="store_true", help="only print the demo staff's current 2FA code"
        )

    def handle(self, *args: Any, code: bool = False, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("Demo data has a published password: refused when DEBUG is off.")
        if code:
            self.stdout.write(demo_totp_code())
            return
        report = load_demo()
        for line in report.lines:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Log in at /accounts/login/ with:"))
        for username, what in report.logins:
            self.stdout.write(f"  {username:<12} password {DEMO_PASSWORD}   ({what})")
        self.stdout.write(
            f"Two-factor code: add the secret {DEMO_TOTP_SECRET} to an authenticator app, or run\n"
            f"  .venv/bin/python manage.py demo_data --code   (current code: {demo_totp_code()})"
        )

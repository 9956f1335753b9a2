from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from pro_portal import links
from pro_portal.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, demo_totp_code, load_demo


class Command(BaseCommand):
    help = "Create fictional demo data (organisation, staff of each role, patients). DEBUG only."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--code", action="store_true", help="only print the demo staff's current 2FA code"
        )
        parser.add_argument(
            "--site-url",
            default=None,
            help="the address the demo is served at, e.g. http://192.168.1.20:8000 "
            "(default: SITE_URL, else http://127.0.0.1:8000); the printed links start with it",
        )

    def handle(
        self, *args: Any, code: bool = False, site_url: str | None = None, **options: Any
    ) -> None:
        if not settings.DEBUG:
            raise CommandError("Demo data has a published password: refused when DEBUG is off.")
        if code:
            self.stdout.write(demo_totp_code())
            return
        site = site_url or links.site_url()
        if not re.fullmatch(r"https?://[^/\s]+/?", site):
            raise CommandError(f"--site-url must look like http://HOST:PORT, not {site!r}.")
        report = load_demo(site=site)
        for line in report.lines:
            self.stdout.write(line)
        self.stdout.write(
            self.style.SUCCESS(f"Demo data ready. Log in at {report.site}/accounts/login/ with:")
        )
        for username, what in report.logins:
            self.stdout.write(f"  {username:<12} password {DEMO_PASSWORD}   ({what})")
        self.stdout.write(
            f"Two-factor code: add the secret {DEMO_TOTP_SECRET} to an authenticator app, or run\n"
            f"  .venv/bin/python manage.py demo_data --code   (current code: {demo_totp_code()})"
        )

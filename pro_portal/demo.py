"""Demo data: an organisation, staff of each role, and patients.

Everything here is fictional. The demo password only exists on a DEBUG site;
``demo_data`` refuses to run otherwise. Later features add their demo rows
through ``DEMO_STEPS``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator

# allauth exposes no public API to enrol a known secret; these internals are
# used only by the DEBUG-only demo data.
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.contrib.auth.models import Permission
from django.db import transaction

from pro_portal.models import Membership, Organisation, Patient, Role, User

DEMO_PASSWORD = "demo-portal-2026"  # noqa: S105 - printed on purpose; refused unless DEBUG
# Staff must use two-factor authentication; demo staff share this TOTP secret
# so a newcomer can log in (add it to an authenticator app, or print the
# current code with `manage.py demo_data --code`).
DEMO_TOTP_SECRET = "PROPORTALDEMOTOTPSECRETKEYABCDEF"  # noqa: S105 - public demo secret, DEBUG only


@dataclass
class DemoReport:
    site: str  # the address the demo is served at: its links start with it
    logins: list[tuple[str, str]] = field(default_factory=list)  # (username, what it shows)
    lines: list[str] = field(default_factory=list)


DemoStep = Callable[[DemoReport], None]
# Later apps append their own steps (questionnaires, responses, invitations).
DEMO_STEPS: list[DemoStep] = []

DEMO_PATIENTS = [
    # name, CPR (fictional), e-mail, language
    ("Karen Jensen", "0705521234", "karen@example.org", "da"),
    ("Ole Hansen", "1203471235", "ole@example.org", "da"),
    ("Mette Nielsen", "2811634568", "mette@example.org", "da"),
    ("John Smith", "0101801237", "john@example.org", "en"),
]


def _staff(username: str, first: str, last: str, organisation: Organisation, role: str) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"first_name": first, "last_name": last, "email": f"{username}@example.org"},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    Membership.objects.get_or_create(user=user, organisation=organisation, role=role)
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, DEMO_TOTP_SECRET)
    return user


def demo_totp_code() -> str:
    """The current six-digit code for the demo TOTP secret."""
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD
    return str(format_hotp_value(hotp_value(DEMO_TOTP_SECRET, counter)))


@transaction.atomic
def demo_core(report: DemoReport) -> None:
    practice, _ = Organisation.objects.get_or_create(
        name="Lægerne i Søby",
        defaults={
            "kind": Organisation.Kind.GENERAL_PRACTICE,
            "address": "Torvet 1",
            "postcode": "4000",
            "city": "Søby",
            "phone": "70 00 00 01",
            "help_phone": "70 00 00 01",
            "region": "sjaelland",  # 4000 is in Region Zealand
        },
    )
    other, _ = Organisation.objects.get_or_create(
        name="Smerteklinikken Nord",
        defaults={
            "kind": Organisation.Kind.PAIN_CLINIC,
            "address": "Hospitalsvej 5",
            "postcode": "9000",
            "city": "Nordby",
            "region": "nordjylland",
        },
    )
    laege = _staff("laege", "Lone", "Læge", practice, Role.CLINICIAN)
    _staff("sekretaer", "Sanne", "Sekretær", practice, Role.SECRETARY)
    admin = _staff("admin", "Anders", "Admin", practice, Role.ADMIN)
    _staff("smertelaege", "Sofus", "Smertelæge", other, Role.CLINICIAN)
    # The site-wide questionnaire roles, so the demo shows the content pages:
    # the clinic admin imports and previews, the clinician signs off.
    admin.user_permissions.add(Permission.objects.get(codename="manage_questionnaires"))
    laege.user_permissions.add(Permission.objects.get(codename="review_questionnaires"))
    report.logins += [
        ("laege", "clinician, Lægerne i Søby; clinical reviewer of questionnaires"),
        ("sekretaer", "secretary: invitation status only"),
        ("admin", "clinic admin: /admin/; content staff: /content/ (import, preview)"),
        ("smertelaege", "clinician of another organisation: sees none of Søby's patients"),
    ]
    for name, cpr, email, language in DEMO_PATIENTS:
        digest = Patient.hash_for(cpr)
        if not Patient.objects.filter(organisation=practice, cpr_hash=digest).exists():
            Patient.objects.create(
                organisation=practice,
                name=name,
                cpr=cpr,
                email=email,
                preferred_language=language,
            )


def load_demo(*, site: str) -> DemoReport:
    report = DemoReport(site=site.rstrip("/"))
    for step in [demo_core, *DEMO_STEPS]:
        step(report)
    return report

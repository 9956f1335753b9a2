"""Demo data: every role present, idempotent, refused outside DEBUG."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from pro_portal.models import Membership, Patient, Role, User

pytestmark = pytest.mark.django_db


def test_demo_data_creates_staff_of_each_role_and_patients_and_again_nothing_new(
    settings, capsys
) -> None:
    """One test, as loading the demo costs seconds: what it creates, then that a
    second run creates nothing more."""
    settings.DEBUG = True
    call_command("demo_data")
    out = capsys.readouterr().out
    assert "laege" in out
    assert "demo-portal-2026" in out
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    assert Patient.objects.count() >= 3
    # The site-wide questionnaire roles: the clinic admin imports and previews
    # questionnaires (/content/), the clinician signs them off.
    admin, laege = User.objects.get(username="admin"), User.objects.get(username="laege")
    assert admin.has_perm("questionnaires.manage_questionnaires")
    assert laege.has_perm("questionnaires.review_questionnaires")
    assert not laege.has_perm("questionnaires.manage_questionnaires")
    counts = (Patient.objects.count(), Membership.objects.count())
    call_command("demo_data")
    assert (Patient.objects.count(), Membership.objects.count()) == counts


def test_demo_data_is_refused_when_debug_is_off(settings) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("demo_data")
    assert not Patient.objects.exists()

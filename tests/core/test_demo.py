"""Demo data is refused outside DEBUG (what it creates: tests/questionnaires/test_demo.py)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from pro_portal.models import Patient

pytestmark = pytest.mark.django_db


def test_demo_data_is_refused_when_debug_is_off(settings) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("demo_data")
    assert not Patient.objects.exists()

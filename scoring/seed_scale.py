"""A region's worth of fictional data for benchmarks (``manage.py seed_scale``).

Builds the region of issue 16 — by default 50 organisations, 500,000
patients, 1,000,000 submitted responses (about 9 M answers) and 5 M audit
events, with one clinic of 10,000 patients, 27,600 responses over five years,
5,377 of them unreviewed (889 overdue reds) and 100 consultations today — in
minutes, with PostgreSQL ``COPY`` in batches. ``scale`` shrinks every count
(with small floors, so a tiny region still has each kind of row).

What the pages read is real: library versions published by the ordinary
service, CPR numbers encrypted by the Patient model's own field and hashed by
its own ``hash_for``, and every stored result computed by the engine. The
engine runs once per distinct answer pattern (the library's own test vectors
without previous values, red, yellow and green), and the result JSON of each
pattern is reused for every response given those answers.

COPY inserts rows: it fires no UPDATE or DELETE trigger, so the append-only
and immutability triggers stay as they are, and foreign keys are checked when
each batch commits. Never a CPR number in the output: patients are named by
their public id.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import secrets
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from pro_portal import cpr as cpr_lib
from pro_portal.models import AuditEvent, Membership, Organisation, Patient, Role, User
from questionnaires.library import LIBRARY_DIR, read_published
from questionnaires.models import (
    Consultation,
    Invitation,
    Response,
    ScoringResult,
)
from questionnaires.results import RANK, result_shown
from questionnaires.services import questionnaire_publish
from scoring.engine import evaluate, result_to_stored
from scoring.models import ResponseReview

NOT_POSTGRESQL = (
    "seed_scale writes with PostgreSQL COPY: it refuses SQLite and any other database "
    "(set DATABASE_URL to a scratch PostgreSQL database)."
)
NOT_ALLOWED = (
    "seed_scale fills the database with a fictional region for benchmarks: refused when "
    "DEBUG is off unless --benchmark is given (and only on a scratch database)."
)
NOT_EMPTY = (
    "seed_scale refuses a database that already holds patients: seed a scratch "
    "database (createdb, migrate, then seed_scale)."
)

#: (questionnaire, version, share of the responses): PHQ-9 as the clinic's
#: mainstay, under its old and new versions, then GAD-7, WHO-5 and the long
#: chronic-pain questionnaire. About 9 answers per response on average.
VERSIONS: tuple[tuple[str, str, float], ...] = (
    ("phq9", "1.0.0", 0.30),
    ("phq9", "1.2.0", 0.32),
    ("gad7", "1.2.0", 0.22),
    ("who5", "1.2.0", 0.12),
    ("chronic_pain", "1.2.0", 0.04),
)
#: Colours of the responses that are not the clinic's unreviewed backlog.
COLOURS = (("red", 0.12), ("yellow", 0.33), ("green", 0.55))
YEARS = 5
LONG_HISTORY = 50  # responses of one clinic patient (a summary with a long history)
TODAY_ANSWERED = 0.75  # share of today's consultations answered before the visit
FIRST_NAMES = (  # noqa: SIM905 - a list of names reads better as text
    "Anne Birgit Bo Camilla Christian Dorthe Emil Freja Frederik Hanne Henrik Ida Jens "
    "Jonas Karen Kirsten Lars Lene Line Mads Maria Mette Morten Niels Ole Peter Pia "
    "Rasmus Sofie Søren Thomas Tina Ulla Viggo Aase"
).split()
LAST_NAMES = (  # noqa: SIM905 - a list of names reads better as text
    "Andersen Christensen Hansen Jensen Jørgensen Kristensen Larsen Madsen Mortensen "
    "Nielsen Olsen Pedersen Petersen Poulsen Rasmussen Sørensen Thomsen Johansen "
    "Knudsen Møller Jakobsen Holm Lund Dahl Bach Eriksen Østergaard"
).split()


@dataclass(frozen=True)
class Plan:
    """How many of each row; ``at_scale`` keeps the counts consistent."""

    organisations: int = 50
    patients: int = 500_000
    responses: int = 1_000_000
    audit_events: int = 5_000_000
    clinic_patients: int = 10_000
    clinic_responses: int = 27_600
    clinic_unreviewed: int = 5_377
    clinic_overdue_reds: int = 889
    today: int = 100
    batch: int = 20_000
    seed: int = 16

    @classmethod
    def at_scale(cls, scale: float, **given: int | None) -> Plan:
        """Every count times ``scale`` (floors keep each kind of row), except
        today's consultations (a day is a day; at most half the clinic);
        counts given explicitly win."""
        base = cls()

        def scaled(name: str, floor: int) -> int:
            return max(floor, round(int(getattr(base, name)) * scale))

        plan = replace(
            base,
            organisations=scaled("organisations", 2),
            patients=scaled("patients", 60),
            responses=scaled("responses", 150),
            audit_events=scaled("audit_events", 300),
            clinic_patients=scaled("clinic_patients", 20),
            clinic_responses=scaled("clinic_responses", 60),
            clinic_unreviewed=scaled("clinic_unreviewed", 12),
            clinic_overdue_reds=scaled("clinic_overdue_reds", 3),
        )
        plan = replace(plan, **{k: v for k, v in given.items() if v is not None})
        return plan.consistent()

    def consistent(self) -> Plan:
        today = min(self.today, self.clinic_patients // 2)
        answered_today = round(today * TODAY_ANSWERED)
        overdue = self.clinic_overdue_reds
        unreviewed = max(self.clinic_unreviewed, answered_today + overdue + 1)
        clinic_responses = max(self.clinic_responses, unreviewed + 1, LONG_HISTORY_MIN)
        organisations = max(2, self.organisations)
        clinic_patients = max(2, self.clinic_patients)
        patients = max(self.patients, clinic_patients + organisations - 1)
        responses = max(self.responses, clinic_responses + (patients - clinic_patients))
        return replace(
            self,
            organisations=organisations,
            patients=patients,
            responses=responses,
            clinic_patients=clinic_patients,
            clinic_responses=clinic_responses,
            clinic_unreviewed=unreviewed,
            today=today,
        )

    @property
    def answered_today(self) -> int:
        return round(self.today * TODAY_ANSWERED)


LONG_HISTORY_MIN = 4


@dataclass(frozen=True)
class Pattern:
    """One distinct set of answers and the engine's result for it."""

    answers: str  # {item id: value} as JSON text, as Response.answers holds them
    answer_count: int
    overall: str
    shown: str  # what the lists show (questionnaires.results.result_shown)
    result: str  # the stored form (result_to_stored) as JSON text
    questionnaire_id: str
    definition_version: str
    engine_version: str


@dataclass
class VersionPatterns:
    pk: int
    ref: str
    by_colour: dict[str, list[Pattern]]

    def pick(self, colour: str, rng: random.Random) -> Pattern:
        return rng.choice(self.by_colour[colour])


@dataclass
class Report:
    counts: dict[str, int] = field(default_factory=dict)
    clinic_id: int = 0
    clinic_clinician_id: int = 0
    long_history_patient: uuid.UUID | None = None
    seconds: float = 0.0
    database_bytes: int = 0


# --- COPY ------------------------------------------------------------------------------


class Table:
    """COPY into one model's table, columns named by the model's fields.

    A column the seed does not set gets its field's default (prepared by the
    field), so a new column with a default needs no change here.
    """

    def __init__(self, model: type[models.Model], given: Sequence[str]) -> None:
        self.model = model
        self.table = model._meta.db_table
        fields = list(model._meta.concrete_fields)
        by_attname = {f.attname: f for f in fields}
        unknown = set(given) - set(by_attname)
        if unknown:
            raise ValueError(f"{self.table}: no such fields {sorted(unknown)}")
        self.given = list(given)
        self.defaults: list[tuple[str, Any]] = []
        for f in fields:
            if f.attname in given or (f.primary_key and "id" not in given):
                continue
            if f.attname == "id":
                continue
            value = f.get_default()
            if isinstance(value, (dict, list)):
                value = json.dumps(value)
            elif value is not None:
                value = f.get_db_prep_save(value, connection)
            self.defaults.append((str(f.column), value))
        columns = [str(by_attname[a].column) for a in self.given] + [c for c, _ in self.defaults]
        self.sql = f"COPY {self.table} ({', '.join(columns)}) FROM STDIN"
        self.tail = tuple(v for _, v in self.defaults)

    def copy(self, rows: Iterable[Sequence[Any]]) -> int:
        count = 0
        with connection.cursor() as wrapper:
            cursor = wrapper.cursor  # psycopg's own cursor
            with cursor.copy(self.sql) as copy:
                for row in rows:
                    copy.write_row((*row, *self.tail))
                    count += 1
        return count


def reserve_ids(model: type[models.Model], count: int) -> int:
    """The first of ``count`` consecutive ids taken from the table's sequence
    (other writers get ids after them)."""
    if count <= 0:
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
        (sequence,) = cursor.fetchone()
        cursor.execute("SELECT setval(%s, nextval(%s) + %s - 1)", [sequence, sequence, count])
        (last,) = cursor.fetchone()
    return int(last) - count + 1


# --- The region ------------------------------------------------------------------------


def guard(*, debug: bool, benchmark: bool) -> str | None:
    """Why seeding is refused here, or None."""
    if connection.vendor != "postgresql":
        return NOT_POSTGRESQL
    if not (debug or benchmark):
        return NOT_ALLOWED
    if Patient.objects.exists():
        return NOT_EMPTY
    return None


def patterns_compute() -> list[tuple[VersionPatterns, float]]:
    """Publish the versions (the ordinary service; a no-op when published)
    and score each distinct answer pattern once with the engine."""
    out = []
    for questionnaire_id, number, share in VERSIONS:
        path = LIBRARY_DIR / questionnaire_id / f"{number}.yaml"
        content, reuse = read_published(path)
        version = questionnaire_publish(content=content, source=path.name, reuse=reuse).version
        definition = version.definition
        by_colour: dict[str, list[Pattern]] = {}
        for vector in definition.test_vectors:
            if vector.previous is not None:
                continue  # a change since last time needs a history: not a pattern
            answers = {k: list(v) if isinstance(v, tuple) else v for k, v in vector.answers.items()}
            result = evaluate(definition, answers)
            if result.overall not in ("red", "yellow", "green"):
                continue  # incomplete answers are refused at submit
            if any(n.safety for n in result.not_assessable):
                continue  # a safety question left unanswered lists as red
            by_colour.setdefault(result.overall, []).append(
                Pattern(
                    answers=json.dumps(answers),
                    answer_count=len(answers),
                    overall=result.overall,
                    shown=result_shown(result),
                    result=json.dumps(result_to_stored(result, definition)),
                    questionnaire_id=result.questionnaire,
                    definition_version=result.version,
                    engine_version=result.engine_version,
                )
            )
        if not by_colour:
            raise RuntimeError(f"{version.ref}: no test vector gives a colour to seed with")
        out.append((VersionPatterns(version.pk, version.ref, by_colour), share))
    return out


class Seeder:
    def __init__(self, plan: Plan, write: Callable[[str], None]) -> None:
        self.plan = plan
        self.write = write
        self.rng = random.Random(plan.seed)  # noqa: S311 - fictional data, repeatable by seed
        self.now = timezone.now()
        self.report = Report()
        self.started = time.perf_counter()

    def say(self, text: str) -> None:
        self.write(f"[{time.perf_counter() - self.started:7.1f} s] {text}")

    # Staff, organisations, patients ------------------------------------------------

    def organisations(self) -> None:
        plan = self.plan
        orgs = [
            Organisation(
                name=("Smerteklinikken Syd" if i == 0 else f"Lægehuset Region {i:02d}"),
                kind=(
                    Organisation.Kind.PAIN_CLINIC if i == 0 else Organisation.Kind.GENERAL_PRACTICE
                ),
                address=f"Torvet {i + 1}",
                postcode=f"{4000 + i}",
                city="Søby",
            )
            for i in range(plan.organisations)
        ]
        self.orgs = Organisation.objects.bulk_create(orgs)
        run = secrets.token_hex(3)
        self.clinicians: list[int] = []
        self.secretaries: list[int] = []
        users, memberships = [], []
        for i, organisation in enumerate(self.orgs):
            for role in (Role.CLINICIAN, Role.SECRETARY):
                user = User(
                    username=f"seed-{run}-{role}-{i:02d}",
                    email=f"seed-{run}-{role}-{i:02d}@example.org",
                    first_name=str(role.label),
                    last_name=f"{i:02d}",
                )
                user.set_unusable_password()
                users.append((user, organisation, role))
        created = User.objects.bulk_create([u for u, _, _ in users])
        for user, (_, organisation, role) in zip(created, users, strict=True):
            memberships.append(Membership(user=user, organisation=organisation, role=role))
            (self.clinicians if role == Role.CLINICIAN else self.secretaries).append(user.pk)
        Membership.objects.bulk_create(memberships)
        self.report.clinic_id = self.orgs[0].pk
        self.report.clinic_clinician_id = self.clinicians[0]
        self.say(f"{len(self.orgs)} organisations, {len(created)} staff")

    def cpr_numbers(self, count: int) -> Iterator[str]:
        """Distinct valid fictional CPR numbers (kept in memory only)."""
        seen: set[str] = set()
        first, days = dt.date(1930, 1, 1), (dt.date(2005, 12, 31) - dt.date(1930, 1, 1)).days
        while len(seen) < count:
            born = first + dt.timedelta(days=self.rng.randrange(days))
            # The seventh digit gives the century (pro_portal.cpr): 0–3 for
            # the 1900s, 4 for 2000–2036.
            digit7 = 4 if born.year >= 2000 else self.rng.randrange(4)
            digits = f"{born:%d%m%y}{digit7}{self.rng.randrange(1000):03d}"
            if digits not in seen:
                seen.add(digits)
                yield digits

    def patients(self) -> None:
        plan = self.plan
        table = Table(
            Patient,
            ["id", "public_id", "organisation_id", "name", "cpr", "cpr_hash", "birth_date",
             "sex", "email", "mobile", "preferred_language", "created_at"],
        )  # fmt: skip
        cpr_field = Patient._meta.get_field("cpr")
        # Organisation of each patient: the clinic's first, the rest round robin.
        others = [o.pk for o in self.orgs[1:]]
        owners = [self.orgs[0].pk] * plan.clinic_patients + [
            others[i % len(others)] for i in range(plan.patients - plan.clinic_patients)
        ]
        first_id = reserve_ids(Patient, plan.patients)
        self.patient_ids = list(range(first_id, first_id + plan.patients))
        self.patient_org = owners
        self.patient_public: dict[int, uuid.UUID] = {}
        numbers = self.cpr_numbers(plan.patients)
        since = self.now - dt.timedelta(days=365 * YEARS + 30)
        done = 0
        for start in range(0, plan.patients, plan.batch):
            rows = []
            for index in range(start, min(start + plan.batch, plan.patients)):
                digits = next(numbers)
                parsed = cpr_lib.parse_cpr(digits)
                public_id = uuid.UUID(int=self.rng.getrandbits(128), version=4)
                pk = self.patient_ids[index]
                if index < plan.clinic_patients:
                    self.patient_public[pk] = public_id
                rows.append(
                    (
                        pk,
                        public_id,
                        owners[index],
                        f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}",
                        cpr_field.get_db_prep_save(parsed.digits, connection),
                        Patient.hash_for(parsed.digits),
                        parsed.birth_date,
                        parsed.sex,
                        "",
                        "",
                        "da" if self.rng.random() < 0.9 else "en",
                        since + dt.timedelta(minutes=self.rng.randrange(60 * 24 * 30)),
                    )
                )
            with transaction.atomic():
                done += table.copy(rows)
            self.say(f"patients {done:,}/{plan.patients:,}")
        self.report.counts["patients"] = done

    # Responses --------------------------------------------------------------------

    def response_plan(self) -> Iterator[tuple[int, int, str, dt.datetime, bool, bool]]:
        """(patient id, organisation id, colour, submitted at, reviewed, today's)
        for every submitted response, the clinic's first."""
        plan, rng, now = self.plan, self.rng, self.now
        span = dt.timedelta(days=365 * YEARS)
        clinic = self.patient_ids[: plan.clinic_patients]
        clinic_org = self.orgs[0].pk
        # The clinic: today's answered consultations, the overdue reds, the
        # rest of the unreviewed backlog (not red: nothing else overdue),
        # then reviewed history. One patient has a long history.
        long_history = min(LONG_HISTORY, max(LONG_HISTORY_MIN, plan.clinic_responses // 10))
        self.report.long_history_patient = self.patient_public[clinic[-1]]
        # Today's answers are red, yellow and green in turn; a red whose
        # consultation has begun is overdue, so it counts against the overdue
        # reds (yellow instead once they are all there).
        colours_today = []
        overdue_left = plan.clinic_overdue_reds
        for i in range(plan.answered_today):
            colour = ("red", "yellow", "green")[i % 3]
            if colour == "red" and self.consultation_start(i) <= now:
                if overdue_left:
                    overdue_left -= 1
                else:
                    colour = "yellow"
            colours_today.append(colour)
        unreviewed_left = plan.clinic_unreviewed - plan.answered_today - overdue_left
        history = plan.clinic_responses - plan.answered_today - overdue_left - unreviewed_left
        for i, colour in enumerate(colours_today):
            start = self.consultation_start(i)
            yield (
                clinic[i],
                clinic_org,
                colour,
                start - dt.timedelta(hours=rng.uniform(1, 20)),
                False,
                True,
            )
        for _ in range(overdue_left):
            at = now - dt.timedelta(hours=25) - rng.random() * dt.timedelta(days=365)
            yield rng.choice(clinic), clinic_org, "red", at, False, False
        for _ in range(unreviewed_left):
            colour = "yellow" if rng.random() < 0.4 else "green"
            at = now - rng.random() * dt.timedelta(days=365)
            yield rng.choice(clinic), clinic_org, colour, at, False, False
        for n in range(history):
            patient = clinic[-1] if n < long_history else rng.choice(clinic)
            at = now - dt.timedelta(days=2) - rng.random() * span
            yield patient, clinic_org, self.colour(), at, True, False
        # The other organisations: every patient answers at least once;
        # about the clinic's share unreviewed.
        others = list(
            zip(
                self.patient_ids[plan.clinic_patients :],
                self.patient_org[plan.clinic_patients :],
                strict=True,
            )
        )
        share = plan.clinic_unreviewed / plan.clinic_responses
        for n in range(plan.responses - plan.clinic_responses):
            patient, org = others[n] if n < len(others) else rng.choice(others)
            at = now - dt.timedelta(hours=1) - rng.random() * span
            yield patient, org, self.colour(), at, rng.random() >= share, False

    def colour(self) -> str:
        roll, total = self.rng.random(), 0.0
        for colour, share in COLOURS:
            total += share
            if roll < total:
                return colour
        return "green"

    def consultation_start(self, index: int) -> dt.datetime:
        day = timezone.localtime(self.now).replace(hour=8, minute=0, second=0, microsecond=0)
        return day + dt.timedelta(minutes=5 * index)

    def pick_version(self, colour: str) -> VersionPatterns:
        """A version by its share among those with a pattern of ``colour``
        (WHO-5 has no red: a planned red is never silently another colour)."""
        having = [(v, share) for v, share in self.versions if colour in v.by_colour]
        roll, total = self.rng.random() * sum(share for _, share in having), 0.0
        for version, share in having:
            total += share
            if roll < total:
                return version
        return having[-1][0]

    def today_consultations(self) -> dict[int, tuple[int, int]]:
        """Today's consultations in the clinic, each with an invitation:
        patient id → (consultation id, invitation id)."""
        plan = self.plan
        clinic_org, secretary = self.orgs[0].pk, self.secretaries[0]
        first_c = reserve_ids(Consultation, plan.today)
        first_i = reserve_ids(Invitation, plan.today)
        consultations, invitations, out = [], [], {}
        for i, patient in enumerate(self.today_patients):
            starts = self.consultation_start(i)
            created = self.now - dt.timedelta(days=7)
            answered = i < plan.answered_today
            consultations.append(
                (first_c + i, uuid.uuid4(), clinic_org, patient, starts, secretary, created)
            )
            invitations.append(
                (
                    first_i + i,
                    uuid.uuid4(),
                    clinic_org,
                    patient,
                    first_c + i,
                    secrets.token_hex(32),
                    Invitation.State.SUBMITTED if answered else Invitation.State.SENT,
                    secretary,
                    created,
                    created + dt.timedelta(days=14),
                )
            )
            out[patient] = (first_c + i, first_i + i)
        with transaction.atomic():
            Table(
                Consultation,
                ["id", "public_id", "organisation_id", "patient_id", "starts_at",
                 "created_by_id", "created_at"],
            ).copy(consultations)  # fmt: skip
            Table(
                Invitation,
                ["id", "public_id", "organisation_id", "patient_id", "consultation_id",
                 "token_hash", "state", "created_by_id", "created_at", "expires_at"],
            ).copy(invitations)  # fmt: skip
        self.report.counts["consultations today"] = len(consultations)
        return out

    def responses(self) -> None:
        plan, rng = self.plan, self.rng
        self.versions = patterns_compute()
        self.say("versions published: " + ", ".join(v.ref for v, _ in self.versions))
        self.today_patients = self.patient_ids[: plan.today]
        today = self.today_consultations()
        org_index = {o.pk: i for i, o in enumerate(self.orgs)}
        tables = {
            "responses": Table(
                Response,
                ["id", "public_id", "organisation_id", "patient_id", "invitation_id",
                 "consultation_id", "questionnaire_version_id", "status", "channel",
                 "language", "created_at", "started_at", "submitted_at",
                 "shown", "attention", "reviewed_at", "answers", "answers_saved_at"],
            ),
            "results": Table(
                ScoringResult,
                ["response_id", "kind", "questionnaire_id", "definition_version",
                 "engine_version", "overall", "result", "scored_at"],
            ),
            "reviews": Table(ResponseReview, ["response_id", "reviewed_by_id", "reviewed_at"]),
            "audit": Table(
                AuditEvent,
                ["at", "actor_kind", "actor_id", "action", "organisation_id", "patient_id",
                 "object_type", "object_id", "detail"],
            ),
        }  # fmt: skip
        counts = dict.fromkeys(tables, 0)
        answers = 0
        audit_budget = plan.audit_events
        planned = self.response_plan()
        total = plan.responses
        done = 0
        while done < total:
            chunk = [row for _, row in zip(range(plan.batch), planned, strict=False)]
            if not chunk:
                break
            first = reserve_ids(Response, len(chunk))
            rows: dict[str, list[tuple[Any, ...]]] = {name: [] for name in tables}
            for offset, (patient, org, colour, at, reviewed, todays) in enumerate(chunk):
                pk = first + offset
                version = self.pick_version(colour)
                pattern = version.pick(colour, rng)
                public_id = uuid.UUID(int=rng.getrandbits(128), version=4)
                consultation, invitation = (
                    today.get(patient, (None, None)) if todays else (None, None)
                )
                started = at - dt.timedelta(minutes=rng.randint(2, 20))
                reviewed_at = (
                    min(self.now, at + dt.timedelta(hours=rng.uniform(1, 24 * 7)))
                    if reviewed
                    else None
                )
                # The review state the worklists read, as submit and review set it.
                rows["responses"].append(
                    (pk, public_id, org, patient, invitation, consultation, version.pk,
                     Response.Status.SUBMITTED, Response.Channel.HOME, "da", started, started, at,
                     pattern.shown, RANK[pattern.shown], reviewed_at, pattern.answers, at)
                )  # fmt: skip
                answers += pattern.answer_count
                rows["results"].append(
                    (pk, ScoringResult.Kind.ORIGINAL, pattern.questionnaire_id,
                     pattern.definition_version, pattern.engine_version, pattern.overall,
                     pattern.result, at)
                )  # fmt: skip
                detail = json.dumps({"questionnaire": version.ref, "overall": pattern.overall})
                if audit_budget > 0:
                    rows["audit"].append(
                        (at, AuditEvent.ActorKind.PATIENT, None, "response.submit", org, patient,
                         "questionnaires.response", str(public_id), detail)
                    )  # fmt: skip
                    audit_budget -= 1
                if reviewed_at is not None:
                    clinician = self.clinicians[org_index[org]]
                    rows["reviews"].append((pk, clinician, reviewed_at))
                    if audit_budget > 0:
                        rows["audit"].append(
                            (reviewed_at, AuditEvent.ActorKind.STAFF, clinician, "response.review",
                             org, patient, "questionnaires.response", str(public_id), "{}")
                        )  # fmt: skip
                        audit_budget -= 1
            with transaction.atomic():
                for name, table in tables.items():
                    counts[name] += table.copy(rows[name])
            done += len(chunk)
            self.say(
                f"responses {done:,}/{total:,} (answers {answers:,}, reviews {counts['reviews']:,})"
            )
        self.report.counts.update(
            {
                "responses": counts["responses"],
                "answers": answers,
                "scoring results": counts["results"],
                "reviews": counts["reviews"],
            }
        )
        self.audit_so_far = counts["audit"]

    def page_views(self) -> None:
        """The rest of the audit log: staff viewing lists, summaries and patients."""
        plan, rng = self.plan, self.rng
        left = plan.audit_events - self.audit_so_far
        table = Table(
            AuditEvent,
            ["at", "actor_kind", "actor_id", "action", "organisation_id", "patient_id",
             "object_type", "object_id", "detail"],
        )  # fmt: skip
        # Lists are viewed more often than one patient's pages.
        actions = ("worklist.view",) * 3 + ("summary.view", "patient.view")
        span = 365 * YEARS * 24 * 3600
        written = 0
        while written < left:
            rows = []
            for _ in range(min(plan.batch * 5, left - written)):
                index = rng.randrange(len(self.patient_ids))
                org = self.patient_org[index]
                at = self.now - dt.timedelta(seconds=rng.randrange(span))
                rows.append(
                    (at, AuditEvent.ActorKind.STAFF, self.clinicians[self.org_index[org]],
                     rng.choice(actions), org, self.patient_ids[index], "", "", "{}")
                )  # fmt: skip
            with transaction.atomic():
                written += table.copy(rows)
            self.say(f"audit events {self.audit_so_far + written:,}/{plan.audit_events:,}")
        self.report.counts["audit events"] = self.audit_so_far + written

    def run(self) -> Report:
        self.organisations()
        self.org_index = {o.pk: i for i, o in enumerate(self.orgs)}
        self.patients()
        self.responses()
        self.page_views()
        with connection.cursor() as cursor:
            # Planner statistics and a vacuumed heap, as a live database has:
            # VACUUM moves the rows COPY left in the trigram index's pending
            # list into the index proper (a fresh seed otherwise reads that
            # unsorted list on every name search) and sets the visibility map
            # for index-only scans. VACUUM cannot run inside a transaction
            # (a test's), where ANALYZE alone is done.
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
            cursor.execute("SELECT pg_database_size(current_database())")
            (size,) = cursor.fetchone()
        self.report.database_bytes = int(size)
        self.report.counts["organisations"] = len(self.orgs)
        self.report.seconds = time.perf_counter() - self.started
        self.say("vacuumed and analysed")
        return self.report


def region_seed(*, plan: Plan, write: Callable[[str], None]) -> Report:
    """Seed the region (call ``guard`` first)."""
    if not settings.CPR_HASH_KEY:
        raise RuntimeError("CPR_HASH_KEY is not set")
    return Seeder(plan, write).run()

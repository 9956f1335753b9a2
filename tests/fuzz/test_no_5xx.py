"""Property-based fuzzing of every form and query string the site serves:
whatever is sent, the answer is a page or a redirect, never a 5xx.

Each target builds its data from the form's own fields (tests/fuzz/strategies.py)
and sends it through the Django test client as a user of the role the page
is for — clinician, secretary, clinic admin, a patient with an unlocked
invitation, a kiosk tablet. The test client re-raises a view's exception, so
a failure shows the traceback and hypothesis the smallest input causing it.

The normal run tries ``FUZZ_EXAMPLES`` (default 15) cases per target with a
fixed seed; the long run (README, "Fuzzing") sets it higher and a random seed.
The count of cases is printed at the end of the run (tests/fuzz/conftest.py).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from questionnaires.forms import (
    CprForm,
    InviteForm,
    KioskEnrolForm,
    PatientCreateForm,
    ResendForm,
)
from questionnaires.invitations import invitation_create
from questionnaires.kiosk import kiosk_enrol, visit_code_create
from questionnaires.services import (
    questionnaire_activate,
    questionnaire_publish,
    questionnaire_record_review,
)
from scoring import worklist
from scoring.engine import parse_definition
from scoring.engine.item_types import ITEM_TYPES
from scoring.forms import PatientSearchForm, WorklistFilterForm
from tests import factories
from tests.conftest import Personas
from tests.engine.builders import definition, options, text
from tests.fuzz.conftest import CASES, STATUSES
from tests.fuzz.strategies import (
    BOUNDARIES,
    answer_fields,
    django_form_fields,
    draw_answers,
    form_data,
)
from tests.scoring.test_answer_texts import REGIONS

pytestmark = pytest.mark.django_db

#: Cases per target; the long run sets more (README).
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
LONG_RUN = "FUZZ_EXAMPLES" in os.environ

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not LONG_RUN,  # the normal run is the same every time
    database=None,
    suppress_health_check=list(HealthCheck),  # one database and client per target, on purpose
)


def sent(target: str, reply: Any) -> None:
    CASES[target] += 1
    STATUSES.setdefault(target, Counter())[reply.status_code] += 1
    assert reply.status_code < 500, (target, reply.status_code)


@pytest.fixture
def cases() -> Iterator[Callable[[str], None]]:
    """Checks after the run that the target ran at least ``EXAMPLES`` cases."""
    ran: list[str] = []
    before: dict[str, int] = {}

    def start(target: str) -> None:
        ran.append(target)
        before[target] = CASES[target]

    yield start
    for target in ran:
        assert CASES[target] - before[target] >= EXAMPLES, target


def as_lists(data: dict[str, list[str]]) -> dict[str, Any]:
    return {key: values if len(values) != 1 else values[0] for key, values in data.items()}


def query(data: dict[str, list[str]]) -> str:
    return urlencode(data, doseq=True)


# --- Staff pages --------------------------------------------------------------------------


def logged_in(personas: Personas, *roles: str) -> dict[str, Client]:
    """A client per role, logged in once (a login per case cost a third of the run)."""
    clients = {}
    for role in roles:
        clients[role] = Client()
        clients[role].force_login(getattr(personas, role))
    return clients


@dataclass
class Staff:
    personas: Personas
    invitation_id: str
    patient_id: str
    version_pk: int


@pytest.fixture
def staff(personas: Personas) -> Staff:
    version = factories.published_version("phq9", active=True)
    issued = invitation_create(
        patient=personas.patient,
        starts_at=timezone.now() + dt.timedelta(days=2),
        versions=[version],
        by=personas.secretary,
        email=False,
        sms=False,
    )
    return Staff(
        personas, str(issued.invitation.public_id), str(personas.patient.public_id), version.pk
    )


def test_worklist_query_strings(staff: Staff, cases) -> None:
    cases("worklist ?day&colour&questionnaire&unreviewed")
    form = WorklistFilterForm(questionnaires=worklist.questionnaire_choices("da"))
    fields = django_form_fields(form)

    clients = logged_in(staff.personas, "clinician", "secretary")

    @FUZZ
    @given(data=form_data(fields), who=st.sampled_from(["clinician", "secretary"]))
    def run(data: dict[str, list[str]], who: str) -> None:
        client = clients[who]
        page = "/worklist/" if who == "secretary" else "/worklist/awaiting/"
        sent("worklist ?day&colour&questionnaire&unreviewed", client.get(f"{page}?{query(data)}"))
        if who == "clinician":
            sent(
                "worklist ?day&colour&questionnaire&unreviewed",
                client.get(f"/worklist/?{query(data)}"),
            )

    run()


def test_patient_search(staff: Staff, client: Client, cases) -> None:
    cases("search")
    client.force_login(staff.personas.clinician)

    @FUZZ
    @given(data=form_data(django_form_fields(PatientSearchForm())))
    def run(data: dict[str, list[str]]) -> None:
        sent("search", client.post("/worklist/search/", as_lists(data)))

    run()


def test_reception_find_and_register(staff: Staff, client: Client, cases) -> None:
    cases("reception: find by CPR")
    cases("reception: register")
    organisations = [staff.personas.organisation]
    find = django_form_fields(CprForm())
    create = django_form_fields(PatientCreateForm(organisations=organisations))

    client.force_login(staff.personas.secretary)

    registering = {
        "cpr": ["0101801237"],
        "name": ["John Smith"],
        "email": ["john@example.org"],
        "mobile": ["+45 12 34 56 78"],
        "preferred_language": ["en"],
        "organisation": [str(staff.personas.organisation.pk)],
    }

    @FUZZ
    @given(
        finding=form_data(find, {"cpr": [factories.CANARY_CPR]}),
        creating=form_data(create, registering),
    )
    def run(finding: dict[str, list[str]], creating: dict[str, list[str]]) -> None:
        reply = client.post("/reception/", as_lists({**finding, "step": ["find"]}))
        sent("reception: find by CPR", reply)
        reply = client.post("/reception/", as_lists({**creating, "step": ["create"]}))
        sent("reception: register", reply)

    run()


def test_invite_and_reissue(staff: Staff, client: Client, cases) -> None:
    cases("reception: invite")
    cases("reception: reissue")
    patient = staff.personas.patient
    invite = django_form_fields(InviteForm(patient=patient, language="da"))
    resend = django_form_fields(ResendForm())

    client.force_login(staff.personas.secretary)

    booking = {
        "date": [(timezone.localdate() + dt.timedelta(days=7)).isoformat()],
        "time": ["10:30"],
        "versions": [str(staff.version_pk)],
        "send_email": ["on"],
        "send_sms": ["on"],
    }

    @FUZZ
    @given(inviting=form_data(invite, booking), resending=form_data(resend))
    def run(inviting: dict[str, list[str]], resending: dict[str, list[str]]) -> None:
        reply = client.post(f"/patients/{staff.patient_id}/invite/", as_lists(inviting))
        sent("reception: invite", reply)
        reply = client.post(f"/invitations/{staff.invitation_id}/reissue/", as_lists(resending))
        sent("reception: reissue", reply)

    run()


def test_kiosk_enrol(staff: Staff, client: Client, cases) -> None:
    cases("kiosk: enrol")
    fields = django_form_fields(KioskEnrolForm(organisations=[staff.personas.organisation]))

    @FUZZ
    @given(data=form_data(fields))
    def run(data: dict[str, list[str]]) -> None:
        client.force_login(staff.personas.admin)  # a tablet enrolled logs the admin out
        sent("kiosk: enrol", client.post("/kiosk/enrol/", as_lists(data)))

    run()


# --- Patient pages ------------------------------------------------------------------------

#: The birth date's three boxes, as BirthDateForm reads them.
BIRTH_FIELDS = {
    f"birth-{part}": st.one_of(st.sampled_from(values + BOUNDARIES), st.text(max_size=6))
    for part, values in {
        "day": ["0", "1", "3", "31", "32"],
        "month": ["0", "1", "4", "12", "13"],
        "year": ["0001", "1985", "9999", "0000", "85", "10000"],
    }.items()
}
#: The kiosk's visit code (VisitCodeForm: six digits).
CODE_FIELDS = {
    "code": st.one_of(
        st.sampled_from(["123456", "12345", "1234567", "abcdef", *BOUNDARIES]), st.text(max_size=8)
    )
}


def birth_post(birth: dt.date) -> dict[str, list[str]]:
    return {
        "birth-day": [str(birth.day)],
        "birth-month": [str(birth.month)],
        "birth-year": [str(birth.year)],
    }


def test_invitation_link_birth_date(staff: Staff, cases) -> None:
    cases("patient: birth date behind the link")
    issued = invitation_create(
        patient=staff.personas.patient,
        starts_at=timezone.now() + dt.timedelta(days=2),
        versions=[factories.published_version("phq9", active=True)],
        by=staff.personas.secretary,
        email=False,
        sms=False,
    )
    link = "/" + issued.link.split("/", 3)[3]

    @FUZZ
    @given(data=form_data(BIRTH_FIELDS, birth_post(staff.personas.patient.birth_date)))
    def run(data: dict[str, list[str]]) -> None:
        sent("patient: birth date behind the link", Client().post(link, as_lists(data)))

    run()


def test_kiosk_code_and_birth_date(staff: Staff, cases) -> None:
    cases("kiosk: visit code and birth date")
    _kiosk, token = kiosk_enrol(
        organisation=staff.personas.organisation, name="Fuzz", by=staff.personas.admin
    )
    _visit, code = visit_code_create(patient=staff.personas.patient, by=staff.personas.secretary)
    valid = {"code": [code], **birth_post(staff.personas.patient.birth_date)}

    @FUZZ
    @given(
        data=form_data({**CODE_FIELDS, **BIRTH_FIELDS}, valid), ended=st.sampled_from(BOUNDARIES)
    )
    def run(data: dict[str, list[str]], ended: str) -> None:
        tablet = Client()
        tablet.cookies["pro_portal_kiosk"] = token
        sent("kiosk: visit code and birth date", tablet.post("/kiosk/", as_lists(data)))
        reply = tablet.get("/kiosk/?" + urlencode({"ended": ended}))
        sent("kiosk: visit code and birth date", reply)

    run()


#: The limits each item type's fuzz item has, so its own bounds are tried ± 1.
ITEM_LIMITS: dict[str, dict[str, Any]] = {
    "single_choice": {"options": options(range(3))},
    "multiple_choice": {
        "options": [
            *options(range(3)),
            {"code": "none", "value": 0, "label": text("None"), "exclusive": True},
        ],
        "min": 1,
        "max": 2,
    },
    "integer": {"min": -5, "max": 30000, "unit": text("steps")},
    "decimal": {"min": 20, "max": 300, "decimals": 1, "unit": text("kg")},
    "nrs": {"anchors": {"low": text("No pain"), "high": text("Worst pain")}},
    "yes_no": {},
    "date": {"min": "1900-01-01", "max": "2030-12-31"},
    "short_text": {"max_length": 50},
    "long_text": {},
    "body_regions": {"options": REGIONS},
}
ANSWERED = sorted(name for name, kind in ITEM_TYPES.items() if kind.answer != "none")


def test_every_answered_item_type_is_fuzzed() -> None:
    assert set(ITEM_LIMITS) == set(ANSWERED)


def every_type() -> dict[str, Any]:
    items = [
        {
            "id": f"t.{name}",
            "type": name,
            "text": text(f"Question {name}"),
            "required": False,
            **extra,
        }
        for name, extra in ITEM_LIMITS.items()
    ]
    return definition(
        id="fuzz",
        sections=[{"id": "all", "kind": "generic", "title": text("All types"), "items": items}],
        scores=[],
        rules=[],
        test_vectors=[],
    )


@pytest.fixture
def answering(personas: Personas, client: Client) -> str:
    """The canary patient has opened an invitation to one question of every type."""
    version = questionnaire_publish(content=every_type(), source="fuzz").version
    reviewer = factories.version_reviewer()
    questionnaire_record_review(
        version=version, reviewer=reviewer, reviewed_on=dt.date(2026, 1, 1), by=None
    )
    questionnaire_activate(version=version, by=None)
    issued = invitation_create(
        patient=personas.patient,
        starts_at=timezone.now() + dt.timedelta(days=2),
        versions=[version],
        by=personas.secretary,
        email=False,
        sms=False,
    )
    link = "/" + issued.link.split("/", 3)[3]
    birth = personas.patient.birth_date
    reply = client.post(
        link, {"birth-day": birth.day, "birth-month": birth.month, "birth-year": birth.year}
    )
    assert reply.status_code == 302
    return str(issued.invitation.responses.get().public_id)


@pytest.mark.parametrize("kind", ANSWERED)
def test_question_page_of_each_item_type(answering: str, client: Client, kind: str, cases) -> None:
    target = f"patient: {kind} question"
    cases(target)
    item = next(
        i
        for s in parse_definition(every_type(), source="fuzz").sections
        for i in s.items
        if i.type == kind
    )
    fields = answer_fields(item)
    url = f"/answer/{answering}/q/t.{kind}/"

    answers = st.composite(lambda draw: draw_answers(draw, fields))()

    @FUZZ
    @given(answer=answers, back=st.sampled_from(["check", "", *BOUNDARIES]))
    def run(answer: dict[str, list[str]], back: str) -> None:
        sent(target, client.post(f"{url}?{urlencode({'from': back})}", as_lists(answer)))

    run()


def test_patient_page_query_strings(answering: str, client: Client, cases) -> None:
    cases("patient: query strings")
    pages = [
        f"/answer/{answering}/check/",
        f"/answer/{answering}/q/t.integer/",
        "/answer/",
        "/kiosk/restore/",
        "/kiosk/hand-back/",
        "/help/",
    ]
    names = st.sampled_from(["changed", "from", "t", "lang", "ended", "next", "page"])

    @FUZZ
    @given(
        page=st.sampled_from(pages),
        data=st.dictionaries(names, st.lists(st.sampled_from(BOUNDARIES), max_size=3), max_size=4),
    )
    def run(page: str, data: dict[str, list[str]]) -> None:
        sent("patient: query strings", client.get(f"{page}?{query(data)}"))

    run()


def test_ids_in_urls(staff: Staff, cases) -> None:
    cases("ids in URLs")
    ids = st.one_of(
        st.sampled_from([staff.patient_id, staff.invitation_id, "0" * 32, *BOUNDARIES[:12]]),
        st.uuids().map(str),
        st.text(
            st.characters(blacklist_categories=("Cs",), blacklist_characters="/?#"), min_size=1
        ),
    )
    pages = [
        ("get", "/responses/{}/"),
        ("get", "/responses/{}/pdf"),
        ("post", "/responses/{}/review"),
        ("get", "/worklist/unsent/{}/"),
        ("post", "/worklist/unsent/{}/"),
        ("get", "/patients/{}/"),
        ("post", "/patients/{}/visit-code/"),
        ("post", "/invitations/{}/cancel/"),
        ("get", "/i/{}/"),
        ("get", "/answer/{}/q/{}/"),
    ]

    clients = logged_in(staff.personas, "clinician", "secretary")

    @FUZZ
    @given(page=st.sampled_from(pages), ident=ids, who=st.sampled_from(["clinician", "secretary"]))
    def run(page: tuple[str, str], ident: str, who: str) -> None:
        method, pattern = page
        url = pattern.format(*[quote(ident, safe="")] * pattern.count("{}"))
        sent("ids in URLs", getattr(clients[who], method)(url))

    run()


def test_content_preview_answers_and_fhir_uploads(db: None, cases) -> None:
    """Content staff: the preview's question page of every item type (trial
    answers in the session) and the FHIR upload, with any bytes."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.scoring.test_content_pages import content_user

    target = "content: preview answers and FHIR uploads"
    cases(target)
    version = questionnaire_publish(content=every_type(), source="fuzz").version
    client = Client()
    client.force_login(content_user("manage_questionnaires"))
    items = {
        i.type: i
        for s in parse_definition(every_type(), source="fuzz").sections
        for i in s.items
        if i.type in ANSWERED
    }

    @FUZZ
    @given(
        data=st.data(),
        kind=st.sampled_from(ANSWERED),
        after=st.sampled_from(["", *BOUNDARIES]),
        upload=st.one_of(st.binary(max_size=300), st.sampled_from([b"[" * 5000, b'{"a": NaN}'])),
    )
    def run(data: st.DataObject, kind: str, after: str, upload: bytes) -> None:
        fields = answer_fields(items[kind])
        answer = data.draw(st.composite(lambda draw: draw_answers(draw, fields))())
        page = f"/content/{version.pk}/preview/q/t.{kind}/?{urlencode({'after': after})}"
        sent(target, client.post(page, as_lists(answer)))
        sent(target, client.get(page))
        upload_file = SimpleUploadedFile("q.json", upload, content_type="application/json")
        sent(target, client.post("/content/import/", {"file": upload_file}))

    run()


def test_content_choice_after_an_id_collision(db: None, cases) -> None:
    """Content staff: the choice of a new id or a new version for a kept
    upload, with any token, choice and id."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from scoring.views.content import ChoiceForm
    from tests.scoring.test_content_pages import content_user, fhir, kept_token

    target = "content: the choice after an id collision"
    cases(target)
    client = Client()
    client.force_login(content_user("manage_questionnaires"))
    tokens = []
    for title in ("Mood check", "Another", "A third"):
        upload = SimpleUploadedFile("q.json", fhir(title=title), content_type="application/json")
        page = client.post("/content/import/", {"file": upload}).content.decode()
        if title != "Mood check":
            tokens.append(kept_token(page))
    fields = django_form_fields(ChoiceForm())
    fields["upload"] = st.one_of(st.sampled_from(tokens), fields["upload"])
    valid = {"upload": tokens[:1], "choice": ["new_id"], "new_id": ["mood_check_x"]}

    @FUZZ
    @given(data=form_data(fields, valid))
    def run(data: dict[str, list[str]]) -> None:
        sent(target, client.post("/content/import/choice/", data))

    run()


def test_content_preview_patient(db: None, cases) -> None:
    """Content staff: the trial patient of a version that reads ``%patient``
    (CNICS' AUDIT), with any sex and birth date, then its preview pages."""
    from questionnaires.fhir.importer import questionnaire_from_fhir
    from scoring.views.content import PreviewPatientForm
    from tests.questionnaires.fhir.test_launch_context import AUDIT
    from tests.scoring.test_content_pages import content_user

    target = "content: the preview's trial patient"
    cases(target)
    imported = questionnaire_from_fhir(json.loads(AUDIT.read_text()), source=AUDIT.name)
    version = questionnaire_publish(content=imported.mapping, source=AUDIT.name).version
    client = Client()
    client.force_login(content_user("manage_questionnaires"))
    valid = {"sex": ["male"], "birth_date": ["1970-01-01"]}

    @FUZZ
    @given(data=form_data(django_form_fields(PreviewPatientForm()), valid))
    def run(data: dict[str, list[str]]) -> None:
        sent(target, client.post(f"/content/{version.pk}/preview/patient/", data))
        sent(target, client.get(f"/content/{version.pk}/preview/"))
        sent(target, client.get(f"/content/{version.pk}/preview/q/audit_0/"))

    run()

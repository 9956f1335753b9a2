"""Demo data for the patient flows (DEBUG only, via ``manage.py demo_data``).

Loads the questionnaire library, records the demo clinician ``laege`` as the
reviewer — marked as a demo review, so every page still says the library
awaits clinical review — and activates every version (acceptable only because
this is a fictional demo), then books consultations today with submitted answers
across red, yellow and green, open invitation links to try at home, and a
visit code for the waiting-room tablet. Links are printed (with the birth
date to type) because only their hashes are stored: each run reissues them.
"""

from __future__ import annotations

import datetime as dt
from io import StringIO

from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from pro_portal.demo import DemoReport
from pro_portal.models import Organisation, Patient, User
from questionnaires.answering import response_submit, submission_token_issue
from questionnaires.invitations import invitation_create, invitation_reissue
from questionnaires.kiosk import visit_code_create
from questionnaires.models import Invitation, QuestionnaireVersion, Response
from questionnaires.services import questionnaire_activate, questionnaire_record_review

PRACTICE = "Lægerne i Søby"
PHQ9: dict[str, object] = {f"phq9.{n}": "0" for n in range(1, 10)}
#: Submitted answers per demo patient: (questionnaire, answers, the colour they give).
SUBMITTED: dict[str, tuple[str, dict[str, object], str]] = {
    # PHQ-9 item 9 above 0: red whatever the total (team rule), a safety rule.
    "Karen Jensen": ("phq9", {**PHQ9, "phq9.1": "1", "phq9.2": "2", "phq9.9": "1"}, "red"),
    # 2+2+2+2+1+1 = 10: moderate, yellow (Kroenke 2001; team rule).
    "Ole Hansen": (
        "phq9",
        {
            **PHQ9,
            "phq9.1": "2",
            "phq9.2": "2",
            "phq9.3": "2",
            "phq9.4": "2",
            "phq9.5": "1",
            "phq9.6": "1",
        },
        "yellow",
    ),
    "Mette Nielsen": ("phq9", PHQ9, "green"),
}
#: Open invitations to answer at home: patient → questionnaires.
OPEN: dict[str, list[str]] = {
    "John Smith": ["chronic_pain"],
    "Karen Jensen": ["gad7", "who5"],
}


def _activate_library(reviewer: User) -> None:
    call_command("load_questionnaires", stdout=StringIO())
    newest: dict[str, QuestionnaireVersion] = {}
    for version in QuestionnaireVersion.objects.all():
        known = newest.get(version.questionnaire_id)
        if known is None or _semver(version.version) > _semver(known.version):
            newest[version.questionnaire_id] = version
    for version in newest.values():  # the newest version of each is the one in use
        if version.status != QuestionnaireVersion.Status.ACTIVE:
            if version.clinical_reviewer_id is None:
                questionnaire_record_review(
                    version=version,
                    reviewer=reviewer,
                    reviewed_on=timezone.localdate(),
                    by=None,
                    demo=True,
                )
            questionnaire_activate(version=version, by=None)


def _semver(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def _today_at(hour: int, minute: int = 0) -> dt.datetime:
    today = timezone.localdate()
    at = timezone.make_aware(dt.datetime.combine(today, dt.time(hour, minute)))
    # Late in the day the demo still needs consultations in the future.
    return at if at > timezone.now() else timezone.now() + dt.timedelta(hours=1)


def _versions(ids: list[str]) -> list[QuestionnaireVersion]:
    return [
        QuestionnaireVersion.objects.get(
            questionnaire_id=q, status=QuestionnaireVersion.Status.ACTIVE
        )
        for q in ids
    ]


def _submitted(patient: Patient, secretary: User) -> None:
    questionnaire, answers, colour = SUBMITTED[patient.name]
    if Response.objects.filter(patient=patient, status=Response.Status.SUBMITTED).exists():
        return
    issued = invitation_create(
        patient=patient,
        starts_at=_today_at(15),
        versions=_versions([questionnaire]),
        by=secretary,
        email=False,
        sms=False,
    )
    response = issued.invitation.responses.get()
    Response.objects.filter(pk=response.pk).update(answers=answers)
    response.answers = answers
    outcome = response_submit(
        response=response, token=submission_token_issue(response=response), channel="home"
    )
    if outcome.scoring is None or outcome.scoring.overall != colour:
        raise RuntimeError(f"demo answers of {patient.name} should be {colour}")


def _open_link(patient: Patient, ids: list[str], secretary: User, site: str) -> str:
    """A link to an open demo invitation: a new one, or the existing one reissued."""
    existing = (
        Invitation.objects.filter(
            patient=patient,
            created_by=secretary,
            responses__questionnaire_version__questionnaire_id=ids[0],
        )
        .exclude(state__in=[Invitation.State.SUBMITTED])
        .first()
    )
    if existing is not None:
        return invitation_reissue(
            invitation=existing, by=secretary, email=False, sms=False, site=site
        ).link
    return invitation_create(
        patient=patient,
        starts_at=_today_at(16, 30),
        versions=_versions(ids),
        by=secretary,
        email=False,
        sms=False,
        site=site,
    ).link


@transaction.atomic
def demo_questionnaires(report: DemoReport) -> None:
    laege = User.objects.get(username="laege")
    secretary = User.objects.get(username="sekretaer")
    practice = Organisation.objects.get(name=PRACTICE)
    _activate_library(laege)
    patients = {p.name: p for p in Patient.objects.filter(organisation=practice)}
    for name in SUBMITTED:
        _submitted(patients[name], secretary)
    report.lines.append(
        "Submitted answers today: Karen Jensen (red), Ole Hansen (yellow), Mette Nielsen (green)."
    )
    report.lines.append("Invitation links to answer at home (type the birth date shown):")
    for name, ids in OPEN.items():
        patient = patients[name]
        link = _open_link(patient, ids, secretary, report.site)
        birth = f"{patient.birth_date.day} {patient.birth_date.month} {patient.birth_date.year}"
        report.lines.append(f"  {name:<14} birth date {birth:<11} {link}")
    _visit, code = visit_code_create(patient=patients["Mette Nielsen"], by=secretary)
    born = patients["Mette Nielsen"].birth_date
    report.lines.append(
        "Waiting-room tablet: log in as admin, open /kiosk/enrol/ on the tablet, then type "
        f"visit code {code[:3]} {code[3:]} and birth date {born.day} {born.month} {born.year} "
        "(Mette Nielsen; valid today)."
    )

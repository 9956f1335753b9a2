"""factory_boy factories for the core models."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import factory
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils import timezone

from pro_portal.models import Membership, Organisation, Patient, Role, User
from questionnaires.models import Consultation, Invitation, QuestionnaireVersion, Response

# A fictional CPR number used throughout the suite. The canary tests prove it
# never appears in URLs, logs, task payloads, file names or error reports.
CANARY_CPR = "0304851239"
CANARY_CPR_FORMATTED = "030485-1239"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Lægehuset {n}")
    kind = Organisation.Kind.GENERAL_PRACTICE
    address = "Torvet 1"
    postcode = "4000"
    city = "Søby"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person{n}")
    password = factory.django.Password("correct horse battery staple")


def staff(organisation: Organisation, role: str, *, totp: bool = True, **kwargs: object) -> User:
    """A staff member with a role; with TOTP enrolled unless ``totp=False``
    (staff without a second factor are sent to set one up). The secret is kept
    on ``user.totp_secret`` so browser tests can type a valid code."""
    user = UserFactory(**kwargs)
    Membership.objects.create(user=user, organisation=organisation, role=role)
    if totp:
        user.totp_secret = generate_totp_secret()  # type: ignore[attr-defined]
        TOTP.activate(user, user.totp_secret)  # type: ignore[attr-defined]
    return user


def clinician(organisation: Organisation, **kwargs: object) -> User:
    return staff(organisation, Role.CLINICIAN, **kwargs)


def secretary(organisation: Organisation, **kwargs: object) -> User:
    return staff(organisation, Role.SECRETARY, **kwargs)


def clinic_admin(organisation: Organisation, **kwargs: object) -> User:
    return staff(organisation, Role.ADMIN, **kwargs)


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Patient Nummer{n}")
    # Serial numbers 1000+n on a fixed real date give distinct valid CPR numbers.
    cpr = factory.Sequence(lambda n: f"010170{1000 + n:04d}")
    email = "patient@example.org"
    preferred_language = "da"


def published_version(
    questionnaire_id: str, *, active: bool = False, version: str = "1.0.0"
) -> QuestionnaireVersion:
    """A library questionnaire, published (and reviewed and activated if asked)."""
    from questionnaires.library import LIBRARY_DIR, read_published
    from questionnaires.services import (
        questionnaire_activate,
        questionnaire_publish,
        questionnaire_record_review,
    )

    path = LIBRARY_DIR / questionnaire_id / f"{version}.yaml"
    content, reuse = read_published(path)
    published = questionnaire_publish(content=content, source=str(path.name), reuse=reuse).version
    if active:
        reviewer = version_reviewer()
        questionnaire_record_review(
            version=published, reviewer=reviewer, reviewed_on=dt.date(2026, 11, 1), by=None
        )
        questionnaire_activate(version=published, by=None)
    return published


def version_reviewer() -> User:
    """A clinical reviewer of questionnaire versions: a clinician with the
    review permission (questionnaire_record_review takes both)."""
    from django.contrib.auth.models import Permission

    reviewer = clinician(version_reviewer_organisation())
    reviewer.user_permissions.add(
        Permission.objects.get(
            codename="review_questionnaires", content_type__app_label="questionnaires"
        )
    )
    return User.objects.get(pk=reviewer.pk)  # permissions are cached per user object


def version_reviewer_organisation() -> Organisation:
    organisation, _ = Organisation.objects.get_or_create(
        name="Review board", defaults={"kind": Organisation.Kind.GENERAL_PRACTICE}
    )
    return organisation


def response_with_answers(
    patient: Patient, version: QuestionnaireVersion, answers: dict[str, object]
) -> Response:
    return Response.objects.create(
        organisation=patient.organisation,
        patient=patient,
        questionnaire_version=version,
        status=Response.Status.IN_PROGRESS,
        answers=dict(answers),
        answers_saved_at=timezone.now() if answers else None,
    )


# PHQ-9 answers giving each overall colour under PRO Portal's team rules
# (questionnaires/definitions/_instruments/phq9.yaml): item 9 above 0 is red;
# a total of 10–19 is yellow; below 10 with item 9 at 0 is green.
PHQ9_RED = {**{f"phq9.{n}": "0" for n in range(1, 9)}, "phq9.9": "1"}  # total 1, item 9 = 1
PHQ9_YELLOW = {f"phq9.{n}": "2" if n <= 5 else "0" for n in range(1, 10)}  # total 5 × 2 = 10
PHQ9_GREEN = {f"phq9.{n}": "0" for n in range(1, 10)}  # total 0


def consultation(patient: Patient, starts_at: dt.datetime, by: User) -> Consultation:
    return Consultation.objects.create(
        organisation=patient.organisation, patient=patient, starts_at=starts_at, created_by=by
    )


def invitation(consultation: Consultation | None, patient: Patient, by: User) -> Invitation:
    import secrets

    from django.utils import timezone

    return Invitation.objects.create(
        organisation=patient.organisation,
        patient=patient,
        consultation=consultation,
        token_hash=secrets.token_hex(32),
        created_by=by,
        expires_at=timezone.now() + dt.timedelta(days=14),
    )


def submitted(
    patient: Patient,
    version: QuestionnaireVersion,
    answers: dict[str, object],
    *,
    invitation: Invitation | None = None,
) -> Response:
    from questionnaires.answering import response_submit, submission_token_issue

    response = response_with_answers(patient, version, answers)
    if invitation is not None:
        response.invitation = invitation
        response.consultation = invitation.consultation
        response.save(update_fields=["invitation", "consultation"])
    token = submission_token_issue(response=response)
    response_submit(response=response, token=token, channel=response.channel)
    response.refresh_from_db()
    return response


def age_on(born: dt.date, day: dt.date) -> int:
    """Whole years between a birth date and a day."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def newest_library_paths() -> dict[str, Path]:
    """The newest version file of each questionnaire in the library, by id."""
    from questionnaires.library import library_paths

    newest: dict[str, Path] = {}
    for path in library_paths():
        number = tuple(int(part) for part in path.stem.split("."))
        known = newest.get(path.parent.name)
        if known is None or number > tuple(int(part) for part in known.stem.split(".")):
            newest[path.parent.name] = path
    return newest


def answers_of(response: Response) -> dict[str, object]:
    """The answers stored for ``response`` now, read from the database."""
    stored: dict[str, object] = Response.objects.values_list("answers", flat=True).get(
        pk=response.pk
    )
    return stored


def answers_put(response: Response, answers: dict[str, object]) -> None:
    """Store ``answers`` as the response's saved answers (as if given one by one)."""
    now = timezone.now()
    Response.objects.filter(pk=response.pk).update(answers=dict(answers), answers_saved_at=now)
    response.answers, response.answers_saved_at = dict(answers), now

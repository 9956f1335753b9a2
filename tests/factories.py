"""factory_boy factories for the core models."""

from __future__ import annotations

import factory

from pro_portal.models import Membership, Organisation, Patient, Role, User

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


def staff(organisation: Organisation, role: str, **kwargs: object) -> User:
    user = UserFactory(**kwargs)
    Membership.objects.create(user=user, organisation=organisation, role=role)
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

"""Clinic admins manage their own organisation in the admin; patients are not there."""

from __future__ import annotations

import pytest
from django.test import Client

from pro_portal.models import Organisation, User

pytestmark = pytest.mark.django_db


def new_user(organisation: Organisation) -> dict[str, object]:
    """The admin's add-user form, with a clinician role in ``organisation``."""
    return {
        "username": "nyny",
        "email": "ny@example.org",
        "first_name": "Ny",
        "last_name": "Sygeplejerske",
        "password1": "a long enough password 123",
        "password2": "a long enough password 123",
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0",
        "memberships-0-organisation": organisation.pk,
        "memberships-0-role": "clinician",
    }


def test_a_clinic_admin_sees_only_staff_of_their_organisation(personas, client: Client) -> None:
    client.force_login(personas.admin)
    page = client.get("/admin/pro_portal/user/").content.decode()
    assert personas.clinician.username in page
    assert personas.secretary.username in page
    assert personas.outsider_clinician.username not in page


def test_a_clinic_admin_cannot_open_a_user_of_another_organisation(personas, client) -> None:
    client.force_login(personas.admin)
    response = client.get(f"/admin/pro_portal/user/{personas.outsider_clinician.pk}/change/")
    assert response.status_code == 302  # the admin redirects to the index: "does not exist"
    assert (
        personas.outsider_clinician.username
        not in client.get(response["Location"]).content.decode()
    )


def test_a_clinic_admin_can_deactivate_a_user(personas, client: Client) -> None:
    client.force_login(personas.admin)
    client.post(
        "/admin/pro_portal/user/",
        {"action": "deactivate", "_selected_action": [personas.secretary.pk]},
    )
    personas.secretary.refresh_from_db()
    assert personas.secretary.is_active is False


def test_a_clinic_admin_cannot_deactivate_staff_of_another_organisation(personas, client) -> None:
    client.force_login(personas.admin)
    client.post(
        "/admin/pro_portal/user/",
        {"action": "deactivate", "_selected_action": [personas.outsider_clinician.pk]},
    )
    personas.outsider_clinician.refresh_from_db()
    assert personas.outsider_clinician.is_active is True


def test_patients_and_the_audit_log_are_not_in_the_admin(personas, client: Client) -> None:
    client.force_login(personas.admin)
    index = client.get("/admin/").content.decode()
    assert "/admin/pro_portal/patient/" not in index
    assert "/admin/pro_portal/auditevent/" not in index
    assert client.get("/admin/pro_portal/patient/").status_code == 404


@pytest.mark.parametrize("persona", ["clinician", "secretary"])
def test_clinicians_and_secretaries_cannot_enter_the_admin(personas, client, persona) -> None:
    client.force_login(getattr(personas, persona))
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_a_clinic_admin_edits_only_their_organisation(personas, client: Client) -> None:
    client.force_login(personas.admin)
    page = client.get("/admin/pro_portal/organisation/").content.decode()
    assert personas.organisation.name in page
    assert personas.other_organisation.name not in page


def test_a_new_user_gets_a_role_only_in_the_admins_organisation(personas, client) -> None:
    client.force_login(personas.admin)
    response = client.post("/admin/pro_portal/user/add/", new_user(personas.other_organisation))
    assert response.status_code == 200  # the form is shown again with an error
    formset = response.context["inline_admin_formsets"][0].formset
    assert "organisation" in formset.errors[0]
    assert not User.objects.filter(username="nyny").exists()


def test_a_clinic_admin_adds_a_clinician_to_their_organisation(personas, client) -> None:
    client.force_login(personas.admin)
    client.post("/admin/pro_portal/user/add/", new_user(personas.organisation))
    user = User.objects.get(username="nyny")
    assert user.roles_in(personas.organisation) == {"clinician"}


def test_every_column_and_field_of_the_admin_has_a_translated_name() -> None:
    """No heading made from a field's code name ("CREATED AT"): each field the
    admin shows has a verbose name of its own, marked for translation."""
    from django.db.models import Field
    from django.utils.functional import Promise

    from pro_portal.admin import site

    for model, model_admin in site._registry.items():
        shown = {*model_admin.list_display, *(model_admin.fields or ())}
        for name in shown:
            if name not in {f.name for f in model._meta.get_fields()}:
                continue  # a method or a form-only field: named where it is defined
            field = model._meta.get_field(name)
            assert isinstance(field, Field)
            assert isinstance(field.verbose_name, Promise), f"{model.__name__}.{name}"


def test_the_kiosk_list_reads_in_danish(personas, client: Client) -> None:
    from questionnaires.kiosk import kiosk_enrol

    kiosk_enrol(organisation=personas.organisation, name="Venteværelset", by=personas.admin)
    client.force_login(personas.admin)
    page = client.get("/admin/pro_portal/kiosk/").content.decode()
    assert "Tilmeldt" in page
    assert "Organisation" in page
    assert "Created at" not in page

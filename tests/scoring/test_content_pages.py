"""Questionnaire content in the browser (issue 15, item 6): content staff import
a FHIR file, preview any version as a patient would with the live result
beside it, and send it for review. Others get nothing."""

from __future__ import annotations

import json
import re
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from pro_portal.models import AuditEvent, User
from questionnaires.content import (
    REVIEW_REQUESTED,
    version_send_for_review,
    versions_for_review,
)
from questionnaires.fhir.services import FhirFileError, fhir_questionnaire_import
from questionnaires.models import QuestionnaireVersion, Response
from questionnaires.preview import SESSION_PREVIEW
from tests import factories
from tests.conftest import Personas

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fhir"
PHQ9_OPTIONS = ["0", "1", "2", "3"]


def content_user(*codenames: str) -> User:
    """A member of staff holding the site-wide content permissions, with TOTP."""
    user: User = factories.UserFactory()
    for codename in codenames:
        user.user_permissions.add(
            Permission.objects.get(codename=codename, content_type__app_label="questionnaires")
        )
    TOTP.activate(user, generate_totp_secret())
    return user


@pytest.fixture
def editor(db: None) -> User:
    return content_user("manage_questionnaires")


@pytest.fixture
def editor_client(editor: User) -> Client:
    client = Client()
    client.force_login(editor)
    return client


def upload(client: Client, name: str, data: bytes, language: str = "da") -> Any:
    return client.post(
        "/content/import/",
        {"file": SimpleUploadedFile(name, data, content_type="application/json")},
        HTTP_ACCEPT_LANGUAGE=language,
    )


def fhir(**root: Any) -> bytes:
    resource = {
        "resourceType": "Questionnaire",
        "id": "mood-check",
        "version": "0.1.0",
        "status": "draft",
        "title": "Mood check",
        "item": [
            {
                "linkId": "q1",
                "type": "choice",
                "text": "Feeling down?",
                "answerOption": [
                    {"valueCoding": {"code": "no", "display": "No"}},
                    {"valueCoding": {"code": "yes", "display": "Yes"}},
                ],
            }
        ],
        **root,
    }
    return json.dumps(resource).encode()


# --- Who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/content/", "/content/import/", "/content/{pk}/preview/", "/content/{pk}/preview/check/"],
)
def test_staff_without_the_content_role_are_refused_and_told_who_may(
    personas: Personas, url: str
) -> None:
    version = factories.published_version("phq9")
    for user in (personas.clinician, personas.secretary, personas.admin):
        client = Client()
        client.force_login(user)
        response = client.get(url.format(pk=version.pk))
        assert response.status_code == 403, user
        assert "indholdsmedarbejdere" in response.content.decode()


def test_the_content_pages_need_a_log_in_and_show_a_patient_nothing(
    personas: Personas, client: Client
) -> None:
    version = factories.published_version("phq9")
    for url in (
        "/content/",
        f"/content/{version.pk}/preview/",
        f"/content/{version.pk}/preview/q/phq9.1/",
    ):
        response = client.get(url)  # a patient has no staff log-in
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert client.post(f"/content/{version.pk}/send-for-review/").status_code == 302
    assert not AuditEvent.objects.filter(action=REVIEW_REQUESTED).exists()


def test_a_clinician_cannot_send_for_review_or_import(personas: Personas) -> None:
    version = factories.published_version("phq9")
    client = Client()
    client.force_login(personas.clinician)
    assert client.post(f"/content/{version.pk}/send-for-review/").status_code == 403
    assert upload(client, "q.json", fhir()).status_code == 403
    assert not QuestionnaireVersion.objects.filter(questionnaire_id="mood_check").exists()
    assert versions_for_review() == []


def test_a_clinical_reviewer_may_preview_but_not_import(db: None) -> None:
    version = factories.published_version("phq9")
    client = Client()
    client.force_login(content_user("review_questionnaires"))
    assert client.get(f"/content/{version.pk}/preview/").status_code == 200
    assert client.get("/content/import/").status_code == 403
    page = client.get(f"/content/{version.pk}/preview/").content.decode()
    assert "send-for-review" not in page


def test_the_header_links_content_staff_to_the_questionnaires_and_nothing_they_cannot_open(
    editor_client: Client,
) -> None:
    """Content staff with no organisation: the worklist and the reception
    would be 404 for them, so the header does not offer them."""
    page = editor_client.get("/content/").content.decode()
    assert 'href="/content/"' in page
    for url in (reverse("scoring:worklist"), reverse("scoring:find")):
        assert f'href="{url}"' not in page
        assert editor_client.get(url).status_code == 404
    assert editor_client.get("/")["Location"] == "/content/"  # home: what they may open


def test_the_header_links_the_patient_lists_for_those_who_may_open_them(
    personas: Personas,
) -> None:
    for user, shown in (
        (personas.clinician, True),
        (personas.secretary, True),
        (personas.admin, False),  # a clinic admin alone: 404 there too
    ):
        client = Client()
        client.force_login(user)
        page = client.get("/content/").content.decode()  # any page with the header
        for url in (reverse("scoring:worklist"), reverse("scoring:find")):
            assert (f'href="{url}"' in page) is shown, (user, url)
            assert (client.get(url).status_code == 200) is shown, (user, url)


def test_the_header_links_the_questionnaires_to_content_staff_however_they_hold_it(
    personas: Personas,
) -> None:
    """The permission given to the user or through a group shows the link on
    every staff page; a clinician or a reviewer without it never sees it."""
    from django.contrib.auth.models import Group

    group = Group.objects.create(name="Indhold")
    group.permissions.add(
        Permission.objects.get(
            codename="manage_questionnaires", content_type__app_label="questionnaires"
        )
    )
    by_group = personas.clinician
    by_group.groups.add(group)
    for user, shown in (
        (content_user("manage_questionnaires"), True),
        (by_group, True),
        (personas.secretary, False),
        (content_user("review_questionnaires"), False),
    ):
        client = Client()
        client.force_login(user)
        page = client.get(reverse("scoring:worklist") if user.memberships.exists() else "/")
        if page.status_code == 302:
            page = client.get(page["Location"])
        assert page.status_code == 200, user
        assert ('href="/content/"' in page.content.decode()) is shown, user


def test_a_clinical_reviewer_with_no_organisation_lands_on_the_review_list(db: None) -> None:
    client = Client()
    client.force_login(content_user("review_questionnaires"))
    landing = reverse("questionnaires:content-review-list")
    assert client.get("/")["Location"] == landing
    assert client.get(landing).status_code == 200


# --- Import -----------------------------------------------------------------------------------


def test_a_good_file_is_imported_as_a_draft_with_its_warnings_shown(
    editor: User, editor_client: Client
) -> None:
    data = (FIXTURES / "bit-of-everything.json").read_bytes()
    response = upload(editor_client, "bit-of-everything.json", data)
    page = response.content.decode()
    assert response.status_code == 200, page
    version = QuestionnaireVersion.objects.get()
    assert version.status == QuestionnaireVersion.Status.DRAFT
    assert f"Importeret som kladde {version.ref}" in page
    # The file has constructs PRO Portal cannot express: each is named.
    assert "17 advarsler: udeladt eller ændret" in page
    assert "reference item (left out): Item-reference" in page
    assert f'href="/content/{version.pk}/preview/"' in page
    event = AuditEvent.objects.get(action="questionnaire.import")
    assert (event.actor, event.object_id) == (editor, str(version.pk))


def test_the_same_file_twice_is_unchanged_not_an_error(editor_client: Client) -> None:
    upload(editor_client, "q.json", fhir())
    again = upload(editor_client, "q.json", fhir(), language="en")
    assert again.status_code == 200
    assert "already published with this content (unchanged)" in again.content.decode()
    assert QuestionnaireVersion.objects.count() == 1


def test_a_file_that_is_not_json_says_so_and_publishes_nothing(editor_client: Client) -> None:
    response = upload(editor_client, "broken.json", b'{"resourceType": "Questionnaire",')
    page = response.content.decode()
    assert response.status_code == 400
    assert "Der blev ikke importeret noget" in page
    assert "Filen er ikke gyldig JSON" in page
    assert "broken.json: not JSON" in page  # the exact reason, naming the file
    assert not QuestionnaireVersion.objects.exists()


def test_a_file_over_the_size_limit_is_refused_unread(editor_client: Client, settings: Any) -> None:
    settings.IMPORT_MAX_BYTES = 1000
    response = upload(editor_client, "big.json", fhir(description="x" * 2000), language="en")
    page = response.content.decode()
    assert response.status_code == 400
    assert "The file is too large" in page
    assert "At most 1000 bytes can be imported" in page
    assert not QuestionnaireVersion.objects.exists()


def test_a_file_nested_too_deep_is_refused(editor_client: Client) -> None:
    response = upload(editor_client, "deep.json", b"[" * 100 + b"]" * 100, language="en")
    assert response.status_code == 400
    assert "nested 100 levels deep" in response.content.decode()


def test_a_json_file_that_is_no_questionnaire_is_refused(editor_client: Client) -> None:
    response = upload(editor_client, "patient.json", b'{"resourceType": "Patient"}', "en")
    page = response.content.decode()
    assert response.status_code == 400
    assert "cannot be imported as a questionnaire" in page
    assert "not a FHIR Questionnaire (resourceType: Patient)" in page


# --- An id collision: the choice of a new id or a new version (issue 15, item 7) ------------


def collide(client: Client, language: str = "da") -> Any:
    """Import the mood check, then another file with the same id and version."""
    upload(client, "first.json", fhir())
    return upload(client, "second.json", fhir(title="Another mood check"), language)


def kept_token(page: str) -> str:
    found = re.search(r'name="upload" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def choose(client: Client, token: str, choice: str, new_id: str = "", language: str = "da") -> Any:
    data = {"upload": token, "choice": choice, "new_id": new_id}
    return client.post("/content/import/choice/", data, HTTP_ACCEPT_LANGUAGE=language)


def test_an_id_collision_says_in_danish_what_collided_and_offers_both_choices(
    editor_client: Client,
) -> None:
    upload(editor_client, "first.json", fhir())
    upload(editor_client, "first.json", fhir(version="0.2.0", title="Mood check"))
    response = upload(editor_client, "second.json", fhir(title="Another mood check"))
    page = response.content.decode()
    assert response.status_code == 409
    assert "Id’et mood_check er allerede i brug" in page
    assert (
        "Filen second.json (“Another mood check”) ville blive importeret som mood_check@0.1.0,"
        " men mood_check@0.1.0 er allerede udgivet med andet indhold: “Mood check”."
    ) in page
    assert "<strong>mood_check@0.1.0</strong> (Kladde)" in page
    assert "<strong>mood_check@0.2.0</strong> (Kladde)" in page
    assert "Der blev ikke importeret noget. Filen gemmes i 60 minutter" in page
    # Two real forms, each with its CSRF token and the kept upload; the new id
    # is pre-filled with a free suggestion.
    forms = re.findall(
        r'<form method="post" action="/content/import/choice/".*?</form>', page, re.S
    )
    assert len(forms) == 2
    for form in forms:
        assert 'name="csrfmiddlewaretoken"' in form
        assert 'type="hidden" name="upload" value="' in form
    assert 'name="new_id" id="id_new_id" value="mood_check_2"' in page
    assert 'name="choice" value="new_id"' in page
    assert 'name="choice" value="new_version"' in page
    assert "Importér som ny version af mood_check" in page
    assert "<script" not in page  # the CSP: no inline script
    assert "style=" not in page  # nor inline style
    assert [v.ref for v in QuestionnaireVersion.objects.order_by("version")] == [
        "mood_check@0.1.0",
        "mood_check@0.2.0",
    ]
    assert QuestionnaireVersion.objects.get(version="0.1.0").title("en") == "Mood check"


def test_an_id_collision_is_explained_in_english_to_an_english_reader(
    editor_client: Client,
) -> None:
    page = collide(editor_client, "en").content.decode()
    assert "The id mood_check is already in use" in page
    assert "mood_check@0.1.0 is already published with other content" in page
    assert "Import as a new version of mood_check" in page


def test_the_suggested_id_is_one_not_in_use(editor_client: Client) -> None:
    upload(editor_client, "other.json", fhir(id="mood_check_2", title="Other"))
    page = collide(editor_client).content.decode()
    assert 'value="mood_check_3"' in page


def test_choosing_a_new_id_publishes_a_draft_as_import_fhir_as_new_id_would(
    editor: User, editor_client: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = kept_token(collide(editor_client).content.decode())
    response = choose(editor_client, token, "new_id", " mood_check_b ")
    page = response.content.decode()
    assert response.status_code == 200, page
    version = QuestionnaireVersion.objects.get(questionnaire_id="mood_check_b")
    assert (version.version, version.status) == ("0.1.0", QuestionnaireVersion.Status.DRAFT)
    assert version.title("en") == "Another mood check"
    assert "Importeret som kladde mood_check_b@0.1.0" in page
    assert f'href="/content/{version.pk}/preview/"' in page
    event = AuditEvent.objects.get(action="questionnaire.import", object_id=str(version.pk))
    assert event.actor == editor
    assert event.detail["as_new_id"] == "mood_check_b"
    assert event.detail["file"] == "second.json"
    # The same draft the command makes: the command finds it unchanged.
    monkeypatch.chdir(tmp_path)  # the file's name in messages is then the upload's
    Path("second.json").write_bytes(fhir(title="Another mood check"))
    out = StringIO()
    call_command("import_fhir", "second.json", "--as-new-id", "mood_check_b", stdout=out)
    assert "mood_check_b@0.1.0 is already published with this content (unchanged)" in out.getvalue()
    # The kept file is used up.
    assert choose(editor_client, token, "new_id", "mood_check_c").status_code == 410


def test_choosing_a_new_version_publishes_the_next_version_as_a_draft(
    editor: User, editor_client: Client, tmp_path: Path
) -> None:
    token = kept_token(collide(editor_client).content.decode())
    response = choose(editor_client, token, "new_version", language="en")
    page = response.content.decode()
    assert response.status_code == 200, page
    # The file's version 0.1.0 is taken: the next minor version after the newest.
    version = QuestionnaireVersion.objects.get(questionnaire_id="mood_check", version="0.2.0")
    assert version.status == QuestionnaireVersion.Status.DRAFT
    assert version.title("en") == "Another mood check"
    assert "Imported as draft mood_check@0.2.0" in page
    event = AuditEvent.objects.get(action="questionnaire.import", object_id=str(version.pk))
    assert (event.actor, event.detail["as_new_version_of"]) == (editor, "mood_check")
    path = tmp_path / "second.json"
    path.write_bytes(fhir(title="Another mood check"))
    out = StringIO()
    call_command("import_fhir", str(path), "--as-new-version-of", "mood_check", stdout=out)
    # The command, run now, makes the version after that: the same rule.
    assert "created draft mood_check@0.3.0" in out.getvalue()
    assert QuestionnaireVersion.objects.get(version="0.3.0").content_hash != (
        QuestionnaireVersion.objects.get(version="0.1.0").content_hash
    )


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("Mood-Check", "“Mood-Check” kan ikke være et spørgeskema-id"),
        ("2mood", "“2mood” kan ikke være et spørgeskema-id"),
        ("", "Skriv det id, det nye spørgeskema skal have."),
        ("m" * 65, "Id’et er 65 tegn langt; der er plads til højst 64."),
        ("mood_check", "Id’et mood_check bruges allerede af et andet spørgeskema"),
    ],
)
def test_a_bad_or_taken_id_is_refused_clearly_and_the_file_is_kept(
    editor_client: Client, typed: str, message: str
) -> None:
    token = kept_token(collide(editor_client).content.decode())
    response = choose(editor_client, token, "new_id", typed)
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert 'aria-invalid="true"' in page
    assert kept_token(page) == token  # no second upload needed
    assert QuestionnaireVersion.objects.count() == 1
    again = choose(editor_client, token, "new_id", "mood_check_ok")
    assert again.status_code == 200
    assert QuestionnaireVersion.objects.filter(questionnaire_id="mood_check_ok").exists()


def test_a_choice_that_is_neither_asks_for_one_and_keeps_the_file(editor_client: Client) -> None:
    token = kept_token(collide(editor_client).content.decode())
    response = choose(editor_client, token, "both", "mood_check_b")
    assert response.status_code == 400
    assert "Vælg en af de to: et nyt spørgeskema eller en ny version." in response.content.decode()
    assert kept_token(response.content.decode()) == token
    assert QuestionnaireVersion.objects.count() == 1


def test_an_expired_or_unknown_upload_asks_for_the_file_again(
    editor_client: Client, settings: Any
) -> None:
    token = kept_token(collide(editor_client).content.decode())
    cache.clear()  # what IMPORT_UPLOAD_KEEP_SECONDS does to it
    for sent in (token, "nope", "../../etc", ""):
        response = choose(editor_client, sent, "new_id", "mood_check_b")
        page = response.content.decode()
        assert response.status_code == 410
        assert "Den uploadede fil er ikke længere gemt" in page
        assert 'type="file"' in page
    assert QuestionnaireVersion.objects.count() == 1


def test_an_upload_is_kept_for_its_importer_only(editor_client: Client) -> None:
    token = kept_token(collide(editor_client).content.decode())
    colleague = Client()
    colleague.force_login(content_user("manage_questionnaires"))
    assert choose(colleague, token, "new_id", "mood_check_b").status_code == 410
    assert choose(editor_client, token, "new_id", "mood_check_b").status_code == 200


def test_the_choice_needs_the_content_role_a_log_in_and_a_post(
    personas: Personas, editor_client: Client
) -> None:
    token = kept_token(collide(editor_client).content.decode())
    for user in (personas.clinician, personas.admin, content_user("review_questionnaires")):
        client = Client()
        client.force_login(user)
        assert choose(client, token, "new_id", "mood_check_b").status_code == 403
    anonymous = choose(Client(), token, "new_id", "mood_check_b")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")
    assert editor_client.get("/content/import/choice/").status_code == 405
    assert QuestionnaireVersion.objects.count() == 1


def test_the_choice_needs_the_csrf_token(editor: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    first = client.get("/content/import/").content.decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', first)
    assert csrf
    pages = [
        client.post(
            "/content/import/",
            {
                "csrfmiddlewaretoken": csrf.group(1),
                "file": SimpleUploadedFile(name, data, content_type="application/json"),
            },
        ).content.decode()
        for name, data in (("first.json", fhir()), ("second.json", fhir(title="Another")))
    ]
    token = kept_token(pages[1])
    refused = choose(client, token, "new_id", "mood_check_b")
    assert refused.status_code == 403
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', pages[1])
    assert csrf
    accepted = client.post(
        "/content/import/choice/",
        {
            "csrfmiddlewaretoken": csrf.group(1),
            "upload": token,
            "choice": "new_id",
            "new_id": "mood_check_b",
        },
    )
    assert accepted.status_code == 200
    assert QuestionnaireVersion.objects.filter(questionnaire_id="mood_check_b").count() == 1


def test_no_file_chosen_is_a_clear_error(editor_client: Client) -> None:
    response = editor_client.post("/content/import/", {}, HTTP_ACCEPT_LANGUAGE="da")
    assert response.status_code == 400
    assert "Vælg en fil" in response.content.decode()


# --- Preview ----------------------------------------------------------------------------------


def answer(client: Client, pk: int, item_id: str, value: str) -> Any:
    return client.post(f"/content/{pk}/preview/q/{item_id}/", {"answer": value})


def test_the_preview_walks_phq9_page_by_page_and_item_9_raises_red_with_its_trail(
    editor_client: Client,
) -> None:
    version = factories.published_version("phq9", version="1.2.0")
    start = editor_client.get(f"/content/{version.pk}/preview/", HTTP_ACCEPT_LANGUAGE="en")
    assert start.status_code == 200
    assert f"/content/{version.pk}/preview/q/phq9.1/" in start.content.decode()
    for n in range(1, 9):
        page = editor_client.get(f"/content/{version.pk}/preview/q/phq9.{n}/")
        assert page.status_code == 200
        assert 'name="answer"' in page.content.decode()
        after = answer(editor_client, version.pk, f"phq9.{n}", "0")
        assert after.status_code == 302
        assert after["Location"].startswith(f"/content/{version.pk}/preview/q/phq9.{n + 1}/")
    before = editor_client.get(f"/content/{version.pk}/preview/q/phq9.9/").content.decode()
    assert 'class="flag flag-red"' not in before  # item 9 unanswered: "ask directly" only
    # Item 9, "more than half the days" (2): red whatever the total (the team rule
    # phq9_item9_self_harm: item 9 above 0), and same-day contact (phq9_item9_same_day).
    done = answer(editor_client, version.pk, "phq9.9", "2")
    assert done["Location"] == f"/content/{version.pk}/preview/check/"
    page = editor_client.get(done["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'class="flag flag-red"' in page
    assert "phq9_item9_self_harm" in page
    assert "phq9_item9_same_day" in page
    # The because-trail: the question as the patient saw it, and the answer given.
    assert "Thoughts that you would be better off dead" in page
    assert "More than half the days" in page
    assert "PHQ-9 total" in page  # the score table, live
    assert "The patient is shown help now" in page
    # Nothing of it is patient data.
    assert not Response.objects.exists()
    assert not Response.objects.exclude(answers={}).exists()
    assert not AuditEvent.objects.filter(action__startswith="response").exists()


def test_the_preview_claims_no_unanswered_safety_question_before_it_is_reached(
    editor_client: Client,
) -> None:
    """As on the patient's pages, where a question is missing only once passed
    (the check page lists those): before item 9 is reached the panel names it
    as still ahead, not as "safety question unanswered"; on the check page
    with item 9 left empty it is what the clinic would see."""
    version = factories.published_version("phq9")
    start = editor_client.get(f"/content/{version.pk}/preview/").content.decode()
    assert "Sikkerhedsspørgsmål ubesvaret" not in start
    assert "flag-red unanswered" not in start
    assert "Sikkerhedsspørgsmål, patienten endnu ikke er nået til" in start
    for n in range(1, 9):
        answer(editor_client, version.pk, f"phq9.{n}", "0")
    on_item_9 = editor_client.get(f"/content/{version.pk}/preview/q/phq9.9/").content.decode()
    assert "Sikkerhedsspørgsmål ubesvaret" not in on_item_9
    back = editor_client.get(f"/content/{version.pk}/preview/q/phq9.2/").content.decode()
    assert "Sikkerhedsspørgsmål ubesvaret" not in back  # still not reached, going back
    check = editor_client.get(f"/content/{version.pk}/preview/check/").content.decode()
    assert "Sikkerhedsspørgsmål ubesvaret" in check
    assert "flag-red unanswered" in check
    assert "Sikkerhedsspørgsmål, patienten endnu ikke er nået til" not in check


def test_the_preview_scores_have_no_change_column_with_nothing_to_compare(
    editor_client: Client,
) -> None:
    version = factories.published_version("phq9")
    answer(editor_client, version.pk, "phq9.1", "2")
    page = editor_client.get(f"/content/{version.pk}/preview/check/").content.decode()
    assert 'class="table table-sm scores"' in page
    assert "Ændring siden sidst" not in page


def test_preview_answers_stay_in_the_staff_session_and_can_be_cleared(
    editor_client: Client,
) -> None:
    version = factories.published_version("phq9")
    answer(editor_client, version.pk, "phq9.1", "3")
    kept = editor_client.session[SESSION_PREVIEW]
    assert list(kept.values()) == [{"phq9.1": "3"}]
    page = editor_client.get(f"/content/{version.pk}/preview/q/phq9.1/").content.decode()
    assert 'value="3" checked' in page
    editor_client.post(f"/content/{version.pk}/preview/reset/")
    page = editor_client.get(f"/content/{version.pk}/preview/q/phq9.1/").content.decode()
    assert "checked" not in page


def test_a_refused_answer_shows_the_patient_page_error(editor_client: Client) -> None:
    version = factories.published_version("phq9")
    response = answer(editor_client, version.pk, "phq9.1", "7")
    assert response.status_code == 400
    assert "error-summary" in response.content.decode()
    assert SESSION_PREVIEW not in editor_client.session


def test_a_question_not_asked_is_not_found(editor_client: Client) -> None:
    version = factories.published_version("phq9")
    assert editor_client.get(f"/content/{version.pk}/preview/q/nope/").status_code == 404
    assert editor_client.get("/content/999999/preview/").status_code == 404


def test_the_index_lists_versions_with_their_status(editor_client: Client) -> None:
    draft = factories.published_version("phq9")
    active = factories.published_version("gad7", active=True)
    page = editor_client.get("/content/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert draft.ref in page
    assert active.ref in page
    assert "Draft" in page
    assert "Active" in page
    assert "Reviewed by" in page


# --- Send for review --------------------------------------------------------------------------


def test_send_for_review_is_audited_and_lists_the_version_for_the_reviewer(
    editor: User, editor_client: Client
) -> None:
    version = factories.published_version("phq9")
    response = editor_client.post(
        f"/content/{version.pk}/send-for-review/", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response["Location"] == f"/content/{version.pk}/preview/"
    assert versions_for_review() == [version]
    event = AuditEvent.objects.get(action=REVIEW_REQUESTED)
    assert (event.actor, event.object_id) == (editor, str(version.pk))
    page = editor_client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "is sent for clinical review" in page
    assert "Sent for review on" in page
    editor_client.post(f"/content/{version.pk}/send-for-review/")  # twice: one request
    assert AuditEvent.objects.filter(action=REVIEW_REQUESTED).count() == 1


def test_a_reviewed_version_is_not_sent_for_review(editor_client: Client) -> None:
    version = factories.published_version("gad7", active=True)
    editor_client.post(f"/content/{version.pk}/send-for-review/")
    assert versions_for_review() == []


# --- The services under the pages -------------------------------------------------------------


def test_the_import_service_refuses_bytes_that_are_not_utf8_text(db: None) -> None:
    with pytest.raises(FhirFileError) as refused:
        fhir_questionnaire_import(data=b"\xff\xfe{}", name="q.json", source="q.json")
    assert refused.value.reason == "not_text"
    assert refused.value.problems[0].startswith("q.json: cannot read the file")


def test_the_import_service_counts_items_in_uploaded_bytes_too(db: None, settings: Any) -> None:
    settings.IMPORT_MAX_ITEMS = 0
    with pytest.raises(FhirFileError) as refused:
        fhir_questionnaire_import(data=fhir(), name="q.json", source="q.json")
    assert refused.value.reason == "too_many_items"
    assert refused.value.problems == [
        "q.json: the questionnaire has 1 items; at most 0 (IMPORT_MAX_ITEMS)"
    ]
    assert not QuestionnaireVersion.objects.exists()


def test_the_import_service_needs_a_path_or_bytes(db: None) -> None:
    with pytest.raises(TypeError):
        fhir_questionnaire_import(source="nothing")


def test_a_retired_version_is_not_sent_for_review(editor: User) -> None:
    version = factories.published_version("phq9")
    version.status = QuestionnaireVersion.Status.RETIRED
    version.save(update_fields=["status"])
    assert version_send_for_review(version=version, by=editor) is False
    assert versions_for_review() == []


def test_clearing_a_preview_not_started_changes_nothing(editor_client: Client) -> None:
    version = factories.published_version("phq9")
    response = editor_client.post(f"/content/{version.pk}/preview/reset/")
    assert response["Location"] == f"/content/{version.pk}/preview/"
    assert SESSION_PREVIEW not in editor_client.session


def test_an_id_too_long_to_publish_is_a_clear_error_not_a_collision(
    editor_client: Client,
) -> None:
    data = fhir(id="x" * 80)
    response = upload(editor_client, "long.json", data, language="en")
    page = response.content.decode()
    assert response.status_code == 400
    assert "cannot be published as a draft" in page
    assert "80 characters long; at most 64 fit" in page
    assert not QuestionnaireVersion.objects.exists()


def test_a_questionnaire_reading_the_patient_is_previewed_as_the_patient_chosen(
    editor_client: Client,
) -> None:
    """CNICS' AUDIT asks question 2 in a male and a not-male wording, chosen
    by ``%patient.gender``. With no patient the preview asks the not-male
    one (as a filler launched without a patient); choosing a male patient
    asks the male one, and the choice starts the trial answers again."""
    from questionnaires.fhir.importer import questionnaire_from_fhir
    from questionnaires.services import questionnaire_publish
    from tests.questionnaires.fhir.test_launch_context import AUDIT

    imported = questionnaire_from_fhir(
        json.loads(AUDIT.read_text(encoding="utf-8")), source=AUDIT.name
    )
    version = questionnaire_publish(content=imported.mapping, source=AUDIT.name).version
    preview = f"/content/{version.pk}/preview/"
    male, not_male = (f"{preview}q/audit_2_male/", f"{preview}q/audit_2_not_male/")

    def asked() -> tuple[int, int]:
        """Question 2's male and not-male wordings: 200 asked, 404 not."""
        editor_client.post(f"{preview}q/audit_0/", {"answer": "AUDIT-0-2"})
        return editor_client.get(male).status_code, editor_client.get(not_male).status_code

    page = editor_client.get(preview).content.decode()
    assert f'action="{preview}patient/"' in page
    assert asked() == (404, 200)
    chosen = editor_client.post(f"{preview}patient/", {"sex": "male", "birth_date": "1970-01-01"})
    assert chosen["Location"] == preview
    page = editor_client.get(preview).content.decode()
    assert 'value="1970-01-01"' in page
    assert '<option value="male" selected>' in page
    # The trial answers started again: question 1 is unanswered, so 2 is not asked.
    assert editor_client.get(not_male).status_code == 404
    assert asked() == (200, 404)
    editor_client.post(f"{preview}patient/", {"sex": "female", "birth_date": ""})
    assert asked() == (404, 200)


@pytest.mark.parametrize(
    ("sex", "born", "said"),
    [
        ("male", "1850-01-01", "fødselsdato mellem 1900 og i dag"),
        ("male", "2999-01-01", "fødselsdato mellem 1900 og i dag"),
        ("male", "not a date", "fødselsdatoen som en dato"),
        ("male", "1970-13-45", "fødselsdatoen som en dato"),
        ("male", "x" * 10_000, "fødselsdatoen som en dato"),
        ("other", "1970-01-01", "Vælg kvinde, mand eller ikke angivet"),
        ("male\x00", "1970-01-01", "Vælg kvinde, mand eller ikke angivet"),
    ],
)
def test_a_bad_preview_patient_is_said_and_nothing_changes(
    editor_client: Client, sex: str, born: str, said: str
) -> None:
    from questionnaires.fhir.importer import questionnaire_from_fhir
    from questionnaires.services import questionnaire_publish
    from tests.questionnaires.fhir.test_launch_context import AUDIT

    imported = questionnaire_from_fhir(
        json.loads(AUDIT.read_text(encoding="utf-8")), source=AUDIT.name
    )
    version = questionnaire_publish(content=imported.mapping, source=AUDIT.name).version
    reply = editor_client.post(
        f"/content/{version.pk}/preview/patient/", {"sex": sex, "birth_date": born}
    )
    assert reply.status_code == 400
    page = reply.content.decode()
    assert 'aria-invalid="true"' in page
    assert said in page
    after = editor_client.get(f"/content/{version.pk}/preview/").content.decode()
    assert '<option value="male" selected>' not in after  # no patient chosen


def test_a_questionnaire_not_reading_the_patient_offers_no_patient(
    editor_client: Client,
) -> None:
    version = factories.published_version("phq9")
    assert (
        "/preview/patient/"
        not in editor_client.get(f"/content/{version.pk}/preview/").content.decode()
    )
    assert (
        editor_client.post(f"/content/{version.pk}/preview/patient/", {"sex": "male"}).status_code
        == 404
    )

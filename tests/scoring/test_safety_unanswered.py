"""A safety question left unanswered never looks calmer than yellow.

Issue 14: PHQ-9 total 12 with item 9 skipped is stored yellow (the engine's
overall: yellow beats not assessable), and item 9 used to be a quiet note
under it. The stored result stays exactly as the engine wrote it (published
versions and their results never change); the summary, the PDF, the record
text and the worklist show "safety question unanswered — ask directly" with
red, and every other unknown as a quieter "incomplete".
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client
from django.utils import timezone, translation

from questionnaires.models import Response, ScoringResult
from questionnaires.results import result_compute, result_original, result_store
from scoring.engine import result_to_dict
from scoring.summary import summary_build, summary_record_text
from tests import factories
from tests.factories import PHQ9_GREEN, PHQ9_RED, PHQ9_YELLOW

pytestmark = pytest.mark.django_db
COPENHAGEN = ZoneInfo("Europe/Copenhagen")
TODAY = dt.datetime(2026, 11, 23, 7, 0, tzinfo=dt.UTC)  # 08:00 in Copenhagen

# Items 1–8: 2+2+2+1+1+1+1+1 = 11, item 9 skipped: prorated 11 × 9/8 = 12.4 → 12
# (PHQ-9 prorating, docs/library.md) → yellow (10–19); item 9's rule is unknown.
PHQ9_12_ITEM9_SKIPPED = {
    **{f"phq9.{n}": "2" for n in (1, 2, 3)},
    **{f"phq9.{n}": "1" for n in (4, 5, 6, 7, 8)},
}
# WHO-5 with item 5 skipped: not scored, so its rules are unknown — no safety rule.
WHO5_INCOMPLETE = {"who5.1": "3", "who5.2": "3", "who5.3": "3", "who5.4": "3"}
ITEM9 = {
    "da": "Tanker om, at det ville være bedre, hvis du var død, eller tanker om at gøre skade "
    "på dig selv på en eller anden måde",
    "en": "Thoughts that you would be better off dead or of hurting yourself in some way",
}


def _answered(patient, version, answers, *, invitation=None) -> Response:
    """Submitted with answers the patient left out (as an optional question or an
    older page allowed), scored by the engine as a submit would."""
    response = factories.response_with_answers(patient, version, answers)
    response.status = Response.Status.SUBMITTED
    response.submitted_at = timezone.now()
    if invitation is not None:
        response.invitation = invitation
        response.consultation = invitation.consultation
    response.save()
    result_store(response=response, result=result_compute(response=response))
    return response


def _client(user, language: str) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.fixture
def phq9_12(personas) -> Response:
    return _answered(personas.patient, factories.published_version("phq9"), PHQ9_12_ITEM9_SKIPPED)


def test_the_engine_still_stores_yellow_with_item_9_not_assessable(phq9_12) -> None:
    """Nothing the engine stores changes: rescoring 1.0.0/1.1.0 gives the same result."""
    stored = result_original(response_id=phq9_12.pk)
    assert stored.overall == ScoringResult.Overall.YELLOW
    not_assessable = stored.engine_result.not_assessable
    assert [n.rule_id for n in not_assessable] == ["phq9_item9_self_harm"]
    assert stored.engine_result.score("phq9").value == 12


@pytest.mark.parametrize(
    ("language", "overall", "unanswered", "yellow"),
    [
        ("da", "Sikkerhedsspørgsmål ubesvaret", "Ubesvaret — spørg direkte", "Gul"),
        ("en", "Safety question unanswered", "Unanswered — ask directly", "Yellow"),
    ],
)
def test_item_9_skipped_is_shown_with_red_naming_the_question(
    personas, phq9_12, language, overall, unanswered, yellow
) -> None:
    html = _client(personas.clinician, language).get(f"/responses/{phq9_12.public_id}/")
    page = html.content.decode()
    head = page[page.index('id="overall-title"') : page.index('id="flags-title"')]
    assert overall in head
    assert "overall-safety_unanswered" in page
    assert yellow in head  # the stored colour is still said, beside it
    flags = page[page.index('id="flags-title"') : page.index('id="waiting-title"')]
    # In the flag block, before the yellow flag, and the question as the patient saw it.
    assert unanswered in flags
    assert ITEM9[language] in flags
    assert flags.index(unanswered) < flags.index(f"</span> {yellow}</span>")
    assert 'class="not-assessable"' not in flags  # not a quiet note any more


def test_a_red_flag_comes_before_an_unanswered_safety_question(personas) -> None:
    """depression_anxiety: MDI item 6 positive (red), PHQ-9 item 9 skipped."""
    version = factories.published_version("depression_anxiety")
    vector = next(v for v in version.definition.test_vectors if "mdi.6" in v.answers)
    answers = {**dict(vector.answers), "mdi.6": "3"}
    answers.pop("phq9.9", None)
    response = _answered(personas.patient, version, answers)
    stored = result_original(response_id=response.pk)
    assert stored.overall == "red"
    with translation.override("en"):
        summary = summary_build(response=response, stored=stored, language="en")
    assert summary.shown == "red"
    assert [na.rule_id for na in summary.unanswered] == ["phq9_item9_self_harm"]
    page = _client(personas.clinician, "en").get(f"/responses/{response.public_id}/")
    flags = page.content.decode()
    flags = flags[flags.index('id="flags-title"') : flags.index('id="waiting-title"')]
    assert flags.index("flag-red") < flags.index("Unanswered — ask directly")


@pytest.mark.parametrize(
    ("language", "incomplete", "badge"),
    [
        ("da", "Ufuldstændig: der mangler svar til en score eller en regel", "Ufuldstændig"),
        ("en", "Incomplete: answers a score or rule needs are missing", "Incomplete"),
    ],
)
def test_an_incomplete_score_is_a_quiet_line_not_a_safety_question(
    personas, language, incomplete, badge
) -> None:
    response = _answered(personas.patient, factories.published_version("who5"), WHO5_INCOMPLETE)
    assert result_original(response_id=response.pk).overall == "not_assessable"
    page = _client(personas.clinician, language).get(f"/responses/{response.public_id}/")
    html = page.content.decode()
    head = html[html.index('id="overall-title"') : html.index('id="flags-title"')]
    assert badge in head
    assert "overall-incomplete" in html
    flags = html[html.index('id="flags-title"') :]
    assert incomplete in flags
    assert "Unanswered — ask directly" not in html
    assert "Ubesvaret — spørg direkte" not in html


def test_the_pdf_and_the_record_text_show_it_with_red_too(personas, phq9_12) -> None:
    stored = result_original(response_id=phq9_12.pk)
    with translation.override("en"):
        summary = summary_build(response=phq9_12, stored=stored, language="en")
        pdf_html = render_to_string("scoring/summary_pdf.html", {"s": summary})
    flags = pdf_html[pdf_html.index("Red and yellow flags") : pdf_html.index("Scores")]
    assert flags.index("Unanswered — ask directly") < flags.index("colour-yellow")
    assert ITEM9["en"] in flags
    text = summary_record_text(summary)
    assert text.splitlines()[1].startswith("Overall: Safety question unanswered")
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if "Unanswered — ask directly" in line)
    assert lines[at].startswith("- Safety question unanswered (Safety)")
    assert ITEM9["en"] in lines[at + 1]
    assert "not answered" in lines[at + 1]
    assert at < next(i for i, line in enumerate(lines) if line.startswith("- Yellow"))


@pytest.fixture
def day(personas):
    """Today: yellow at 08:00, safety question unanswered at 09:00, red at 10:00,
    incomplete at 11:00, green at 12:00."""
    org = personas.organisation
    phq9, who5 = factories.published_version("phq9"), factories.published_version("who5")
    names = {}
    for hour, name, version, answers in [
        (8, "Gitte Gul", phq9, PHQ9_YELLOW),
        (9, "Ulla Ubesvaret", phq9, PHQ9_12_ITEM9_SKIPPED),
        (10, "Rasmus Rød", phq9, PHQ9_RED),
        (11, "Ida Ufuldstændig", who5, WHO5_INCOMPLETE),
        (12, "Grete Grøn", phq9, PHQ9_GREEN),
    ]:
        patient = factories.PatientFactory(organisation=org, name=name)
        starts = dt.datetime(2026, 11, 23, hour, 0, tzinfo=COPENHAGEN)
        consultation = factories.consultation(patient, starts, personas.secretary)
        invitation = factories.invitation(consultation, patient, personas.secretary)
        _answered(patient, version, answers, invitation=invitation)
        names[name] = patient
    return names


def _in_order(html: str, names) -> list[str]:
    return sorted(names, key=html.index)


@time_machine.travel(TODAY, tick=False)
def test_the_worklist_ranks_safety_item_unanswered_with_red(personas, day) -> None:
    client = _client(personas.clinician, "en")
    html = client.get("/worklist/?day=2026-11-23").content.decode()
    table = html[html.index('id="day-title"') :]
    # Red and unanswered safety question share the first rank (by time within it),
    # then yellow, incomplete, green.
    assert _in_order(table, list(day)) == [
        "Ulla Ubesvaret",
        "Rasmus Rød",
        "Gitte Gul",
        "Ida Ufuldstændig",
        "Grete Grøn",
    ]
    row = table[table.index("Ulla Ubesvaret") - 200 : table.index("Rasmus Rød")]
    assert "row-safety_unanswered" in row
    assert "Safety question unanswered" in row
    awaiting = client.get("/worklist/awaiting/").content.decode()
    listed = awaiting[awaiting.index('id="awaiting-title"') :]
    first_two = _in_order(listed, list(day))[:2]
    assert set(first_two) == {"Ulla Ubesvaret", "Rasmus Rød"}
    # The red filter keeps what ranks with red.
    red = client.get("/worklist/?day=2026-11-23&colour=red").content.decode()
    table = red[red.index('id="day-title"') :]
    assert "Ulla Ubesvaret" in table
    assert "Rasmus Rød" in table
    assert "Gitte Gul" not in table
    incomplete = client.get("/worklist/awaiting/?colour=incomplete").content.decode()
    listed = incomplete[incomplete.index('id="awaiting-title"') :]
    assert "Ida Ufuldstændig" in listed
    assert "Ulla Ubesvaret" not in listed


def test_an_unanswered_safety_question_past_its_visit_is_raised_like_a_red(personas, day) -> None:
    """The database's count and the rows read agree (worklist.alerts)."""
    with time_machine.travel(dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC), tick=False):
        client = _client(personas.clinician, "en")
        html = client.get("/worklist/?day=2026-11-24").content.decode()
        overdue = html[html.index('id="overdue-title"') : html.index("filters")]
    assert "Ulla Ubesvaret" in overdue
    assert "Rasmus Rød" in overdue
    assert "Gitte Gul" not in overdue
    assert "Ida Ufuldstændig" not in overdue  # its visit is at 11:00 (10:00 UTC), ahead


def test_two_safety_rules_on_one_skipped_question_ask_it_once(personas, phq9_12) -> None:
    """As in 1.2.0 (item 9 > 0, and item 9 >= 2 for same-day contact): one block.
    A rule the scored version does not hold is read as the stored entry says."""
    stored = result_original(response_id=phq9_12.pk)
    # A row stored in full (as before compact results) can name a rule the
    # version does not hold; a compact one never does.
    data = result_to_dict(stored.engine_result)
    same_day = {**data["not_assessable"][0], "rule_id": "phq9_item9_same_day"}
    data["not_assessable"] = [*data["not_assessable"], same_day]
    twice = ScoringResult(result=data, overall=stored.overall, scored_at=stored.scored_at)
    twice.definition_version, twice.engine_version = "1.0.0", stored.engine_version
    with translation.override("en"):
        summary = summary_build(response=phq9_12, stored=twice, language="en")
    assert [na.rule_id for na in summary.unanswered] == ["phq9_item9_self_harm"]
    assert len(summary.not_assessable) == 2
    assert summary_record_text(summary).count("Unanswered — ask directly") == 1

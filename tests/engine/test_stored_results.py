"""A result stored in the database today must still read tomorrow.

Results are stored as JSON next to each response (questionnaires/results.py)
and read back for the summary, the PDF, rescoring and, as ``previous``, the
patient's next response (``change()``). The round-trip tests in
test_results.py only prove that today's writer and today's reader agree; a
change to the layout that both sides make at once passes them and leaves
every row already stored unreadable. Here the stored form is literal
(``result_format`` 1, as ``result_to_dict`` writes it): if the layout
changes, keep reading format 1 (or migrate the stored rows) and add the new
format's literals beside these — never edit these.
"""

from __future__ import annotations

import json
from typing import Any

from scoring.engine import (
    AnswerInvolved,
    Because,
    Definition,
    Flag,
    Meaning,
    NotAssessable,
    PatientMessage,
    Result,
    ScoreInvolved,
    ScoreResult,
    evaluate,
    result_from_dict,
    result_from_stored,
)
from tests.engine.builders import definition, parse, text

# A triage questionnaire scored with a previous result: a red safety flag on
# an answer, yellow flags on a prorated score, on change() of an answer and of
# a score, and on a multiple choice answer; one rule not assessable.
STORED = r"""
{
  "result_format": 1,
  "questionnaire": "demo",
  "version": "1.0.0",
  "engine_version": "1.0.0",
  "intended_use": "triage",
  "overall": "red",
  "meaning": {
    "intended_use": "triage",
    "colour": "red",
    "action": {"da": "Bør ses i klinikken.", "en": "Should be seen in the clinic."},
    "note": {
      "da": "Patienten kan altid selv bede om at blive kontaktet.",
      "en": "The patient can always ask to be contacted."
    },
    "next_questionnaire_days": null
  },
  "scores": [
    {
      "id": "total",
      "label": {"da": "Total (da)", "en": "Total"},
      "value": 6,
      "status": "scored",
      "band": "high",
      "band_label": {"da": "High (da)", "en": "High"},
      "items_used": ["q.1", "q.3"],
      "items_missing": ["q.2"],
      "prorated": true
    }
  ],
  "flags": [
    {
      "rule_id": "q3_safety",
      "colour": "red",
      "safety": true,
      "expression": "q.3 > 0",
      "clinician_text": {"da": "Safety answer (da)", "en": "Safety answer"},
      "patient_text": {"da": "Please call us (da)", "en": "Please call us"},
      "because": {
        "answers": [
          {
            "item_id": "q.3",
            "question": {"da": "Question 3 (da)", "en": "Question 3"},
            "answer": "1",
            "value": 1,
            "labels": [{"da": "option 1 (da)", "en": "option 1"}],
            "previous": null
          }
        ],
        "scores": []
      }
    },
    {
      "rule_id": "total_high",
      "colour": "yellow",
      "safety": false,
      "expression": "total >= 5",
      "clinician_text": {"da": "High total (da)", "en": "High total"},
      "patient_text": {"da": "Talk about it (da)", "en": "Talk about it"},
      "because": {
        "answers": [],
        "scores": [
          {
            "score_id": "total",
            "label": {"da": "Total (da)", "en": "Total"},
            "value": 6,
            "band": "high",
            "previous": null
          }
        ]
      }
    },
    {
      "rule_id": "weight_gain",
      "colour": "yellow",
      "safety": false,
      "expression": "change(weight) > 2",
      "clinician_text": {"da": "Weight gain (da)", "en": "Weight gain"},
      "patient_text": {"da": "Weigh yourself (da)", "en": "Weigh yourself"},
      "because": {
        "answers": [
          {
            "item_id": "weight",
            "question": {"da": "Weight (da)", "en": "Weight"},
            "answer": 82.5,
            "value": 82.5,
            "labels": [{"da": "82,5 kg", "en": "82.5 kg"}],
            "previous": 80.0
          }
        ],
        "scores": []
      }
    },
    {
      "rule_id": "pain_spread",
      "colour": "yellow",
      "safety": false,
      "expression": "count_selected(pain.where) >= 2",
      "clinician_text": {"da": "Pain in several places (da)", "en": "Pain in several places"},
      "patient_text": {},
      "because": {
        "answers": [
          {
            "item_id": "pain.where",
            "question": {"da": "Where does it hurt? (da)", "en": "Where does it hurt?"},
            "answer": ["back", "leg"],
            "value": null,
            "labels": [{"da": "Back (da)", "en": "Back"}, {"da": "Leg (da)", "en": "Leg"}],
            "previous": null
          }
        ],
        "scores": []
      }
    },
    {
      "rule_id": "total_rise",
      "colour": "yellow",
      "safety": false,
      "expression": "change(total) >= 3",
      "clinician_text": {"da": "Total risen (da)", "en": "Total risen"},
      "patient_text": {},
      "because": {
        "answers": [],
        "scores": [
          {
            "score_id": "total",
            "label": {"da": "Total (da)", "en": "Total"},
            "value": 6,
            "band": "high",
            "previous": 0
          }
        ]
      }
    }
  ],
  "item_colours": {"q.3": "red", "weight": "yellow", "pain.where": "yellow"},
  "not_assessable": [
    {
      "rule_id": "short_sleep",
      "colour": "yellow",
      "safety": false,
      "expression": "sleep < 5",
      "missing_items": ["sleep"]
    }
  ],
  "patient_messages": [
    {
      "text": {"da": "Please call us (da)", "en": "Please call us"},
      "rule_id": "q3_safety",
      "safety": true
    },
    {
      "text": {"da": "Talk about it (da)", "en": "Talk about it"},
      "rule_id": "total_high",
      "safety": false
    },
    {
      "text": {"da": "Weigh yourself (da)", "en": "Weigh yourself"},
      "rule_id": "weight_gain",
      "safety": false
    }
  ],
  "item_values": {"q.1": 3, "q.3": 1, "weight": 82.5}
}
"""

# The same questionnaire's previous response, all calm: green, so the
# meaning carries the days to the next questionnaire, and the patient gets
# the default support text (no rule).
STORED_GREEN = r"""
{
  "result_format": 1,
  "questionnaire": "demo",
  "version": "1.0.0",
  "engine_version": "1.0.0",
  "intended_use": "triage",
  "overall": "green",
  "meaning": {
    "intended_use": "triage",
    "colour": "green",
    "action": {
      "da": "Næste spørgeskema efter 90 dage.",
      "en": "Next questionnaire after 90 days."
    },
    "note": {
      "da": "Patienten kan altid selv bede om at blive kontaktet.",
      "en": "The patient can always ask to be contacted."
    },
    "next_questionnaire_days": 90
  },
  "scores": [
    {
      "id": "total",
      "label": {"da": "Total (da)", "en": "Total"},
      "value": 0,
      "status": "scored",
      "band": "low",
      "band_label": {"da": "Low (da)", "en": "Low"},
      "items_used": ["q.1", "q.2", "q.3"],
      "items_missing": [],
      "prorated": false
    }
  ],
  "flags": [],
  "item_colours": {},
  "not_assessable": [],
  "patient_messages": [
    {"text": {"da": "Thank you (da)", "en": "Thank you"}, "rule_id": null, "safety": false}
  ],
  "item_values": {"q.1": 0, "q.2": 0, "q.3": 0, "weight": 80.0, "sleep": 7}
}
"""


def mapping() -> dict[str, Any]:
    """The definition STORED was scored under (builders.definition() plus a
    body section and four yellow rules)."""
    base = definition(intended_use="triage", triage={"green_interval_days": 90})
    base["sections"].append(
        {
            "id": "body",
            "kind": "generic",
            "title": text("Body"),
            "items": [
                {
                    "id": "pain.where",
                    "type": "multiple_choice",
                    "text": text("Where does it hurt?"),
                    "options": [
                        {"code": code, "value": value, "label": text(code.title())}
                        for value, code in enumerate(["back", "leg", "arm"])
                    ],
                },
                {
                    "id": "weight",
                    "type": "decimal",
                    "text": text("Weight"),
                    "min": 20,
                    "max": 300,
                    "unit": {"da": "kg", "en": "kg"},
                    "decimals": 1,
                },
                {
                    "id": "sleep",
                    "type": "integer",
                    "text": text("Hours of sleep"),
                    "min": 0,
                    "max": 24,
                    "required": False,
                },
            ],
        }
    )
    yellow = {"colour": "yellow", "source": "test fixture"}
    base["rules"] += [
        {
            "id": "weight_gain",
            "when": "change(weight) > 2",
            **yellow,
            "clinician_text": text("Weight gain"),
            "patient_text": text("Weigh yourself"),
        },
        {
            "id": "pain_spread",
            "when": "count_selected(pain.where) >= 2",
            **yellow,
            "clinician_text": text("Pain in several places"),
        },
        {
            "id": "total_rise",
            "when": "change(total) >= 3",
            **yellow,
            "clinician_text": text("Total risen"),
        },
        {"id": "short_sleep", "when": "sleep < 5", **yellow, "clinician_text": text("Short sleep")},
    ]
    return base


def da_en(english: str) -> dict[str, str]:
    return {"da": f"{english} (da)", "en": english}


def total(previous: int | None = None) -> ScoreInvolved:
    return ScoreInvolved("total", da_en("Total"), value=6, band="high", previous=previous)


RESTORED = Result(
    questionnaire="demo",
    version="1.0.0",
    engine_version="1.0.0",
    intended_use="triage",
    overall="red",
    meaning=Meaning(
        intended_use="triage",
        colour="red",
        action={"da": "Bør ses i klinikken.", "en": "Should be seen in the clinic."},
        note={
            "da": "Patienten kan altid selv bede om at blive kontaktet.",
            "en": "The patient can always ask to be contacted.",
        },
        next_questionnaire_days=None,
    ),
    scores=(
        ScoreResult(
            id="total",
            label=da_en("Total"),
            value=6,
            status="scored",
            band="high",
            band_label=da_en("High"),
            items_used=("q.1", "q.3"),
            items_missing=("q.2",),
            prorated=True,
        ),
    ),
    flags=(
        Flag(
            rule_id="q3_safety",
            colour="red",
            safety=True,
            expression="q.3 > 0",
            clinician_text=da_en("Safety answer"),
            patient_text=da_en("Please call us"),
            because=Because(
                answers=(
                    AnswerInvolved(
                        item_id="q.3",
                        question=da_en("Question 3"),
                        answer="1",
                        value=1,
                        labels=(da_en("option 1"),),
                    ),
                )
            ),
        ),
        Flag(
            rule_id="total_high",
            colour="yellow",
            safety=False,
            expression="total >= 5",
            clinician_text=da_en("High total"),
            patient_text=da_en("Talk about it"),
            because=Because(scores=(total(),)),
        ),
        Flag(
            rule_id="weight_gain",
            colour="yellow",
            safety=False,
            expression="change(weight) > 2",
            clinician_text=da_en("Weight gain"),
            patient_text=da_en("Weigh yourself"),
            because=Because(
                answers=(
                    AnswerInvolved(
                        item_id="weight",
                        question=da_en("Weight"),
                        answer=82.5,
                        value=82.5,
                        labels=({"da": "82,5 kg", "en": "82.5 kg"},),
                        previous=80.0,
                    ),
                )
            ),
        ),
        Flag(
            rule_id="pain_spread",
            colour="yellow",
            safety=False,
            expression="count_selected(pain.where) >= 2",
            clinician_text=da_en("Pain in several places"),
            patient_text={},
            because=Because(
                answers=(
                    AnswerInvolved(
                        item_id="pain.where",
                        question=da_en("Where does it hurt?"),
                        answer=("back", "leg"),  # a list in JSON, a tuple in the Result
                        value=None,
                        labels=(da_en("Back"), da_en("Leg")),
                    ),
                )
            ),
        ),
        Flag(
            rule_id="total_rise",
            colour="yellow",
            safety=False,
            expression="change(total) >= 3",
            clinician_text=da_en("Total risen"),
            patient_text={},
            because=Because(scores=(total(previous=0),)),
        ),
    ),
    item_colours={"q.3": "red", "weight": "yellow", "pain.where": "yellow"},
    not_assessable=(
        NotAssessable(
            rule_id="short_sleep",
            colour="yellow",
            safety=False,
            expression="sleep < 5",
            missing_items=("sleep",),
        ),
    ),
    patient_messages=(
        PatientMessage(text=da_en("Please call us"), rule_id="q3_safety", safety=True),
        PatientMessage(text=da_en("Talk about it"), rule_id="total_high"),
        PatientMessage(text=da_en("Weigh yourself"), rule_id="weight_gain"),
    ),
    item_values={"q.1": 3, "q.3": 1, "weight": 82.5},
)


def test_a_stored_result_of_format_1_reads_back_as_it_was_scored() -> None:
    assert result_from_dict(json.loads(STORED)) == RESTORED


def test_a_stored_green_triage_result_keeps_the_days_to_the_next_questionnaire() -> None:
    restored = result_from_dict(json.loads(STORED_GREEN))
    assert restored.meaning == Meaning(
        intended_use="triage",
        colour="green",
        action={
            "da": "Næste spørgeskema efter 90 dage.",
            "en": "Next questionnaire after 90 days.",
        },
        note={
            "da": "Patienten kan altid selv bede om at blive kontaktet.",
            "en": "The patient can always ask to be contacted.",
        },
        next_questionnaire_days=90,
    )
    assert restored.patient_messages == (PatientMessage(da_en("Thank you")),)
    assert (restored.overall, restored.flags, restored.not_assessable) == ("green", (), ())
    assert restored.scores[0].value == 0
    assert restored.item_values == {"q.1": 0, "q.2": 0, "q.3": 0, "weight": 80.0, "sleep": 7}


def test_a_stored_result_still_serves_as_the_previous_result_for_change() -> None:
    """The next response reads the stored item values and scores: weight
    82.5 → 85.0 is a gain of 2.5 kg (> 2), the total 6 → 9 a rise of 3."""
    previous = result_from_dict(json.loads(STORED))
    answers = {
        "q.1": "3",
        "q.2": "3",
        "q.3": "3",
        "pain.where": ["arm"],
        "weight": 85.0,
        "sleep": 8,
    }
    result = evaluate(parse(mapping()), answers, previous)
    weight_gain = next(flag for flag in result.flags if flag.rule_id == "weight_gain")
    assert weight_gain.because.answers[0].previous == 82.5
    total_rise = next(flag for flag in result.flags if flag.rule_id == "total_rise")
    assert total_rise.because.scores[0].previous == 6
    assert total_rise.because.scores[0].value == 9


# The same result in the compact form (``result_format`` 2, scoring/engine/
# compact.py) that results are stored in since issue 16: what the engine
# decided; the texts come from the definition version it was scored under.
STORED_COMPACT = r"""
{
  "result_format": 2,
  "questionnaire": "demo",
  "version": "1.0.0",
  "engine_version": "1.0.0",
  "overall": "red",
  "scores": {
    "total": {
      "value": 6, "band": "high", "used": ["q.1", "q.3"], "missing": ["q.2"], "prorated": true
    }
  },
  "flags": [
    {"rule": "q3_safety", "answers": [["q.3", "1"]]},
    {"rule": "total_high", "scores": [["total"]]},
    {"rule": "weight_gain", "answers": [["weight", 82.5, 80.0]]},
    {"rule": "pain_spread", "answers": [["pain.where", ["back", "leg"]]]},
    {"rule": "total_rise", "scores": [["total", 0]]}
  ],
  "not_assessable": [["short_sleep", ["sleep"]]],
  "item_values": {"q.1": 3, "q.3": 1, "weight": 82.5}
}
"""


def test_a_stored_result_of_format_2_reads_back_with_the_texts_of_its_version() -> None:
    assert result_from_stored(json.loads(STORED_COMPACT), lambda: parse(mapping())) == RESTORED


def test_a_stored_result_of_format_1_is_read_without_its_definition() -> None:
    def unused() -> Definition:
        raise AssertionError("the full form holds its texts")

    assert result_from_stored(json.loads(STORED), unused) == RESTORED

"""How well the interaction model understands people, held to the figures last measured.

`python -m bench.nlu` prints the full report; this test runs the same measure on the seven
held-out sets (`testkit/data`) and fails if understanding falls below the floors the model
reached when they were set. The floors are not the goal: the goal (intent 95 %, intent+slot
90 %, out of domain 80 %) is in `testkit.nlu.TARGETS`, and docs/understanding.md says how far from
it the model is. No safety question is ever taken for starting or resuming a session, checked
strictly; the explain and safety questions, sent through the Lambda handler as Alexa would send
them, get their specific answers at least at the measured rate.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from skill.content import catalogue_for
from skill.lambda_function import create_handler
from skill.settings import Settings
from testkit import nlu
from testkit.checks import check_response, speech_of

#: (intent, intent+slot, out of domain -> fallback, specific explain/safety answers), as
#: measured when the model last changed, less one line's worth of slack.
FLOORS = {
    "held-out": (0.975, 0.975, 0.895, 1.0),  # the issue's own set: every answer specific
    "blind": (0.98, 0.98, 0.965, 0.985),
    "unseen": (0.975, 0.97, 0.94, 0.96),
    "fourth": (0.95, 0.95, 0.88, 0.96),
    "fifth": (0.975, 0.965, 0.84, 0.97),
    "sixth": (0.96, 0.96, 0.79, 0.965),
    "seventh": (0.945, 0.935, 0.92, 0.95),
}


@pytest.fixture(scope="module")
def reports() -> dict[str, nlu.Report]:
    return {name: nlu.evaluate(nlu.load_heldout(path), source=path.name)
            for name, path in nlu.HELDOUT_SETS.items()}


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_understanding_stays_at_or_above_its_floors(reports, name: str) -> None:
    figures = reports[name].figures()
    intent, slots, ood, _ = FLOORS[name]
    assert figures["intent_in_domain"] >= intent
    assert figures["intent_slots_in_domain"] >= slots
    assert figures["ood_to_fallback"] >= ood


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_no_safety_question_starts_or_resumes_a_session(reports, name: str) -> None:
    harmful = [o.example.text for o in reports[name].outcomes
               if o.example.intent in nlu.SAFETY_INTENTS
               and o.resolution.intent in nlu.FORBIDDEN_FOR_SAFETY]
    assert not harmful
    assert not reports[name].calibration_overlap


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_explain_and_safety_questions_get_their_specific_answer(
    reports, name: str, tmp_path: Path
) -> None:
    handle = create_handler(Settings(store_url=f"sqlite://{tmp_path / 'nlu.db'}",
                                     verify_requests=False))
    asked = specific = 0
    for outcome in reports[name].outcomes:
        example = outcome.example
        if example.intent not in ("ExplainMatIntent", "CheckSafetyIntent"):
            continue
        asked += 1
        envelope = nlu.envelope_for(outcome.resolution, example.locale)
        speech = speech_of(check_response(handle(envelope, None)))
        key = (f"explain.topic.{example.slots['topic']}" if example.intent == "ExplainMatIntent"
               else f"safety.condition.{example.slots['condition']}")
        specific += speech.startswith(catalogue_for(example.locale).text(key))
    assert asked >= 75
    assert specific / asked >= FLOORS[name][3], f"{specific} of {asked} specific answers"

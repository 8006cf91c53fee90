"""Open, explain, safety and the built-ins, through the Flask route and the Lambda handler."""

from __future__ import annotations

import json

import pytest

from skill.content import catalogue_for
from testkit import envelopes as env
from testkit.checks import ends_session, mentions, opens_with, says, speech_of

EN = catalogue_for("en-US")


def test_launch_new_user_welcomes_with_safety_line_and_offer(send, api_endpoint):
    answer = send(env.launch(api_endpoint=api_endpoint))
    text = speech_of(answer)
    assert says(text, EN, "launch.new")
    assert "spikes can break skin" in text
    assert not ends_session(answer)
    assert answer["sessionAttributes"]["offer"] == {"action": "start", "minutes": 10}


@pytest.mark.parametrize("topic", [
    "WHAT_IS", "HOW_IT_WORKS", "VERSUS_ACUPUNCTURE", "BENEFITS", "DURATION", "FREQUENCY",
    "FIRST_TIME", "ROOM_SETUP", "PILLOW", "CLEANING", "COST", "ECO", "GETTING_UP",
])
def test_explain_each_topic(send, topic):
    answer = send(env.intent("ExplainMatIntent", {
        "topic": env.slot("topic", topic.lower(), resolved_id=topic)}))
    spoken = speech_of(answer)
    assert opens_with(spoken, EN, f"explain.topic.{topic}")
    assert mentions(spoken, EN, "explain.more")  # the mic stays open: the reply asks
    assert not ends_session(answer)
    assert len(speech_of(answer).split()) <= 60


@pytest.mark.parametrize("topic", ["ROOM_SETUP", "PILLOW", "CLEANING", "ECO", "GETTING_UP",
                                   "FIRST_TIME"])
def test_explain_a_task_as_alexa_sends_it(send, topic):
    """"How do I clean it?" fills the task slot; Alexa sends the topic slot empty beside it."""
    answer = send(env.intent("ExplainMatIntent", {
        "topic": env.slot("topic"),
        "task": env.slot("task", "clean it", resolved_id=topic)}))
    assert opens_with(speech_of(answer), EN, f"explain.topic.{topic}")
    assert not ends_session(answer)


def test_explain_an_unknown_task_names_known_topics(send):
    answer = send(env.intent("ExplainMatIntent", {
        "topic": env.slot("topic"),
        "task": env.slot("task", "fix the roof", no_match=True)}))
    assert says(speech_of(answer), EN, "explain.unknown")
    assert not ends_session(answer)


def test_explain_without_topic_gives_overview(send):
    answer = send(env.intent("ExplainMatIntent", {"topic": env.slot("topic")}))
    assert opens_with(speech_of(answer), EN, "explain.overview")
    assert mentions(speech_of(answer), EN, "explain.more")  # the mic stays open: it asks
    assert not ends_session(answer)


@pytest.mark.parametrize("topic_slot", [
    env.slot("topic", "quantum physics", no_match=True),
    env.slot("topic", "", no_match=False),
    env.slot("topic", "banana"),
])
def test_explain_unknown_topic_names_known_ones(send, topic_slot):
    answer = send(env.intent("ExplainMatIntent", {"topic": topic_slot}))
    text = speech_of(answer)
    assert says(text, EN, "explain.unknown") or opens_with(text, EN, "explain.overview")
    if topic_slot.get("value"):
        assert says(text, EN, "explain.unknown")
        assert "how it works" in text


def test_explain_with_no_slots_at_all(send):
    answer = send(env.intent("ExplainMatIntent"))
    assert opens_with(speech_of(answer), EN, "explain.overview")
    assert mentions(speech_of(answer), EN, "explain.more")  # the mic stays open: it asks


MEDICAL = ["PREGNANCY", "HEART", "BLOOD_THINNERS", "THROMBOSIS", "EPILEPSY", "SKIN_CONDITION",
           "OPEN_WOUND", "SKIN_INFECTION", "FEVER", "BLOOD_PRESSURE", "DIABETES", "THIN_SKIN",
           "CHILDREN", "ACUPUNCTURE", "ALCOHOL"]
EVERYDAY = ["PETS", "FALLING_ASLEEP"]


@pytest.mark.parametrize("condition", MEDICAL + EVERYDAY)
def test_safety_condition_is_cautious_and_not_diagnostic(send, condition):
    answer = send(env.intent("CheckSafetyIntent", {
        "condition": env.slot("condition", condition.lower(), resolved_id=condition)}))
    text = speech_of(answer)
    assert opens_with(text, EN, f"safety.condition.{condition}")
    assert mentions(text, EN, "safety.disclaimer")
    if condition in MEDICAL:
        assert "doctor" in text
    assert not ends_session(answer)


def test_safety_without_condition_gives_general_rules(send):
    answer = send(env.intent("CheckSafetyIntent", {"condition": env.slot("condition")}))
    text = speech_of(answer)
    assert opens_with(text, EN, "safety.general")
    assert mentions(text, EN, "safety.more")
    for rule in ("gently", "break skin", "infection", "pets and children", "short sessions"):
        assert rule in text


def test_safety_unknown_condition_is_helpful(send):
    answer = send(env.intent("CheckSafetyIntent", {
        "condition": env.slot("condition", "broken toaster", no_match=True)}))
    assert says(speech_of(answer), EN, "safety.unknown")
    assert "doctor" in speech_of(answer)
    assert not ends_session(answer)


@pytest.mark.parametrize(("intent", "key"), [
    ("AboutMatIntent", "explain.overview"), ("SafetyTipsIntent", "safety.general"),
])
def test_general_questions_have_intents_of_their_own(send, intent, key):
    answer = send(env.intent(intent))
    assert opens_with(speech_of(answer), EN, key)
    assert speech_of(answer).endswith("?")  # the mic stays open: the reply asks
    assert answer["response"].get("shouldEndSession") is not True


@pytest.mark.parametrize(("intent", "topic"), [
    ("MatIdentityIntent", "WHAT_IS"), ("SessionLengthIntent", "DURATION"),
    ("SessionFrequencyIntent", "FREQUENCY"), ("MatCostIntent", "COST"),
    ("HowItWorksIntent", "HOW_IT_WORKS"), ("MatBenefitsIntent", "BENEFITS"),
    ("MatEcoIntent", "ECO"),
])
def test_questions_whose_wording_is_the_topic_get_that_topic(send, intent, topic):
    """"How long should I lie on it?" or "what is an acupressure mat?" carries no slot Alexa
    could leave empty: the intent is the topic, so it never falls back to the overview."""
    answer = send(env.intent(intent))
    spoken = speech_of(answer)
    assert opens_with(spoken, EN, f"explain.topic.{topic}")
    assert mentions(spoken, EN, "explain.more")
    assert not ends_session(answer)


def test_help_keeps_session_open(send):
    answer = send(env.intent("AMAZON.HelpIntent"))
    assert says(speech_of(answer), EN, "help")
    assert not ends_session(answer)


@pytest.mark.parametrize("name", ["AMAZON.StopIntent", "AMAZON.CancelIntent"])
def test_stop_and_cancel_exit(send, name):
    answer = send(env.intent(name))
    assert says(speech_of(answer), EN, "goodbye")
    assert ends_session(answer)
    assert "reprompt" not in answer["response"]


def test_navigate_home_and_fallback(send):
    home = send(env.intent("AMAZON.NavigateHomeIntent"))
    assert says(speech_of(home), EN, "home") and not ends_session(home)
    fallback = send(env.intent("AMAZON.FallbackIntent"))
    assert says(speech_of(fallback), EN, "fallback") and not ends_session(fallback)


def test_session_ended_has_no_speech(send):
    answer = send(env.session_ended())
    assert "outputSpeech" not in answer["response"]


def test_unknown_intent_gets_spoken_apology(send):
    answer = send(env.intent("SomethingNewIntent"))
    assert says(speech_of(answer), EN, "error")
    assert not ends_session(answer)


def test_ssml_special_characters_are_escaped(send):
    answer = send(env.intent("ExplainMatIntent", {
        "topic": env.slot("topic", "<b>&]]>", no_match=True)}))
    assert "<b>" not in answer["response"]["outputSpeech"]["ssml"]


def test_flask_health_and_bad_json(settings):
    from skill.web import create_app

    client = create_app(settings).test_client()
    assert client.get("/healthz").status_code == 200
    bad = client.post("/", data=b"{not json", content_type="application/json")
    assert bad.status_code == 400
    assert bad.get_json() == {"error": "malformed request body"}
    wrong = client.post("/", data=json.dumps({"hello": "world"}))
    assert wrong.status_code == 400
    assert "Traceback" not in wrong.get_data(as_text=True)
    assert set(wrong.get_json()) == {"error"}


def test_lambda_refuses_non_alexa_event(settings, monkeypatch):
    from skill import lambda_function

    handler = lambda_function.create_handler(settings)
    assert "error" in handler({"hello": "world"}, None)
    assert "error" in handler([1, 2], None)


def test_skill_id_enforced_on_both_entry_points(settings, monkeypatch):
    from dataclasses import replace

    from skill import lambda_function
    from skill.web import create_app

    foreign = env.launch(application_id="amzn1.ask.skill.someone-else")
    client = create_app(replace(settings, skill_id=env.APP_ID)).test_client()
    assert client.post("/", data=json.dumps(foreign)).status_code == 400
    assert client.post("/", data=json.dumps(env.launch())).status_code == 200
    handler = lambda_function.create_handler(replace(settings, skill_id=env.APP_ID))
    assert "error" in handler(foreign, None)
    assert "response" in handler(env.launch(), None)


def test_intent_request_without_intent_is_refused(settings, monkeypatch):
    from skill import lambda_function
    from skill.web import create_app

    broken = env.intent("AMAZON.HelpIntent")
    del broken["request"]["intent"]
    client = create_app(settings).test_client()
    answer = client.post("/", data=json.dumps(broken))
    assert answer.status_code == 400
    assert answer.get_json() == {"error": "request.intent must be an object"}
    handler = lambda_function.create_handler(settings)
    assert handler(broken, None) == {"error": "request.intent must be an object"}

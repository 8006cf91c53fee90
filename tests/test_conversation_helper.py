"""`testkit.conversation.Conversation` carries a session the way Alexa does.

Multi-turn skill tests rely on it instead of copying attributes by hand, so what it carries
(and when it lets go) is checked here against a scripted skill, without the real one.
"""

from __future__ import annotations

from testkit import envelopes as env
from testkit.conversation import Conversation


class ScriptedSkill:
    """Answers with the next scripted response and keeps every request it was sent."""

    def __init__(self, *responses: dict) -> None:
        self.responses = list(responses)
        self.requests: list[dict] = []

    def __call__(self, envelope: dict) -> dict:
        self.requests.append(envelope)
        return self.responses.pop(0)


def answer(attributes: dict | None = None, *, end: bool | None = False) -> dict:
    body: dict = {"version": "1.0", "response": {}}
    if end is not None:
        body["response"]["shouldEndSession"] = end
    if attributes is not None:
        body["sessionAttributes"] = attributes
    return body


def test_attributes_and_session_id_carry_into_the_next_turn():
    skill = ScriptedSkill(answer({"offer": {"action": "start"}}), answer({"step": 2}), answer())
    chat = Conversation(skill, api_endpoint="https://127.0.0.1:9")
    chat.launch()
    chat.intent("AMAZON.YesIntent")
    chat.intent("AMAZON.HelpIntent", user_id="amzn1.ask.account.OTHER")  # a turn's own kwargs
    first, second, third = (r["session"] for r in skill.requests)
    assert first["new"] is True and first["attributes"] == {}
    assert second["new"] is False and second["sessionId"] == first["sessionId"]
    assert second["attributes"] == {"offer": {"action": "start"}}
    assert third["attributes"] == {"step": 2} and third["sessionId"] == first["sessionId"]
    assert skill.requests[0]["context"]["System"]["apiEndpoint"] == "https://127.0.0.1:9"
    assert skill.requests[2]["context"]["System"]["user"]["userId"] == "amzn1.ask.account.OTHER"


def test_a_response_that_ends_the_session_starts_a_new_one():
    skill = ScriptedSkill(answer({"kept": 1}, end=True), answer({"x": 1}, end=None), answer())
    chat = Conversation(skill)
    chat.intent("StartSessionIntent")
    chat.intent("TimeLeftIntent")
    chat.intent("ProgressIntent")
    first, second, third = (r["session"] for r in skill.requests)
    assert second["new"] is True and second["attributes"] == {}
    assert second["sessionId"] != first["sessionId"]
    # shouldEndSession left out keeps the session open, as on Alexa
    assert third["new"] is False and third["attributes"] == {"x": 1}


def test_session_ended_request_closes_and_skill_events_leave_the_session_alone():
    skill = ScriptedSkill(answer({"a": 1}), answer(end=None), answer({"b": 2}), answer(),
                          answer())
    chat = Conversation(skill)
    chat.launch()
    chat.say(env.skill_event, "SkillPermissionChanged")  # out of session
    chat.intent("AMAZON.HelpIntent")
    chat.session_ended()
    chat.launch()
    assert "session" not in skill.requests[1]
    assert skill.requests[2]["session"]["attributes"] == {"a": 1}
    assert skill.requests[3]["session"]["attributes"] == {"b": 2}
    assert skill.requests[4]["session"]["new"] is True
    assert chat.in_session and chat.attributes == {} and len(chat.turns) == 5

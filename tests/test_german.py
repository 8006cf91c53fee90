"""A German user, through both doors: everything an English user can do, heard only in German.

The conversation runs against the Timers and Reminders stand-ins, so what Alexa itself would
say later (a timer's announcement, a check-in, a reminder) and what the Alexa app shows (timer
labels) is checked too: German text, and the request's locale, never a setting's.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

import pytest
import time_machine

from skill.content import catalogue_for
from skill.store import open_store
from testkit import envelopes as env
from testkit.alexa_apis import TimersFake
from testkit.checks import mentions, says, speech_of
from testkit.conversation import Conversation
from testkit.entry_points import SenderFactory
from testkit.reminder_requests import days_slot, set_reminder

DE = catalogue_for("de-DE")
LOCALE = "de-DE"
#: Monday 23 November 2026, noon in Berlin.
MONDAY_NOON = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
#: Words an English reply always has and a German one never does (case matters: "Minute").
ENGLISH = re.compile(r"\b(the|your|you|and|with|session|left|minutes|please|sorry)\b")
CONDITIONS = ("PREGNANCY", "HEART", "BLOOD_THINNERS", "THROMBOSIS", "EPILEPSY", "SKIN_CONDITION",
              "OPEN_WOUND", "SKIN_INFECTION", "FEVER", "BLOOD_PRESSURE", "DIABETES", "THIN_SKIN",
              "CHILDREN")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(MONDAY_NOON, tick=False) as traveller:
        yield traveller


@pytest.fixture
def talk(entry_point: SenderFactory, settings, api_endpoint: str,
         timers_fake: TimersFake) -> Conversation:
    timers_fake.zone = "Europe/Berlin"
    return Conversation(entry_point(settings), api_endpoint=api_endpoint, locale=LOCALE)


def german(answer: dict) -> str:
    """The reply's words, which must hold no English."""
    said = speech_of(answer)
    assert said and not ENGLISH.search(said), said
    reprompt = (answer["response"].get("reprompt") or {}).get("outputSpeech", {}).get("ssml", "")
    assert not ENGLISH.search(reprompt), reprompt
    return said


def test_a_german_user_does_everything_in_german(talk: Conversation, timers_fake: TimersFake,
                                                 clock, settings, caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="skill")
    assert says(german(talk.launch()), DE, "launch.new")
    said = german(talk.intent("ExplainMatIntent",
                              {"topic": env.slot("topic", "was das ist", "WHAT_IS")}))
    assert mentions(said, DE, "explain.topic.WHAT_IS")
    for condition in CONDITIONS:  # every named condition: the doctor first
        said = german(talk.intent("CheckSafetyIntent", {
            "condition": env.slot("condition", "etwas", condition)}))
        assert mentions(said, DE, f"safety.condition.{condition}")
        assert re.search(r"Ärztin|Arzt|Kinderärztin", said), (condition, said)
    talk.reset()

    # Start: the timers question is answered, the session starts with its check-ins.
    timers_fake.token = None
    said = german(talk.intent("StartSessionIntent", {"duration": "PT20M"}))
    assert mentions(said, DE, "start.started", length=DE.text("units.length", n=20))
    [end] = timers_fake.created()
    announce = end["triggeringBehavior"]["operation"]["textToAnnounce"]
    assert [a["locale"] for a in announce] == [LOCALE]
    assert announce[0]["text"].replace(" ", "") in {
        v.replace(" ", "").replace("||", "") for v in DE.variants("timer.announce")}
    assert end["timerLabel"] == "Matten-Sitzung 12:00"  # Berlin's noon, the German label
    checkins = timers_fake.created(hidden=True)
    assert checkins and all(
        c["triggeringBehavior"]["operation"]["textToAnnounce"][0]["locale"] == LOCALE
        and not ENGLISH.search(c["triggeringBehavior"]["operation"]["textToAnnounce"][0]["text"])
        for c in checkins)

    talk.reset()
    assert mentions(german(talk.intent("TimeLeftIntent")), DE, "time_left.running",
                    left="20 Minuten")
    talk.reset()
    assert mentions(german(talk.intent("AMAZON.PauseIntent")), DE, "pause.done",
                    left="20 Minuten")
    talk.reset()
    assert mentions(german(talk.intent("AMAZON.ResumeIntent")), DE, "resume.done",
                    left="20 Minuten")
    talk.reset()
    assert german(talk.intent("EndSessionIntent"))
    talk.reset()
    assert german(talk.intent("ProgressIntent"))

    # A weekly reminder: German words, the 24-hour clock, the German locale at Alexa.
    talk.reset()
    said = german(talk.say(set_reminder, days_slot("MONDAY", "FRIDAY"), "19:00"))
    assert "montags und freitags um 19 Uhr" in said, said
    [reminder] = timers_fake.reminders.reminders_of(env.ACCESS_TOKEN)
    [spoken] = reminder.body["alertInfo"]["spokenInfo"]["content"]
    assert spoken["locale"] == LOCALE and not ENGLISH.search(spoken["text"])
    talk.reset()
    assert german(talk.intent("StopRemindersIntent"))
    talk.reset()
    assert says(german(talk.intent("AMAZON.StopIntent")), DE, "goodbye")

    # Removing the skill forgets the German user as it forgets an English one, and nothing
    # logged along the way names them.
    talk.send(env.skill_event("SkillDisabled", api_endpoint=talk.defaults["api_endpoint"],
                              locale=LOCALE))
    store = open_store(settings.store_url)
    assert store.load(env.USER_ID).version == 0
    store.close()
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert logged and not any(secret in logged for secret in (
        env.USER_ID, env.DEVICE_ID, env.ACCESS_TOKEN))

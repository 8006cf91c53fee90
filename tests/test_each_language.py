"""A user of every language besides English, through both doors: everything an English user
can do, heard only in their language.

The conversation runs against the Timers and Reminders stand-ins, so what Alexa itself would
say later (a timer's announcement, a check-in, a reminder) and what the Alexa app shows (timer
labels) is checked too: the language's text, and the request's locale, never a setting's. The
words come from `testkit.languages`: a new language is an entry there, not a copy of this file.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from skill.content import catalogue_for
from skill.deploy import LOCALES
from skill.store import open_store
from testkit import envelopes as env
from testkit.alexa_apis import TimersFake
from testkit.checks import mentions, says, speech_of
from testkit.conversation import Conversation
from testkit.entry_points import SenderFactory
from testkit.languages import OTHERS, SpokenLanguage
from testkit.reminder_requests import days_slot, set_reminder

#: Monday 23 November 2026, noon in Berlin.
MONDAY_NOON = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
CONDITIONS = ("PREGNANCY", "HEART", "BLOOD_THINNERS", "THROMBOSIS", "EPILEPSY", "SKIN_CONDITION",
              "OPEN_WOUND", "SKIN_INFECTION", "FEVER", "BLOOD_PRESSURE", "DIABETES", "THIN_SKIN",
              "CHILDREN")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(MONDAY_NOON, tick=False) as traveller:
        yield traveller


#: A time zone of each regional store: its timer labels show that clock.
REGION_ZONES = {"fr-CA": "America/Toronto", "es-MX": "America/Mexico_City",
                "es-US": "America/Los_Angeles"}
#: Every locale of every language besides English: the language, and the locale spoken.
WHERE = [(lang, locale) for lang in OTHERS for locale in LOCALES
         if locale.split("-")[0] == lang.code]


@pytest.fixture(params=WHERE, ids=lambda where: where[1])
def spoken(request: pytest.FixtureRequest) -> SpokenLanguage:
    """The language, as spoken in one of its locales (a regional one speaks its own clock,
    zone and overrides; the phrases and checks are the language's)."""
    lang, locale = request.param
    if locale == lang.locale:
        return lang
    say = catalogue_for(locale)
    return dataclasses.replace(lang, locale=locale, zone=REGION_ZONES[locale],
                               weekly_said=(lang.weekly_said[0], say.clock_time(19, 0)))


@pytest.fixture
def talk(entry_point: SenderFactory, settings, api_endpoint: str, timers_fake: TimersFake,
         spoken: SpokenLanguage) -> Conversation:
    timers_fake.zone = spoken.zone
    return Conversation(entry_point(settings), api_endpoint=api_endpoint, locale=spoken.locale)


def test_a_user_of_each_language_does_everything_in_it(
        talk: Conversation, timers_fake: TimersFake, clock, settings, caplog,
        spoken: SpokenLanguage) -> None:
    caplog.set_level(logging.DEBUG, logger="skill")
    locale, say = spoken.locale, catalogue_for(spoken.locale)
    english = spoken.english_words(" ".join(v for key in say for v in say.variants(key)))

    def ours(answer: dict) -> str:
        """The reply's words, which must hold no English."""
        said = speech_of(answer)
        assert said and not english.search(said), said
        reprompt = (answer["response"].get("reprompt") or {}).get(
            "outputSpeech", {}).get("ssml", "")
        assert not english.search(reprompt), reprompt
        return said

    assert says(ours(talk.launch()), say, "launch.new")
    said = ours(talk.intent("ExplainMatIntent",
                              {"topic": env.slot("topic", "what it is", "WHAT_IS")}))
    assert mentions(said, say, "explain.topic.WHAT_IS")
    for condition in CONDITIONS:  # every named condition: the doctor first
        said = ours(talk.intent("CheckSafetyIntent", {
            "condition": env.slot("condition", "something", condition)}))
        assert mentions(said, say, f"safety.condition.{condition}")
        assert spoken.doctor_pattern.search(said), (condition, said)
    talk.reset()

    # Start: the timers question is answered, the session starts with its check-ins.
    timers_fake.token = None
    said = ours(talk.intent("StartSessionIntent", {"duration": "PT20M"}))
    assert mentions(said, say, "start.started", length=say.count("length", 20))
    [end] = timers_fake.created()
    announce = end["triggeringBehavior"]["operation"]["textToAnnounce"]
    assert [a["locale"] for a in announce] == [locale]
    assert announce[0]["text"].replace(" ", "") in {
        v.replace(" ", "").replace("||", "") for v in say.variants("timer.announce")}
    noon = MONDAY_NOON.astimezone(ZoneInfo(spoken.zone)).strftime("%H:%M")
    assert end["timerLabel"] == say.text("timer.label", time=noon)  # the local clock
    checkins = timers_fake.created(hidden=True)
    assert checkins and all(
        c["triggeringBehavior"]["operation"]["textToAnnounce"][0]["locale"] == locale
        and not english.search(c["triggeringBehavior"]["operation"]["textToAnnounce"][0]["text"])
        for c in checkins)

    talk.reset()
    assert mentions(ours(talk.intent("TimeLeftIntent")), say, "time_left.running",
                    left=say.count("minute", 20))
    talk.reset()
    assert mentions(ours(talk.intent("AMAZON.PauseIntent")), say, "pause.done",
                    left=say.count("minute", 20))
    talk.reset()
    assert mentions(ours(talk.intent("AMAZON.ResumeIntent")), say, "resume.done",
                    left=say.count("minute", 20))
    talk.reset()
    assert ours(talk.intent("EndSessionIntent"))
    talk.reset()
    assert ours(talk.intent("ProgressIntent"))

    # A weekly reminder: the language's words and clock, its locale at Alexa.
    talk.reset()
    said = ours(talk.say(set_reminder, days_slot("MONDAY", "FRIDAY"), "19:00"))
    days, time = spoken.weekly_said
    assert say.text("reminders.when", days=days, time=time) in said, said
    [reminder] = timers_fake.reminders.reminders_of(env.ACCESS_TOKEN)
    [spoken] = reminder.body["alertInfo"]["spokenInfo"]["content"]
    assert spoken["locale"] == locale and not english.search(spoken["text"])
    talk.reset()
    assert ours(talk.intent("StopRemindersIntent"))
    talk.reset()
    assert says(ours(talk.intent("AMAZON.StopIntent")), say, "goodbye")

    # Removing the skill forgets the user as it forgets an English one, and nothing
    # logged along the way names them.
    talk.send(env.skill_event("SkillDisabled", api_endpoint=talk.defaults["api_endpoint"],
                              locale=locale))
    store = open_store(settings.store_url)
    assert store.load(env.USER_ID).version == 0
    store.close()
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert logged and not any(secret in logged for secret in (
        env.USER_ID, env.DEVICE_ID, env.ACCESS_TOKEN))

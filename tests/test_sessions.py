"""Timed sessions end to end: real envelopes, the real entry points, the loopback Timers fake."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from skill.content import catalogue_for
from skill.store import open_store
from skill.timers import TIMERS_SCOPE
from testkit import envelopes as env
from testkit.checks import ends_session, mentions, opens_with, says, speech_of

EN = catalogue_for("en-US")
MONDAY_NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def talk(send, api_endpoint):
    """Send one request in a session of its own (a one-shot "Alexa, ask Mat Coach to ..."),
    with the Timers fake as the request's apiEndpoint. Multi-turn tests use `conversation`."""

    def talk(builder, *args, **kwargs):
        kwargs.setdefault("api_endpoint", api_endpoint)
        return send(builder(*args, **kwargs))

    return talk


def start(talk, value: str | None = "PT20M", slot: str = "duration", **kwargs) -> dict:
    slots = {slot: value} if value is not None else {}
    return talk(env.intent, "StartSessionIntent", slots, **kwargs)


def routine_of(settings) -> dict:
    return open_store(settings.store_url).load(env.USER_ID).attributes


def test_start_creates_announcing_timer_and_records_session(talk, timers_fake, settings):
    answer = start(talk)
    assert ends_session(answer)
    assert opens_with(speech_of(answer), EN, "start.started", length="20 minute session")
    (end_body,) = timers_fake.created()  # the visible end timer (its check-ins are hidden)
    create = next(c for c in timers_fake.calls if c.body is end_body)
    assert create.method == "POST" and create.path == "/v1/alerts/timers"
    assert create.authorization == f"Bearer {env.ACCESS_TOKEN}"
    assert create.body["duration"] == "PT20M"
    operation = create.body["triggeringBehavior"]["operation"]
    assert operation["type"] == "ANNOUNCE"
    assert says(operation["textToAnnounce"][0]["text"], EN, "timer.announce")
    assert "roll onto your side" in operation["textToAnnounce"][0]["text"].lower()
    assert create.body["creationBehavior"]["displayExperience"]["visibility"] == "VISIBLE"
    assert create.body["triggeringBehavior"]["notificationConfig"]["playAudible"] is True
    stored = routine_of(settings)
    assert stored["active"]["m"] == 20 and stored["active"]["timer"] in timers_fake.timers
    assert stored["history"] == []  # a session joins the history when it ends, as it really was


def test_first_ever_session_without_length_is_ten_minutes_with_shirt_note(talk, timers_fake):
    answer = start(talk, None)
    assert timers_fake.created()[-1]["duration"] == "PT10M"
    assert mentions(speech_of(answer), EN, "start.first_time")


def test_number_slot_is_used_when_duration_is_missing(talk, timers_fake):
    start(talk, "15", slot="minutes")
    assert timers_fake.created()[-1]["duration"] == "PT15M"


def test_no_consent_in_request_sends_askfor(talk, timers_fake):
    answer = start(talk, scopes={TIMERS_SCOPE: "DENIED"})
    directive = answer["response"]["directives"][0]
    assert directive["type"] == "Connections.SendRequest"
    assert directive["name"] == "AskFor"
    assert directive["payload"]["@type"] == "AskForPermissionsConsentRequest"
    assert directive["payload"]["permissionScope"] == TIMERS_SCOPE
    assert directive["token"] == "20"
    assert not timers_fake.paths("POST")


def test_401_from_timers_api_sends_askfor(talk, timers_fake):
    timers_fake.token = "someone-else"
    answer = start(talk)
    assert answer["response"]["directives"][0]["name"] == "AskFor"


def test_consent_accepted_creates_timer_and_confirms(talk, timers_fake, settings):
    answer = talk(env.connections_response, "ACCEPTED", token="25")
    assert ends_session(answer)
    assert timers_fake.created()[-1]["duration"] == "PT25M"
    assert opens_with(speech_of(answer), EN, "start.started", length="25 minute session")
    assert routine_of(settings)["active"]["m"] == 25


@pytest.mark.parametrize("status", ["DENIED", "NOT_ANSWERED"])
def test_consent_refused_sends_card_and_tip(talk, timers_fake, status):
    answer = talk(env.connections_response, status, token="20")
    card = answer["response"]["card"]
    assert card["type"] == "AskForPermissionsConsent"
    assert card["permissions"] == [TIMERS_SCOPE]
    assert "Alexa, set a timer for 20 minutes" in speech_of(answer)
    assert not timers_fake.paths("POST")


@pytest.mark.parametrize(("locale", "heard"), [
    ("en-US", "Alexa, set a timer for 1 minute."),
    ("de-DE", "Alexa, stell einen Timer für eine Minute."),
])
def test_the_timer_way_round_says_one_minute_in_the_singular(talk, locale, heard):
    """The plain-timer tip repeats the length as the language counts it, never "1 minutes"."""
    answer = talk(env.connections_response, "DENIED", token="1", locale=locale)
    assert heard in speech_of(answer)


def test_consent_accepted_but_still_401_explains_instead_of_looping(talk, timers_fake):
    timers_fake.token = "someone-else"
    answer = talk(env.connections_response, "ACCEPTED", token="20")
    assert "directives" not in answer["response"]
    assert answer["response"]["card"]["type"] == "AskForPermissionsConsent"


@pytest.mark.parametrize("failure", ["status", "garbage"])
def test_timers_api_failure_apologises_with_tip(talk, timers_fake, failure, settings):
    if failure == "status":
        timers_fake.fail_status = 500
    else:
        timers_fake.garbage = True
    answer = start(talk)
    assert says(speech_of(answer), EN, "timers.unavailable", minutes=EN.count("minute", 20))
    assert ends_session(answer)
    assert "active" not in routine_of(settings)


def test_timers_api_slower_than_timeout_apologises_within_three_seconds(talk, timers_fake):
    timers_fake.delay = 2.5  # the client's timeout is 1 s in tests
    began = time.monotonic()
    answer = start(talk)
    elapsed = time.monotonic() - began
    timers_fake.delay = 0
    assert says(speech_of(answer), EN, "timers.unavailable", minutes=EN.count("minute", 20))
    assert elapsed < 3.0


def test_time_left_running_and_paused_then_resume(talk, timers_fake):
    with time_machine.travel(MONDAY_NOON, tick=False) as clock:
        start(talk)
        clock.shift(timedelta(minutes=5))
        left = talk(env.intent, "TimeLeftIntent")
        assert says(speech_of(left), EN, "time_left.running", left="15 minutes")
        paused = talk(env.intent, "AMAZON.PauseIntent")
        assert says(speech_of(paused), EN, "pause.done", left="15 minutes")
        assert timers_fake.paths("POST")[-1].endswith("/pause")
        clock.shift(timedelta(minutes=30))
        still = talk(env.intent, "TimeLeftIntent")
        assert says(speech_of(still), EN, "time_left.paused", left="15 minutes")
        resumed = talk(env.intent, "AMAZON.ResumeIntent")
        assert says(speech_of(resumed), EN, "resume.done", left="15 minutes")
        assert timers_fake.paths("POST")[-1].endswith("/resume")
        clock.shift(timedelta(minutes=3, seconds=30))
        left = talk(env.intent, "TimeLeftIntent")
        assert says(speech_of(left), EN, "time_left.running", left="12 minutes")


def test_end_early_deletes_timer_and_records_minutes_done(talk, timers_fake, settings):
    with time_machine.travel(MONDAY_NOON, tick=False) as clock:
        start(talk)
        timer_id = routine_of(settings)["active"]["timer"]
        clock.shift(timedelta(minutes=7, seconds=40))
        answer = talk(env.intent, "EndSessionIntent")
    # Under half the planned length: the end is acknowledged without praise.
    assert says(speech_of(answer), EN, "end.done_partial", done="7 minutes")
    assert ("DELETE", f"/v1/alerts/timers/{timer_id}") in [
        (c.method, c.path) for c in timers_fake.calls]
    stored = routine_of(settings)
    assert "active" not in stored
    assert [e["m"] for e in stored["history"]] == [7]


def test_pause_time_is_not_counted_as_done(talk, timers_fake, settings):
    with time_machine.travel(MONDAY_NOON, tick=False) as clock:
        start(talk)
        clock.shift(timedelta(minutes=4))
        talk(env.intent, "AMAZON.PauseIntent")
        clock.shift(timedelta(minutes=10))
        talk(env.intent, "AMAZON.ResumeIntent")
        clock.shift(timedelta(minutes=2))
        talk(env.intent, "EndSessionIntent")
    assert [e["m"] for e in routine_of(settings)["history"]] == [6]


def test_finished_timer_is_reported_and_counted_in_full(talk, timers_fake, settings):
    with time_machine.travel(MONDAY_NOON, tick=False) as clock:
        start(talk)
        clock.shift(timedelta(minutes=21))
        answer = talk(env.intent, "TimeLeftIntent")
    assert says(speech_of(answer), EN, "time_left.finished")
    stored = routine_of(settings)
    assert "active" not in stored and [e["m"] for e in stored["history"]] == [20]


def test_timing_intents_without_a_session(talk, timers_fake):
    assert says(speech_of(talk(env.intent, "TimeLeftIntent")), EN, "time_left.none")
    for name in ("AMAZON.PauseIntent", "AMAZON.ResumeIntent", "EndSessionIntent"):
        assert says(speech_of(talk(env.intent, name)), EN, "end.none")
    # Each request looked at the timers once (the truth), and changed none.
    assert timers_fake.paths() == ["/v1/alerts/timers"] * 4
    assert not timers_fake.paths("POST") and not timers_fake.paths("DELETE")


def test_running_session_offers_restart_and_yes_replaces_timer(
    conversation, timers_fake, settings
):
    with time_machine.travel(MONDAY_NOON, tick=False) as clock:
        conversation.intent("StartSessionIntent", {"duration": "PT20M"})
        old = routine_of(settings)["active"]["timer"]
        clock.shift(timedelta(minutes=2))
        offer = conversation.intent("StartSessionIntent", {"duration": "PT15M"})
        assert says(speech_of(offer), EN,
            "start.already_running", left="18 minutes", length="15 minute session")
        assert not ends_session(offer)
        answer = conversation.intent("AMAZON.YesIntent")
    assert ends_session(answer)
    assert old not in timers_fake.timers
    stored = routine_of(settings)
    assert stored["active"]["m"] == 15 and stored["active"]["timer"] in timers_fake.timers


def test_no_keeps_the_running_session(conversation, timers_fake, settings):
    conversation.intent("StartSessionIntent", {"duration": "PT20M"})
    conversation.intent("StartSessionIntent", {"duration": "PT15M"})  # offers a restart
    answer = conversation.intent("AMAZON.NoIntent")
    assert says(speech_of(answer), EN, "start.keep")
    assert routine_of(settings)["active"]["m"] == 20


@pytest.mark.parametrize(("slots", "key"), [
    ({"duration": "PT0S"}, "start.too_short"),
    ({"duration": "-PT5M"}, "start.too_short"),
    ({"duration": "PT20S"}, "start.too_short"),
    ({"duration": "P2D"}, "start.too_long"),
    ({"duration": "PT61M"}, "start.too_long"),
    ({"duration": "P1Y"}, "start.too_long"),
    ({"duration": "?"}, "start.unclear"),
    ({"duration": "twenty"}, "start.unclear"),
    ({"minutes": "0"}, "start.too_short"),
    ({"minutes": "-3"}, "start.too_short"),
    ({"minutes": "?"}, "start.unclear"),
    ({"minutes": "1000"}, "start.too_long"),
])
def test_strange_lengths_get_a_question(talk, timers_fake, slots, key):
    answer = talk(env.intent, "StartSessionIntent", slots)
    assert says(speech_of(answer), EN, key)
    assert not ends_session(answer)
    assert not timers_fake.calls
    # Asked with Dialog.ElicitSlot, so the answer comes back as this intent, slot filled.
    (directive,) = answer["response"]["directives"]
    assert directive["type"] == "Dialog.ElicitSlot"
    assert directive["slotToElicit"] == "duration"
    assert directive["updatedIntent"]["name"] == "StartSessionIntent"
    assert not directive["updatedIntent"]["slots"]["duration"].get("value")


def test_the_elicited_length_comes_back_in_the_same_intent(conversation, timers_fake):
    question = conversation.intent("StartSessionIntent", {"duration": "P2D"})
    assert says(speech_of(question), EN, "start.too_long")
    # "twenty five minutes", heard as the answer to the elicitation:
    answer = conversation.intent("StartSessionIntent", {"duration": "PT25M"})
    assert opens_with(speech_of(answer), EN, "start.started", length="25 minute session")
    assert timers_fake.created()[-1]["duration"] == "PT25M"


def test_one_note_at_most_the_one_that_matters_most(talk, timers_fake):
    with time_machine.travel(MONDAY_NOON, tick=False) as clock:
        first = start(talk, "PT45M")  # a first session, and a long one: the shirt note wins
        assert mentions(speech_of(first), EN, "start.first_time")
        assert not mentions(speech_of(first), EN, "start.long")
        clock.shift(timedelta(minutes=50))
        long = start(talk, "PT45M")  # long, and a second one today: the long caution wins
        assert mentions(speech_of(long), EN, "start.long")
        assert not mentions(speech_of(long), EN, "start.busy_day")
        clock.shift(timedelta(hours=2))
        second = start(talk, "PT10M")
    assert mentions(speech_of(second), EN, "start.busy_day")
    assert opens_with(speech_of(second), EN, "start.started", length="10 minute session")


def test_returning_user_launch_reports_week_and_yes_starts_usual(conversation, timers_fake):
    with time_machine.travel(MONDAY_NOON, tick=False) as clock:
        conversation.intent("StartSessionIntent", {"duration": "PT25M"})
        clock.shift(timedelta(minutes=30))
        launch = conversation.launch()
        spoken = speech_of(launch)
        assert says(spoken, EN, "launch.returning", length="25 minute session")
        assert mentions(spoken, EN, "progress.summary", sessions=1, goal="3 sessions",
                        minutes="25 minutes")
        assert not ends_session(launch)
        yes = conversation.intent("AMAZON.YesIntent")
    assert ends_session(yes)
    assert timers_fake.created()[-1]["duration"] == "PT25M"


def test_new_user_says_yes_to_first_session(conversation, timers_fake):
    conversation.launch()
    conversation.intent("AMAZON.YesIntent")
    assert timers_fake.created()[-1]["duration"] == "PT10M"


def test_go_on_after_an_offer_takes_it_as_yes(conversation, timers_fake):
    """Alexa hears "yeah go on" or "carry on" as AMAZON.ResumeIntent; with nothing paused, it
    answers the question the skill just asked."""
    launch = conversation.launch()
    assert not ends_session(launch)
    answer = conversation.intent("AMAZON.ResumeIntent")
    assert ends_session(answer)
    assert timers_fake.created()[-1]["duration"] == "PT10M"
    assert mentions(speech_of(answer), EN, "start.first_time")


def test_go_on_resumes_a_paused_session_even_with_an_offer_pending(conversation, timers_fake):
    with time_machine.travel(MONDAY_NOON, tick=False) as clock:
        conversation.intent("StartSessionIntent", {"duration": "PT20M"})
        clock.shift(timedelta(minutes=5))
        conversation.intent("AMAZON.PauseIntent")
        progress = conversation.intent("ProgressIntent")
        assert progress["sessionAttributes"].get("offer")  # "shall I start ...?" is pending
        created = len(timers_fake.created())
        answer = conversation.intent("AMAZON.ResumeIntent")
    assert says(speech_of(answer), EN, "resume.done", left="15 minutes")
    assert timers_fake.paths("POST")[-1].endswith("/resume")
    assert len(timers_fake.created()) == created  # no second session


def test_keep_going_to_a_restart_offer_keeps_the_running_session(conversation, timers_fake):
    with time_machine.travel(MONDAY_NOON, tick=False) as clock:
        conversation.intent("StartSessionIntent", {"duration": "PT20M"})
        clock.shift(timedelta(minutes=2))
        offer = conversation.intent("StartSessionIntent", {"duration": "PT15M"})
        assert says(speech_of(offer), EN,
                    "start.already_running", left="18 minutes", length="15 minute session")
        answer = conversation.intent("AMAZON.ResumeIntent")
    assert says(speech_of(answer), EN, "resume.not_paused", left="18 minutes")
    assert [t["duration"] for t in timers_fake.created()] == ["PT20M"]


def test_yes_without_offer_is_answered(talk, timers_fake):
    answer = talk(env.intent, "AMAZON.YesIntent")
    assert says(speech_of(answer), EN, "yes_no.nothing")
    assert not timers_fake.calls


def test_progress_and_goal(talk, timers_fake, settings):
    with time_machine.travel(MONDAY_NOON, tick=False) as clock:
        none = talk(env.intent, "ProgressIntent")
        assert opens_with(speech_of(none), EN, "progress.none_yet", goal="3 sessions")
        assert mentions(speech_of(none), EN, "progress.reprompt")  # the mic stays open: it asks
        goal = talk(env.intent, "SetGoalIntent", {"count": "2"})
        assert says(speech_of(goal), EN, "goal.set", goal="2 sessions")
        for _ in range(2):
            start(talk)
            clock.shift(timedelta(minutes=21))
            talk(env.intent, "TimeLeftIntent")  # timer went off: closes the session
        answer = talk(env.intent, "ProgressIntent")
    text = speech_of(answer)
    assert opens_with(text, EN, "progress.summary_met", sessions="2 sessions",
                                   goal="2 sessions", minutes="40 minutes")
    assert not ends_session(answer)


@pytest.mark.parametrize(("count", "key"), [
    ("0", "goal.invalid"), ("15", "goal.invalid"), ("?", "goal.invalid"), ("2.5", "goal.invalid"),
    (None, "goal.ask"),  # "set a goal", no number yet
])
def test_a_missing_or_strange_goal_is_asked_for(talk, count, key, settings):
    answer = talk(env.intent, "SetGoalIntent", {"count": count} if count else {})
    assert says(speech_of(answer), EN, key)
    assert not ends_session(answer)
    (directive,) = answer["response"]["directives"]
    assert directive["type"] == "Dialog.ElicitSlot"
    assert directive["slotToElicit"] == "count"
    assert directive["updatedIntent"]["name"] == "SetGoalIntent"
    assert not directive["updatedIntent"]["slots"]["count"].get("value")


def test_the_elicited_goal_comes_back_in_the_same_intent(conversation):
    question = conversation.intent("SetGoalIntent")
    assert says(speech_of(question), EN, "goal.ask")
    # "four", heard as the answer to the elicitation:
    answer = conversation.intent("SetGoalIntent", {"count": "4"})
    assert says(speech_of(answer), EN, "goal.set", goal="4 sessions")
    progress = conversation.intent("ProgressIntent")
    assert "4 sessions" in speech_of(progress)


def test_week_starts_monday_in_device_time_zone(talk, timers_fake, settings):
    # Sunday 23:30 in Auckland is already Monday there... and the reverse for Honolulu.
    timers_fake.zone = "Pacific/Kiritimati"  # UTC+14
    sunday_evening_utc = datetime(2026, 11, 22, 11, 0, tzinfo=UTC)  # Mon 01:00 at UTC+14
    with time_machine.travel(sunday_evening_utc, tick=False) as clock:
        start(talk)
        clock.shift(timedelta(minutes=21))
        answer = talk(env.intent, "ProgressIntent")
    assert opens_with(speech_of(answer), EN,
        "progress.summary", sessions=1, goal="3 sessions", minutes="20 minutes")
    assert any("System.timeZone" in c.path for c in timers_fake.calls)


def test_skill_disabled_deletes_the_user(talk, timers_fake, settings):
    start(talk)
    assert routine_of(settings)
    answer = talk(env.skill_event, "SkillDisabled")
    assert "outputSpeech" not in answer["response"]
    assert routine_of(settings) == {}

"""Weekly reminders by voice, through the Flask route and the Lambda handler.

Every request goes through a real entry point; the skill's Reminders calls go over loopback
HTTPS to the stand-in (`testkit.reminders_fake`), which keeps Amazon's documented rules, so
what is asserted below is the body Alexa would store: a `SCHEDULED_ABSOLUTE` trigger at the
naive local time of the first ring, the device's IANA zone, one weekly RFC 5545 rule.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import time_machine

from skill.builder import build_skill
from skill.content import catalogue_for
from skill.dispatch import handle_envelope
from skill.domain.routine import Routine
from skill.reminders import REMINDERS_SCOPE
from skill.settings import Settings
from skill.store import open_store
from skill.store.sqlite import SqliteStore
from testkit import envelopes as env
from testkit.alexa_apis import TimersFake
from testkit.checks import check_response, ends_session, says, speech_of
from testkit.conversation import Conversation
from testkit.entry_points import Send
from testkit.reminder_requests import (
    days_slot,
    plain_days_slot,
    reminders_consent,
    set_reminder,
)
from testkit.reminders_fake import RemindersFake
from testkit.traffic import CountingStore

EN = catalogue_for("en-US")
#: Sunday 29 November 2026, 19:30 in London: the next Monday, Wednesday or Friday at seven
#: in the evening is Monday 30 November.
SUNDAY_EVENING = datetime(2026, 11, 29, 19, 30, tzinfo=UTC)
MON_WED_FRI = "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=19;BYMINUTE=0;BYSECOND=0"


@pytest.fixture
def reminders(timers_fake: TimersFake) -> RemindersFake:
    """The Reminders stand-in, on the same origin; the device is in London."""
    timers_fake.zone = "Europe/London"
    return timers_fake.reminders


@pytest.fixture(autouse=True)
def _sunday_evening() -> Iterator[None]:
    with time_machine.travel(SUNDAY_EVENING, tick=False):
        yield


def _stored(reminders: RemindersFake) -> list[dict]:
    return [r.body for r in reminders.reminders_of(env.ACCESS_TOKEN)]


def _directive(answer: dict, kind: str) -> dict | None:
    directives = (answer.get("response") or {}).get("directives") or []
    return next((d for d in directives if d.get("type") == kind), None)


# --- set, list, stop ---------------------------------------------------------------------------
def test_a_weekly_reminder_is_set_listed_and_stopped_by_voice(
        conversation: Conversation, reminders: RemindersFake) -> None:
    answer = conversation.say(set_reminder, days_slot("MONDAY", "WEDNESDAY", "FRIDAY"), "19:00")
    when = "on Mondays, Wednesdays and Fridays at 7 pm"
    assert says(speech_of(answer), EN, "reminders.set", when=when)
    assert ends_session(answer)
    (body,) = _stored(reminders)
    assert body["trigger"] == {
        "type": "SCHEDULED_ABSOLUTE",
        "scheduledTime": "2026-11-30T19:00:00",  # naive: local time in the zone below
        "timeZoneId": "Europe/London",
        "recurrence": {"startDateTime": "2026-11-29T19:30:00", "recurrenceRules": [MON_WED_FRI]},
    }
    assert body["alertInfo"]["spokenInfo"]["content"][0]["locale"] == "en-US"
    assert body["alertInfo"]["spokenInfo"]["content"][0]["text"] in EN.variants("reminders.text")

    listed = conversation.intent("ListRemindersIntent")
    assert says(speech_of(listed), EN, "reminders.list.one", when=when)

    stopped = conversation.intent("StopRemindersIntent")
    assert says(speech_of(stopped), EN, "reminders.stopped")
    assert _stored(reminders) == []
    assert says(speech_of(conversation.intent("ListRemindersIntent")), EN, "reminders.list.none")
    assert says(speech_of(conversation.intent("StopRemindersIntent")), EN,
                "reminders.stopped.none")


@pytest.mark.parametrize(("value_id", "by_day", "spoken"), [
    ("DAILY", "MO,TU,WE,TH,FR,SA,SU", "every day at 8 am"),
    ("WEEKDAYS", "MO,TU,WE,TH,FR", "on weekdays at 8 am"),
    ("WEEKENDS", "SA,SU", "on weekends at 8 am"),
])
def test_every_day_weekdays_and_weekends_are_one_weekly_rule(
        conversation: Conversation, reminders: RemindersFake, value_id: str, by_day: str,
        spoken: str) -> None:
    answer = conversation.say(set_reminder, days_slot(value_id), "08:00")
    assert says(speech_of(answer), EN, "reminders.set", when=spoken)
    (body,) = _stored(reminders)
    assert body["trigger"]["recurrence"]["recurrenceRules"] == [
        f"FREQ=WEEKLY;BYDAY={by_day};BYHOUR=8;BYMINUTE=0;BYSECOND=0"]
    assert body["trigger"]["timeZoneId"] == "Europe/London"


def test_the_device_zone_sets_the_local_time(conversation: Conversation,
                                              reminders: RemindersFake,
                                              timers_fake: TimersFake) -> None:
    timers_fake.zone = "America/Los_Angeles"  # still Sunday 11:30 there
    conversation.say(set_reminder, days_slot("SUNDAY"), "18:30")
    (body,) = _stored(reminders)
    assert body["trigger"]["scheduledTime"] == "2026-11-29T18:30:00"  # today, later on
    assert body["trigger"]["timeZoneId"] == "America/Los_Angeles"
    assert body["requestTime"] == "2026-11-29T11:30:00"
    listed = conversation.intent("ListRemindersIntent")
    assert says(speech_of(listed), EN, "reminders.list.one", when="on Sundays at 6:30 pm")


def test_a_new_schedule_replaces_the_old_reminder(conversation: Conversation,
                                                  reminders: RemindersFake) -> None:
    conversation.say(set_reminder, days_slot("MONDAY"), "19:00")
    answer = conversation.say(set_reminder, days_slot("TUESDAY", "THURSDAY"), "12:00")
    assert says(speech_of(answer), EN, "reminders.updated",
                when="on Tuesdays and Thursdays at noon")
    (body,) = _stored(reminders)
    assert body["trigger"]["recurrence"]["recurrenceRules"] == [
        "FREQ=WEEKLY;BYDAY=TU,TH;BYHOUR=12;BYMINUTE=0;BYSECOND=0"]


def test_a_reminder_deleted_in_the_alexa_app_is_forgotten(
        conversation: Conversation, reminders: RemindersFake, settings: Settings) -> None:
    conversation.say(set_reminder, days_slot("FRIDAY"), "07:15")
    reminders.reminders.clear()  # the user deleted it in the Alexa app
    assert says(speech_of(conversation.intent("ListRemindersIntent")), EN, "reminders.list.none")
    record = open_store(settings.resolved_store_url()).load(env.USER_ID)
    assert Routine.from_attributes(record.attributes).reminder is None


# --- asking for what is missing ------------------------------------------------------------------
def test_missing_days_then_time_are_asked_for_and_the_days_kept(
        conversation: Conversation, reminders: RemindersFake) -> None:
    first = conversation.say(set_reminder, None, None)
    elicit = _directive(first, "Dialog.ElicitSlot")
    assert elicit is not None and elicit["slotToElicit"] == "days"
    assert says(speech_of(first), EN, "reminders.ask_days") and not ends_session(first)

    second = conversation.say(set_reminder, days_slot("MONDAY", "FRIDAY"), None)
    elicit = _directive(second, "Dialog.ElicitSlot")
    assert elicit is not None and elicit["slotToElicit"] == "time"
    assert elicit["updatedIntent"]["name"] == "SetReminderIntent"
    kept = elicit["updatedIntent"]["slots"]["days"]
    assert kept["value"] == "monday, friday"
    assert [v["value"] for v in kept["slotValue"]["values"]] == ["monday", "friday"]
    assert says(speech_of(second), EN, "reminders.ask_time")

    # Alexa sends back the days as the skill left them, plus the time now said.
    third = conversation.say(set_reminder, plain_days_slot(kept["value"]), "21:00")
    assert says(speech_of(third), EN, "reminders.set", when="on Mondays and Fridays at 9 pm")
    (body,) = _stored(reminders)
    assert body["trigger"]["recurrence"]["recurrenceRules"] == [
        "FREQ=WEEKLY;BYDAY=MO,FR;BYHOUR=21;BYMINUTE=0;BYSECOND=0"]


def test_several_days_in_one_value_are_all_heard(conversation: Conversation,
                                                  reminders: RemindersFake) -> None:
    """One value that resolved to its first day still names the others it says."""
    days = env.slot("days", "mondays and thursdays", resolved_id="MONDAY")
    answer = conversation.say(set_reminder, days, "18:15", locale="en-IN")
    assert says(speech_of(answer), catalogue_for("en-IN"), "reminders.set",
                when="on Mondays and Thursdays at 6:15 pm")


def test_days_said_as_one_plain_value_go_back_as_one(conversation: Conversation,
                                                      reminders: RemindersFake) -> None:
    """en-IN has no multiple-value slots: the days it sent are not returned as a List."""
    answer = conversation.say(set_reminder, plain_days_slot("weekends"), None, locale="en-IN")
    elicit = _directive(answer, "Dialog.ElicitSlot")
    assert elicit is not None and elicit["slotToElicit"] == "time"
    kept = elicit["updatedIntent"]["slots"]["days"]
    assert kept["value"] == "saturday, sunday" and "slotValue" not in kept
    done = conversation.say(set_reminder, plain_days_slot(kept["value"]), "10:00",
                            locale="en-IN")
    assert says(speech_of(done), catalogue_for("en-IN"), "reminders.set",
                when="on weekends at 10 am")


def test_a_part_of_the_day_asks_for_an_exact_time(conversation: Conversation,
                                                  reminders: RemindersFake) -> None:
    answer = conversation.say(set_reminder, days_slot("WEEKDAYS"), "EV")
    assert says(speech_of(answer), EN, "reminders.ask_exact_time", part="evening")
    elicit = _directive(answer, "Dialog.ElicitSlot")
    assert elicit is not None and elicit["slotToElicit"] == "time"
    assert "value" not in elicit["updatedIntent"]["slots"]["time"]  # the guess is not kept
    assert elicit["updatedIntent"]["slots"]["days"]["value"] == (
        "monday, tuesday, wednesday, thursday, friday")
    assert _stored(reminders) == []


def test_a_single_plain_value_works_where_multiple_values_are_not_offered(
        conversation: Conversation, reminders: RemindersFake) -> None:
    answer = conversation.say(set_reminder, env.slot("days", "weekends"), "10:00",
                              locale="en-IN")
    assert says(speech_of(answer), catalogue_for("en-IN"), "reminders.set",
                when="on weekends at 10 am")
    (body,) = _stored(reminders)
    assert body["alertInfo"]["spokenInfo"]["content"][0]["locale"] == "en-IN"


# --- consent -------------------------------------------------------------------------------------
def test_no_consent_asks_by_voice_and_accepted_sets_the_reminder(
        conversation: Conversation, reminders: RemindersFake) -> None:
    reminders.revoke(env.ACCESS_TOKEN)
    asked = conversation.say(set_reminder, days_slot("MONDAY", "WEDNESDAY", "FRIDAY"), "19:00")
    assert says(speech_of(asked), EN, "reminders.permission.ask")
    request = _directive(asked, "Connections.SendRequest")
    assert request is not None and request["name"] == "AskFor"
    assert request["payload"]["permissionScope"] == REMINDERS_SCOPE
    assert request["token"] == "reminders:MO,WE,FR@19:00"
    assert _stored(reminders) == []

    reminders.grant(env.ACCESS_TOKEN)
    accepted = conversation.say(reminders_consent, "ACCEPTED", request["token"])
    assert says(speech_of(accepted), EN, "reminders.set",
                when="on Mondays, Wednesdays and Fridays at 7 pm")
    (body,) = _stored(reminders)
    assert body["trigger"]["recurrence"]["recurrenceRules"] == [MON_WED_FRI]


def test_consent_refused_sends_the_card_and_says_so(conversation: Conversation,
                                                    reminders: RemindersFake) -> None:
    reminders.revoke(env.ACCESS_TOKEN)
    answer = conversation.say(reminders_consent, "DENIED", "reminders:SA@09:00")
    assert says(speech_of(answer), EN, "reminders.permission.denied")
    card = answer["response"]["card"]
    assert card == {"type": "AskForPermissionsConsent", "permissions": [REMINDERS_SCOPE]}
    assert reminders.calls == []


def test_accepted_but_still_refused_does_not_ask_again(conversation: Conversation,
                                                       reminders: RemindersFake) -> None:
    reminders.revoke(env.ACCESS_TOKEN)
    answer = conversation.say(reminders_consent, "ACCEPTED", "reminders:SA@09:00")
    assert says(speech_of(answer), EN, "reminders.permission.denied")
    assert _directive(answer, "Connections.SendRequest") is None


def test_a_timers_consent_answer_still_starts_a_session(conversation: Conversation,
                                                        reminders: RemindersFake,
                                                        timers_fake: TimersFake) -> None:
    answer = conversation.connections_response("ACCEPTED", "15")
    assert "15 minute session" in speech_of(answer)
    assert len(timers_fake.paths("POST")) >= 1 and reminders.calls == []


@pytest.mark.parametrize("intent", ["ListRemindersIntent", "StopRemindersIntent"])
def test_listing_or_stopping_without_consent_sends_the_card(
        conversation: Conversation, reminders: RemindersFake, intent: str) -> None:
    conversation.say(set_reminder, days_slot("MONDAY"), "19:00")
    reminders.revoke(env.ACCESS_TOKEN)  # withdrawn in the Alexa app since
    answer = conversation.intent(intent)
    assert says(speech_of(answer), EN, "reminders.no_permission")
    assert answer["response"]["card"]["permissions"] == [REMINDERS_SCOPE]


def _as_person(send: Send, person_id: str | None) -> Send:
    def speak(envelope: dict) -> dict:
        if person_id:
            envelope["context"]["System"]["person"] = {"personId": person_id}
        return send(envelope)

    return speak


def test_each_person_lists_and_stops_only_their_own_reminder(
        send: Send, api_endpoint: str, reminders: RemindersFake) -> None:
    anna = Conversation(_as_person(send, "amzn1.ask.person.ANNA"), api_endpoint=api_endpoint)
    ben = Conversation(_as_person(send, "amzn1.ask.person.BEN"), api_endpoint=api_endpoint)
    guest = Conversation(send, api_endpoint=api_endpoint)  # a voice Alexa does not recognise
    anna.say(set_reminder, days_slot("TUESDAY"), "18:00")
    ben.say(set_reminder, days_slot("SATURDAY"), "09:00")
    listed = speech_of(anna.intent("ListRemindersIntent"))
    assert says(listed, EN, "reminders.list.one", when="on Tuesdays at 6 pm")
    assert says(speech_of(guest.intent("ListRemindersIntent")), EN, "reminders.list.none")
    assert says(speech_of(guest.intent("StopRemindersIntent")), EN, "reminders.stopped.none")
    assert says(speech_of(ben.intent("StopRemindersIntent")), EN, "reminders.stopped")
    (left,) = _stored(reminders)
    assert left["trigger"]["recurrence"]["recurrenceRules"] == [
        "FREQ=WEEKLY;BYDAY=TU;BYHOUR=18;BYMINUTE=0;BYSECOND=0"]  # Anna's is still there
    assert says(speech_of(anna.intent("ListRemindersIntent")), EN, "reminders.list.one",
                when="on Tuesdays at 6 pm")


def test_no_reminder_of_ones_own_needs_no_api_call(conversation: Conversation,
                                                   reminders: RemindersFake) -> None:
    for intent, key in (("ListRemindersIntent", "reminders.list.none"),
                        ("StopRemindersIntent", "reminders.stopped.none")):
        assert says(speech_of(conversation.intent(intent)), EN, key)
    assert reminders.calls == []


# --- each failure, its own sentence ---------------------------------------------------------------
@pytest.mark.parametrize(("knob", "key"), [
    ("limit", "reminders.limit"),
    ("rejected", "reminders.rejected"),
    ("outage", "reminders.unavailable"),
])
def test_each_failure_to_set_has_its_own_sentence(conversation: Conversation,
                                                  reminders: RemindersFake, knob: str,
                                                  key: str) -> None:
    if knob == "limit":
        reminders.max_reminders = 0
    elif knob == "rejected":
        reminders.max_text_length = 5  # Alexa refuses the spoken text
    else:
        reminders.fail_status = 503
    answer = conversation.say(set_reminder, days_slot("MONDAY"), "19:00")
    assert says(speech_of(answer), EN, key)
    assert ends_session(answer) and _stored(reminders) == []
    assert _directive(answer, "Connections.SendRequest") is None


def test_an_outage_while_listing_says_try_again(conversation: Conversation,
                                                reminders: RemindersFake) -> None:
    conversation.say(set_reminder, days_slot("MONDAY"), "19:00")
    reminders.fail_status = 500
    answer = conversation.intent("ListRemindersIntent")
    assert says(speech_of(answer), EN, "reminders.unavailable")


# --- the launch offers one, once ------------------------------------------------------------------
def _seed_sessions(settings: Settings, total: int) -> None:
    store = open_store(settings.resolved_store_url())
    store.update(env.USER_ID, lambda attributes: {**attributes, "total": total})


def test_the_launch_offers_a_reminder_once_and_yes_asks_for_days(
        conversation: Conversation, reminders: RemindersFake, settings: Settings) -> None:
    _seed_sessions(settings, 3)
    launch = conversation.launch()
    assert says(speech_of(launch), EN, "launch.offer_reminder")
    assert speech_of(launch).count("?") == 1  # one question, the offer
    assert launch["sessionAttributes"]["offer"]["action"] == "reminder"

    yes = conversation.intent("AMAZON.YesIntent")
    elicit = _directive(yes, "Dialog.ElicitSlot")
    assert elicit is not None and elicit["slotToElicit"] == "days"
    assert elicit["updatedIntent"]["name"] == "SetReminderIntent"  # chained from "yes"
    assert says(speech_of(yes), EN, "reminders.ask_days")
    time = conversation.say(set_reminder, days_slot("DAILY"), None)
    assert says(speech_of(time), EN, "reminders.ask_time")
    done = conversation.say(set_reminder, plain_days_slot("daily"), "07:00")
    assert says(speech_of(done), EN, "reminders.set", when="every day at 7 am")

    conversation.reset()
    again = conversation.launch()
    assert says(speech_of(again), EN, "launch.returning")  # never twice


def test_no_to_the_offer_offers_the_session_and_the_offer_is_not_repeated(
        conversation: Conversation, reminders: RemindersFake, settings: Settings) -> None:
    _seed_sessions(settings, 5)
    assert says(speech_of(conversation.launch()), EN, "launch.offer_reminder")
    no = conversation.intent("AMAZON.NoIntent")
    assert says(speech_of(no), EN, "no.reminder")
    assert conversation.attributes["offer"]["action"] == "start"
    conversation.reset()
    assert says(speech_of(conversation.launch()), EN, "launch.returning")
    assert reminders.calls == []


@pytest.mark.parametrize("total", [0, 2])
def test_no_offer_before_a_few_sessions(conversation: Conversation, reminders: RemindersFake,
                                        settings: Settings, total: int) -> None:
    if total:
        _seed_sessions(settings, total)
    answer = conversation.launch()
    assert not says(speech_of(answer), EN, "launch.offer_reminder")
    assert answer["sessionAttributes"]["offer"]["action"] == "start"


def test_no_offer_to_someone_who_has_a_reminder(conversation: Conversation,
                                                reminders: RemindersFake,
                                                settings: Settings) -> None:
    _seed_sessions(settings, 4)
    conversation.say(set_reminder, days_slot("MONDAY"), "19:00")
    assert says(speech_of(conversation.launch()), EN, "launch.returning")


def test_the_offer_costs_one_read_and_one_write_once(settings: Settings, tmp_path,
                                                     reminders: RemindersFake,
                                                     api_endpoint: str) -> None:
    """The launch remembers that it offered (one write, with the answer); asking for the time
    and later launches only read."""
    store = CountingStore(SqliteStore(str(tmp_path / "offer.db")))
    store.update(env.USER_ID, lambda attributes: {**attributes, "total": 3})
    skill = build_skill(settings, store=store)
    counts = []
    for envelope in (env.launch(api_endpoint=api_endpoint),
                     set_reminder(days_slot("MONDAY"), None, api_endpoint=api_endpoint),
                     env.launch(api_endpoint=api_endpoint)):
        store.reset()
        check_response(handle_envelope(skill, envelope))
        counts.append((store.reads, store.writes))
    assert counts == [(1, 1), (1, 0), (1, 0)]
    store.close()

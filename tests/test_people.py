"""One routine per person on a shared Echo, through both doors, against the Timers stand-in.

Alexa sends `context.System.person.personId` when it recognises the speaker. Two recognised
people on one account keep their own progress, goal and sessions; anyone it does not recognise
shares the account's routine. Timers are account-wide on Alexa's side, so each person's timer
labels say whose they are, and nobody's "I'm done" or new start touches another's session.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from skill.content import catalogue_for
from skill.domain import people
from skill.settings import Settings
from skill.store import open_store
from testkit import envelopes as env
from testkit.alexa_apis import TimersFake
from testkit.checks import opens_with, says, speech_of
from testkit.conversation import Conversation, Send
from testkit.entry_points import SenderFactory

EN = catalogue_for("en-US")
MONDAY_NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
ANNA = "amzn1.ask.person.ANNA0000000000000000000000000000000000000000000000"
BEN = "amzn1.ask.person.BEN00000000000000000000000000000000000000000000000"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(MONDAY_NOON, tick=False) as traveller:
        yield traveller


def as_person(send: Send, person_id: str | None) -> Send:
    """The door as a recognised speaker's requests reach it (None: an unrecognised voice)."""
    def speak(envelope: dict) -> dict:
        envelope = copy.deepcopy(envelope)
        if person_id:
            envelope["context"]["System"]["person"] = {"personId": person_id}
        return send(envelope)
    return speak


@pytest.fixture
def voices(entry_point: SenderFactory, settings: Settings, api_endpoint: str,
           timers_fake: TimersFake):
    """Conversations for Anna, Ben and an unrecognised guest, on one account and one door,
    against a fresh Timers stand-in (an earlier test may have left it failing)."""
    send = entry_point(settings)

    def voice(person_id: str | None) -> Conversation:
        return Conversation(as_person(send, person_id), api_endpoint=api_endpoint)
    return voice


def record(settings: Settings) -> dict:
    return open_store(settings.store_url).load(env.USER_ID).attributes


def start(talk: Conversation, duration: str = "PT20M") -> dict:
    talk.reset()
    return talk.intent("StartSessionIntent", {"duration": duration})


def test_two_people_keep_separate_progress_and_a_guest_shares_the_account(
        clock, voices, settings: Settings) -> None:
    anna, ben, guest = voices(ANNA), voices(BEN), voices(None)
    anna.reset()
    assert says(speech_of(anna.intent("SetGoalIntent", {"count": "5"})), EN, "goal.set",
                goal="5 sessions")
    assert opens_with(speech_of(start(anna)), EN, "start.started", length="20 minute session")
    clock.shift(timedelta(minutes=12))
    assert says(speech_of(anna.intent("EndSessionIntent")), EN, "end.done", done="12 minutes")

    ben.reset()
    assert opens_with(speech_of(ben.intent("ProgressIntent")), EN, "progress.none_yet",
                goal="3 sessions")
    guest.reset()
    assert opens_with(speech_of(guest.intent("ProgressIntent")), EN, "progress.none_yet",
                goal="3 sessions")
    anna.reset()
    assert opens_with(speech_of(anna.intent("ProgressIntent")), EN, "progress.summary",
                sessions=1, goal="5 sessions", minutes="12 minutes")

    stored = record(settings)
    assert not stored.get("history")  # the shared routine saw no session
    (anna_routine,) = stored[people.PEOPLE_KEY].values()
    assert [entry["m"] for entry in anna_routine["history"]] == [12]
    assert anna_routine["goal"] == 5
    assert "amzn1.ask.person" not in json.dumps(stored)  # only digests are kept


def test_sessions_of_two_people_run_side_by_side_and_end_apart(
        clock, voices, timers_fake: TimersFake, settings: Settings) -> None:
    anna, ben, guest = voices(ANNA), voices(BEN), voices(None)
    start(anna, "PT20M")
    clock.shift(timedelta(minutes=2))
    assert opens_with(speech_of(start(ben, "PT15M")), EN, "start.started",
                      length="15 minute session")
    timers = timers_fake.timers_of(env.ACCESS_TOKEN)
    # Ben's start neither offered a restart nor cancelled Anna's; each has their check-ins
    assert len(timers_fake.visible_timers(env.ACCESS_TOKEN)) == 2
    tags = {people.label_owner(t.label) for t in timers}
    assert tags == {people.tag_of(people.person_key(ANNA)), people.tag_of(people.person_key(BEN))}

    guest.reset()
    assert says(speech_of(guest.intent("EndSessionIntent")), EN, "end.none")
    assert timers_fake.timers_of(env.ACCESS_TOKEN) == timers

    clock.shift(timedelta(minutes=5))
    ben.reset()
    assert says(speech_of(ben.intent("EndSessionIntent")), EN, "end.done_partial",
                done="5 minutes")
    (left,) = timers_fake.visible_timers(env.ACCESS_TOKEN)
    assert all(people.owns(people.person_key(ANNA), t.label)  # Ben's check-ins went with him
               for t in timers_fake.timers_of(env.ACCESS_TOKEN))
    anna.reset()
    assert says(speech_of(anna.intent("TimeLeftIntent")), EN, "time_left.running",
                left="13 minutes")
    stored = record(settings)
    routines = stored[people.PEOPLE_KEY]
    assert routines[people.person_key(ANNA)]["active"]["timer"] == left.id
    assert "active" not in routines[people.person_key(BEN)]


def test_disabling_the_skill_deletes_every_persons_routine(
        voices, send: Send, settings: Settings) -> None:
    for voice in (voices(ANNA), voices(BEN), voices(None)):
        voice.reset()
        voice.intent("SetGoalIntent", {"count": "4"})
    assert len(record(settings)[people.PEOPLE_KEY]) == 2
    send(env.skill_event("SkillDisabled"))
    assert open_store(settings.store_url).load(env.USER_ID).attributes == {}


# --- the record's layout, without a door ---------------------------------------------------------
def test_person_keys_are_digests_and_blank_ids_share() -> None:
    key = people.person_key(ANNA)
    assert key and ANNA not in key and len(key) == 24
    assert people.person_key(ANNA) == key and people.person_key(BEN) != key
    assert people.person_key("") is None and people.person_key(None) is None


def test_labels_say_whose_and_ownership_reads_them_back() -> None:
    anna = people.person_key(ANNA)
    label = people.tagged("Mat session 12:00", anna)
    assert label.startswith("Mat session 12:00 (") and people.owns(anna, label)
    assert not people.owns(None, label) and not people.owns(people.person_key(BEN), label)
    assert people.tagged("Mat session 12:00", None) == "Mat session 12:00"
    assert people.owns(None, "Mat session 12:00")


def test_one_persons_write_keeps_everyone_elses_routine() -> None:
    shared = {"goal": 3, "history": [], "t": 1}
    record_ = people.with_routine(shared, "a" * 24, {"goal": 5, "t": 2})
    record_ = people.with_routine(record_, "b" * 24, {"goal": 2, "t": 3})
    record_ = people.with_routine(record_, None, {"goal": 4, "history": [], "t": 4})
    assert people.routine_attributes(record_, None) == {"goal": 4, "history": [], "t": 4}
    assert people.routine_attributes(record_, "a" * 24)["goal"] == 5
    assert people.routine_attributes(record_, "b" * 24)["goal"] == 2
    assert people.routine_attributes(record_, "c" * 24) == {}


def test_the_person_written_longest_ago_makes_room() -> None:
    record_: dict = {}
    for n in range(people.MAX_PEOPLE + 1):
        record_ = people.with_routine(record_, f"{n:024d}", {"t": 100 + n})
    kept = record_[people.PEOPLE_KEY]
    assert len(kept) == people.MAX_PEOPLE
    assert f"{0:024d}" not in kept and f"{people.MAX_PEOPLE:024d}" in kept


def test_skill_disabled_keeps_a_persons_routine_written_after_the_event(
    entry_point: SenderFactory, settings: Settings,
) -> None:
    """The account's routine was last written before the event, a recognised person's after
    it (a request under way when the skill was removed): only the stale routine goes."""
    event = int(datetime(2026, 11, 23, 11, 0, tzinfo=UTC).timestamp())
    key = people.person_key("amzn1.ask.person.LATE")
    store = open_store(settings.store_url)
    store.update(env.USER_ID, lambda _old: people.with_routine(
        {"goal": 4, "t": event - 60, "ta": event - 60}, key,
        {"goal": 5, "t": event + 30, "ta": event + 30}))
    disabled = env.skill_event("SkillDisabled")
    disabled["request"]["timestamp"] = datetime.fromtimestamp(event, UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    entry_point(settings)(disabled)
    attributes = store.load(env.USER_ID).attributes
    store.close()
    assert people.routine_attributes(attributes, None) == {}  # the account's: gone
    assert people.routine_attributes(attributes, key)["goal"] == 5  # the person's: kept

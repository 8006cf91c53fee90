"""Check-ins during a session, through both doors, against the Timers stand-in.

Besides its visible end timer a session may have up to three hidden, chime-less announcing
timers (two minutes in, halfway, a minute left). They are created with the end timer, paused,
resumed, cancelled and replaced with it, never counted as minutes of their own, and give way
to the end timer when Alexa's ten timers (personal ones included) leave no room. New users get
them for their first three sessions; "no check-ins" / "with check-ins" is remembered.
"""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from skill.content import catalogue_for, plain
from skill.domain.checkins import DEFAULT_SESSIONS, MAX_CHECKINS, MIN_GAP_SECONDS, checkins_for
from skill.domain.routine import ActiveSession, Routine
from skill.settings import Settings
from skill.store.sqlite import SqliteStore
from testkit import envelopes as env
from testkit.alexa_apis import TIMERS_PATH, Call, TimersFake, _error
from testkit.checks import mentions, opens_with, says, speech_of
from testkit.conversation import Conversation
from testkit.entry_points import SenderFactory
from testkit.stores import CrashingStore, history_minutes, record

EN = catalogue_for("en-US")
MONDAY_NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
CHECKIN_LINES = ("checkin.eased", "checkin.halfway", "checkin.last_minute")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(MONDAY_NOON, tick=False) as traveller:
        yield traveller


#: The stand-in answers out of order for every scenario here (`conftest.out_of_order`).
pytestmark = pytest.mark.usefixtures("out_of_order")


@pytest.fixture
def store(settings: Settings) -> CrashingStore:
    return CrashingStore(settings.store_url.removeprefix("sqlite://"))


@pytest.fixture
def talk(entry_point: SenderFactory, settings: Settings, store: CrashingStore,
         api_endpoint: str) -> Conversation:
    return Conversation(entry_point(settings, store=store), api_endpoint=api_endpoint)




def start(talk: Conversation, duration: str | None = "PT20M") -> dict:
    talk.reset()  # a one-shot request: "Alexa, tell Mat Coach to start twenty minutes"
    return talk.intent("StartSessionIntent", {"duration": duration} if duration else {})


def one_shot(talk: Conversation, intent: str) -> dict:
    talk.reset()
    return talk.intent(intent)


def end_timer(fake: TimersFake):
    (timer,) = fake.visible_timers(env.ACCESS_TOKEN)
    return timer


def checkin_offsets(fake: TimersFake) -> list[int]:
    """Seconds from the session's start to each hidden timer still set (the clock is frozen
    at the start, so the time each has left is its place in the session)."""
    return sorted(int(t.duration.total_seconds()) for t in fake.hidden_timers(env.ACCESS_TOKEN))


def assert_agreement(store: SqliteStore, fake: TimersFake) -> None:
    """One end timer at most, the record pointing at it and at every check-in still set."""
    visible = fake.visible_timers(env.ACCESS_TOKEN)
    assert len(visible) <= 1
    active = record(store).get("active")
    assert (active["timer"] if active else None) == (visible[0].id if visible else None)
    hidden = {t.id for t in fake.hidden_timers(env.ACCESS_TOKEN)}
    assert hidden <= set((active or {}).get("ci") or []), "a check-in outlived its session"


def finish_sessions(clock, talk: Conversation, count: int, duration: str = "PT10M") -> None:
    """`count` whole sessions, each left to ring, a day apart."""
    for _ in range(count):
        start(talk, duration)
        clock.shift(timedelta(minutes=11))
        one_shot(talk, "TimeLeftIntent")  # the timer rang: the session is recorded
        clock.shift(timedelta(days=1))


# --- the timers a session makes -------------------------------------------------------------
def test_a_session_with_checkins_makes_hidden_silent_timers_and_im_done_cancels_them_all(
    clock, talk, store, timers_fake
):
    answer = start(talk)
    assert opens_with(speech_of(answer), EN, "start.started", length="20 minute session")
    assert mentions(speech_of(answer), EN, "checkin.intro")  # a newcomer hears what's coming

    (end_body,) = timers_fake.created()
    # Created together, so in any order: by their place in the session.
    hidden = sorted(timers_fake.created(hidden=True), key=lambda b: int(b["duration"][2:-1]))
    assert end_body["duration"] == "PT20M"
    assert end_body["triggeringBehavior"]["notificationConfig"]["playAudible"] is True
    assert [b["duration"] for b in hidden] == ["PT120S", "PT600S", "PT1140S"]
    for body, key in zip(hidden, CHECKIN_LINES, strict=True):
        assert body["creationBehavior"]["displayExperience"]["visibility"] == "HIDDEN"
        assert body["triggeringBehavior"]["notificationConfig"]["playAudible"] is False
        assert body["triggeringBehavior"]["operation"]["type"] == "ANNOUNCE"
        (spoken,) = body["triggeringBehavior"]["operation"]["textToAnnounce"]
        assert spoken["text"] in {plain(v) for v in EN.variants(key)}
    labels = [end_body["timerLabel"], *(b["timerLabel"] for b in hidden)]
    assert len(set(labels)) == 4 and all("12:00" in label for label in labels)
    assert sorted(record(store)["active"]["ci"]) == sorted(
        t.id for t in timers_fake.hidden_timers(env.ACCESS_TOKEN))
    assert_agreement(store, timers_fake)

    clock.shift(timedelta(minutes=5))  # the two-minute check-in has spoken: it is gone
    assert len(timers_fake.hidden_timers(env.ACCESS_TOKEN)) == 2
    (spoke,) = [e for e in timers_fake.events if e.kind == "timer"]
    assert spoke.audible is False and spoke.text == plain(hidden[0]["triggeringBehavior"][
        "operation"]["textToAnnounce"][0]["text"])
    done = one_shot(talk, "EndSessionIntent")
    assert says(speech_of(done), EN, "end.done_partial", done="5 minutes")
    assert timers_fake.timers_of(env.ACCESS_TOKEN) == []
    assert len(timers_fake.paths("DELETE")) == 3  # the end timer and the two left to speak
    assert history_minutes(store) == [5]  # one session, its check-ins add nothing
    assert_agreement(store, timers_fake)


def test_after_consent_the_same_request_sets_the_end_timer_and_its_checkins(
    talk, store, timers_fake
):
    timers_fake.revoke(env.ACCESS_TOKEN)
    asked = start(talk)
    assert asked["response"]["directives"][0]["name"] == "AskFor"
    assert timers_fake.created() == []
    timers_fake.grant(env.ACCESS_TOKEN)  # the user says yes to Alexa's permission question
    answer = talk.connections_response("ACCEPTED", token="20")
    assert opens_with(speech_of(answer), EN, "start.started", length="20 minute session")
    assert len(timers_fake.visible_timers(env.ACCESS_TOKEN)) == 1
    assert checkin_offsets(timers_fake) == [120, 600, 1140]
    assert_agreement(store, timers_fake)


def test_pause_and_resume_act_on_every_timer_of_the_session(clock, talk, store, timers_fake):
    start(talk)
    clock.shift(timedelta(minutes=1))
    paused = one_shot(talk, "AMAZON.PauseIntent")
    assert says(speech_of(paused), EN, "pause.done", left="19 minutes")
    timers = timers_fake.timers_of(env.ACCESS_TOKEN)
    assert len(timers) == 4 and all(t.paused_remaining is not None for t in timers)
    clock.shift(timedelta(minutes=30))  # paused: nothing speaks, nothing rings
    assert [e for e in timers_fake.events if e.kind == "timer"] == []
    resumed = one_shot(talk, "AMAZON.ResumeIntent")
    assert says(speech_of(resumed), EN, "resume.done", left="19 minutes")
    now = datetime.now(UTC)
    left = sorted(int(t.remaining(now).total_seconds())
                  for t in timers_fake.hidden_timers(env.ACCESS_TOKEN))
    assert left == [60, 540, 1080]  # each keeps its place in the session
    assert all(t.paused_remaining is None for t in timers_fake.timers_of(env.ACCESS_TOKEN))
    assert_agreement(store, timers_fake)


def test_a_restart_replaces_the_end_timer_and_its_checkins(clock, talk, store, timers_fake):
    start(talk)
    old = {t.id for t in timers_fake.timers_of(env.ACCESS_TOKEN)}
    clock.shift(timedelta(minutes=3))
    talk.reset()
    talk.intent("StartSessionIntent", {"duration": "PT15M"})  # offers a restart
    answer = talk.intent("AMAZON.YesIntent")
    assert opens_with(speech_of(answer), EN, "start.started", length="15 minute session")
    now = {t.id for t in timers_fake.timers_of(env.ACCESS_TOKEN)}
    assert not old & now and len(now) == 4
    assert checkin_offsets(timers_fake) == [120, 450, 840]
    assert history_minutes(store) == [3]
    assert_agreement(store, timers_fake)


def test_time_left_reads_the_end_timer_never_a_checkin(clock, talk, store, timers_fake):
    start(talk)
    clock.shift(timedelta(minutes=1))
    answer = one_shot(talk, "TimeLeftIntent")
    assert says(speech_of(answer), EN, "time_left.running", left="19 minutes")


def test_an_end_timer_cancelled_with_alexa_takes_its_checkins_along(
    clock, talk, store, timers_fake
):
    start(talk)
    clock.shift(timedelta(minutes=4))
    del timers_fake.timers[end_timer(timers_fake).id]  # "Alexa, cancel my timer"
    answer = one_shot(talk, "TimeLeftIntent")
    assert says(speech_of(answer), EN, "time_left.finished")
    assert timers_fake.timers_of(env.ACCESS_TOKEN) == []
    assert "active" not in record(store)
    assert_agreement(store, timers_fake)


# --- no room: the session still starts -------------------------------------------------------
@pytest.mark.parametrize("personal", [7, 8, 9])
def test_a_nearly_full_timer_list_starts_the_session_with_its_end_timer_alone(
    personal, talk, store, timers_fake
):
    timers_fake.add_personal_timers(env.ACCESS_TOKEN, personal)  # the kitchen's timers
    answer = start(talk)
    speech = speech_of(answer)
    assert opens_with(speech, EN, "start.started", length="20 minute session")
    assert mentions(speech, EN, "checkin.no_room")
    assert not mentions(speech, EN, "checkin.intro")
    assert len(timers_fake.visible_timers(env.ACCESS_TOKEN)) == 1
    assert timers_fake.hidden_timers(env.ACCESS_TOKEN) == []  # the ones made were taken back
    assert "ci" not in record(store)["active"]
    assert_agreement(store, timers_fake)


def test_with_room_for_all_the_user_hears_nothing_about_room(talk, store, timers_fake):
    timers_fake.add_personal_timers(env.ACCESS_TOKEN, 6)  # with the session's four: ten
    answer = start(talk)
    assert not mentions(speech_of(answer), EN, "checkin.no_room")
    assert len(timers_fake.hidden_timers(env.ACCESS_TOKEN)) == 3


def test_a_failed_checkin_takes_the_others_back_and_says_so(talk, store, timers_fake,
                                                           monkeypatch):
    create = timers_fake._create

    def failing_halfway(body: dict, now: datetime, owner: str):
        if body.get("duration") == "PT600S":  # the halfway check-in meets an outage
            return _error(503, "ERROR", "failure injected")
        return create(body, now, owner)

    monkeypatch.setattr(timers_fake, "_create", failing_halfway)
    answer = start(talk)
    assert mentions(speech_of(answer), EN, "checkin.failed")
    assert not mentions(speech_of(answer), EN, "checkin.no_room")  # room was not the reason
    assert len(timers_fake.visible_timers(env.ACCESS_TOKEN)) == 1
    assert timers_fake.hidden_timers(env.ACCESS_TOKEN) == []
    assert_agreement(store, timers_fake)


# --- made together: the rules hold whatever the order -----------------------------------------
def is_create(call: Call, *, hidden: bool) -> bool:
    body = call.body if isinstance(call.body, dict) else {}
    visibility = ((body.get("creationBehavior") or {}).get("displayExperience") or {}).get(
        "visibility")
    return (call.method == "POST" and call.path == TIMERS_PATH
            and visibility == ("HIDDEN" if hidden else "VISIBLE"))


def test_checkins_that_took_the_end_timers_room_give_way_to_it(talk, store, timers_fake):
    timers_fake.add_personal_timers(env.ACCESS_TOKEN, 9)  # room for one timer of ours
    # The end timer's request lands last, after every check-in has asked for the one room.
    timers_fake.delay_of = lambda call: 0.15 if is_create(call, hidden=False) else 0.0
    answer = start(talk)
    order = [("end" if is_create(c, hidden=False) else "checkin" if is_create(c, hidden=True)
              else None) for c in timers_fake.completed]
    assert [o for o in order if o][:4] == ["checkin"] * 3 + ["end"]  # out of order, as meant
    speech = speech_of(answer)
    assert opens_with(speech, EN, "start.started", length="20 minute session")
    assert mentions(speech, EN, "checkin.no_room")
    assert len(timers_fake.visible_timers(env.ACCESS_TOKEN)) == 1
    assert timers_fake.hidden_timers(env.ACCESS_TOKEN) == []
    assert "ci" not in record(store)["active"]
    assert_agreement(store, timers_fake)


def test_an_end_timer_refused_by_an_outage_takes_its_checkins_back(talk, store, timers_fake):
    timers_fake.fail_of = lambda call: 503 if is_create(call, hidden=False) else None
    answer = start(talk)
    assert says(speech_of(answer), EN, "timers.unavailable", minutes=EN.count("minute", 20))
    assert len([c for c in timers_fake.completed if is_create(c, hidden=True)]) == 3
    assert timers_fake.timers_of(env.ACCESS_TOKEN) == []  # no session: no check-in speaks
    assert "active" not in record(store)
    assert_agreement(store, timers_fake)


def test_a_checkin_left_running_by_a_failed_pause_is_brought_along_by_the_next(
    clock, talk, store, timers_fake
):
    start(talk)
    clock.shift(timedelta(minutes=1))
    halfway = next(t for t in timers_fake.hidden_timers(env.ACCESS_TOKEN)
                   if t.duration == timedelta(minutes=10))
    timers_fake.fail_of = lambda call: 503 if call.path.endswith(f"{halfway.id}/pause") else None
    first = one_shot(talk, "AMAZON.PauseIntent")
    assert says(speech_of(first), EN, "timers.unavailable.read")  # not all could be reached
    assert end_timer(timers_fake).paused_remaining is not None  # the session is paused...
    assert "p" in record(store)["active"]  # ...and so recorded
    assert timers_fake.timers[halfway.id].paused_remaining is None  # ...but not this one
    timers_fake.fail_of = None
    again = one_shot(talk, "AMAZON.PauseIntent")
    assert says(speech_of(again), EN, "pause.already", left="19 minutes")
    assert all(t.paused_remaining is not None for t in timers_fake.timers_of(env.ACCESS_TOKEN))
    resumed = one_shot(talk, "AMAZON.ResumeIntent")
    assert says(speech_of(resumed), EN, "resume.done", left="19 minutes")
    assert all(t.paused_remaining is None for t in timers_fake.timers_of(env.ACCESS_TOKEN))
    assert_agreement(store, timers_fake)


def test_a_checkin_made_after_the_answer_is_cancelled_by_the_next_request(
    clock, talk, store, timers_fake
):
    # The halfway check-in's create is still on its way when the per-call timeout (1 s in
    # tests) ends the wait: the user hears the session start without check-ins, and the
    # create lands afterwards, a timer no record knows.
    timers_fake.delay_of = lambda call: 1.5 if call.body and call.body.get(
        "duration") == "PT600S" else 0.0
    answer = start(talk)
    assert mentions(speech_of(answer), EN, "checkin.failed")
    assert "ci" not in record(store)["active"]
    waited = 0
    while len(timers_fake.hidden_timers(env.ACCESS_TOKEN)) < 1 and waited < 60:
        time.sleep(0.05)  # until the late create lands (bounded: 3 s)
        waited += 1
    (late,) = timers_fake.hidden_timers(env.ACCESS_TOKEN)
    assert late.duration == timedelta(minutes=10)
    clock.shift(timedelta(minutes=4))
    done = one_shot(talk, "EndSessionIntent")
    assert says(speech_of(done), EN, "end.done_partial", done="4 minutes")
    assert timers_fake.timers_of(env.ACCESS_TOKEN) == []  # the late check-in went with it
    assert_agreement(store, timers_fake)


# --- who gets them ---------------------------------------------------------------------------
def test_after_the_first_three_sessions_checkins_stop_unless_chosen(
    clock, talk, store, timers_fake
):
    finish_sessions(clock, talk, DEFAULT_SESSIONS - 1)
    last = start(talk, "PT10M")  # the last one they come unasked: how to keep them
    assert mentions(speech_of(last), EN, "checkin.last_default")
    clock.shift(timedelta(minutes=11))
    one_shot(talk, "TimeLeftIntent")
    clock.shift(timedelta(days=1))
    assert len(history_minutes(store)) == DEFAULT_SESSIONS
    assert len(timers_fake.created(hidden=True)) == 3 * DEFAULT_SESSIONS  # 10 min: three each
    answer = start(talk)
    assert opens_with(speech_of(answer), EN, "start.started", length="20 minute session")
    assert not mentions(speech_of(answer), EN, "checkin.intro")
    assert timers_fake.hidden_timers(env.ACCESS_TOKEN) == []
    assert len(timers_fake.created(hidden=True)) == 3 * DEFAULT_SESSIONS
    assert_agreement(store, timers_fake)


def test_the_choice_by_voice_is_remembered(clock, talk, store, timers_fake):
    answer = one_shot(talk, "CheckInsOffIntent")  # "no check-ins"
    assert says(speech_of(answer), EN, "checkins.off")
    assert record(store)["ci"] == 0
    start(talk)
    assert timers_fake.hidden_timers(env.ACCESS_TOKEN) == []  # even as a newcomer
    one_shot(talk, "EndSessionIntent")
    clock.shift(timedelta(days=1))
    finish_sessions(clock, talk, DEFAULT_SESSIONS)
    answer = one_shot(talk, "CheckInsOnIntent")  # "with check-ins"
    assert says(speech_of(answer), EN, "checkins.on")
    assert record(store)["ci"] == 1
    start(talk)
    assert checkin_offsets(timers_fake) == [120, 600, 1140]  # long after the first three
    assert_agreement(store, timers_fake)


def test_no_checkins_during_a_session_quiets_the_rest_of_it(clock, talk, store, timers_fake):
    start(talk)
    clock.shift(timedelta(minutes=3))
    answer = one_shot(talk, "CheckInsOffIntent")
    assert says(speech_of(answer), EN, "checkins.off.running")
    assert timers_fake.hidden_timers(env.ACCESS_TOKEN) == []
    assert len(timers_fake.visible_timers(env.ACCESS_TOKEN)) == 1  # the session runs on
    assert "ci" not in record(store)["active"] and record(store)["ci"] == 0
    assert_agreement(store, timers_fake)


def test_no_checkins_when_the_timers_cannot_be_reached_promises_only_the_next_session(
    clock, talk, store, timers_fake
):
    start(talk)
    timers_fake.fail_status = 503
    answer = one_shot(talk, "CheckInsOffIntent")
    timers_fake.fail_status = None
    assert says(speech_of(answer), EN, "checkins.off.next")
    assert record(store)["ci"] == 0
    assert len(record(store)["active"]["ci"]) == 3  # still the session's: cancelled with it
    one_shot(talk, "EndSessionIntent")
    assert timers_fake.timers_of(env.ACCESS_TOKEN) == []
    assert_agreement(store, timers_fake)


def test_with_checkins_during_a_session_starts_them_next_time(clock, talk, store, timers_fake):
    finish_sessions(clock, talk, DEFAULT_SESSIONS)
    start(talk)
    answer = one_shot(talk, "CheckInsOnIntent")
    assert says(speech_of(answer), EN, "checkins.on.running")
    assert timers_fake.hidden_timers(env.ACCESS_TOKEN) == []
    one_shot(talk, "EndSessionIntent")
    start(talk)
    assert len(timers_fake.hidden_timers(env.ACCESS_TOKEN)) == 3


# --- reconciliation --------------------------------------------------------------------------
def crash_start(talk: Conversation, store: CrashingStore, fake: TimersFake) -> None:
    store.armed = True
    answer = start(talk)
    assert mentions(speech_of(answer), EN, "start.not_saved")
    assert "active" not in record(store)
    assert len(fake.visible_timers(env.ACCESS_TOKEN)) == 1
    assert len(fake.hidden_timers(env.ACCESS_TOKEN)) == 3


def test_after_a_crash_a_new_start_leaves_no_stray_checkin(clock, talk, store, timers_fake):
    crash_start(talk, store, timers_fake)
    strays = {t.id for t in timers_fake.timers_of(env.ACCESS_TOKEN)}
    clock.shift(timedelta(minutes=5))
    start(talk)
    assert not strays & {t.id for t in timers_fake.timers_of(env.ACCESS_TOKEN)}
    assert history_minutes(store) == [5]  # the lost session counts once; check-ins never
    assert_agreement(store, timers_fake)


def test_after_a_crash_im_done_cancels_the_checkins_too(clock, talk, store, timers_fake):
    crash_start(talk, store, timers_fake)
    clock.shift(timedelta(minutes=12))
    answer = one_shot(talk, "EndSessionIntent")
    assert says(speech_of(answer), EN, "end.done", done="12 minutes")
    assert timers_fake.timers_of(env.ACCESS_TOKEN) == []
    assert history_minutes(store) == [12]
    assert_agreement(store, timers_fake)


def test_after_a_crash_pause_holds_the_checkins_with_the_end_timer(
    clock, talk, store, timers_fake
):
    crash_start(talk, store, timers_fake)
    clock.shift(timedelta(minutes=1))
    answer = one_shot(talk, "AMAZON.PauseIntent")
    assert says(speech_of(answer), EN, "pause.done", left="19 minutes")
    assert all(t.paused_remaining is not None for t in timers_fake.timers_of(env.ACCESS_TOKEN))


# --- where they fall -------------------------------------------------------------------------
def test_short_sessions_get_only_the_checkins_that_fit() -> None:
    def offsets(minutes: int) -> list[int]:
        return [c.offset for c in checkins_for(minutes)]

    assert offsets(1) == [] and offsets(2) == [60] and offsets(3) == [120]
    assert offsets(4) == [120, 180] and offsets(5) == [120, 240]
    assert offsets(20) == [120, 600, 1140]
    for minutes in range(1, 61):
        placed = [0, *offsets(minutes), minutes * 60]
        assert len(placed) - 2 <= MAX_CHECKINS
        assert all(b - a >= MIN_GAP_SECONDS for a, b in itertools.pairwise(placed)), minutes
    assert len(checkins_for(6)) == MAX_CHECKINS


def test_old_records_load_without_checkins_and_new_ones_round_trip() -> None:
    old = {"goal": 3, "active": {"timer": "t1", "s": 5, "m": 20, "pt": 0}}
    routine = Routine.from_attributes(old)
    assert routine.active.checkins == () and routine.checkins is None
    assert routine.to_attributes()["active"] == old["active"]  # written back unchanged
    new = Routine(active=ActiveSession("t1", 5, 20, checkins=("c1", "c2")), checkins=False)
    assert Routine.from_attributes(new.to_attributes()) == new


def test_checkin_lines_are_calm_short_and_varied() -> None:
    for key in CHECKIN_LINES:
        variants = EN.variants(key)
        assert len(variants) >= 3, key
        assert all(len(v.split()) <= 12 for v in variants), key

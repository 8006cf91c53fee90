"""The timers and the record never disagree, through both doors, against a Timers stand-in
that keeps Amazon's rules (unique labels, ten timers per user counting their own, a list of
this skill's timers only, 401 without consent).

Each scenario ends by checking the agreement itself: at most one end timer of ours per user,
the record's running session pointing at it and at every hidden check-in timer left, and
progress equal to the minutes timers really ran.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from skill.content import catalogue_for
from skill.settings import Settings
from skill.store import open_store
from skill.store.sqlite import SqliteStore
from testkit import envelopes as env
from testkit.alexa_apis import TimersFake
from testkit.checks import mentions, opens_with, says, speech_of
from testkit.conversation import Conversation
from testkit.entry_points import SenderFactory
from testkit.stores import CrashingStore, history_minutes, record

EN = catalogue_for("en-US")
MONDAY_NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():
    """Every scenario runs at a fixed Monday noon; the fake and the skill share this clock."""
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
    """A conversation through one door, on the crash-able store, with the Timers fake."""
    return Conversation(entry_point(settings, store=store), api_endpoint=api_endpoint)




def assert_agreement(store: SqliteStore, fake: TimersFake) -> None:
    """At most one end timer of ours, the record's running session is exactly that one, and
    every check-in timer still set is one of that session's (none without a session)."""
    timers = fake.visible_timers(env.ACCESS_TOKEN)
    assert len(timers) <= 1, [t.label for t in timers]
    active = record(store).get("active")
    assert (active["timer"] if active else None) == (timers[0].id if timers else None)
    checkins = {t.id for t in fake.hidden_timers(env.ACCESS_TOKEN)}
    assert checkins <= set((active or {}).get("ci") or []), "a check-in outlived its session"


def start(talk: Conversation, duration: str | None = "PT20M") -> dict:
    talk.reset()  # "Alexa, tell Mat Coach to start ...": a one-shot request
    return talk.intent("StartSessionIntent", {"duration": duration} if duration else {})


def crash_start(talk: Conversation, store: CrashingStore, fake: TimersFake) -> str:
    """A start whose timer is created but whose record is never written."""
    store.armed = True
    answer = start(talk)
    assert mentions(speech_of(answer), EN, "start.not_saved")
    assert "active" not in record(store)
    (leftover,) = fake.visible_timers(env.ACCESS_TOKEN)
    return leftover.id


# --- a timer the record never knew ----------------------------------------------------------
def test_after_a_crash_a_start_cancels_the_leftover_and_counts_it(clock, talk, store, timers_fake):
    leftover = crash_start(talk, store, timers_fake)
    clock.shift(timedelta(minutes=5))
    answer = start(talk)
    assert opens_with(speech_of(answer), EN, "start.started", length="20 minute session")
    assert ("DELETE", f"/v1/alerts/timers/{leftover}") in [
        (c.method, c.path) for c in timers_fake.calls]
    assert history_minutes(store) == [5]  # the leftover ran five minutes: they count
    assert timers_fake.paths("GET").count("/v1/alerts/timers") == 2  # one list per request
    assert_agreement(store, timers_fake)


def test_after_a_crash_im_done_cancels_the_leftover(clock, talk, store, timers_fake):
    crash_start(talk, store, timers_fake)
    clock.shift(timedelta(minutes=12))
    answer = talk.intent("EndSessionIntent")
    assert says(speech_of(answer), EN, "end.done", done="12 minutes")
    assert timers_fake.timers_of(env.ACCESS_TOKEN) == []
    assert history_minutes(store) == [12]
    assert_agreement(store, timers_fake)


def test_after_a_crash_time_left_reads_the_leftover(clock, talk, store, timers_fake):
    crash_start(talk, store, timers_fake)
    clock.shift(timedelta(minutes=5))
    before = record(store)
    answer = talk.intent("TimeLeftIntent")
    assert says(speech_of(answer), EN, "time_left.running", left="15 minutes")
    assert record(store) == before  # reading changes nothing
    assert len(timers_fake.visible_timers(env.ACCESS_TOKEN)) == 1
    assert len(timers_fake.hidden_timers(env.ACCESS_TOKEN)) == 2  # the two-minute one spoke


def test_after_a_crash_pause_acts_on_the_leftover(clock, talk, store, timers_fake):
    leftover = crash_start(talk, store, timers_fake)
    clock.shift(timedelta(minutes=3))
    answer = talk.intent("AMAZON.PauseIntent")
    assert says(speech_of(answer), EN, "pause.done", left="17 minutes")
    assert timers_fake.timers[leftover].paused_remaining is not None


# --- never two session timers ---------------------------------------------------------------
def test_progress_then_yes_while_running_offers_a_restart_not_a_second_timer(
    clock,     talk, store, timers_fake
):
    start(talk)
    clock.shift(timedelta(minutes=4))
    talk.reset()
    talk.intent("ProgressIntent")
    answer = talk.intent("AMAZON.YesIntent")
    assert says(speech_of(answer), EN,
        "start.already_running", left="16 minutes", length="20 minute session")
    assert len(timers_fake.created()) == 1
    assert_agreement(store, timers_fake)


def test_a_failed_timer_read_never_starts_a_blind_second_timer(talk, store, timers_fake):
    start(talk)
    timers_fake.fail_status = 500
    answer = start(talk, "PT15M")
    timers_fake.fail_status = None
    assert says(speech_of(answer), EN, "timers.unavailable", minutes=EN.count("minute", 15))
    assert "try again in a moment" in speech_of(answer)
    assert len(timers_fake.created()) == 1  # only the first start created a timer
    assert_agreement(store, timers_fake)


# --- restarts and replays -------------------------------------------------------------------
def test_restart_counts_the_minutes_really_spent_then_starts_anew(clock, talk, store, timers_fake):
    start(talk)
    clock.shift(timedelta(minutes=3))
    talk.intent("AMAZON.PauseIntent")
    clock.shift(timedelta(minutes=10))  # paused: none of this counts
    talk.intent("AMAZON.ResumeIntent")
    clock.shift(timedelta(minutes=2))
    talk.reset()
    offer = talk.intent("StartSessionIntent", {"duration": "PT15M"})
    assert not offer["response"].get("shouldEndSession")
    talk.intent("AMAZON.YesIntent")
    assert history_minutes(store) == [5]  # 3 + 2 minutes on the mat, not 20, not 15
    assert record(store)["active"]["m"] == 15
    assert_agreement(store, timers_fake)


def test_a_replayed_yes_changes_the_routine_once(clock, talk, store, timers_fake):
    start(talk)
    clock.shift(timedelta(minutes=6))
    talk.reset()
    talk.intent("StartSessionIntent", {"duration": "PT15M"})  # offers a restart
    yes = env.intent("AMAZON.YesIntent", session_id=talk.session_id, new_session=False,
                     session_attributes=dict(talk.attributes),
                     api_endpoint=talk.defaults["api_endpoint"])
    answers = {speech_of(talk.send(copy.deepcopy(yes))) for _ in range(100)}
    assert len(answers) == 1
    assert opens_with(next(iter(answers)), EN, "start.started", length="15 minute session")
    assert history_minutes(store) == [6]  # one restart recorded, not 101 sessions
    assert len(timers_fake.created()) == 2
    assert_agreement(store, timers_fake)


def test_a_replayed_end_is_answered_the_same_and_counted_once(clock, talk, store, timers_fake):
    start(talk)
    clock.shift(timedelta(minutes=15))
    done = env.intent("EndSessionIntent", api_endpoint=talk.defaults["api_endpoint"])
    first, second = talk.send(copy.deepcopy(done)), talk.send(copy.deepcopy(done))
    assert speech_of(first) == speech_of(second)
    assert says(speech_of(first), EN, "end.done", done="15 minutes")
    assert history_minutes(store) == [15]


# --- a restart's cancellations and creations, in one wave ------------------------------------
def restart(talk: Conversation, duration: str = "PT15M") -> dict:
    talk.reset()
    talk.intent("StartSessionIntent", {"duration": duration})  # offers a restart
    return talk.intent("AMAZON.YesIntent")


def test_a_restart_in_the_same_minute_takes_labels_the_old_timers_do_not_hold(
    talk, store, timers_fake
):
    start(talk)
    old_labels = {t.label for t in timers_fake.timers_of(env.ACCESS_TOKEN)}
    trips = timers_fake.round_trips[f"Bearer {env.ACCESS_TOKEN}"]
    answer = restart(talk)  # the clock has not moved: the same minute, the same second
    assert opens_with(speech_of(answer), EN, "start.started", length="15 minute session")
    new = timers_fake.timers_of(env.ACCESS_TOKEN)
    assert len(new) == 4 and not old_labels & {t.label for t in new}
    assert len(timers_fake.paths("POST")) == 8  # four and four: no label refused and retried
    # The offer lists (one round trip); the "yes" lists, then cancels and creates together.
    assert timers_fake.round_trips[f"Bearer {env.ACCESS_TOKEN}"] - trips == 3
    assert_agreement(store, timers_fake)


def test_a_restart_with_every_timer_in_use_asks_again_once_the_old_ones_are_gone(
    clock, talk, store, timers_fake
):
    timers_fake.add_personal_timers(env.ACCESS_TOKEN, 6)  # with the session's four: ten
    start(talk)
    clock.shift(timedelta(minutes=7))
    # The cancellations land after the creates have asked for room that is not there yet.
    timers_fake.delay_of = lambda call: 0.15 if call.method == "DELETE" else 0.0
    answer = restart(talk)
    assert opens_with(speech_of(answer), EN, "start.started", length="15 minute session")
    assert not mentions(speech_of(answer), EN, "checkin.no_room")
    assert len(timers_fake.visible_timers(env.ACCESS_TOKEN)) == 1
    assert len(timers_fake.hidden_timers(env.ACCESS_TOKEN)) == 3
    assert history_minutes(store) == [7]
    assert_agreement(store, timers_fake)


def test_an_old_timer_that_cannot_be_cancelled_takes_the_new_ones_back(
    clock, talk, store, timers_fake
):
    start(talk)
    (old,) = timers_fake.visible_timers(env.ACCESS_TOKEN)
    clock.shift(timedelta(minutes=5))
    timers_fake.fail_of = lambda call: 503 if (
        call.method == "DELETE" and call.path.endswith(old.id)) else None
    answer = restart(talk)
    timers_fake.fail_of = None
    assert says(speech_of(answer), EN, "timers.unavailable", minutes=EN.count("minute", 15))
    (still,) = timers_fake.visible_timers(env.ACCESS_TOKEN)  # never two sessions
    assert still.id == old.id
    assert timers_fake.hidden_timers(env.ACCESS_TOKEN) == []  # the new ones were taken back
    assert record(store)["active"]["timer"] == old.id  # the session still runs, as recorded
    assert_agreement(store, timers_fake)
    done = talk.intent("EndSessionIntent")
    assert says(speech_of(done), EN, "end.done_partial", done="5 minutes")
    assert timers_fake.timers_of(env.ACCESS_TOKEN) == []
    assert history_minutes(store) == [5]


# --- refusals, each with its own truth ------------------------------------------------------
def test_ten_timers_in_use_counting_personal_ones(talk, store, timers_fake):
    timers_fake.add_personal_timers(env.ACCESS_TOKEN, 10)
    answer = start(talk)
    assert says(speech_of(answer), EN, "timers.limit", minutes=20)
    assert "try again in a moment" not in speech_of(answer)
    assert "active" not in record(store)
    assert_agreement(store, timers_fake)


def test_a_taken_label_is_retried_and_never_heard(talk, store, timers_fake):
    timers_fake.add_personal_timers(env.ACCESS_TOKEN, 1,
                                    labels=[EN.text("timer.label", time="12:00")])
    answer = start(talk)
    assert opens_with(speech_of(answer), EN, "start.started", length="20 minute session")
    labels = [body["timerLabel"] for body in timers_fake.created()]
    assert labels == [EN.text("timer.label", time="12:00"),
                      EN.text("timer.label", time="12:00:00")]
    assert_agreement(store, timers_fake)


def test_no_permission_is_asked_for_not_apologised_for(talk, store, timers_fake):
    timers_fake.revoke(env.ACCESS_TOKEN)
    answer = start(talk)
    directives = answer["response"].get("directives") or []
    assert directives and directives[0]["name"] == "AskFor"
    assert says(speech_of(answer), EN, "permission.ask")
    talk.reset()
    left = talk.intent("TimeLeftIntent")
    assert says(speech_of(left), EN, "timers.no_permission")
    assert left["response"]["card"]["type"] == "AskForPermissionsConsent"


# --- progress that tells the truth ----------------------------------------------------------
def test_a_session_under_a_minute_is_not_a_session(clock, talk, store, timers_fake):
    start(talk)
    clock.shift(timedelta(seconds=30))
    answer = talk.intent("EndSessionIntent")
    assert says(speech_of(answer), EN, "end.done_short")
    talk.reset()
    progress = talk.intent("ProgressIntent")
    assert opens_with(speech_of(progress), EN, "progress.none_yet", goal="3 sessions")
    assert history_minutes(store) == []


def test_an_abandoned_long_session_does_not_become_the_usual(clock, talk, store, timers_fake):
    start(talk, "PT25M")
    clock.shift(timedelta(minutes=26))  # went off: a finished 25
    start(talk, "PT60M")
    clock.shift(timedelta(minutes=5))
    talk.intent("EndSessionIntent")  # abandoned at 5 of 60
    clock.shift(timedelta(hours=3))
    start(talk, None)
    assert timers_fake.created()[-1]["duration"] == "PT25M"


# --- SkillDisabled --------------------------------------------------------------------------
def _disabled_at(moment: datetime) -> dict:
    event = env.skill_event("SkillDisabled")
    event["request"]["timestamp"] = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return event


def test_a_late_skill_disabled_keeps_what_was_written_after_it(clock, talk, store, timers_fake):
    start(talk)
    clock.shift(timedelta(minutes=1))
    talk.send(_disabled_at(MONDAY_NOON - timedelta(minutes=30)))  # older than the write
    assert record(store)["active"]["m"] == 20
    talk.send(_disabled_at(MONDAY_NOON + timedelta(seconds=30)))  # after it: delete
    assert record(store) == {}
    talk.send(_disabled_at(MONDAY_NOON + timedelta(seconds=30)))  # replayed: harmless
    assert open_store(f"sqlite://{store.path}").load(env.USER_ID).version == 0


def _start_stamped(talk: Conversation, moment: datetime) -> dict:
    """A start whose request Alexa stamped at `moment` (Alexa's clock, not ours)."""
    envelope = env.intent("StartSessionIntent", {"duration": "PT20M"},
                          api_endpoint=talk.defaults["api_endpoint"])
    envelope["request"]["timestamp"] = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return talk.send(envelope)


def test_skill_disabled_compares_on_alexas_clock_whatever_the_skew(talk, store, timers_fake):
    # Alexa's clock a minute behind ours: the start is stamped 11:59:00, the event 11:59:30.
    # By Alexa's clock the event came after the write, so the record goes.
    _start_stamped(talk, MONDAY_NOON - timedelta(seconds=60))
    talk.send(_disabled_at(MONDAY_NOON - timedelta(seconds=30)))
    assert record(store) == {}


def test_a_session_started_after_the_event_is_kept(talk, store, timers_fake):
    """The event is stamped 100 s before a session starts (clocks in step) but delivered
    after it: the session is a write the event cannot have meant."""
    event = MONDAY_NOON - timedelta(seconds=100)
    _start_stamped(talk, MONDAY_NOON)
    talk.send(_disabled_at(event))
    assert record(store)["active"]["m"] == 20


def test_a_restart_refused_by_the_limit_still_records_the_ended_session(
    clock, talk, store, timers_fake
):
    start(talk)
    clock.shift(timedelta(minutes=8))
    timers_fake.add_personal_timers(env.ACCESS_TOKEN, 10)  # the kitchen filled the rest
    talk.reset()
    talk.intent("StartSessionIntent", {"duration": "PT15M"})
    answer = talk.intent("AMAZON.YesIntent")
    assert says(speech_of(answer), EN, "timers.limit", minutes=15)
    assert history_minutes(store) == [8]  # the old timer was cancelled: its minutes count
    assert "active" not in record(store)
    assert_agreement(store, timers_fake)

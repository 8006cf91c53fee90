"""The domain rules on their own: lengths, session plans, routine and weekly progress."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skill.domain.lengths import LengthOutcome, LengthRequest, iso_minutes, requested_length
from skill.domain.routine import (
    MAX_RECENT_ANSWERS,
    REPLAY_WINDOW_SECONDS,
    ActiveSession,
    Answer,
    Routine,
    SessionEntry,
    end_session,
    pause_session,
    progress,
    record_session,
    remember_answer,
    resume_session,
    start_session,
    valid_goal,
    week_start,
)
from skill.domain.session_rules import plan_session, suggested_minutes

G, MISSING = LengthOutcome.GIVEN, LengthOutcome.MISSING


@pytest.mark.parametrize(("duration", "minutes", "expected"), [
    ("PT20M", None, LengthRequest(G, 20)),
    ("PT1H", None, LengthRequest(G, 60)),
    ("PT1M", None, LengthRequest(G, 1)),
    ("PT90S", None, LengthRequest(G, 2)),
    ("PT29S", None, LengthRequest(LengthOutcome.TOO_SHORT)),
    ("PT0S", None, LengthRequest(LengthOutcome.TOO_SHORT)),
    ("-PT5M", None, LengthRequest(LengthOutcome.TOO_SHORT)),
    ("PT1H1M", None, LengthRequest(LengthOutcome.TOO_LONG)),
    ("P2D", None, LengthRequest(LengthOutcome.TOO_LONG)),
    ("P1M", None, LengthRequest(LengthOutcome.TOO_LONG)),
    ("P1Y", None, LengthRequest(LengthOutcome.TOO_LONG)),
    ("?", None, LengthRequest(LengthOutcome.UNCLEAR)),
    ("PT", None, LengthRequest(LengthOutcome.UNCLEAR)),
    ("", "15", LengthRequest(G, 15)),
    ("  ", "  ", LengthRequest(MISSING)),
    (None, None, LengthRequest(MISSING)),
    (None, "0", LengthRequest(LengthOutcome.TOO_SHORT)),
    (None, "nan", LengthRequest(LengthOutcome.UNCLEAR)),
    (None, "inf", LengthRequest(LengthOutcome.TOO_LONG)),
    (None, "61", LengthRequest(LengthOutcome.TOO_LONG)),
    ("PT10M", "30", LengthRequest(G, 10)),
])
def test_requested_length(duration, minutes, expected):
    assert requested_length(duration, minutes) == expected


@given(st.one_of(st.none(), st.text()), st.one_of(st.none(), st.text()))
def test_requested_length_never_raises(duration, minutes):
    result = requested_length(duration, minutes)
    assert isinstance(result.outcome, LengthOutcome)
    if result.outcome is G:
        assert 1 <= result.minutes <= 60


def test_iso_minutes():
    assert iso_minutes(20) == "PT20M"


def _today(sessions: int = 0, minutes: int = 0):
    return progress(Routine(history=tuple(
        SessionEntry(1_700_000_000 + i, minutes // max(sessions, 1)) for i in range(sessions)
    )), 1_700_000_000 + 100, UTC)


def test_plan_defaults():
    new = Routine()
    assert suggested_minutes(new) == 10
    plan = plan_session(LengthRequest(MISSING), new, _today())
    assert plan.minutes == 10 and plan.notes == ("start.first_time",)
    returning = Routine(history=(SessionEntry(1, 25),))
    assert plan_session(LengthRequest(MISSING), returning, _today()).minutes == 25
    # An early end is not a finished session: it does not set the usual length.
    assert suggested_minutes(Routine(history=(SessionEntry(1, 5, 60, completed=False),))) == 20


def test_plan_notes():
    returning = Routine(history=(SessionEntry(1, 20),))
    assert plan_session(LengthRequest(G, 40), returning, _today()).notes == ()
    assert plan_session(LengthRequest(G, 41), returning, _today()).notes == ("start.long",)
    busy = plan_session(LengthRequest(G, 10), returning, _today(1, 20))
    assert busy.notes == ("start.busy_day",)
    assert plan_session(LengthRequest(LengthOutcome.TOO_LONG), returning, _today()) is None


def test_start_pause_resume_end():
    routine = start_session(Routine(), "t", 20, now=1000)
    assert routine.active.timer_id == "t" and routine.history == ()
    routine = pause_session(routine, now=1000 + 300)
    assert pause_session(routine, now=5000) == routine  # already paused
    routine = resume_session(routine, now=1000 + 900)
    assert routine.active.paused_total == 600
    assert routine.active.remaining_seconds(1000 + 1200) == 20 * 60 - 600
    ended, done = end_session(routine, now=1000 + 1200, zone=UTC)
    assert done == 10 and ended.active is None
    assert ended.history == (SessionEntry(1000, 10, 20, completed=False),)
    assert end_session(Routine(), now=1, zone=UTC) == (Routine(), 0)


def test_history_is_bounded_to_recent_weeks():
    old = tuple(SessionEntry(1_000 + i, 20) for i in range(5))
    later = 1_000 + 200 * 86400
    routine = record_session(Routine(history=old), SessionEntry(later, 20), later, UTC)
    assert routine.history == (SessionEntry(later, 20),)


def test_routine_from_damaged_attributes():
    damaged = {"goal": "lots", "history": [{"s": "x"}, "junk", {"s": 5, "m": 3}],
               "active": {"timer": "t"}, "usual": None}
    routine = Routine.from_attributes(damaged)
    assert routine.weekly_goal == 3
    assert routine.history == (SessionEntry(5, 3),)
    assert routine.active is None
    assert Routine.from_attributes(None) == Routine()
    assert Routine.from_attributes({"goal": 99}).weekly_goal == 14
    full = start_session(Routine(), "t", 20, now=10)
    full = pause_session(full, 20)
    assert Routine.from_attributes(full.to_attributes()) == full


@pytest.mark.parametrize(("value", "goal"), [
    ("3", 3), ("1", 1), ("14", 14), ("0", None), ("15", None), ("2.5", None), ("?", None),
    (None, None), ("4.0", 4),
])
def test_valid_goal(value, goal):
    assert valid_goal(value) == goal


def test_week_starts_on_monday_midnight_local():
    zone = ZoneInfo("America/Los_Angeles")
    sunday_night = datetime(2026, 11, 29, 23, 30, tzinfo=zone)
    assert week_start(sunday_night) == datetime(2026, 11, 23, 0, 0, tzinfo=zone)


def _at(zone, *args) -> int:
    return int(datetime(*args, tzinfo=zone).timestamp())


def test_progress_and_streak_across_week_boundary_far_from_utc():
    zone = ZoneInfo("Pacific/Kiritimati")  # UTC+14
    goal = 2
    entries = [
        # week of Nov 9: met
        _at(zone, 2026, 11, 10, 8), _at(zone, 2026, 11, 12, 8),
        # week of Nov 16: met, second one late on Sunday night local time
        _at(zone, 2026, 11, 16, 8), _at(zone, 2026, 11, 22, 23, 30),
        # week of Nov 23 (this week): one so far, on Monday 00:30 local (still Sunday in UTC)
        _at(zone, 2026, 11, 23, 0, 30),
    ]
    routine = Routine(weekly_goal=goal, history=tuple(SessionEntry(s, 20) for s in entries))
    now = _at(zone, 2026, 11, 23, 9)
    figures = progress(routine, now, zone)
    assert (figures.sessions, figures.minutes, figures.goal) == (1, 20, 2)
    assert figures.streak_weeks == 2  # this week is not over, so it does not break the streak
    assert figures.sessions_today == 1
    # The same sessions read in UTC fall into different weeks.
    utc = progress(routine, now, UTC)
    assert utc.sessions == 2  # in UTC it is still Sunday: last week's late sessions count
    # Meeting this week's goal extends the streak.
    more = Routine(weekly_goal=goal, history=(*routine.history, SessionEntry(now - 60, 20)))
    assert progress(more, now, zone).streak_weeks == 3


def test_missed_week_breaks_the_streak():
    now = _at(UTC, 2026, 11, 25, 12)
    two_weeks_ago = [now - 14 * 86400 - i for i in range(3)]
    routine = Routine(history=tuple(SessionEntry(s, 20) for s in two_weeks_ago))
    assert progress(routine, now, UTC).streak_weeks == 0


def test_elapsed_never_negative():
    active = ActiveSession("t", started=100, minutes=10)
    assert active.elapsed_seconds(50) == 0
    assert active.remaining_seconds(100 + 3600) == 0
    assert timedelta(seconds=active.remaining_seconds(100)) == timedelta(minutes=10)


# --- what really happened: streak, usual length, short sessions, replays --------------------
def _weekly(weeks: int, per_week: int, start: int = 1_767_571_200) -> Routine:
    """`per_week` sessions of 20 minutes a week for `weeks` weeks (start: a Monday, UTC)."""
    routine = Routine(weekly_goal=per_week)
    for week in range(weeks):
        for day in range(per_week):
            moment = start + week * 7 * 86400 + day * 86400
            routine = record_session(routine, SessionEntry(moment, 20), moment, UTC)
    return routine


def test_streak_is_a_running_figure_beyond_the_pruned_history():
    routine = _weekly(20, 3)
    assert routine.streak.weeks == 20
    last = routine.history[-1].started
    assert progress(routine, last + 3600, UTC).streak_weeks == 20
    # The history has forgotten the first weeks; the streak has not.
    assert routine.history[0].started > 1_767_571_200 + 6 * 7 * 86400
    stored = Routine.from_attributes(routine.to_attributes())
    assert stored.streak == routine.streak


def test_streak_breaks_after_a_missed_week_and_restarts():
    routine = _weekly(3, 2)
    later = routine.history[-1].started + 14 * 86400  # a whole week with nothing
    routine = record_session(routine, SessionEntry(later, 20), later, UTC)
    assert progress(routine, later, UTC).streak_weeks == 0
    routine = record_session(routine, SessionEntry(later + 60, 20), later + 60, UTC)
    assert progress(routine, later + 120, UTC).streak_weeks == 1


def test_a_session_under_a_minute_is_not_recorded():
    routine = record_session(Routine(), SessionEntry(1000, 0, 20, completed=False), 1000, UTC)
    assert routine == Routine()
    assert routine.is_new


def test_usual_length_is_the_one_most_often_finished_recently():
    entries = (SessionEntry(1, 20), SessionEntry(2, 25), SessionEntry(3, 25),
               SessionEntry(4, 5, 60, completed=False))
    assert suggested_minutes(Routine(history=entries)) == 25
    tie = (SessionEntry(1, 15), SessionEntry(2, 30))
    assert suggested_minutes(Routine(history=tie)) == 30  # a tie goes to the latest


def test_a_running_session_counts_once_it_has_lasted_a_minute():
    routine = start_session(Routine(), "t", 20, now=10_000)
    assert progress(routine, 10_030, UTC).sessions == 0
    figures = progress(routine, 10_000 + 7 * 60 + 5, UTC)
    assert (figures.sessions, figures.minutes) == (1, 7)


def test_restart_accounting_uses_the_timers_own_figure():
    routine = start_session(Routine(), "t", 20, now=0)
    ended, done = end_session(routine, 900, UTC, ran_seconds=5 * 60 + 59)
    assert done == 5 and ended.history[-1] == SessionEntry(0, 5, 20, completed=False)


def test_every_answer_inside_the_replay_window_is_remembered_however_many_came_between():
    routine = Routine()
    for n in range(40):  # forty requests in under a minute: none forgotten
        routine = remember_answer(routine, Answer(f"r{n}", f"said {n}"), now=1000 + n)
    assert len(routine.recent) == 40
    assert routine.answer_for("r0").speech == "said 0" and routine.answer_for("r39")
    assert routine.written == 1039
    assert Routine.from_attributes(routine.to_attributes()) == routine


def test_answers_leave_the_record_once_the_replay_window_has_passed():
    routine = remember_answer(Routine(), Answer("old", "said"), now=1000)
    routine = remember_answer(routine, Answer("edge", "said"), now=1000 + 10)
    later = remember_answer(routine, Answer("new", "said"), now=1010 + REPLAY_WINDOW_SECONDS)
    assert later.answer_for("old") is None  # past the window: a replay is refused at the door
    assert later.answer_for("edge") is not None and later.answer_for("new") is not None


def test_remembered_answers_are_bounded_by_size_as_well():
    routine = Routine()
    for n in range(MAX_RECENT_ANSWERS + 5):
        routine = remember_answer(routine, Answer(f"r{n}", "said"), now=1000)
    assert len(routine.recent) == MAX_RECENT_ANSWERS
    assert routine.answer_for(f"r{MAX_RECENT_ANSWERS + 4}") is not None

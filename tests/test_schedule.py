"""Weekly schedules: from Alexa's slot values, to the Reminders API's rule and back.

What the user says ("Mondays, Wednesdays and Fridays at seven pm", "every day at eight") must
become exactly one RFC 5545 rule in local time, and a stored rule must read back into the same
schedule, or a listed reminder would be described wrongly.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skill.domain.schedule import (
    DAY_IDS,
    FuzzyTimeError,
    ScheduleError,
    ScheduleWords,
    WeeklySchedule,
    local_time,
    parse_days,
    parse_time,
    zone_id,
)

MON_WED_FRI = WeeklySchedule((0, 2, 4), 19, 0)


# --- from what Alexa sends --------------------------------------------------------------------
@pytest.mark.parametrize(("values", "days"), [
    (["monday", "wednesday", "friday"], (0, 2, 4)),  # AMAZON.DayOfWeek values
    (["Mondays", "WEDNESDAYS", " fridays "], (0, 2, 4)),  # as heard, plural, any case
    (["MONDAY", "WEDNESDAY", "FRIDAY"], (0, 2, 4)),  # ReminderDays slot ids
    (["DAILY"], (0, 1, 2, 3, 4, 5, 6)),
    (["every day"], (0, 1, 2, 3, 4, 5, 6)),
    (["daily"], (0, 1, 2, 3, 4, 5, 6)),
    (["WEEKDAYS"], (0, 1, 2, 3, 4)),
    (["every weekday"], (0, 1, 2, 3, 4)),
    (["on weekdays"], (0, 1, 2, 3, 4)),
    (["WEEKENDS"], (5, 6)),
    (["weekends"], (5, 6)),
    (["every sunday"], (6,)),
    (["saturday", "WEEKDAYS"], (0, 1, 2, 3, 4, 5)),  # a group and a day join
    (["tuesday", "tuesday"], (1,)),  # repeats collapse
    (["thursday", None, "", "someday"], (3,)),  # empty and unknown values are ignored
])
def test_days_from_slot_values_and_ids(values: list[str | None], days: tuple[int, ...]) -> None:
    assert WeeklySchedule.from_slots(values, "19:00").days == days


@pytest.mark.parametrize("values", [[], [None], [""], ["someday", "later"]])
def test_no_day_understood_asks_for_days(values: list[str | None]) -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_days(values)
    assert caught.value.missing == "days"


def test_days_are_checked_before_the_time() -> None:
    with pytest.raises(ScheduleError) as caught:
        WeeklySchedule.from_slots([], None)
    assert caught.value.missing == "days"


@pytest.mark.parametrize(("value", "expected"), [
    ("19:00", (19, 0)), ("07:30", (7, 30)), ("7:30", (7, 30)), ("00:00", (0, 0)),
    ("12:00", (12, 0)), ("23:59", (23, 59)), ("20:15:00", (20, 15)),
])
def test_exact_times(value: str, expected: tuple[int, int]) -> None:
    assert parse_time(value) == expected


@pytest.mark.parametrize(("code", "part"), [
    ("MO", "morning"), ("AF", "afternoon"), ("EV", "evening"), ("NI", "night"), ("ev", "evening"),
])
def test_a_part_of_the_day_asks_for_an_exact_time(code: str, part: str) -> None:
    with pytest.raises(FuzzyTimeError) as caught:
        WeeklySchedule.from_slots(["monday"], code)
    assert caught.value.missing == "time"
    assert caught.value.part_of_day == part
    assert caught.value.code == code.upper()


@pytest.mark.parametrize("value", [None, "", "?", "24:00", "19:60", "19:00:30", "7pm", "T19",
                                   "2026-11-30T19:00"])
def test_unusable_times_ask_for_the_time(value: str | None) -> None:
    with pytest.raises(ScheduleError) as caught:
        WeeklySchedule.from_slots(["monday"], value)
    assert caught.value.missing == "time"
    assert not isinstance(caught.value, FuzzyTimeError)


def test_a_schedule_is_normalised_and_validated() -> None:
    assert WeeklySchedule((4, 0, 2, 0), 19) == MON_WED_FRI
    for days, hour, minute in [((), 19, 0), ((7,), 19, 0), ((0,), 24, 0), ((0,), 9, 60)]:
        with pytest.raises(ScheduleError):
            WeeklySchedule(days, hour, minute)


# --- the rule the Reminders API stores ------------------------------------------------------
@pytest.mark.parametrize(("schedule", "rule"), [
    (MON_WED_FRI, "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=19;BYMINUTE=0;BYSECOND=0"),
    (WeeklySchedule(tuple(range(7)), 8, 0),
     "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYHOUR=8;BYMINUTE=0;BYSECOND=0"),
    (WeeklySchedule((0, 1, 2, 3, 4), 6, 45),
     "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=6;BYMINUTE=45;BYSECOND=0"),
    (WeeklySchedule((6,), 21, 5), "FREQ=WEEKLY;BYDAY=SU;BYHOUR=21;BYMINUTE=5;BYSECOND=0"),
])
def test_recurrence_rule(schedule: WeeklySchedule, rule: str) -> None:
    assert schedule.recurrence_rule() == rule
    assert WeeklySchedule.from_rules([rule]) == schedule


@given(days=st.sets(st.integers(0, 6), min_size=1), hour=st.integers(0, 23),
       minute=st.integers(0, 59))
def test_every_schedule_survives_the_round_trip(days: set[int], hour: int, minute: int) -> None:
    schedule = WeeklySchedule(tuple(days), hour, minute)
    assert WeeklySchedule.from_rules([schedule.recurrence_rule()]) == schedule


@pytest.mark.parametrize(("rules", "expected"), [
    (["FREQ=DAILY;BYHOUR=8;BYMINUTE=0;BYSECOND=0"], WeeklySchedule(tuple(range(7)), 8)),
    (["FREQ=DAILY;BYHOUR=6;BYMINUTE=10;BYSECOND=0;INTERVAL=1;"],
     WeeklySchedule(tuple(range(7)), 6, 10)),
    (["RRULE:FREQ=WEEKLY;BYDAY=SA;BYHOUR=9"], WeeklySchedule((5,), 9)),
    (["FREQ=WEEKLY;BYDAY=MO;BYHOUR=19;BYMINUTE=0;BYSECOND=0",
      "FREQ=WEEKLY;BYDAY=FR;BYHOUR=19;BYMINUTE=0;BYSECOND=0"], WeeklySchedule((0, 4), 19)),
])
def test_rules_in_other_spellings_read_back(rules: list[str], expected: WeeklySchedule) -> None:
    assert WeeklySchedule.from_rules(rules) == expected


@pytest.mark.parametrize("rules", [
    [],
    ["FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=9"],
    ["FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;INTERVAL=2"],  # every other week is not weekly
    ["FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;COUNT=3"],  # a rule that ends is not ours
    ["FREQ=WEEKLY;BYHOUR=9"],
    ["FREQ=WEEKLY;BYDAY=XX;BYHOUR=9"],
    ["FREQ=WEEKLY;BYDAY=MO"],
    ["FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYSECOND=30"],
    ["FREQ=WEEKLY;BYDAY=MO;BYHOUR=9", "FREQ=WEEKLY;BYDAY=TU;BYHOUR=10"],  # two times of day
])
def test_rules_that_are_not_a_weekly_schedule_are_refused(rules: list[str]) -> None:
    with pytest.raises(ScheduleError):
        WeeklySchedule.from_rules(rules)


# --- local time: naive wall clock plus the zone's name ---------------------------------------
@pytest.mark.parametrize(("zone", "utc", "local"), [
    # 19:30 UTC on Sunday 29 November is the same evening in London (GMT) ...
    ("Europe/London", datetime(2026, 11, 29, 19, 30, tzinfo=UTC), datetime(2026, 11, 29, 19, 30)),
    # ... still Sunday morning in Los Angeles ...
    ("America/Los_Angeles", datetime(2026, 11, 29, 19, 30, tzinfo=UTC),
     datetime(2026, 11, 29, 11, 30)),
    # ... and already Monday in Kolkata (UTC+5:30).
    ("Asia/Kolkata", datetime(2026, 11, 29, 19, 30, tzinfo=UTC), datetime(2026, 11, 30, 1, 0)),
])
def test_local_time_is_the_devices_wall_clock(zone: str, utc: datetime, local: datetime) -> None:
    assert local_time(utc, ZoneInfo(zone)) == local
    assert zone_id(ZoneInfo(zone)) == zone


def test_zone_names() -> None:
    assert zone_id(UTC) == "UTC"
    assert zone_id(None) == "UTC"
    assert zone_id(timezone(timedelta(0))) == "UTC"
    assert zone_id("Asia/Kolkata") == "Asia/Kolkata"
    with pytest.raises(ValueError):
        zone_id(timezone(timedelta(hours=5, minutes=30)))  # not UTC, and no name to send
    with pytest.raises(ValueError):
        local_time(datetime(2026, 11, 29, 19, 30), UTC)  # naive: which zone's wall clock?


@pytest.mark.parametrize(("now", "expected"), [
    # Sunday 29 November 11:30 (Los Angeles wall clock): next ring is Monday at 19:00.
    (datetime(2026, 11, 29, 11, 30), datetime(2026, 11, 30, 19, 0)),
    # Monday 1 a.m. (Kolkata): the same Monday, at 19:00.
    (datetime(2026, 11, 30, 1, 0), datetime(2026, 11, 30, 19, 0)),
    # Monday at exactly 19:00 rings now; a second later it is Wednesday's turn.
    (datetime(2026, 11, 30, 19, 0), datetime(2026, 11, 30, 19, 0)),
    (datetime(2026, 11, 30, 19, 0, 1), datetime(2026, 12, 2, 19, 0)),
    # Friday evening after seven: next Monday.
    (datetime(2026, 12, 4, 20, 0), datetime(2026, 12, 7, 19, 0)),
])
def test_next_occurrence_in_local_time(now: datetime, expected: datetime) -> None:
    assert MON_WED_FRI.next_occurrence(now) == expected


def test_next_occurrence_ignores_the_zone_of_an_aware_local_moment() -> None:
    london = datetime(2026, 11, 29, 19, 30, tzinfo=ZoneInfo("Europe/London"))
    assert MON_WED_FRI.next_occurrence(london) == datetime(2026, 11, 30, 19, 0)


@given(days=st.sets(st.integers(0, 6), min_size=1), hour=st.integers(0, 23),
       minute=st.integers(0, 59),
       now=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1)))
def test_next_occurrence_is_the_first_ring_within_a_week(days: set[int], hour: int, minute: int,
                                                         now: datetime) -> None:
    schedule = WeeklySchedule(tuple(days), hour, minute)
    ring = schedule.next_occurrence(now)
    assert ring >= now
    assert (ring - now).days <= 7
    assert ring.weekday() in days and (ring.hour, ring.minute, ring.second) == (hour, minute, 0)


# --- for the catalogue -------------------------------------------------------------------------
@pytest.mark.parametrize(("schedule", "words"), [
    (WeeklySchedule(tuple(range(7)), 8), ScheduleWords("daily", DAY_IDS, 8, 0)),
    (WeeklySchedule((0, 1, 2, 3, 4), 7, 30),
     ScheduleWords("weekdays", DAY_IDS[:5], 7, 30)),
    (WeeklySchedule((5, 6), 10), ScheduleWords("weekends", ("saturday", "sunday"), 10, 0)),
    (MON_WED_FRI, ScheduleWords("days", ("monday", "wednesday", "friday"), 19, 0)),
    (WeeklySchedule((3,), 21, 15), ScheduleWords("days", ("thursday",), 21, 15)),
])
def test_words_for_the_catalogue(schedule: WeeklySchedule, words: ScheduleWords) -> None:
    assert schedule.words() == words

"""The routine keeps the weekly reminder's alert tokens and schedule, in both stores.

Records written before reminders existed must load unchanged, and a damaged reminder entry
must never lose the tokens: they are what "stop my reminders" deletes.
"""

from __future__ import annotations

import pytest

from skill.domain.routine import (
    ReminderRecord,
    Routine,
    clear_reminder,
    set_reminder,
    start_session,
)
from skill.domain.schedule import WeeklySchedule
from skill.store import open_store

MON_WED_FRI = WeeklySchedule((0, 2, 4), 19, 0)

#: A record as the skill stored it before reminders: it has no "rem" key at all.
OLD_RECORD = {"goal": 4, "history": [{"s": 1_700_000_000, "m": 20, "c": 1}], "total": 1,
              "t": 1_700_000_100, "streak": {"w": 1, "through": 738000}}


def test_an_old_record_loads_without_a_reminder_and_saves_as_it_was() -> None:
    routine = Routine.from_attributes(OLD_RECORD)
    assert routine.reminder is None
    assert routine.weekly_goal == 4 and routine.sessions_total == 1
    assert routine.to_attributes() == OLD_RECORD  # nothing new is written for no reminder


def test_a_reminder_round_trips_through_the_attributes() -> None:
    routine = set_reminder(Routine.from_attributes(OLD_RECORD), ("amzn1.alert.1",), MON_WED_FRI)
    stored = routine.to_attributes()
    assert stored["rem"] == {"tok": ["amzn1.alert.1"], "d": [0, 2, 4], "h": 19, "m": 0}
    assert Routine.from_attributes(stored) == routine
    assert Routine.from_attributes(stored).reminder == ReminderRecord(("amzn1.alert.1",),
                                                                      MON_WED_FRI)


def test_clearing_the_reminder_removes_it_from_the_record() -> None:
    routine = clear_reminder(set_reminder(Routine(), ("a",), MON_WED_FRI))
    assert routine.reminder is None
    assert "rem" not in routine.to_attributes()


@pytest.mark.parametrize(("raw", "expected"), [
    # a damaged schedule keeps the tokens
    ({"tok": ["a", "b"], "d": [0, 9], "h": 19, "m": 0}, ReminderRecord(("a", "b"), None)),
    ({"tok": ["a"], "d": [], "h": 19}, ReminderRecord(("a",), None)),
    ({"tok": ["a"], "d": [1], "h": "x"}, ReminderRecord(("a",), None)),
    ({"tok": ["a", 3, ""], "d": ["2"], "h": "7", "m": "30"},
     ReminderRecord(("a",), WeeklySchedule((2,), 7, 30))),
    # no token: nothing to delete, so no reminder
    ({"tok": [], "d": [1], "h": 8}, None),
    ({"d": [1], "h": 8}, None),
    ("garbage", None),
])
def test_damaged_reminder_entries(raw: object, expected: ReminderRecord | None) -> None:
    assert Routine.from_attributes({**OLD_RECORD, "rem": raw}).reminder == expected


def test_the_reminder_survives_the_store(tmp_path) -> None:
    store = open_store(f"sqlite://{tmp_path / 'store.db'}")
    try:
        routine = set_reminder(start_session(Routine(), "timer-1", 20, now=1_700_000_000),
                               ("amzn1.alert.7",), WeeklySchedule(tuple(range(7)), 8))
        assert store.save_if_version("user", routine.to_attributes(), 0)
        loaded = Routine.from_attributes(store.load("user").attributes)
        assert loaded.reminder == routine.reminder
        assert loaded.active == routine.active
    finally:
        store.close()

"""When a weekly reminder rings: a set of weekdays and a local time of day.

Pure values, no I/O. Three jobs:

* **From what Alexa sends.** Days arrive as `AMAZON.DayOfWeek` values ("monday") or as ids of
  the skill's own slot type (below); times as `AMAZON.TIME` values ("19:00"). `from_slots`
  turns them into a `WeeklySchedule` or raises a `ScheduleError` that says what is missing,
  so the handler can ask for exactly that.
* **To what the Reminders API stores.** One RFC 5545 rule per reminder,
  `FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=19;BYMINUTE=0;BYSECOND=0`, read in the device's zone:
  the trigger carries a naive local time plus the IANA `timeZoneId`, never a UTC offset, so a
  reminder keeps ringing at seven in the evening across daylight-saving changes.
* **Back again.** `from_rules` reads a stored rule (ours, or Alexa's `FREQ=DAILY` spelling)
  so a listed reminder can be described and compared; `words` gives the catalogue the pieces
  to phrase ("every day", "Mondays and Fridays", hour and minute), never an English sentence.

Slot type for the model (`ReminderDays`, a custom type so one multi-value slot can hold
"Mondays, Wednesdays and Fridays" as well as "every day"). Its value ids, which this module
reads case-insensitively (`AMAZON.DayOfWeek` values and plain English plurals work too):

=========  ======================================================================
id         typical synonyms
=========  ======================================================================
MONDAY     monday, mondays, on mondays, every monday (likewise TUESDAY ... SUNDAY)
DAILY      every day, daily, each day, every single day, all week
WEEKDAYS   weekdays, every weekday, on weekdays, monday to friday, during the week
WEEKENDS   weekends, at the weekend, on weekends, saturdays and sundays
=========  ======================================================================

Fuzzy times: `AMAZON.TIME` resolves "in the evening" to `EV` (also `MO` morning, `AF`
afternoon, `NI` night). A reminder that rings at a guessed minute is worse than one more
question, so those raise `FuzzyTimeError` carrying the part of the day; the handler asks
"what time in the evening?" and keeps the days it already has.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import NamedTuple

#: RFC 5545 weekday codes, Monday first: the index is `date.weekday()`.
RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
#: Day ids as the catalogue and the slot type name them, in the same order.
DAY_IDS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

EVERY_DAY = frozenset(range(7))
WEEKDAYS = frozenset(range(5))
WEEKENDS = frozenset({5, 6})

#: Ids of the `ReminderDays` slot type that stand for several days.
GROUP_IDS = {"DAILY": EVERY_DAY, "WEEKDAYS": WEEKDAYS, "WEEKENDS": WEEKENDS}

#: `AMAZON.TIME` values for a part of the day rather than a time.
FUZZY_TIMES = {"MO": "morning", "AF": "afternoon", "EV": "evening", "NI": "night"}

_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_SPOKEN_GROUPS = {
    "everyday": "DAILY", "every day": "DAILY", "daily": "DAILY", "each day": "DAILY",
    "weekday": "WEEKDAYS", "weekdays": "WEEKDAYS", "every weekday": "WEEKDAYS",
    "weekend": "WEEKENDS", "weekends": "WEEKENDS", "every weekend": "WEEKENDS",
}


class ScheduleError(ValueError):
    """What was said is not a schedule yet; `missing` names the part to ask for."""

    def __init__(self, missing: str, detail: str = "") -> None:
        super().__init__(f"{missing}: {detail}" if detail else missing)
        self.missing = missing  # "days" or "time"


class FuzzyTimeError(ScheduleError):
    """A part of the day ("in the evening") where an exact time is needed."""

    def __init__(self, code: str) -> None:
        super().__init__("time", f"fuzzy time {code}")
        self.code = code
        self.part_of_day = FUZZY_TIMES[code]  # "morning", "afternoon", "evening", "night"


class ScheduleWords(NamedTuple):
    """A schedule in pieces the catalogue phrases.

    `kind` is "daily", "weekdays" or "weekends" when the days are exactly that group (say
    "every day"), else "days", and then `days` lists the day ids in week order (say "Mondays,
    Wednesdays and Fridays"). `days` is always filled, whatever the kind.
    """

    kind: str
    days: tuple[str, ...]
    hour: int
    minute: int


@dataclass(frozen=True)
class WeeklySchedule:
    """Weekdays (0 = Monday ... 6 = Sunday, sorted, no repeats) and a local hour and minute."""

    days: tuple[int, ...]
    hour: int
    minute: int = 0

    def __post_init__(self) -> None:
        days = tuple(sorted(set(self.days)))
        if not days or any(not 0 <= d <= 6 for d in days):
            raise ScheduleError("days", f"not weekdays: {self.days!r}")
        if not (0 <= self.hour <= 23 and 0 <= self.minute <= 59):
            raise ScheduleError("time", f"not a time of day: {self.hour}:{self.minute}")
        object.__setattr__(self, "days", days)

    # --- from Alexa ----------------------------------------------------------------------
    @classmethod
    def from_slots(cls, days: Iterable[str | None], time: str | None) -> WeeklySchedule:
        """A schedule from day slot values (or ids) and an `AMAZON.TIME` value.

        Raises `ScheduleError` with `missing="days"` when no day was understood, and with
        `missing="time"` (a `FuzzyTimeError` for "MO"/"AF"/"EV"/"NI") when the time is
        missing or unusable. Days are checked first: they are what the user said first.
        """
        parsed = parse_days(days)
        hour, minute = parse_time(time)
        return cls(tuple(parsed), hour, minute)

    # --- to and from the Reminders API -----------------------------------------------------
    def recurrence_rule(self) -> str:
        """The RFC 5545 rule the Reminders API's `recurrenceRules` takes."""
        by_day = ",".join(RRULE_DAYS[d] for d in self.days)
        return f"FREQ=WEEKLY;BYDAY={by_day};BYHOUR={self.hour};BYMINUTE={self.minute};BYSECOND=0"

    @classmethod
    def from_rules(cls, rules: Sequence[str]) -> WeeklySchedule:
        """The schedule a stored reminder's `recurrenceRules` describe.

        Several rules at the same time of day are one schedule (their days joined); rules at
        different times, or a frequency other than weekly or daily, are not a weekly schedule
        this skill made, and raise `ScheduleError`.
        """
        days: set[int] = set()
        times: set[tuple[int, int]] = set()
        for rule in rules:
            rule_days, hour, minute = _parse_rule(rule)
            days |= rule_days
            times.add((hour, minute))
        if len(times) != 1:
            raise ScheduleError("time", f"not one time of day: {list(rules)!r}")
        (hour, minute), = times
        return cls(tuple(days), hour, minute)

    def next_occurrence(self, now: datetime) -> datetime:
        """The first time it rings at or after `now`, as a naive local time.

        `now` is local wall-clock time (naive, or aware in the device's zone, whose wall
        clock is then used as is): the API's `scheduledTime` is that same naive local time.
        """
        local = now.replace(tzinfo=None, second=0, microsecond=0)
        if now.second or now.microsecond:
            local += timedelta(minutes=1)  # a minute already started has gone by
        for ahead in range(8):
            day = local + timedelta(days=ahead)
            candidate = day.replace(hour=self.hour, minute=self.minute)
            if candidate.weekday() in self.days and candidate >= local:
                return candidate
        raise AssertionError("a weekly schedule rings within eight days")  # pragma: no cover

    # --- for the catalogue -----------------------------------------------------------------
    def words(self) -> ScheduleWords:
        """The pieces a handler phrases from the catalogue (see `ScheduleWords`)."""
        day_set = frozenset(self.days)
        kind = next((name.lower() for name, group in GROUP_IDS.items() if group == day_set),
                    "days")
        return ScheduleWords(kind, tuple(DAY_IDS[d] for d in self.days), self.hour, self.minute)


def parse_days(values: Iterable[str | None]) -> frozenset[int]:
    """Weekdays from slot values or ids; unknown words are ignored, none at all is an error."""
    days: set[int] = set()
    for value in values:
        days |= _days_of(value)
    if not days:
        raise ScheduleError("days", "no day understood")
    return frozenset(days)


def _days_of(value: str | None) -> frozenset[int]:
    word = " ".join((value or "").strip().lower().split())
    if not word:
        return frozenset()
    for prefix in ("every ", "on ", "each "):
        if word.startswith(prefix) and word not in _SPOKEN_GROUPS:
            word = word.removeprefix(prefix)
    group = GROUP_IDS.get(word.upper()) or GROUP_IDS.get(_SPOKEN_GROUPS.get(word, ""))
    if group is not None:
        return group
    singular = word[:-1] if word.endswith("s") else word
    for index, name in enumerate(DAY_IDS):
        if word in (name, name[:3], RRULE_DAYS[index].lower()) or singular == name:
            return frozenset({index})
    return frozenset()


def parse_time(value: str | None) -> tuple[int, int]:
    """Hour and minute from an `AMAZON.TIME` value ("19:00", "7:30"; seconds must be zero).

    Raises `FuzzyTimeError` for a part of the day and `ScheduleError("time")` otherwise.
    """
    text = (value or "").strip().upper()
    if text in FUZZY_TIMES:
        raise FuzzyTimeError(text)
    match = _TIME.match(text)
    if not match:
        raise ScheduleError("time", f"not a time: {value!r}")
    hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
    if hour > 23 or minute > 59 or second != 0:
        raise ScheduleError("time", f"not a time of day: {value!r}")
    return hour, minute


def _parse_rule(rule: str) -> tuple[set[int], int, int]:
    """Days, hour and minute of one `FREQ=WEEKLY` or `FREQ=DAILY` rule."""
    parts: dict[str, str] = {}
    for piece in rule.strip().removeprefix("RRULE:").split(";"):
        if piece.strip():
            key, _, value = piece.partition("=")
            parts[key.strip().upper()] = value.strip().upper()
    freq = parts.get("FREQ")
    if freq not in ("WEEKLY", "DAILY") or parts.get("INTERVAL", "1") != "1":
        raise ScheduleError("days", f"not a weekly rule: {rule!r}")
    if "COUNT" in parts or "UNTIL" in parts:
        raise ScheduleError("days", f"a rule that ends: {rule!r}")
    if "BYDAY" in parts:
        try:
            days = {RRULE_DAYS.index(code) for code in parts["BYDAY"].split(",")}
        except ValueError:
            raise ScheduleError("days", f"unknown day in {rule!r}") from None
    elif freq == "DAILY":
        days = set(EVERY_DAY)
    else:
        raise ScheduleError("days", f"a weekly rule without days: {rule!r}")
    try:
        hour, minute = int(parts["BYHOUR"]), int(parts.get("BYMINUTE", "0"))
    except (KeyError, ValueError):
        raise ScheduleError("time", f"no time of day in {rule!r}") from None
    if parts.get("BYSECOND", "0") != "0" or not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise ScheduleError("time", f"not a time of day in {rule!r}")
    return days, hour, minute


def zone_id(zone: tzinfo | str | None) -> str:
    """The IANA name the API's `timeZoneId` takes ("Europe/London").

    A `ZoneInfo` gives its key; UTC (or no zone) is "UTC". A fixed offset has no IANA name,
    and calling it UTC would move every ring, so it is refused with `ValueError`.
    """
    if isinstance(zone, str):
        return zone or "UTC"
    key = getattr(zone, "key", None)
    if isinstance(key, str) and key:
        return key
    if zone is None or zone.utcoffset(None) == timedelta(0):
        return "UTC"
    raise ValueError(f"a zone without an IANA name: {zone!r}")


def local_time(moment: datetime, zone: tzinfo) -> datetime:
    """`moment` on the wall clock of `zone`, naive: what `scheduledTime` and the rules mean."""
    if moment.tzinfo is None:
        raise ValueError("an aware moment is needed to find a local time")
    return moment.astimezone(zone).replace(tzinfo=None)

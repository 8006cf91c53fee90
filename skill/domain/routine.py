"""A user's routine: usual length, weekly goal, recent sessions and the one running now.

Stored as a small dict of integers (DynamoDB refuses floats), kept to the last twelve weeks
so a record never grows without bound. Weeks start on Monday in the device's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, tzinfo

DEFAULT_GOAL = 3
MIN_GOAL = 1
MAX_GOAL = 14
HISTORY_WEEKS = 12
MAX_HISTORY_ENTRIES = HISTORY_WEEKS * 7 * 6  # a generous cap, even for heavy days


@dataclass(frozen=True)
class SessionEntry:
    """One session: when it started (epoch seconds) and the minutes it lasted or will last."""

    started: int
    minutes: int


@dataclass(frozen=True)
class ActiveSession:
    """The session running now, mirroring the Alexa timer that will end it."""

    timer_id: str
    started: int
    minutes: int
    paused_at: int | None = None
    paused_total: int = 0

    def elapsed_seconds(self, now: int) -> int:
        """Seconds actually spent on the mat, not counting pauses."""
        until = self.paused_at if self.paused_at is not None else now
        return max(0, until - self.started - self.paused_total)

    def remaining_seconds(self, now: int) -> int:
        """Our own estimate, used when the timer cannot be read."""
        return max(0, self.minutes * 60 - self.elapsed_seconds(now))


@dataclass(frozen=True)
class Routine:
    """Everything we keep about one user."""

    usual_minutes: int | None = None
    weekly_goal: int = DEFAULT_GOAL
    history: tuple[SessionEntry, ...] = field(default_factory=tuple)
    active: ActiveSession | None = None
    timers_created: int = 0

    @property
    def is_new(self) -> bool:
        """Never timed a session with us."""
        return not self.history and self.usual_minutes is None

    # --- storage -------------------------------------------------------------------------
    @classmethod
    def from_attributes(cls, data: dict | None) -> Routine:
        """Tolerant of missing or odd fields: a damaged record must not break the skill."""
        data = data or {}

        def as_int(value: object, default: int | None) -> int | None:
            try:
                return int(value)  # type: ignore[call-overload]
            except (TypeError, ValueError):
                return default

        history = []
        for item in data.get("history") or []:
            if isinstance(item, dict):
                started, minutes = as_int(item.get("s"), None), as_int(item.get("m"), None)
                if started is not None and minutes is not None:
                    history.append(SessionEntry(started, minutes))
        active = None
        raw = data.get("active")
        if isinstance(raw, dict) and raw.get("timer"):
            started = as_int(raw.get("s"), None)
            minutes = as_int(raw.get("m"), None)
            if started is not None and minutes is not None:
                active = ActiveSession(
                    timer_id=str(raw["timer"]),
                    started=started,
                    minutes=minutes,
                    paused_at=as_int(raw.get("p"), None),
                    paused_total=as_int(raw.get("pt"), 0) or 0,
                )
        goal = as_int(data.get("goal"), DEFAULT_GOAL) or DEFAULT_GOAL
        return cls(
            usual_minutes=as_int(data.get("usual"), None),
            weekly_goal=min(MAX_GOAL, max(MIN_GOAL, goal)),
            history=tuple(history),
            active=active,
            timers_created=as_int(data.get("timers"), 0) or 0,
        )

    def to_attributes(self) -> dict:
        """Integers and strings only, short keys: cheap to store in either backend."""
        data: dict = {
            "goal": self.weekly_goal,
            "history": [{"s": e.started, "m": e.minutes} for e in self.history],
            "timers": self.timers_created,
        }
        if self.usual_minutes is not None:
            data["usual"] = self.usual_minutes
        if self.active is not None:
            active = {"timer": self.active.timer_id, "s": self.active.started,
                      "m": self.active.minutes, "pt": self.active.paused_total}
            if self.active.paused_at is not None:
                active["p"] = self.active.paused_at
            data["active"] = active
        return data


# --- changes (pure: each returns a new Routine) ----------------------------------------------
def _pruned(history: tuple[SessionEntry, ...], now: int) -> tuple[SessionEntry, ...]:
    horizon = now - (HISTORY_WEEKS + 1) * 7 * 86400
    kept = [e for e in history if e.started >= horizon]
    return tuple(kept[-MAX_HISTORY_ENTRIES:])


def start_session(routine: Routine, timer_id: str, minutes: int, now: int) -> Routine:
    """Record a started session: it counts towards the week as soon as it begins."""
    entry = SessionEntry(now, minutes)
    return replace(
        routine,
        usual_minutes=minutes,
        history=_pruned((*routine.history, entry), now),
        active=ActiveSession(timer_id=timer_id, started=now, minutes=minutes),
        timers_created=routine.timers_created + 1,
    )


def pause_session(routine: Routine, now: int) -> Routine:
    """Mark the running session paused (no-op when nothing runs or it is already paused)."""
    active = routine.active
    if active is None or active.paused_at is not None:
        return routine
    return replace(routine, active=replace(active, paused_at=now))


def resume_session(routine: Routine, now: int) -> Routine:
    """Carry on: the paused stretch is added to the time that does not count."""
    active = routine.active
    if active is None or active.paused_at is None:
        return routine
    paused_total = active.paused_total + max(0, now - active.paused_at)
    return replace(routine, active=replace(active, paused_at=None, paused_total=paused_total))


def end_session(routine: Routine, now: int, *, completed: bool = False) -> tuple[Routine, int]:
    """Close the running session; an early end records the whole minutes actually done."""
    active = routine.active
    if active is None:
        return routine, 0
    done = active.minutes if completed else min(active.minutes, active.elapsed_seconds(now) // 60)
    history = tuple(
        replace(e, minutes=done) if e.started == active.started else e for e in routine.history
    )
    return replace(routine, history=history, active=None), done


def set_goal(routine: Routine, goal: int) -> Routine:
    """A new weekly goal, already validated by `valid_goal`."""
    return replace(routine, weekly_goal=goal)


def valid_goal(value: str | None) -> int | None:
    """The goal as an int when it is a whole number from 1 to 14, else None."""
    try:
        number = float((value or "").strip())
    except (ValueError, OverflowError):
        return None
    if not number.is_integer() or not MIN_GOAL <= number <= MAX_GOAL:
        return None
    return int(number)


# --- reading -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Progress:
    """One week's figures against the goal."""

    sessions: int
    minutes: int
    goal: int
    streak_weeks: int
    sessions_today: int
    minutes_today: int

    @property
    def goal_met(self) -> bool:
        return self.sessions >= self.goal


def week_start(moment: datetime) -> datetime:
    """Monday 00:00 of the week containing `moment`, in `moment`'s own time zone."""
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def progress(routine: Routine, now: int, zone: tzinfo) -> Progress:
    """This week's sessions and minutes, today's load, and the streak of weeks that met the goal.

    The streak counts back from this week when its goal is already met, otherwise from last
    week, so an unfinished week does not break a streak.
    """
    local_now = datetime.fromtimestamp(now, zone)
    this_week = week_start(local_now).date()
    today = local_now.date()
    per_week: dict = {}
    sessions_today = minutes_today = 0
    for entry in routine.history:
        local = datetime.fromtimestamp(entry.started, zone)
        week = week_start(local).date()
        count, minutes = per_week.get(week, (0, 0))
        per_week[week] = (count + 1, minutes + entry.minutes)
        if local.date() == today:
            sessions_today += 1
            minutes_today += entry.minutes
    sessions, minutes = per_week.get(this_week, (0, 0))
    goal = routine.weekly_goal
    week = this_week if sessions >= goal else this_week - timedelta(days=7)
    streak = 0
    while per_week.get(week, (0, 0))[0] >= goal:
        streak += 1
        week -= timedelta(days=7)
    return Progress(sessions, minutes, goal, streak, sessions_today, minutes_today)

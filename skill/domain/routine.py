"""A user's routine: weekly goal, the sessions done, the one running now, and the streak.

Stored as a small dict of integers and short strings (DynamoDB refuses floats). History is
kept to the last twelve weeks so a record never grows without bound; what must outlive it
(the streak, whether the user ever had a session) is kept as running figures instead.
Weeks start on Monday in the device's time zone.

What counts is what really happened: a session's minutes are the minutes actually spent on
the mat (pauses excluded), a session under one minute is not a session, and the usual length
is the one the user most often *finished* recently, not the last one asked for.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:  # read only for a record that holds a reminder: kept off the cold start
    from skill.domain.schedule import WeeklySchedule

DEFAULT_GOAL = 3
MIN_GOAL = 1
MAX_GOAL = 14
HISTORY_WEEKS = 12
MAX_HISTORY_ENTRIES = HISTORY_WEEKS * 7 * 6  # a generous cap, even for heavy days
USUAL_WINDOW = 10  # the usual length is read from this many recent finished sessions
#: How long a request's answer is kept, so that a replay of it changes nothing twice: a
#: signed request stays acceptable while its timestamp is within 150 s of the server's clock,
#: so from its first arrival it can come back for at most 300 s. However many other requests
#: came between, every one inside this window is remembered.
REPLAY_WINDOW_SECONDS = 300
#: A bound on the record's size only: one person cannot make this many requests in the window.
MAX_RECENT_ANSWERS = 200


class SessionEntry(NamedTuple):
    """One ended session: when it started, minutes actually spent, and how it ended.

    The routine's immutable values are NamedTuples, not frozen dataclasses: Python 3.13 builds
    a frozen dataclass at import in about 0.4 ms, a NamedTuple in 0.06 ms, and every Lambda
    cold start imports them all (changes go through `_replace`).
    """

    started: int
    minutes: int
    planned: int | None = None  # the length that was asked for (None: same as `minutes`)
    completed: bool = True  # the timer ran out, rather than an early end

    @property
    def length(self) -> int:
        return self.planned if self.planned is not None else self.minutes


class ActiveSession(NamedTuple):
    """The session running now, mirroring the Alexa timer that will end it."""

    timer_id: str
    started: int
    minutes: int
    paused_at: int | None = None
    paused_total: int = 0
    #: The session's hidden check-in timers: part of it, paused, resumed and cancelled with it.
    checkins: tuple[str, ...] = ()

    def elapsed_seconds(self, now: int) -> int:
        """Seconds actually spent on the mat, not counting pauses."""
        until = self.paused_at if self.paused_at is not None else now
        return max(0, min(self.minutes * 60, until - self.started - self.paused_total))

    def remaining_seconds(self, now: int) -> int:
        """Our own estimate, used when the timer cannot be read."""
        return max(0, self.minutes * 60 - self.elapsed_seconds(now))


class Streak(NamedTuple):
    """Weeks in a row that met the goal, through the Monday (ordinal) of the last such week."""

    weeks: int = 0
    through: int = 0


class Answer(NamedTuple):
    """What a request that changed the routine answered, so a replay hears the same."""

    request_id: str
    speech: str
    reprompt: str | None = None
    at: int = 0  # when it was answered (epoch seconds): kept for the replay window


class ReminderRecord(NamedTuple):
    """The weekly reminder the skill set for the user: its alert tokens and when it rings.

    `tokens` are what "stop my reminders" deletes (one reminder holds all its days, but the
    field is a tuple so a schedule split over several reminders needs no new format);
    `schedule` is None when a stored one no longer reads, and the tokens still count.
    """

    tokens: tuple[str, ...]
    schedule: WeeklySchedule | None = None


class Routine(NamedTuple):
    """Everything we keep about one user."""

    weekly_goal: int = DEFAULT_GOAL
    history: tuple[SessionEntry, ...] = ()
    active: ActiveSession | None = None
    streak: Streak | None = None  # None: an older record; derived from history on first use
    sessions_total: int = 0
    #: The launch has offered a weekly reminder once; it never asks again.
    reminder_offered: bool = False
    recent: tuple[Answer, ...] = ()
    written: int = 0  # when the record was last written (epoch seconds, our clock)
    #: The timestamp Alexa put on the request that last wrote it (epoch seconds, Alexa's
    #: clock, the clock skill events are stamped with): 0 when unknown (older records).
    stamped: int = 0
    reminder: ReminderRecord | None = None  # None: no reminder set by the skill (or older record)
    checkins: bool | None = None  # the user's say on check-ins; None: never said (the default)

    @property
    def is_new(self) -> bool:
        """Never timed a session with us."""
        return not self.history and self.active is None and self.sessions_total == 0

    def answer_for(self, request_id: str | None) -> Answer | None:
        """The answer already given to this request, if it changed the routine before."""
        if not request_id:
            return None
        return next((a for a in self.recent if a.request_id == request_id), None)

    # --- storage -------------------------------------------------------------------------
    @classmethod
    def from_attributes(cls, data: dict | None) -> Routine:
        """Tolerant of missing or odd fields: a damaged record must not break the skill."""
        data = data or {}

        def as_int(value: object, default: int | None) -> int | None:
            if isinstance(value, bool):
                return int(value)
            try:
                return int(value)  # type: ignore[call-overload]
            except (TypeError, ValueError, OverflowError):
                return default

        history = []
        for item in data.get("history") or []:
            if isinstance(item, dict):
                started, minutes = as_int(item.get("s"), None), as_int(item.get("m"), None)
                if started is not None and minutes is not None:
                    history.append(SessionEntry(
                        started, minutes, as_int(item.get("p"), None),
                        bool(as_int(item.get("c"), 1)),
                    ))
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
                    checkins=tuple(str(t) for t in raw.get("ci") or [] if isinstance(t, str) and t),
                )
        streak = None
        raw = data.get("streak")
        if isinstance(raw, dict):
            streak = Streak(as_int(raw.get("w"), 0) or 0, as_int(raw.get("through"), 0) or 0)
        recent = []
        written = as_int(data.get("t"), 0) or 0
        for item in data.get("recent") or []:
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                speech, reprompt = item.get("say"), item.get("re")
                if isinstance(speech, str):
                    recent.append(Answer(item["id"], speech,
                                         reprompt if isinstance(reprompt, str) else None,
                                         as_int(item.get("at"), written) or 0))
        goal = as_int(data.get("goal"), DEFAULT_GOAL) or DEFAULT_GOAL
        reminder = _reminder_from(data.get("rem"), as_int)
        return cls(
            weekly_goal=min(MAX_GOAL, max(MIN_GOAL, goal)),
            history=tuple(history),
            active=active,
            streak=streak,
            sessions_total=max(as_int(data.get("total"), 0) or 0, 0),
            reminder_offered=bool(as_int(data.get("ro"), 0)),
            recent=tuple(recent[-MAX_RECENT_ANSWERS:]),
            written=written,
            stamped=as_int(data.get("ta"), 0) or 0,
            reminder=reminder,
            checkins=None if data.get("ci") is None else bool(as_int(data.get("ci"), 0)),
        )

    def to_attributes(self) -> dict:
        """Integers and strings only, short keys: cheap to store in either backend."""
        history = []
        for e in self.history:
            entry = {"s": e.started, "m": e.minutes, "c": int(e.completed)}
            if e.planned is not None and e.planned != e.minutes:
                entry["p"] = e.planned
            history.append(entry)
        data: dict = {"goal": self.weekly_goal, "history": history, "total": self.sessions_total,
                      "t": self.written}
        if self.stamped:
            data["ta"] = self.stamped
        if self.reminder_offered:
            data["ro"] = 1
        if self.active is not None:
            active = {"timer": self.active.timer_id, "s": self.active.started,
                      "m": self.active.minutes, "pt": self.active.paused_total}
            if self.active.paused_at is not None:
                active["p"] = self.active.paused_at
            if self.active.checkins:
                active["ci"] = list(self.active.checkins)
            data["active"] = active
        if self.streak is not None:
            data["streak"] = {"w": self.streak.weeks, "through": self.streak.through}
        if self.recent:
            data["recent"] = [
                {"id": a.request_id, "say": a.speech, "at": a.at,
                 **({"re": a.reprompt} if a.reprompt else {})}
                for a in self.recent
            ]
        if self.reminder is not None:
            rem: dict = {"tok": list(self.reminder.tokens)}
            if self.reminder.schedule is not None:
                schedule = self.reminder.schedule
                rem.update(d=list(schedule.days), h=schedule.hour, m=schedule.minute)
            data["rem"] = rem
        if self.checkins is not None:
            data["ci"] = int(self.checkins)
        return data


def _reminder_from(
    raw: object, as_int: Callable[[object, int | None], int | None]
) -> ReminderRecord | None:
    """The stored reminder, if any: tokens kept even when the schedule beside them is damaged."""
    if not isinstance(raw, dict):
        return None
    tokens = tuple(t for t in raw.get("tok") or [] if isinstance(t, str) and t)
    if not tokens:
        return None
    schedule = None
    days = [as_int(d, None) for d in raw.get("d") or []]
    hour, minute = as_int(raw.get("h"), None), as_int(raw.get("m"), 0)
    if days and None not in days and hour is not None and minute is not None:
        from skill.domain.schedule import ScheduleError, WeeklySchedule

        try:
            schedule = WeeklySchedule(tuple(days), hour, minute)
        except ScheduleError:
            schedule = None
    return ReminderRecord(tokens, schedule)


# --- changes (pure: each returns a new Routine) ----------------------------------------------
def _pruned(history: tuple[SessionEntry, ...], now: int) -> tuple[SessionEntry, ...]:
    horizon = now - (HISTORY_WEEKS + 1) * 7 * 86400
    kept = [e for e in history if e.started >= horizon]
    return tuple(kept[-MAX_HISTORY_ENTRIES:])


def _monday(moment: int, zone: tzinfo) -> date:
    return week_start(datetime.fromtimestamp(moment, zone)).date()


def record_session(routine: Routine, entry: SessionEntry, now: int, zone: tzinfo) -> Routine:
    """Add an ended session; under one minute it is not a session and changes nothing.

    The streak is a running figure: when this session's week reaches the goal, the week
    joins the streak (extending it if the week before was in it, else starting a new one).
    """
    if entry.minutes < 1:
        return routine
    streak = current_streak(routine, zone)
    history = _pruned((*routine.history, entry), now)
    week = _monday(entry.started, zone)
    in_week = sum(1 for e in history if e.minutes >= 1 and _monday(e.started, zone) == week)
    if in_week >= routine.weekly_goal and streak.through != week.toordinal():
        previous = (week - timedelta(days=7)).toordinal()
        weeks = streak.weeks + 1 if streak.through == previous else 1
        streak = Streak(weeks, week.toordinal())
    return routine._replace(history=history, streak=streak,
                   sessions_total=routine.sessions_total + 1)


def start_session(
    routine: Routine, timer_id: str, minutes: int, now: int, checkins: tuple[str, ...] = ()
) -> Routine:
    """Note the session that starts now (its end timer and any check-in timers); it is
    recorded in the history when it ends."""
    return routine._replace(active=ActiveSession(timer_id=timer_id, started=now, minutes=minutes,
                                                 checkins=tuple(checkins)))


def pause_session(routine: Routine, now: int) -> Routine:
    """Mark the running session paused (no-op when nothing runs or it is already paused)."""
    active = routine.active
    if active is None or active.paused_at is not None:
        return routine
    return routine._replace(active=active._replace(paused_at=now))


def resume_session(routine: Routine, now: int) -> Routine:
    """Carry on: the paused stretch is added to the time that does not count."""
    active = routine.active
    if active is None or active.paused_at is None:
        return routine
    paused_total = active.paused_total + max(0, now - active.paused_at)
    return routine._replace(active=active._replace(paused_at=None, paused_total=paused_total))


def minutes_done(
    routine: Routine, now: int, *, completed: bool = False, ran_seconds: int | None = None
) -> int:
    """Whole minutes the running session has lasted (all of it when its timer ran out).

    `ran_seconds` is the timer's own account (its length less what it has left), which
    is the truth when it can be read; the record's clock is the fallback.
    """
    active = routine.active
    if active is None:
        return 0
    if completed:
        return active.minutes
    seconds = active.elapsed_seconds(now) if ran_seconds is None else ran_seconds
    return min(active.minutes, max(0, seconds) // 60)


def end_session(
    routine: Routine, now: int, zone: tzinfo, *, completed: bool = False,
    ran_seconds: int | None = None,
) -> tuple[Routine, int]:
    """Close the running session and record the whole minutes actually done."""
    active = routine.active
    if active is None:
        return routine, 0
    done = minutes_done(routine, now, completed=completed, ran_seconds=ran_seconds)
    entry = SessionEntry(active.started, done, active.minutes, completed)
    return record_session(routine._replace(active=None), entry, now, zone), done


def record_leftover(
    routine: Routine, ran_seconds: int, duration_seconds: int, now: int, zone: tzinfo
) -> Routine:
    """A timer of ours the record never knew (its save failed), ended now: count what ran."""
    entry = SessionEntry(now - max(0, ran_seconds), max(0, ran_seconds) // 60,
                         max(1, duration_seconds // 60), completed=False)
    return record_session(routine, entry, now, zone)


def set_reminder(routine: Routine, tokens: tuple[str, ...], schedule: WeeklySchedule) -> Routine:
    """Remember the reminder just created (replacing any before it, already deleted)."""
    return routine._replace(reminder=ReminderRecord(tuple(tokens), schedule))


def offered_reminder(routine: Routine) -> Routine:
    """Note that the launch has offered a weekly reminder: once is enough."""
    return routine._replace(reminder_offered=True)


def clear_reminder(routine: Routine) -> Routine:
    """Forget the reminder: the user stopped it, or Alexa no longer has it."""
    return routine._replace(reminder=None)


def set_checkins(routine: Routine, on: bool) -> Routine:
    """The user said "with check-ins" or "no check-ins": their say from now on."""
    return routine._replace(checkins=on)


def drop_checkins(routine: Routine) -> Routine:
    """The running session's check-ins are cancelled: it keeps only its end timer."""
    if routine.active is None or not routine.active.checkins:
        return routine
    return routine._replace(active=routine.active._replace(checkins=()))


def set_goal(routine: Routine, goal: int) -> Routine:
    """A new weekly goal, already validated by `valid_goal`."""
    return routine._replace(weekly_goal=goal)


def remember_answer(routine: Routine, answer: Answer, now: int) -> Routine:
    """Stamp the write and keep this request's answer with every other one still inside the
    replay window (a count would let a replay through after enough other requests)."""
    horizon = now - REPLAY_WINDOW_SECONDS
    recent = (*[a for a in routine.recent
                if a.request_id != answer.request_id and a.at >= horizon],
              answer._replace(at=now))
    return routine._replace(recent=recent[-MAX_RECENT_ANSWERS:], written=now)


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
class Progress(NamedTuple):
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


def usual_minutes(routine: Routine, now: int | None = None) -> int | None:
    """The length most often finished among the last few finished sessions (ties: latest).

    Given `now`, a running session whose time is already up counts as finished: its timer
    has rung, though no request has closed it in the record yet.
    """
    finished = [e.length for e in routine.history if e.completed]
    active = routine.active
    if now is not None and active is not None and active.remaining_seconds(now) == 0:
        finished.append(active.minutes)
    finished = finished[-USUAL_WINDOW:]
    if not finished:
        return None
    counts = Counter(finished)
    best = max(counts.values())
    return next(length for length in reversed(finished) if counts[length] == best)


def current_streak(routine: Routine, zone: tzinfo) -> Streak:
    """The running streak; an older record without one gets it from its history once."""
    if routine.streak is not None:
        return routine.streak
    per_week = Counter(_monday(e.started, zone) for e in routine.history if e.minutes >= 1)
    met = sorted(week for week, count in per_week.items() if count >= routine.weekly_goal)
    if not met:
        return Streak()
    last, weeks = met[-1], 1
    while last - timedelta(days=7 * weeks) in per_week and (
        per_week[last - timedelta(days=7 * weeks)] >= routine.weekly_goal
    ):
        weeks += 1
    return Streak(weeks, last.toordinal())


def progress(routine: Routine, now: int, zone: tzinfo) -> Progress:
    """This week's sessions and minutes, today's load, and the streak of weeks met.

    A running session counts as soon as it has lasted a minute, with the minutes so far.
    The streak still stands while this week is unfinished: it counts through last week.
    """
    local_now = datetime.fromtimestamp(now, zone)
    this_week = week_start(local_now).date()
    today = local_now.date()
    entries = [e for e in routine.history if e.minutes >= 1]
    if routine.active is not None and minutes_done(routine, now) >= 1:
        entries.append(SessionEntry(routine.active.started, minutes_done(routine, now)))
    sessions = minutes = sessions_today = minutes_today = 0
    for entry in entries:
        local = datetime.fromtimestamp(entry.started, zone)
        if week_start(local).date() == this_week:
            sessions += 1
            minutes += entry.minutes
        if local.date() == today:
            sessions_today += 1
            minutes_today += entry.minutes
    streak = current_streak(routine, zone)
    last_week = (this_week - timedelta(days=7)).toordinal()
    weeks = streak.weeks if streak.through in (this_week.toordinal(), last_week) else 0
    return Progress(sessions, minutes, routine.weekly_goal, weeks, sessions_today, minutes_today)

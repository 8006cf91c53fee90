"""Ending a session: "I'm done", a timer that already rang, and what either records.

Every timer of ours goes in one wave (leftovers, the session's check-ins and its end timer),
with the time-zone lookup when the zone is not known yet: the session is filed into the week
of the device's zone. What was really cancelled is what the record counts.
"""

from __future__ import annotations

from ask_sdk_model import Response

from skill.domain import routine as rules
from skill.handlers.flows.reading import KnownTimers, known_timers, timers_unreadable
from skill.handlers.flows.waves import cancel
from skill.handlers.turn import Turn
from skill.timers import TimersError, TimerState


def closing(turn: Turn, known: KnownTimers, cancelled: tuple[TimerState, ...]):
    """The rule that records what has happened: a timer that rang counts in full, a timer
    cancelled now counts the time it really ran (the tracked one ends the running session)."""
    now, zone = turn.now, turn.zone

    def rule(routine: rules.Routine) -> rules.Routine:
        if known.finished:
            routine = rules.end_session(routine, now, zone, completed=True)[0]
        for timer in cancelled:
            if timer in known.checkins:
                continue  # a check-in is part of its session: no minutes of its own
            if timer is known.tracked:
                routine = rules.end_session(routine, now, zone, ran_seconds=timer.ran_seconds)[0]
            else:
                routine = rules.record_leftover(routine, timer.ran_seconds,
                                                timer.duration_seconds, now, zone)
        return routine

    return rule


def complete_session(turn: Turn, known: KnownTimers | None = None) -> Response:
    """The timer already went off: close the session in the record as completed.

    Check-ins still set (the user cancelled the end timer with Alexa directly) go with it,
    as far as Alexa lets them: one that stays is a leftover check-in, cancelled next time.
    """
    cancel(turn, known.checkins if known else (), zone=True)
    now, zone = turn.now, turn.zone
    turn.change(lambda r: rules.end_session(r, now, zone, completed=True)[0])
    return turn.tell(turn.say.text("time_left.finished"))


def end_session(turn: Turn) -> Response:
    """"I'm done": cancel every timer of ours, together, and count the minutes each really ran.

    A failure leaves the rest done: a session whose end timer was cancelled has ended (and
    is counted) even if one of its check-ins could not be; the user hears that the timers
    could not all be reached, and the next request, which lists them, cancels what is left.
    """
    say = turn.say
    try:
        known = known_timers(turn)
    except TimersError as exc:
        return timers_unreadable(turn, exc)
    if known.tracked is None and not known.leftovers:
        if known.finished:
            return complete_session(turn, known)
        cancel(turn, known.checkins)  # check-ins whose session is already over, if any
        return turn.tell(say.text("end.none"))
    cancelled, failure = cancel(turn, known.every, zone=True)
    if cancelled or known.finished:
        turn.change(closing(turn, known, cancelled))
    if failure is not None:
        return timers_unreadable(turn, failure)
    tracked = known.tracked
    if tracked is not None:
        planned = turn.routine.active.minutes
        done = rules.minutes_done(turn.routine, turn.now, ran_seconds=tracked.ran_seconds)
    else:
        longest = max(known.leftovers, key=lambda t: t.ran_seconds)
        planned, done = max(1, longest.duration_seconds // 60), longest.ran_seconds // 60
    if done < 1:
        return turn.tell(say.text("end.done_short"))
    key = "end.done" if done * 2 >= planned else "end.done_partial"
    return turn.tell(say.text(key, done=say.count("minute", done)))

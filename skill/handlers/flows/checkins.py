"""Check-ins: hidden timers that only speak, part of their session.

They are made in the same wave as the session's end timer (see `flows.starting`), paused,
resumed and cancelled with it, and all or none: a session never keeps some of its check-ins
and silently loses the others. Their labels name the session's start time, like the end
timer's, and their number, so a session's timers never share a label and a check-in is known
by its label alone.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from ask_sdk_model import Response

from skill.content import plain
from skill.domain import routine as rules
from skill.domain.checkins import DEFAULT_SESSIONS, checkins_for, checkins_wanted
from skill.handlers.flows.reading import known_timers
from skill.handlers.flows.waves import cancel
from skill.handlers.turn import Turn
from skill.timers import TimersError, TimersLimitError


class PlannedCheckin(NamedTuple):
    """One check-in timer to create: everything the call needs, prepared on the request's
    own thread (the catalogue picks variants and remembers them in the session)."""

    seconds: int
    labels: tuple[str, ...]
    announcement: str


def free_first(turn: Turn, labels: tuple[str, ...]) -> tuple[str, ...]:
    """`labels` with the ones our listed timers already carry moved last.

    A restart in the same minute as the session it replaces cancels the old timers in the
    same wave as it creates the new ones: asking for a label still taken would cost a
    refusal and a second call one after the other.
    """
    taken = {timer.label for timer in turn.skill_timers}
    return (*(label for label in labels if label not in taken),
            *(label for label in labels if label in taken))


def checkin_labels(turn: Turn, number: int) -> tuple[str, ...]:
    """Like the end timer's labels (the same start time, the same speaker's tag), numbered."""
    local = datetime.fromtimestamp(turn.now, turn.zone)
    return free_first(turn, tuple(
        turn.tagged(turn.say.text("checkin.label", n=number, time=local.strftime(shape)))
        for shape in ("%H:%M", "%H:%M:%S")))


def planned_checkins(turn: Turn, minutes: int) -> tuple[PlannedCheckin, ...]:
    """The check-ins of a session of `minutes`, when this user gets them."""
    if not checkins_wanted(turn.routine):
        return ()
    say = turn.say
    return tuple(
        PlannedCheckin(checkin.offset, checkin_labels(turn, number),
                       plain(say.text(checkin.key)))
        for number, checkin in enumerate(checkins_for(minutes), start=1))


def heard_when_made(turn: Turn) -> str | None:
    """The line a start adds when all its check-ins were made: "I'll check in" the first
    time, how to keep them the last time they come unasked, else nothing."""
    routine = turn.routine
    if routine.checkins is not None:
        return None
    if routine.sessions_total == 0:
        return "checkin.intro"
    return "checkin.last_default" if routine.sessions_total == DEFAULT_SESSIONS - 1 else None


def heard_when_refused(failures: list[TimersError]) -> str:
    """The line when Alexa refused them: no room (the ten-timer limit, counting personal
    timers) or a failure."""
    no_room = any(isinstance(failure, TimersLimitError) for failure in failures)
    return "checkin.no_room" if no_room else "checkin.failed"


def set_checkins(turn: Turn, on: bool) -> Response:
    """"No check-ins" / "with check-ins": remembered for every session from now on.

    Turned off during a session, that session's check-ins are cancelled too (together), so
    the rest of it is quiet; turned on, they start with the next session (this one is
    already timed).
    """
    say = turn.say
    active = turn.routine.active
    running = active is not None and active.remaining_seconds(turn.now) > 0
    if on or not running or not active.checkins:
        turn.change(lambda routine: rules.set_checkins(routine, on))
        key = ("checkins.on.running" if running else "checkins.on") if on else "checkins.off"
        return turn.tell(say.text(key))
    try:
        known = known_timers(turn)
    except TimersError:
        known = None  # the choice still stands; the record keeps the ids for the session's end
    kept = set(active.checkins)
    if known is not None:
        cancelled, _ = cancel(turn, known.checkins)
        kept -= {timer.timer_id for timer in cancelled}
        kept &= {t.timer_id for t in known.checkins}  # the ones that already spoke are gone

    def rule(routine: rules.Routine) -> rules.Routine:
        routine = rules.set_checkins(routine, False)
        if kept or routine.active is None:
            return routine
        return rules.drop_checkins(routine)

    turn.change(rule)
    # Some could not be cancelled (an outage): they may still speak, so only promise the next.
    return turn.tell(say.text("checkins.off.next" if kept else "checkins.off.running"))

"""Starting a session, the only way into one: from a start request, a "yes" to an offer, and
the answer to our permission question.

Two waves of calls. The first reads: the list of our timers and, when the session will start
now, the device's time zone (the labels and the day's notes need the local time). The second
acts: the old session's timers are cancelled (a restart, or leftovers of a start whose save
failed) while the new end timer and its check-ins are created. A third wave is only for what
went wrong in the second: a create refused while the old timers still held their room is
asked again, check-ins that took the end timer's room give way to it, and timers made for a
session that cannot start are taken back.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import NamedTuple

from ask_sdk_model import Response

from skill.content import plain
from skill.domain import routine as rules
from skill.domain.offer import Offer
from skill.domain.session_rules import SessionPlan, plan_minutes
from skill.handlers.flows.asking import (
    answering_consent,
    ask_for_timer_permission,
    permission_missing,
)
from skill.handlers.flows.checkins import (
    free_first,
    heard_when_made,
    heard_when_refused,
    planned_checkins,
)
from skill.handlers.flows.ending import closing
from skill.handlers.flows.offers import session_length
from skill.handlers.flows.reading import known_timers
from skill.handlers.flows.reminders import ask_reminder_days
from skill.handlers.flows.waves import at_once, first_failure, take_back
from skill.handlers.turn import Turn
from skill.timers import TimersError, TimersLimitError, TimersPermissionError, TimerState


def accept_offer(turn: Turn, offer: Offer) -> Response:
    """What agreeing to `offer` does: start (or restart) the session, or ask for reminder days."""
    if offer.action == "reminder":
        return ask_reminder_days(turn)
    return start_session(turn, offer.minutes, restart=offer.action == "restart")


def _plan(turn: Turn, minutes: int) -> SessionPlan:
    """The session to time, with its notes (first time, long, busy day: the day needs the
    device's zone)."""
    return plan_minutes(minutes, turn.routine, turn.progress, turn.now)


def timer_labels(turn: Turn) -> tuple[str, ...]:
    """Unique without a saved counter: named for the local start time, then with seconds;
    a recognised speaker's labels also say whose they are."""
    local = datetime.fromtimestamp(turn.now, turn.zone)
    return free_first(turn, tuple(
        turn.tagged(turn.say.text("timer.label", time=local.strftime(shape)))
        for shape in ("%H:%M", "%H:%M:%S")))


class SessionTimers(NamedTuple):
    """What the second wave left: the end timer (or why there is none), the check-ins kept
    with the session, the line to say about them, and the old timers really cancelled."""

    end_id: str
    checkins: tuple[str, ...]
    heard: str | None
    cancelled: tuple[TimerState, ...]
    failure: TimersError | None = None


def start_session(turn: Turn, minutes: int | None = None, *, restart: bool = False) -> Response:
    """Every way into a session: check the timers, never run two, then create and record.

    `minutes` None is the user's usual length. A running session is offered a restart (or,
    when `restart` is what the user agreed to, ended with the minutes actually spent);
    leftovers are cancelled and counted; a failed list never leads to a blind second timer.
    """
    say = turn.say
    minutes = session_length(turn, minutes)
    after_consent = answering_consent(turn)
    if not after_consent and turn.timers_refused:
        return ask_for_timer_permission(turn, minutes)
    # While the record says a session runs, the answer is most likely the restart offer,
    # which speaks no time: the zone is then left for the rare case it is not.
    active = turn.routine.active
    running = active is not None and active.remaining_seconds(turn.now) > 0
    turn.together(timers=True, zone=restart or not running)
    try:
        known = known_timers(turn)
    except TimersPermissionError:
        return permission_missing(turn, minutes) if after_consent else (
            ask_for_timer_permission(turn, minutes))
    except TimersError:
        return turn.tell(say.text("timers.unavailable", minutes=say.count("minute", minutes)))
    if known.tracked is not None and not restart:
        turn.offer("restart", minutes)
        return turn.ask(
            say.text("start.already_running", left=say.duration(known.tracked.remaining_seconds),
                     length=say.count("length", minutes)),
            say.text("start.already_running.reprompt"),
        )
    session = _plan(turn, minutes)
    timers = _set_session_timers(turn, minutes, known.every)
    closed = closing(turn, known, timers.cancelled)
    if timers.failure is not None:
        if known.finished or timers.cancelled:
            turn.change(closed)  # what did happen is still recorded
        return timers_refusal(turn, timers.failure, minutes, after_consent)
    now = turn.now
    turn.change(lambda routine: rules.start_session(closed(routine), timers.end_id, minutes, now,
                                                    timers.checkins))
    # One note at most, the one that matters most (first time, long, busy day): stacked
    # cautions sound like a lecture to someone lowering themselves onto spikes.
    speech = say.join("start.started", *session.notes[:1], timers.heard,
                      length=say.count("length", minutes))
    return turn.tell(speech, unsaved=say.join(speech, "start.not_saved"))


def _set_session_timers(turn: Turn, minutes: int, old: tuple[TimerState, ...]
                        ) -> SessionTimers:
    """Cancel `old` and create the end timer and its check-ins, all in one wave; then mend
    what the wave's order decided rather than Alexa's rules (see the module).

    Check-ins are all or none: if Alexa refuses one (the ten-timer limit, counting personal
    timers, or a failure), the others are cancelled again and the session keeps its end timer
    alone, which the user hears. A check-in that cannot be cancelled stays in the record, so
    it goes with its session; saying they are off would then not be true.
    """
    say, gateway = turn.say, turn.timers
    creates = [partial(gateway.create, minutes, labels=timer_labels(turn),
                       announcement=plain(say.text("timer.announce")), locale=say.locale)]
    creates += [partial(gateway.create, minutes, seconds=checkin.seconds, labels=checkin.labels,
                        announcement=checkin.announcement, locale=say.locale, hidden=True)
                for checkin in planned_checkins(turn, minutes)]
    found = at_once(turn, [*(partial(gateway.delete, t.timer_id) for t in old), *creates])
    cancels, made = found[:len(old)], found[len(old):]
    cancelled = tuple(t for t, r in zip(old, cancels, strict=True)
                      if not isinstance(r, TimersError))
    failure = first_failure(cancels)
    if failure is not None:
        # An old timer still runs: the new ones beside it would make two sessions. They go
        # again; one that cannot is a leftover, which the next request cancels and counts.
        take_back(turn, [r for r in made if isinstance(r, str)])
        return SessionTimers("", (), None, cancelled, failure)
    if old:
        # The old timers held their room and labels until their cancellations landed: a
        # create refused for that is asked again, now that they are gone.
        again = [i for i, r in enumerate(made) if isinstance(r, TimersLimitError)]
        for i, result in zip(again, at_once(turn, [creates[i] for i in again]), strict=True):
            made[i] = result
    end = made[0]
    checkin_ids = [r for r in made[1:] if isinstance(r, str)]
    refused = [r for r in made[1:] if isinstance(r, TimersError)]
    if isinstance(end, TimersLimitError) and checkin_ids:
        # Check-ins took the room the end timer needs: they give way, and it is asked again.
        checkin_ids = list(take_back(turn, checkin_ids))
        if not checkin_ids:
            refused.append(end)
            end = at_once(turn, creates[:1])[0]
    if isinstance(end, TimersError):
        take_back(turn, checkin_ids)  # no session to speak in
        return SessionTimers("", (), None, cancelled, end)
    if refused:
        kept = take_back(turn, checkin_ids)
        return SessionTimers(str(end), kept, None if kept else heard_when_refused(refused),
                             cancelled)
    heard = heard_when_made(turn) if checkin_ids else None
    return SessionTimers(str(end), tuple(checkin_ids), heard, cancelled)


def timers_refusal(turn: Turn, exc: TimersError, minutes: int, after_consent: bool) -> Response:
    """The truth about a failed timer call: no permission, no room, or an outage."""
    if isinstance(exc, TimersPermissionError):
        if after_consent:
            return permission_missing(turn, minutes)
        return ask_for_timer_permission(turn, minutes)
    if isinstance(exc, TimersLimitError):
        return turn.tell(turn.say.text("timers.limit", minutes=minutes))
    return turn.tell(turn.say.text("timers.unavailable", minutes=turn.say.count("minute", minutes)))

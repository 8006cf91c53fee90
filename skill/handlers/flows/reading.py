"""What the timers say, against the record: the one list call a request makes, sorted.

Before starting, ending, reading, pausing or resuming, the skill lists its own timers for the
user and acts on what really exists: the record may miss a timer (a start whose save failed)
or point at one that is gone (it rang, or the user cancelled it with Alexa directly).
"""

from __future__ import annotations

from typing import NamedTuple

from ask_sdk_model import Response

from skill.handlers.flows.asking import timers_consent_card
from skill.handlers.turn import Turn
from skill.timers import TimersError, TimersPermissionError, TimerState


class KnownTimers(NamedTuple):
    """The skill's timers that really exist, sorted against what the record says.

    `tracked` is the running session's timer; `finished` means the record has a session
    whose timer is gone (it went off, or the user cancelled it with Alexa directly);
    `leftovers` are timers no routine refers to (a start whose save failed); `checkins` are
    the hidden check-in timers of a session (the record's, or labelled as check-ins after a
    failed save): part of their session, cancelled with it, never counted as time on the mat.
    One that already spoke is simply gone from the list.
    """

    tracked: TimerState | None
    finished: bool
    leftovers: tuple[TimerState, ...]
    checkins: tuple[TimerState, ...] = ()

    @property
    def every(self) -> tuple[TimerState, ...]:
        """Every timer of ours: leftovers, check-ins, then the session's end timer."""
        return (*self.leftovers, *self.checkins, *((self.tracked,) if self.tracked else ()))


def known_timers(turn: Turn) -> KnownTimers:
    """One list call (unless a wave already made it), then sorted; raises TimersError when
    the list cannot be had."""
    # Alexa lists the account's timers: another recognised person's session is not ours to
    # sort, let alone cancel, so only the speaker's own labels count.
    timers = [t for t in turn.skill_timers if turn.owns(t.label)]
    active = turn.routine.active
    tracked = next((t for t in timers if active and t.timer_id == active.timer_id), None)
    recorded = set(active.checkins) if active else set()
    checkins = tuple(t for t in timers if t is not tracked
                     and (t.timer_id in recorded or is_checkin(turn, t)))
    leftovers = tuple(t for t in timers if t is not tracked and t not in checkins)
    return KnownTimers(tracked, active is not None and tracked is None, leftovers, checkins)


def is_checkin(turn: Turn, timer: TimerState) -> bool:
    """A check-in by its label: how one is recognised when the record never learnt its id."""
    prefix = turn.say.variants("checkin.label")[0].split("{", 1)[0]
    return bool(prefix) and timer.label.startswith(prefix)


def timers_unreadable(turn: Turn, exc: TimersError) -> Response:
    """The timers could not be read: a missing permission, or an outage worth retrying."""
    if isinstance(exc, TimersPermissionError):
        timers_consent_card(turn)
        return turn.tell(turn.say.text("timers.no_permission"))
    return turn.tell(turn.say.text("timers.unavailable.read"))

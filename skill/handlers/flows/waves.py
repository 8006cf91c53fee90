"""Timers calls made together (`Turn.together`), and what each one's outcome means.

A wave's calls do not depend on each other, so each can succeed or fail on its own and they
complete in any order: every step here reports per timer what really happened, and the
callers record exactly that. A call the request's deadline left unanswered counts as an
outage; whatever it did is found by the next request's list.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from skill import fanout
from skill.handlers.turn import Turn
from skill.timers import TimersError, TimerState, TimersUnavailableError


def results(outcomes: Sequence[fanout.Outcome]) -> list[object]:
    """Each call's value, or the TimersError it ended with (late: an outage). Any other
    exception is a bug, and raised."""
    found: list[object] = []
    for outcome in outcomes:
        if outcome.error is None:
            found.append(outcome.value)
        elif isinstance(outcome.error, TimersError):
            found.append(outcome.error)
        elif isinstance(outcome.error, fanout.Late):
            found.append(TimersUnavailableError(str(outcome.error)))
        else:
            raise outcome.error
    return found


def at_once(turn: Turn, calls: Sequence[Callable[[], object]], *, zone: bool = False
            ) -> list[object]:
    """`calls` in one wave (with the zone lookup when `zone` and it is not known yet)."""
    return results(turn.together(calls, zone=zone))


def first_failure(found: Sequence[object]) -> TimersError | None:
    return next((r for r in found if isinstance(r, TimersError)), None)


def cancel(turn: Turn, timers: Sequence[TimerState], *, zone: bool = False
           ) -> tuple[tuple[TimerState, ...], TimersError | None]:
    """Cancel `timers` together; returns the ones really cancelled (the record must count
    exactly those) and the first failure, if any."""
    gateway = turn.timers
    found = at_once(turn, [partial(gateway.delete, t.timer_id) for t in timers], zone=zone)
    cancelled = tuple(t for t, r in zip(timers, found, strict=True)
                      if not isinstance(r, TimersError))
    return cancelled, first_failure(found)


def take_back(turn: Turn, timer_ids: Sequence[str]) -> tuple[str, ...]:
    """Cancel timers just made that must not stay; returns the ids that could not be."""
    gateway = turn.timers
    found = at_once(turn, [partial(gateway.delete, timer_id) for timer_id in timer_ids])
    return tuple(timer_id for timer_id, r in zip(timer_ids, found, strict=True)
                 if isinstance(r, TimersError))


def act_on(turn: Turn, timers: Sequence[TimerState], operation: str) -> list[object]:
    """Pause or resume (`operation`, a TimersGateway method) every timer together: per
    timer, whether it still exists, or the TimersError it met."""
    call = getattr(turn.timers, operation)
    return at_once(turn, [partial(call, t.timer_id) for t in timers])

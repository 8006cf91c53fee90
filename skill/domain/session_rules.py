"""Which length to time, and which gentle notes go with it.

The rules come from the product: twenty minutes by default (or the user's usual length), ten
minutes over a thin shirt the very first time, one to sixty minutes accepted, a caution over
forty, and a "listen to your body" note on a busy day. Never a refusal.
"""

from __future__ import annotations

from typing import NamedTuple

from skill.domain.lengths import (
    DEFAULT_MINUTES,
    FIRST_SESSION_MINUTES,
    LONG_SESSION_MINUTES,
    LengthOutcome,
    LengthRequest,
)
from skill.domain.routine import Progress, Routine, usual_minutes

BUSY_DAY_MINUTES = 60


class SessionPlan(NamedTuple):
    """A length to time, plus the content keys of the notes to speak with it."""

    minutes: int
    notes: tuple[str, ...] = ()


def suggested_minutes(routine: Routine, now: int | None = None) -> int:
    """What "start a session" means for this user when they name no length."""
    if routine.is_new:
        return FIRST_SESSION_MINUTES
    return usual_minutes(routine, now) or DEFAULT_MINUTES


def plan_session(request: LengthRequest, routine: Routine, today: Progress) -> SessionPlan | None:
    """The session to start, or None when the length needs asking again (see `request.outcome`)."""
    if request.outcome is LengthOutcome.MISSING:
        return plan_minutes(None, routine, today)
    if request.outcome is LengthOutcome.GIVEN and request.minutes is not None:
        return plan_minutes(request.minutes, routine, today)
    return None


def plan_minutes(
    minutes: int | None, routine: Routine, today: Progress, now: int | None = None
) -> SessionPlan:
    """The session for a length already within bounds (None: the user's suggested length)."""
    if minutes is None:
        minutes = suggested_minutes(routine, now)
    notes = []
    if routine.is_new:
        notes.append("start.first_time")
    if minutes > LONG_SESSION_MINUTES:
        notes.append("start.long")
    if today.sessions_today >= 1 or today.minutes_today + minutes > BUSY_DAY_MINUTES:
        notes.append("start.busy_day")
    return SessionPlan(minutes, tuple(notes))

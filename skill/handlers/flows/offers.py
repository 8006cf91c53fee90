"""What a following "yes" would start: the user's usual session, offered, and its length.

Launch, progress and time left offer the usual session; a start that names no length times
it. Kept apart from `starting` (which makes the calls) so that a launch loads no more of the
flows than it uses.
"""

from __future__ import annotations

from skill.domain.session_rules import suggested_minutes
from skill.handlers.turn import Turn


def session_length(turn: Turn, minutes: int | None = None) -> int:
    """The length to time: the one asked for (within bounds), else the user's usual one."""
    return minutes if minutes is not None else suggested_minutes(turn.routine, turn.now)


def offer_usual_session(turn: Turn) -> int:
    """Offer to start the user's usual length (a following "yes" agrees); returns it."""
    minutes = session_length(turn)
    turn.offer("start", minutes)
    return minutes

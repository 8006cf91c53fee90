"""Check-ins: a few quiet words during a session, and whether this user gets them.

Someone lying on spikes can't reach a phone and may wonder how long is left. Besides the
session's end timer the skill can set up to three hidden, chime-less Alexa timers that only
speak: about two minutes in (when the first prickling usually settles), halfway, and with a
minute left. A short session has room for fewer: two check-ins never fall within a minute of
each other, of the start, or of the end, so the quiet is never crowded.

New users get them for their first few sessions, so they hear what they are like; after that
only when they asked for them ("with check-ins"). "No check-ins" turns them off for good.
"""

from __future__ import annotations

from typing import NamedTuple

from skill.domain.routine import Routine

#: Sessions recorded before check-ins stop coming unasked.
DEFAULT_SESSIONS = 3
#: The shortest quiet stretch around a check-in: from the start, another one, or the end.
MIN_GAP_SECONDS = 60
EASED_SECONDS = 120
#: The catalogue line of each kind, in the order they are kept when a short session has no
#: room for all: the early one matters most to a newcomer, then the last minute, then halfway.
KINDS = ("checkin.eased", "checkin.last_minute", "checkin.halfway")
MAX_CHECKINS = len(KINDS)


class CheckIn(NamedTuple):
    """One check-in: the catalogue line it says, and how many seconds into the session."""

    key: str
    offset: int


def checkins_wanted(routine: Routine) -> bool:
    """Whether this user's next session gets check-ins: their choice, else the first few."""
    if routine.checkins is not None:
        return routine.checkins
    return routine.sessions_total < DEFAULT_SESSIONS


def checkins_for(minutes: int) -> tuple[CheckIn, ...]:
    """The check-ins that fit a session of `minutes`, in time order (maybe none)."""
    end = minutes * 60
    candidates = dict(zip(KINDS, (EASED_SECONDS, end - 60, end // 2), strict=True))
    kept: list[CheckIn] = []
    for key in KINDS:
        offset = candidates[key]
        if offset < MIN_GAP_SECONDS or end - offset < MIN_GAP_SECONDS:
            continue
        if any(abs(offset - other.offset) < MIN_GAP_SECONDS for other in kept):
            continue
        kept.append(CheckIn(key, offset))
    return tuple(sorted(kept, key=lambda c: c.offset))

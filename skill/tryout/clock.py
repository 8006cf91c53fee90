"""The try-out's clock: real time, or a fast clock on which one minute passes in one second.

The skill (its `Services` clock) and the local Alexa (timer deadlines) both read this clock, so
a whole session can be tried in moments and the skill still sees a consistent world: the
minutes it counts are the minutes the timers ran. Switching speed never moves time backwards:
the clock is re-anchored where it stands.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

FAST_RATE = 60.0  # one minute a second


class TryClock:
    """Epoch seconds that run at 1x or `FAST_RATE`x the wall clock."""

    def __init__(self, *, fast: bool = False, wall: object = time.time) -> None:
        self._wall = wall
        self._lock = threading.Lock()
        now = self._wall()  # type: ignore[operator]
        self._anchor_wall = now
        self._anchor = now
        self._rate = FAST_RATE if fast else 1.0

    @property
    def fast(self) -> bool:
        return self._rate != 1.0

    def set_fast(self, fast: bool) -> None:
        """Switch speed from this moment on."""
        with self._lock:
            wall = self._wall()  # type: ignore[operator]
            self._anchor = self._anchor + (wall - self._anchor_wall) * self._rate
            self._anchor_wall = wall
            self._rate = FAST_RATE if fast else 1.0

    def time(self) -> float:
        """Seconds since the epoch on this clock (the skill's `Services` clock)."""
        with self._lock:
            return self._anchor + (self._wall() - self._anchor_wall) * self._rate  # type: ignore[operator]

    def utc(self) -> datetime:
        """This clock as an aware datetime to the second (the local Alexa's timer clock)."""
        return datetime.fromtimestamp(int(self.time()), UTC)

    @staticmethod
    def wall_utc() -> datetime:
        """The real time to the second: what timer trigger times are reported in."""
        return datetime.now(UTC).replace(microsecond=0)

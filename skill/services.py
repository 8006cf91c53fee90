"""What handlers need from the outside world, built once per process and shared.

The store is opened on first use rather than at start-up: an explain or safety answer never
touches it, so on Lambda neither sqlite nor boto3 is paid for until a request needs them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from skill.settings import Settings
from skill.store import UserStore, open_store


class Services:
    """The store (lazily opened), the clock, and the settings they came from."""

    def __init__(
        self,
        settings: Settings,
        *,
        store: UserStore | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self._store = store
        self._clock = clock
        self._lock = threading.Lock()

    @property
    def store(self) -> UserStore:
        """The configured store, opened on first use."""
        if self._store is None:
            with self._lock:
                if self._store is None:
                    self._store = open_store(self.settings.resolved_store_url())
        return self._store

    def now(self) -> int:
        """Whole epoch seconds: all we store, and all the rules need."""
        return int(self._clock())

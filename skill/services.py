"""What handlers need from the outside world, built once per process and shared.

The store is opened on first use rather than at start-up: an explain or safety answer never
touches it, so on Lambda neither sqlite nor boto3 is paid for until a request needs them. Every
store, opened or injected, is reached through `ObservedStore`, which adds its time and what its
writes changed to the request's telemetry (`skill.telemetry.store`, loaded with the store).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from skill.settings import Settings
from skill.store import UserStore, open_store

T = TypeVar("T")


class RandomSource(Protocol):
    """What choosing a variant needs of `random.Random`."""

    def choice(self, seq: Sequence[T]) -> T: ...


class OsChoice:
    """A uniform pick from the OS's random bytes.

    Picking a phrasing needs no reproducible stream, and `random` would cost every Lambda cold
    start its import (it loads `_random` and `_sha512`) for the very first reply.
    """

    def choice(self, seq: Sequence[T]) -> T:
        return seq[int.from_bytes(os.urandom(4), "big") % len(seq)]


def _observed(store: UserStore) -> UserStore:
    """`store` behind its telemetry watcher (imported with the first store a process opens)."""
    from skill.telemetry.store import ObservedStore

    return ObservedStore(store)


class Services:
    """The store (lazily opened), the clock, the random source, and the settings."""

    def __init__(
        self,
        settings: Settings,
        *,
        store: UserStore | None = None,
        clock: Callable[[], float] = time.time,
        rng: RandomSource | None = None,
    ) -> None:
        self.settings = settings
        self._store = _observed(store) if store is not None else None
        self._store_injected = store is not None
        self._clock = clock
        self._rng = rng
        self._lock = threading.Lock()

    @property
    def rng(self) -> RandomSource:
        """Picks spoken variants; tests inject a seeded `random.Random` so replies repeat."""
        if self._rng is None:
            seed = self.settings.voice_seed
            if seed is None:
                self._rng = OsChoice()
            else:
                import random  # tests only: production never seeds

                self._rng = random.Random(seed)
        return self._rng

    @property
    def store(self) -> UserStore:
        """The configured store, opened on first use."""
        if self._store is None:
            with self._lock:
                if self._store is None:
                    self._store = _observed(open_store(self.settings.resolved_store_url()))
        return self._store

    def reopen_store(self) -> None:
        """Drop the store this object opened, so the next use opens it again (after a
        SnapStart restore its connections are the snapshot's); an injected store is kept."""
        if not self._store_injected:
            with self._lock:
                self._store = None

    def now(self) -> int:
        """Whole epoch seconds: all we store, and all the rules need."""
        return int(self._clock())

"""The store, watched: what it does is added to the request's facts.

`ObservedStore` wraps the real store and changes nothing it does; it records, into the current
request's facts (`skill.telemetry`): milliseconds spent in the store (waiting for a user's lease
included), conflicts (a write that lost a race and was applied again), throttles, failed calls,
and what each successful write changed in a routine - a session started (and its check-ins), a
session completed or ended early, a reminder set - read by comparing the routine before and
after the write, so every path into a change counts it, once, and only once it is saved.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from skill import telemetry
from skill.store.base import BusyError, Record, StoreError, ThrottledError, UserStore

log = logging.getLogger(__name__)


class ObservedStore(UserStore):
    """`inner` with every call timed and counted into the current request's facts."""

    def __init__(self, inner: UserStore, *,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.inner = inner
        self._clock = clock

    def _timed(self, call: Callable, *args: object) -> object:
        started = self._clock()
        try:
            return call(*args)
        except BusyError:
            raise  # another request of the user's held the lease: contention, not a fault
        except ThrottledError:
            telemetry.count(telemetry.STORE_THROTTLES)
            telemetry.count(telemetry.STORE_ERRORS)
            raise
        except StoreError:
            telemetry.count(telemetry.STORE_ERRORS)
            raise
        finally:
            telemetry.store_time(self._clock() - started)

    def load(self, user_id: str) -> Record:
        return self._timed(self.inner.load, user_id)

    def save_if_version(self, user_id: str, attributes: dict, version: int) -> bool:
        return self._timed(self.inner.save_if_version, user_id, attributes, version)

    def delete(self, user_id: str) -> None:
        self._timed(self.inner.delete, user_id)

    def delete_if_version(self, user_id: str, version: int) -> bool:
        return self._timed(self.inner.delete_if_version, user_id, version)

    def acquire_lease(self, user_id: str, owner: str, until: float, now: float) -> bool:
        return self._timed(self.inner.acquire_lease, user_id, owner, until, now)

    def release_lease(self, user_id: str, owner: str) -> None:
        self._timed(self.inner.release_lease, user_id, owner)

    @contextmanager
    def lease(self, user_id: str, **kwargs: object) -> Iterator[None]:
        """The inner store's lease; taking it (waiting included) and giving it back count as
        store time, what runs while it is held does not."""
        holder = self.inner.lease(user_id, **kwargs)
        self._timed(holder.__enter__)
        try:
            yield
        except BaseException as exc:
            started = self._clock()
            try:
                if not holder.__exit__(type(exc), exc, exc.__traceback__):
                    raise
            finally:
                telemetry.store_time(self._clock() - started)
        else:
            self._timed(holder.__exit__, None, None, None)

    def update(self, user_id: str, change: Callable[[dict], dict],
               first: Record | None = None) -> Record:
        """The inner update; each extra application of `change` was a lost race, and the
        applied change is compared with what it started from."""
        applied: list[dict] = []

        def counted(attributes: dict) -> dict:
            applied.append(attributes)
            return change(attributes)

        try:
            saved: Record = self._timed(self.inner.update, user_id, counted, first)
        finally:
            telemetry.count(telemetry.STORE_CONFLICTS, max(0, len(applied) - 1))
        try:
            count_changes(applied[-1] if applied else {}, saved.attributes)
        except Exception as exc:  # counting must never fail a request that was saved
            log.warning("routine change not counted: %s", type(exc).__name__)
        return saved

    def close(self) -> None:
        self.inner.close()

    def __getattr__(self, name: str) -> object:
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)


def count_changes(before: dict, after: dict) -> None:
    """Count what one saved write changed, in every routine of the record (the account's and
    each recognised person's): sessions started with their check-ins, sessions ended (completed
    when the timer ran out), reminders set."""
    from skill.domain import people
    from skill.domain.routine import Routine

    for key in {*people.keys_of(before), *people.keys_of(after)}:
        old = Routine.from_attributes(people.routine_attributes(before, key))
        new = Routine.from_attributes(people.routine_attributes(after, key))
        was, now = old.active, new.active
        if now is not None and (was is None or was.timer_id != now.timer_id):
            telemetry.count(telemetry.SESSION_STARTED)
            telemetry.count(telemetry.CHECKINS_CREATED, len(now.checkins))
        if was is not None and (now is None or now.timer_id != was.timer_id):
            entry = next((e for e in reversed(new.history) if e.started == was.started), None)
            # A session under a minute is not recorded at all: it ended early.
            completed = entry is not None and entry.completed and entry not in old.history
            telemetry.count(telemetry.SESSION_COMPLETED if completed
                            else telemetry.SESSION_ENDED_EARLY)
        if new.reminder is not None and (
                old.reminder is None or old.reminder.tokens != new.reminder.tokens):
            telemetry.count(telemetry.REMINDER_SET)

"""What every store offers: ask-sdk's persistence interface plus versioned writes.

ask-sdk's `AbstractPersistenceAdapter` reads and writes a whole record, which loses an update
when two requests for one user overlap. Each record therefore carries a version; a write only
lands on the version it read, and `update` re-applies a pure change to the fresh record when
another request got there first. In the common case that is one read and one write.
"""

from __future__ import annotations

import abc
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NamedTuple

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_model import RequestEnvelope

MAX_UPDATE_ATTEMPTS = 30
#: How long a lease holds when its holder never lets go (a worker killed mid-request): longer
#: than any request may take (Alexa gives up after 8 s), so a live holder never loses it.
LEASE_SECONDS = 10.0
#: How long a request waits for another request of the same user before it gives up and says
#: so: inside Alexa's 8 s, with room left for its own work once the lease is free.
LEASE_WAIT_SECONDS = 4.0
log = logging.getLogger(__name__)


class StoreError(Exception):
    """The store could not be read or written; the skill apologises instead of failing."""


class ConflictError(StoreError):
    """Another request kept winning the race for one user's record."""


class BusyError(StoreError):
    """Another request for the same user held its lease for longer than we could wait."""


class ThrottledError(StoreError):
    """The store refused for capacity (DynamoDB throttling), after its own retries."""


class Record(NamedTuple):
    """A user's attributes and the version they were read at (0: no record yet)."""

    attributes: dict
    version: int = 0


def user_id_of(request_envelope: RequestEnvelope) -> str:
    """The key a record is stored under: the Alexa userId (stable per account and skill)."""
    try:
        user_id = request_envelope.context.system.user.user_id
    except AttributeError:
        user_id = None
    if not user_id:
        raise StoreError("request has no userId")
    return user_id


class UserStore(AbstractPersistenceAdapter, abc.ABC):
    """A key-value store of per-user records with compare-and-set writes."""

    @abc.abstractmethod
    def load(self, user_id: str) -> Record:
        """The record for `user_id`, or an empty one at version 0."""

    @abc.abstractmethod
    def save_if_version(self, user_id: str, attributes: dict, version: int) -> bool:
        """Write `attributes` as version+1 only if the stored version is still `version`."""

    @abc.abstractmethod
    def delete(self, user_id: str) -> None:
        """Forget everything about `user_id` (the skill was disabled)."""

    @abc.abstractmethod
    def delete_if_version(self, user_id: str, version: int) -> bool:
        """Forget `user_id` only if the record is still at `version` (nothing newer landed)."""

    @abc.abstractmethod
    def acquire_lease(self, user_id: str, owner: str, until: float, now: float) -> bool:
        """Take `user_id`'s lease for `owner` until `until` (epoch seconds), if it is free
        or its holder's time ran out by `now`; False when someone else holds it."""

    @abc.abstractmethod
    def release_lease(self, user_id: str, owner: str) -> None:
        """Give the lease back, only if `owner` still holds it."""

    @contextmanager
    def lease(
        self, user_id: str, *, wait: float | None = None, hold: float | None = None,
        clock: Callable[[], float] = time.time,
    ) -> Iterator[None]:
        """One request at a time for `user_id`, across threads, processes and Lambda instances.

        Two requests for one user at the same moment (Alexa retrying a slow request, the same
        request delivered twice, two Echos) would each list the timers, find none, and each
        create one. Compare-and-set on the record cannot undo a timer already created at
        Alexa, so requests that act are serialised instead: the second waits here, then reads
        the record the first wrote and answers from it (a replay hears the first answer).
        The lease is a row of its own, so it never bumps the record's version; a holder that
        dies leaves it to expire after `hold` seconds. Waiting polls with a growing pause
        (5 to 50 ms): the usual holder is done within a few hundred milliseconds.
        """
        wait = LEASE_WAIT_SECONDS if wait is None else wait
        hold = LEASE_SECONDS if hold is None else hold
        owner = os.urandom(8).hex()
        deadline = time.monotonic() + wait
        pause = 0.005
        while True:
            now = clock()
            if self.acquire_lease(user_id, owner, now + hold, now):
                break
            left = deadline - time.monotonic()
            if left <= 0:
                raise BusyError("another request for this user holds its lease")
            time.sleep(min(pause, left))
            pause = min(pause * 2, 0.05)
        try:
            yield
        finally:
            try:
                self.release_lease(user_id, owner)
            except StoreError as exc:  # it runs out by itself; the answer must still go out
                log.warning("lease not released: %s", exc)

    def close(self) -> None:
        """Release connections; stores without any keep the default."""

    def update(
        self,
        user_id: str,
        change: Callable[[dict], dict],
        first: Record | None = None,
    ) -> Record:
        """Apply `change` (pure, may run more than once) and write it without losing a race.

        `first` lets a caller reuse the record it already read in this request.
        """
        record = first if first is not None else self.load(user_id)
        attributes = change(record.attributes)
        if self.save_if_version(user_id, attributes, record.version):
            return Record(attributes, record.version + 1)
        return self.update_contended(user_id, change)

    def update_contended(self, user_id: str, change: Callable[[dict], dict]) -> Record:
        """Lost a race: retry with a little random back-off so racers spread out.

        Stores that can lock (SQLite) override this with a locked read-modify-write.
        """
        import random  # only a lost race needs it; kept off the cold-start path

        for attempt in range(1, MAX_UPDATE_ATTEMPTS + 1):
            record = self.load(user_id)
            attributes = change(record.attributes)
            if self.save_if_version(user_id, attributes, record.version):
                return Record(attributes, record.version + 1)
            time.sleep(random.uniform(0, 0.002 * attempt))
        raise ConflictError("too many concurrent updates for one user")

    # --- ask-sdk's AbstractPersistenceAdapter --------------------------------------------
    def get_attributes(self, request_envelope: RequestEnvelope) -> dict:
        return self.load(user_id_of(request_envelope)).attributes

    def save_attributes(self, request_envelope: RequestEnvelope, attributes: dict) -> None:
        user_id = user_id_of(request_envelope)
        self.update(user_id, lambda _old: dict(attributes))

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        self.delete(user_id_of(request_envelope))

"""What every store offers: ask-sdk's persistence interface plus versioned writes.

ask-sdk's `AbstractPersistenceAdapter` reads and writes a whole record, which loses an update
when two requests for one user overlap. Each record therefore carries a version; a write only
lands on the version it read, and `update` re-applies a pure change to the fresh record when
another request got there first. In the common case that is one read and one write.
"""

from __future__ import annotations

import abc
import time
from collections.abc import Callable
from typing import NamedTuple

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_model import RequestEnvelope

MAX_UPDATE_ATTEMPTS = 30


class StoreError(Exception):
    """The store could not be read or written; the skill apologises instead of failing."""


class ConflictError(StoreError):
    """Another request kept winning the race for one user's record."""


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

"""Stores that fail on purpose, for tests of what the skill does when a save never happens."""

from __future__ import annotations

from skill.store import StoreError
from skill.store.sqlite import SqliteStore
from testkit.envelopes import USER_ID


class CrashingStore(SqliteStore):
    """A store whose next write fails once when armed: the request made its Alexa API calls
    (timers, check-ins) and then died (a worker killed, a store outage) before the record could
    say so."""

    armed = False

    def save_if_version(self, user_id: str, attributes: dict, version: int) -> bool:
        if self.armed:
            self.armed = False
            raise StoreError("simulated crash between the Alexa API call and the save")
        return super().save_if_version(user_id, attributes, version)


def record(store: SqliteStore, user_id: str = USER_ID) -> dict:
    """What the store holds for the test user now (empty when nothing was ever written)."""
    return store.load(user_id).attributes


def history_minutes(store: SqliteStore, user_id: str = USER_ID) -> list[int]:
    """The minutes of every ended session in the test user's record, oldest first."""
    return [entry["m"] for entry in record(store, user_id).get("history", [])]

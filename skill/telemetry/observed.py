"""The store and the Alexa API client, watched: what they do is added to the request's facts.

Both wrap the real object and change nothing it does; they only measure and count, into the
current request's facts (`skill.telemetry`), and only ever record closed-set values:

* `ObservedStore`: milliseconds spent in the store (waiting for a user's lease included),
  conflicts (a write that lost a race and was applied again), throttles, failed calls, and what
  each successful write changed in a routine - a session started (and its check-ins), a session
  completed or ended early, a reminder set - read by comparing the routine before and after
  the write, so every path into a change counts it, once, and only once it is saved;
* `ObservedApiClient`: each call's API and operation (read from the URL's shape, never its ids),
  HTTP status, or why there was none (timeout, unreachable, the request's deadline spent), and
  milliseconds.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ask_sdk_model.services import ApiClient, ApiClientRequest, ApiClientResponse

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


# --- the Alexa APIs ---------------------------------------------------------------------------
_TIMER_OPS = {"POST": "create", "GET": "list", "DELETE": "delete_all"}
_TIMER_ITEM_OPS = {"GET": "get", "DELETE": "delete"}
_REMINDER_OPS = {"POST": "create", "GET": "list"}
_REMINDER_ITEM_OPS = {"GET": "get", "DELETE": "delete", "PUT": "update"}
_SETTINGS = {"System.timeZone": "time_zone", "System.distanceUnits": "distance_units",
             "System.temperatureUnit": "temperature_unit"}


def classify(method: str | None, url: str | None) -> tuple[str, str]:
    """(API, operation) of an Alexa API call, from the method and the path's shape alone: the
    ids in the path (timer, reminder, device) are never kept."""
    rest = (url or "").split("://", 1)[-1]
    path = rest[rest.find("/"):] if "/" in rest else ""
    parts = [part for part in path.split("?", 1)[0].split("/") if part]
    verb = (method or "GET").upper()
    if parts[:3] == ["v1", "alerts", "timers"]:
        item = parts[3:]
        if not item:
            return "timers", _TIMER_OPS.get(verb, "other")
        if len(item) == 1:
            return "timers", _TIMER_ITEM_OPS.get(verb, "other")
        if len(item) == 2 and item[1] in ("pause", "resume", "cancel"):
            return "timers", item[1]
        return "timers", "other"
    if parts[:3] == ["v1", "alerts", "reminders"]:
        item = parts[3:]
        if not item:
            return "reminders", _REMINDER_OPS.get(verb, "other")
        return "reminders", _REMINDER_ITEM_OPS.get(verb, "other") if len(item) == 1 else "other"
    if parts[:2] == ["v2", "devices"] and len(parts) == 5 and parts[3] == "settings":
        return "settings", _SETTINGS.get(parts[4], "other")
    if parts[:2] == ["v2", "accounts"]:
        return "settings", "account"
    return "other", "other"


def failure_of(exc: BaseException) -> str:
    """Why a call got no HTTP answer, from the exception's cause: its type's names only."""
    cause = exc.__cause__ or exc
    names = {klass.__name__ for klass in type(cause).__mro__}
    if names & {"Timeout", "TimeoutError"}:
        return telemetry.TIMEOUT
    if "ConnectionError" in names:
        return telemetry.UNREACHABLE
    if exc.__cause__ is None and "budget" in str(exc):
        return telemetry.DEADLINE
    return telemetry.FAILED


class ObservedApiClient(ApiClient):
    """`inner` (the skill's `ApiClient`) with every call's API, status and time recorded.

    Everything else - the per-request budget, dropping connections after a SnapStart restore -
    is the inner client's, reached through this one.
    """

    def __init__(self, inner: ApiClient, *,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.inner = inner
        self._clock = clock

    def invoke(self, request: ApiClientRequest) -> ApiClientResponse:
        started = self._clock()
        status: int | str = telemetry.FAILED
        try:
            response = self.inner.invoke(request)
            code = getattr(response, "status_code", None)
            status = code if isinstance(code, int) else telemetry.FAILED
            return response
        except Exception as exc:
            status = failure_of(exc)
            raise
        finally:
            api, op = classify(getattr(request, "method", None), getattr(request, "url", None))
            telemetry.api_call(api, op, status, self._clock() - started)

    def __getattr__(self, name: str) -> object:
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)

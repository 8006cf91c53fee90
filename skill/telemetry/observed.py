"""The Alexa API client, watched: each call is added to the request's facts.

`ObservedApiClient` wraps the skill's real client and changes nothing it does; it records, into
the current request's facts (`skill.telemetry`), each call's API and operation (read from the
URL's shape, never its ids), HTTP status, or why there was none (timeout, unreachable, the
request's deadline spent), and milliseconds. The store's watcher is `skill.telemetry.store`,
loaded with the store itself (an explain or safety answer loads neither).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ask_sdk_model.services import ApiClient, ApiClientRequest, ApiClientResponse

from skill import telemetry

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

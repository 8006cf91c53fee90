"""A loopback HTTPS fake of the Alexa Timers API and the device settings API.

The rules Amazon documents for skill timers (unique labels, the 10-timer limit with personal
timers counted, one second to two hours, only the skill's own timers listed, 401 without the
timers permission, a timer past its trigger time is gone) live in the product's local Alexa,
`skill.tryout.alexa.LocalAlexa`, which `mat-coach try` serves; the fake is that class plus what
tests need on top: a record of every call, and failures on demand (a status code, a garbage
body, or a reply slower than the client's timeout, or one bearer token only).

Latency is a knob too, because the skill's speed is decided by how many calls it makes one
after another: `delay` holds every call that long before it takes effect, `jitter` adds up to
that much more per call (from `seed` and the call itself, so the same call is always as slow,
whatever order calls arrive in), and `delay_of` scripts it per call. A call takes effect when
its delay is over, so uneven delays make concurrent calls complete out of order. `round_trips`
counts, per user, how many times that user's calls in flight went from none to some: calls
made together count once, calls made one after another once each.

The user is whoever the `Authorization` header names, as for the real API, where the token
stands for the user.
"""

from __future__ import annotations

import json
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable
from urllib.parse import urlsplit

from werkzeug import Request, Response

from skill.tryout.alexa import (
    DUPLICATE_LABEL,
    INVALID_REQUEST,
    MAX_DURATION,
    MAX_TIMERS,
    MAX_TIMERS_REACHED,
    MIN_DURATION,
    NOT_FOUND,
    OPERATIONS,
    TIMER_PATH,
    TIMERS_PATH,
    UNAUTHORIZED,
    ZONE_PATH,
    LocalAlexa,
    owner_of,
)
from skill.tryout.alexa import LocalTimer as FakeTimer
from skill.tryout.alexa import _error as _error
from testkit.reminders_fake import Call, RemindersFake, is_reminders_path

__all__ = [
    "DUPLICATE_LABEL", "INVALID_REQUEST", "MAX_DURATION", "MAX_TIMERS", "MAX_TIMERS_REACHED",
    "MIN_DURATION", "NOT_FOUND", "OPERATIONS", "TIMERS_PATH", "TIMER_PATH", "UNAUTHORIZED",
    "ZONE_PATH", "Call", "FakeTimer", "InProcessAlexaApi", "TimersFake", "owner_of",
]



class TimersFake(LocalAlexa):
    """The local Alexa, a call log and failure modes; `handle` is mounted on a pytest-httpserver.

    Tests set up a user with `add_personal_timers(token, n)` and `revoke(token)` / `grant`;
    `token` and the failure knobs (`fail_status`, `fail_of`, `garbage`, `delay`, `jitter`,
    `delay_of`) apply to every caller.
    """

    generation = 0

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[Call] = []
        self.fail_status: int | None = None
        self.garbage = False
        self.delay = 0.0
        #: Up to this many seconds more per call, fixed by `seed` and the call (see `delay_for`).
        self.jitter = 0.0
        self.seed = 0
        #: A scripted delay per call, in place of `delay` and `jitter` when set.
        self.delay_of: Callable[[Call], float] | None = None
        #: A scripted failure per call: the status to answer with, or None to answer.
        self.fail_of: Callable[[Call], int | None] | None = None
        #: The calls in the order they took effect (after their delay), beside `calls`, the
        #: order they arrived in.
        self.completed: list[Call] = []
        #: Per Authorization header: how many calls are in flight, and how many times that
        #: went from none to some (sequential round trips).
        self.in_flight: Counter[str] = Counter()
        self.round_trips: Counter[str] = Counter()
        #: The most calls one user had in flight at once.
        self.most_in_flight: Counter[str] = Counter()
        self._flight_lock = threading.Lock()
        self.token: str | None = None  # when set, other bearer tokens get 401
        #: The Reminders API stand-in, served on the same origin under `/v1/alerts/reminders`.
        self.reminders: RemindersFake = RemindersFake(clock=self.clock, zone=self.zone)

    def reset(self) -> None:
        """Forget everything; replies still in flight from an earlier test are dropped."""
        with self.lock:
            generation = self.generation + 1
            self.__init__()
            self.generation = generation

    def paths(self, method: str | None = None) -> list[str]:
        """The Timers and settings API paths called; the Reminders calls are in
        `self.reminders.paths`."""
        return [c.path for c in self.calls if (method is None or c.method == method)
                and not is_reminders_path(c.path)]

    def created(self, *, hidden: bool = False) -> list[dict]:
        """The bodies of every timer the skill asked to create, end timers (visible) by
        default, or its hidden check-ins; refused requests included, in order."""
        return [c.body for c in self.calls
                if c.method == "POST" and c.path == TIMERS_PATH and isinstance(c.body, dict)
                and ((c.body.get("creationBehavior") or {}).get("displayExperience") or {}).get(
                    "visibility") == ("HIDDEN" if hidden else "VISIBLE")]

    def hidden_timers(self, token: str) -> list[FakeTimer]:
        """The user's skill timers created hidden (check-ins), soonest first."""
        return [t for t in self.timers_of(token) if t.hidden]

    def visible_timers(self, token: str) -> list[FakeTimer]:
        """The user's skill timers a screen shows (a session's end timer)."""
        return [t for t in self.timers_of(token) if not t.hidden]

    def delay_for(self, call: Call) -> float:
        """How long `call` is held: scripted, or `delay` plus its share of `jitter`.

        The share comes from a checksum of `seed`, the method, the path and the timer label,
        not from the order of arrival, so a test sees the same completion order every run.
        """
        if self.delay_of is not None:
            return max(0.0, self.delay_of(call))
        if not self.jitter:
            return self.delay
        label = call.body.get("timerLabel", "") if isinstance(call.body, dict) else ""
        key = f"{self.seed}|{call.method}|{call.path}|{label}".encode()
        return self.delay + self.jitter * (zlib.crc32(key) % 1000) / 999

    def handle(self, request: Request) -> Response:
        owner = request.headers.get("Authorization") or ""
        # The counters of this generation: a call still in flight after `reset` must not
        # touch the next test's.
        lock, in_flight = self._flight_lock, self.in_flight
        with lock:
            if not in_flight[owner]:
                self.round_trips[owner] += 1
            in_flight[owner] += 1
            self.most_in_flight[owner] = max(self.most_in_flight[owner], in_flight[owner])
        try:
            return self._handle(request)
        finally:
            with lock:
                in_flight[owner] -= 1

    def _handle(self, request: Request) -> Response:
        body = request.get_json(silent=True) if request.data else None
        authorization = request.headers.get("Authorization")
        generation = self.generation
        call = Call(request.method, request.path, body, authorization)
        with self.lock:
            self.calls.append(call)
            fail, garbage = self.fail_status, self.garbage
        delay = self.delay_for(call)
        if delay:
            time.sleep(delay)  # the client's timeout (or the order of completion) is under test
            if generation != self.generation:
                return Response(status=503)  # the test that asked for this has ended
        with self.lock:
            self.completed.append(call)
        if self.fail_of is not None:
            fail = self.fail_of(call) or fail
        if fail:
            return _error(fail, "ERROR", "failure injected")
        if garbage:
            return Response("<html>not json", status=200, content_type="application/json")
        if self.token and authorization != f"Bearer {self.token}":
            return _error(401, UNAUTHORIZED, "no consent")
        if is_reminders_path(request.path):
            return self.reminders.handle(request)
        return super().handle(request)


class InProcessAlexaApi:
    """The fake as an ask-sdk `ApiClient`, without a server: for scripted runs in one process
    (the transcript), where a loopback HTTPS round trip would only add noise."""

    def __init__(self, fake: TimersFake | None = None) -> None:
        self.fake = fake or TimersFake()

    def invoke(self, request: object) -> object:
        from ask_sdk_model.services import ApiClientResponse
        from werkzeug.test import EnvironBuilder

        headers: dict[str, str] = {}
        for key, value in getattr(request, "headers", None) or []:
            headers[key] = value
        body = getattr(request, "body", None)
        data = json.dumps(body) if body is not None and not isinstance(body, str) else body
        parts = urlsplit(getattr(request, "url", "") or "")
        builder = EnvironBuilder(method=(getattr(request, "method", None) or "GET").upper(),
                                 base_url=f"https://{parts.netloc or 'api.local'}",
                                 path=parts.path or "/", query_string=parts.query,
                                 headers=headers, data=data)
        answer = self.fake.handle(Request(builder.get_environ()))
        return ApiClientResponse(headers=list(answer.headers.items()),
                                 status_code=answer.status_code,
                                 body=answer.get_data(as_text=True))

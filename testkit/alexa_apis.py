"""A loopback HTTPS fake of the Alexa Timers API and the device settings API.

The rules Amazon documents for skill timers (unique labels, the 10-timer limit with personal
timers counted, one second to two hours, only the skill's own timers listed, 401 without the
timers permission, a timer past its trigger time is gone) live in the product's local Alexa,
`skill.tryout.alexa.LocalAlexa`, which `mat-coach try` serves; the fake is that class plus what
tests need on top: a record of every call, and failures on demand (a status code, a garbage
body, or a reply slower than the client's timeout, or one bearer token only).

The user is whoever the `Authorization` header names, as for the real API, where the token
stands for the user.
"""

from __future__ import annotations

import json
import time
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
    `token` and the failure knobs (`fail_status`, `garbage`, `delay`) apply to every caller.
    """

    generation = 0

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[Call] = []
        self.fail_status: int | None = None
        self.garbage = False
        self.delay = 0.0
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

    def handle(self, request: Request) -> Response:
        body = request.get_json(silent=True) if request.data else None
        authorization = request.headers.get("Authorization")
        generation = self.generation
        with self.lock:
            self.calls.append(Call(request.method, request.path, body, authorization))
            delay, fail, garbage = self.delay, self.fail_status, self.garbage
        if delay:
            time.sleep(delay)  # the client's timeout is what is under test
            if generation != self.generation:
                return Response(status=503)  # the test that asked for this has ended
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

"""A loopback HTTPS fake of the Alexa Timers API and the device settings API.

It speaks the documented paths (`/v1/alerts/timers...`, `/v2/devices/{id}/settings/
System.timeZone`), keeps timers in memory, records every call, and can be told to fail:
a status code, a garbage body, or a reply slower than the client's timeout.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import isodate
from werkzeug import Request, Response

TIMER_PATH = re.compile(r"^/v1/alerts/timers/([^/]+)(/pause|/resume)?$")
ZONE_PATH = re.compile(r"^/v2/devices/([^/]+)/settings/System\.timeZone$")


@dataclass
class FakeTimer:
    id: str
    label: str
    duration: timedelta
    created: datetime
    body: dict
    owner: str | None = None
    paused_remaining: timedelta | None = None
    trigger: datetime = field(init=False)

    def __post_init__(self) -> None:
        self.trigger = self.created + self.duration


@dataclass
class Call:
    method: str
    path: str
    body: dict | None
    authorization: str | None


class TimersFake:
    """State and failure modes; `handle` is mounted on a pytest-httpserver."""

    def __init__(self) -> None:
        self.timers: dict[str, FakeTimer] = {}
        self.calls: list[Call] = []
        self.zone = "UTC"
        self.fail_status: int | None = None
        self.garbage = False
        self.delay = 0.0
        self.token: str | None = None  # when set, other bearer tokens get 401
        self.lock = threading.Lock()

    generation = 0

    def reset(self) -> None:
        """Forget everything; replies still in flight from an earlier test are dropped."""
        with self.lock:
            generation = self.generation + 1
            self.__init__()
            self.generation = generation

    def paths(self, method: str | None = None) -> list[str]:
        return [c.path for c in self.calls if method is None or c.method == method]

    def _json(self, data: object, status: int = 200) -> Response:
        return Response(json.dumps(data), status=status, content_type="application/json")

    def _timer_json(self, timer: FakeTimer) -> dict:
        data = {
            "id": timer.id,
            "status": "PAUSED" if timer.paused_remaining is not None else "ON",
            "duration": isodate.duration_isoformat(timer.duration),
            "timerLabel": timer.label,
            "createdTime": timer.created.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "updatedTime": timer.created.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        }
        if timer.paused_remaining is not None:
            data["remainingTimeWhenPaused"] = isodate.duration_isoformat(timer.paused_remaining)
        else:
            data["triggerTime"] = timer.trigger.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        return data

    def handle(self, request: Request) -> Response:
        body = request.get_json(silent=True) if request.data else None
        generation = self.generation
        with self.lock:
            self.calls.append(
                Call(request.method, request.path, body, request.headers.get("Authorization"))
            )
            delay, fail, garbage = self.delay, self.fail_status, self.garbage
        if delay:
            time.sleep(delay)  # the client's timeout is what is under test
            if generation != self.generation:
                return Response(status=503)  # the test that asked for this has ended
        if fail:
            return self._json({"code": "ERROR", "message": "failure injected"}, fail)
        if garbage:
            return Response("<html>not json", status=200, content_type="application/json")
        if self.token and request.headers.get("Authorization") != f"Bearer {self.token}":
            return self._json({"code": "UNAUTHORIZED", "message": "no consent"}, 401)
        now = datetime.now(UTC).replace(microsecond=0)
        zone = ZONE_PATH.match(request.path)
        if zone and request.method == "GET":
            return self._json(self.zone)
        if request.path == "/v1/alerts/timers" and request.method == "POST":
            return self._create(body or {}, now, request.headers.get("Authorization"))
        match = TIMER_PATH.match(request.path)
        if not match:
            return self._json({"code": "NOT_FOUND", "message": request.path}, 404)
        with self.lock:
            timer = self.timers.get(match.group(1))
            if timer is not None and timer.paused_remaining is None and timer.trigger <= now:
                del self.timers[timer.id]  # it went off
                timer = None
            if timer is None:
                return self._json({"code": "NOT_FOUND", "message": "no such timer"}, 404)
            action = match.group(2)
            if request.method == "GET" and not action:
                return self._json(self._timer_json(timer))
            if request.method == "DELETE" and not action:
                del self.timers[timer.id]
                return Response(status=200)
            if request.method == "POST" and action == "/pause":
                if timer.paused_remaining is None:
                    timer.paused_remaining = timer.trigger - now
                return Response(status=200)
            if request.method == "POST" and action == "/resume":
                if timer.paused_remaining is not None:
                    timer.trigger = now + timer.paused_remaining
                    timer.paused_remaining = None
                return Response(status=200)
        return self._json({"code": "INVALID", "message": "unsupported"}, 400)

    def _create(self, body: dict, now: datetime, owner: str | None) -> Response:
        try:
            duration = isodate.parse_duration(body["duration"])
            label = body.get("timerLabel", "")
            operation = body["triggeringBehavior"]["operation"]["type"]
        except (KeyError, TypeError, isodate.ISO8601Error):
            return self._json({"code": "INVALID_REQUEST", "message": "bad timer"}, 400)
        if not timedelta(seconds=1) <= duration <= timedelta(hours=2) or operation not in (
            "ANNOUNCE", "NOTIFY_ONLY", "LAUNCH_TASK"
        ):
            return self._json({"code": "INVALID_REQUEST", "message": "bad timer"}, 400)
        with self.lock:
            mine = [t for t in self.timers.values() if t.owner == owner]
            if len(mine) >= 10 or any(t.label == label for t in mine):
                return self._json({"code": "INVALID_REQUEST", "message": "limit"}, 400)
            timer = FakeTimer(str(uuid.uuid4()), label, duration, now, body, owner)
            self.timers[timer.id] = timer
            return self._json(self._timer_json(timer))

"""A loopback HTTPS fake of the Alexa Timers API and the device settings API.

It speaks the documented paths (`/v1/alerts/timers...`, `/v2/devices/{id}/settings/
System.timeZone`), keeps timers in memory, records every call, and can be told to fail:
a status code, a garbage body, or a reply slower than the client's timeout.

It also keeps the rules Amazon documents for skill timers (Timers REST API Reference and
"Best Practices for Timers"), so a skill that breaks one fails here instead of in production:

* a label must be unique among the user's timers, personal ones included (timers without
  a label may repeat);
* a user has at most 10 timers, *including personal ones* set by voice outside any skill
  (`add_personal_timers`): those count toward the limit but no skill ever sees them;
* a timer lasts at least a second and at most two hours;
* `GET /v1/alerts/timers` lists only this skill's timers of that user, shortest time left
  first, as `{"timers": [...], "totalCount": n, "nextToken": null}`; `DELETE` on the same
  path cancels all of them;
* without the timers permission (`revoke`) every Timers API call is a 401, token or not;
* a running timer whose trigger time has passed went off: it is gone for every operation.

The user is whoever the `Authorization` header names, as for the real API, where the token
stands for the user. Amazon documents the 400s but not their `code` strings, so the codes
below are the fake's own, one per reason, for tests to tell the reasons apart.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import isodate
from werkzeug import Request, Response

TIMERS_PATH = "/v1/alerts/timers"
TIMER_PATH = re.compile(r"^/v1/alerts/timers/([^/]+)(/pause|/resume)?$")
ZONE_PATH = re.compile(r"^/v2/devices/([^/]+)/settings/System\.timeZone$")

MAX_TIMERS = 10
MIN_DURATION = timedelta(seconds=1)
MAX_DURATION = timedelta(hours=2)
OPERATIONS = ("ANNOUNCE", "NOTIFY_ONLY", "LAUNCH_TASK")

#: `code` of the 400 for a body that is not a valid timer (missing field, bad duration).
INVALID_REQUEST = "INVALID_REQUEST"
#: `code` of the 400 for a label one of the user's timers already has.
DUPLICATE_LABEL = "DUPLICATE_TIMER_LABEL"
#: `code` of the 400 when the user already has `MAX_TIMERS`, personal ones included.
MAX_TIMERS_REACHED = "MAX_TIMERS_REACHED"
#: `code` of the 401 for a user who has not granted (or has revoked) the timers permission.
UNAUTHORIZED = "UNAUTHORIZED"
#: `code` of the 404 for a timer that does not exist (any more) for this user.
NOT_FOUND = "NOT_FOUND"


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

    def remaining(self, now: datetime) -> timedelta:
        """Time left: frozen while paused, counting down while running."""
        if self.paused_remaining is not None:
            return self.paused_remaining
        return self.trigger - now

    def went_off(self, now: datetime) -> bool:
        return self.paused_remaining is None and self.trigger <= now


@dataclass
class Call:
    method: str
    path: str
    body: dict | None
    authorization: str | None


def owner_of(token: str) -> str:
    """The user a bearer token (or an `Authorization` value) stands for: the header value."""
    return token if token.startswith("Bearer ") else f"Bearer {token}"


class TimersFake:
    """State, Amazon's rules and failure modes; `handle` is mounted on a pytest-httpserver.

    Tests set up a user with `add_personal_timers(token, n)` and `revoke(token)` / `grant`;
    `token` and the failure knobs (`fail_status`, `garbage`, `delay`) apply to every caller.
    """

    generation = 0

    def __init__(self) -> None:
        self.timers: dict[str, FakeTimer] = {}
        self.calls: list[Call] = []
        self.zone = "UTC"
        self.fail_status: int | None = None
        self.garbage = False
        self.delay = 0.0
        self.token: str | None = None  # when set, other bearer tokens get 401
        #: Personal (voice-set) timers per user: they count toward `MAX_TIMERS`, never listed.
        self.personal_timers: dict[str, int] = {}
        #: Labels some of those personal timers carry: a skill timer may not take them.
        self.personal_labels: dict[str, set[str]] = {}
        #: Users who have not granted the timers permission (missing means granted).
        self.consent: dict[str, bool] = {}
        self.lock = threading.Lock()

    def reset(self) -> None:
        """Forget everything; replies still in flight from an earlier test are dropped."""
        with self.lock:
            generation = self.generation + 1
            self.__init__()
            self.generation = generation

    # --- what tests set up and read ------------------------------------------------------

    def add_personal_timers(self, token: str, count: int = 1, *,
                            labels: Iterable[str] = ()) -> None:
        """Give the user `count` more timers set outside the skill ("Alexa, set a timer").

        `labels` name some of them ("pasta timer"); a skill timer cannot take those labels.
        """
        owner = owner_of(token)
        labels = set(labels)
        if len(labels) > count:
            raise ValueError("more labels than personal timers")
        with self.lock:
            self.personal_timers[owner] = self.personal_timers.get(owner, 0) + count
            self.personal_labels.setdefault(owner, set()).update(labels)

    def revoke(self, token: str) -> None:
        """The user has not granted (or has withdrawn) the timers permission: 401 from now on."""
        with self.lock:
            self.consent[owner_of(token)] = False

    def grant(self, token: str) -> None:
        """The user grants the timers permission."""
        with self.lock:
            self.consent[owner_of(token)] = True

    def timers_of(self, token: str) -> list[FakeTimer]:
        """This skill's timers of one user that have not gone off, as the list call sees them."""
        now = _now()
        with self.lock:
            self._forget_gone_off(now)
            return self._listed(owner_of(token), now)

    def paths(self, method: str | None = None) -> list[str]:
        return [c.path for c in self.calls if method is None or c.method == method]

    # --- the HTTP side -------------------------------------------------------------------

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
        zone = ZONE_PATH.match(request.path)
        if zone and request.method == "GET":
            # The time zone needs no permission, so revoking the timers one leaves it alone.
            return _json(self.zone)
        if request.path != TIMERS_PATH and not TIMER_PATH.match(request.path):
            return _error(404, NOT_FOUND, request.path)
        if not authorization or self.consent.get(authorization) is False:
            return _error(401, UNAUTHORIZED, "the user has not granted the timers permission")
        now = _now()
        with self.lock:
            self._forget_gone_off(now)
            return self._timers_call(request.method, request.path, body, authorization, now)

    def _timers_call(self, method: str, path: str, body: dict | None, owner: str,
                     now: datetime) -> Response:
        """One Timers API operation for `owner`; the caller holds the lock."""
        if path == TIMERS_PATH:
            if method == "POST":
                return self._create(body or {}, now, owner)
            if method == "GET":
                listed = self._listed(owner, now)
                return _json({"timers": [_timer_json(t) for t in listed],
                              "totalCount": len(listed), "nextToken": None})
            if method == "DELETE":
                for timer in self._listed(owner, now):
                    del self.timers[timer.id]
                return Response(status=200)
            return _error(400, INVALID_REQUEST, "unsupported")
        match = TIMER_PATH.match(path)
        assert match is not None
        timer = self.timers.get(match.group(1))
        if timer is None or timer.owner != owner:
            return _error(404, NOT_FOUND, "no such timer")
        action = match.group(2)
        if method == "GET" and not action:
            return _json(_timer_json(timer))
        if method == "DELETE" and not action:
            del self.timers[timer.id]
            return Response(status=200)
        if method == "POST" and action == "/pause":
            if timer.paused_remaining is None:
                timer.paused_remaining = timer.trigger - now
            return Response(status=200)
        if method == "POST" and action == "/resume":
            if timer.paused_remaining is not None:
                timer.trigger = now + timer.paused_remaining
                timer.paused_remaining = None
            return Response(status=200)
        return _error(400, INVALID_REQUEST, "unsupported")

    def _create(self, body: dict, now: datetime, owner: str) -> Response:
        try:
            duration = isodate.parse_duration(body["duration"])
            label = body.get("timerLabel") or ""
            operation = body["triggeringBehavior"]["operation"]["type"]
        except (KeyError, TypeError, isodate.ISO8601Error):
            return _error(400, INVALID_REQUEST, "bad timer")
        if not MIN_DURATION <= duration <= MAX_DURATION or operation not in OPERATIONS:
            return _error(400, INVALID_REQUEST, "bad timer")
        mine = self._listed(owner, now)
        taken = {t.label for t in mine} | self.personal_labels.get(owner, set())
        if label and label in taken:
            return _error(400, DUPLICATE_LABEL, "a timer with this label already exists")
        if len(mine) + self.personal_timers.get(owner, 0) >= MAX_TIMERS:
            return _error(400, MAX_TIMERS_REACHED, f"at most {MAX_TIMERS} timers per user")
        timer = FakeTimer(str(uuid.uuid4()), label, duration, now, body, owner)
        self.timers[timer.id] = timer
        return _json(_timer_json(timer))

    def _forget_gone_off(self, now: datetime) -> None:
        """Running timers past their trigger time went off: Alexa no longer knows them."""
        for timer in [t for t in self.timers.values() if t.went_off(now)]:
            del self.timers[timer.id]

    def _listed(self, owner: str, now: datetime) -> list[FakeTimer]:
        """The owner's timers from this skill, shortest time left first (as Amazon orders)."""
        return sorted((t for t in self.timers.values() if t.owner == owner),
                      key=lambda t: t.remaining(now))


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _json(data: object, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, content_type="application/json")


def _error(status: int, code: str, message: str) -> Response:
    """The error body every Alexa service API uses: `{"code": ..., "message": ...}`."""
    return _json({"code": code, "message": message}, status)


def _timer_json(timer: FakeTimer) -> dict:
    """A timer as the API returns it (create, get, and each entry of the list)."""
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

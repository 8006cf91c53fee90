"""A local Alexa: the Timers, Reminders and device settings APIs, in process, with Amazon's rules.

`mat-coach try` serves this over loopback HTTPS, so the skill's ordinary API client (the
ask-sdk timer and settings clients over `skill.alexa_api.TimeoutApiClient`) talks to it exactly
as it talks to Alexa. The test suite's fake (`testkit.alexa_apis.TimersFake`) is this class plus
failure knobs and a call log, so the rules below are the ones every skill test runs against:

* a label must be unique among the user's timers, personal ones included (timers without a
  label may repeat);
* a user has at most 10 timers, *including personal ones* set by voice outside any skill;
  those count toward the limit but no skill ever sees them;
* a timer lasts at least a second and at most two hours;
* a timer says whether it shows on a screen (`creationBehavior.displayExperience.visibility`,
  `VISIBLE` or `HIDDEN`) and whether a tone plays when it ends
  (`triggeringBehavior.notificationConfig.playAudible`, a boolean); both are required. A
  hidden, silent announcing timer still speaks its announcement, without the chime;
* `GET /v1/alerts/timers` lists only this skill's timers of that user, shortest time left
  first, as `{"timers": [...], "totalCount": n, "nextToken": null}`; `DELETE` on the same path
  cancels all of them;
* without the timers permission every Timers API call is a 401, token or not;
* a running timer whose trigger time has passed went off: it is gone for every operation, and
  its announcement is kept (`rang`) for the device to speak.

The Reminders API (`/v1/alerts/reminders`) is `skill.tryout.reminders.LocalReminders`, served on
the same origin with its own permission; a reminder that rings on `clock` is an event for the
device to speak, like a timer's announcement.

Deadlines are real: a timer goes off when `clock` passes its trigger time. Under the try page's
fast clock `clock` runs sixty times faster than the wall; a timer's `triggerTime` is then
reported on the wall clock (now plus the time it has left), so the skill, which compares it
with the real time, hears how long is left on the fast clock.

The user is whoever the `Authorization` header names, as for the real API, where the token
stands for the user. Amazon documents the 400s but not their `code` strings, so the codes
below are this stand-in's own, one per reason.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import isodate
from werkzeug import Request, Response

from skill.tryout.consent import Consent, owner_of
from skill.tryout.reminders import LocalReminders, is_reminders_path

TIMERS_PATH = "/v1/alerts/timers"
TIMER_PATH = re.compile(r"^/v1/alerts/timers/([^/]+)(/pause|/resume)?$")
ZONE_PATH = re.compile(r"^/v2/devices/([^/]+)/settings/System\.timeZone$")
DIRECTIVES_PATH = "/v1/directives"

MAX_TIMERS = 10
MIN_DURATION = timedelta(seconds=1)
MAX_DURATION = timedelta(hours=2)
OPERATIONS = ("ANNOUNCE", "NOTIFY_ONLY", "LAUNCH_TASK")
VISIBILITIES = ("VISIBLE", "HIDDEN")

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
#: How many rung timers and progressive responses are kept for a device to pick up.
KEPT_EVENTS = 64


@dataclass
class LocalTimer:
    """One timer: its deadline on `clock`, or the time it had left when paused."""

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

    @property
    def hidden(self) -> bool:
        """Created with `visibility: HIDDEN`: no screen shows it (a skill's quiet check-in)."""
        creation = self.body.get("creationBehavior") or {}
        return (creation.get("displayExperience") or {}).get("visibility") == "HIDDEN"

    @property
    def audible(self) -> bool:
        """Created with `playAudible: true`: a tone plays before the announcement."""
        triggering = self.body.get("triggeringBehavior") or {}
        return (triggering.get("notificationConfig") or {}).get("playAudible") is True

    @property
    def announcement(self) -> str:
        """What the device says when the timer ends: the skill's text, else a chime."""
        operation = (self.body.get("triggeringBehavior") or {}).get("operation") or {}
        for entry in operation.get("textToAnnounce") or []:
            if isinstance(entry, dict) and entry.get("text"):
                return str(entry["text"])
        return ""


@dataclass(frozen=True)
class Event:
    """Something the device must play: a timer that went off, or a progressive response."""

    number: int
    kind: str  # "timer", "reminder" or "progress"
    owner: str
    text: str
    label: str = ""
    audible: bool = True  # False: the announcement is spoken without the timer's tone



def utc_now() -> datetime:
    """The wall clock to the second, as the Timers API reports times."""
    return datetime.now(UTC).replace(microsecond=0)


class LocalAlexa(Consent):
    """The Timers, Reminders, settings and progressive-response APIs for any number of users.

    `clock` decides when timers go off; `wall` is the real time that reported trigger times
    are expressed in (the same clock unless a fast clock runs).
    """

    def __init__(self, *, clock: Callable[[], datetime] | None = None,
                 wall: Callable[[], datetime] | None = None, zone: str = "UTC") -> None:
        self.clock = clock or utc_now
        self.wall = wall or clock or utc_now
        self.timers: dict[str, LocalTimer] = {}
        self.zone = zone
        #: Personal (voice-set) timers per user: they count toward `MAX_TIMERS`, never listed.
        self.personal_timers: dict[str, int] = {}
        #: Labels some of those personal timers carry: a skill timer may not take them.
        self.personal_labels: dict[str, set[str]] = {}
        #: Users who have not granted the timers permission (missing means granted).
        self.consent: dict[str, bool] = {}
        self.events: deque[Event] = deque(maxlen=KEPT_EVENTS)
        self._event_number = 0
        self.lock = threading.Lock()
        #: The Reminders API, on the same clock; its permission is separate from the timers'.
        self.reminders = LocalReminders(clock=self.clock, zone=zone)

    # --- what a device (or a test) sets up and reads ------------------------------------------
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

    def timers_of(self, token: str) -> list[LocalTimer]:
        """This skill's timers of one user that have not gone off, as the list call sees them."""
        now = self.clock()
        with self.lock:
            self._forget_gone_off(now)
            return self._listed(owner_of(token), now)

    def events_after(self, number: int, token: str) -> list[Event]:
        """What the user's device has to play since event `number` (timers that went off
        are noticed here too, so a device that polls hears them on time)."""
        now = self.clock()
        owner = owner_of(token)
        with self.lock:
            self._forget_gone_off(now)
            return [e for e in self.events if e.number > number and e.owner == owner]

    # --- the HTTP side -------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        """One API call, as Alexa's service APIs answer it."""
        body = request.get_json(silent=True) if request.data else None
        authorization = request.headers.get("Authorization")
        zone = ZONE_PATH.match(request.path)
        if zone and request.method == "GET":
            # The time zone needs no permission, so revoking the timers one leaves it alone.
            return _json(self.zone)
        if request.path == DIRECTIVES_PATH and request.method == "POST":
            return self._progressive(body, authorization)
        if is_reminders_path(request.path):
            return self.reminders.handle(request)
        if request.path != TIMERS_PATH and not TIMER_PATH.match(request.path):
            return _error(404, NOT_FOUND, request.path)
        if not authorization or self.consent.get(authorization) is False:
            return _error(401, UNAUTHORIZED, "the user has not granted the timers permission")
        now = self.clock()
        with self.lock:
            self._forget_gone_off(now)
            return self._timers_call(request.method, request.path, body, authorization, now)

    def _progressive(self, body: dict | None, authorization: str | None) -> Response:
        """A progressive response (VoicePlayer.Speak): the device says it while it waits."""
        directive = (body or {}).get("directive") or {}
        speech = directive.get("speech") if isinstance(directive, dict) else None
        if not authorization or not isinstance(speech, str):
            return _error(400, INVALID_REQUEST, "bad directive")
        with self.lock:
            self._add_event("progress", authorization, speech)
        return Response(status=204)

    def _timers_call(self, method: str, path: str, body: dict | None, owner: str,
                     now: datetime) -> Response:
        """One Timers API operation for `owner`; the caller holds the lock."""
        if path == TIMERS_PATH:
            if method == "POST":
                return self._create(body or {}, now, owner)
            if method == "GET":
                listed = self._listed(owner, now)
                return _json({"timers": [self._timer_json(t, now) for t in listed],
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
            return _json(self._timer_json(timer, now))
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
            visibility = body["creationBehavior"]["displayExperience"]["visibility"]
            audible = body["triggeringBehavior"]["notificationConfig"]["playAudible"]
        except (KeyError, TypeError, isodate.ISO8601Error):
            return _error(400, INVALID_REQUEST, "bad timer")
        if (not MIN_DURATION <= duration <= MAX_DURATION or operation not in OPERATIONS
                or visibility not in VISIBILITIES or not isinstance(audible, bool)):
            return _error(400, INVALID_REQUEST, "bad timer")
        mine = self._listed(owner, now)
        taken = {t.label for t in mine} | self.personal_labels.get(owner, set())
        if label and label in taken:
            return _error(400, DUPLICATE_LABEL, "a timer with this label already exists")
        if len(mine) + self.personal_timers.get(owner, 0) >= MAX_TIMERS:
            return _error(400, MAX_TIMERS_REACHED, f"at most {MAX_TIMERS} timers per user")
        timer = LocalTimer(str(uuid.uuid4()), label, duration, now, body, owner)
        self.timers[timer.id] = timer
        return _json(self._timer_json(timer, now))

    def _add_event(self, kind: str, owner: str, text: str, label: str = "",
                   audible: bool = True) -> None:
        self._event_number += 1
        self.events.append(Event(self._event_number, kind, owner, text, label, audible))

    def _forget_gone_off(self, now: datetime) -> None:
        """Running timers past their trigger time went off: Alexa no longer knows them, and
        the device announces them, as it speaks the reminders that are due."""
        for timer in sorted((t for t in self.timers.values() if t.went_off(now)),
                            key=lambda t: t.trigger):
            del self.timers[timer.id]
            self._add_event("timer", timer.owner or "", timer.announcement, timer.label,
                            timer.audible)
        for reminder in self.reminders.due(now):  # reminders ring on the same clock
            self._add_event("reminder", reminder.owner, reminder.text)

    def _listed(self, owner: str, now: datetime) -> list[LocalTimer]:
        """The owner's timers from this skill, shortest time left first (as Amazon orders)."""
        return sorted((t for t in self.timers.values() if t.owner == owner),
                      key=lambda t: t.remaining(now))

    def _timer_json(self, timer: LocalTimer, now: datetime) -> dict:
        """A timer as the API returns it (create, get, and each entry of the list)."""
        stamp = timer.created.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        data = {
            "id": timer.id,
            "status": "PAUSED" if timer.paused_remaining is not None else "ON",
            "duration": isodate.duration_isoformat(timer.duration),
            "timerLabel": timer.label,
            "createdTime": stamp,
            "updatedTime": stamp,
        }
        if timer.paused_remaining is not None:
            data["remainingTimeWhenPaused"] = isodate.duration_isoformat(timer.paused_remaining)
        else:
            trigger = self.wall() + (timer.trigger - now) if self.wall is not self.clock else (
                timer.trigger)
            data["triggerTime"] = trigger.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        return data


def _json(data: object, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, content_type="application/json")


def _error(status: int, code: str, message: str) -> Response:
    """The error body every Alexa service API uses: `{"code": ..., "message": ...}`."""
    return _json({"code": code, "message": message}, status)

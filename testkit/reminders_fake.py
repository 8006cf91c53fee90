"""A stand-in for the Alexa Reminders API, served beside the Timers stand-in.

It speaks the documented paths (Reminders REST API Reference): `POST` and `GET` on
`/v1/alerts/reminders`, `GET`, `PUT` and `DELETE` on `/v1/alerts/reminders/{alertToken}`,
keeps reminders in memory, records every call, and can be told to fail (`fail_status`,
`garbage`). `TimersFake` hands it every request under `/v1/alerts/reminders`, so it is reached
over the same loopback HTTPS server and the same in-process client as the timers.

The rules it keeps, and where they come from:

* Documented (Reminders REST API Reference, Alexa Reminders Overview):
  - each call needs the user's token, and the customer's grant of
    `alexa::alerts:reminders:skill:readwrite`; without it every call is a 401;
  - a skill sees and manages only the reminders *it* created for that customer: the list holds
    only those, and another skill's reminder is unknown (404) to it;
  - create (and update) only in session: an out-of-session (LWA) token may read and delete,
    never create; the reference gives no status for that refusal, so it is a 403 here;
  - the body: `requestTime`; `trigger.type` `SCHEDULED_ABSOLUTE` (a `scheduledTime`) or
    `SCHEDULED_RELATIVE` (`offsetInSeconds`); `scheduledTime` as ISO 8601 *without* an offset
    when a `timeZoneId` is given; `recurrence` as `startDateTime`, optional `endDateTime`
    and a list of RFC 5545 `recurrenceRules` (the older `freq`/`byDay` are deprecated);
    `alertInfo.spokenInfo.content` as a list of `{locale, text, ssml?}`;
    `pushNotification.status` `ENABLED` or `DISABLED`.
* The stand-in's own, where the reference available does not say: the error `code` strings
  (one per reason, below); a valid IANA zone name for `timeZoneId`; `MAX_REMINDERS` per skill
  per user and `MAX_TEXT_LENGTH` per spoken text (both knobs on the instance, so a test can
  lower them); the list's shape, `{"alerts": [...], "totalCount": "n", "links": null}`, as
  ask-sdk-model's `GetRemindersResponse` reads it.

The user is whoever the `Authorization` header names (`owner_of`), as for the timers.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from werkzeug import Request, Response

REMINDERS_PATH = "/v1/alerts/reminders"
REMINDER_PATH = re.compile(r"^/v1/alerts/reminders/([^/]+)$")
SCOPE = "alexa::alerts:reminders:skill:readwrite"

MAX_REMINDERS = 100
MAX_TEXT_LENGTH = 250
TRIGGER_TYPES = ("SCHEDULED_ABSOLUTE", "SCHEDULED_RELATIVE")
PUSH_STATUSES = ("ENABLED", "DISABLED")
RULE_KEYS = {"FREQ", "BYDAY", "BYHOUR", "BYMINUTE", "BYSECOND", "INTERVAL", "COUNT", "UNTIL",
             "BYMONTH", "BYMONTHDAY"}
FREQS = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY", "HOURLY", "MINUTELY")
RULE_DAYS = {"MO", "TU", "WE", "TH", "FR", "SA", "SU"}

#: `code` of the 401 for a user who has not granted the reminders permission.
UNAUTHORIZED = "UNAUTHORIZED"
#: `code` of the 403 for a create or update made with an out-of-session token.
OUT_OF_SESSION = "OUT_OF_SESSION_TOKEN"
#: `code` of the 404 for a reminder that is not (or no longer) this skill's for this user.
NOT_FOUND = "NOT_FOUND"
#: `code`s of the 400s, one per part of the body that is wrong.
INVALID_REQUEST = "INVALID_REQUEST"
INVALID_TRIGGER = "INVALID_TRIGGER"
INVALID_SCHEDULED_TIME = "INVALID_TRIGGER_SCHEDULED_TIME_FORMAT"
INVALID_TIME_ZONE = "INVALID_TIME_ZONE_ID"
INVALID_RECURRENCE = "INVALID_RECURRENCE"
INVALID_ALERT_INFO = "INVALID_ALERT_INFO"
INVALID_PUSH_NOTIFICATION = "INVALID_PUSH_NOTIFICATION"
#: `code` of the 400 when the user already has `max_reminders` from this skill.
MAX_REMINDERS_EXCEEDED = "MAX_REMINDERS_EXCEEDED"


class Invalid(Exception):
    """A body the API would refuse: `code` names the reason."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class FakeReminder:
    token: str
    owner: str
    body: dict
    created: datetime
    updated: datetime
    skill: str = "this"  # "this" skill, or another one that set it for the same user
    status: str = "ON"
    version: int = 1


@dataclass
class Call:
    """One request a stand-in received (the Timers one keeps the same log)."""

    method: str
    path: str
    body: dict | None
    authorization: str | None


def owner_of(token: str) -> str:
    """The user a bearer token (or an `Authorization` value) stands for: the header value."""
    return token if token.startswith("Bearer ") else f"Bearer {token}"


def is_reminders_path(path: str) -> bool:
    """True for the paths this stand-in serves."""
    return path == REMINDERS_PATH or REMINDER_PATH.match(path) is not None


class RemindersFake:
    """State, the documented rules and failure modes; `handle` answers one HTTP request.

    Users have granted the permission unless a test says otherwise (`revoke`), as with the
    timers; `out_of_session(token)` marks a token as an LWA token from outside a session.
    """

    def __init__(self) -> None:
        self.reminders: dict[str, FakeReminder] = {}
        self.calls: list[Call] = []
        self.consent: dict[str, bool] = {}  # missing means granted
        self.out_of_session_tokens: set[str] = set()
        self.max_reminders = MAX_REMINDERS
        self.max_text_length = MAX_TEXT_LENGTH
        self.fail_status: int | None = None
        self.garbage = False
        self.lock = threading.Lock()

    # --- what tests set up and read ------------------------------------------------------
    def revoke(self, token: str) -> None:
        """The user has not granted (or has withdrawn) the reminders permission."""
        with self.lock:
            self.consent[owner_of(token)] = False

    def grant(self, token: str) -> None:
        """The user grants the reminders permission (by voice, or in the Alexa app)."""
        with self.lock:
            self.consent[owner_of(token)] = True

    def out_of_session(self, token: str) -> None:
        """`token` is an out-of-session LWA token: it may read and delete, never create."""
        with self.lock:
            self.out_of_session_tokens.add(owner_of(token))

    def add_other_skill_reminder(self, token: str, body: dict | None = None) -> str:
        """A reminder another skill set for the same user: never listed nor reachable here."""
        now = _now()
        reminder = FakeReminder(_new_token(), owner_of(token), body or {}, now, now,
                                skill="other")
        with self.lock:
            self.reminders[reminder.token] = reminder
        return reminder.token

    def reminders_of(self, token: str) -> list[FakeReminder]:
        """This skill's reminders of one user, oldest first, as the list call sees them."""
        with self.lock:
            return self._listed(owner_of(token))

    def paths(self, method: str | None = None) -> list[str]:
        return [c.path for c in self.calls if method is None or c.method == method]

    # --- the HTTP side -------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        # ask-sdk sends JSON as "Content-type: application/json"; read it whatever the header.
        body = request.get_json(silent=True, force=True) if request.data else None
        authorization = request.headers.get("Authorization")
        with self.lock:
            self.calls.append(Call(request.method, request.path, body, authorization))
            fail, garbage = self.fail_status, self.garbage
        if fail:
            return _error(fail, "ERROR", "failure injected")
        if garbage:
            return Response("<html>not json", status=200, content_type="application/json")
        if not is_reminders_path(request.path):
            return _error(404, NOT_FOUND, request.path)
        if not authorization or self.consent.get(authorization) is False:
            return _error(401, UNAUTHORIZED, "the user has not granted the reminders permission")
        with self.lock:
            return self._reminders_call(request.method, request.path, body, authorization)

    def _reminders_call(self, method: str, path: str, body: object, owner: str) -> Response:
        """One Reminders API operation for `owner`; the caller holds the lock."""
        writes = method in ("POST", "PUT")
        if writes and owner in self.out_of_session_tokens:
            return _error(403, OUT_OF_SESSION, "reminders are created and updated in session")
        invalid = request_body_invalid(body) if writes else None
        if invalid is not None:
            return _error(400, invalid.code, str(invalid))
        if path == REMINDERS_PATH:
            if method == "POST":
                assert isinstance(body, dict)
                return self._create(body, owner)
            if method == "GET":
                listed = self._listed(owner)
                return _json({"alerts": [_reminder_json(r) for r in listed],
                              "totalCount": str(len(listed)), "links": None})
            return _error(405, INVALID_REQUEST, "unsupported")
        match = REMINDER_PATH.match(path)
        assert match is not None
        reminder = self.reminders.get(match.group(1))
        if reminder is None or reminder.owner != owner or reminder.skill != "this":
            return _error(404, NOT_FOUND, "no such reminder")
        if method == "GET":
            return _json(_reminder_json(reminder))
        if method == "DELETE":
            del self.reminders[reminder.token]
            return Response(status=200)
        if method == "PUT":
            assert isinstance(body, dict)
            text_error = self._text_too_long(body)
            if text_error is not None:
                return text_error
            reminder.body, reminder.updated = body, _now()
            reminder.version += 1
            return _json(_created_json(reminder))
        return _error(405, INVALID_REQUEST, "unsupported")

    def _create(self, body: dict, owner: str) -> Response:
        text_error = self._text_too_long(body)
        if text_error is not None:
            return text_error
        if len(self._listed(owner)) >= self.max_reminders:
            return _error(400, MAX_REMINDERS_EXCEEDED,
                          f"at most {self.max_reminders} reminders per skill per user")
        now = _now()
        reminder = FakeReminder(_new_token(), owner, body, now, now)
        self.reminders[reminder.token] = reminder
        return _json(_created_json(reminder))

    def _text_too_long(self, body: dict) -> Response | None:
        for content in body["alertInfo"]["spokenInfo"]["content"]:
            if len(content["text"]) > self.max_text_length:
                return _error(400, INVALID_ALERT_INFO,
                              f"text longer than {self.max_text_length} characters")
        return None

    def _listed(self, owner: str) -> list[FakeReminder]:
        return sorted((r for r in self.reminders.values()
                       if r.owner == owner and r.skill == "this"), key=lambda r: r.created)


# --- the body's rules --------------------------------------------------------------------------
def request_body_invalid(body: object) -> Invalid | None:
    """Why a create or update body would be refused, or None when it is a valid reminder."""
    try:
        _check_body(body)
    except Invalid as invalid:
        return invalid
    return None


def _check_body(body: object) -> None:
    if not isinstance(body, dict):
        raise Invalid(INVALID_REQUEST, "the body is not a JSON object")
    _iso(body.get("requestTime"), INVALID_REQUEST, "requestTime")
    trigger = body.get("trigger")
    if not isinstance(trigger, dict) or trigger.get("type") not in TRIGGER_TYPES:
        raise Invalid(INVALID_TRIGGER, "trigger.type must be one of " + ", ".join(TRIGGER_TYPES))
    zone = trigger.get("timeZoneId")
    if zone is not None:
        _check_zone(zone)
    if trigger["type"] == "SCHEDULED_RELATIVE":
        offset = trigger.get("offsetInSeconds")
        if not isinstance(offset, int) or isinstance(offset, bool) or offset <= 0:
            raise Invalid(INVALID_TRIGGER, "a relative trigger needs offsetInSeconds > 0")
    else:
        recurrence = trigger.get("recurrence")
        has_rules = isinstance(recurrence, dict) and "recurrenceRules" in recurrence
        if "scheduledTime" in trigger or not has_rules:
            scheduled = _iso(trigger.get("scheduledTime"), INVALID_SCHEDULED_TIME,
                             "trigger.scheduledTime")
            if zone is not None and scheduled.tzinfo is not None:
                raise Invalid(INVALID_SCHEDULED_TIME,
                              "scheduledTime has an offset while timeZoneId is given")
        if recurrence is not None:
            _check_recurrence(recurrence, zone)
    _check_alert_info(body.get("alertInfo"))
    push = body.get("pushNotification")
    if push is not None and (not isinstance(push, dict)
                             or push.get("status") not in PUSH_STATUSES):
        raise Invalid(INVALID_PUSH_NOTIFICATION, "pushNotification.status: ENABLED or DISABLED")


def _check_zone(zone: object) -> None:
    if not isinstance(zone, str) or not zone or zone.startswith(("/", ".")) or ".." in zone:
        raise Invalid(INVALID_TIME_ZONE, f"not a time zone: {zone!r}")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(INVALID_TIME_ZONE, f"not a time zone: {zone!r}") from None


def _check_recurrence(recurrence: object, zone: object) -> None:
    if not isinstance(recurrence, dict):
        raise Invalid(INVALID_RECURRENCE, "recurrence is not an object")
    rules = recurrence.get("recurrenceRules")
    if rules is None:
        if "freq" in recurrence:  # the deprecated form still works
            return
        raise Invalid(INVALID_RECURRENCE, "recurrence needs recurrenceRules")
    if not isinstance(rules, list) or not rules:
        raise Invalid(INVALID_RECURRENCE, "recurrenceRules must be a non-empty list")
    for rule in rules:
        _check_rule(rule)
    start = _iso(recurrence.get("startDateTime"), INVALID_RECURRENCE, "startDateTime")
    raw_end = recurrence.get("endDateTime")
    end = _iso(raw_end, INVALID_RECURRENCE, "endDateTime") if raw_end is not None else None
    if zone is not None and any(m is not None and m.tzinfo is not None for m in (start, end)):
        raise Invalid(INVALID_RECURRENCE, "recurrence times have an offset with timeZoneId")
    if end is not None and end.replace(tzinfo=None) <= start.replace(tzinfo=None):
        raise Invalid(INVALID_RECURRENCE, "endDateTime is not after startDateTime")


def _check_rule(rule: object) -> None:
    """One RFC 5545 RRULE, as far as the API takes them."""
    if not isinstance(rule, str) or not rule.strip():
        raise Invalid(INVALID_RECURRENCE, f"not a rule: {rule!r}")
    parts: dict[str, str] = {}
    for piece in rule.strip().rstrip(";").split(";"):
        key, sep, value = piece.partition("=")
        if not sep or key not in RULE_KEYS or not value or key in parts:
            raise Invalid(INVALID_RECURRENCE, f"bad part {piece!r} in {rule!r}")
        parts[key] = value
    if parts.get("FREQ") not in FREQS:
        raise Invalid(INVALID_RECURRENCE, f"FREQ missing or unknown in {rule!r}")
    if "BYDAY" in parts and not set(parts["BYDAY"].split(",")) <= RULE_DAYS:
        raise Invalid(INVALID_RECURRENCE, f"BYDAY must list MO..SU in {rule!r}")
    for key, top in (("BYHOUR", 23), ("BYMINUTE", 59), ("BYSECOND", 59)):
        for value in parts.get(key, "0").split(","):
            if not value.isdigit() or int(value) > top:
                raise Invalid(INVALID_RECURRENCE, f"{key} out of range in {rule!r}")


def _check_alert_info(alert_info: object) -> None:
    spoken = alert_info.get("spokenInfo") if isinstance(alert_info, dict) else None
    content = spoken.get("content") if isinstance(spoken, dict) else None
    if not isinstance(content, list) or not content:
        raise Invalid(INVALID_ALERT_INFO, "alertInfo.spokenInfo.content must be a list")
    for item in content:
        if not isinstance(item, dict):
            raise Invalid(INVALID_ALERT_INFO, "spoken content must be objects")
        locale, text = item.get("locale"), item.get("text")
        if not isinstance(locale, str) or not re.fullmatch(r"[a-z]{2}-[A-Z]{2}", locale):
            raise Invalid(INVALID_ALERT_INFO, f"spoken content needs a locale, not {locale!r}")
        if not isinstance(text, str) or not text.strip():
            raise Invalid(INVALID_ALERT_INFO, "spoken content needs text")
        ssml = item.get("ssml")
        if ssml is not None and not (isinstance(ssml, str) and ssml.startswith("<speak>")):
            raise Invalid(INVALID_ALERT_INFO, "ssml must be a <speak> document")


def _iso(value: object, code: str, name: str) -> datetime:
    """An ISO 8601 date-time, with or without an offset (the caller decides if one may be)."""
    if not isinstance(value, str) or "T" not in value:
        raise Invalid(code, f"{name} is not an ISO 8601 date-time: {value!r}")
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Invalid(code, f"{name} is not an ISO 8601 date-time: {value!r}") from None


# --- answers -----------------------------------------------------------------------------------
def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _new_token() -> str:
    return f"amzn1.alert.{uuid.uuid4()}"


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _json(data: object, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, content_type="application/json")


def _error(status: int, code: str, message: str) -> Response:
    """The error body every Alexa service API uses: `{"code": ..., "message": ...}`."""
    return _json({"code": code, "message": message}, status)


def _created_json(reminder: FakeReminder) -> dict:
    """What a create or update answers (ask-sdk-model's `ReminderResponse`)."""
    return {"alertToken": reminder.token, "createdTime": _stamp(reminder.created),
            "updatedTime": _stamp(reminder.updated), "status": reminder.status,
            "version": str(reminder.version), "href": f"{REMINDERS_PATH}/{reminder.token}"}


def _reminder_json(reminder: FakeReminder) -> dict:
    """One reminder as get and list answer it: the stored body plus the API's own fields."""
    body = reminder.body
    return {"alertToken": reminder.token, "createdTime": _stamp(reminder.created),
            "updatedTime": _stamp(reminder.updated), "status": reminder.status,
            "trigger": body.get("trigger"), "alertInfo": body.get("alertInfo"),
            "pushNotification": body.get("pushNotification"),
            "version": str(reminder.version)}

"""A local Reminders API: Amazon's documented rules, in process, and reminders that ring.

`mat-coach try` serves this beside the Timers stand-in (`skill.tryout.alexa.LocalAlexa` hands it
every request under `/v1/alerts/reminders`), so the skill's ordinary ask-sdk reminder client
reaches it over loopback HTTPS as it reaches Amazon. The test suite's stand-in
(`testkit.reminders_fake.RemindersFake`) is this class plus a call log and failure knobs, so
the rules below are the ones every reminder test runs against.

It speaks the documented paths (Reminders REST API Reference): `POST` and `GET` on
`/v1/alerts/reminders`, `GET`, `PUT` and `DELETE` on `/v1/alerts/reminders/{alertToken}`.

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
  per user and `MAX_TEXT_LENGTH` per spoken text (both attributes of the instance, so a test
  can lower them); the list's shape, `{"alerts": [...], "totalCount": "n", "links": null}`, as
  ask-sdk-model's `GetRemindersResponse` reads it.

Ringing: a reminder rings when `clock` passes its trigger (the scheduled local time in its
zone, or the offset after creation), and a weekly one then waits for its rule's next day and
time; one without a recurrence is `COMPLETED` once it has rung. `due(now)` hands the rings to
the device, which speaks the reminder's text as Alexa would. Under the try page's fast clock a
week passes in under three hours, so a reminder set for a few minutes ahead rings in seconds.

The user is whoever the `Authorization` header names (`owner_of`), as for the timers.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from werkzeug import Request, Response

from skill.tryout.consent import Consent, owner_of

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
class LocalReminder:
    """One reminder as Alexa keeps it: the body the skill sent plus the API's own fields."""

    token: str
    owner: str
    body: dict
    created: datetime
    updated: datetime
    skill: str = "this"  # "this" skill, or another one that set it for the same user
    status: str = "ON"
    version: int = 1
    #: When it rings next on the clock (aware UTC); None once it will not ring again.
    next_ring: datetime | None = None

    @property
    def text(self) -> str:
        """What Alexa says when it rings: the first spoken text."""
        content = ((self.body.get("alertInfo") or {}).get("spokenInfo") or {}).get("content")
        for item in content or []:
            if isinstance(item, dict) and item.get("text"):
                return str(item["text"])
        return ""

    @property
    def rules(self) -> list[str]:
        """Its RFC 5545 recurrence rules (empty for a one-off reminder)."""
        trigger = self.body.get("trigger") or {}
        rules = (trigger.get("recurrence") or {}).get("recurrenceRules")
        return [r for r in rules if isinstance(r, str)] if isinstance(rules, list) else []

    @property
    def zone_name(self) -> str | None:
        zone = (self.body.get("trigger") or {}).get("timeZoneId")
        return zone if isinstance(zone, str) else None



def is_reminders_path(path: str) -> bool:
    """True for the paths this API serves."""
    return path == REMINDERS_PATH or REMINDER_PATH.match(path) is not None


def utc_now() -> datetime:
    """The wall clock to the second, as the API stamps reminders."""
    return datetime.now(UTC).replace(microsecond=0)


class LocalReminders(Consent):
    """State and the documented rules; `handle` answers one HTTP request, `due` rings.

    Users have granted the permission unless told otherwise (`revoke`), as with the timers;
    `out_of_session(token)` marks a token as an LWA token from outside a session. `clock`
    decides when reminders ring; `zone` is the device's, for a trigger without a `timeZoneId`.
    """

    def __init__(self, *, clock: Callable[[], datetime] | None = None,
                 zone: str = "UTC") -> None:
        self.clock = clock or utc_now
        self.zone = zone
        self.reminders: dict[str, LocalReminder] = {}
        self.consent: dict[str, bool] = {}  # missing means granted
        self.out_of_session_tokens: set[str] = set()
        self.max_reminders = MAX_REMINDERS
        self.max_text_length = MAX_TEXT_LENGTH
        self.lock = threading.Lock()

    # --- what a device (or a test) sets up and reads ------------------------------------------
    def out_of_session(self, token: str) -> None:
        """`token` is an out-of-session LWA token: it may read and delete, never create."""
        with self.lock:
            self.out_of_session_tokens.add(owner_of(token))

    def reminders_of(self, token: str) -> list[LocalReminder]:
        """This skill's reminders of one user, oldest first, as the list call sees them."""
        with self.lock:
            return self._listed(owner_of(token))

    def due(self, now: datetime) -> list[LocalReminder]:
        """The reminders that ring by `now`, in ring order; each is moved on to its next
        ring (or completed), so a reminder rings once per occurrence however often this is
        asked. A weekly reminder whose device slept through several occurrences rings once."""
        with self.lock:
            rung = sorted((r for r in self.reminders.values()
                           if r.next_ring is not None and r.next_ring <= now),
                          key=lambda r: r.next_ring or now)
            for reminder in rung:
                reminder.next_ring = self._ring_after(reminder, now)
                if reminder.next_ring is None:
                    reminder.status = "COMPLETED"
            return rung

    # --- the HTTP side -------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        """One Reminders API call, as Alexa answers it."""
        # ask-sdk sends JSON as "Content-type: application/json"; read it whatever the header.
        body = request.get_json(silent=True, force=True) if request.data else None
        authorization = request.headers.get("Authorization")
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
            reminder.body, reminder.updated = body, self.clock()
            reminder.version += 1
            reminder.status = "ON"
            reminder.next_ring = self._first_ring(reminder)
            return _json(_created_json(reminder))
        return _error(405, INVALID_REQUEST, "unsupported")

    def _create(self, body: dict, owner: str) -> Response:
        text_error = self._text_too_long(body)
        if text_error is not None:
            return text_error
        if len(self._listed(owner)) >= self.max_reminders:
            return _error(400, MAX_REMINDERS_EXCEEDED,
                          f"at most {self.max_reminders} reminders per skill per user")
        now = self.clock()
        reminder = LocalReminder(new_token(), owner, body, now, now)
        reminder.next_ring = self._first_ring(reminder)
        self.reminders[reminder.token] = reminder
        return _json(_created_json(reminder))

    def _text_too_long(self, body: dict) -> Response | None:
        for content in body["alertInfo"]["spokenInfo"]["content"]:
            if len(content["text"]) > self.max_text_length:
                return _error(400, INVALID_ALERT_INFO,
                              f"text longer than {self.max_text_length} characters")
        return None

    def _listed(self, owner: str) -> list[LocalReminder]:
        return sorted((r for r in self.reminders.values()
                       if r.owner == owner and r.skill == "this"), key=lambda r: r.created)

    # --- when it rings ---------------------------------------------------------------------------
    def _zone_of(self, reminder: LocalReminder) -> ZoneInfo:
        try:
            return ZoneInfo(reminder.zone_name or self.zone)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    def _first_ring(self, reminder: LocalReminder) -> datetime | None:
        """The first ring of a valid body: its scheduled time (local in its zone), the offset
        after creation, or the rule's first day and time; None when it never rings here."""
        trigger = reminder.body.get("trigger") or {}
        if trigger.get("type") == "SCHEDULED_RELATIVE":
            return reminder.created + timedelta(seconds=int(trigger["offsetInSeconds"]))
        scheduled = trigger.get("scheduledTime")
        if isinstance(scheduled, str):
            moment = datetime.fromisoformat(scheduled.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=self._zone_of(reminder))
            return moment.astimezone(UTC)
        return self._next_by_rules(reminder, reminder.created)

    def _ring_after(self, reminder: LocalReminder, now: datetime) -> datetime | None:
        """The next ring after `now`: the rule's next day and time, or none for a one-off."""
        return self._next_by_rules(reminder, now + timedelta(seconds=1))

    def _next_by_rules(self, reminder: LocalReminder, after: datetime) -> datetime | None:
        """The first time at or after `after` that a weekly (or daily) rule names."""
        # Imported here: the schedule's rule reading is the skill's own, and the fake's many
        # users that never ring need not load it.
        from skill.domain.schedule import ScheduleError, WeeklySchedule

        if not reminder.rules:
            return None
        try:
            schedule = WeeklySchedule.from_rules(reminder.rules)
        except ScheduleError:
            return None  # a rule this stand-in cannot read never rings here
        zone = self._zone_of(reminder)
        local = schedule.next_occurrence(after.astimezone(zone))
        return local.replace(tzinfo=zone).astimezone(UTC)


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
def new_token() -> str:
    """A fresh alert token, in the shape Amazon gives them."""
    return f"amzn1.alert.{uuid.uuid4()}"


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _json(data: object, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, content_type="application/json")


def _error(status: int, code: str, message: str) -> Response:
    """The error body every Alexa service API uses: `{"code": ..., "message": ...}`."""
    return _json({"code": code, "message": message}, status)


def _created_json(reminder: LocalReminder) -> dict:
    """What a create or update answers (ask-sdk-model's `ReminderResponse`)."""
    return {"alertToken": reminder.token, "createdTime": _stamp(reminder.created),
            "updatedTime": _stamp(reminder.updated), "status": reminder.status,
            "version": str(reminder.version), "href": f"{REMINDERS_PATH}/{reminder.token}"}


def _reminder_json(reminder: LocalReminder) -> dict:
    """One reminder as get and list answer it: the stored body plus the API's own fields."""
    body = reminder.body
    return {"alertToken": reminder.token, "createdTime": _stamp(reminder.created),
            "updatedTime": _stamp(reminder.updated), "status": reminder.status,
            "trigger": body.get("trigger"), "alertInfo": body.get("alertInfo"),
            "pushNotification": body.get("pushNotification"),
            "version": str(reminder.version)}

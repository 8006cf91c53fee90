"""The test suite's Reminders API stand-in: the product's local Reminders API plus test knobs.

The documented rules (the paths, 401 without `alexa::alerts:reminders:skill:readwrite`, only
this skill's reminders listed, create only in session, the body's validation, the limits) live
in `skill.tryout.reminders.LocalReminders`, which `mat-coach try` serves; this fake is that
class plus what tests need on top: a record of every call, failures on demand (`fail_status`,
`garbage`), and another skill's reminder for the same user. `TimersFake` hands it every request
under `/v1/alerts/reminders`, so it is reached over the same loopback HTTPS server and the same
in-process client as the timers.
"""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug import Request, Response

from skill.tryout.reminders import (
    INVALID_ALERT_INFO,
    INVALID_PUSH_NOTIFICATION,
    INVALID_RECURRENCE,
    INVALID_REQUEST,
    INVALID_SCHEDULED_TIME,
    INVALID_TIME_ZONE,
    INVALID_TRIGGER,
    MAX_REMINDERS,
    MAX_REMINDERS_EXCEEDED,
    MAX_TEXT_LENGTH,
    NOT_FOUND,
    OUT_OF_SESSION,
    REMINDER_PATH,
    REMINDERS_PATH,
    SCOPE,
    UNAUTHORIZED,
    Invalid,
    LocalReminders,
    is_reminders_path,
    new_token,
    owner_of,
    request_body_invalid,
)
from skill.tryout.reminders import LocalReminder as FakeReminder
from skill.tryout.reminders import _error as _error

__all__ = [
    "INVALID_ALERT_INFO", "INVALID_PUSH_NOTIFICATION", "INVALID_RECURRENCE", "INVALID_REQUEST",
    "INVALID_SCHEDULED_TIME", "INVALID_TIME_ZONE", "INVALID_TRIGGER", "MAX_REMINDERS",
    "MAX_REMINDERS_EXCEEDED", "MAX_TEXT_LENGTH", "NOT_FOUND", "OUT_OF_SESSION", "REMINDERS_PATH",
    "REMINDER_PATH", "SCOPE", "UNAUTHORIZED", "Call", "FakeReminder", "Invalid",
    "RemindersFake", "is_reminders_path", "owner_of", "request_body_invalid",
]


@dataclass
class Call:
    """One request a stand-in received (the Timers one keeps the same log)."""

    method: str
    path: str
    body: dict | None
    authorization: str | None


class RemindersFake(LocalReminders):
    """The local Reminders API, a call log and failure modes; `handle` answers one request.

    Users have granted the permission unless a test says otherwise (`revoke`), as with the
    timers; `out_of_session(token)` marks a token as an LWA token from outside a session.
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.calls: list[Call] = []
        self.fail_status: int | None = None
        self.garbage = False

    # --- what tests set up and read ------------------------------------------------------
    def add_other_skill_reminder(self, token: str, body: dict | None = None) -> str:
        """A reminder another skill set for the same user: never listed nor reachable here."""
        now = self.clock()
        reminder = FakeReminder(new_token(), owner_of(token), body or {}, now, now,
                                skill="other")
        with self.lock:
            self.reminders[reminder.token] = reminder
        return reminder.token

    def paths(self, method: str | None = None) -> list[str]:
        return [c.path for c in self.calls if method is None or c.method == method]

    # --- the HTTP side -------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        body = request.get_json(silent=True, force=True) if request.data else None
        with self.lock:
            self.calls.append(Call(request.method, request.path, body,
                                   request.headers.get("Authorization")))
            fail, garbage = self.fail_status, self.garbage
        if fail:
            return _error(fail, "ERROR", "failure injected")
        if garbage:
            return Response("<html>not json", status=200, content_type="application/json")
        return super().handle(request)

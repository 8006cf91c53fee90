"""The seam to the Alexa Timers API.

Handlers speak in sessions; this module speaks the Timers API through ask-sdk-model's
`timer_management` client and turns its many failure shapes (401, 400, 404, 5xx, timeouts,
bodies that do not parse) into a few exceptions a handler can answer truthfully in words:
no permission, the user's ten timers all in use, or an outage worth retrying.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import NamedTuple

from ask_sdk_model.services.timer_management import (
    AnnounceOperation,
    CreationBehavior,
    DisplayExperience,
    NotificationConfig,
    TextToAnnounce,
    TimerRequest,
    TriggeringBehavior,
    Visibility,
)

from skill.alexa_api import error_code
from skill.domain.lengths import iso_minutes

log = logging.getLogger(__name__)

TIMERS_SCOPE = "alexa::alerts:timers:skill:readwrite"
MAX_TIMERS = 10  # per user, their own timers included
_GONE = object()  # a 404: the timer went off or the user cancelled it
# Amazon documents a create's 400s (a label in use, the ten-timer limit) but not their codes:
# a code that names the limit is the limit; any other refusal is retried once with a fresh
# label, and a second refusal of a valid timer can only be the limit.
_LIMIT_HINTS = ("MAX", "LIMIT", "EXCEED", "TOO_MANY")


class TimersError(Exception):
    """Base class: the timer could not be handled."""


class TimersPermissionError(TimersError):
    """The user has not granted the timers permission (401/403)."""


class TimersUnavailableError(TimersError):
    """The API failed, timed out or answered nonsense: worth trying again in a moment."""


class TimersLimitError(TimersError):
    """Every one of the user's timers is in use (Alexa allows ten, their own included)."""


class _Refused(TimersError):
    """A 400 to a create: a label already in use, or the limit. Decided by `create`."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class TimerState(NamedTuple):
    """One of the skill's timers as the API reports it."""

    remaining_seconds: int
    paused: bool
    timer_id: str
    duration_seconds: int
    label: str = ""  # says whose session it is when Alexa recognised the speaker

    @property
    def ran_seconds(self) -> int:
        """How long it has run: the API stops the clock while it is paused."""
        return max(0, self.duration_seconds - self.remaining_seconds)


class TimersGateway:
    """List, create, pause, resume and delete one user's timers from this skill.

    `client` is ask-sdk-model's `TimerManagementServiceClient`, or None when the request
    carries no API access (then every call reports the permission as missing).
    """

    def __init__(self, client: object | None) -> None:
        self._client = client

    def _call(self, operation: str, *args: object) -> object:
        if self._client is None:
            raise TimersPermissionError("no API access in the request")
        try:
            return getattr(self._client, operation)(*args)
        except Exception as exc:  # ServiceException, ApiClientException, parse errors
            status = getattr(exc, "status_code", None)
            code = error_code(exc)
            if status in (401, 403):
                raise TimersPermissionError(f"{operation}: {status}") from exc
            if status == 404:
                return _GONE
            if status == 400 and operation == "create_timer":
                log.info("timers %s refused: status=400 code=%s", operation, code or "-")
                raise _Refused(code.upper()) from exc
            log.warning("timers %s failed: %s status=%s code=%s", operation,
                        type(exc).__name__, status, code or "-")
            raise TimersUnavailableError(f"{operation}: {status or type(exc).__name__}") from exc

    def list(self, now: datetime | None = None) -> list[TimerState]:
        """This skill's timers for this user that are still set (one API call)."""
        response = self._call("get_timers")
        if response is _GONE or response is None:
            return []
        timers = getattr(response, "timers", None)
        if timers is None:
            return []
        if not isinstance(timers, list):
            raise TimersUnavailableError("get_timers: unreadable answer")
        states = [self._state_of(timer, now) for timer in timers]
        return [state for state in states if state is not None]

    def create(
        self, minutes: int, *, labels: Sequence[str], announcement: str, locale: str,
        seconds: int | None = None, hidden: bool = False,
    ) -> str:
        """Start an announcing timer of `minutes` (or exactly `seconds`); return its id.

        A session's end timer is visible with a chime; `hidden` makes a check-in: off the
        screen and without the chime, so it only speaks its few words. A label already in use
        gets one more try with the next label; a refusal that names the limit, or a second
        refusal, means the user's timers are all in use.
        """
        duration = iso_minutes(minutes) if seconds is None else f"PT{int(seconds)}S"
        for attempt, label in enumerate(labels[:2]):
            try:
                return self._create(duration, label, announcement, locale, hidden)
            except _Refused as refused:
                if any(hint in refused.code for hint in _LIMIT_HINTS):
                    raise TimersLimitError(refused.code) from refused
                if attempt == len(labels[:2]) - 1:
                    raise TimersLimitError(refused.code or "refused twice") from refused
        raise ValueError("create needs at least one label")

    def _create(
        self, duration: str, label: str, announcement: str, locale: str, hidden: bool
    ) -> str:
        request = TimerRequest(
            duration=duration,
            timer_label=label,
            creation_behavior=CreationBehavior(display_experience=DisplayExperience(
                visibility=Visibility.HIDDEN if hidden else Visibility.VISIBLE)),
            triggering_behavior=TriggeringBehavior(
                operation=AnnounceOperation(
                    text_to_announce=[TextToAnnounce(locale=locale, text=announcement)]
                ),
                notification_config=NotificationConfig(play_audible=not hidden),
            ),
        )
        response = self._call("create_timer", request)
        timer_id = getattr(response, "id", None) if response is not _GONE else None
        if not isinstance(timer_id, str) or not timer_id:
            raise TimersUnavailableError("create_timer: no timer id in the answer")
        return timer_id

    def _state_of(self, response: object, now: datetime | None) -> TimerState | None:
        import isodate  # only a timer's answer needs it; kept off the cold-start path

        status = getattr(getattr(response, "status", None), "value", None)
        if status == "OFF":
            return None
        try:
            duration = getattr(response, "duration", None)
            total = int(isodate.parse_duration(duration).total_seconds()) if duration else 0
            timer_id = str(getattr(response, "id", "") or "")
            label = getattr(response, "timer_label", None)
            label = label if isinstance(label, str) else ""
            if status == "PAUSED":
                left = isodate.parse_duration(response.remaining_time_when_paused)
                return TimerState(int(left.total_seconds()), True, timer_id, total, label)
            trigger = response.trigger_time
            if trigger.tzinfo is None:
                trigger = trigger.replace(tzinfo=UTC)
            moment = now or datetime.now(UTC)
            left_seconds = int((trigger - moment).total_seconds())
            if left_seconds <= 0:
                return None  # it has gone off
            return TimerState(left_seconds, False, timer_id, total, label)
        except (AttributeError, TypeError, ValueError, isodate.ISO8601Error) as exc:
            raise TimersUnavailableError("timer: unreadable answer") from exc

    def pause(self, timer_id: str) -> bool:
        """Pause; False when the timer is gone."""
        return self._call("pause_timer", timer_id) is not _GONE

    def resume(self, timer_id: str) -> bool:
        """Resume; False when the timer is gone."""
        return self._call("resume_timer", timer_id) is not _GONE

    def delete(self, timer_id: str) -> None:
        """Cancel; a timer that already went off is fine."""
        self._call("delete_timer", timer_id)

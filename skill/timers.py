"""The seam to the Alexa Timers API.

Handlers speak in sessions; this module speaks the Timers API through ask-sdk-model's
`timer_management` client and turns its many failure shapes (401, 404, 5xx, timeouts,
bodies that do not parse) into three exceptions a handler can answer in words.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

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

from skill.domain.lengths import iso_minutes

log = logging.getLogger(__name__)

TIMERS_SCOPE = "alexa::alerts:timers:skill:readwrite"
_GONE = object()  # a 404: the timer went off or the user cancelled it


class TimersError(Exception):
    """Base class: the timer could not be handled."""


class TimersPermissionError(TimersError):
    """The user has not granted the timers permission (401/403)."""


class TimersUnavailableError(TimersError):
    """The API failed, timed out or answered nonsense."""


@dataclass(frozen=True)
class TimerState:
    """What a timer has left, and whether it is paused."""

    remaining_seconds: int
    paused: bool


class TimersGateway:
    """Create, read, pause, resume and delete one user's timers.

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
            if status in (401, 403):
                raise TimersPermissionError(f"{operation}: {status}") from exc
            if status == 404:
                return _GONE
            log.warning("timers %s failed: %s status=%s", operation, type(exc).__name__, status)
            raise TimersUnavailableError(f"{operation}: {status or type(exc).__name__}") from exc

    def create(self, minutes: int, *, label: str, announcement: str, locale: str) -> str:
        """Start an announcing, visible, audible timer; return its id."""
        request = TimerRequest(
            duration=iso_minutes(minutes),
            timer_label=label,
            creation_behavior=CreationBehavior(
                display_experience=DisplayExperience(visibility=Visibility.VISIBLE)
            ),
            triggering_behavior=TriggeringBehavior(
                operation=AnnounceOperation(
                    text_to_announce=[TextToAnnounce(locale=locale, text=announcement)]
                ),
                notification_config=NotificationConfig(play_audible=True),
            ),
        )
        response = self._call("create_timer", request)
        timer_id = getattr(response, "id", None) if response is not _GONE else None
        if not isinstance(timer_id, str) or not timer_id:
            raise TimersUnavailableError("create_timer: no timer id in the answer")
        return timer_id

    def state(self, timer_id: str, now: datetime | None = None) -> TimerState | None:
        """Remaining time of a timer, or None when it no longer exists (it went off)."""
        import isodate  # only a paused timer's answer needs it; kept off the cold-start path

        response = self._call("get_timer", timer_id)
        if response is _GONE or response is None:
            return None
        status = getattr(getattr(response, "status", None), "value", None)
        if status == "OFF":
            return None
        try:
            if status == "PAUSED":
                left = isodate.parse_duration(response.remaining_time_when_paused)
                return TimerState(int(left.total_seconds()), paused=True)
            trigger = response.trigger_time
            if trigger.tzinfo is None:
                trigger = trigger.replace(tzinfo=UTC)
            moment = now or datetime.now(UTC)
            return TimerState(max(0, int((trigger - moment).total_seconds())), paused=False)
        except (AttributeError, TypeError, ValueError, isodate.ISO8601Error) as exc:
            raise TimersUnavailableError("get_timer: unreadable answer") from exc

    def pause(self, timer_id: str) -> bool:
        """Pause; False when the timer is gone."""
        return self._call("pause_timer", timer_id) is not _GONE

    def resume(self, timer_id: str) -> bool:
        """Resume; False when the timer is gone."""
        return self._call("resume_timer", timer_id) is not _GONE

    def delete(self, timer_id: str) -> None:
        """Cancel; a timer that already went off is fine."""
        self._call("delete_timer", timer_id)

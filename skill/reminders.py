"""The seam to the Alexa Reminders API, for weekly mat reminders.

Handlers speak in schedules (`skill.domain.schedule.WeeklySchedule`); this module speaks the
Reminders API through ask-sdk-model's `reminder_management` client and folds its failures
into a few exceptions a handler can answer honestly, one sentence each:

* `RemindersPermissionError`: no consent for `alexa::alerts:reminders:skill:readwrite` (401,
  403), or no API access in the request at all: ask for it by voice, as for timers;
* `RemindersLimitError`: a create refused because the user has too many reminders;
* `RemindersRejectedError`: any other refusal of a create (a 4xx naming something wrong in the
  request): not worth retrying, the skill cannot set that reminder;
* `RemindersUnavailableError`: 5xx, 429, a timeout (the request's shared API budget in
  `skill.alexa_api` included) or an answer that does not parse: try again in a moment.

A handler builds the gateway from the request, like `TimersGateway`:

    factory = handler_input.service_client_factory
    gateway = RemindersGateway(factory.get_reminder_management_service() if factory and
                               api_access_token else None)

**The AlertInfo trap.** ask-sdk-model 1.82's `AlertInfo.deserialized_types` names its
`spoken_info` type as `...reminder_management.alert_info_spoken_info.SpokenInfo`, a module the
package does not ship (the class lives in `...reminder_management.spoken_info`). Creating a
reminder works, since only deserialising needs the name, but every read (`get_reminder`,
`get_reminders`) fails with "Unable to resolve class" before the skill sees a byte.
`repair_alert_info_type` points the type map at the real class, once, and only while the
named module is missing, so an ask-sdk-model that fixes it is left alone.
"""

from __future__ import annotations

import importlib.util
import logging
from dataclasses import dataclass
from datetime import datetime, tzinfo

from ask_sdk_model.services.reminder_management import (
    AlertInfo,
    PushNotification,
    PushNotificationStatus,
    Recurrence,
    ReminderRequest,
    SpokenInfo,
    SpokenText,
    Trigger,
    TriggerType,
)

from skill.alexa_api import error_code
from skill.domain.schedule import (
    RRULE_DAYS,
    ScheduleError,
    WeeklySchedule,
    local_time,
    zone_id,
)

log = logging.getLogger(__name__)

REMINDERS_SCOPE = "alexa::alerts:reminders:skill:readwrite"
_GONE = object()  # a 404: the reminder no longer exists (deleted in the Alexa app, or never ours)
# Amazon does not document the code of the too-many-reminders refusal; a code naming a limit
# is the limit, any other 4xx to a create is the request refused.
_LIMIT_HINTS = ("MAX", "LIMIT", "EXCEED", "TOO_MANY")
_BROKEN_SPOKEN_INFO = "ask_sdk_model.services.reminder_management.alert_info_spoken_info"
_SPOKEN_INFO = "ask_sdk_model.services.reminder_management.spoken_info.SpokenInfo"


class RemindersError(Exception):
    """Base class: the reminder could not be handled."""


class RemindersPermissionError(RemindersError):
    """The user has not granted the reminders permission (401/403), or no API access."""


class RemindersUnavailableError(RemindersError):
    """The API failed, throttled, timed out or answered nonsense: worth trying again later."""


class RemindersLimitError(RemindersError):
    """The user already has as many reminders as Alexa allows this skill."""


class RemindersRejectedError(RemindersError):
    """A create refused for what it asked (a 4xx other than the limit); `code` says why."""

    def __init__(self, code: str) -> None:
        super().__init__(code or "refused")
        self.code = code


@dataclass(frozen=True)
class ReminderState:
    """One of this skill's reminders as the API reports it.

    `schedule` is None when the reminder is not a weekly one this module can read (a one-off,
    or a rule it does not know); `status` is "ON" or "COMPLETED"; `zone` is its `timeZoneId`.
    """

    alert_token: str
    status: str
    schedule: WeeklySchedule | None
    zone: str | None = None
    text: str | None = None

    @property
    def active(self) -> bool:
        """Still going to ring: a completed reminder stays listed for a few days, silent."""
        return self.status != "COMPLETED"


def repair_alert_info_type() -> bool:
    """Make ask-sdk-model able to read reminders back; True when the repair was needed.

    Idempotent and process-wide: it corrects the one wrong type name in `AlertInfo`'s map.
    """
    named = AlertInfo.deserialized_types.get("spoken_info", "")
    if not named.startswith(_BROKEN_SPOKEN_INFO + "."):
        return False
    try:
        missing = importlib.util.find_spec(_BROKEN_SPOKEN_INFO) is None
    except ModuleNotFoundError:
        missing = True
    if missing:
        AlertInfo.deserialized_types = {**AlertInfo.deserialized_types,
                                        "spoken_info": _SPOKEN_INFO}
    return missing


repair_alert_info_type()


class RemindersGateway:
    """Create, list, read and delete one user's weekly reminders from this skill.

    `client` is ask-sdk-model's `ReminderManagementServiceClient`, or None when the request
    carries no API access (then every call reports the permission as missing). Each method is
    one API call, bounded by the request's budget in `TimeoutApiClient`.
    """

    def __init__(self, client: object | None) -> None:
        self._client = client

    def _call(self, operation: str, *args: object) -> object:
        if self._client is None:
            raise RemindersPermissionError("no API access in the request")
        try:
            return getattr(self._client, operation)(*args)
        except Exception as exc:  # ServiceException, ApiClientException, parse errors
            status = getattr(exc, "status_code", None)
            code = error_code(exc)
            if status in (401, 403):
                raise RemindersPermissionError(f"{operation}: {status} {code}") from exc
            if status == 404 and operation != "create_reminder":
                return _GONE
            if isinstance(status, int) and 400 <= status < 500 and status not in (408, 429):
                log.info("reminders %s refused: status=%s code=%s", operation, status,
                         code or "-")
                if any(hint in code.upper() for hint in _LIMIT_HINTS):
                    raise RemindersLimitError(code) from exc
                raise RemindersRejectedError(code) from exc
            log.warning("reminders %s failed: %s status=%s code=%s", operation,
                        type(exc).__name__, status, code or "-")
            raise RemindersUnavailableError(
                f"{operation}: {status or type(exc).__name__}") from exc

    def create_weekly(
        self,
        schedule: WeeklySchedule,
        *,
        text: str,
        locale: str,
        zone: tzinfo,
        now: datetime,
        push_notification: bool = True,
    ) -> str:
        """Set a reminder that rings on `schedule`'s days at its local time; return its token.

        `zone` is the device's time zone (`skill.device_zone`) and `now` an aware moment: the
        trigger carries the naive local time of the first ring plus the zone's IANA name, and
        one weekly rule with every day in it (one reminder, one token, however many days).
        `text` is what Alexa says when it rings, already in the user's `locale`. A zone with
        no IANA name (a bare UTC offset) raises `ValueError`: sent as "UTC" it would ring at
        the wrong hour.
        """
        if not text.strip():
            raise ValueError("a reminder needs words to say")
        local_now = local_time(now, zone).replace(second=0, microsecond=0)
        request = ReminderRequest(
            request_time=local_now,
            trigger=Trigger(
                object_type=TriggerType.SCHEDULED_ABSOLUTE,
                scheduled_time=schedule.next_occurrence(local_now),
                time_zone_id=zone_id(zone),
                recurrence=Recurrence(start_date_time=local_now,
                                      recurrence_rules=[schedule.recurrence_rule()]),
            ),
            alert_info=AlertInfo(spoken_info=SpokenInfo(
                content=[SpokenText(locale=locale, text=text)])),
            push_notification=PushNotification(
                status=PushNotificationStatus.ENABLED if push_notification
                else PushNotificationStatus.DISABLED),
        )
        response = self._call("create_reminder", request)
        token = getattr(response, "alert_token", None)
        if not isinstance(token, str) or not token:
            raise RemindersUnavailableError("create_reminder: no alert token in the answer")
        return token

    def list(self) -> list[ReminderState]:
        """This skill's reminders for this user, completed ones included (one API call)."""
        response = self._call("get_reminders")
        if response is _GONE or response is None:
            return []
        alerts = getattr(response, "alerts", None)
        if alerts is None:
            return []
        if not isinstance(alerts, list):
            raise RemindersUnavailableError("get_reminders: unreadable answer")
        states = [self._state_of(alert) for alert in alerts]
        return [state for state in states if state is not None]

    def get(self, alert_token: str) -> ReminderState | None:
        """One reminder by its token; None when it no longer exists."""
        response = self._call("get_reminder", alert_token)
        if response is _GONE or response is None:
            return None
        return self._state_of(response)

    def delete(self, alert_token: str) -> bool:
        """Delete one reminder; False when it was already gone (deleted in the Alexa app)."""
        return self._call("delete_reminder", alert_token) is not _GONE

    @staticmethod
    def _state_of(reminder: object) -> ReminderState | None:
        token = getattr(reminder, "alert_token", None)
        if not isinstance(token, str) or not token:
            return None
        status = getattr(getattr(reminder, "status", None), "value", None) or "ON"
        trigger = getattr(reminder, "trigger", None)
        zone = getattr(trigger, "time_zone_id", None)
        spoken = getattr(getattr(reminder, "alert_info", None), "spoken_info", None)
        content = getattr(spoken, "content", None) or []
        text = getattr(content[0], "text", None) if content else None
        return ReminderState(token, str(status), _schedule_of(trigger),
                             zone if isinstance(zone, str) else None,
                             text if isinstance(text, str) else None)


def _schedule_of(trigger: object) -> WeeklySchedule | None:
    """The weekly schedule of a stored trigger: its rules, else the older `byDay` form."""
    recurrence = getattr(trigger, "recurrence", None)
    if recurrence is None:
        return None
    rules = getattr(recurrence, "recurrence_rules", None)
    try:
        if rules:
            return WeeklySchedule.from_rules([str(rule) for rule in rules])
        # Before recurrenceRules: `freq` and `byDay` with the time of day in scheduledTime.
        by_day = [getattr(day, "value", day) for day in getattr(recurrence, "by_day", None) or []]
        scheduled = getattr(trigger, "scheduled_time", None)
        if by_day and isinstance(scheduled, datetime):
            days = tuple(RRULE_DAYS.index(str(code)) for code in by_day)
            return WeeklySchedule(days, scheduled.hour, scheduled.minute)
    except (ScheduleError, ValueError):
        return None
    return None

"""Reminder requests as Alexa sends them: the multiple-value `days` slot, and the answer to the
skill's reminders permission question.

A multiple-value slot (`"multipleValues": {"enabled": true}` in the model) arrives with a
`slotValue` of type `List`, one `Simple` value per day said, each with its own entity
resolution; a locale without multiple values (en-IN) sends the plain `value` instead.
"""

from __future__ import annotations

from testkit import envelopes

REMINDERS_SCOPE = "alexa::alerts:reminders:skill:readwrite"
_AUTHORITY = f"amzn1.er-authority.echo-sdk.{envelopes.APP_ID}.ReminderDays"


def _simple(value_id: str, spoken: str | None = None) -> dict:
    spoken = spoken or value_id.lower().replace("_", " ")
    return {"type": "Simple", "value": spoken, "resolutions": {"resolutionsPerAuthority": [{
        "authority": _AUTHORITY, "status": {"code": "ER_SUCCESS_MATCH"},
        "values": [{"value": {"name": spoken, "id": value_id}}],
    }]}}


def days_slot(*value_ids: str) -> dict:
    """The `days` slot with one value per id ("MONDAY", "WEEKDAYS", ...), as a List."""
    return {"name": "days", "confirmationStatus": "NONE",
            "slotValue": {"type": "List", "values": [_simple(v) for v in value_ids]}}


def plain_days_slot(value: str) -> dict:
    """The `days` slot as one plain value ("monday, friday"): en-IN, or what the skill sent
    back with a Dialog.ElicitSlot and Alexa returns."""
    return envelopes.slot("days", value)


def set_reminder(days: dict | None = None, time: str | None = None, **kwargs: object) -> dict:
    """SetReminderIntent with whatever was said of the days and the time."""
    slots: dict = {"days": days or {"name": "days", "confirmationStatus": "NONE"}}
    slots["time"] = envelopes.slot("time", time)
    return envelopes.intent("SetReminderIntent", slots, **kwargs)


def reminders_consent(status: str, token: str, **kwargs: object) -> dict:
    """Alexa's answer to the skill's AskFor request for the reminders permission."""
    return envelopes.envelope(
        {
            "type": "Connections.Response",
            "name": "AskFor",
            "status": {"code": "200", "message": "OK"},
            "token": token,
            "payload": {"permissionScope": REMINDERS_SCOPE, "status": status},
        },
        **kwargs,
    )

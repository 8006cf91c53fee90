"""Weekly reminders by voice: set ("remind me to use my mat on Mondays at seven pm"), list
("what reminders do I have") and stop ("stop my reminders").

The user's reminder is one Alexa reminder with a weekly rule, its token kept with the routine
(`skill.domain.routine.ReminderRecord`). Alexa's list is the truth: a reminder deleted in the
Alexa app is gone, and listing then forgets it in the record too. Reminders are account-wide on
Alexa's side and a shared Echo keeps one routine per recognised person, so listing and stopping
act on the tokens of the speaker's own routine only, never on a reminder another person set.
Every failure has its own sentence: no consent (asked by voice when setting, a card otherwise),
the limit, a refusal, an outage.
"""

from __future__ import annotations

from functools import partial

from ask_sdk_model import Response

from skill.domain import routine as rules
from skill.handlers import flows
from skill.handlers.base import IntentHandler
from skill.handlers.turn import Turn, resolved_id_of


def days_said(turn: Turn) -> list[str]:
    """Every day value of the `days` slot: value ids where entity resolution matched one.

    A multiple-value slot arrives as `slotValue` of type List (one Simple value per day said);
    a single value, or a locale without multiple values, as the slot's plain `value`. The
    spoken words count too, split at commas and "and": "monday, friday" (what this skill sends
    back when it asks for the time) or "mondays and fridays" in one value are both days.
    """
    slot = turn.slot("days")
    if slot is None:
        return []
    slot_value = getattr(slot, "slot_value", None)
    items = getattr(slot_value, "values", None)
    if not isinstance(items, list):
        items = [slot_value] if slot_value is not None else [slot]
    said: list[str] = []
    for item in items:
        value_id = resolved_id_of(item)
        if value_id:
            said.append(value_id)
        value = getattr(item, "value", None)
        if isinstance(value, str) and value.strip():
            said.append(value)
            said.extend(piece for chunk in value.split(",") for piece in chunk.split(" and "))
    return said


class SetReminderIntentHandler(IntentHandler):
    """Days and a time make a weekly reminder; what is missing is asked for, one at a time."""

    intent_names = ("SetReminderIntent",)
    replay_safe = True

    def respond(self, turn: Turn) -> Response:
        # Imported here: only reminder requests parse days and times, not every cold start.
        from skill.domain.schedule import (
            FuzzyTimeError,
            ScheduleError,
            WeeklySchedule,
            parse_days,
            parse_time,
        )

        try:
            days = parse_days(days_said(turn))
        except ScheduleError:
            return flows.ask_reminder_days(turn)
        try:
            hour, minute = parse_time(turn.slot_value("time"))
        except FuzzyTimeError as fuzzy:
            return flows.ask_reminder_time(turn, tuple(sorted(days)), fuzzy.part_of_day)
        except ScheduleError:
            return flows.ask_reminder_time(turn, tuple(sorted(days)))
        return flows.set_weekly_reminder(turn, WeeklySchedule(tuple(days), hour, minute))


def _listed(turn: Turn) -> list | Response:
    """The speaker's reminders that still ring, or the reply that says why they cannot be had.

    Only the tokens kept with the speaker's routine count (no API call when there are none);
    one Alexa no longer has is forgotten in the record.
    """
    from skill.reminders import RemindersError

    record = turn.routine.reminder
    if record is None:
        return []
    try:
        states = [state for state in turn.reminders.list() if state.active]
    except RemindersError as exc:
        return _unreadable(turn, exc)
    mine = [state for state in states if state.alert_token in record.tokens]
    if not mine:
        turn.change(rules.clear_reminder)
    return mine


def _unreadable(turn: Turn, exc: Exception) -> Response:
    from skill.reminders import RemindersPermissionError

    if isinstance(exc, RemindersPermissionError):
        flows.reminders_consent_card(turn)
        return turn.tell(turn.say.text("reminders.no_permission"))
    return turn.tell(turn.say.text("reminders.unavailable"))


class ListRemindersIntentHandler(IntentHandler):
    """When the mat reminders ring, as Alexa has them now."""

    intent_names = ("ListRemindersIntent",)
    replay_safe = True

    def respond(self, turn: Turn) -> Response:
        listed = _listed(turn)
        if isinstance(listed, Response):
            return listed
        say, kept = turn.say, turn.routine.reminder
        schedules = [s.schedule or (kept.schedule if kept else None) for s in listed]
        whens = [flows.spoken_schedule(turn, s) for s in schedules if s is not None]
        if not whens:
            return turn.tell(say.text("reminders.list.none"))
        if len(whens) == 1:
            return turn.tell(say.text("reminders.list.one", when=whens[0]))
        when = say.text("reminders.and", first=", ".join(whens[:-1]), last=whens[-1])
        return turn.tell(say.text("reminders.list.several", count=len(whens), when=when))


class StopRemindersIntentHandler(IntentHandler):
    """Delete the user's mat reminders and forget them; a reminder already gone is fine."""

    intent_names = ("StopRemindersIntent",)
    replay_safe = True

    def respond(self, turn: Turn) -> Response:
        from skill import fanout
        from skill.reminders import RemindersError, RemindersUnavailableError

        say, record = turn.say, turn.routine.reminder
        if record is None:
            return turn.tell(say.text("reminders.stopped.none"))
        gateway = turn.reminders
        # Together; one already gone counts as stopped.
        for outcome in turn.together([partial(gateway.delete, token) for token in record.tokens]):
            if isinstance(outcome.error, fanout.Late):  # whether it went, the next list tells
                return _unreadable(turn, RemindersUnavailableError(str(outcome.error)))
            if isinstance(outcome.error, RemindersError):
                return _unreadable(turn, outcome.error)
            if outcome.error is not None:
                raise outcome.error
        turn.change(rules.clear_reminder)
        return turn.tell(say.text("reminders.stopped"))

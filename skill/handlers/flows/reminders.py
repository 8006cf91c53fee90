"""Weekly reminders: the permission token, the schedule in words, asking for days or a time,
and setting the reminder.

Reached from "remind me ..." (SetReminderIntent), a "yes" to the launch's offer, and the
answer to our permission question, so the steps live here once. `skill.reminders` and the
schedule are imported inside the steps: a launch or a timer never pays for them.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from ask_sdk_model import Response

from skill import fanout
from skill.content import plain
from skill.domain import routine as rules
from skill.handlers.flows.asking import answering_consent, ask_for, card_for
from skill.handlers.turn import Turn

if TYPE_CHECKING:
    from skill.domain.schedule import WeeklySchedule


#: A permission request's token names what was asked: timers send the session length ("20"),
#: reminders this prefix and the schedule ("reminders:MO,WE,FR@19:00").
REMINDERS_TOKEN = "reminders:"
_DAY_KEYS = {
    "monday": "reminders.day.monday", "tuesday": "reminders.day.tuesday",
    "wednesday": "reminders.day.wednesday", "thursday": "reminders.day.thursday",
    "friday": "reminders.day.friday", "saturday": "reminders.day.saturday",
    "sunday": "reminders.day.sunday",
}
_GROUP_KEYS = {"daily": "reminders.days.daily", "weekdays": "reminders.days.weekdays",
               "weekends": "reminders.days.weekends"}
_PART_KEYS = {"morning": "reminders.part.morning", "afternoon": "reminders.part.afternoon",
              "evening": "reminders.part.evening", "night": "reminders.part.night"}


def reminder_token(schedule: WeeklySchedule) -> str:
    """The permission request's token for this schedule: "reminders:MO,WE,FR@19:00"."""
    from skill.domain.schedule import RRULE_DAYS

    days = ",".join(RRULE_DAYS[d] for d in schedule.days)
    return f"{REMINDERS_TOKEN}{days}@{schedule.hour:02d}:{schedule.minute:02d}"


def schedule_of_token(token: object) -> WeeklySchedule | None:
    """The schedule a reminders token carries; None for a timers token or a damaged one."""
    from skill.domain.schedule import ScheduleError, WeeklySchedule

    if not isinstance(token, str) or not token.startswith(REMINDERS_TOKEN):
        return None
    days, _, time = token.removeprefix(REMINDERS_TOKEN).partition("@")
    try:
        return WeeklySchedule.from_slots(days.split(","), time)
    except ScheduleError:
        return None


def spoken_schedule(turn: Turn, schedule: WeeklySchedule) -> str:
    """"every day at 8 am", "on Mondays and Fridays at 7:30 pm", from the catalogue."""
    say, words = turn.say, schedule.words()
    if words.kind in _GROUP_KEYS:
        days = say.text(_GROUP_KEYS[words.kind])
    else:
        names = [say.text(_DAY_KEYS[day]) for day in words.days]
        listed = names[0] if len(names) == 1 else say.text(
            "reminders.and", first=", ".join(names[:-1]), last=names[-1])
        days = say.text("reminders.days.list", days=listed)
    return say.text("reminders.when", days=days, time=spoken_time(turn, words.hour, words.minute))


def spoken_time(turn: Turn, hour: int, minute: int) -> str:
    """A time of day as the user's language says it ("7 pm", "19 Uhr"): the catalogue's."""
    return turn.say.clock_time(hour, minute)


def ask_reminder_days(turn: Turn) -> Response:
    """Which days? Asked with Dialog.ElicitSlot on SetReminderIntent, from any intent (a "yes"
    to the launch's offer chains into it), so "weekdays" alone comes back as that intent."""
    return _elicit_reminder(turn, "days", (), turn.say.text("reminders.ask_days"),
                            turn.say.text("reminders.ask_days.reprompt"))


def ask_reminder_time(turn: Turn, days: tuple[int, ...], part_of_day: str | None = None
                      ) -> Response:
    """What time? The days already understood go back with the question and are kept.

    A part of the day ("in the evening") is not a time to ring at: ask for the exact time in
    that part of the day rather than guess a minute.
    """
    from skill.domain.schedule import DAY_IDS

    say = turn.say
    if part_of_day in _PART_KEYS:
        speech = say.text("reminders.ask_exact_time", part=say.text(_PART_KEYS[part_of_day]))
    else:
        speech = say.text("reminders.ask_time")
    return _elicit_reminder(turn, "time", tuple(DAY_IDS[d] for d in days), speech,
                            say.text("reminders.ask_time.reprompt"))


def _elicit_reminder(turn: Turn, slot: str, days: tuple[str, ...], speech: str,
                     reprompt: str) -> Response:
    """Dialog.ElicitSlot for `slot` of SetReminderIntent, with the days filled when known.

    The days go back as one plain value ("monday, friday"), and also as a multiple-value
    `slotValue` when they came as one (a locale without multiple values never gets a List);
    the time slot is always cleared, so a part of the day that was not a time is not kept.
    """
    from ask_sdk_model import Intent, IntentConfirmationStatus, Slot
    from ask_sdk_model.dialog import ElicitSlotDirective
    from ask_sdk_model.list_slot_value import ListSlotValue
    from ask_sdk_model.simple_slot_value import SimpleSlotValue

    day_slot = Slot(name="days")
    if days and slot != "days":
        said = getattr(turn.slot("days"), "slot_value", None)
        as_list = getattr(said, "object_type", None) == "List"
        day_slot = Slot(name="days", value=", ".join(days), slot_value=ListSlotValue(
            values=[SimpleSlotValue(value=day) for day in days]) if as_list else None)
    updated = Intent(name="SetReminderIntent",
                     slots={"days": day_slot, "time": Slot(name="time")},
                     confirmation_status=IntentConfirmationStatus.NONE)
    turn.builder.add_directive(ElicitSlotDirective(updated_intent=updated, slot_to_elicit=slot))
    return turn.ask(speech, reprompt)


def ask_for_reminder_permission(turn: Turn, schedule: WeeklySchedule) -> Response:
    """Ask by voice; the answer carries the schedule as its token."""
    from skill.reminders import REMINDERS_SCOPE

    ask_for(turn, REMINDERS_SCOPE, reminder_token(schedule))
    return turn.tell(turn.say.text("reminders.permission.ask"))


def reminders_consent_card(turn: Turn) -> None:
    from skill.reminders import REMINDERS_SCOPE

    card_for(turn, REMINDERS_SCOPE)


def reminder_permission_missing(turn: Turn) -> Response:
    """No consent after asking (or a refusal): say so, and send the card to turn it on."""
    reminders_consent_card(turn)
    return turn.tell(turn.say.text("reminders.permission.denied"))


def reminders_refusal(turn: Turn, exc: Exception) -> Response:
    """The honest sentence for a failed reminders call other than a missing permission."""
    from skill.reminders import RemindersLimitError, RemindersRejectedError

    if isinstance(exc, RemindersLimitError):
        return turn.tell(turn.say.text("reminders.limit"))
    if isinstance(exc, (RemindersRejectedError, ValueError)):
        return turn.tell(turn.say.text("reminders.rejected"))
    return turn.tell(turn.say.text("reminders.unavailable"))


def set_weekly_reminder(turn: Turn, schedule: WeeklySchedule) -> Response:
    """Create the weekly reminder and keep its token with the routine.

    One reminder per user from this skill: a new schedule replaces the old one (deleted
    first, so the limit is never spent on a reminder about to go; the old ones go together,
    with the time-zone lookup the new one needs). No consent asks by voice, unless this
    request is the answer to that question, which then says how to turn it on.
    """
    from datetime import UTC

    from skill.reminders import (
        RemindersError,
        RemindersPermissionError,
        RemindersUnavailableError,
    )

    say, gateway = turn.say, turn.reminders
    after_consent = answering_consent(turn)
    before = turn.routine.reminder
    tokens = before.tokens if before else ()
    outcomes = turn.together([partial(gateway.delete, token) for token in tokens], zone=True)
    deleted = any(outcome.error is None for outcome in outcomes)
    try:
        for outcome in outcomes:
            if isinstance(outcome.error, fanout.Late):
                raise RemindersUnavailableError("delete: no answer in time")
            if outcome.error is not None:
                raise outcome.error
        token = gateway.create_weekly(
            schedule, text=plain(say.text("reminders.text")), locale=say.locale,
            zone=turn.zone, now=datetime.fromtimestamp(turn.now, UTC))
    except (RemindersError, ValueError) as exc:
        if deleted:
            turn.change(rules.clear_reminder)  # the old one is gone: the record says so too
        if isinstance(exc, RemindersPermissionError):
            if after_consent:
                return reminder_permission_missing(turn)
            return ask_for_reminder_permission(turn, schedule)
        return reminders_refusal(turn, exc)
    turn.change(lambda routine: rules.set_reminder(routine, (token,), schedule))
    when = spoken_schedule(turn, schedule)
    speech = say.text("reminders.updated" if before else "reminders.set", when=when)
    return turn.tell(speech, unsaved=say.join(speech, "reminders.not_saved"))

"""Conversation steps that more than one handler takes, each on a `Turn`.

Starting a session is reached from a start request, a "yes" to an offer and the answer to our
permission request; completing a session from time left, pause and resume; describing
progress from launch and "how am I doing". Each step lives here once, so every path into it
behaves the same. Handler modules import this one, never each other.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from ask_sdk_model import Response

from skill.content import plain
from skill.domain import routine as rules
from skill.domain.checkins import DEFAULT_SESSIONS, checkins_for, checkins_wanted
from skill.domain.offer import Offer
from skill.domain.session_rules import SessionPlan, plan_minutes, suggested_minutes
from skill.handlers.turn import Turn
from skill.timers import (
    TIMERS_SCOPE,
    TimersError,
    TimersLimitError,
    TimersPermissionError,
    TimerState,
)

if TYPE_CHECKING:
    from skill.domain.schedule import WeeklySchedule


def accept_offer(turn: Turn, offer: Offer) -> Response:
    """What agreeing to `offer` does: start (or restart) the session, or ask for reminder days."""
    if offer.action == "reminder":
        return ask_reminder_days(turn)
    return start_session(turn, plan(turn, offer.minutes), restart=offer.action == "restart")


def offer_usual_session(turn: Turn) -> int:
    """Offer to start the user's usual length (a following "yes" agrees); returns it."""
    minutes = suggested_minutes(turn.routine, turn.now)
    turn.offer("start", minutes)
    return minutes


def plan(turn: Turn, minutes: int | None = None) -> SessionPlan:
    """The session to time for a length within bounds (None: the user's usual length)."""
    return plan_minutes(minutes, turn.routine, turn.progress, turn.now)


# --- the timers permission ------------------------------------------------------------------
def _ask_for(turn: Turn, scope: str, token: str) -> None:
    """Alexa's own voice consent question for `scope`; its answer, a Connections.Response,
    carries `token` back, so the skill knows what the user was asking for."""
    # Imported here: only this reply needs the Connections models, and importing them with
    # the module would charge every Lambda cold start for them.
    from ask_sdk_model.interfaces.connections import SendRequestDirective

    turn.builder.add_directive(SendRequestDirective(
        name="AskFor",
        payload={
            "@type": "AskForPermissionsConsentRequest",
            "@version": "1",
            "permissionScope": scope,
        },
        token=token,
    ))


def _card_for(turn: Turn, scope: str) -> None:
    """The card in the Alexa app where the user can allow `scope` with one tap."""
    from ask_sdk_model.ui import AskForPermissionsConsentCard

    turn.builder.set_card(AskForPermissionsConsentCard(permissions=[scope]))


def ask_for_timer_permission(turn: Turn, minutes: int) -> Response:
    """Ask by voice; the answer carries `minutes` as its token."""
    _ask_for(turn, TIMERS_SCOPE, str(minutes))
    return turn.tell(turn.say.text("permission.ask"))


def _consent_card(turn: Turn) -> None:
    _card_for(turn, TIMERS_SCOPE)


def permission_missing(turn: Turn, minutes: int) -> Response:
    """Explain, send the consent card, and offer the plain Alexa timer as a way round."""
    _consent_card(turn)
    return turn.tell(turn.say.text("permission.denied", minutes=minutes))


def _answering_consent(turn: Turn) -> bool:
    """This request is the answer to our permission question: never ask it again at once."""
    return getattr(turn.request, "object_type", None) == "Connections.Response"


# --- what the timers say, against the record -----------------------------------------------
class KnownTimers(NamedTuple):
    """The skill's timers that really exist, sorted against what the record says.

    `tracked` is the running session's timer; `finished` means the record has a session
    whose timer is gone (it went off, or the user cancelled it with Alexa directly);
    `leftovers` are timers no routine refers to (a start whose save failed); `checkins` are
    the hidden check-in timers of a session (the record's, or labelled as check-ins after a
    failed save): part of their session, cancelled with it, never counted as time on the mat.
    One that already spoke is simply gone from the list.
    """

    tracked: TimerState | None
    finished: bool
    leftovers: tuple[TimerState, ...]
    checkins: tuple[TimerState, ...] = ()


def known_timers(turn: Turn) -> KnownTimers:
    """One list call, then sorted; raises TimersError when the list cannot be had."""
    # Alexa lists the account's timers: another recognised person's session is not ours to
    # sort, let alone cancel, so only the speaker's own labels count.
    timers = [t for t in turn.skill_timers if turn.owns(t.label)]
    active = turn.routine.active
    tracked = next((t for t in timers if active and t.timer_id == active.timer_id), None)
    recorded = set(active.checkins) if active else set()
    checkins = tuple(t for t in timers if t is not tracked
                     and (t.timer_id in recorded or _is_checkin(turn, t)))
    leftovers = tuple(t for t in timers if t is not tracked and t not in checkins)
    return KnownTimers(tracked, active is not None and tracked is None, leftovers, checkins)


def _cancel_all(
    turn: Turn, known: KnownTimers
) -> tuple[tuple[TimerState, ...], TimersError | None]:
    """Cancel every timer of ours, leftovers first, a session's check-ins before its end
    timer; stop at the first failure.

    Returns what was really cancelled (the record must count exactly that) and the failure.
    """
    cancelled: list[TimerState] = []
    for timer in (*known.leftovers, *known.checkins,
                  *((known.tracked,) if known.tracked else ())):
        try:
            turn.timers.delete(timer.timer_id)
        except TimersError as exc:
            return tuple(cancelled), exc
        cancelled.append(timer)
    return tuple(cancelled), None


def _closing(turn: Turn, known: KnownTimers, cancelled: tuple[TimerState, ...]):
    """The rule that records what has happened: a timer that rang counts in full, a timer
    cancelled now counts the time it really ran (the tracked one ends the running session)."""
    now, zone = turn.now, turn.zone

    def rule(routine: rules.Routine) -> rules.Routine:
        if known.finished:
            routine = rules.end_session(routine, now, zone, completed=True)[0]
        for timer in cancelled:
            if timer in known.checkins:
                continue  # a check-in is part of its session: no minutes of its own
            if timer is known.tracked:
                routine = rules.end_session(routine, now, zone, ran_seconds=timer.ran_seconds)[0]
            else:
                routine = rules.record_leftover(routine, timer.ran_seconds,
                                                timer.duration_seconds, now, zone)
        return routine

    return rule


def _timer_labels(turn: Turn) -> tuple[str, str]:
    """Unique without a saved counter: named for the local start time, then with seconds;
    a recognised speaker's labels also say whose they are."""
    local = datetime.fromtimestamp(turn.now, turn.zone)
    return (turn.tagged(turn.say.text("timer.label", time=local.strftime("%H:%M"))),
            turn.tagged(turn.say.text("timer.label", time=local.strftime("%H:%M:%S"))))


# --- check-ins: hidden timers that only speak, part of their session -------------------------
def _checkin_labels(turn: Turn, number: int) -> tuple[str, str]:
    """Like the end timer's labels (the same start time, the same speaker's tag), numbered,
    so a session's timers never share a label and a check-in is known by its label alone."""
    local = datetime.fromtimestamp(turn.now, turn.zone)
    return tuple(  # type: ignore[return-value]
        turn.tagged(turn.say.text("checkin.label", n=number, time=local.strftime(shape)))
        for shape in ("%H:%M", "%H:%M:%S"))


def _is_checkin(turn: Turn, timer: TimerState) -> bool:
    """A check-in by its label: how one is recognised when the record never learnt its id."""
    prefix = turn.say.variants("checkin.label")[0].split("{", 1)[0]
    return bool(prefix) and timer.label.startswith(prefix)


def _create_checkins(turn: Turn, minutes: int) -> tuple[tuple[str, ...], str | None]:
    """The session's check-in timers, when this user gets them; returns their ids and the
    line to add to the start ("I'll check in" the first time, "off this time" without room).

    All or none: if Alexa refuses one (the ten-timer limit, counting personal timers, or a
    failure), the ones made are cancelled again and the session keeps its end timer alone,
    which the user hears. A check-in that cannot be cancelled stays in the record, so it goes
    with its session.
    """
    routine, say = turn.routine, turn.say
    if not checkins_wanted(routine):
        return (), None
    made: list[str] = []
    try:
        for number, checkin in enumerate(checkins_for(minutes), start=1):
            made.append(turn.timers.create(
                minutes, seconds=checkin.offset, labels=_checkin_labels(turn, number),
                announcement=plain(say.text(checkin.key)), locale=say.locale,
                hidden=True))
    except TimersError as exc:
        kept = []
        for timer_id in made:
            try:
                turn.timers.delete(timer_id)
            except TimersError:
                kept.append(timer_id)
        if kept:  # some will still speak: saying they are off would not be true
            return tuple(kept), None
        return (), "checkin.no_room" if isinstance(exc, TimersLimitError) else "checkin.failed"
    if not made or routine.checkins is not None:
        return tuple(made), None
    if routine.sessions_total == 0:
        return tuple(made), "checkin.intro"
    # The last session they come unasked: say how to keep them, once.
    last = routine.sessions_total == DEFAULT_SESSIONS - 1
    return tuple(made), "checkin.last_default" if last else None


def set_checkins(turn: Turn, on: bool) -> Response:
    """"No check-ins" / "with check-ins": remembered for every session from now on.

    Turned off during a session, that session's check-ins are cancelled too, so the rest of
    it is quiet; turned on, they start with the next session (this one is already timed).
    """
    say = turn.say
    active = turn.routine.active
    running = active is not None and active.remaining_seconds(turn.now) > 0
    if on or not running or not active.checkins:
        turn.change(lambda routine: rules.set_checkins(routine, on))
        key = ("checkins.on.running" if running else "checkins.on") if on else "checkins.off"
        return turn.tell(say.text(key))
    try:
        known = known_timers(turn)
    except TimersError:
        known = None  # the choice still stands; the record keeps the ids for the session's end
    kept = set(active.checkins)
    for timer in known.checkins if known else ():
        try:
            turn.timers.delete(timer.timer_id)
            kept.discard(timer.timer_id)
        except TimersError:
            break
    if known is not None:
        kept &= {t.timer_id for t in known.checkins}  # the ones that already spoke are gone

    def rule(routine: rules.Routine) -> rules.Routine:
        routine = rules.set_checkins(routine, False)
        if kept or routine.active is None:
            return routine
        return rules.drop_checkins(routine)

    turn.change(rule)
    # Some could not be cancelled (an outage): they may still speak, so only promise the next.
    return turn.tell(say.text("checkins.off.next" if kept else "checkins.off.running"))


# --- starting -------------------------------------------------------------------------------
def start_session(turn: Turn, session: SessionPlan, *, restart: bool = False) -> Response:
    """Every way into a session: check the timers, never run two, then create and record.

    A running session is offered a restart (or, when `restart` is what the user agreed to,
    ended with the minutes actually spent); leftovers are cancelled and counted; a failed
    list never leads to a blind second timer.
    """
    say, minutes = turn.say, session.minutes
    after_consent = _answering_consent(turn)
    if not after_consent and turn.timers_refused:
        return ask_for_timer_permission(turn, minutes)
    try:
        known = known_timers(turn)
    except TimersPermissionError:
        return permission_missing(turn, minutes) if after_consent else (
            ask_for_timer_permission(turn, minutes))
    except TimersError:
        return turn.tell(say.text("timers.unavailable", minutes=minutes))
    if known.tracked is not None and not restart:
        turn.offer("restart", minutes)
        return turn.ask(
            say.text("start.already_running", left=say.duration(known.tracked.remaining_seconds),
                     length=say.text("units.length", n=minutes)),
            say.text("start.already_running.reprompt"),
        )
    cancelled, failure = _cancel_all(turn, known)
    timer_id = ""
    if failure is None:
        try:
            timer_id = turn.timers.create(minutes, labels=_timer_labels(turn),
                                          announcement=plain(say.text("timer.announce")),
                                          locale=say.locale)
        except TimersError as exc:
            failure = exc
    closing = _closing(turn, known, cancelled)
    if failure is not None:
        if known.finished or cancelled:
            turn.change(closing)  # what did happen is still recorded
        return _timers_refusal(turn, failure, minutes, after_consent)
    now = turn.now
    checkins, heard = _create_checkins(turn, minutes)
    turn.change(lambda routine: rules.start_session(closing(routine), timer_id, minutes, now,
                                                    checkins))
    # One note at most, the one that matters most (first time, long, busy day): stacked
    # cautions sound like a lecture to someone lowering themselves onto spikes.
    speech = say.join("start.started", *session.notes[:1], heard,
                      length=say.text("units.length", n=minutes))
    return turn.tell(speech, unsaved=say.join(speech, "start.not_saved"))


def _timers_refusal(turn: Turn, exc: TimersError, minutes: int, after_consent: bool) -> Response:
    """The truth about a failed timer call: no permission, no room, or an outage."""
    if isinstance(exc, TimersPermissionError):
        if after_consent:
            return permission_missing(turn, minutes)
        return ask_for_timer_permission(turn, minutes)
    if isinstance(exc, TimersLimitError):
        return turn.tell(turn.say.text("timers.limit", minutes=minutes))
    return turn.tell(turn.say.text("timers.unavailable", minutes=minutes))


# --- during and after -----------------------------------------------------------------------
def timers_unreadable(turn: Turn, exc: TimersError) -> Response:
    """The timers could not be read: a missing permission, or an outage worth retrying."""
    if isinstance(exc, TimersPermissionError):
        _consent_card(turn)
        return turn.tell(turn.say.text("timers.no_permission"))
    return turn.tell(turn.say.text("timers.unavailable.read"))


def complete_session(turn: Turn, known: KnownTimers | None = None) -> Response:
    """The timer already went off: close the session in the record as completed.

    Check-ins still set (the user cancelled the end timer with Alexa directly) go with it,
    as far as Alexa lets them: one that stays is a leftover check-in, cancelled next time.
    """
    _cancel_all(turn, KnownTimers(None, False, (), known.checkins if known else ()))
    now, zone = turn.now, turn.zone
    turn.change(lambda r: rules.end_session(r, now, zone, completed=True)[0])
    return turn.tell(turn.say.text("time_left.finished"))


def end_session(turn: Turn) -> Response:
    """"I'm done": cancel every timer of ours and count the minutes each really ran."""
    say = turn.say
    try:
        known = known_timers(turn)
    except TimersError as exc:
        return timers_unreadable(turn, exc)
    if known.tracked is None and not known.leftovers:
        if known.finished:
            return complete_session(turn, known)
        _cancel_all(turn, known)  # check-ins whose session is already over, if any
        return turn.tell(say.text("end.none"))
    cancelled, failure = _cancel_all(turn, known)
    if cancelled or known.finished:
        turn.change(_closing(turn, known, cancelled))
    if failure is not None:
        return timers_unreadable(turn, failure)
    tracked = known.tracked
    if tracked is not None:
        planned = turn.routine.active.minutes
        done = rules.minutes_done(turn.routine, turn.now, ran_seconds=tracked.ran_seconds)
    else:
        longest = max(known.leftovers, key=lambda t: t.ran_seconds)
        planned, done = max(1, longest.duration_seconds // 60), longest.ran_seconds // 60
    if done < 1:
        return turn.tell(say.text("end.done_short"))
    key = "end.done" if done * 2 >= planned else "end.done_partial"
    return turn.tell(say.text(key, done=say.count("minute", done)))


# --- progress -------------------------------------------------------------------------------
def describe_progress(turn: Turn) -> str:
    """One or two sentences: this week against the goal, and the streak when there is one."""
    say, figures = turn.say, turn.progress
    goal = say.count("session", figures.goal)
    minutes = say.count("minute", figures.minutes)
    if figures.sessions == 0:
        lines = [say.text("progress.none_yet", goal=goal)]
    elif figures.goal_met:
        lines = [say.text("progress.summary_met", sessions=say.count("session", figures.sessions),
                          goal=goal, minutes=minutes)]
    else:
        lines = [say.text("progress.summary", sessions=figures.sessions, goal=goal,
                          minutes=minutes)]
    if figures.streak_weeks >= 2:
        lines.append(say.text("progress.streak", weeks=say.count("week", figures.streak_weeks)))
    return " ".join(lines)


# --- weekly reminders -----------------------------------------------------------------------
# Reached from "remind me ..." (SetReminderIntent), a "yes" to the launch's offer, and the
# answer to our permission question, so the steps live here once. `skill.reminders` and the
# schedule are imported inside the steps: a launch or a timer never pays for them.

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

    _ask_for(turn, REMINDERS_SCOPE, reminder_token(schedule))
    return turn.tell(turn.say.text("reminders.permission.ask"))


def reminders_consent_card(turn: Turn) -> None:
    from skill.reminders import REMINDERS_SCOPE

    _card_for(turn, REMINDERS_SCOPE)


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
    first, so the limit is never spent on a reminder about to go). No consent asks by voice,
    unless this request is the answer to that question, which then says how to turn it on.
    """
    from datetime import UTC

    from skill.reminders import RemindersError, RemindersPermissionError

    say, gateway = turn.say, turn.reminders
    after_consent = _answering_consent(turn)
    before = turn.routine.reminder
    deleted = False
    try:
        for token in before.tokens if before else ():
            gateway.delete(token)
            deleted = True
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

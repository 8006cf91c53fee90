"""Opening the skill: a welcome for newcomers, this week's progress for returning users."""

from __future__ import annotations

from ask_sdk_model import Response

from skill.domain import routine as rules
from skill.handlers import flows
from skill.handlers.base import RequestTypeHandler
from skill.handlers.turn import Turn

#: Sessions recorded before the launch offers a weekly reminder: the habit is forming.
REMINDER_OFFER_AFTER = 3


def _reminder_worth_offering(routine: rules.Routine) -> bool:
    """A few sessions done, no reminder of ours, and never offered before."""
    return (routine.sessions_total >= REMINDER_OFFER_AFTER and routine.reminder is None
            and not routine.reminder_offered)


class LaunchRequestHandler(RequestTypeHandler):
    """Every path ends with a question and a reprompt, so the session stays open."""

    request_types = ("LaunchRequest",)
    screen = "welcome"

    def respond(self, turn: Turn) -> Response:
        say, routine, now = turn.say, turn.routine, turn.now
        active = routine.active
        if active is not None and active.remaining_seconds(now) > 0:
            left = say.duration(active.remaining_seconds(now))
            if active.paused_at is not None:
                return turn.ask(say.text("launch.paused", left=left),
                                say.text("launch.paused.reprompt"))
            return turn.ask(say.text("launch.running", left=left),
                            say.text("launch.running.reprompt"))
        minutes = flows.offer_usual_session(turn)
        if routine.is_new:
            return turn.prompt("launch.new")
        length = say.count("length", minutes)
        if _reminder_worth_offering(routine):
            # Once only, remembered: a "yes" asks for days and a time, a "no" offers the
            # session instead.
            turn.offer("reminder", minutes)
            turn.change(rules.offered_reminder)
            return turn.ask(
                say.text("launch.offer_reminder", progress=flows.describe_progress(turn)),
                say.text("launch.offer_reminder.reprompt"),
            )
        return turn.ask(
            say.text("launch.returning", progress=flows.describe_progress(turn), length=length),
            say.text("launch.returning.reprompt", length=length),
        )

"""How am I doing, and setting the weekly goal."""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.content import Catalogue
from skill.device_zone import device_zone
from skill.domain.routine import Progress, progress, set_goal, valid_goal
from skill.domain.session_rules import suggested_minutes
from skill.handlers.base import (
    IntentHandler,
    catalogue,
    change_routine,
    prompt,
    remember_offer,
    reply,
    slot_value,
    user_routine,
)


def describe_progress(say: Catalogue, figures: Progress) -> str:
    """One or two sentences: this week against the goal, and the streak when there is one."""
    goal = say.count("session", figures.goal)
    if figures.sessions == 0:
        lines = [say.text("progress.none_yet", goal=goal)]
    else:
        lines = [say.text(
            "progress.summary",
            sessions=figures.sessions,
            goal=goal,
            minutes=say.count("minute", figures.minutes),
        )]
        if figures.goal_met:
            lines.append(say.text("progress.goal_met"))
    if figures.streak_weeks >= 2:
        lines.append(say.text("progress.streak", weeks=say.count("week", figures.streak_weeks)))
    return " ".join(lines)


class ProgressIntentHandler(IntentHandler):
    """This week's sessions and minutes against the goal; offers a session afterwards."""

    intent_names = ("ProgressIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        say = catalogue(handler_input)
        routine = user_routine(handler_input, self.services)
        figures = progress(routine, self.services.now(), device_zone(handler_input))
        remember_offer(handler_input, "start", suggested_minutes(routine))
        return reply(
            handler_input, describe_progress(say, figures), say.text("progress.reprompt")
        )


class SetGoalIntentHandler(IntentHandler):
    """A weekly goal from one to fourteen sessions; anything else is asked again."""

    intent_names = ("SetGoalIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        say = catalogue(handler_input)
        goal = valid_goal(slot_value(handler_input, "count"))
        if goal is None:
            return prompt(handler_input, "goal.invalid")
        change_routine(handler_input, self.services, lambda r: set_goal(r, goal))
        return reply(handler_input, say.text("goal.set", goal=say.count("session", goal)))

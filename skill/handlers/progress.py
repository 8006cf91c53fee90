"""How am I doing, and setting the weekly goal."""

from __future__ import annotations

from ask_sdk_model import Response

from skill.domain.routine import set_goal, valid_goal
from skill.handlers import flows
from skill.handlers.base import IntentHandler
from skill.handlers.turn import Turn


class ProgressIntentHandler(IntentHandler):
    """This week's sessions and minutes against the goal; offers a session afterwards."""

    intent_names = ("ProgressIntent",)

    def respond(self, turn: Turn) -> Response:
        flows.offer_usual_session(turn)
        question = turn.say.text("progress.reprompt")
        return turn.ask(turn.say.join(flows.describe_progress(turn), question), question)


class SetGoalIntentHandler(IntentHandler):
    """A weekly goal from one to fourteen sessions; anything else is asked again."""

    intent_names = ("SetGoalIntent",)
    replay_safe = True

    def respond(self, turn: Turn) -> Response:
        goal = valid_goal(turn.slot_value("count"))
        if goal is None:
            return turn.prompt("goal.invalid")
        turn.change(lambda r: set_goal(r, goal))
        return turn.tell(turn.say.text("goal.set", goal=turn.say.count("session", goal)))

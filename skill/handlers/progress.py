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
    screen = "progress"

    def respond(self, turn: Turn) -> Response:
        flows.offer_usual_session(turn)
        question = turn.say.text("progress.reprompt")
        return turn.ask(turn.say.join(flows.describe_progress(turn), question), question)


class SetGoalIntentHandler(IntentHandler):
    """A weekly goal from one to fourteen sessions; a missing or strange number is asked for.

    The question is a Dialog.ElicitSlot for `count`, so a bare "four" in answer comes back as
    this intent with the slot filled rather than having to match some other sample.
    """

    intent_names = ("SetGoalIntent",)
    screen = "progress"
    replay_safe = True

    def respond(self, turn: Turn) -> Response:
        said = turn.slot_value("count")
        goal = valid_goal(said)
        if goal is None:
            question, reprompt = (("goal.invalid", "goal.invalid.reprompt") if said
                                  else ("goal.ask", "goal.ask.reprompt"))
            return turn.elicit("count", turn.say.text(question), turn.say.text(reprompt))
        turn.change(lambda r: set_goal(r, goal))
        return turn.tell(turn.say.text("goal.set", goal=turn.say.count("session", goal)))

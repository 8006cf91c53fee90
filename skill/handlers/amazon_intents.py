"""Alexa's built-in intents and requests: help, stop, cancel, home, fallback, yes, no, ended."""

from __future__ import annotations

from ask_sdk_model import Response

from skill.handlers import flows
from skill.handlers.base import IntentHandler, RequestTypeHandler
from skill.handlers.turn import Turn


class HelpIntentHandler(IntentHandler):
    """What the skill can do, with examples; the session stays open."""

    intent_names = ("AMAZON.HelpIntent",)
    screen = "welcome"

    def respond(self, turn: Turn) -> Response:
        return turn.prompt("help")


class StopOrCancelIntentHandler(IntentHandler):
    """Stop and Cancel always leave; a running timer keeps running."""

    intent_names = ("AMAZON.StopIntent", "AMAZON.CancelIntent")

    def respond(self, turn: Turn) -> Response:
        return turn.tell(turn.say.text("goodbye"))


class NavigateHomeIntentHandler(IntentHandler):
    """Back to the start: forget any pending offer."""

    intent_names = ("AMAZON.NavigateHomeIntent",)

    def respond(self, turn: Turn) -> Response:
        turn.take_offer()
        return turn.prompt("home")


class FallbackIntentHandler(IntentHandler):
    """Out-of-domain speech gets a menu, not a dead end."""

    intent_names = ("AMAZON.FallbackIntent",)

    def respond(self, turn: Turn) -> Response:
        return turn.prompt("fallback")


class YesIntentHandler(IntentHandler):
    """Yes to "start your usual twenty minutes?", to restarting a running session, or to a
    weekly reminder (then the days are asked for)."""

    intent_names = ("AMAZON.YesIntent",)
    replay_safe = True

    def respond(self, turn: Turn) -> Response:
        offer = turn.take_offer()
        if offer is None:
            return turn.prompt("yes_no.nothing")
        return flows.accept_offer(turn, offer)


class NoIntentHandler(IntentHandler):
    """No to an offer: nothing changes."""

    intent_names = ("AMAZON.NoIntent",)

    def respond(self, turn: Turn) -> Response:
        offer = turn.take_offer()
        if offer is None:
            return turn.prompt("yes_no.nothing")
        if offer.action == "restart":
            return turn.tell(turn.say.text("start.keep"))
        if offer.action == "reminder":
            turn.offer("start", offer.minutes)  # no reminder: the session, then
            length = turn.say.count("length", offer.minutes)
            return turn.ask(turn.say.text("no.reminder", length=length),
                            turn.say.text("no.reminder.reprompt", length=length))
        return turn.prompt("no.offer")


class SessionEndedRequestHandler(RequestTypeHandler):
    """The conversation closed (timeout, error, user left): no speech is allowed."""

    request_types = ("SessionEndedRequest",)

    def respond(self, turn: Turn) -> Response:
        return turn.silence()

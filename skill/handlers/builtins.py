"""Alexa's built-in intents and requests: help, stop, cancel, home, fallback, yes, no, ended."""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_request_type
from ask_sdk_model import Response

from skill.device_zone import device_zone
from skill.domain.lengths import LengthOutcome, LengthRequest
from skill.domain.routine import progress
from skill.domain.session_rules import plan_session
from skill.handlers.base import (
    IntentHandler,
    SkillHandler,
    catalogue,
    prompt,
    reply,
    session_attributes,
    user_routine,
)
from skill.handlers.session import start_timed_session


class HelpIntentHandler(IntentHandler):
    """What the skill can do, with examples; the session stays open."""

    intent_names = ("AMAZON.HelpIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        return prompt(handler_input, "help")


class StopOrCancelIntentHandler(IntentHandler):
    """Stop and Cancel always leave; a running timer keeps running."""

    intent_names = ("AMAZON.StopIntent", "AMAZON.CancelIntent")

    def handle(self, handler_input: HandlerInput) -> Response:
        return reply(handler_input, catalogue(handler_input).text("goodbye"), end=True)


class NavigateHomeIntentHandler(IntentHandler):
    """Back to the start: forget any pending offer."""

    intent_names = ("AMAZON.NavigateHomeIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        session_attributes(handler_input).pop("offer", None)
        return prompt(handler_input, "home")


class FallbackIntentHandler(IntentHandler):
    """Out-of-domain speech gets a menu, not a dead end."""

    intent_names = ("AMAZON.FallbackIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        return prompt(handler_input, "fallback")


def _pending_offer(handler_input: HandlerInput) -> dict | None:
    offer = session_attributes(handler_input).pop("offer", None)
    if not isinstance(offer, dict) or offer.get("action") not in ("start", "restart"):
        return None
    return offer


class YesIntentHandler(IntentHandler):
    """Yes to "start your usual twenty minutes?" or to restarting a running session."""

    intent_names = ("AMAZON.YesIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        offer = _pending_offer(handler_input)
        if offer is None:
            return prompt(handler_input, "yes_no.nothing")
        try:
            minutes = int(offer.get("minutes"))
        except (TypeError, ValueError):
            minutes = 0
        request = (
            LengthRequest(LengthOutcome.GIVEN, minutes)
            if 1 <= minutes <= 60
            else LengthRequest(LengthOutcome.MISSING)
        )
        routine = user_routine(handler_input, self.services)
        figures = progress(routine, self.services.now(), device_zone(handler_input))
        plan = plan_session(request, routine, figures)
        assert plan is not None
        return start_timed_session(
            handler_input, self.services, plan, replace_running=offer["action"] == "restart"
        )


class NoIntentHandler(IntentHandler):
    """No to an offer: nothing changes."""

    intent_names = ("AMAZON.NoIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        say = catalogue(handler_input)
        offer = _pending_offer(handler_input)
        if offer is None:
            return prompt(handler_input, "yes_no.nothing")
        if offer["action"] == "restart":
            return reply(handler_input, say.text("start.keep"))
        return prompt(handler_input, "no.offer")


class SessionEndedRequestHandler(SkillHandler):
    """The conversation closed (timeout, error, user left): no speech is allowed."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("SessionEndedRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        return handler_input.response_builder.response

"""Exception handlers: every failure becomes a short spoken apology, and the cause is logged."""

from __future__ import annotations

import logging

from ask_sdk_core.dispatch_components import AbstractExceptionHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.handlers.base import catalogue, prompt, reply
from skill.store import StoreError

log = logging.getLogger(__name__)


def _silent_request(handler_input: HandlerInput) -> bool:
    """Requests that must not carry speech (session ended, skill events)."""
    request_type = getattr(handler_input.request_envelope.request, "object_type", "") or ""
    return request_type == "SessionEndedRequest" or request_type.startswith("AlexaSkillEvent.")


class StoreErrorHandler(AbstractExceptionHandler):
    """The routine store failed: say so honestly; nothing already stored is touched."""

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return isinstance(exception, StoreError)

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        log.error("store unavailable: %s", exception)
        if _silent_request(handler_input):
            return handler_input.response_builder.response
        return reply(handler_input, catalogue(handler_input).text("store.unavailable"))


class CatchAllExceptionHandler(AbstractExceptionHandler):
    """Anything else, including no handler for a request: apologise, log the traceback."""

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return True

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        log.error("request failed: %s", type(exception).__name__, exc_info=exception)
        if _silent_request(handler_input):
            return handler_input.response_builder.response
        return prompt(handler_input, "error")

"""Exception handlers: every failure becomes a short spoken apology, and the cause is logged.

Each also names the kind of failure in the request's telemetry (`skill.telemetry.ERRORS`), so
the request's line and metrics say what went wrong without saying anything about the user.
"""

from __future__ import annotations

import logging

from ask_sdk_core.dispatch_components import AbstractExceptionHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response
from ask_sdk_runtime.exceptions import DispatchException

from skill import telemetry
from skill.handlers.turn import Turn
from skill.services import Services
from skill.store import StoreError
from skill.store.base import BusyError, ConflictError, ThrottledError

log = logging.getLogger(__name__)


def _silent_request(handler_input: HandlerInput) -> bool:
    """Requests that must not carry speech (session ended, skill events)."""
    request_type = getattr(handler_input.request_envelope.request, "object_type", "") or ""
    return request_type == "SessionEndedRequest" or request_type.startswith("AlexaSkillEvent.")


class _ApologyHandler(AbstractExceptionHandler):
    """Answer on the request's own Turn, in its locale; silent where speech is not allowed."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        self.log(exception)
        turn = Turn.of(handler_input, self.services)
        turn.has_screen = False  # an apology changes nothing on the screen; it shows no new one
        if _silent_request(handler_input):
            return turn.silence()
        return self.apologise(turn, exception)

    def log(self, exception: Exception) -> None:
        raise NotImplementedError

    def apologise(self, turn: Turn, exception: Exception) -> Response:
        raise NotImplementedError


class StoreErrorHandler(_ApologyHandler):
    """The routine store failed, or another request of the user's is still being answered:
    say which, honestly; nothing already stored is touched."""

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return isinstance(exception, StoreError)

    def log(self, exception: Exception) -> None:
        if isinstance(exception, BusyError):
            telemetry.fail("store_busy")
            log.warning("request not answered: %s", exception)
        else:
            telemetry.fail("store_conflict" if isinstance(exception, ConflictError) else
                           "store_throttled" if isinstance(exception, ThrottledError) else
                           "store_unavailable")
            log.error("store unavailable: %s", exception)

    def apologise(self, turn: Turn, exception: Exception) -> Response:
        key = "store.busy" if isinstance(exception, BusyError) else "store.unavailable"
        return turn.tell(turn.say.text(key))


class CatchAllExceptionHandler(_ApologyHandler):
    """Anything else, including no handler for a request: apologise, log the traceback."""

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return True

    def log(self, exception: Exception) -> None:
        # ask-sdk raises DispatchException when no handler claims the request.
        telemetry.fail("no_handler" if isinstance(exception, DispatchException) else "internal")
        log.error("request failed: %s", type(exception).__name__, exc_info=exception)

    def apologise(self, turn: Turn, exception: Exception) -> Response:
        return turn.prompt("error")

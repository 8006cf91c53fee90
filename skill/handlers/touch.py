"""Touches on a screen's buttons, answered as the spoken request they stand for.

A button on an Echo Show screen sends `Alexa.Presentation.APL.UserEvent` with its action as
the first argument ("start", 20). Rather than a second way into each flow, the touch is turned
into the intent a spoken request would carry, before a handler is chosen
(`TouchInterceptor`): the start, safety, progress, pause, resume and end handlers then answer
it, with the same permission questions, the same one-at-a-time lease and the same replay
rules, so touches and voice interleave exactly as two spoken requests would. A touch the
skill does not know is answered by `TouchEventHandler` with what it can do.
"""

from __future__ import annotations

from ask_sdk_core.dispatch_components import AbstractRequestInterceptor
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import (
    DialogState,
    Intent,
    IntentConfirmationStatus,
    IntentRequest,
    Response,
    Slot,
)

from skill.domain.lengths import MAX_MINUTES, MIN_MINUTES
from skill.handlers.base import RequestTypeHandler
from skill.handlers.turn import Turn

TOUCH_REQUEST = "Alexa.Presentation.APL.UserEvent"
#: What each button's action asks for, as the intent the spoken request carries.
ACTIONS = {
    "start": "StartSessionIntent",
    "safety": "SafetyTipsIntent",
    "explain": "AboutMatIntent",
    "progress": "ProgressIntent",
    "pause": "AMAZON.PauseIntent",
    "resume": "AMAZON.ResumeIntent",
    "end": "EndSessionIntent",
}


def _minutes(value: object) -> int | None:
    """A start button's length, when it is a whole number of minutes the skill accepts."""
    if isinstance(value, bool):
        return None
    try:
        minutes = int(str(value))
    except ValueError:
        return None
    return minutes if MIN_MINUTES <= minutes <= MAX_MINUTES else None


def spoken_equivalent(request: object) -> IntentRequest | None:
    """The intent request a touch stands for, or None for a touch the skill does not know."""
    arguments = getattr(request, "arguments", None) or []
    action = arguments[0] if arguments else None
    name = ACTIONS.get(action) if isinstance(action, str) else None
    if name is None:
        return None
    slots: dict[str, Slot] = {}
    minutes = None
    if name == "StartSessionIntent" and len(arguments) > 1:
        minutes = _minutes(arguments[1])
    if minutes is not None:
        slots["minutes"] = Slot(name="minutes", value=str(minutes))
    return IntentRequest(
        request_id=getattr(request, "request_id", None),
        timestamp=getattr(request, "timestamp", None),
        locale=getattr(request, "locale", None),
        dialog_state=DialogState.COMPLETED,
        intent=Intent(name=name, slots=slots, confirmation_status=IntentConfirmationStatus.NONE),
    )


class TouchInterceptor(AbstractRequestInterceptor):
    """Before a handler is chosen: a known touch becomes the intent request it stands for."""

    def process(self, handler_input: HandlerInput) -> None:
        envelope = handler_input.request_envelope
        if getattr(envelope.request, "object_type", None) != TOUCH_REQUEST:
            return
        spoken = spoken_equivalent(envelope.request)
        if spoken is not None:
            envelope.request = spoken


class TouchEventHandler(RequestTypeHandler):
    """A touch no button of ours sends (an old screen, a newer document): what to try."""

    request_types = (TOUCH_REQUEST,)
    screen = "welcome"

    def respond(self, turn: Turn) -> Response:
        return turn.prompt("help")

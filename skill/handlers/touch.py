"""Touches on a screen's buttons, as the spoken requests they stand for.

A button on an Echo Show screen sends `Alexa.Presentation.APL.UserEvent` with its action as
the first argument ("start", 20). Rather than a second way into each flow, the touch is turned
into the intent a spoken request would carry before a handler is chosen
(`skill.handlers.interceptors.TouchInterceptor`): the start, safety, progress, pause, resume and
end handlers then answer it, with the same permission questions, the same one-at-a-time lease
and the same replay rules, so touches and voice interleave exactly as two spoken requests
would. A touch the skill does not know (an older screen, a newer document) asks for help.

Loaded by the first touch only: no other request reads this module.
"""

from __future__ import annotations

from ask_sdk_model import (
    DialogState,
    Intent,
    IntentConfirmationStatus,
    IntentRequest,
    Slot,
)

from skill.domain.lengths import MAX_MINUTES, MIN_MINUTES

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
#: The intent of a touch the skill does not know: what the skill can do.
UNKNOWN = "AMAZON.HelpIntent"


def _minutes(value: object) -> int | None:
    """A start button's length, when it is a whole number of minutes the skill accepts."""
    if isinstance(value, bool):
        return None
    try:
        minutes = int(str(value))
    except ValueError:
        return None
    return minutes if MIN_MINUTES <= minutes <= MAX_MINUTES else None


def spoken_equivalent(request: object) -> IntentRequest:
    """The intent request a touch stands for (help, for a touch the skill does not know)."""
    arguments = getattr(request, "arguments", None) or []
    action = arguments[0] if arguments else None
    name = (ACTIONS.get(action) if isinstance(action, str) else None) or UNKNOWN
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

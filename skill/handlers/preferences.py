"""The user's say on how sessions go: "no check-ins", "with check-ins"."""

from __future__ import annotations

from ask_sdk_model import Response

from skill.handlers import flows
from skill.handlers.base import IntentHandler
from skill.handlers.turn import Turn

CHECKINS_ON = "CheckInsOnIntent"
CHECKINS_OFF = "CheckInsOffIntent"


class CheckInsIntentHandler(IntentHandler):
    """Check-ins on or off, remembered in the routine; off also quiets a running session."""

    intent_names = (CHECKINS_ON, CHECKINS_OFF)
    replay_safe = True

    def respond(self, turn: Turn) -> Response:
        return flows.set_checkins(turn, turn.request.intent.name == CHECKINS_ON)

"""The answer to our voice request for a permission (a Connections.Response).

The request's token says what was asked: a session length for the timers permission ("20"),
or a schedule for the reminders one ("reminders:MO,WE,FR@19:00"), so after ACCEPTED the
session starts, or the reminder is set, without asking the user again.
"""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_request_type
from ask_sdk_model import Response

from skill.domain.lengths import LengthOutcome, requested_length
from skill.handlers import flows
from skill.handlers.base import SkillHandler
from skill.handlers.turn import Turn


class PermissionResponseHandler(SkillHandler):
    """ACCEPTED: do what was asked for. Anything else: the card, and what to do instead."""

    replay_safe = True

    def can_handle(self, handler_input: HandlerInput) -> bool:
        request = handler_input.request_envelope.request
        return is_request_type("Connections.Response")(handler_input) and getattr(
            request, "name", None
        ) == "AskFor"

    def respond(self, turn: Turn) -> Response:
        request = turn.request
        payload = request.payload if isinstance(request.payload, dict) else {}
        schedule = flows.schedule_of_token(request.token)
        if schedule is not None:
            if payload.get("status") != "ACCEPTED":
                return flows.reminder_permission_missing(turn)
            return flows.set_weekly_reminder(turn, schedule)
        # The token is the length we asked about; anything else means the usual length.
        asked = requested_length(None, request.token if isinstance(request.token, str) else None)
        minutes = flows.session_length(
            turn, asked.minutes if asked.outcome is LengthOutcome.GIVEN else None)
        if payload.get("status") != "ACCEPTED":
            return flows.permission_missing(turn, minutes)
        return flows.start_session(turn, minutes)

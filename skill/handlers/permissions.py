"""The answer to our voice request for the timers permission (a Connections.Response)."""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_request_type
from ask_sdk_model import Response
from ask_sdk_model.ui import AskForPermissionsConsentCard

from skill.device_zone import device_zone
from skill.domain.lengths import LengthOutcome, requested_length
from skill.domain.routine import progress
from skill.domain.session_rules import plan_session
from skill.handlers.base import SkillHandler, catalogue, reply, user_routine
from skill.handlers.session import start_timed_session
from skill.timers import TIMERS_SCOPE


def permission_missing_reply(handler_input: HandlerInput, minutes: int) -> Response:
    """Explain, send the consent card, and offer the plain Alexa timer as a way round."""
    say = catalogue(handler_input)
    handler_input.response_builder.set_card(AskForPermissionsConsentCard(permissions=[TIMERS_SCOPE]))
    return reply(handler_input, say.text("permission.denied", minutes=minutes))


class TimerPermissionResponseHandler(SkillHandler):
    """ACCEPTED: start the session that was asked for. Anything else: card and tip."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        request = handler_input.request_envelope.request
        return is_request_type("Connections.Response")(handler_input) and getattr(
            request, "name", None
        ) == "AskFor"

    def handle(self, handler_input: HandlerInput) -> Response:
        request = handler_input.request_envelope.request
        payload = request.payload if isinstance(request.payload, dict) else {}
        asked = requested_length(None, request.token if isinstance(request.token, str) else None)
        routine = user_routine(handler_input, self.services)
        figures = progress(routine, self.services.now(), device_zone(handler_input))
        if asked.outcome is not LengthOutcome.GIVEN:
            asked = requested_length(None, None)
        plan = plan_session(asked, routine, figures)
        assert plan is not None  # GIVEN or MISSING always yields a plan
        if payload.get("status") != "ACCEPTED":
            return permission_missing_reply(handler_input, plan.minutes)
        return start_timed_session(handler_input, self.services, plan, after_consent=True)

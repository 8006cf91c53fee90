"""Skill events: when a user disables the skill, everything kept about them is deleted."""

from __future__ import annotations

import logging

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.handlers.base import RequestTypeHandler, SkillHandler
from skill.handlers.turn import Turn

log = logging.getLogger(__name__)


class SkillDisabledHandler(RequestTypeHandler):
    """AlexaSkillEvent.SkillDisabled: delete the user's record."""

    request_types = ("AlexaSkillEvent.SkillDisabled",)

    def respond(self, turn: Turn) -> Response:
        self.services.store.delete(turn.user_id)
        log.info("skill disabled: user record deleted")
        return turn.silence()


class OtherSkillEventHandler(SkillHandler):
    """Enabled, permission changes and the like need no action; acknowledge them silently."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        request_type = getattr(handler_input.request_envelope.request, "object_type", "") or ""
        return request_type.startswith("AlexaSkillEvent.")

    def respond(self, turn: Turn) -> Response:
        return turn.silence()

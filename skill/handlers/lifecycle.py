"""Skill events: when a user disables the skill, everything kept about them is deleted."""

from __future__ import annotations

import logging

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_request_type
from ask_sdk_model import Response

from skill.handlers.base import SkillHandler
from skill.store.base import user_id_of

log = logging.getLogger(__name__)


class SkillDisabledHandler(SkillHandler):
    """AlexaSkillEvent.SkillDisabled: delete the user's record."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("AlexaSkillEvent.SkillDisabled")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        self.services.store.delete(user_id_of(handler_input.request_envelope))
        log.info("skill disabled: user record deleted")
        return handler_input.response_builder.response


class OtherSkillEventHandler(SkillHandler):
    """Enabled, permission changes and the like need no action; acknowledge them silently."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        request_type = getattr(handler_input.request_envelope.request, "object_type", "") or ""
        return request_type.startswith("AlexaSkillEvent.")

    def handle(self, handler_input: HandlerInput) -> Response:
        return handler_input.response_builder.response

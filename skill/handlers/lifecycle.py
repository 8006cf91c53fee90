"""Skill events: when a user disables the skill, everything kept about them is deleted."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.domain.routine import Routine
from skill.handlers.base import RequestTypeHandler, SkillHandler
from skill.handlers.turn import Turn

log = logging.getLogger(__name__)

# Alexa's clock and ours may differ by this much (Amazon's own request tolerance): a write
# must be clearly after the event to be kept, so a genuine event is never ignored for skew.
CLOCK_SKEW_SECONDS = 150


class SkillDisabledHandler(RequestTypeHandler):
    """AlexaSkillEvent.SkillDisabled: delete the user's record, unless it is newer.

    Alexa may deliver the event late, or twice. A user who removed the skill and came back
    has written to their record since; an event clearly older than that write (by more than
    the clock skew we allow) must not erase it.
    The delete is conditional on the version read, so a write racing it is not lost either.
    """

    request_types = ("AlexaSkillEvent.SkillDisabled",)

    def respond(self, turn: Turn) -> Response:
        store = self.services.store
        record = store.load(turn.user_id)
        if record.version == 0:
            return turn.silence()
        written = Routine.from_attributes(record.attributes).written
        if written > _event_time(turn) + CLOCK_SKEW_SECONDS:
            log.info("skill disabled event predates the record's last write: kept")
        elif store.delete_if_version(turn.user_id, record.version):
            log.info("skill disabled: user record deleted")
        else:
            log.info("skill disabled: the record changed meanwhile: kept")
        return turn.silence()


def _event_time(turn: Turn) -> int:
    """When the user disabled the skill (the event's creation time, else its timestamp)."""
    for name in ("event_creation_time", "timestamp"):
        moment = getattr(turn.request, name, None)
        if isinstance(moment, datetime):
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            return int(moment.timestamp())
    return turn.now


class OtherSkillEventHandler(SkillHandler):
    """Enabled, permission changes and the like need no action; acknowledge them silently."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        request_type = getattr(handler_input.request_envelope.request, "object_type", "") or ""
        return request_type.startswith("AlexaSkillEvent.")

    def respond(self, turn: Turn) -> Response:
        return turn.silence()

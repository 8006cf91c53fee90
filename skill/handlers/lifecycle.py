"""Skill events: when a user disables the skill, everything kept about them is deleted."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.domain import people
from skill.domain.routine import Routine
from skill.handlers.base import RequestTypeHandler, SkillHandler
from skill.handlers.turn import Turn

log = logging.getLogger(__name__)

# A routine written before stamps existed knows only our clock: it must be clearly after the
# event to be kept (Amazon's own request tolerance), so a genuine event is never ignored for skew.
CLOCK_SKEW_SECONDS = 150


class SkillDisabledHandler(RequestTypeHandler):
    """AlexaSkillEvent.SkillDisabled: delete what was written before the event.

    Alexa may deliver the event late, or twice, and requests already under way when the user
    removed the skill may land after it. Each routine in the record (the account's, each
    recognised person's) carries the timestamp of the request that last wrote it, on Alexa's
    clock, the clock the event is stamped with: a routine written before the event goes, one
    written after it stays. Every write is conditional on the version read, so a request
    racing the event is never lost either.
    """

    request_types = ("AlexaSkillEvent.SkillDisabled",)

    def respond(self, turn: Turn) -> Response:
        store = self.services.store
        record = store.load(turn.user_id)
        if record.version == 0:
            return turn.silence()
        event = _event_time(turn)
        keys = people.keys_of(record.attributes)
        stale = [key for key in keys if not _written_after(
            Routine.from_attributes(people.routine_attributes(record.attributes, key)), event)]
        if not stale:
            log.info("skill disabled event predates every write to the record: kept")
        elif len(stale) == len(keys):
            deleted = store.delete_if_version(turn.user_id, record.version)
            log.info("skill disabled: user record %s",
                     "deleted" if deleted else "changed meanwhile: kept")
        else:
            remaining = record.attributes
            for key in stale:
                remaining = people.without_routine(remaining, key)
            saved = store.save_if_version(turn.user_id, remaining, record.version)
            log.info("skill disabled: %s", "routines written before the event deleted"
                     if saved else "the record changed meanwhile: kept")
        return turn.silence()


def _written_after(routine: Routine, event: int) -> bool:
    """Whether the routine was last written after the event (Alexa's clock where known)."""
    if routine.stamped:
        return routine.stamped > event
    return routine.written > event + CLOCK_SKEW_SECONDS


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

"""Shared pieces of every handler: the catalogue, slots, replies and the user's routine.

Handlers stay thin: they read the request through these helpers, call a domain rule, and
answer through `reply`, which is the one place spoken text is escaped for SSML.
"""

from __future__ import annotations

from collections.abc import Callable

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.content import Catalogue, catalogue_for, to_ssml
from skill.domain.routine import Routine
from skill.services import Services
from skill.store import Record
from skill.store.base import user_id_of

_RECORD = "mat_coach.record"


class SkillHandler(AbstractRequestHandler):
    """A request handler with access to the shared services."""

    def __init__(self, services: Services) -> None:
        self.services = services


class IntentHandler(SkillHandler):
    """A handler for the intents named in `intent_names`: the common case, said once."""

    intent_names: tuple[str, ...] = ()

    def can_handle(self, handler_input: HandlerInput) -> bool:
        request = handler_input.request_envelope.request
        intent = getattr(request, "intent", None)
        return (
            getattr(request, "object_type", None) == "IntentRequest"
            and getattr(intent, "name", None) in self.intent_names
        )


class LookupIntentHandler(IntentHandler):
    """Answers read from the catalogue by the id of one custom slot (explain, safety).

    A resolved id the catalogue knows gets its entry (plus any `suffix_keys`); no value at all
    gets the general answer; a value that resolved to nothing gets a menu of what we know.
    """

    slot_name: str
    entry_prefix: str  # e.g. "explain.topic." + slot value id
    general_key: str
    unknown_key: str
    reprompt_key: str
    suffix_keys: tuple[str, ...] = ()

    def handle(self, handler_input: HandlerInput) -> Response:
        say = catalogue(handler_input)
        value_id = resolved_id(handler_input, self.slot_name)
        key = f"{self.entry_prefix}{value_id}"
        if value_id and key in say:
            return reply(handler_input, say.join(key, *self.suffix_keys),
                         say.text(self.reprompt_key))
        if slot_value(handler_input, self.slot_name) is None:
            return reply(handler_input, say.text(self.general_key), say.text(self.reprompt_key))
        return prompt(handler_input, self.unknown_key)


def catalogue(handler_input: HandlerInput) -> Catalogue:
    """The catalogue for the request's locale."""
    return catalogue_for(getattr(handler_input.request_envelope.request, "locale", None))


def reply(
    handler_input: HandlerInput,
    speech: str,
    reprompt: str | None = None,
    *,
    end: bool | None = None,
) -> Response:
    """Speak plain text; a reprompt keeps the session open, otherwise it closes by default."""
    builder = handler_input.response_builder.speak(to_ssml(speech))
    if reprompt:
        builder.ask(to_ssml(reprompt))
        if end:
            builder.set_should_end_session(True)
    else:
        builder.set_should_end_session(True if end is None else end)
    return builder.response


def prompt(handler_input: HandlerInput, key: str, **params: object) -> Response:
    """Speak `key` and keep listening, reprompting with `key.reprompt`."""
    say = catalogue(handler_input)
    return reply(handler_input, say.text(key, **params), say.text(f"{key}.reprompt", **params))


def slot(handler_input: HandlerInput, name: str) -> object | None:
    """The named slot object of an intent request, if any."""
    intent = getattr(handler_input.request_envelope.request, "intent", None)
    slots = getattr(intent, "slots", None) or {}
    return slots.get(name) if isinstance(slots, dict) else None


def slot_value(handler_input: HandlerInput, name: str) -> str | None:
    """The raw spoken value of a slot, stripped; None when missing or empty."""
    value = getattr(slot(handler_input, name), "value", None)
    if not isinstance(value, str):
        return None
    return value.strip() or None


def resolved_id(handler_input: HandlerInput, name: str) -> str | None:
    """The custom slot value id that entity resolution matched, if it matched one."""
    resolutions = getattr(slot(handler_input, name), "resolutions", None)
    for authority in getattr(resolutions, "resolutions_per_authority", None) or []:
        status = getattr(getattr(getattr(authority, "status", None), "code", None), "value", None)
        if status != "ER_SUCCESS_MATCH":
            continue
        for item in authority.values or []:
            value_id = getattr(getattr(item, "value", None), "id", None)
            if isinstance(value_id, str) and value_id:
                return value_id
    return None


def session_attributes(handler_input: HandlerInput) -> dict:
    """This conversation's attributes (empty for requests outside a session)."""
    if handler_input.request_envelope.session is None:
        return {}
    return handler_input.attributes_manager.session_attributes


def remember_offer(handler_input: HandlerInput, action: str, minutes: int) -> None:
    """Note what a following "yes" would agree to."""
    if handler_input.request_envelope.session is not None:
        session_attributes(handler_input)["offer"] = {"action": action, "minutes": int(minutes)}


# --- the user's routine: read at most once, written at most once per request ----------------
def user_record(handler_input: HandlerInput, services: Services) -> Record:
    """Load this user's record on first use in the request and keep it for the rest of it."""
    attrs = handler_input.attributes_manager.request_attributes
    record = attrs.get(_RECORD)
    if record is None:
        record = services.store.load(user_id_of(handler_input.request_envelope))
        attrs[_RECORD] = record
    return record


def user_routine(handler_input: HandlerInput, services: Services) -> Routine:
    """The user's routine, from the record read in this request."""
    return Routine.from_attributes(user_record(handler_input, services).attributes)


def change_routine(
    handler_input: HandlerInput, services: Services, change: Callable[[Routine], Routine]
) -> Routine:
    """Apply a pure change to the user's routine and store it without losing a concurrent one."""
    record = user_record(handler_input, services)
    saved = services.store.update(
        user_id_of(handler_input.request_envelope),
        lambda attributes: change(Routine.from_attributes(attributes)).to_attributes(),
        first=record,
    )
    handler_input.attributes_manager.request_attributes[_RECORD] = saved
    return Routine.from_attributes(saved.attributes)

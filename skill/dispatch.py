"""From request JSON to response JSON, shared by the Flask route and the Lambda handler.

ask-sdk's own Lambda wrapper lets a malformed envelope raise deep inside deserialisation.
Here the envelope's shape is checked first, so anything that is not an Alexa request is
refused with a short reason (HTTP 400 on the web), and only well-formed ones reach handlers.

Nesting is bounded before ask-sdk sees anything, by walks that use no recursion: ask-sdk
deep-copies the session attributes and serialises and deserialises whole envelopes with
recursive code, which a few hundred levels of nesting turn into a RecursionError. The Lambda
door receives events already parsed, of any depth, so the bound must hold here, not in a
JSON parser. Session attributes that are too deep or too large are dropped (the request is
answered as the start of a conversation, since Alexa only returns what the skill sent, and
the skill sends two small things); anything else nested too deeply is refused.
"""

from __future__ import annotations

import json
import logging

from ask_sdk_core.exceptions import AskSdkException
from ask_sdk_core.skill import CustomSkill
from ask_sdk_model import RequestEnvelope

log = logging.getLogger(__name__)

#: How deep session attributes may nest (the attributes object itself is level 1). The skill
#: writes two levels - the pending offer and the map of lines it said, each an object of
#: scalars - so 32 is room for any shape it may grow into, and far below the few hundred
#: levels at which ask-sdk's deep copy of the attributes runs out of Python's recursion limit.
MAX_ATTRIBUTE_DEPTH = 32
#: How large session attributes may be, as compact JSON. The skill's own are under 1 KB; Alexa
#: echoes them inside the response, which it caps at 24 KB, so anything near that size cannot
#: be the skill's. 8 KB is eight times what the skill writes and bounds what ask-sdk copies.
MAX_ATTRIBUTE_BYTES = 8 * 1024
#: How deep anything else in an envelope may nest (the envelope itself is level 1). Alexa's
#: deepest path, a slot's entity resolution value, is 11 levels. ask-sdk's serialiser and deep
#: copy spend a few Python frames per level, so 64 levels stay far below the recursion limit
#: (1,000 frames) wherever the doors are called from.
MAX_ENVELOPE_DEPTH = 64


class BadRequest(Exception):
    """The payload is not an Alexa request envelope we can answer; str(exc) is safe to show."""

    #: How the request's telemetry names this refusal (`skill.telemetry.ERRORS`).
    kind = "bad_request"


class NotForThisSkill(BadRequest):
    """A well-formed request addressed to another skill."""

    kind = "wrong_skill"


def _require_dict(value: object, where: str) -> dict:
    if not isinstance(value, dict):
        raise BadRequest(f"{where} must be an object")
    return value


def deeper_than(value: object, limit: int) -> bool:
    """Whether `value` nests objects or arrays more than `limit` levels deep (`{}` is 1).

    A walk one level at a time, not recursion, so any depth is measured safely; it stops at
    the first level past the limit. Level by level rather than node by node with a stack of
    (node, depth) pairs: it runs on every request, and this shape costs a third as much.
    """
    containers = (dict, list, tuple)
    level = [value] if isinstance(value, containers) else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        deeper = []
        for node in level:
            for child in node.values() if isinstance(node, dict) else node:
                if isinstance(child, containers):
                    deeper.append(child)
        level = deeper
    return False


def _attributes_fault(attributes: dict) -> str | None:
    """Why these session attributes cannot be the skill's own, or None when they may be."""
    if deeper_than(attributes, MAX_ATTRIBUTE_DEPTH):
        return f"nested deeper than {MAX_ATTRIBUTE_DEPTH} levels"
    try:
        size = len(json.dumps(attributes, separators=(",", ":")))  # ASCII: bytes = characters
    except (TypeError, ValueError):
        return "not JSON"
    if size > MAX_ATTRIBUTE_BYTES:
        return f"larger than {MAX_ATTRIBUTE_BYTES} bytes"
    return None


def _without_foreign_attributes(envelope: dict) -> dict:
    """`envelope`, or a copy whose session starts afresh when its attributes are not ours.

    The caller's event is left as it is. The log line names the fault only: no ids, no body.
    """
    session = envelope.get("session")
    attributes = session.get("attributes") if session is not None else None
    if not attributes:
        return envelope
    fault = _attributes_fault(attributes)
    if fault is None:
        return envelope
    log.warning("session attributes dropped (%s): answered as a new session", fault)
    return {**envelope, "session": {**session, "attributes": {}, "new": True}}


def check_envelope(payload: object) -> dict:
    """The minimum every Alexa request carries, and bounded nesting; other oddities are the
    handlers' business.

    Returns the envelope to answer: `payload` itself, or a copy without session attributes
    that cannot be the skill's own. Raises BadRequest for anything that is not answerable.
    """
    envelope = _require_dict(payload, "request envelope")
    request = _require_dict(envelope.get("request"), "request")
    if not isinstance(request.get("type"), str) or not request["type"]:
        raise BadRequest("request.type must be a string")
    context = _require_dict(envelope.get("context"), "context")
    system = _require_dict(context.get("System"), "context.System")
    _require_dict(system.get("application"), "context.System.application")
    for optional in ("user", "device"):
        if system.get(optional) is not None:
            _require_dict(system[optional], f"context.System.{optional}")
    if envelope.get("session") is not None:
        session = _require_dict(envelope["session"], "session")
        if session.get("attributes") is not None:
            _require_dict(session["attributes"], "session.attributes")
    if request["type"] == "IntentRequest" or request.get("intent") is not None:
        intent = _require_dict(request.get("intent"), "request.intent")
        if not isinstance(intent.get("name"), str):
            raise BadRequest("request.intent.name must be a string")
        if intent.get("slots") is not None:
            slots = _require_dict(intent["slots"], "request.intent.slots")
            for value in slots.values():
                _require_dict(value, "slot")
    envelope = _without_foreign_attributes(envelope)
    if deeper_than(envelope, MAX_ENVELOPE_DEPTH):
        raise BadRequest("request envelope is nested too deeply")
    return envelope


def handle_envelope(skill: CustomSkill, payload: object, context: object = None) -> dict:
    """Answer one request envelope (already parsed JSON) with a response envelope dict."""
    checked = check_envelope(payload)
    try:
        envelope = skill.serializer.deserialize(
            payload=json.dumps(checked), obj_type=RequestEnvelope
        )
    except Exception as exc:  # ask-sdk raises bare SerializationException on any odd field
        raise BadRequest("request envelope does not match the Alexa schema") from exc
    try:
        response = skill.invoke(request_envelope=envelope, context=context)
    except AskSdkException as exc:
        # Raised outside the handlers: the skill id check. Anything else is answered by the
        # catch-all exception handler inside dispatch.
        raise NotForThisSkill("request is not for this skill") from exc
    return skill.serializer.serialize(response)

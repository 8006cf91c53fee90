"""From request JSON to response JSON, shared by the Flask route and the Lambda handler.

ask-sdk's own Lambda wrapper lets a malformed envelope raise deep inside deserialisation.
Here the envelope's shape is checked first, so anything that is not an Alexa request is
refused with a short reason (HTTP 400 on the web), and only well-formed ones reach handlers.
"""

from __future__ import annotations

import json
import logging

from ask_sdk_core.exceptions import AskSdkException
from ask_sdk_core.skill import CustomSkill
from ask_sdk_model import RequestEnvelope

log = logging.getLogger(__name__)


class BadRequest(Exception):
    """The payload is not an Alexa request envelope we can answer; str(exc) is safe to show."""


def _require_dict(value: object, where: str) -> dict:
    if not isinstance(value, dict):
        raise BadRequest(f"{where} must be an object")
    return value


def check_envelope(payload: object) -> None:
    """The minimum every Alexa request carries; deeper oddities are the handlers' business."""
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


def handle_envelope(skill: CustomSkill, payload: object, context: object = None) -> dict:
    """Answer one request envelope (already parsed JSON) with a response envelope dict."""
    check_envelope(payload)
    try:
        envelope = skill.serializer.deserialize(
            payload=json.dumps(payload), obj_type=RequestEnvelope
        )
    except RecursionError as exc:  # an event nested deeper than any Alexa request
        raise BadRequest("request envelope is nested too deeply") from exc
    except Exception as exc:  # ask-sdk raises bare SerializationException on any odd field
        raise BadRequest("request envelope does not match the Alexa schema") from exc
    try:
        response = skill.invoke(request_envelope=envelope, context=context)
    except AskSdkException as exc:
        # Raised outside the handlers: the skill id check. Anything else is answered by the
        # catch-all exception handler inside dispatch.
        raise BadRequest("request is not for this skill") from exc
    return skill.serializer.serialize(response)

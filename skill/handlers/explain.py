"""Explain the mat: what it is, how to use it, how it compares with acupuncture."""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.handlers.base import (
    IntentHandler,
    catalogue,
    prompt,
    reply,
    resolved_id,
    slot_value,
)


class ExplainMatIntentHandler(IntentHandler):
    """A topic the catalogue knows, an overview when none was named, a menu when unknown."""

    intent_names = ("ExplainMatIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        say = catalogue(handler_input)
        topic = resolved_id(handler_input, "topic")
        key = f"explain.topic.{topic}"
        if topic and key in say:
            return reply(handler_input, say.text(key), say.text("explain.reprompt"))
        if slot_value(handler_input, "topic") is None:
            return reply(handler_input, say.text("explain.overview"), say.text("explain.reprompt"))
        return prompt(handler_input, "explain.unknown")

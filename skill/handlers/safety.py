"""Safety questions: condition-specific caution, never a diagnosis."""

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


class CheckSafetyIntentHandler(IntentHandler):
    """The general rules, or the caution for a named condition with the "not a doctor" line."""

    intent_names = ("CheckSafetyIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        say = catalogue(handler_input)
        condition = resolved_id(handler_input, "condition")
        key = f"safety.condition.{condition}"
        if condition and key in say:
            speech = say.join(key, "safety.disclaimer")
            return reply(handler_input, speech, say.text("safety.reprompt"))
        if slot_value(handler_input, "condition") is None:
            return reply(handler_input, say.text("safety.general"), say.text("safety.reprompt"))
        return prompt(handler_input, "safety.unknown")

"""Safety questions: condition-specific caution, never a diagnosis."""

from __future__ import annotations

from skill.handlers.base import LookupIntentHandler


class CheckSafetyIntentHandler(LookupIntentHandler):
    """The general rules, or the caution for a named condition with the "not a doctor" line."""

    intent_names = ("CheckSafetyIntent",)
    slot_name = "condition"
    entry_prefix = "safety.condition."
    general_key = "safety.general"
    unknown_key = "safety.unknown"
    reprompt_key = "safety.reprompt"
    suffix_keys = ("safety.disclaimer",)

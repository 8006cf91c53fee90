"""Safety questions: condition-specific caution, never a diagnosis."""

from __future__ import annotations

from skill.handlers.base import SAFETY_ANSWERS, LookupIntentHandler


class CheckSafetyIntentHandler(LookupIntentHandler):
    """The caution for a named condition, with the "not a doctor" line once a conversation."""

    intent_names = ("CheckSafetyIntent",)
    screen = "answer.safety"
    slot_names = ("condition",)
    entry_prefix = "safety.condition."
    answer_key = "safety.general"
    unknown_key = "safety.unknown"
    reprompt_key = "safety.reprompt"
    once_key = "safety.disclaimer"
    follow_up_key = "safety.more"
    rescue = (("SafetyCondition", SAFETY_ANSWERS),)


class SafetyTipsIntentHandler(CheckSafetyIntentHandler):
    """"Is it safe?" with no condition named: the general rules."""

    intent_names = ("SafetyTipsIntent",)

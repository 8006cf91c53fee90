"""Explain the mat: what it is, how to use it, how it compares with acupuncture."""

from __future__ import annotations

from skill.handlers.base import AnswerIntentHandler, LookupIntentHandler


class ExplainMatIntentHandler(LookupIntentHandler):
    """A topic the catalogue knows, a menu when the topic is not one we know."""

    intent_names = ("ExplainMatIntent",)
    slot_name = "topic"
    entry_prefix = "explain.topic."
    general_key = "explain.overview"
    unknown_key = "explain.unknown"
    reprompt_key = "explain.reprompt"
    follow_up_key = "explain.more"


class AboutMatIntentHandler(AnswerIntentHandler):
    """"Tell me about the mat": the overview, ending with what else to ask."""

    intent_names = ("AboutMatIntent",)
    answer_key = "explain.overview"
    reprompt_key = "explain.reprompt"
    follow_up_key = "explain.more"

"""Explain the mat: what it is, how to use it, how it compares with acupuncture."""

from __future__ import annotations

from skill.handlers.base import LookupIntentHandler


class ExplainMatIntentHandler(LookupIntentHandler):
    """A topic the catalogue knows, a menu when the topic is not one we know."""

    intent_names = ("ExplainMatIntent",)
    slot_name = "topic"
    entry_prefix = "explain.topic."
    answer_key = "explain.overview"
    unknown_key = "explain.unknown"
    reprompt_key = "explain.reprompt"
    follow_up_key = "explain.more"


class AboutMatIntentHandler(ExplainMatIntentHandler):
    """"Tell me about the mat": no topic is named, so the overview answers."""

    intent_names = ("AboutMatIntent",)

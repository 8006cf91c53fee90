"""Explain the mat: what it is, how to use it, how it compares with acupuncture."""

from __future__ import annotations

from skill.handlers.base import LookupIntentHandler


class ExplainMatIntentHandler(LookupIntentHandler):
    """A topic the catalogue knows, an overview when none was named, a menu when unknown."""

    intent_names = ("ExplainMatIntent",)
    slot_name = "topic"
    entry_prefix = "explain.topic."
    general_key = "explain.overview"
    unknown_key = "explain.unknown"
    reprompt_key = "explain.reprompt"

"""What a following "yes" agrees to: the one value a conversation carries between turns.

Launch, progress and time left offer to start the usual length; a start while a session runs
offers to restart it; a launch once offers a weekly reminder (the usual length rides along, for
a "no" that then offers the session). Alexa hands back whatever session attributes the skill
last sent, so the offer is written and read here only, and a value out of the domain's bounds
is no offer at all.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from skill.domain.lengths import MAX_MINUTES, MIN_MINUTES

OFFER_KEY = "offer"
Action = Literal["start", "restart", "reminder"]
ACTIONS: tuple[Action, ...] = ("start", "restart", "reminder")


class Offer(NamedTuple):
    """Start (or restart as) a session of `minutes`, or set a reminder ("reminder")."""

    action: Action
    minutes: int

    @classmethod
    def from_attributes(cls, attributes: object) -> Offer | None:
        """The offer in a conversation's session attributes, or None when there is none."""
        raw = attributes.get(OFFER_KEY) if isinstance(attributes, dict) else None
        if not isinstance(raw, dict) or raw.get("action") not in ACTIONS:
            return None
        minutes = raw.get("minutes")
        if isinstance(minutes, bool) or not isinstance(minutes, int):
            return None
        if not MIN_MINUTES <= minutes <= MAX_MINUTES:
            return None
        return cls(raw["action"], minutes)

    def to_attributes(self) -> dict:
        """The session attributes that carry this offer to the next turn."""
        return {OFFER_KEY: {"action": self.action, "minutes": self.minutes}}

"""AWS Lambda entry point: `skill.lambda_function.handler`.

Imports only the skill itself (no Flask, no verifier: Alexa's trigger already authenticates
the caller, and the SkillId on the trigger plus `MAT_COACH_SKILL_ID` keep other skills out).
The skill is built on the first invocation and reused while the container stays warm.
"""

from __future__ import annotations

import logging

from skill.builder import build_skill
from skill.dispatch import BadRequest, handle_envelope
from skill.settings import Settings

log = logging.getLogger(__name__)

_skill = None


def _get_skill():
    global _skill
    if _skill is None:
        _skill = build_skill(Settings.from_env())
    return _skill


def reset() -> None:
    """Drop the cached skill so the next event re-reads the environment (tests)."""
    global _skill
    _skill = None


def handler(event: object, context: object) -> dict:
    """Answer one Alexa event; a malformed one gets a short error object instead of a crash."""
    try:
        return handle_envelope(_get_skill(), event, context)
    except BadRequest as exc:
        log.warning("refused event: %s", exc)
        return {"error": str(exc)}

"""Opening the skill: a welcome for newcomers, this week's progress for returning users."""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_request_type
from ask_sdk_model import Response

from skill.device_zone import device_zone
from skill.domain.routine import progress
from skill.domain.session_rules import suggested_minutes
from skill.handlers.base import (
    SkillHandler,
    catalogue,
    prompt,
    remember_offer,
    reply,
    user_routine,
)
from skill.handlers.progress import describe_progress


class LaunchRequestHandler(SkillHandler):
    """Every path ends with a question and a reprompt, so the session stays open."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("LaunchRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        say = catalogue(handler_input)
        routine = user_routine(handler_input, self.services)
        now = self.services.now()
        minutes = suggested_minutes(routine)
        active = routine.active
        if active is not None and active.remaining_seconds(now) > 0:
            left = say.duration(active.remaining_seconds(now))
            return reply(
                handler_input,
                say.text("launch.running", left=left),
                say.text("launch.running.reprompt"),
            )
        remember_offer(handler_input, "start", minutes)
        if routine.is_new:
            return prompt(handler_input, "launch.new")
        figures = progress(routine, now, device_zone(handler_input))
        length = say.text("units.length", n=minutes)
        return reply(
            handler_input,
            say.text("launch.returning", progress=describe_progress(say, figures), length=length),
            say.text("launch.returning.reprompt", length=length),
        )

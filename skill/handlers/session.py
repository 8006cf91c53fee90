"""Timed sessions: start, time left, pause, resume and end, each backed by a real Alexa timer.

The user is lying on spikes, so replies that need no answer close the session, and starting
always ends the conversation: the timer's announcement is what tells them to get up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.content import to_ssml
from skill.device_zone import device_zone
from skill.domain import routine as rules
from skill.domain.lengths import LengthOutcome, requested_length
from skill.domain.session_rules import SessionPlan, plan_session, suggested_minutes
from skill.handlers.base import (
    IntentHandler,
    catalogue,
    change_routine,
    prompt,
    remember_offer,
    reply,
    slot_value,
    user_routine,
)
from skill.services import Services
from skill.store import StoreError
from skill.timers import (
    TIMERS_SCOPE,
    TimersGateway,
    TimersPermissionError,
    TimersUnavailableError,
)

log = logging.getLogger(__name__)

_UNCLEAR_LENGTH = {
    LengthOutcome.TOO_SHORT: "start.too_short",
    LengthOutcome.TOO_LONG: "start.too_long",
    LengthOutcome.UNCLEAR: "start.unclear",
}


def timers(handler_input: HandlerInput) -> TimersGateway:
    """The Timers gateway for this request (no API access: every call is a permission miss)."""
    factory = handler_input.service_client_factory
    token = getattr(handler_input.request_envelope.context.system, "api_access_token", None)
    if factory is None or not token:
        return TimersGateway(None)
    return TimersGateway(factory.get_timer_management_service())


def timers_permission_refused(handler_input: HandlerInput) -> bool:
    """True when the request itself says the timers scope is not granted."""
    user = getattr(handler_input.request_envelope.context.system, "user", None)
    scopes = getattr(getattr(user, "permissions", None), "scopes", None)
    if not isinstance(scopes, dict) or TIMERS_SCOPE not in scopes:
        return False  # not stated: the API call will tell us
    status = getattr(getattr(scopes[TIMERS_SCOPE], "status", None), "value", None)
    return status != "GRANTED"


def ask_for_timer_permission(handler_input: HandlerInput, minutes: int) -> Response:
    """Ask by voice; Alexa answers with a Connections.Response carrying `minutes` as token."""
    # Imported here: only this reply needs the Connections models, and importing them with
    # the module would charge every Lambda cold start for them.
    from ask_sdk_model.interfaces.connections import SendRequestDirective

    say = catalogue(handler_input)
    directive = SendRequestDirective(
        name="AskFor",
        payload={
            "@type": "AskForPermissionsConsentRequest",
            "@version": "1",
            "permissionScope": TIMERS_SCOPE,
        },
        token=str(minutes),
    )
    builder = handler_input.response_builder
    builder.speak(to_ssml(say.text("permission.ask"))).add_directive(directive)
    builder.set_should_end_session(True)
    return builder.response


def start_timed_session(
    handler_input: HandlerInput,
    services: Services,
    plan: SessionPlan,
    *,
    replace_running: bool = False,
    after_consent: bool = False,
) -> Response:
    """Create the timer, record the session, and say so. Shared by start, yes and consent."""
    say = catalogue(handler_input)
    gateway = timers(handler_input)
    routine = user_routine(handler_input, services)
    tip = say.text("timers.unavailable", minutes=plan.minutes)
    if not after_consent and timers_permission_refused(handler_input):
        return ask_for_timer_permission(handler_input, plan.minutes)
    try:
        if replace_running and routine.active is not None:
            gateway.delete(routine.active.timer_id)
        timer_id = gateway.create(
            plan.minutes,
            label=say.text("timer.label", number=routine.timers_created + 1),
            announcement=say.text("timer.announce"),
            locale=say.locale,
        )
    except TimersPermissionError:
        if after_consent:
            from skill.handlers.permissions import permission_missing_reply

            return permission_missing_reply(handler_input, plan.minutes)
        return ask_for_timer_permission(handler_input, plan.minutes)
    except TimersUnavailableError:
        return reply(handler_input, tip)
    now = services.now()
    length = say.text("units.length", n=plan.minutes)
    speech = say.join("start.started", *plan.notes, length=length)
    try:
        change_routine(
            handler_input, services, lambda r: rules.start_session(r, timer_id, plan.minutes, now)
        )
    except StoreError as exc:
        log.error("session started but not recorded: %s", exc)
        speech = say.join(speech, "start.not_saved")
    return reply(handler_input, speech)


class StartSessionIntentHandler(IntentHandler):
    """"Start a twenty minute session": check the length, then time it."""

    intent_names = ("StartSessionIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        say = catalogue(handler_input)
        request = requested_length(
            slot_value(handler_input, "duration"), slot_value(handler_input, "minutes")
        )
        if request.outcome in _UNCLEAR_LENGTH:
            return reply(
                handler_input,
                say.text(_UNCLEAR_LENGTH[request.outcome]),
                say.text("start.length.reprompt"),
            )
        routine = user_routine(handler_input, self.services)
        now = self.services.now()
        figures = rules.progress(routine, now, device_zone(handler_input))
        plan = plan_session(request, routine, figures)
        assert plan is not None  # every outcome without a plan was answered above
        active = routine.active
        if active is not None and active.remaining_seconds(now) > 0:
            try:
                state = timers(handler_input).state(active.timer_id)
            except (TimersPermissionError, TimersUnavailableError):
                state = None
            if state is not None:
                remember_offer(handler_input, "restart", plan.minutes)
                return reply(
                    handler_input,
                    say.text(
                        "start.already_running",
                        left=say.duration(state.remaining_seconds),
                        length=say.text("units.length", n=plan.minutes),
                    ),
                    say.text("start.already_running.reprompt"),
                )
        return start_timed_session(handler_input, self.services, plan)


class TimeLeftIntentHandler(IntentHandler):
    """Read the real timer: it may have been paused or cancelled by the user directly."""

    intent_names = ("TimeLeftIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        say = catalogue(handler_input)
        routine = user_routine(handler_input, self.services)
        if routine.active is None:
            remember_offer(handler_input, "start", suggested_minutes(routine))
            return prompt(handler_input, "time_left.none")
        try:
            state = timers(handler_input).state(routine.active.timer_id)
        except (TimersPermissionError, TimersUnavailableError):
            return reply(handler_input, say.text("timers.unavailable.read"))
        if state is None:
            return finish(handler_input, self.services, say.text("time_left.finished"))
        key = "time_left.paused" if state.paused else "time_left.running"
        return reply(handler_input, say.text(key, left=say.duration(state.remaining_seconds)))


def finish(handler_input: HandlerInput, services: Services, speech: str) -> Response:
    """The timer went off: close the session in the record as completed."""
    now = services.now()
    change_routine(handler_input, services, lambda r: rules.end_session(r, now, completed=True)[0])
    return reply(handler_input, speech)


class _PauseOrResumeHandler(IntentHandler):
    """Pause and resume differ only in names: which intent, which call, which rule, which words.

    The record remembers when a pause began, so paused time is never counted as time done.
    """

    acts_when_paused: bool  # resume acts on a paused session, pause on a running one
    timer_call: str  # TimersGateway method
    rule: Callable[[rules.Routine, int], rules.Routine]
    done_key: str
    nothing_to_do_key: str

    def handle(self, handler_input: HandlerInput) -> Response:
        say = catalogue(handler_input)
        active = user_routine(handler_input, self.services).active
        if active is None:
            return reply(handler_input, say.text("end.none"))
        now = self.services.now()
        left = say.duration(active.remaining_seconds(now))
        if (active.paused_at is not None) != self.acts_when_paused:
            return reply(handler_input, say.text(self.nothing_to_do_key, left=left))
        try:
            exists = getattr(timers(handler_input), self.timer_call)(active.timer_id)
        except (TimersPermissionError, TimersUnavailableError):
            return reply(handler_input, say.text("timers.unavailable.read"))
        if not exists:
            return finish(handler_input, self.services, say.text("time_left.finished"))
        change_routine(handler_input, self.services, lambda r: self.rule(r, now))
        return reply(handler_input, say.text(self.done_key, left=left))


class PauseIntentHandler(_PauseOrResumeHandler):
    """"Pause": pause the timer and remember when."""

    intent_names = ("AMAZON.PauseIntent",)
    acts_when_paused = False
    timer_call = "pause"
    rule = staticmethod(rules.pause_session)
    done_key = "pause.done"
    nothing_to_do_key = "pause.already"


class ResumeIntentHandler(_PauseOrResumeHandler):
    """"Resume": carry on; the pause is added to the time that does not count."""

    intent_names = ("AMAZON.ResumeIntent",)
    acts_when_paused = True
    timer_call = "resume"
    rule = staticmethod(rules.resume_session)
    done_key = "resume.done"
    nothing_to_do_key = "resume.not_paused"


class EndSessionIntentHandler(IntentHandler):
    """"I'm done": cancel the timer and record the minutes actually spent on the mat."""

    intent_names = ("EndSessionIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        say = catalogue(handler_input)
        routine = user_routine(handler_input, self.services)
        if routine.active is None:
            return reply(handler_input, say.text("end.none"))
        try:
            timers(handler_input).delete(routine.active.timer_id)
        except (TimersPermissionError, TimersUnavailableError):
            return reply(handler_input, say.text("timers.unavailable.read"))
        now = self.services.now()
        done = rules.end_session(routine, now)[1]
        change_routine(handler_input, self.services, lambda r: rules.end_session(r, now)[0])
        if done <= 0:
            return reply(handler_input, say.text("end.done_short"))
        return reply(handler_input, say.text("end.done", done=say.count("minute", done)))

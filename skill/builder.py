"""Assemble the skill: the one ordered list of handlers, interceptors and exception handlers."""

from __future__ import annotations

import logging
from collections.abc import Callable

from ask_sdk_core.dispatch_components import AbstractRequestInterceptor
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder
from ask_sdk_model.services import ApiClient

from skill.alexa_api import TimeoutApiClient
from skill.handlers import builtins, explain, launch, lifecycle, permissions, progress, safety
from skill.handlers import session as timed
from skill.handlers.errors import CatchAllExceptionHandler, StoreErrorHandler
from skill.services import Services
from skill.settings import Settings
from skill.store import UserStore

log = logging.getLogger("skill.requests")

# Order matters only where two handlers could claim one request; specific ones come first.
HANDLER_CLASSES = (
    launch.LaunchRequestHandler,
    explain.ExplainMatIntentHandler,
    safety.CheckSafetyIntentHandler,
    timed.StartSessionIntentHandler,
    timed.TimeLeftIntentHandler,
    timed.PauseIntentHandler,
    timed.ResumeIntentHandler,
    timed.EndSessionIntentHandler,
    progress.ProgressIntentHandler,
    progress.SetGoalIntentHandler,
    permissions.TimerPermissionResponseHandler,
    builtins.YesIntentHandler,
    builtins.NoIntentHandler,
    builtins.HelpIntentHandler,
    builtins.StopOrCancelIntentHandler,
    builtins.NavigateHomeIntentHandler,
    builtins.FallbackIntentHandler,
    builtins.SessionEndedRequestHandler,
    lifecycle.SkillDisabledHandler,
    lifecycle.OtherSkillEventHandler,
)


def pseudonym(user_id: str | None) -> str:
    """A short, stable stand-in for a userId in logs; the real id never appears there."""
    if not user_id:
        return "-"
    # Imported on first use: hashlib loads OpenSSL's libcrypto, a few ms of every Lambda cold
    # start, and this only runs when INFO logging is on.
    import hashlib

    return hashlib.sha256(user_id.encode("utf-8")).hexdigest()[:12]


class RequestLogInterceptor(AbstractRequestInterceptor):
    """One line per request: its type, intent and a pseudonymous user, never the body."""

    def process(self, handler_input: HandlerInput) -> None:
        if not log.isEnabledFor(logging.INFO):
            return
        envelope = handler_input.request_envelope
        request = envelope.request
        intent = getattr(getattr(request, "intent", None), "name", None)
        user = getattr(getattr(envelope.context.system, "user", None), "user_id", None)
        log.info(
            "request type=%s intent=%s locale=%s user=%s",
            getattr(request, "object_type", None), intent, getattr(request, "locale", None),
            pseudonym(user),
        )


OFFER_ACTIONS = ("start", "restart")


class SessionAttributesInterceptor(AbstractRequestInterceptor):
    """Keep only the session attributes the skill itself writes, in the shape it writes them.

    ask-sdk echoes a request's session attributes back in the response. Alexa only returns
    what we sent, but an unverified request (development mode) could carry anything, and an
    echoed blob would push the response past Alexa's 24 KB limit. The only attribute the skill
    keeps across turns is the pending `offer`; everything else is dropped on the way in.
    """

    def process(self, handler_input: HandlerInput) -> None:
        if handler_input.request_envelope.session is None:
            return
        manager = handler_input.attributes_manager
        offer = (manager.session_attributes or {}).get("offer")
        kept: dict = {}
        if isinstance(offer, dict) and offer.get("action") in OFFER_ACTIONS:
            minutes = offer.get("minutes")
            if isinstance(minutes, int) and not isinstance(minutes, bool):
                kept["offer"] = {"action": offer["action"], "minutes": minutes}
        manager.session_attributes = kept


class ApiBudgetInterceptor(AbstractRequestInterceptor):
    """Give each request one time budget for all its Alexa API calls (see `alexa_api`)."""

    def __init__(self, api_client: ApiClient) -> None:
        self.api_client = api_client

    def process(self, handler_input: HandlerInput) -> None:
        start = getattr(self.api_client, "start_request", None)
        if start is not None:
            start()


def build_skill(
    settings: Settings,
    *,
    store: UserStore | None = None,
    api_client: ApiClient | None = None,
    clock: Callable[[], float] | None = None,
) -> CustomSkill:
    """The CustomSkill every entry point dispatches to (Flask route, Lambda, benchmarks)."""
    services = Services(settings, store=store, **({"clock": clock} if clock else {}))
    api_client = api_client or TimeoutApiClient(
        timeout=settings.api_timeout, ca_bundle=settings.ca_bundle
    )
    builder = CustomSkillBuilder(api_client=api_client)
    builder.skill_id = settings.skill_id
    for handler_class in HANDLER_CLASSES:
        builder.add_request_handler(handler_class(services))
    builder.add_global_request_interceptor(RequestLogInterceptor())
    builder.add_global_request_interceptor(SessionAttributesInterceptor())
    builder.add_global_request_interceptor(ApiBudgetInterceptor(api_client))
    builder.add_exception_handler(StoreErrorHandler())
    builder.add_exception_handler(CatchAllExceptionHandler())
    skill = builder.create()
    skill.services = services  # type: ignore[attr-defined]  # for tests and benchmarks
    return skill

"""Assemble the skill: the one ordered list of handlers, interceptors and exception handlers."""

from __future__ import annotations

from collections.abc import Callable

from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder
from ask_sdk_model.services import ApiClient

from skill.alexa_api import TimeoutApiClient
from skill.handlers import (
    amazon_intents,
    explain,
    launch,
    lifecycle,
    permissions,
    preferences,
    progress,
    reminders,
    safety,
    timed_session,
)
from skill.handlers.errors import CatchAllExceptionHandler, StoreErrorHandler
from skill.handlers.interceptors import (
    ApiBudgetInterceptor,
    SessionAttributesInterceptor,
    TouchInterceptor,
)
from skill.services import RandomSource, Services
from skill.settings import Settings
from skill.store import UserStore
from skill.telemetry.observed import ObservedApiClient

# Order matters only where two handlers could claim one request; specific ones come first.
HANDLER_CLASSES = (
    launch.LaunchRequestHandler,
    explain.ExplainMatIntentHandler,
    explain.AboutMatIntentHandler,
    explain.TopicQuestionIntentHandler,
    safety.CheckSafetyIntentHandler,
    safety.SafetyTipsIntentHandler,
    timed_session.StartSessionIntentHandler,
    timed_session.TimeLeftIntentHandler,
    timed_session.PauseIntentHandler,
    timed_session.ResumeIntentHandler,
    timed_session.EndSessionIntentHandler,
    progress.ProgressIntentHandler,
    progress.SetGoalIntentHandler,
    preferences.CheckInsIntentHandler,
    reminders.SetReminderIntentHandler,
    reminders.ListRemindersIntentHandler,
    reminders.StopRemindersIntentHandler,
    permissions.PermissionResponseHandler,
    amazon_intents.YesIntentHandler,
    amazon_intents.NoIntentHandler,
    amazon_intents.HelpIntentHandler,
    amazon_intents.StopOrCancelIntentHandler,
    amazon_intents.NavigateHomeIntentHandler,
    amazon_intents.FallbackIntentHandler,
    amazon_intents.SessionEndedRequestHandler,
    lifecycle.SkillDisabledHandler,
    lifecycle.OtherSkillEventHandler,
)


def intent_names() -> frozenset[str]:
    """Every intent some handler answers: the names a request line may carry (any other
    intent name is logged as "other")."""
    return frozenset(name for handler_class in HANDLER_CLASSES
                     for name in getattr(handler_class, "intent_names", ()))


def build_skill(
    settings: Settings,
    *,
    store: UserStore | None = None,
    api_client: ApiClient | None = None,
    clock: Callable[[], float] | None = None,
    rng: RandomSource | None = None,
) -> CustomSkill:
    """The CustomSkill every entry point dispatches to (Flask route, Lambda, benchmarks).

    The store and the API client, given or built, are watched for the request's telemetry
    (`skill.telemetry.store`, `skill.telemetry.observed`); they behave as they would unwatched.
    """
    services = Services(settings, store=store, rng=rng, **({"clock": clock} if clock else {}))
    api_client = ObservedApiClient(api_client or TimeoutApiClient(
        timeout=settings.api_timeout, ca_bundle=settings.ca_bundle
    ))
    builder = CustomSkillBuilder(api_client=api_client)
    builder.skill_id = settings.skill_id
    for handler_class in HANDLER_CLASSES:
        builder.add_request_handler(handler_class(services))
    builder.add_global_request_interceptor(SessionAttributesInterceptor())
    # A touch on a screen becomes the intent request it stands for before a handler is
    # chosen, so the spoken request's handler answers it.
    builder.add_global_request_interceptor(TouchInterceptor())
    builder.add_global_request_interceptor(ApiBudgetInterceptor(api_client))
    builder.add_exception_handler(StoreErrorHandler(services))
    builder.add_exception_handler(CatchAllExceptionHandler(services))
    skill = builder.create()
    skill.services = services  # type: ignore[attr-defined]  # for tests and benchmarks
    return skill

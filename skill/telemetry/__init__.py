"""What each request did, as facts: the one source of the request's log line and its metrics.

A door (the Flask route, the Lambda handler) opens a `RequestFacts` for every request it
receives (`Telemetry.request`), and what does the work adds to it on the way: the store wrapper
(`skill.telemetry.store`) its milliseconds, conflicts, throttles and what a write changed (a
session started or ended, check-ins created, a reminder set), the Alexa API client wrapper
(`skill.telemetry.observed`) each call's API, status and milliseconds, the exception handlers
the kind of error. With the answer in hand the door closes the facts and hands them to its
sinks: on Lambda one CloudWatch embedded-metric-format document on stdout that is also the
request's log line (`skill.telemetry.emf`); on `mat-coach serve` a JSON log line and, when
configured, Prometheus metrics (`skill.web.logs`, `skill.web.metrics`).

Nothing personal is ever recorded. Every value is a number, a boolean, or a string from a closed
set - request types, the skill's own intent names, locales by their shape, permission scopes and
answers, API names and operations, HTTP statuses - and anything else a request carries is
"other". No userId, personId, deviceId, token, slot value or Alexa requestId reaches a fact:
which condition a safety question named is health data, so that request is its intent alone.
A line's `correlationId` is the Lambda invocation's request id, or a random one on `serve`: it
ties one request's lines together and says nothing about who sent it.

The current request's facts live in a context variable, so the store and API wrappers find them
without being handed them. Work fanned out to other threads must run in the request's context
(`contextvars.copy_context().run`) for its calls to count; outside a request nothing is kept.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from typing import TYPE_CHECKING

from skill import __version__

if TYPE_CHECKING:  # a Protocol class costs every cold start its creation; types need none
    from typing import Protocol

    class Sink(Protocol):
        """Where a closed request's facts go: a log line, metric documents, counters."""

        def emit(self, facts: RequestFacts) -> None: ...

log = logging.getLogger(__name__)

#: The release every line and metric names.
RELEASE = __version__
OTHER = "other"

#: Request types Alexa sends a custom skill; any other is "other".
REQUEST_TYPES = frozenset({
    "LaunchRequest", "IntentRequest", "SessionEndedRequest", "CanFulfillIntentRequest",
    "Connections.Response", "System.ExceptionEncountered", "Display.ElementSelected",
    "Alexa.Presentation.APL.UserEvent", "AlexaSkillEvent.SkillEnabled",
    "AlexaSkillEvent.SkillDisabled", "AlexaSkillEvent.SkillPermissionAccepted",
    "AlexaSkillEvent.SkillPermissionChanged", "AlexaSkillEvent.SkillAccountLinked",
})
#: The permission scopes the skill asks for, by short name (tests check them against the
#: modules that ask: `skill.timers`, `skill.reminders`, `skill.domain.people`).
SCOPES = {
    "alexa::alerts:timers:skill:readwrite": "timers",
    "alexa::alerts:reminders:skill:readwrite": "reminders",
    "alexa::person_id:read": "person",
}
#: What a user can answer to Alexa's permission question.
ANSWERS = frozenset({"ACCEPTED", "DENIED", "NOT_ANSWERED"})
#: Interfaces that mean the device has a screen.
SCREEN_INTERFACES = ("Alexa.Presentation.APL", "Display")

# Outcomes of a request that got its answer.
ANSWERED = "answered"  # spoken, session closed
ASKED = "asked"  # spoken, the microphone stays open
SILENT = "silent"  # no speech (session ended, skill events)
#: Every way a request can fail, with the level of its line: the request's own fault (refused
#: at the door) or a user's other request holding the lease is a warning, ours an error.
ERRORS = {
    "bad_request": "WARNING",  # not an Alexa request envelope that can be answered
    "wrong_skill": "WARNING",  # addressed to another skill
    "unverified": "WARNING",  # signature, certificate chain or timestamp refused (web door)
    "too_large": "WARNING",  # body over the limit (web door)
    "store_busy": "WARNING",  # another request of the same user held the lease too long
    "store_conflict": "ERROR",  # lost the compare-and-set race too many times
    "store_throttled": "ERROR",  # the store refused for capacity (DynamoDB throttling)
    "store_unavailable": "ERROR",  # the store could not be read or written
    "no_handler": "ERROR",  # a request no handler claims
    "internal": "ERROR",  # anything else that is ours: a bug
}

# What a request changed, counted (keys of `RequestFacts.events`).
SESSION_STARTED = "sessionStarted"
SESSION_COMPLETED = "sessionCompleted"
SESSION_ENDED_EARLY = "sessionEndedEarly"
CHECKINS_CREATED = "checkInsCreated"
REMINDER_SET = "reminderSet"
STORE_CONFLICTS = "storeConflicts"  # writes that lost a race and were applied again
STORE_THROTTLES = "storeThrottles"
STORE_ERRORS = "storeErrors"  # failed store calls, throttles included
EVENTS = (SESSION_STARTED, SESSION_COMPLETED, SESSION_ENDED_EARLY, CHECKINS_CREATED,
          REMINDER_SET, STORE_CONFLICTS, STORE_THROTTLES, STORE_ERRORS)

# An Alexa API call that did not get an HTTP answer.
TIMEOUT = "timeout"  # the call's own timeout
UNREACHABLE = "unreachable"  # no connection
DEADLINE = "deadline"  # the request's budget for all its calls was spent
FAILED = "failed"  # anything else (TLS, a reply that is not HTTP)


def is_api_error(status: int | str) -> bool:
    """An outage worth alarming on: 5xx, 429, or no answer at all. A 4xx (no permission, a
    timer already gone, a refusal) is the API working as documented."""
    if isinstance(status, str):
        return True
    return status >= 500 or status == 429


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _known(value: object, allowed: frozenset[str] | dict) -> str:
    """`value` when it is one of `allowed`, else "other" (never the value itself)."""
    return value if isinstance(value, str) and value in allowed else OTHER


def locale_of(value: object) -> str | None:
    """A locale by its shape ("en-US"); anything else is "other", a missing one None."""
    if value is None:
        return None
    if (isinstance(value, str) and len(value) == 5 and value[2] == "-"
            and value[:2].isascii() and value[:2].isalpha() and value[:2].islower()
            and value[3:].isascii() and value[3:].isalpha() and value[3:].isupper()):
        return value
    return OTHER


def scope_of(value: object) -> str:
    """A permission scope's short name, or "other"."""
    return SCOPES[value] if isinstance(value, str) and value in SCOPES else OTHER


class ApiCall:
    """One Alexa API call: which API and operation, its HTTP status (or why none), how long."""

    __slots__ = ("api", "ms", "op", "status")

    def __init__(self, api: str, op: str, status: int | str, ms: float) -> None:
        self.api, self.op, self.status, self.ms = api, op, status, ms

    @property
    def error(self) -> bool:
        return is_api_error(self.status)


class RequestFacts:
    """What one request was and what became of it; every field is safe to log as it is."""

    __slots__ = ("answer", "api", "asked", "cold", "door", "error", "events", "intent",
                 "intents", "locale", "ms", "outcome", "release", "request_id", "screen",
                 "started", "store_ms", "type")

    def __init__(self, request_id: str, *, door: str, cold: bool, started: float,
                 intents: frozenset[str] = frozenset(), release: str = RELEASE) -> None:
        self.request_id = request_id
        self.door = door
        self.cold = cold
        self.started = started
        self.intents = intents
        self.release = release
        self.type = OTHER
        self.intent: str | None = None
        self.locale: str | None = None
        self.screen = False
        self.outcome: str | None = None
        self.error: str | None = None
        self.ms = 0.0
        self.store_ms = 0.0
        self.api: list[ApiCall] = []
        self.events: dict[str, int] = {}
        self.asked: str | None = None  # the permission scope the answer asks for
        self.answer: tuple[str, str] | None = None  # (scope, answer) of a permission answer

    # --- what the request is ----------------------------------------------------------------
    def read_request(self, payload: object) -> None:
        """Type, intent, locale, screen and a permission answer, from the envelope as sent.

        Reads only what it recognises, so a malformed envelope is still described.
        """
        envelope = _dict(payload)
        request = _dict(envelope.get("request"))
        self.type = _known(request.get("type"), REQUEST_TYPES)
        if self.type == "IntentRequest":
            self.intent = _known(_dict(request.get("intent")).get("name"), self.intents)
        self.locale = locale_of(request.get("locale"))
        context = _dict(envelope.get("context"))
        device = _dict(_dict(context.get("System")).get("device"))
        interfaces = _dict(device.get("supportedInterfaces"))
        self.screen = (any(name in interfaces for name in SCREEN_INTERFACES)
                       or "Viewport" in context or "Viewports" in context)
        if self.type == "Connections.Response" and request.get("name") == "AskFor":
            body = _dict(request.get("payload"))
            self.answer = (scope_of(body.get("permissionScope")),
                           _known(body.get("status"), ANSWERS))

    def read_response(self, payload: object) -> None:
        """The outcome (answered, asked, silent) and a permission question, from the answer."""
        response = _dict(_dict(payload).get("response"))
        directives = response.get("directives")
        for directive in directives if isinstance(directives, list) else ():
            directive = _dict(directive)
            if directive.get("type") == "Connections.SendRequest" and (
                    directive.get("name") == "AskFor"):
                self.asked = scope_of(_dict(directive.get("payload")).get("permissionScope"))
        if "outputSpeech" not in response:
            self.outcome = SILENT
        elif response.get("shouldEndSession") is False or "reprompt" in response:
            self.outcome = ASKED
        else:
            self.outcome = ANSWERED

    @property
    def kind(self) -> str:
        """The intent for an intent request, else the request type: what "by intent" counts."""
        return self.intent if self.type == "IntentRequest" and self.intent else self.type

    # --- what happened ----------------------------------------------------------------------
    def fail(self, kind: str) -> None:
        """The request failed this way (the first failure named wins)."""
        if self.error is None:
            self.error = kind if kind in ERRORS else "internal"

    def count(self, event: str, n: int = 1) -> None:
        if n:
            self.events[event] = self.events.get(event, 0) + n

    @property
    def result(self) -> str:
        """The error kind when the request failed, else its outcome."""
        if self.error is not None:
            return self.error
        return self.outcome or "internal"

    @property
    def level(self) -> str:
        return ERRORS.get(self.result, "INFO")

    def line(self) -> dict:
        """The request's log line, as a JSON object."""
        line: dict = {"message": "request", "level": self.level,
                      "correlationId": self.request_id, "door": self.door, "type": self.type}
        if self.intent is not None:
            line["intent"] = self.intent
        line.update(
            locale=self.locale, screen=self.screen, outcome=self.result,
            ms=round(self.ms, 1), storeMs=round(self.store_ms, 1),
            api=[{"api": c.api, "op": c.op, "status": c.status, "ms": round(c.ms, 1)}
                 for c in self.api],
            cold=self.cold, release=self.release,
        )
        if self.events:
            line["events"] = dict(self.events)
        if self.asked is not None:
            line["permissionAsked"] = self.asked
        if self.answer is not None:
            line["permissionAnswer"] = {"scope": self.answer[0], "answer": self.answer[1]}
        return line


_current: ContextVar[RequestFacts | None] = ContextVar("mat_coach_request", default=None)


def current() -> RequestFacts | None:
    """The facts of the request being answered in this context, if any."""
    return _current.get()


def fail(kind: str) -> None:
    """Name the way the current request failed (exception handlers)."""
    facts = _current.get()
    if facts is not None:
        facts.fail(kind)


def count(event: str, n: int = 1) -> None:
    """Count something the current request changed or met."""
    facts = _current.get()
    if facts is not None:
        facts.count(event, n)


def store_time(seconds: float) -> None:
    """Add time spent in the store to the current request."""
    facts = _current.get()
    if facts is not None:
        facts.store_ms += seconds * 1000


def api_call(api: str, op: str, status: int | str, seconds: float) -> None:
    """Record one Alexa API call of the current request."""
    facts = _current.get()
    if facts is not None:
        facts.api.append(ApiCall(api, op, status, seconds * 1000))


def random_id() -> str:
    """A request id that says nothing about anyone: 16 random hex digits."""
    return os.urandom(8).hex()


class _Recording:
    """`with telemetry.request(...) as facts`: the facts are current inside, closed after."""

    __slots__ = ("facts", "telemetry", "token")

    def __init__(self, telemetry: Telemetry, facts: RequestFacts) -> None:
        self.telemetry = telemetry
        self.facts = facts

    def __enter__(self) -> RequestFacts:
        self.token = _current.set(self.facts)
        return self.facts

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        try:
            if exc is not None and self.facts.outcome is None:
                self.facts.fail("internal")
            self.telemetry.close(self.facts)
        finally:
            _current.reset(self.token)


class Telemetry:
    """One door's recorder: opens each request's facts and hands them, closed, to its sinks.

    A request is cold when it is the first one this recorder (built once per process by each
    door, so once per Lambda container or `serve` worker) closes. `intents` are the intent
    names the skill handles; any other is logged as "other".
    """

    def __init__(self, sinks: Sequence[Sink] = (), *, door: str, intents: Iterable[str] = (),
                 release: str = RELEASE, clock: Callable[[], float] = time.perf_counter,
                 new_id: Callable[[], str] = random_id) -> None:
        self.sinks = tuple(sinks)
        self.door = door
        self.intents = frozenset(intents)
        self.release = release
        self._clock = clock
        self._new_id = new_id
        self._cold = True

    def request(self, payload: object = None, request_id: object = None) -> _Recording:
        """Open a request: read `payload` now when the door has it (else `read_request`
        later); `request_id` is the platform's (Lambda's), or a random one is made."""
        cold, self._cold = self._cold, False
        facts = RequestFacts(
            request_id if isinstance(request_id, str) and request_id else self._new_id(),
            door=self.door, cold=cold, started=self._clock(), intents=self.intents,
            release=self.release,
        )
        if payload is not None:
            facts.read_request(payload)
        return _Recording(self, facts)

    def close(self, facts: RequestFacts) -> None:
        """Measure the request and hand it to every sink; a failing sink never fails it."""
        facts.ms = (self._clock() - facts.started) * 1000
        for sink in self.sinks:
            try:
                sink.emit(facts)
            except Exception as exc:
                log.warning("request telemetry not written (%s): %s",
                            type(sink).__name__, type(exc).__name__)

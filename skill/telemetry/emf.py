"""CloudWatch embedded metric format (EMF): the Lambda door's metrics, written as log lines.

Each request writes one JSON document to stdout. It is the request's log line (every field of
`RequestFacts.line`) and, through its `_aws` member, the instruction to CloudWatch Logs to
extract the request's metrics from it: no CloudWatch API call, no extra permission, nothing
added to the request's path but one write. Lambda hands stdout lines to CloudWatch Logs as they
are, whatever the function's log format, so the document is read whole.

Metrics are counted per request, zero included, so a metric's average is a share (the share of
requests that went to the fallback) and its sum a count:

* `Requests`, without dimensions and by `Intent` (the intent, or the request type);
* `Latency` and `StoreLatency` (milliseconds), `ColdStarts`, `Errors` (ours) and `Refusals`
  (the request's own fault), `Fallbacks`, `SessionsStarted`, `SessionsCompleted`,
  `SessionsEndedEarly`, `CheckInsCreated`, `RemindersSet`, `StoreConflicts`, `StoreThrottles`,
  `AlexaApiCalls` and `AlexaApiErrors` (all APIs together), without dimensions.

Metrics with dimensions that differ within one request take a small document of their own, only
when they happen: one per Alexa API and status the request met (`AlexaApiCalls` and
`AlexaApiLatency` by `Api`, `AlexaApiErrors` by `Api` and by `Api` and `Status`), one for a
permission question (`PermissionQuestions` by `Scope`) and one for its answer
(`PermissionAnswers` by `Scope` and `Answer`). Every dimension value comes from a closed set,
so the number of metrics stays bounded (CloudWatch bills each name and dimension combination).

The namespace is `MAT_COACH_METRICS_NAMESPACE` (the template sets it per stack), else "MatCoach".
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from typing import TextIO

from skill.telemetry import (
    CHECKINS_CREATED,
    ERRORS,
    REMINDER_SET,
    SESSION_COMPLETED,
    SESSION_ENDED_EARLY,
    SESSION_STARTED,
    STORE_CONFLICTS,
    STORE_THROTTLES,
    RequestFacts,
    is_api_error,
)

NAMESPACE_VARIABLE = "MAT_COACH_METRICS_NAMESPACE"
DEFAULT_NAMESPACE = "MatCoach"
FALLBACK_INTENT = "AMAZON.FallbackIntent"
COUNT = "Count"
MILLISECONDS = "Milliseconds"

#: Counted on every request, without dimensions: metric name -> (unit, what to count).
_PER_REQUEST: dict[str, tuple[str, Callable[[RequestFacts], float]]] = {
    "Latency": (MILLISECONDS, lambda f: round(f.ms, 3)),
    "StoreLatency": (MILLISECONDS, lambda f: round(f.store_ms, 3)),
    "ColdStarts": (COUNT, lambda f: int(f.cold)),
    "Errors": (COUNT, lambda f: int(ERRORS.get(f.result) == "ERROR")),
    "Refusals": (COUNT, lambda f: int(ERRORS.get(f.result) == "WARNING")),
    "Fallbacks": (COUNT, lambda f: int(f.intent == FALLBACK_INTENT)),
    "SessionsStarted": (COUNT, lambda f: f.events.get(SESSION_STARTED, 0)),
    "SessionsCompleted": (COUNT, lambda f: f.events.get(SESSION_COMPLETED, 0)),
    "SessionsEndedEarly": (COUNT, lambda f: f.events.get(SESSION_ENDED_EARLY, 0)),
    "CheckInsCreated": (COUNT, lambda f: f.events.get(CHECKINS_CREATED, 0)),
    "RemindersSet": (COUNT, lambda f: f.events.get(REMINDER_SET, 0)),
    "StoreConflicts": (COUNT, lambda f: f.events.get(STORE_CONFLICTS, 0)),
    "StoreThrottles": (COUNT, lambda f: f.events.get(STORE_THROTTLES, 0)),
    "AlexaApiCalls": (COUNT, lambda f: len(f.api)),
    "AlexaApiErrors": (COUNT, lambda f: sum(1 for c in f.api if c.error)),
}
#: Every metric name this module can write (the template's alarms and dashboard use these).
METRIC_NAMES = frozenset({"Requests", *_PER_REQUEST, "AlexaApiLatency", "PermissionQuestions",
                          "PermissionAnswers"})


def namespace() -> str:
    return os.environ.get(NAMESPACE_VARIABLE) or DEFAULT_NAMESPACE


def _directive(space: str, dimensions: list[list[str]], metrics: list[tuple[str, str]]) -> dict:
    return {"Namespace": space, "Dimensions": dimensions,
            "Metrics": [{"Name": name, "Unit": unit} for name, unit in metrics]}


def documents(facts: RequestFacts, *, space: str, timestamp_ms: int,
              function_version: str | None = None) -> list[dict]:
    """The request's documents: its line with every per-request metric, then one for each
    Alexa API and status it met, and one each for a permission question and answer."""
    main = facts.line()
    if function_version:
        main["functionVersion"] = function_version
    main["Intent"] = facts.kind
    main["Requests"] = 1
    for name, (_unit, value) in _PER_REQUEST.items():
        main[name] = value(facts)
    main["_aws"] = {"Timestamp": timestamp_ms, "CloudWatchMetrics": [
        _directive(space, [[], ["Intent"]], [("Requests", COUNT)]),
        _directive(space, [[]], [(name, unit) for name, (unit, _v) in _PER_REQUEST.items()]),
    ]}
    docs = [main]

    def small(members: dict, directives: list[dict]) -> dict:
        return {"_aws": {"Timestamp": timestamp_ms, "CloudWatchMetrics": directives},
                "correlationId": facts.request_id, **members}

    groups: dict[tuple[str, int | str], list[float]] = {}
    for call in facts.api:
        groups.setdefault((call.api, call.status), []).append(call.ms)
    for (api, status), times in sorted(groups.items(), key=lambda g: (g[0][0], str(g[0][1]))):
        members = {"Api": api, "Status": str(status), "AlexaApiCalls": len(times),
                   "AlexaApiLatency": [round(ms, 3) for ms in times[:100]]}
        directives = [_directive(space, [["Api"]], [("AlexaApiCalls", COUNT),
                                                    ("AlexaApiLatency", MILLISECONDS)])]
        if is_api_error(status):
            members["AlexaApiErrors"] = len(times)
            directives.append(_directive(space, [["Api"], ["Api", "Status"]],
                                         [("AlexaApiErrors", COUNT)]))
        docs.append(small(members, directives))
    if facts.asked is not None:
        docs.append(small({"Scope": facts.asked, "PermissionQuestions": 1},
                          [_directive(space, [["Scope"]], [("PermissionQuestions", COUNT)])]))
    if facts.answer is not None:
        scope, answer = facts.answer
        docs.append(small({"Scope": scope, "Answer": answer, "PermissionAnswers": 1},
                          [_directive(space, [["Scope", "Answer"]],
                                      [("PermissionAnswers", COUNT)])]))
    return docs


class EmfSink:
    """Writes each request's EMF documents, one per line, to `stream` (stdout by default,
    looked up at each write: the Lambda runtime replaces it before the handler is imported)."""

    def __init__(self, stream: TextIO | None = None, *, space: str | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.stream = stream
        self.space = space or namespace()
        self._clock = clock
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION") or None

    def emit(self, facts: RequestFacts) -> None:
        docs = documents(facts, space=self.space, timestamp_ms=int(self._clock() * 1000),
                         function_version=self.function_version)
        text = "".join(json.dumps(doc, separators=(",", ":")) + "\n" for doc in docs)
        (self.stream or sys.stdout).write(text)

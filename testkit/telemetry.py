"""Reading what the doors write about each request, and checking it against its formats.

* `check_request_line`: the request line's fields, each of its closed set or type;
* `check_emf`: a CloudWatch embedded-metric-format document against the format's rules (the
  `_aws` metadata, its metric directives, dimension sets of at most nine keys whose members are
  strings on the root, at most 100 metric definitions whose members are numbers or arrays of at
  most 100 numbers, known units, nothing nested, at most 256 KB);
* `prometheus_samples`: a Prometheus exposition read by prometheus_client's own parser;
* `DoorRecorder`: a door's telemetry that writes where a test can read it - the Lambda door's
  EMF lines into a buffer, the web door's request lines through the JSON log formatter into a
  buffer and its metrics into a registry of its own - and `Metrics`, the two doors' metrics in
  one vocabulary, so one conversation's figures can be expected of either;
* `leaks`: which secrets (ids, tokens, slot values) appear in any of the texts.
"""

from __future__ import annotations

import io
import json
import logging
import math
from collections import Counter
from collections.abc import Iterable

from skill import telemetry as facts_module
from skill.builder import intent_names
from skill.telemetry import ERRORS, EVENTS, OTHER, REQUEST_TYPES, SCOPES, Telemetry
from skill.telemetry.emf import EmfSink
from skill.telemetry.observed import _REMINDER_ITEM_OPS, _SETTINGS, _TIMER_ITEM_OPS

#: Units a MetricDefinition may name (CloudWatch's StandardUnit values).
EMF_UNITS = frozenset({
    "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes",
    "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count",
    "Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second",
    "Terabytes/Second", "Bits/Second", "Kilobits/Second", "Megabits/Second",
    "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
})
EMF_MAX_BYTES = 256 * 1024
OUTCOMES = frozenset({"answered", "asked", "silent", *ERRORS})
APIS = frozenset({"timers", "reminders", "settings", OTHER})
OPERATIONS = frozenset({"create", "list", "delete_all", "pause", "resume", "cancel", "account",
                        OTHER, *_TIMER_ITEM_OPS.values(), *_REMINDER_ITEM_OPS.values(),
                        *_SETTINGS.values()})
NO_ANSWER = frozenset({facts_module.TIMEOUT, facts_module.UNREACHABLE, facts_module.DEADLINE,
                       facts_module.FAILED})
LINE_FIELDS = frozenset({"message", "level", "correlationId", "door", "type", "intent",
                         "locale", "screen", "outcome", "ms", "storeMs", "api", "cold", "release",
                         "events", "permissionAsked", "permissionAnswer", "functionVersion"})


def _number(value: object) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


# --- the request line ----------------------------------------------------------------------------
def check_request_line(line: dict, *, extra: Iterable[str] = ()) -> list[str]:
    """What is wrong with a request line: unknown fields (beyond `extra`), wrong types, or a
    value outside its closed set. An empty list means the line is as specified."""
    problems = []
    unknown = set(line) - LINE_FIELDS - set(extra)
    if unknown:
        problems.append(f"unknown fields {sorted(unknown)}")
    for name in ("message", "level", "correlationId", "door", "type", "outcome", "ms", "storeMs",
                 "api", "cold", "release", "screen", "locale"):
        if name not in line:
            problems.append(f"missing {name}")
    if problems:
        return problems
    expect = {
        "message": line["message"] == "request",
        "level": line["level"] in ("INFO", "WARNING", "ERROR"),
        "correlationId": isinstance(line["correlationId"], str)
        and 0 < len(line["correlationId"]) <= 64,
        "door": line["door"] in ("lambda", "web"),
        "type": line["type"] in REQUEST_TYPES or line["type"] == OTHER,
        "intent": line.get("intent", OTHER) in intent_names() | {OTHER},
        "locale": line["locale"] is None or line["locale"] == OTHER or (
            facts_module.locale_of(line["locale"]) == line["locale"]),
        "screen": isinstance(line["screen"], bool),
        "outcome": line["outcome"] in OUTCOMES,
        "ms": _number(line["ms"]) and line["ms"] >= 0,
        "storeMs": _number(line["storeMs"]) and 0 <= line["storeMs"] <= line["ms"] + 0.2,
        "cold": isinstance(line["cold"], bool),
        "release": line["release"] == facts_module.RELEASE,
        "api": isinstance(line["api"], list) and all(_api_call_ok(c) for c in line["api"]),
        "events": isinstance(line.get("events", {}), dict) and all(
            k in EVENTS and isinstance(v, int) and v > 0
            for k, v in line.get("events", {}).items()),
        "permissionAsked": line.get("permissionAsked", OTHER) in (*SCOPES.values(), OTHER),
        "permissionAnswer": line.get("permissionAnswer") is None or (
            set(line["permissionAnswer"]) == {"scope", "answer"}
            and line["permissionAnswer"]["scope"] in (*SCOPES.values(), OTHER)
            and line["permissionAnswer"]["answer"] in (*facts_module.ANSWERS, OTHER)),
    }
    problems += [f"bad {name}: {line.get(name)!r}" for name, ok in expect.items() if not ok]
    if (line["outcome"] in ERRORS) != (line["level"] != "INFO"):
        problems.append(f"level {line['level']} does not fit outcome {line['outcome']}")
    return problems


def _api_call_ok(call: object) -> bool:
    if not isinstance(call, dict) or set(call) != {"api", "op", "status", "ms"}:
        return False
    status = call["status"]
    status_ok = (isinstance(status, int) and not isinstance(status, bool)
                 and 100 <= status <= 599) or status in NO_ANSWER
    return (call["api"] in APIS and call["op"] in OPERATIONS and status_ok
            and _number(call["ms"]) and call["ms"] >= 0)


# --- embedded metric format ------------------------------------------------------------------
def check_emf(document: object, text: str | None = None) -> list[str]:
    """What makes `document` (and its serialised `text`, when given) an invalid EMF document."""
    if not isinstance(document, dict):
        return ["the root is not an object"]
    problems = []
    if text is not None:
        if len(text.encode("utf-8")) > EMF_MAX_BYTES:
            problems.append("larger than 256 KB")
        if json.loads(text) != document or text.strip() != text:
            problems.append("the text holds more than one JSON object")
    meta = document.get("_aws")
    if not isinstance(meta, dict):
        return [*problems, "no _aws metadata object"]
    others = set(meta) - {"Timestamp", "CloudWatchMetrics"}
    if others:
        problems.append(f"_aws has other members {sorted(others)}")
    stamp = meta.get("Timestamp")
    if not (isinstance(stamp, int) and not isinstance(stamp, bool) and stamp >= 0):
        problems.append(f"Timestamp is not whole milliseconds: {stamp!r}")
    directives = meta.get("CloudWatchMetrics")
    if not isinstance(directives, list) or not directives:
        return [*problems, "CloudWatchMetrics is not a non-empty array"]
    dimension_keys: set[str] = set()
    metric_keys: set[str] = set()
    for directive in directives:
        if not isinstance(directive, dict):
            problems.append("a MetricDirective is not an object")
            continue
        if set(directive) != {"Namespace", "Dimensions", "Metrics"}:
            problems.append(f"MetricDirective members {sorted(directive)}")
            continue
        space = directive["Namespace"]
        if not (isinstance(space, str) and 1 <= len(space) <= 255):
            problems.append(f"Namespace {space!r}")
        sets = directive["Dimensions"]
        if not isinstance(sets, list) or not sets:
            problems.append("Dimensions is not a non-empty array of dimension sets")
            sets = []
        for keys in sets:
            if not isinstance(keys, list) or len(keys) > 9:
                problems.append(f"a dimension set is not an array of at most 9 keys: {keys!r}")
                continue
            for key in keys:
                if not (isinstance(key, str) and 1 <= len(key) <= 255):
                    problems.append(f"dimension key {key!r}")
                    continue
                value = document.get(key)
                if not (isinstance(value, str) and 1 <= len(value) <= 1024):
                    problems.append(f"dimension {key} has no string member on the root")
                dimension_keys.add(key)
        definitions = directive["Metrics"]
        if not isinstance(definitions, list) or len(definitions) > 100:
            problems.append("Metrics is not an array of at most 100 definitions")
            continue
        for definition in definitions:
            if not isinstance(definition, dict) or "Name" not in definition or set(
                    definition) - {"Name", "Unit", "StorageResolution"}:
                problems.append(f"MetricDefinition {definition!r}")
                continue
            name, unit = definition["Name"], definition.get("Unit", "None")
            if not (isinstance(name, str) and 1 <= len(name) <= 255):
                problems.append(f"metric name {name!r}")
                continue
            if unit not in EMF_UNITS:
                problems.append(f"{name}: unit {unit!r}")
            if definition.get("StorageResolution", 60) not in (1, 60):
                problems.append(f"{name}: StorageResolution")
            value = document.get(name)
            numbers = value if isinstance(value, list) else [value]
            if not numbers or len(numbers) > 100 or not all(_number(v) for v in numbers):
                problems.append(f"metric {name} is not a number or 1-100 numbers: {value!r}")
            metric_keys.add(name)
    both = dimension_keys & metric_keys
    if both:
        problems.append(f"members both dimension and metric: {sorted(both)}")
    return problems


def emf_documents(text: str) -> list[tuple[dict, str]]:
    """Every line of `text` parsed as JSON, with the line itself."""
    return [(json.loads(line), line) for line in text.splitlines() if line.strip()]


def emf_totals(documents: Iterable[dict]) -> Counter:
    """What CloudWatch would extract, added up: (metric, ((dimension, value), ...)) -> sum."""
    totals: Counter = Counter()
    for document in documents:
        for directive in document["_aws"]["CloudWatchMetrics"]:
            for keys in directive["Dimensions"]:
                dims = tuple(sorted((key, document[key]) for key in keys))
                for definition in directive["Metrics"]:
                    value = document[definition["Name"]]
                    totals[definition["Name"], dims] += sum(value) if isinstance(
                        value, list) else value
    return totals


# --- Prometheus --------------------------------------------------------------------------------
def prometheus_samples(text: str) -> dict[tuple[str, tuple], float]:
    """Every sample of an exposition, read by prometheus_client's own parser:
    (sample name, sorted label pairs) -> value."""
    from prometheus_client.parser import text_string_to_metric_families

    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[sample.name, tuple(sorted(sample.labels.items()))] = sample.value
    return samples


# --- both doors in one vocabulary -------------------------------------------------------------
#: EMF metric name -> Prometheus counter (without `matcoach_` and `_total`).
COUNTERS = {
    "SessionsStarted": "sessions_started", "SessionsCompleted": "sessions_completed",
    "SessionsEndedEarly": "sessions_ended_early", "CheckInsCreated": "checkins_created",
    "RemindersSet": "reminders_set", "StoreConflicts": "store_conflicts",
    "StoreThrottles": "store_throttles", "Fallbacks": "fallbacks", "ColdStarts": "cold_starts",
}


class Metrics:
    """One door's metrics, asked for by the EMF names whatever the door wrote."""

    def __init__(self, *, emf: Counter | None = None,
                 prometheus: dict[tuple[str, tuple], float] | None = None) -> None:
        self.emf = emf
        self.prom = prometheus

    def _prom(self, name: str, **labels: str) -> float:
        """A counter's value, summed over the labels not named."""
        assert self.prom is not None
        return sum(value for (sample, pairs), value in self.prom.items()
                   if sample == f"matcoach_{name}_total"
                   and all(dict(pairs).get(k) == v for k, v in labels.items()))

    def count(self, metric: str) -> float:
        """A dimensionless counter: "SessionsStarted", "Fallbacks", ..."""
        if self.emf is not None:
            return self.emf[metric, ()]
        return self._prom(COUNTERS[metric])

    def requests(self, intent: str | None = None) -> float:
        if self.emf is not None:
            return self.emf["Requests", (("Intent", intent),) if intent else ()]
        return self._prom("requests", **({"intent": intent} if intent else {}))

    def errors(self) -> float:
        """Requests that failed on our side."""
        if self.emf is not None:
            return self.emf["Errors", ()]
        return sum(self._prom("errors", kind=kind) for kind, level in ERRORS.items()
                   if level == "ERROR")

    def api_calls(self, api: str) -> float:
        if self.emf is not None:
            return self.emf["AlexaApiCalls", (("Api", api),)]
        return self._prom("alexa_api_calls", api=api)

    def api_errors(self, api: str, status: str) -> float:
        if self.emf is not None:
            return self.emf["AlexaApiErrors", (("Api", api), ("Status", status))]
        return self._prom("alexa_api_errors", api=api, status=status)

    def questions(self, scope: str) -> float:
        if self.emf is not None:
            return self.emf["PermissionQuestions", (("Scope", scope),)]
        return self._prom("permission_questions", scope=scope)

    def answers(self, scope: str, answer: str) -> float:
        if self.emf is not None:
            return self.emf["PermissionAnswers", (("Answer", answer), ("Scope", scope))]
        return self._prom("permission_answers", scope=scope, answer=answer)


class DoorRecorder:
    """A door's telemetry writing where a test reads it (`door` is "lambda" or "flask")."""

    def __init__(self, door: str) -> None:
        self.door = door
        self.stream = io.StringIO()
        if door == "lambda":
            self.telemetry = Telemetry([EmfSink(self.stream)], door="lambda",
                                       intents=intent_names())
            return
        from prometheus_client import CollectorRegistry

        from skill.web.logs import JsonFormatter, RequestLogSink
        from skill.web.metrics import PrometheusSink

        self.registry = CollectorRegistry()
        self.logger = logging.getLogger(f"skill.requests.test{id(self)}")
        self.logger.propagate = False
        self.logger.setLevel(logging.INFO)
        handler = logging.StreamHandler(self.stream)
        handler.setFormatter(JsonFormatter())
        self.logger.handlers = [handler]
        self.telemetry = Telemetry([RequestLogSink(self.logger), PrometheusSink(self.registry)],
                                   door="web", intents=intent_names())

    def documents(self) -> list[tuple[dict, str]]:
        """Every line written, parsed, with its text."""
        return emf_documents(self.stream.getvalue())

    def lines(self) -> list[dict]:
        """The request lines, in order (the Lambda door's other documents left out)."""
        return [doc for doc, _text in self.documents() if doc.get("message") == "request"]

    def exposition(self) -> str:
        from prometheus_client import generate_latest

        return generate_latest(self.registry).decode("utf-8")

    def metrics(self) -> Metrics:
        if self.door == "lambda":
            return Metrics(emf=emf_totals(doc for doc, _text in self.documents()))
        return Metrics(prometheus=prometheus_samples(self.exposition()))

    def texts(self) -> list[str]:
        """Everything the door wrote, for a privacy scan."""
        texts = [self.stream.getvalue()]
        if self.door != "lambda":
            texts.append(self.exposition())
        return texts


def leaks(texts: Iterable[str], secrets: Iterable[str]) -> list[str]:
    """Each secret found in any text (case-insensitive), with where."""
    found = []
    for text in texts:
        lowered = text.lower()
        for secret in secrets:
            at = lowered.find(secret.lower())
            if at >= 0:
                found.append(f"{secret!r} in ...{text[max(0, at - 80):at + 80]}...")
    return found

"""Prometheus metrics for `mat-coach serve`, on a port of their own, off unless configured.

The same facts as the Lambda door's EMF documents (`skill.telemetry.emf`), as Prometheus
counters and histograms (`PrometheusSink`). `mat-coach serve --metrics-port N` (or
`MAT_COACH_METRICS_PORT`) serves them at `http://127.0.0.1:N/metrics`; without it nothing listens
and `prometheus_client` is never imported. The port is separate from the skill's so the reverse
proxy that exposes the skill to Alexa never exposes the metrics.

`serve` runs several worker processes; each counts into its own files in a shared directory
(prometheus_client's multiprocess mode) and the metrics port, served by the supervising process,
adds them up. The directory is `PROMETHEUS_MULTIPROC_DIR` when set, else a private temporary one
(removed on exit); stale files are cleared at start, so counters begin at zero with the server.
Counters of a worker that was replaced keep counting in the total, so totals never go back.

Every label value comes from a closed set (`skill.telemetry`), so the series stay few.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

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
)

MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
PREFIX = "matcoach"
#: Request latency buckets (seconds): most answers take milliseconds, Alexa gives up at 8 s.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
FALLBACK_INTENT = "AMAZON.FallbackIntent"
#: Counted per request without labels: metric name (before `_total`) -> event key.
_EVENT_COUNTERS = {
    "sessions_started": SESSION_STARTED,
    "sessions_completed": SESSION_COMPLETED,
    "sessions_ended_early": SESSION_ENDED_EARLY,
    "checkins_created": CHECKINS_CREATED,
    "reminders_set": REMINDER_SET,
    "store_conflicts": STORE_CONFLICTS,
    "store_throttles": STORE_THROTTLES,
}


class PrometheusSink:
    """Every request's facts as Prometheus metrics in `registry` (None: the default one).

    Built once per process (`process_sink`); tests build their own with a fresh
    `CollectorRegistry`.
    """

    def __init__(self, registry: object | None = None, *, release: str | None = None) -> None:
        from prometheus_client import REGISTRY, Counter, Gauge, Histogram

        from skill.telemetry import RELEASE

        registry = REGISTRY if registry is None else registry

        def counter(name: str, doc: str, labels: tuple[str, ...] = ()) -> Counter:
            return Counter(f"{PREFIX}_{name}", doc, labels, registry=registry)

        self.requests = counter("requests", "Requests answered, by intent (or request type) "
                                "and outcome", ("intent", "outcome"))
        self.errors = counter("errors", "Requests that failed, by kind", ("kind",))
        self.fallbacks = counter("fallbacks", "Requests that went to AMAZON.FallbackIntent")
        self.cold_starts = counter("cold_starts", "First requests of a worker process")
        self.events = {name: counter(name, doc) for name, doc in (
            ("sessions_started", "Mat sessions started (their timer created and saved)"),
            ("sessions_completed", "Mat sessions whose timer ran out"),
            ("sessions_ended_early", "Mat sessions ended before their timer ran out"),
            ("checkins_created", "Check-in timers created with sessions"),
            ("reminders_set", "Weekly reminders set"),
            ("store_conflicts", "Store writes that lost a race and were applied again"),
            ("store_throttles", "Store calls refused for capacity"),
        )}
        self.questions = counter("permission_questions", "Permission questions asked, by scope",
                                 ("scope",))
        self.answers = counter("permission_answers", "Answers to permission questions, by scope "
                               "and answer", ("scope", "answer"))
        self.api_calls = counter("alexa_api_calls", "Alexa API calls, by API and status",
                                 ("api", "status"))
        self.api_errors = counter("alexa_api_errors", "Alexa API calls that failed (5xx, 429, no "
                                  "answer), by API and status", ("api", "status"))
        self.latency = Histogram(f"{PREFIX}_request_duration_seconds",
                                 "Time to answer a request", buckets=LATENCY_BUCKETS,
                                 registry=registry)
        self.store_latency = Histogram(f"{PREFIX}_store_duration_seconds",
                                       "Time a request spent in the store",
                                       buckets=LATENCY_BUCKETS, registry=registry)
        self.api_latency = Histogram(f"{PREFIX}_alexa_api_duration_seconds",
                                     "Time of one Alexa API call, by API", ("api",),
                                     buckets=LATENCY_BUCKETS, registry=registry)
        build = Gauge(f"{PREFIX}_build_info", "The release being served (always 1)",
                      ("release",), registry=registry, multiprocess_mode="max")
        build.labels(release or RELEASE).set(1)

    def emit(self, facts: RequestFacts) -> None:
        result = facts.result
        self.requests.labels(facts.kind, result).inc()
        if result in ERRORS:
            self.errors.labels(result).inc()
        if facts.intent == FALLBACK_INTENT:
            self.fallbacks.inc()
        if facts.cold:
            self.cold_starts.inc()
        for name, key in _EVENT_COUNTERS.items():
            if facts.events.get(key):
                self.events[name].inc(facts.events[key])
        if facts.asked is not None:
            self.questions.labels(facts.asked).inc()
        if facts.answer is not None:
            self.answers.labels(*facts.answer).inc()
        for call in facts.api:
            status = str(call.status)
            self.api_calls.labels(call.api, status).inc()
            if call.error:
                self.api_errors.labels(call.api, status).inc()
            self.api_latency.labels(call.api).observe(call.ms / 1000)
        self.latency.observe(facts.ms / 1000)
        self.store_latency.observe(facts.store_ms / 1000)


_process_sink: PrometheusSink | None = None


def process_sink() -> PrometheusSink:
    """This process's sink, in the default registry (made once: metrics are process-wide)."""
    global _process_sink
    if _process_sink is None:
        _process_sink = PrometheusSink()
    return _process_sink


def prepare_directory() -> Path:
    """Multiprocess mode's directory, empty, named in the environment before
    `prometheus_client` is first imported (it reads the variable once, at import)."""
    named = os.environ.get(MULTIPROC_VARIABLE)
    if named:
        directory = Path(named)
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):
            stale.unlink()
    else:
        directory = Path(tempfile.mkdtemp(prefix="mat-coach-metrics-"))
        import atexit

        atexit.register(shutil.rmtree, directory, True)
        os.environ[MULTIPROC_VARIABLE] = str(directory)
    return directory


def serve_metrics(host: str, port: int) -> tuple[object, object]:
    """Serve every worker's metrics, added up, on `host:port` from a thread of this process.

    Call before the workers start (they inherit the directory). Returns prometheus_client's
    (server, thread); `server.shutdown()` stops it.
    """
    directory = prepare_directory()
    from prometheus_client import CollectorRegistry, multiprocess, start_http_server

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(directory))
    return start_http_server(port, addr=host, registry=registry)

"""Shared pieces of the benchmarks: result rows, statistics, the fake Alexa API, the skill.

Kept in one small module so every benchmark builds Mat Coach the same way and a figure
means the same thing wherever it is printed.
"""

from __future__ import annotations

import itertools
import json
import math
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ask_sdk_model.services import ApiClient, ApiClientRequest, ApiClientResponse

from skill.builder import build_skill
from skill.settings import Settings
from skill.store import UserStore
from testkit.envelopes import APP_ID

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Row:
    """One line of the results table.

    `met` is None for rows without a target (context figures), so the table can say
    "info" instead of pretending every number is a pass or a fail.
    """

    name: str
    value: str
    target: str = "-"
    anchor: str = "-"
    ratio: str = "-"
    met: bool | None = None

    @property
    def verdict(self) -> str:
        """What the last column says."""
        if self.met is None:
            return "info"
        return "met" if self.met else "MISSED"


def ms(seconds: float) -> str:
    """Milliseconds with enough digits for sub-millisecond figures."""
    value = seconds * 1000
    return f"{value:.3f} ms" if value < 10 else f"{value:.1f} ms"


def ratio(value: float, anchor: float) -> str:
    """`value / anchor` as "1.23x"; "-" when the anchor figure is zero or missing."""
    if not anchor:
        return "-"
    return f"{value / anchor:.2f}x"


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile: an observed sample, so p99 of 2,000 is the 1,980th."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def median(samples: list[float]) -> float:
    """The middle sample: robust to the odd slow run caused by another process."""
    return statistics.median(samples)


class MemoryAlexaApi(ApiClient):
    """The Alexa Timers, Reminders and device-settings APIs, answered in memory.

    Warm-dispatch figures are about Mat Coach's own code, so the network is taken out: a
    loopback HTTPS fake would add a TLS round trip that measures the fake's web server, not
    the skill. The answers have the documented shapes (those of `testkit/alexa_apis.py`), so
    ask-sdk-model's service clients still serialise the requests and parse the replies.
    """

    def __init__(self, zone: str = "Europe/Berlin") -> None:
        self.zone = zone
        self.calls: Counter[str] = Counter()
        self._ids = itertools.count(1)
        # Each user's timers, by the Authorization header (the token stands for the user), so
        # the skill's list call sees what it created, as it would with Alexa.
        self._timers: dict[str, dict[str, dict]] = {}
        self._reminders: dict[str, dict[str, dict]] = {}

    def invoke(self, request: ApiClientRequest) -> ApiClientResponse:
        method = (request.method or "GET").upper()
        path = urlsplit(request.url or "").path
        self.calls[f"{method} {path.split('/')[1] if '/' in path else path}"] += 1
        if method == "GET" and path.endswith("/settings/System.timeZone"):
            return self._json(self.zone)
        owner = dict(request.headers or []).get("Authorization", "")
        if path.startswith("/v1/alerts/reminders"):
            return self._reminder_call(method, path, request.body, owner)
        timers = self._timers.setdefault(owner, {})
        if path == "/v1/alerts/timers":
            if method == "POST":
                timer = self._timer(f"timer-{next(self._ids)}")
                timers[timer["id"]] = timer
                return self._json(timer)
            if method == "GET":
                listed = list(timers.values())
                return self._json({"timers": listed, "totalCount": len(listed),
                                   "nextToken": None})
        if path.startswith("/v1/alerts/timers/"):
            timer_id = path.split("/")[4]
            if timer_id not in timers:
                return self._json({"code": "NOT_FOUND", "message": path}, status=404)
            timer = timers[timer_id]
            if method == "GET":
                return self._json(timer)
            if method == "DELETE":
                del timers[timer_id]
            elif path.endswith("/pause") and timer["status"] == "ON":
                timer.update(status="PAUSED", remainingTimeWhenPaused="PT20M")
                del timer["triggerTime"]
            elif path.endswith("/resume") and timer["status"] == "PAUSED":
                timer.update(self._timer(timer_id))
                del timer["remainingTimeWhenPaused"]
            return ApiClientResponse(headers=[], status_code=200, body="")
        return self._json({"code": "NOT_FOUND", "message": path}, status=404)

    def _reminder_call(self, method: str, path: str, body: object,
                       owner: str) -> ApiClientResponse:
        """Create, list and delete reminders in the Reminders API's shapes."""
        reminders = self._reminders.setdefault(owner, {})
        stamps = {"createdTime": "2030-01-01T00:00:00.000Z",
                  "updatedTime": "2030-01-01T00:00:00.000Z", "status": "ON", "version": "1"}
        if path == "/v1/alerts/reminders" and method == "POST":
            data = json.loads(body) if isinstance(body, str) else dict(body or {})
            token = f"alert-{next(self._ids)}"
            reminders[token] = {"alertToken": token, **stamps, "trigger": data.get("trigger"),
                                "alertInfo": data.get("alertInfo"),
                                "pushNotification": data.get("pushNotification")}
            return self._json({"alertToken": token, **stamps,
                               "href": f"/v1/alerts/reminders/{token}"})
        if path == "/v1/alerts/reminders" and method == "GET":
            listed = list(reminders.values())
            return self._json({"alerts": listed, "totalCount": str(len(listed)), "links": None})
        token = path.rsplit("/", 1)[-1]
        if token not in reminders:
            return self._json({"code": "NOT_FOUND", "message": path}, status=404)
        if method == "DELETE":
            del reminders[token]
            return ApiClientResponse(headers=[], status_code=200, body="")
        return self._json(reminders[token])

    @staticmethod
    def _timer(timer_id: str) -> dict:
        return {
            "id": timer_id,
            "status": "ON",
            "duration": "PT20M",
            "timerLabel": "Mat session",
            "createdTime": "2030-01-01T00:00:00.000Z",
            "updatedTime": "2030-01-01T00:00:00.000Z",
            "triggerTime": "2030-01-01T00:20:00.000Z",
        }

    @staticmethod
    def _json(data: object, status: int = 200) -> ApiClientResponse:
        return ApiClientResponse(
            headers=[("Content-Type", "application/json")], status_code=status,
            body=json.dumps(data),
        )


def bench_settings(store_path: Path, **overrides: object) -> Settings:
    """Settings for an in-process skill: a temp SQLite file, verification off by default, and
    the envelopes' skill ID (which verified settings require)."""
    values: dict[str, object] = {
        "store_url": f"sqlite://{store_path}",
        "verify_requests": False,
        "skill_id": APP_ID,
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


def bench_skill(store_path: Path, *, store: UserStore | None = None, api: ApiClient | None = None):
    """Mat Coach as every in-process benchmark builds it: `build_skill` with injected seams."""
    return build_skill(
        bench_settings(store_path), store=store, api_client=api or MemoryAlexaApi()
    )

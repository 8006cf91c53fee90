"""HTTP client for Alexa's service APIs (Timers, device settings), with timeouts.

ask-sdk-core's `DefaultApiClient` calls `requests` with no timeout, so one slow Alexa API
would hold a request past Alexa's own deadline. This client keeps its interface, pools
connections per thread, and bounds every call. It refuses plain http, like the default.

A per-call timeout alone is not enough: one request may make several calls (the time zone and
the list, then a session's timers), and slow calls would add up. So each skill request also
gets a budget for all its calls together, a `Deadline`: once it has passed, further calls fail
at once and the skill apologises. The deadline is an object of the request, not of a thread:
the request's thread opens it, and calls the request makes together on worker threads
(`skill.fanout`) are each handed that same object for the time of their call, so every call
of the request spends from one budget.

`requests` is imported on the first call, not with this module: it and urllib3, http.client,
email and charset_normalizer are most of a Lambda cold start's import time, and most requests
(a launch for a new user, explain, safety, help) never call an Alexa API at all.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from ask_sdk_core.exceptions import ApiClientException
from ask_sdk_model.services import ApiClient, ApiClientRequest, ApiClientResponse

if TYPE_CHECKING:
    import requests

#: The whole request's budget for Alexa API calls when the client sets none of its own.
DEFAULT_BUDGET = 2.5


class Deadline:
    """When a skill request's Alexa API calls must be over: one per request, shared by every
    call it makes, on whichever thread.

    `owner` is the client whose budget it is (None: a client with no budget of its own; the
    deadline then bounds only the wait for calls made together). A client spends only from
    its own, so a thread that once served a request and later calls through another client
    (a tool's, a test's) is not held to that request's long-past deadline.
    """

    __slots__ = ("at", "owner")

    def __init__(self, seconds: float, owner: object | None = None) -> None:
        self.at = time.monotonic() + seconds
        self.owner = owner

    def left(self) -> float:
        """Seconds until the deadline; negative once it has passed."""
        return self.at - time.monotonic()


# The deadline of the request each thread is working for. (A context variable would carry
# it too, but `contextvars` is one more import on every Lambda cold start.)
_working_for = threading.local()


def open_deadline(seconds: float, owner: object | None = None) -> Deadline:
    """Start the budget of the request this thread is about to handle."""
    deadline = Deadline(seconds, owner)
    _working_for.deadline = deadline
    return deadline


def request_deadline() -> Deadline | None:
    """The deadline of the request this thread works for (None outside a skill request)."""
    return getattr(_working_for, "deadline", None)


def work_for(deadline: Deadline | None) -> None:
    """Make this thread's calls spend from `deadline` (a worker taking a request's call), or
    from none (the call is done)."""
    _working_for.deadline = deadline


def when_waiting(hook: Callable[[], None] | None) -> None:
    """Run `hook` whenever a call on this thread is about to wait on the network (None: no
    longer): calls made together (`skill.fanout`) put a worker on the next call then."""
    _working_for.on_wait = hook


def waiting() -> None:
    """Said by a client just before its call waits on the network."""
    hook = getattr(_working_for, "on_wait", None)
    if hook is not None:
        hook()


class TimeoutApiClient(ApiClient):
    """`ApiClient` for ask-sdk service clients; `ca_bundle` replaces the trust roots in tests.

    Each thread keeps its own `requests.Session` (a session is not safe to share between
    threads), so the workers that make a request's calls together keep their connections
    open from one request to the next.
    """

    def __init__(
        self, *, timeout: float = 2.0, budget: float | None = None, ca_bundle: str | None = None
    ) -> None:
        self.timeout = timeout
        self.budget = budget if budget is not None else timeout * 1.25
        self.verify: str | bool = ca_bundle or True
        self._local = threading.local()

    def drop_connections(self) -> None:
        """Forget every thread's pooled session (after a SnapStart restore: their sockets
        belonged to the process the snapshot was taken from); new ones open on next use."""
        self._local = threading.local()

    def start_request(self) -> None:
        """Open a fresh budget for the skill request this thread is about to handle."""
        open_deadline(self.budget, owner=self)

    def _call_timeout(self) -> float:
        deadline = request_deadline()
        if deadline is None or deadline.owner is not self:
            return self.timeout  # not inside a request this client opened a budget for
        left = deadline.left()
        if left < 0.05:
            raise ApiClientException("Alexa API budget for this request is spent")
        return min(self.timeout, left)

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            import requests

            session = requests.Session()
            self._local.session = session
        return session

    def invoke(self, request: ApiClientRequest) -> ApiClientResponse:
        import requests  # first call only costs the import; later it is a dict lookup

        url = request.url or ""
        if not url.lower().startswith("https://"):
            raise ApiClientException("Requests against non-HTTPS endpoints are not allowed.")
        headers: dict[str, str] = {}
        for key, value in request.headers or []:
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        data = None
        if request.body is not None:
            data = json.dumps(request.body) if not isinstance(request.body, str) else request.body
        timeout = self._call_timeout()
        session = self._session()
        waiting()
        try:
            response = session.request(
                (request.method or "GET").upper(), url, headers=headers, data=data,
                timeout=(min(timeout, 1.0), timeout), verify=self.verify,
            )
        except requests.RequestException as exc:
            raise ApiClientException(f"Alexa API call failed: {type(exc).__name__}") from exc
        return ApiClientResponse(
            headers=list(response.headers.items()),
            status_code=response.status_code,
            body=response.text,
        )


def error_code(exc: Exception) -> str:
    """The `code` of an Alexa API error body: parsed `Error`, dict, or raw JSON text."""
    body = getattr(exc, "body", None)
    if isinstance(body, (str, bytes)):
        try:
            body = json.loads(body)
        except ValueError:
            return ""
    code = body.get("code") if isinstance(body, dict) else getattr(body, "code", None)
    return str(code) if code else ""

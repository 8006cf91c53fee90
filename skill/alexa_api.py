"""HTTP client for Alexa's service APIs (Timers, device settings), with timeouts.

ask-sdk-core's `DefaultApiClient` calls `requests` with no timeout, so one slow Alexa API
would hold a request past Alexa's own deadline. This client keeps its interface, pools
connections per thread, and bounds every call. It refuses plain http, like the default.

A per-call timeout alone is not enough: one request may make two calls (time zone, then
timer), and two slow calls would add up. So each skill request also gets a budget for all
its calls together; once it is spent, further calls fail at once and the skill apologises.

`requests` is imported on the first call, not with this module: it and urllib3, http.client,
email and charset_normalizer are most of a Lambda cold start's import time, and most requests
(a launch for a new user, explain, safety, help) never call an Alexa API at all.
"""

from __future__ import annotations

import json
import threading
import time
from typing import TYPE_CHECKING

from ask_sdk_core.exceptions import ApiClientException
from ask_sdk_model.services import ApiClient, ApiClientRequest, ApiClientResponse

if TYPE_CHECKING:
    import requests


class TimeoutApiClient(ApiClient):
    """`ApiClient` for ask-sdk service clients; `ca_bundle` replaces the trust roots in tests."""

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
        self._local.deadline = time.monotonic() + self.budget

    def _call_timeout(self) -> float:
        deadline = getattr(self._local, "deadline", None)
        if deadline is None:
            return self.timeout
        left = deadline - time.monotonic()
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
        try:
            response = self._session().request(
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

"""Request envelopes as the Alexa service sends them, for the local device (and the test kit).

One builder, so the envelopes `mat-coach try` sends and the ones every test sends have the same
shape: the context (application, user and its permissions, device, API endpoint and token), the
request with its id, timestamp and locale, and the session when there is one.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from skill.tryout.devices import screen_context


def now_stamp() -> str:
    """The request timestamp: UTC, to the second, as Alexa writes it."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_session_id() -> str:
    """A session id shaped like Alexa's."""
    return f"amzn1.echo-api.session.{uuid.uuid4()}"


def envelope(
    request: dict,
    *,
    application_id: str,
    user_id: str,
    device_id: str,
    api_endpoint: str,
    access_token: str | None,
    scopes: dict[str, str] | None = None,
    session: dict | None = None,
    locale: str = "en-US",
    device: str | None = None,
) -> dict:
    """A full envelope around `request`; `session` is {"new", "sessionId", "attributes"} or None
    (skill events arrive without one), `scopes` maps permission scopes to their status, `device`
    names one of `skill.tryout.devices.DEVICES` (None: a device without a screen)."""
    interfaces, viewport = screen_context(device)
    user: dict = {"userId": user_id}
    if scopes is not None:
        user["permissions"] = {"scopes": {k: {"status": v} for k, v in scopes.items()}}
    system: dict = {
        "application": {"applicationId": application_id},
        "user": user,
        "device": {"deviceId": device_id, "supportedInterfaces": interfaces},
        "apiEndpoint": api_endpoint,
    }
    if access_token:
        system["apiAccessToken"] = access_token
    context: dict = {"System": system}
    if viewport is not None:
        context["Viewport"] = viewport
    body: dict = {
        "version": "1.0",
        "context": context,
        "request": {
            "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
            "timestamp": now_stamp(),
            "locale": locale,
            **request,
        },
    }
    if session is not None:
        body["session"] = {
            "new": session["new"],
            "sessionId": session["sessionId"],
            "application": {"applicationId": application_id},
            "user": {"userId": user_id},
            "attributes": session.get("attributes") or {},
        }
    return body

"""A multi-turn conversation with the skill, carried from turn to turn the way Alexa does.

Within one session Alexa sends back, as `session.attributes` of the next request, exactly the
`sessionAttributes` the skill's last response carried, with the same `sessionId` and
`session.new` false; a response with `shouldEndSession: true` (or a SessionEndedRequest) ends
the session, and the next request starts a new one. Tests that hand-copied attributes from one
answer into the next request only ever tested what they copied; `Conversation` copies what
Alexa would.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from testkit import envelopes
from testkit.checks import ends_session

Send = Callable[[dict], dict]
Builder = Callable[..., dict]


class Conversation:
    """One user's session(s) with the skill through `send` (a Flask or Lambda sender).

    `defaults` are keyword arguments for every envelope builder call (user, device, token,
    `api_endpoint`...); a turn's own keyword arguments win over them.
    """

    def __init__(self, send: Send, **defaults: Any) -> None:
        self.send = send
        self.defaults = defaults
        self.session_id: str | None = None
        self.attributes: dict = {}
        self.turns: list[tuple[dict, dict]] = []  # (request, response) in order

    @property
    def in_session(self) -> bool:
        """Whether the next request continues an open session."""
        return self.session_id is not None

    def reset(self) -> None:
        """End the session: the next request opens a new one with no attributes."""
        self.session_id = None
        self.attributes = {}

    def say(self, builder: Builder, *args: Any, **kwargs: Any) -> dict:
        """Build one request with `builder` (from `testkit.envelopes`), send it, carry state."""
        new = not self.in_session
        session_id = self.session_id or envelopes.new_session_id()
        request = builder(*args, **{
            **self.defaults, **kwargs, "session_id": session_id, "new_session": new,
            "session_attributes": dict(self.attributes),
        })
        response = self.send(request)
        self.turns.append((request, response))
        if "session" not in request:
            return response  # an out-of-session event (a skill event) leaves the session alone
        if ends_session(response) or request["request"].get("type") == "SessionEndedRequest":
            self.reset()
        else:
            self.session_id = session_id
            self.attributes = dict(response.get("sessionAttributes") or {})
        return response

    def launch(self, **kwargs: Any) -> dict:
        """Open the skill: "Alexa, open Mat Coach"."""
        return self.say(envelopes.launch, **kwargs)

    def intent(self, name: str, slots: dict | None = None, **kwargs: Any) -> dict:
        """An IntentRequest in this session; `slots` as `envelopes.intent` takes them."""
        return self.say(envelopes.intent, name, slots, **kwargs)

    def connections_response(self, status: str, token: str = "20", **kwargs: Any) -> dict:
        """Alexa's answer to the skill's permission request, in this session."""
        return self.say(envelopes.connections_response, status, token, **kwargs)

    def session_ended(self, **kwargs: Any) -> dict:
        """The user walked away or said "exit": the session is over after this."""
        return self.say(envelopes.session_ended, **kwargs)

"""A loopback stand-in for the Skill Management API's Utterance Profiler.

`bench.alexa_nlu` sends held-out lines to Amazon's profiler; this plays it with the documented
shape and rules, so the client is tested over real HTTPS without an Amazon account: POST only, at
`/v1/skills/{skillId}/stages/{stage}/interactionModel/locales/{locale}/profileNlu`, a bearer token
(401 without the right one), a known skill (404), a stage that exists (400), a locale whose model
is built (404), a JSON body with an `utterance` string (400), throttling on demand (429 with
Retry-After). Answers are `ProfileNluResponse`s from ask-smapi-model, serialised as Amazon sends
them; what they say comes from `brain`, any `(locale, utterance) -> Resolution` (the tests use the
offline resolver, so the real-Alexa path can be checked against the offline figures).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from types import TracebackType

import trustme
from ask_sdk_core.serialize import DefaultSerializer
from ask_smapi_model.v1.skill.evaluations.confirmation_status_type import ConfirmationStatusType
from ask_smapi_model.v1.skill.evaluations.profile_nlu_response import ProfileNluResponse
from ask_smapi_model.v1.skill.evaluations.profile_nlu_selected_intent import (
    ProfileNluSelectedIntent,
)
from ask_smapi_model.v1.skill.evaluations.resolutions_per_authority_items import (
    ResolutionsPerAuthorityItems,
)
from ask_smapi_model.v1.skill.evaluations.resolutions_per_authority_status import (
    ResolutionsPerAuthorityStatus,
)
from ask_smapi_model.v1.skill.evaluations.resolutions_per_authority_status_code import (
    ResolutionsPerAuthorityStatusCode,
)
from ask_smapi_model.v1.skill.evaluations.resolutions_per_authority_value_items import (
    ResolutionsPerAuthorityValueItems,
)
from ask_smapi_model.v1.skill.evaluations.slot import Slot
from ask_smapi_model.v1.skill.evaluations.slot_resolutions import SlotResolutions
from werkzeug import Request, Response

from testkit.loopback import server_context
from testkit.nlu import FALLBACK, Resolution

PATH = re.compile(r"^/v1/skills/(?P<skill>[^/]+)/stages/(?P<stage>[^/]+)/interactionModel"
                  r"/locales/(?P<locale>[^/]+)/profileNlu$")
STAGES = ("development", "live")


class ProfilerFake:
    """The profiler's rules and answers, as a werkzeug handler."""

    def __init__(self, skill_id: str, token: str, locales: tuple[str, ...],
                 brain: Callable[[str, str], Resolution]) -> None:
        self.skill_id, self.token, self.locales, self.brain = skill_id, token, locales, brain
        self.heard: list[tuple[str, str]] = []  # (locale, utterance) of every answered request
        self.throttle_next = 0  # the next n well-formed requests get 429
        self._lock = threading.Lock()

    def handle(self, request: Request) -> Response:
        found = PATH.match(request.path)
        if not found:
            return _error(404, "Resource not found.")
        if request.method != "POST":
            return _error(405, "Method not allowed.")
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return _error(401, "Token is invalid/expired.")
        if found["skill"] != self.skill_id:
            return _error(404, "The resource being requested is not found.")
        if found["stage"] not in STAGES:
            return _error(400, "Invalid stage.")
        if found["locale"] not in self.locales:
            return _error(404, "No interaction model for this locale.")
        try:
            body = json.loads(request.get_data(as_text=True))
        except ValueError:
            return _error(400, "Request body is not valid JSON.")
        utterance = body.get("utterance") if isinstance(body, dict) else None
        if not isinstance(utterance, str) or not utterance.strip():
            return _error(400, "utterance is required.")
        with self._lock:
            if self.throttle_next > 0:
                self.throttle_next -= 1
                return _error(429, "Rate exceeded.", headers={"Retry-After": "0"})
            self.heard.append((found["locale"], utterance))
        answer = self._answer(found["locale"], utterance)
        return Response(json.dumps(DefaultSerializer().serialize(answer)), 200,
                        content_type="application/json")

    def _answer(self, locale: str, utterance: str) -> ProfileNluResponse:
        heard = self.brain(locale, utterance)
        slots = {
            name: Slot(name=name, value=value.value,
                       confirmation_status=ConfirmationStatusType.NONE,
                       resolutions=self._resolutions(value.slot_type, value.resolved_id)
                       if value.custom else None)
            for name, value in heard.slots.items()
        }
        selected = ProfileNluSelectedIntent(
            name=heard.intent, confirmation_status=ConfirmationStatusType.NONE,
            slots=slots if heard.intent != FALLBACK else {})
        return ProfileNluResponse(session_ended=False, selected_intent=selected,
                                  considered_intents=[])

    def _resolutions(self, slot_type: str, resolved_id: str | None) -> SlotResolutions:
        matched = resolved_id is not None
        code = (ResolutionsPerAuthorityStatusCode.ER_SUCCESS_MATCH if matched
                else ResolutionsPerAuthorityStatusCode.ER_SUCCESS_NO_MATCH)
        values = ([ResolutionsPerAuthorityValueItems(name=resolved_id.lower(), id=resolved_id)]
                  if matched else [])
        authority = f"amzn1.er-authority.echo-sdk.{self.skill_id}.{slot_type}"
        return SlotResolutions(resolutions_per_authority=[ResolutionsPerAuthorityItems(
            authority=authority, status=ResolutionsPerAuthorityStatus(code=code), values=values)])


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps({"message": message}), status, headers=headers,
                    content_type="application/json")


class ProfilerServer:
    """`ProfilerFake` on a threaded loopback HTTPS server (pytest-httpserver)."""

    def __init__(self, ca: trustme.CA, fake: ProfilerFake) -> None:
        from pytest_httpserver import HTTPServer  # a test dependency

        self.fake = fake
        self._server = HTTPServer(host="127.0.0.1", port=0, ssl_context=server_context(ca),
                                  threaded=True)
        self._server.expect_request(re.compile(".*")).respond_with_handler(fake.handle)

    @property
    def origin(self) -> str:
        return f"https://127.0.0.1:{self._server.port}"

    def __enter__(self) -> ProfilerServer:
        self._server.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._server.clear()
        if self._server.is_running():
            self._server.stop()

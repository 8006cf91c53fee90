"""Generated envelopes through both entry points: never a 5xx, never an exception.

Alexa sends well-formed envelopes, but a public endpoint sees anything, and a new request type
or field can appear at any time. Hypothesis builds envelopes for every request type the skill
knows (every intent of the en-US model, with its slots), unknown ones, every locale and
unknown locales, then bends them: fields removed, replaced by the wrong type, `null`, arrays,
huge or SSML-breaking strings, and bodies over the size limit.

What must hold:
- Flask (development mode, so the envelope itself is what is under test): 200 with a response
  that passes `check_response`, or 400 / 413 with a JSON `{"error": ...}`. The app's last-resort
  handler also answers 400, which would hide a crash, so its log line fails the test too.
- Lambda: a response that passes `check_response`, or `{"error": ...}`; never an exception.
- An envelope that is only *unusual* (no field removed or retyped) is always answered with
  speech or silence, never refused.

The runs are derandomised and database-less, so CI sees the same 2 x 1,000 examples every time.
`apiEndpoint` is either a closed loopback port or the loopback Timers fake: nothing leaves the
machine.

The body limit gets its own tests at the end: a body over 128 KB is refused with 413 before
any download, RSA or JSON work, also when it arrives chunked without a Content-Length through
a real server; a body of exactly 128 KB is still accepted.
"""

from __future__ import annotations

import contextlib
import copy
import http.client
import json
import logging
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from werkzeug.serving import make_server

from skill import lambda_function
from skill.deploy import LOCALES
from skill.settings import DEFAULT_MAX_BODY_BYTES, Settings
from skill.timers import TIMERS_SCOPE
from skill.web import create_app
from skill.web.verifier import RequestVerifier
from testkit import envelopes as env
from testkit.alexa_apis import TimersFake
from testkit.checks import check_response
from testkit.signing import CERT_URL

EXAMPLES_PER_ENTRY_POINT = 1000
FUZZ_SETTINGS = hypothesis_settings(
    max_examples=EXAMPLES_PER_ENTRY_POINT,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)

MODEL = json.loads(
    (Path(__file__).resolve().parent.parent / "interaction_models" / "en-US.json").read_text(
        encoding="utf-8"
    )
)["interactionModel"]["languageModel"]
INTENT_SLOTS: dict[str, list[tuple[str, str]]] = {
    intent["name"]: [(s["name"], s["type"]) for s in intent.get("slots", [])]
    for intent in MODEL["intents"]
}
TYPE_IDS: dict[str, list[str]] = {
    t["name"]: [v["id"] for v in t["values"] if v.get("id")] for t in MODEL.get("types", [])
}
SKILL_EVENTS = [
    "SkillEnabled", "SkillDisabled", "SkillPermissionAccepted", "SkillPermissionChanged",
    "SkillAccountLinked", "ProactiveSubscriptionChanged",
]
KNOWN_TYPES = [
    "LaunchRequest", "IntentRequest", "SessionEndedRequest", "Connections.Response",
    *(f"AlexaSkillEvent.{kind}" for kind in SKILL_EVENTS),
]
UNKNOWN_TYPES = [
    "CanFulfillIntentRequest", "Alexa.Presentation.APL.UserEvent", "Messaging.MessageReceived",
    "AlexaSkillEvent.SomethingNew", "Display.ElementSelected", "launchrequest", " ",
]
SSML_BREAKERS = [
    "&", "<", ">", "]]>", "<speak>", "</speak>", "<audio src='x'/>", "&amp;", "\"'", "\x00",
    "\u202e", "\ud7ff", "😀" * 3, "<![CDATA[x]]>", "{left}", "{0}", "%s", "\\", "\n\r\t",
]
LENGTH_WORDS = [
    "PT20M", "PT1M", "PT60M", "PT61M", "PT0S", "PT29S", "PT30S", "P1D", "PT", "P", "?", "20",
    "-5", "0", "0.5", "1e400", "nan", "inf", "-inf", "P99999999999Y", "PT1.5M", "twenty",
    "PT20M PT10M", "\u0663", "\uff11\uff10",  # Arabic-Indic three, fullwidth ten
]
#: An enum value Amazon has not defined (yet). ask-sdk-model's deserialiser refuses unknown
#: enum values, so such an envelope may get a 400; the fuzz accepts that, but not a crash.
NEW_ENUM_VALUE = "SOMETHING_NEW"
SERVER_FAULT = "internal error"  # the Flask door's 500 body: a bug of ours, never bad input

# Junk that replaces a field: every JSON type, and sizes that test the response limits.
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.just([]),
    st.lists(st.integers(), max_size=3),
    st.just({}),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.text(max_size=20),
    st.sampled_from(SSML_BREAKERS),
    st.integers(min_value=1, max_value=40_000).map(lambda n: "x" * n),
)

huge_text = st.tuples(
    st.sampled_from(["a", "&", "<", "é", "😀", "]]>"]), st.integers(1000, 20_000)
).map(lambda pair: pair[0] * pair[1])
slot_text = st.one_of(
    st.none(),
    st.just(""),
    st.sampled_from(SSML_BREAKERS + LENGTH_WORDS),
    st.text(max_size=40),
    huge_text,
)


@st.composite
def slot_dicts(draw: st.DrawFn, name: str, slot_type: str) -> dict:
    """One slot as Alexa sends it, with entity resolution sometimes matching, sometimes not."""
    value = draw(slot_text)
    ids = TYPE_IDS.get(slot_type)
    resolved = None
    no_match = False
    if ids is not None:
        choice = draw(st.sampled_from(["match", "unknown-id", "no-match", "none"]))
        if choice == "match":
            resolved = draw(st.sampled_from(ids))
        elif choice == "unknown-id":
            resolved = draw(st.sampled_from(["NOPE", "", "explain.overview", "WHAT_IS.x"]))
        no_match = choice == "no-match"
    return env.slot(name, value, resolved_id=resolved or None, no_match=no_match)


@st.composite
def intent_requests(draw: st.DrawFn) -> dict:
    name = draw(st.one_of(
        st.sampled_from(sorted(INTENT_SLOTS)),
        st.sampled_from(["UnknownIntent", "AMAZON.ScrollUpIntent", "", "AMAZON.RepeatIntent"]),
    ))
    slots = {}
    for slot_name, slot_type in INTENT_SLOTS.get(name, []):
        if draw(st.booleans()):
            slots[slot_name] = draw(slot_dicts(slot_name, slot_type))
    if draw(st.integers(0, 5)) == 0:
        slots["unexpected"] = draw(slot_dicts("unexpected", "AMAZON.SearchQuery"))
    return {
        "type": "IntentRequest",
        "dialogState": draw(st.sampled_from(["STARTED", "IN_PROGRESS", "COMPLETED",
                                             NEW_ENUM_VALUE])),
        "intent": {"name": name, "confirmationStatus": "NONE", "slots": slots},
    }


@st.composite
def requests_(draw: st.DrawFn) -> dict:
    """The `request` object of an envelope (without id, timestamp and locale)."""
    kind = draw(st.sampled_from([*KNOWN_TYPES, "IntentRequest", "IntentRequest", "unknown"]))
    if kind == "IntentRequest":
        return draw(intent_requests())
    if kind == "unknown":
        return {"type": draw(st.one_of(st.sampled_from(UNKNOWN_TYPES), st.text(max_size=30)))}
    if kind == "SessionEndedRequest":
        request: dict = {"type": kind, "reason": draw(st.sampled_from(
            ["USER_INITIATED", "ERROR", "EXCEEDED_MAX_REPROMPTS", NEW_ENUM_VALUE]))}
        if request["reason"] == "ERROR":
            request["error"] = {"type": "INVALID_RESPONSE", "message": draw(slot_text) or ""}
        return request
    if kind == "Connections.Response":
        return {
            "type": kind,
            "name": draw(st.sampled_from(["AskFor", "Buy", "ScheduleReservation"])),
            "status": {"code": draw(st.sampled_from(["200", "400", "500"])), "message": "OK"},
            "token": draw(st.one_of(st.sampled_from(["20", "1", "60", "0", "61", "-3", ""]),
                                    st.text(max_size=10))),
            "payload": {
                "permissionScope": draw(st.sampled_from([TIMERS_SCOPE, "other::scope"])),
                "status": draw(st.sampled_from(["ACCEPTED", "DENIED", "NOT_ANSWERED", "MAYBE"])),
            },
        }
    if kind.startswith("AlexaSkillEvent."):
        return {"type": kind, "body": {"userInformationPersistenceStatus": "NOT_PERSISTED"}}
    return {"type": kind}


session_attribute_values = st.one_of(
    st.just({}),
    st.builds(
        lambda action, minutes: {"offer": {"action": action, "minutes": minutes}},
        st.sampled_from(["start", "restart", "explode", None]),
        st.one_of(st.integers(-(2**40), 2**40), st.sampled_from(["20", "abc", None, [], 1e300])),
    ),
    st.dictionaries(st.text(max_size=8), JUNK, max_size=3),
    huge_text.map(lambda text: {"notes": text}),
    st.just({"offer": "start"}),
)


@st.composite
def envelopes(draw: st.DrawFn, api_endpoints: list[str]) -> tuple[dict, bool]:
    """An envelope and whether it was bent (a field removed or given the wrong type)."""
    request = draw(requests_())
    locale = draw(st.one_of(
        st.sampled_from(LOCALES),
        st.sampled_from(["de-DE", "en", "EN-us", "en-ZZ", "", "xx-YY", "fr-CA", "ja-JP"]),
    ))
    scopes = draw(st.one_of(st.none(), st.just({TIMERS_SCOPE: "GRANTED"}),
                            st.just({TIMERS_SCOPE: "DENIED"})))
    token = draw(st.one_of(st.none(), st.sampled_from(["tok-a", "tok-b"]),
                           st.uuids().map(str)))
    # Deep copies throughout: `st.just({})` hands out one shared object, and mutating it would
    # make generation depend on earlier examples.
    built = copy.deepcopy(env.envelope(
        {**request, "locale": locale},
        user_id=draw(st.one_of(
            st.sampled_from([env.USER_ID, "amzn1.ask.account.FUZZ1", "amzn1.ask.account.FUZZ2"]),
            st.text(min_size=1, max_size=30),
        )),
        device_id=draw(st.sampled_from([env.DEVICE_ID, "amzn1.ask.device.FUZZ", "d/../x"])),
        api_endpoint=draw(st.sampled_from(api_endpoints)),
        session_attributes=draw(session_attribute_values),
        new_session=draw(st.booleans()),
        with_session=draw(st.booleans()),
        scopes=scopes,
        access_token=token,
    ))
    if draw(st.integers(0, 4)) == 0:  # extra fields anywhere must be ignored
        target = draw(st.sampled_from([built, built["request"], built["context"],
                                       built["context"]["System"]]))
        target[draw(st.sampled_from(["x-extra", "future", "requestId2"]))] = draw(JUNK)
    bent = NEW_ENUM_VALUE in json.dumps(built)
    for _ in range(max(0, draw(st.integers(0, 5)) - 2)):  # half the envelopes stay unbent
        paths = list(_paths(built))
        path = draw(st.sampled_from(paths))
        parent = _at(built, path[:-1])
        if draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = copy.deepcopy(draw(JUNK))
        bent = True
    return built, bent


def _paths(node: object, prefix: tuple = ()) -> Iterator[tuple]:
    """Every key path into nested dicts and lists (list items by index)."""
    if isinstance(node, dict):
        items: Iterator[tuple[object, object]] = iter(node.items())
    elif isinstance(node, list):
        items = iter(enumerate(node))
    else:
        return
    for key, child in items:
        yield (*prefix, key)
        yield from _paths(child, (*prefix, key))


def _at(node: object, path: tuple) -> object:
    for key in path:
        node = node[key]  # type: ignore[index]
    return node


def raw_bodies() -> st.SearchStrategy[bytes]:
    """Bodies that are not an envelope at all, or are over the size limit."""
    return st.one_of(
        st.binary(max_size=200),
        st.sampled_from([b"", b"null", b"[]", b"[{}]", b"42", b'"text"', b"{", b"\xff\xfe{}",
                         b'{"request": null}', b'{"request": []}', b'{"context": {}}',
                         b'{"request": {"type": "LaunchRequest"}}', b"NaN", b"{}" * 10]),
        st.integers(DEFAULT_MAX_BODY_BYTES - 100, DEFAULT_MAX_BODY_BYTES + 5000).map(
            lambda n: json.dumps({"pad": "p" * n, **env.launch()}).encode()
        ),
    )


# --- the two entry points -----------------------------------------------------------------------


class CatchAllWatch(logging.Handler):
    """Counts the Flask app's last-resort log line (its JSON 500): a crash, not bad input."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.crashes: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("unexpected error"):
            self.crashes.append(record.getMessage())


@pytest.fixture
def catch_all_watch() -> Iterator[CatchAllWatch]:
    watch = CatchAllWatch()
    logger = logging.getLogger("skill.web")
    logger.addHandler(watch)
    yield watch
    logger.removeHandler(watch)


def _check_error(payload: object) -> None:
    assert isinstance(payload, dict) and set(payload) == {"error"}, payload
    assert isinstance(payload["error"], str) and payload["error"]
    assert SERVER_FAULT not in payload["error"], "the app's last resort answered: a crash"


def test_flask_endpoint_never_fails_on_generated_envelopes(
    settings: Settings, timers_fake: TimersFake, api_endpoint: str, closed_endpoint: str,
    catch_all_watch: CatchAllWatch,
) -> None:
    client = create_app(settings).test_client()
    limit = settings.max_body_bytes
    counts = {"200": 0, "400": 0, "413": 0}

    def post(body: bytes) -> tuple[int, object]:
        answer = client.post("/", data=body, content_type="application/json")
        assert answer.status_code < 500, answer.get_data(as_text=True)
        assert answer.mimetype == "application/json"
        counts[str(answer.status_code)] = counts.get(str(answer.status_code), 0) + 1
        return answer.status_code, json.loads(answer.get_data())

    @FUZZ_SETTINGS
    @given(
        case=envelopes([closed_endpoint, api_endpoint]),
        raw=st.integers(0, 7).flatmap(lambda n: raw_bodies() if n == 0 else st.none()),
    )
    def run(case: tuple[dict, bool], raw: bytes | None) -> None:
        envelope, bent = case
        body = raw if raw is not None else json.dumps(envelope).encode("utf-8")
        status, payload = post(body)
        if len(body) > limit:
            assert status == 413 and payload == {"error": "request body too large"}
        elif status == 200:
            check_response(payload)  # type: ignore[arg-type]
        else:
            assert status == 400, (status, payload)
            _check_error(payload)
            assert raw is not None or bent or envelope["request"]["type"] not in KNOWN_TYPES, (
                f"an unbent envelope was refused: {payload}"
            )
        assert not catch_all_watch.crashes, catch_all_watch.crashes

    run()
    print(f"flask fuzz: {counts}")
    assert counts["200"] > EXAMPLES_PER_ENTRY_POINT // 3  # the generator reaches the handlers
    assert counts["413"] > 0 and counts["400"] > 0


def test_lambda_handler_never_raises_on_generated_envelopes(
    settings: Settings, timers_fake: TimersFake, api_endpoint: str, closed_endpoint: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    handler = lambda_function.create_handler(settings)
    counts = {"answered": 0, "refused": 0}

    @FUZZ_SETTINGS
    @given(case=envelopes([closed_endpoint, api_endpoint]),
           other=st.integers(0, 9).flatmap(lambda n: JUNK if n == 0 else st.none()))
    def run(case: tuple[dict, bool], other: object) -> None:
        envelope, bent = case
        event = copy.deepcopy(envelope) if other is None else other
        answer = handler(event, {"aws_request_id": str(uuid.uuid4())})
        assert isinstance(answer, dict)
        if "error" in answer:
            counts["refused"] += 1
            _check_error(answer)
            assert other is not None or bent or envelope["request"]["type"] not in KNOWN_TYPES, (
                f"an unbent envelope was refused: {answer}"
            )
        else:
            counts["answered"] += 1
            check_response(answer)

    run()
    print(f"lambda fuzz: {counts}")
    assert counts["answered"] > EXAMPLES_PER_ENTRY_POINT // 3



# --- the body limit ------------------------------------------------------------------------------


def _body_of_size(size: int) -> bytes:
    """A valid LaunchRequest envelope padded with an unknown field to exactly `size` bytes."""
    envelope = env.launch()
    bare = len(json.dumps({"pad": "", **envelope}).encode())
    body = json.dumps({"pad": "p" * (size - bare), **envelope}).encode()
    assert len(body) == size
    return body


class _RefusingFetch:
    """A certificate fetch that records calls and fails: proof of how far a request got."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, url: str) -> bytes:
        self.calls += 1
        raise OSError("no network in this test")


def test_body_over_the_limit_is_refused_before_verification_or_parsing(
    store_url: str, ca_bundle: str
) -> None:
    fetch = _RefusingFetch()
    settings = Settings(store_url=store_url, ca_bundle=ca_bundle, skill_id=env.APP_ID)
    verifier = RequestVerifier(skill_id=env.APP_ID, ca_bundle=ca_bundle, fetch=fetch)
    client = create_app(settings, verifier=verifier).test_client()
    headers = {"SignatureCertChainUrl": CERT_URL,
               "Signature-256": "c2lnbmF0dXJl", "Content-Type": "application/json"}
    limit = settings.max_body_bytes
    for size in (limit + 1, 4 * limit):
        answer = client.post("/", data=_body_of_size(size), headers=headers)
        assert answer.status_code == 413
        assert answer.get_json() == {"error": "request body too large"}
    assert fetch.calls == 0  # refused on its length alone: no download, no RSA, no JSON
    answer = client.post("/", data=_body_of_size(limit), headers=headers)
    assert answer.status_code == 400  # exactly the limit is allowed through to verification
    assert fetch.calls == 1


def _post_chunked(port: int, body: bytes) -> tuple[int, bytes]:
    """POST with `Transfer-Encoding: chunked` and no Content-Length, as some proxies do."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        chunks = (body[i:i + 8192] for i in range(0, len(body), 8192))
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # answered early
            conn.request("POST", "/", body=chunks, encode_chunked=True,
                         headers={"Content-Type": "application/json",
                                  "Transfer-Encoding": "chunked"})
        answer = conn.getresponse()
        return answer.status, answer.read()
    finally:
        conn.close()


def test_chunked_body_without_length_is_limited_through_a_real_server(
    settings: Settings,
) -> None:
    """werkzeug's server marks chunked input as terminated, like gunicorn (see bench.load)."""
    server = make_server("127.0.0.1", 0, create_app(settings), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        limit = settings.max_body_bytes
        status, payload = _post_chunked(server.server_port, _body_of_size(limit + 1))
        assert status == 413 and json.loads(payload) == {"error": "request body too large"}
        status, payload = _post_chunked(server.server_port, _body_of_size(10 * limit))
        assert status == 413
        status, payload = _post_chunked(server.server_port, _body_of_size(limit))
        assert status == 200
        check_response(json.loads(payload))
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)

"""Hostile nesting through both doors: answered or refused with a short error, never a crash.

ask-sdk deep-copies the session attributes and (de)serialises envelopes with recursive code, so
a few hundred levels of nesting used to end in a RecursionError: a 500 at the Flask door, an
exception out of the Lambda handler. The Lambda door receives events already parsed, of any
depth. What must hold now (`skill.dispatch`):

* session attributes nested deeper than `MAX_ATTRIBUTE_DEPTH` or larger than
  `MAX_ATTRIBUTE_BYTES` are dropped, with one log line naming no one, and the request is
  answered as a new session: a launch gets the welcome, a "yes" has nothing to agree to;
* anything else nested deeper than `MAX_ENVELOPE_DEPTH` is refused with a short error, and
  shallower oddities are answered.

Deep structures are built with loops (and deep bodies as text), since `json.dumps` and
`copy.deepcopy` themselves recurse; no deep structure ever appears in an assertion, whose
failure message would try to print it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from skill.content import catalogue_for
from skill.dispatch import (
    MAX_ATTRIBUTE_BYTES,
    MAX_ATTRIBUTE_DEPTH,
    MAX_ENVELOPE_DEPTH,
    check_envelope,
    deeper_than,
)
from skill.lambda_function import create_handler
from skill.settings import Settings
from skill.web import create_app
from testkit import envelopes as env
from testkit.checks import check_response, says, speech_of

EN = catalogue_for("en-US")
#: Depths of the session attributes object (itself level 1): under the bound, then past the
#: point where ask-sdk's deep copy overflowed (about 500), past json's own limit (about 1,000),
#: and far past anything a parser would produce.
LAMBDA_DEPTHS = [10, 100, 500, 950, 2_000, 50_000]
#: The depths Python's json parses in a request body (it refuses from about 1,000 levels on,
#: less the frames already on the stack, which the Flask door answers with a 400 of its own).
FLASK_DEPTHS = [10, 100, 500, 950]
DROPPED = "session attributes dropped"
NESTED_TOO_DEEPLY = ("request envelope is nested too deeply", "request body is nested too deeply")
#: What a "yes" would agree to if the attributes were kept: start a 20-minute session.
OFFER = {"action": "start", "minutes": 20}
#: Stands for a deep value in an envelope sent as text; replaced in the JSON by `body_with`.
MARK = "@deep-value@"


def nested(levels: int) -> dict:
    """`levels` objects, each the only value of the one before (`{}` is one level)."""
    value: dict = {}
    for _ in range(levels - 1):
        value = {"a": value}
    return value


def nested_text(levels: int) -> str:
    """`nested(levels)` as JSON text, written without recursion."""
    return '{"a":' * (levels - 1) + "{}" + "}" * (levels - 1)


def body_with(envelope: dict, levels: int) -> bytes:
    """`envelope` as JSON, its one `MARK` string replaced by an object `levels` deep."""
    text = json.dumps(envelope)
    assert text.count(f'"{MARK}"') == 1
    return text.replace(f'"{MARK}"', nested_text(levels)).encode()


def junk_attributes(levels: int, junk: object = None) -> dict:
    """A real pending offer beside junk that makes the attributes `levels` deep."""
    return {"offer": dict(OFFER), "junk": nested(levels - 1) if junk is None else junk}


def flask_client(settings: Settings) -> Callable[..., object]:
    """POST to the Flask app from a thread of its own, as a server's worker thread calls it.

    The test client runs the app on the caller's stack; under pytest that is a hundred frames
    deep already, which would lower the depth json can parse below what a server sees.
    """
    client = create_app(settings).test_client()

    def post(body: bytes) -> object:
        with ThreadPoolExecutor(1) as worker:
            return worker.submit(client.post, "/", data=body,
                                 content_type="application/json").result(timeout=60)

    return post


def _no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    assert not [r.getMessage() for r in caplog.records if r.exc_info], "a traceback was logged"
    assert "Traceback" not in caplog.text and "RecursionError" not in caplog.text


def _dropped_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if DROPPED in r.getMessage()]


def _check_refused(answer: object) -> None:
    """A short JSON error, not the app's last resort."""
    assert isinstance(answer, dict) and set(answer) == {"error"}, answer
    assert answer["error"] in NESTED_TOO_DEEPLY, answer


# --- the depth walk itself -------------------------------------------------------------------

def test_depth_is_measured_without_recursion_at_any_depth() -> None:
    assert not deeper_than({}, 1) and deeper_than({"a": {}}, 1)
    assert not deeper_than(nested(64), 64) and deeper_than(nested(65), 64)
    deep_list: list = []
    for _ in range(200_000):
        deep_list = [deep_list]
    assert deeper_than({"x": deep_list}, MAX_ENVELOPE_DEPTH)
    assert not deeper_than({"wide": list(range(100_000)), "n": 1}, 2)


# --- session attributes: dropped, answered as a new session ----------------------------------

@pytest.mark.parametrize("depth", LAMBDA_DEPTHS)
def test_deep_session_attributes_through_the_lambda_door(
    settings: Settings, api_endpoint: str, timers_fake, depth: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    handle = create_handler(settings)
    with caplog.at_level(logging.INFO):
        launch = handle(env.launch(session_attributes=junk_attributes(depth),
                                   new_session=False, api_endpoint=api_endpoint), None)
        yes = handle(env.intent("AMAZON.YesIntent", session_attributes=junk_attributes(depth),
                                new_session=False, api_endpoint=api_endpoint), None)
    check_response(launch)
    check_response(yes)
    assert says(speech_of(launch), EN, "launch.new")  # the welcome, as at any first launch
    _no_traceback(caplog)
    if depth > MAX_ATTRIBUTE_DEPTH:
        assert says(speech_of(yes), EN, "yes_no.nothing")  # the junk's offer went with it
        assert len(_dropped_lines(caplog)) == 2
    else:  # shallow enough to be read: the offer holds, the junk beside it is not echoed
        assert not says(speech_of(yes), EN, "yes_no.nothing")
        assert "junk" not in yes.get("sessionAttributes", {})
        assert not _dropped_lines(caplog)
    assert env.USER_ID not in caplog.text and env.DEVICE_ID not in caplog.text


@pytest.mark.parametrize("depth", FLASK_DEPTHS)
def test_deep_session_attributes_through_the_flask_door(
    settings: Settings, api_endpoint: str, timers_fake, depth: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    post = flask_client(settings)
    attributes = {"offer": dict(OFFER), "junk": MARK}
    replies = []
    with caplog.at_level(logging.INFO):
        for envelope in (
            env.launch(session_attributes=attributes, new_session=False,
                       api_endpoint=api_endpoint),
            env.intent("AMAZON.YesIntent", session_attributes=attributes, new_session=False,
                       api_endpoint=api_endpoint),
        ):
            answer = post(body_with(envelope, depth - 1))
            assert answer.status_code == 200, answer.get_data(as_text=True)[:200]
            replies.append(check_response(answer.get_json()))
    launch, yes = replies
    assert says(speech_of(launch), EN, "launch.new")
    _no_traceback(caplog)
    if depth > MAX_ATTRIBUTE_DEPTH:
        assert says(speech_of(yes), EN, "yes_no.nothing")
        assert len(_dropped_lines(caplog)) == 2
    else:
        assert not says(speech_of(yes), EN, "yes_no.nothing")
        assert not _dropped_lines(caplog)
    assert env.USER_ID not in caplog.text


def test_attributes_too_deep_for_json_are_a_clean_400_at_the_flask_door(
    settings: Settings, caplog: pytest.LogCaptureFixture,
) -> None:
    client = create_app(settings).test_client()
    envelope = env.launch(session_attributes={"junk": MARK})
    with caplog.at_level(logging.INFO):
        answer = client.post("/", data=body_with(envelope, 5_000),
                             content_type="application/json")
    assert answer.status_code == 400
    _check_refused(answer.get_json())
    _no_traceback(caplog)


LARGE_ATTRIBUTES = {
    "one long string": {"notes": "x" * (2 * MAX_ATTRIBUTE_BYTES)},
    "many keys": {f"k{i}": i for i in range(MAX_ATTRIBUTE_BYTES // 4)},
    "a long flat list": {"list": [0] * MAX_ATTRIBUTE_BYTES},
}


@pytest.mark.parametrize("junk", list(LARGE_ATTRIBUTES), ids=list(LARGE_ATTRIBUTES))
@pytest.mark.parametrize("door", ["flask", "lambda"])
def test_large_session_attributes_are_dropped(
    settings: Settings, api_endpoint: str, timers_fake, door: str, junk: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    attributes = {"offer": dict(OFFER), **LARGE_ATTRIBUTES[junk]}
    send = _door(door, settings)
    with caplog.at_level(logging.INFO):
        launch = send(env.launch(session_attributes=attributes, new_session=False,
                                 api_endpoint=api_endpoint))
        yes = send(env.intent("AMAZON.YesIntent", session_attributes=attributes,
                              new_session=False, api_endpoint=api_endpoint))
    assert says(speech_of(check_response(launch)), EN, "launch.new")
    assert says(speech_of(check_response(yes)), EN, "yes_no.nothing")
    assert len(_dropped_lines(caplog)) == 2
    assert all(str(MAX_ATTRIBUTE_BYTES) in line for line in _dropped_lines(caplog))
    _no_traceback(caplog)


def test_the_skills_own_attributes_are_kept(
    settings: Settings, api_endpoint: str, timers_fake, caplog: pytest.LogCaptureFixture,
) -> None:
    """What the skill writes between turns survives the check, turn after turn."""
    handle = create_handler(settings)
    with caplog.at_level(logging.INFO):
        launch = check_response(handle(env.launch(api_endpoint=api_endpoint), None))
        attributes = launch["sessionAttributes"]
        assert attributes.get("offer")  # a launch offers the usual session
        yes = check_response(handle(env.intent(
            "AMAZON.YesIntent", session_attributes=attributes, new_session=False,
            api_endpoint=api_endpoint), None))
    assert not says(speech_of(yes), EN, "yes_no.nothing")
    assert not _dropped_lines(caplog)


def test_dropping_starts_the_session_afresh_and_leaves_the_callers_event_alone(
    settings: Settings,
) -> None:
    event = env.launch(session_attributes=junk_attributes(100), new_session=False)
    checked = check_envelope(event)
    assert checked["session"]["attributes"] == {} and checked["session"]["new"] is True
    assert checked["session"]["sessionId"] == event["session"]["sessionId"]
    create_handler(settings)(event, None)
    assert event["session"]["new"] is False and "junk" in event["session"]["attributes"]


# --- deep values elsewhere: answered when shallow, refused when deep -------------------------

#: Where a deep value goes: an envelope builder and the path of the value inside it.
PLACES: dict[str, tuple[Callable[[], dict], tuple[str, ...]]] = {
    "slot value": (lambda: env.intent("StartSessionIntent", {"duration": "PT20M"}),
                   ("request", "intent", "slots", "duration", "value")),
    "slot field": (lambda: env.intent("StartSessionIntent", {"duration": "PT20M"}),
                   ("request", "intent", "slots", "duration", "resolutions")),
    "request field": (env.launch, ("request", "future")),
    "permission payload": (lambda: env.connections_response("ACCEPTED"),
                           ("request", "payload", "status")),
    "context": (env.launch, ("context", "Viewport")),
    "device interfaces": (env.launch, ("context", "System", "device", "supportedInterfaces")),
    "unknown top-level field": (env.launch, ("future",)),
    "session user": (env.launch, ("session", "user", "accessToken")),
}
#: Nesting of the deep value itself: all envelopes stay under MAX_ENVELOPE_DEPTH at 40, and
#: are over it from 100 on.
SHALLOW = 40
LAMBDA_VALUE_DEPTHS = [SHALLOW, 100, 900, 2_000, 50_000]
FLASK_VALUE_DEPTHS = [SHALLOW, 100, 900]


def _place(place: str, value: object) -> dict:
    build, path = PLACES[place]
    envelope = build()
    parent = envelope
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    return envelope


def _door(door: str, settings: Settings) -> Callable[[dict], dict]:
    """Send an envelope through one door; its answer, or its `{"error": ...}` refusal."""
    if door == "lambda":
        handle = create_handler(settings)
        return lambda envelope: handle(envelope, None)
    client = create_app(settings).test_client()

    def post(envelope: dict) -> dict:
        answer = client.post("/", data=json.dumps(envelope), content_type="application/json")
        assert answer.status_code in (200, 400), answer.status_code
        return answer.get_json()

    return post


def _check_outcome(answer: object, levels: int) -> None:
    assert isinstance(answer, dict)
    if levels > MAX_ENVELOPE_DEPTH:
        _check_refused(answer)
    elif "error" in answer:  # an odd value may not fit Alexa's schema: refused, shortly
        assert set(answer) == {"error"} and answer["error"] != "internal error", answer
    else:
        check_response(answer)


@pytest.mark.parametrize("levels", LAMBDA_VALUE_DEPTHS)
@pytest.mark.parametrize("place", list(PLACES))
def test_deep_values_elsewhere_through_the_lambda_door(
    settings: Settings, place: str, levels: int, caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO):
        answer = create_handler(settings)(_place(place, nested(levels)), None)
    _check_outcome(answer, levels)
    _no_traceback(caplog)


@pytest.mark.parametrize("levels", FLASK_VALUE_DEPTHS)
@pytest.mark.parametrize("place", list(PLACES))
def test_deep_values_elsewhere_through_the_flask_door(
    settings: Settings, place: str, levels: int, caplog: pytest.LogCaptureFixture,
) -> None:
    post = flask_client(settings)
    with caplog.at_level(logging.INFO):
        answer = post(body_with(_place(place, MARK), levels))
    assert answer.status_code in (200, 400), answer.status_code
    assert answer.mimetype == "application/json"
    _check_outcome(answer.get_json(), levels)
    assert (answer.status_code == 400) == ("error" in answer.get_json())
    _no_traceback(caplog)

"""Honest status codes: a fault of ours is a 500, the request's own mistakes are 4xx.

Monitoring tells a bug from bad input by the status alone, so a genuine server fault must not
hide behind a 400, and must never show a traceback; what the request itself got wrong (too
large, wrong method or path, not JSON, not an Alexa envelope) stays a 4xx with a JSON error.
"""

from __future__ import annotations

import json
import logging

import pytest

from skill.builder import build_skill
from skill.settings import Settings
from skill.web import create_app
from testkit import envelopes as env


@pytest.fixture
def crashing_client(settings: Settings):
    skill = build_skill(settings)

    def invoke(**_kwargs: object) -> object:
        raise RuntimeError("a bug in dispatch")

    skill.invoke = invoke
    return create_app(settings, skill=skill).test_client()


def test_a_server_fault_is_500_with_a_short_json_error(crashing_client, caplog):
    with caplog.at_level(logging.ERROR, logger="skill.web"):
        answer = crashing_client.post("/", data=json.dumps(env.launch()),
                                      content_type="application/json")
    assert answer.status_code == 500
    assert answer.get_json() == {"error": "internal error"}
    assert "Traceback" not in answer.get_data(as_text=True)
    assert any(r.exc_info for r in caplog.records), "the cause must reach the log"


@pytest.mark.parametrize(("method", "path", "body", "status"), [
    ("post", "/", "{not json", 400),
    ("post", "/", json.dumps({"hello": "world"}), 400),
    ("get", "/", None, 405),
    ("post", "/elsewhere", "{}", 404),
    ("post", "/", "x" * (200 * 1024), 413),
])
def test_what_the_request_got_wrong_stays_4xx(settings, method, path, body, status):
    client = create_app(settings).test_client()
    answer = getattr(client, method)(path, data=body, content_type="application/json")
    assert answer.status_code == status
    payload = answer.get_json()
    assert set(payload) == {"error"} and payload["error"]


def _deep(levels: int) -> str:
    """A launch envelope with a slot-less attribute nested `levels` deep."""
    envelope = json.dumps(env.launch())
    return envelope[:-1] + ', "extra": ' + "[" * levels + "]" * levels + "}"


@pytest.mark.parametrize("levels", [2_000, 60_000])
def test_deep_json_is_a_clean_400_at_the_flask_door(settings, levels, caplog):
    client = create_app(settings).test_client()
    with caplog.at_level(logging.WARNING):
        answer = client.post("/", data=_deep(levels), content_type="application/json")
    assert answer.status_code == 400
    assert answer.get_json() == {"error": "request body is nested too deeply"}
    assert not any(r.exc_info for r in caplog.records), "refused without a traceback"


def test_deep_json_is_refused_by_the_verifier_too(settings, verified, chain_server, signer):
    client = verified(settings, chain_origin=chain_server.origin)
    body = _deep(60_000)
    answer = client.post("/", data=body, headers=signer.headers(body.encode()))
    assert answer.status_code == 400
    assert answer.get_json() == {"error": "request body is nested too deeply"}


def test_a_deep_event_is_refused_by_the_lambda_door(settings, caplog):
    from skill.lambda_function import create_handler

    event = env.launch()
    deep: list = []
    for _ in range(5_000):
        deep = [deep]
    event["extra"] = deep
    with caplog.at_level(logging.WARNING):
        answer = create_handler(settings)(event, None)
    assert answer == {"error": "request envelope is nested too deeply"}
    assert not any(r.exc_info for r in caplog.records)

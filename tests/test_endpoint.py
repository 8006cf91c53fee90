"""The endpoint as Alexa meets it: `mat-coach serve` in a real process, and signed requests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import requests

from testkit import envelopes as env
from testkit.checks import check_response, speech_of
from testkit.loopback import free_port, wait_until_up


@contextmanager
def serving(*args: str, store_url: str) -> Iterator[str]:
    """Run `mat-coach serve` as a user would, on a free loopback port."""
    port = free_port()
    environ = {**os.environ, "MAT_COACH_STORE": store_url}
    environ.pop("MAT_COACH_SKILL_ID", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "skill.cli", "serve", "--port", str(port), *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=environ, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/healthz", process)
        yield url
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
        serving.output = output  # type: ignore[attr-defined]


def test_serve_dev_answers_and_serve_refuses_unsigned(store_url):
    launch = json.dumps(env.launch())
    with serving("--dev", store_url=store_url) as url:
        answer = requests.post(url, data=launch, timeout=5,
                               headers={"Content-Type": "application/json"})
        assert answer.status_code == 200
        check_response(answer.json())
        assert "Welcome to Mat Coach" in speech_of(answer.json())
    assert "verification is OFF" in serving.output  # type: ignore[attr-defined]
    with serving(store_url=store_url) as url:
        refused = requests.post(url, data=launch, timeout=5,
                                headers={"Content-Type": "application/json"})
        assert refused.status_code == 400
        assert refused.json() == {"error": "missing SignatureCertChainUrl header"}
        assert requests.get(f"{url}/healthz", timeout=5).status_code == 200
    assert "verification is OFF" not in serving.output  # type: ignore[attr-defined]


def test_signed_request_is_answered_and_tampering_refused(verified, signer):
    verified_client = verified()  # verification on; the chain comes from the loopback "S3"
    body = json.dumps(env.intent("ExplainMatIntent", {
        "topic": env.slot("topic", "cost", resolved_id="COST")})).encode()
    answer = verified_client.post("/", data=body, headers=signer.headers(body))
    assert answer.status_code == 200
    check_response(answer.get_json())
    tampered = body.replace(b"COST", b"ECO")
    refused = verified_client.post("/", data=tampered, headers=signer.headers(body))
    assert refused.status_code == 400
    assert refused.get_json() == {"error": "signature does not match the request body"}
    unsigned = verified_client.post("/", data=body)
    assert unsigned.status_code == 400
    foreign = json.dumps(env.launch(application_id="amzn1.ask.skill.other")).encode()
    answer = verified_client.post("/", data=foreign, headers=signer.headers(foreign))
    assert answer.status_code == 400 and "error" in answer.get_json()

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


def serve_environ(store_url: str, skill_id: str | None = env.APP_ID) -> dict[str, str]:
    """The environment a user would set: a store, and the skill ID unless `None`."""
    environ = {**os.environ, "MAT_COACH_STORE": store_url}
    environ.pop("MAT_COACH_SKILL_ID", None)
    environ.pop("MAT_COACH_ALLOW_ANY_SKILL", None)
    if skill_id is not None:
        environ["MAT_COACH_SKILL_ID"] = skill_id
    return environ


@contextmanager
def serving(*args: str, store_url: str) -> Iterator[str]:
    """Run `mat-coach serve` as a user would, on a free loopback port."""
    port = free_port()
    environ = serve_environ(store_url)
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
        assert answer.headers["Server"].startswith("Werkzeug")  # --dev: the development server
    assert "verification is OFF" in serving.output  # type: ignore[attr-defined]
    with serving(store_url=store_url) as url:
        refused = requests.post(url, data=launch, timeout=5,
                                headers={"Content-Type": "application/json"})
        assert refused.status_code == 400
        assert refused.json() == {"error": "missing SignatureCertChainUrl header"}
        health = requests.get(f"{url}/healthz", timeout=5)
        assert health.status_code == 200
        assert health.headers["Server"] == "mat-coach"  # waitress (skill.web.server)
    assert "verification is OFF" not in serving.output  # type: ignore[attr-defined]
    assert "development server" not in serving.output  # type: ignore[attr-defined]


def test_serve_without_a_skill_id_refuses_to_start_in_one_line(store_url):
    result = subprocess.run(
        [sys.executable, "-m", "skill.cli", "serve", "--port", str(free_port())],
        capture_output=True, text=True, env=serve_environ(store_url, skill_id=None), timeout=60,
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("mat-coach serve: MAT_COACH_SKILL_ID is not set")
    assert "--dev" in lines[0] and "amzn1.ask.skill." in lines[0]
    assert result.stdout == ""


def test_serve_with_any_skill_allowed_explicitly_starts(store_url):
    environ = {**serve_environ(store_url, skill_id=None), "MAT_COACH_ALLOW_ANY_SKILL": "true"}
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "skill.cli", "serve", "--port", str(port), "--workers", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environ,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", process)
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0  # SIGTERM is a clean stop


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

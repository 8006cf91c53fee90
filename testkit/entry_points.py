"""The skill's two doors as a test or benchmark knocks on them: the Flask route, the Lambda handler.

A sender takes an envelope and returns the skill's answer, already checked against Alexa's
rules (`testkit.checks.check_response`); both build the skill from `Settings`, exactly as
`create_app(settings)` and `create_handler(settings)` do in production, so no test has to patch
the environment to reach a door. `verified_client` is the Flask door with request verification
ON, whose signing chain is downloaded over loopback TLS (`testkit.loopback.loopback_fetch`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from skill import lambda_function
from skill.builder import build_skill
from skill.settings import Settings
from skill.store import UserStore
from skill.telemetry import Telemetry
from skill.web import create_app
from skill.web.verifier import RequestVerifier
from testkit.checks import check_response
from testkit.envelopes import APP_ID
from testkit.loopback import loopback_fetch
from testkit.signing import CERT_URL, AlexaSigner

Send = Callable[[dict], dict]
SenderFactory = Callable[..., Send]


def flask_sender(settings: Settings, *, store: UserStore | None = None,
                 telemetry: Telemetry | None = None) -> Send:
    """POST through the Flask route (development mode unless `settings` say otherwise).

    Every answer must be a 200 with a valid response; `store` replaces the configured one
    (a store that fails on purpose, for instance), `telemetry` the door's recorder.
    """
    skill = build_skill(settings, store=store) if store is not None else None
    client = create_app(settings, skill=skill, telemetry=telemetry).test_client()

    def send(envelope: dict) -> dict:
        answer = client.post("/", data=json.dumps(envelope), content_type="application/json")
        assert answer.status_code == 200, answer.get_data(as_text=True)
        return check_response(answer.get_json())

    return send


def lambda_sender(settings: Settings, *, store: UserStore | None = None,
                  telemetry: Telemetry | None = None) -> Send:
    """Invoke the Lambda handler built by `create_handler(settings)`, with a JSON round trip.

    The round trip gives the handler a fresh copy, as Lambda's JSON decoding does, so a
    handler that mutates its event cannot change the test's envelope.
    """
    skill = build_skill(settings, store=store) if store is not None else None
    handle = lambda_function.create_handler(settings, skill=skill, telemetry=telemetry)

    def send(envelope: dict) -> dict:
        return check_response(handle(json.loads(json.dumps(envelope)), None))

    return send


class FirstChoice:
    """A random source that always takes the first option: one phrasing per line, so that two
    requests meaning the same thing get the same words (`build_skill(rng=FirstChoice())`)."""

    def choice(self, options):
        return options[0]


#: Both doors by name, for tests parametrized over them.
ENTRY_POINTS: dict[str, SenderFactory] = {"flask": flask_sender, "lambda": lambda_sender}


def verified_client(settings: Settings, *, alexa_bundle: str, chain_origin: str) -> Any:
    """A Flask test client of the app with verification ON for skill `APP_ID`.

    The chain is downloaded from `chain_origin` (a loopback `ChainServer`, or a closed port)
    over TLS that trusts only `alexa_bundle`, with the timeout `settings.cert_timeout`.
    """
    verifier = RequestVerifier(
        skill_id=APP_ID, ca_bundle=alexa_bundle, timeout=settings.cert_timeout,
        fetch=loopback_fetch(chain_origin, ca_bundle=alexa_bundle,
                             timeout=settings.cert_timeout),
    )
    return create_app(settings, verifier=verifier).test_client()


def signed_post(client: Any, signer: AlexaSigner, envelope: dict, cert_url: str = CERT_URL) -> Any:
    """POST `envelope` signed as Alexa signs it; returns the test client's response."""
    body = json.dumps(envelope).encode()
    return client.post("/", data=body, headers=signer.headers(body, cert_url))

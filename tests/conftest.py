"""Shared fixtures, one of each kind: CAs and signing, the loopback servers (Timers API, signing
chain, DynamoDB), a fresh store, both entry points, and a conversation through each.

The pieces themselves live in `testkit` (the benchmarks use them too); this file only gives
them pytest lifetimes.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import trustme

from skill import device_zone
from skill.settings import Settings
from testkit.alexa_apis import TimersFake
from testkit.conversation import Conversation
from testkit.entry_points import ENTRY_POINTS, Send, SenderFactory, verified_client
from testkit.envelopes import APP_ID
from testkit.loopback import (
    PROXY_VARIABLES,
    ChainServer,
    TimersServer,
    closed_origin,
    server_context,
)
from testkit.moto import boto3_environ, moto_server
from testkit.signing import CHAIN_PATH, AlexaSigner, rsa_ca


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    """The CA behind the loopback Timers API's TLS; the skill trusts it via `ca_bundle`."""
    return trustme.CA()


@pytest.fixture(scope="session")
def ca_bundle(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture(scope="session")
def _timers_server(ca: trustme.CA) -> Iterator[TimersServer]:
    with TimersServer(ca) as server:
        yield server


@pytest.fixture
def timers_fake(_timers_server: TimersServer) -> TimersFake:
    """The Alexa Timers and settings API fake, forgotten before each test that asks for it."""
    _timers_server.fake.reset()
    return _timers_server.fake


@pytest.fixture
def out_of_order(request: pytest.FixtureRequest, timers_fake: TimersFake) -> TimersFake:
    """The stand-in answers each call after 10 to 50 ms, a delay fixed per call by a seed of
    the test's own, so the calls a request makes together complete out of order, and the
    rules must hold whatever the order."""
    timers_fake.delay, timers_fake.jitter = 0.01, 0.04
    timers_fake.seed = zlib.crc32(request.node.name.encode())
    return timers_fake


@pytest.fixture
def api_endpoint(_timers_server: TimersServer) -> str:
    """The `apiEndpoint` that sends the skill's API calls to the Timers fake."""
    return _timers_server.origin


@pytest.fixture
def closed_endpoint() -> str:
    """A loopback origin nobody listens on: a service refusing connections, instantly."""
    return closed_origin()


# --- Amazon's request signing, imitated by a throwaway RSA CA ---------------------------------
@pytest.fixture(scope="session")
def alexa_ca() -> trustme.CA:
    return rsa_ca()


@pytest.fixture(scope="session")
def alexa_bundle(alexa_ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("alexa-ca") / "bundle.pem"
    alexa_ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture(scope="session")
def signer(alexa_ca: trustme.CA) -> AlexaSigner:
    return AlexaSigner.create(alexa_ca)


@pytest.fixture
def chain_server(alexa_ca: trustme.CA, signer: AlexaSigner) -> Iterator[ChainServer]:
    """A loopback HTTPS stand-in for the S3 bucket that serves the signing chain."""
    with ChainServer(server_context(alexa_ca), {CHAIN_PATH: signer.chain_pem}) as server:
        yield server


@pytest.fixture
def verified(
    chain_server: ChainServer, alexa_bundle: str, ca_bundle: str, store_url: str
) -> Callable[..., Any]:
    """Build the Flask app with verification ON (skill id `APP_ID`), as a test client.

    `verified()` uses the test's store; pass `settings` for another store or timing, and
    `chain_origin` to download the chain from somewhere other than `chain_server`.
    """

    def build(settings: Settings | None = None, *, chain_origin: str | None = None) -> Any:
        settings = settings or Settings(store_url=store_url, ca_bundle=ca_bundle,
                                        skill_id=APP_ID)
        return verified_client(settings, alexa_bundle=alexa_bundle,
                               chain_origin=chain_origin or chain_server.origin)

    return build


# --- DynamoDB ------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    """moto's DynamoDB on loopback, one server for the run; each test creates its own table."""
    with moto_server() as url:
        yield url


@pytest.fixture
def dynamodb_env(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Point boto3 (and so the product's DynamoDB store) at a loopback endpoint."""

    def point_at(url: str) -> None:
        for name, value in boto3_environ(url).items():
            monkeypatch.setenv(name, value)

    return point_at


# --- the process around every test -------------------------------------------------------------
@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """urllib, requests and botocore honour proxy variables; loopback traffic must stay local."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _fresh_zone_cache() -> Iterator[None]:
    device_zone.clear_cache()
    yield
    device_zone.clear_cache()


# --- the skill and its entry points ------------------------------------------------------------
@pytest.fixture
def store_url(tmp_path) -> str:
    return f"sqlite://{tmp_path / 'mat-coach.db'}"


@pytest.fixture
def settings(store_url: str, ca_bundle: str) -> Settings:
    """Development settings: no verification, a fresh SQLite file, a 1 s API timeout.

    The skill ID is the envelopes' own, so both doors check applicationId as in production.
    """
    return Settings(store_url=store_url, ca_bundle=ca_bundle, verify_requests=False,
                    api_timeout=1.0, voice_seed=0, skill_id=APP_ID)


@pytest.fixture(params=sorted(ENTRY_POINTS))
def entry_point(request: pytest.FixtureRequest) -> SenderFactory:
    """One door, Flask route or Lambda handler: call it with `Settings` to get a sender."""
    return ENTRY_POINTS[request.param]


@pytest.fixture
def send(entry_point: SenderFactory, settings: Settings) -> Send:
    """Post an envelope through a real entry point; the answer is already checked."""
    return entry_point(settings)


@pytest.fixture
def conversation(send: Send, api_endpoint: str) -> Conversation:
    """A conversation through the same entry point, its API calls going to the Timers fake."""
    return Conversation(send, api_endpoint=api_endpoint)

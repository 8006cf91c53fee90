"""Shared fixtures: a local CA, the loopback Timers fake, a fresh store, and both entry points."""

from __future__ import annotations

import json
import re
import ssl
from collections.abc import Callable, Iterator

import pytest
import trustme
from pytest_httpserver import HTTPServer

from bench.loopback import CHAIN_PATH, ChainServer, server_context
from skill import device_zone, lambda_function
from skill.settings import Settings
from skill.web import create_app
from tests.alexa_signing import AlexaSigner, rsa_ca
from tests.checks import check_response
from tests.timers_fake import TimersFake


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def ca_bundle(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture(scope="session")
def _timers_server(ca: trustme.CA) -> Iterator[tuple[HTTPServer, TimersFake]]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context, threaded=True)
    fake = TimersFake()
    server.expect_request(re.compile(".*")).respond_with_handler(fake.handle)
    server.start()
    yield server, fake
    server.clear()
    if server.is_running():
        server.stop()


@pytest.fixture
def timers_fake(_timers_server: tuple[HTTPServer, TimersFake]) -> TimersFake:
    fake = _timers_server[1]
    fake.reset()
    return fake


@pytest.fixture
def api_endpoint(_timers_server: tuple[HTTPServer, TimersFake]) -> str:
    server = _timers_server[0]
    return f"https://127.0.0.1:{server.port}"


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


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """urllib, requests and botocore honour proxy variables; loopback traffic must stay local."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY",
                 "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _fresh_zone_cache() -> Iterator[None]:
    device_zone.clear_cache()
    yield
    device_zone.clear_cache()


@pytest.fixture
def store_url(tmp_path) -> str:
    return f"sqlite://{tmp_path / 'mat-coach.db'}"


@pytest.fixture
def settings(store_url: str, ca_bundle: str) -> Settings:
    return Settings(store_url=store_url, ca_bundle=ca_bundle, verify_requests=False,
                    api_timeout=1.0)


Send = Callable[[dict], dict]


def flask_sender(settings: Settings) -> Send:
    client = create_app(settings).test_client()

    def send(envelope: dict) -> dict:
        answer = client.post("/", data=json.dumps(envelope), content_type="application/json")
        assert answer.status_code == 200, answer.get_data(as_text=True)
        return check_response(answer.get_json())

    return send


def lambda_sender(settings: Settings, monkeypatch: pytest.MonkeyPatch | None = None) -> Send:
    handle = lambda_function.create_handler(settings)

    def send(envelope: dict) -> dict:
        return check_response(handle(json.loads(json.dumps(envelope)), None))

    return send


@pytest.fixture(params=["flask", "lambda"])
def send(request: pytest.FixtureRequest, settings: Settings,
         monkeypatch: pytest.MonkeyPatch) -> Iterator[Send]:
    """Post an envelope through a real entry point; the answer is already checked."""
    if request.param == "flask":
        yield flask_sender(settings)
    else:
        yield lambda_sender(settings)

"""Request verification against a throwaway CA and a loopback HTTPS server standing in for S3.

Amazon's rule pins the chain URL to s3.amazonaws.com, so the verifier's `fetch` is injected:
it rewrites `https://s3.amazonaws.com/echo.api/<name>` to the loopback server and downloads
with the product's own downloader (`make_downloader`), trusting only the test CA bundle,
exactly as `MAT_COACH_CA_BUNDLE` works in production.
"""

from __future__ import annotations

import json
import posixpath
import ssl
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import trustme

from skill.web import verifier as verifier_module
from skill.web.verifier import (
    MAX_CHAIN_BYTES,
    RequestVerifier,
    VerificationError,
    canonical_cert_url,
    check_cert_url,
    download_pem,
    make_downloader,
)
from testkit import envelopes as env
from testkit.envelopes import APP_ID
from testkit.loopback import ChainHandler, ChainServer, free_port, server_context
from testkit.signing import CERT_URL, AlexaSigner, rsa_ca

CERT_NAME = "echo-api-cert.pem"
DOWNLOAD_TIMEOUT = 0.5


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def launch_envelope(
    timestamp: datetime, *, application_id: str = APP_ID, request_type: str = "LaunchRequest"
) -> dict:
    """A request as Alexa sends it, stamped `timestamp`: the verifier reads the stamp against
    its own (test-controlled) clock, not the wall clock."""
    return env.envelope({"type": request_type, "timestamp": stamp(timestamp)},
                        application_id=application_id)


def encode(envelope: dict) -> bytes:
    return json.dumps(envelope).encode("utf-8")


# --- loopback "S3" --------------------------------------------------------------------------


class _Handler(ChainHandler):
    """The chain server's handler plus the misbehaving downloads the verifier must survive."""

    protocol_version = "HTTP/1.0"  # `_big_undeclared` ends its body by closing the socket

    def do_GET(self) -> None:
        special = {
            "/hang": self._hang,
            "/drip": self._drip,
            "/big-declared": self._big_declared,
            "/big-undeclared": self._big_undeclared,
        }.get(self.path)
        if special is None:
            super().do_GET()
            return
        self.server.hits.append(self.path)
        special()

    def _hang(self) -> None:
        # Never answers within the client's timeout; released at teardown, bounded anyway.
        self.server.release.wait(10)

    def _drip(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "4096")
        self.end_headers()
        for _ in range(100):  # one byte per 0.05 s: each read is quick, the whole never ends
            if self.server.release.wait(0.05):
                return
            try:
                self.wfile.write(b"-")
                self.wfile.flush()
            except OSError:
                return

    def _big_declared(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(MAX_CHAIN_BYTES + 1))
        self.end_headers()
        self.wfile.write(b"x" * (MAX_CHAIN_BYTES + 1))

    def _big_undeclared(self) -> None:
        self.send_response(200)  # HTTP/1.0 style: no length, body ends when the socket closes
        self.end_headers()
        self.wfile.write(b"x" * (MAX_CHAIN_BYTES + 1))

@pytest.fixture(scope="module")
def loopback_s3(alexa_ca: trustme.CA) -> Iterator[ChainServer]:
    with ChainServer(server_context(alexa_ca), handler=_Handler) as server:
        yield server


class LoopbackFetch:
    """Maps Amazon's chain URL onto the loopback server and counts what the verifier asks."""

    def __init__(self, server: ChainServer, download: Callable[[str], bytes]) -> None:
        self.server = server
        self.download = download
        self.calls: list[str] = []

    def publish(self, signer: AlexaSigner, name: str = CERT_NAME) -> str:
        self.server.files[f"/echo.api/{name}"] = signer.chain_pem
        return f"https://s3.amazonaws.com/echo.api/{name}"

    def __call__(self, url: str) -> bytes:
        self.calls.append(url)
        name = posixpath.basename(urllib.parse.urlsplit(url).path)
        return self.download(self.server.url(f"/echo.api/{name}"))


@pytest.fixture
def fetch(loopback_s3: ChainServer, alexa_bundle: str, signer: AlexaSigner) -> LoopbackFetch:
    loopback_s3.files.clear()
    fetcher = LoopbackFetch(
        loopback_s3, make_downloader(ca_bundle=alexa_bundle, timeout=DOWNLOAD_TIMEOUT)
    )
    fetcher.publish(signer)
    return fetcher


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_verifier(
    alexa_bundle: str, fetch: LoopbackFetch, clock: Clock
) -> Callable[..., RequestVerifier]:
    def build(**overrides: object) -> RequestVerifier:
        options: dict = {
            "skill_id": APP_ID,
            "ca_bundle": alexa_bundle,
            "fetch": fetch,
            "timeout": DOWNLOAD_TIMEOUT,
            "clock": clock,
        }
        options.update(overrides)
        return RequestVerifier(**options)

    return build


def refused(verifier: RequestVerifier, headers: dict, body: bytes) -> str:
    with pytest.raises(VerificationError) as caught:
        verifier.verify(headers, body)
    reason = str(caught.value)
    assert reason and len(reason) < 80 and "BEGIN" not in reason and "\n" not in reason
    return reason


# --- accepted -------------------------------------------------------------------------------


def test_accepts_correctly_signed_request_over_real_tls_download(
    make_verifier, signer, fetch, clock, loopback_s3
):
    envelope = launch_envelope(clock.now)
    body = encode(envelope)
    hits_before = len(loopback_s3.hits)

    result = make_verifier().verify(signer.headers(body, CERT_URL), body)

    assert result == envelope
    assert fetch.calls == [CERT_URL]
    assert loopback_s3.hits[hits_before:] == [f"/echo.api/{CERT_NAME}"]


def test_accepts_uppercase_host_explicit_port_and_dotdot_inside_echo_api(
    make_verifier, signer, fetch, clock
):
    url = "https://S3.AMAZONAWS.COM:443/echo.api/../echo.api/echo-api-cert.pem"
    body = encode(launch_envelope(clock.now))

    verifier = make_verifier()
    result = verifier.verify(signer.headers(body, url), body)

    assert result["request"]["type"] == "LaunchRequest"
    assert fetch.calls == [CERT_URL]  # fetched, and cached, under its one canonical spelling
    for spelling in ("https://s3.amazonaws.com/echo.api/./echo-api-cert.pem",
                     "HTTPS://s3.amazonaws.com:443/echo.api/echo-api-cert.pem"):
        verifier.verify(signer.headers(body, spelling), body)
    assert fetch.calls == [CERT_URL]  # other spellings of the same URL download nothing


def test_plain_dict_headers_are_matched_case_insensitively(make_verifier, signer, clock):
    body = encode(launch_envelope(clock.now))
    headers = {key.lower(): value for key, value in signer.headers(body).items()}

    assert make_verifier().verify(headers, body)["request"]["type"] == "LaunchRequest"


def test_skill_id_falls_back_to_session_application(make_verifier, signer, clock):
    envelope = launch_envelope(clock.now)
    del envelope["context"]
    body = encode(envelope)

    assert make_verifier().verify(signer.headers(body), body) == envelope


def test_no_skill_id_configured_accepts_any_application(make_verifier, signer, clock):
    body = encode(launch_envelope(clock.now, application_id="amzn1.ask.skill.other"))

    result = make_verifier(skill_id=None).verify(signer.headers(body), body)

    assert result["session"]["application"]["applicationId"] == "amzn1.ask.skill.other"


def test_timestamp_just_inside_the_window_is_accepted(make_verifier, signer, clock):
    verifier = make_verifier()
    for offset in (-149, 149):
        body = encode(launch_envelope(clock.now + timedelta(seconds=offset)))
        assert verifier.verify(signer.headers(body), body)["request"]["timestamp"]


def test_skill_event_may_arrive_up_to_an_hour_late(make_verifier, signer, clock):
    verifier = make_verifier()
    late = encode(
        launch_envelope(
            clock.now - timedelta(minutes=50), request_type="AlexaSkillEvent.SkillDisabled"
        )
    )
    too_late = encode(
        launch_envelope(
            clock.now - timedelta(minutes=61), request_type="AlexaSkillEvent.SkillDisabled"
        )
    )

    assert verifier.verify(signer.headers(late), late)["request"]["type"].startswith("Alexa")
    assert "timestamp" in refused(verifier, signer.headers(too_late), too_late)


# --- refused: headers and URL (no download may happen) -------------------------------------


def test_rejects_tampered_body(make_verifier, signer, clock):
    body = encode(launch_envelope(clock.now))
    headers = signer.headers(body)
    tampered = body.replace(b"LaunchRequest", b"IntentRequest")

    assert "signature" in refused(make_verifier(), headers, tampered)


@pytest.mark.parametrize("missing", ["SignatureCertChainUrl", "Signature-256"])
def test_rejects_missing_header(make_verifier, signer, clock, fetch, missing):
    body = encode(launch_envelope(clock.now))
    headers = signer.headers(body)
    del headers[missing]

    assert missing in refused(make_verifier(), headers, body)
    assert fetch.calls == []


@pytest.mark.parametrize(
    "url",
    [
        "http://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "https://notamazon.com/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com.evil.example/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com/echo.api/../x",
        "https://s3.amazonaws.com/echo.api/%2e%2e/x",
        "https://s3.amazonaws.com/EcHo.aPi/echo-api-cert.pem",
        "https://s3.amazonaws.com/invalid.path/echo-api-cert.pem",
        "https://s3.amazonaws.com:8443/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com:notaport/echo.api/echo-api-cert.pem",
        "https://user@s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com",
        # A query or fragment would make another cache key (and download) for the same chain.
        "https://s3.amazonaws.com/echo.api/echo-api-cert.pem?x=1",
        "https://s3.amazonaws.com/echo.api/echo-api-cert.pem#part",
        "https://s3.amazonaws.com/echo.api/echo-api-cert.pem?",
    ],
)
def test_rejects_cert_url_outside_amazons_rules(make_verifier, signer, clock, fetch, url):
    body = encode(launch_envelope(clock.now))

    assert "certificate URL" in refused(make_verifier(), signer.headers(body, url), body)
    assert fetch.calls == []


@pytest.mark.parametrize(
    "url",
    [
        "https://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "HTTPS://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com:443/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert.pem",
    ],
)
def test_cert_url_rules_accept_amazons_variants(url):
    assert check_cert_url(url) is None


@pytest.mark.parametrize(
    "url",
    [
        "https://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "HTTPS://S3.AMAZONAWS.COM:443/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com:/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com/../echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com/echo.api/x/%2E%2E/./echo-api-cert.pem",
        "https://s3.amazonaws.com/echo.api/%65cho-api-cert.pem",
        "https://s3.amazonaws.com/%65%63%68%6f.api/echo%2Dapi%2dcert.pem",
    ],
)
def test_every_spelling_of_a_plain_url_has_one_canonical_form(url):
    assert canonical_cert_url(url) == CERT_URL


@pytest.mark.parametrize(
    "url",
    [
        "https://s3.amazonaws.com/echo.api/%2565cho-api-cert.pem",  # "%" left after decoding
        "https://s3.amazonaws.com/echo.api/echo%2Fapi-cert.pem",  # encoded slash
        "https://s3.amazonaws.com/echo.api/echo-api-cert.pem%00",
        "https://s3.amazonaws.com/echo.api/echo-api-cert.pem%09",
        "https://s3.amazonaws.com/echo.api/echo api-cert.pem",
        "https://s3.amazonaws.com/echo.api/echo-api-cert.pem\t",
        "https://s3.amazonaws.com/echo.api/echo-api\ncert.pem",
        "https://s3.amazonaws.com/echo.api/\u00e9cho-api-cert.pem",
        "https://s3.amazonaws.com/echo.api/%C3%A9cho-api-cert.pem",
        "https://s3.amazonaws.com/echo.api/%FFcho-api-cert.pem",
        "https://s3.amazonaws.com/echo.api/echo%5Capi-cert.pem",
        "https://s3.amazonaws.com/echo.api/echo-api-cert.pem%3F",
        "https://s3.amazonaws.com/echo.api//echo-api-cert.pem",
        "https://s3.amazonaws.com/echo.api/echo-api-cert.pem/",
        "https://s3.amazonaws.com/echo.api/x/..",
        "https://s3.amazonaws.com/echo.api/",
        "https://s3.amazonaws.com/echo.api/echo-api-cert.pem;x",
        "https://@s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws%2Ecom/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com/echo.api/" + "a" * 600 + ".pem",
    ],
)
def test_cert_url_that_is_not_plain_once_decoded_is_refused(
    make_verifier, signer, clock, fetch, url
):
    body = encode(launch_envelope(clock.now))

    assert "certificate URL" in refused(make_verifier(), signer.headers(body, url), body)
    assert fetch.calls == []


def test_logged_chain_urls_are_bounded(make_verifier, signer, clock, caplog):
    url = "https://s3.amazonaws.com/echo.api/" + "a" * 400 + ".pem"  # allowed, and missing
    body = encode(launch_envelope(clock.now))

    with caplog.at_level("WARNING", logger="skill.web.verifier"):
        assert refused(make_verifier(), signer.headers(body, url), body) == (
            "certificate download failed"
        )

    lines = [record.getMessage() for record in caplog.records]
    assert lines and all(len(line) < 300 for line in lines), lines


# --- refused: the chain ---------------------------------------------------------------------


def _publish_and_sign(fetch: LoopbackFetch, chain_signer: AlexaSigner, clock: Clock, name: str):
    url = fetch.publish(chain_signer, name)
    body = encode(launch_envelope(clock.now))
    return chain_signer.headers(body, url), body


def test_rejects_expired_leaf(make_verifier, alexa_ca, fetch, clock):
    expired = AlexaSigner.create(
        alexa_ca,
        not_before=clock.now - timedelta(days=30),
        not_after=clock.now - timedelta(minutes=1),
    )
    headers, body = _publish_and_sign(fetch, expired, clock, "expired.pem")

    assert "not trusted" in refused(make_verifier(), headers, body)


def test_rejects_not_yet_valid_leaf(make_verifier, alexa_ca, fetch, clock):
    future = AlexaSigner.create(alexa_ca, not_before=clock.now + timedelta(hours=1))
    headers, body = _publish_and_sign(fetch, future, clock, "future.pem")

    assert "not trusted" in refused(make_verifier(), headers, body)


def test_rejects_leaf_without_echo_api_san(make_verifier, alexa_ca, fetch, clock):
    wrong_name = AlexaSigner.create(alexa_ca, san="example.com")
    headers, body = _publish_and_sign(fetch, wrong_name, clock, "example.pem")

    assert "not trusted" in refused(make_verifier(), headers, body)


def test_rejects_leaf_from_untrusted_ca(make_verifier, fetch, clock):
    stranger = AlexaSigner.create(rsa_ca())
    headers, body = _publish_and_sign(fetch, stranger, clock, "stranger.pem")

    assert "not trusted" in refused(make_verifier(), headers, body)


def test_rejects_chain_that_is_not_pem(make_verifier, signer, fetch, clock, loopback_s3):
    loopback_s3.files["/echo.api/garbage.pem"] = b"<Error>AccessDenied</Error>"
    url = "https://s3.amazonaws.com/echo.api/garbage.pem"
    body = encode(launch_envelope(clock.now))

    assert "unreadable" in refused(make_verifier(), signer.headers(body, url), body)


def test_rejects_signature_from_a_different_key(make_verifier, signer, alexa_ca, clock):
    impostor = AlexaSigner.create(alexa_ca)  # valid chain, but not the one the URL names
    body = encode(launch_envelope(clock.now))
    headers = signer.headers(body)
    headers["Signature-256"] = impostor.sign(body)

    assert "signature" in refused(make_verifier(), headers, body)


def test_rejects_bad_base64_signature(make_verifier, signer, clock):
    body = encode(launch_envelope(clock.now))
    headers = signer.headers(body)
    headers["Signature-256"] = "not*base64!"

    assert "base64" in refused(make_verifier(), headers, body)


# --- refused: the body ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[1, 2]", b'{"request": "LaunchRequest"}', b"\xff\xfe\x00"],
    ids=["truncated", "array", "request-not-object", "not-utf8"],
)
def test_rejects_malformed_but_correctly_signed_body(make_verifier, signer, body):
    assert refused(make_verifier(), signer.headers(body), body) == "malformed request body"


@pytest.mark.parametrize("offset", [-151, 151], ids=["151s-old", "151s-future"])
def test_rejects_timestamp_outside_150_seconds(make_verifier, signer, clock, offset):
    body = encode(launch_envelope(clock.now + timedelta(seconds=offset)))

    assert "timestamp" in refused(make_verifier(), signer.headers(body), body)


@pytest.mark.parametrize("value", [None, "yesterday", 1700000000000, ""])
def test_rejects_missing_or_garbage_timestamp(make_verifier, signer, clock, value):
    envelope = launch_envelope(clock.now)
    if value is None:
        del envelope["request"]["timestamp"]
    else:
        envelope["request"]["timestamp"] = value
    body = encode(envelope)

    assert "timestamp" in refused(make_verifier(), signer.headers(body), body)


def test_rejects_foreign_application_id(make_verifier, signer, clock):
    body = encode(launch_envelope(clock.now, application_id="amzn1.ask.skill.someone-else"))

    assert "another skill" in refused(make_verifier(), signer.headers(body), body)


def test_rejects_envelope_without_application_id_when_skill_id_is_set(
    make_verifier, signer, clock
):
    envelope = launch_envelope(clock.now)
    del envelope["context"]
    del envelope["session"]
    body = encode(envelope)

    assert "another skill" in refused(make_verifier(), signer.headers(body), body)


# --- download -------------------------------------------------------------------------------


def test_download_uses_the_bundle_for_tls(loopback_s3, alexa_bundle, signer):
    loopback_s3.files["/echo.api/direct.pem"] = signer.chain_pem
    url = loopback_s3.url("/echo.api/direct.pem")

    trusted = make_downloader(ca_bundle=alexa_bundle, timeout=DOWNLOAD_TIMEOUT)
    assert trusted(url) == signer.chain_pem

    system_roots = make_downloader(timeout=DOWNLOAD_TIMEOUT)  # does not know the test CA
    with pytest.raises(VerificationError, match="certificate download failed"):
        system_roots(url)


def test_download_404_is_refused(make_verifier, signer, clock):
    url = "https://s3.amazonaws.com/echo.api/missing.pem"
    body = encode(launch_envelope(clock.now))

    assert refused(make_verifier(), signer.headers(body, url), body) == (
        "certificate download failed"
    )


def test_download_connection_refused(alexa_bundle):
    port = free_port()  # free a moment ago, and nothing listens on it now
    context = ssl.create_default_context(cafile=alexa_bundle)

    with pytest.raises(VerificationError, match="certificate download failed"):
        download_pem(f"https://127.0.0.1:{port}/echo.api/x.pem", ssl_context=context, timeout=0.5)


def test_download_that_hangs_is_cut_off_by_the_timeout(
    make_verifier, signer, clock, loopback_s3, alexa_bundle
):
    hang = make_downloader(ca_bundle=alexa_bundle, timeout=DOWNLOAD_TIMEOUT)
    url = "https://s3.amazonaws.com/echo.api/hang.pem"
    body = encode(launch_envelope(clock.now))
    verifier = make_verifier(fetch=lambda _url: hang(loopback_s3.url("/hang")))

    started = time.monotonic()
    reason = refused(verifier, signer.headers(body, url), body)

    assert reason == "certificate download failed"
    assert time.monotonic() - started < 5  # the handler would hold the socket for 10 s


def test_download_that_drips_is_cut_off_by_the_overall_deadline(loopback_s3, alexa_bundle):
    context = ssl.create_default_context(cafile=alexa_bundle)
    started = time.monotonic()

    with pytest.raises(VerificationError, match="certificate download failed"):
        download_pem(loopback_s3.url("/drip"), ssl_context=context, timeout=0.5)
    assert time.monotonic() - started < 4  # the server would dribble for 5 s


@pytest.mark.parametrize("path", ["/big-declared", "/big-undeclared"])
def test_download_larger_than_the_limit_is_refused(loopback_s3, alexa_bundle, path):
    context = ssl.create_default_context(cafile=alexa_bundle)

    with pytest.raises(VerificationError, match="too large"):
        download_pem(loopback_s3.url(path), ssl_context=context, timeout=2.0)


def test_failed_fetch_is_remembered_briefly_then_tried_again(make_verifier, signer, clock):
    calls: list[str] = []

    def flaky(url: str) -> bytes:
        calls.append(url)
        if len(calls) == 1:
            raise ConnectionResetError("boom")
        return signer.chain_pem

    verifier = make_verifier(fetch=flaky, failure_seconds=10)
    body = encode(launch_envelope(clock.now))

    assert refused(verifier, signer.headers(body), body) == "certificate download failed"
    assert refused(verifier, signer.headers(body), body) == "certificate download failed"
    assert len(calls) == 1  # a flood of requests behind one failure downloads nothing more
    clock.now += timedelta(seconds=11)
    body = encode(launch_envelope(clock.now))
    assert verifier.verify(signer.headers(body), body)["request"]["type"] == "LaunchRequest"
    assert len(calls) == 2


FORGED_SIGNATURE = "AQID"  # well-formed base64; no key made it


def test_requests_that_prove_nothing_cannot_make_us_download_at_will(
    make_verifier, signer, clock, fetch
):
    """Unsigned requests naming one URL, good or missing, cost one download between them."""
    verifier = make_verifier(failure_seconds=10)
    missing = "https://s3.amazonaws.com/echo.api/missing.pem"
    body = encode(launch_envelope(clock.now))
    for url in (CERT_URL, missing) * 20:
        headers = {**signer.headers(body, url), "Signature-256": FORGED_SIGNATURE}
        refused(verifier, headers, body)

    assert fetch.calls == [CERT_URL, missing]


def test_default_fetch_downloads_with_bundle_roots_and_timeout(
    monkeypatch, alexa_bundle, alexa_ca, signer, clock
):
    seen: list[tuple[str, ssl.SSLContext, float]] = []

    def fake_download(url, *, ssl_context, timeout, max_bytes):
        seen.append((url, ssl_context, timeout))
        return signer.chain_pem

    monkeypatch.setattr(verifier_module, "download_pem", fake_download)
    verifier = RequestVerifier(ca_bundle=alexa_bundle, timeout=1.25, clock=clock)
    body = encode(launch_envelope(clock.now))

    assert verifier.verify(signer.headers(body), body)["request"]["type"] == "LaunchRequest"
    [(url, context, timeout)] = seen
    assert url == CERT_URL and timeout == 1.25
    bundle_der = ssl.PEM_cert_to_DER_cert(alexa_ca.cert_pem.bytes().decode("ascii"))
    assert context.get_ca_certs(binary_form=True) == [bundle_der]  # the bundle, no system roots


# --- cache ----------------------------------------------------------------------------------


def test_same_url_is_fetched_once(make_verifier, signer, clock, fetch):
    verifier = make_verifier()
    for _ in range(3):
        body = encode(launch_envelope(clock.now))
        verifier.verify(signer.headers(body), body)

    assert fetch.calls == [CERT_URL]


def test_proven_chains_are_bounded_and_least_recently_used_goes_first(
    make_verifier, signer, clock, fetch
):
    urls = [fetch.publish(signer, f"cert-{index}.pem") for index in range(3)]
    verifier = make_verifier(proven_cache_size=2)
    body = encode(launch_envelope(clock.now))

    for url in urls:  # each verifies a signature; the third pushes out the first
        verifier.verify(signer.headers(body, url), body)
    verifier.verify(signer.headers(body, urls[2]), body)  # still cached
    assert fetch.calls == urls
    verifier.verify(signer.headers(body, urls[0]), body)  # pushed out: fetched again

    assert fetch.calls == [*urls, urls[0]]


def test_recent_use_keeps_a_proven_chain_cached(make_verifier, signer, clock, fetch):
    first, second, third = (fetch.publish(signer, f"lru-{index}.pem") for index in range(3))
    verifier = make_verifier(proven_cache_size=2)
    body = encode(launch_envelope(clock.now))

    for url in (first, second, first, third):  # touching `first` makes `second` the oldest
        verifier.verify(signer.headers(body, url), body)
    verifier.verify(signer.headers(body, first), body)

    assert fetch.calls == [first, second, third]


def test_unproven_chains_are_bounded_least_recently_used_among_themselves(
    make_verifier, signer, clock, fetch
):
    urls = [fetch.publish(signer, f"unproven-{index}.pem") for index in range(3)]
    verifier = make_verifier(cache_size=2)
    body = encode(launch_envelope(clock.now))

    def forged(url: str) -> None:
        refused(verifier, {**signer.headers(body, url), "Signature-256": FORGED_SIGNATURE}, body)

    for url in urls:  # the third pushes out the first
        forged(url)
    forged(urls[2])
    assert fetch.calls == urls
    forged(urls[0])

    assert fetch.calls == [*urls, urls[0]]


def test_unproven_chains_never_push_out_a_proven_one(make_verifier, signer, clock, fetch):
    """Alexa's chain is first fetched for a request nobody signed, then proves itself; a
    flood of other valid chains named by unsigned requests leaves it cached."""
    others = [fetch.publish(signer, f"flood-{index}.pem") for index in range(6)]
    verifier = make_verifier(cache_size=2, proven_cache_size=1)
    body = encode(launch_envelope(clock.now))
    forged = {**signer.headers(body), "Signature-256": FORGED_SIGNATURE}

    refused(verifier, forged, body)  # Alexa's URL, fetched but not proven
    assert verifier.verify(signer.headers(body), body)  # proven now
    for url in others:
        refused(verifier, {**signer.headers(body, url), "Signature-256": FORGED_SIGNATURE}, body)
    assert verifier.verify(signer.headers(body), body)

    assert fetch.calls == [CERT_URL, *others]


def test_expired_cached_chain_is_fetched_again(make_verifier, alexa_ca, clock):
    short_lived = AlexaSigner.create(alexa_ca, not_after=clock.now + timedelta(hours=1))
    renewed = AlexaSigner.create(alexa_ca, not_after=clock.now + timedelta(days=30))
    served = [short_lived.chain_pem, renewed.chain_pem]
    calls: list[str] = []

    def fetch(url: str) -> bytes:
        calls.append(url)
        return served[len(calls) - 1]

    verifier = make_verifier(fetch=fetch)
    body = encode(launch_envelope(clock.now))
    verifier.verify(short_lived.headers(body), body)
    verifier.verify(short_lived.headers(body), body)
    assert len(calls) == 1

    clock.now += timedelta(hours=2)  # the cached leaf has expired; Amazon has rotated it
    later = encode(launch_envelope(clock.now))
    assert verifier.verify(renewed.headers(later), later)["request"]["type"] == "LaunchRequest"
    assert len(calls) == 2


def test_trust_roots_are_loaded_once(monkeypatch, make_verifier, signer, clock, fetch):
    loads: list[str] = []
    real = verifier_module.load_trust_roots

    def counting(path: str):
        loads.append(path)
        return real(path)

    monkeypatch.setattr(verifier_module, "load_trust_roots", counting)
    verifier = make_verifier()
    for name in ("a.pem", "b.pem"):
        url = fetch.publish(signer, name)
        body = encode(launch_envelope(clock.now))
        verifier.verify(signer.headers(body, url), body)

    assert len(loads) == 1


def test_missing_ca_bundle_refuses_instead_of_crashing(signer, clock, tmp_path):
    verifier = RequestVerifier(
        ca_bundle=str(tmp_path / "absent.pem"), fetch=lambda _url: signer.chain_pem, clock=clock
    )
    body = encode(launch_envelope(clock.now))

    assert refused(verifier, signer.headers(body), body) == "trust roots unavailable"


def test_verifier_module_does_not_import_flask():
    """Loaded on its own (the Lambda path never builds the Flask app)."""
    source = Path(verifier_module.__file__)
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('verifier_alone', {str(source)!r})\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "sys.modules[spec.name] = module\n"
        "spec.loader.exec_module(module)\n"
        "print('flask' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )

    assert result.stdout.strip() == "False"

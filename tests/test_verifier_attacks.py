"""Attacks on the request verifier's certificate-chain fetching, through the real Flask app.

Anyone can POST to the endpoint and name any chain URL under `https://s3.amazonaws.com/echo.api/`,
so chain downloads and the chain cache are the one thing an unsigned request can make the server
spend. These tests stand where an attacker would: many threads posting unsigned requests that
name fresh chain URLs, percent-encoded spellings of the real one, and real-looking chains nobody
signs with, while Alexa's genuine signed requests keep arriving. The chain comes from the
loopback "S3" (`testkit.loopback.ChainServer`), whose hit log counts every download.

Everything is bounded: a fixed number of requests, a fixed pool of threads, a timeout on every
wait, loopback only. Nothing here asserts on elapsed time; where the failure window matters, the
verifier's clock is the test's.
"""

from __future__ import annotations

import base64
import json
import threading
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import trustme

from skill.settings import Settings
from skill.web import create_app
from skill.web.verifier import RequestVerifier
from testkit import envelopes as env
from testkit.envelopes import APP_ID
from testkit.loopback import ChainHandler, ChainServer, loopback_fetch, server_context
from testkit.signing import CERT_URL, CHAIN_PATH, AlexaSigner

BUCKET = "https://s3.amazonaws.com"
#: What an attacker puts in Signature-256: well-formed base64, signed by nobody.
FORGED_SIGNATURE = base64.b64encode(b"\x01" * 256).decode("ascii")
#: Every wait in these tests ends by itself; none of them is a timing assertion.
WAIT_SECONDS = 30
THREADS = 16


# --- the app and the requests -------------------------------------------------------------------


def verifying_app(
    store_url: str, ca_bundle: str, alexa_bundle: str, origin: str, **options: Any
) -> Any:
    """The real Flask app with verification ON, its chain downloaded from the loopback bucket."""
    timeout = options.pop("timeout", 2.0)
    verifier = RequestVerifier(
        skill_id=APP_ID, ca_bundle=alexa_bundle, timeout=timeout,
        fetch=loopback_fetch(origin, ca_bundle=alexa_bundle, timeout=timeout), **options,
    )
    settings = Settings(store_url=store_url, ca_bundle=ca_bundle, skill_id=APP_ID)
    return create_app(settings, verifier=verifier)


def help_body() -> bytes:
    return json.dumps(env.intent("AMAZON.HelpIntent")).encode("utf-8")


def genuine(app: Any, signer: AlexaSigner, cert_url: str = CERT_URL) -> tuple[int, str]:
    """Alexa's request, correctly signed; returns (status, error text if any)."""
    body = help_body()
    answer = app.test_client().post("/", data=body, headers=signer.headers(body, cert_url))
    return answer.status_code, answer.get_data(as_text=True)[:200]


def unsigned(app: Any, cert_url: str) -> tuple[int, str]:
    """An attacker's request: a plausible envelope, any chain URL, a signature from nobody."""
    body = help_body()
    headers = {"SignatureCertChainUrl": cert_url, "Signature-256": FORGED_SIGNATURE,
               "Content-Type": "application/json"}
    answer = app.test_client().post("/", data=body, headers=headers)
    return answer.status_code, answer.get_data(as_text=True)[:200]


Job = tuple[str, Callable[[], tuple[int, str]]]


def run_concurrently(jobs: list[Job]) -> dict[str, list[tuple[int, str]]]:
    """Run every job on a bounded thread pool, in order of submission; answers by kind."""
    answers: dict[str, list[tuple[int, str]]] = {}
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = [(kind, pool.submit(job)) for kind, job in jobs]
        for kind, future in futures:
            answers.setdefault(kind, []).append(future.result(timeout=WAIT_SECONDS))
    return answers


def spelling(name: str, mask: int, *, lower_hex: bool = False) -> str:
    """`name` with the characters picked by the bits of `mask` percent-encoded."""
    hex_format = "%{:02x}" if lower_hex else "%{:02X}"
    return "".join(hex_format.format(ord(char)) if mask >> index & 1 else char
                   for index, char in enumerate(name))


def encoded_spellings_of_the_real_url(count: int) -> list[str]:
    """`count` distinct spellings that all decode to `CERT_URL`."""
    name = CHAIN_PATH.rsplit("/", 1)[1]
    return [f"{BUCKET}/echo.api/{spelling(name, mask, lower_hex=mask % 2 == 0)}"
            for mask in range(1, count + 1)]


def hits_of(server: ChainServer) -> Counter[str]:
    return Counter(server.hits)


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def other_signers(alexa_ca: trustme.CA) -> list[AlexaSigner]:
    """Valid chains from the trusted CA that Alexa never signs with (for this endpoint)."""
    return [AlexaSigner.create(alexa_ca) for _ in range(3)]


class Bucket(ChainServer):
    """The loopback bucket, closer to S3: an object key is the percent-decoded path (so a
    spelling like `%65cho-api-cert.pem` is served the real chain, as S3 serves it), and
    answers for `gated` paths are held back until `gate` is set."""

    def __init__(self, context: Any, files: dict[str, bytes], gated: set[str] = frozenset()
                 ) -> None:
        super().__init__(context, files, handler=BucketHandler)
        self.gated = set(gated)
        self.gate = threading.Event()


class BucketHandler(ChainHandler):
    server: Bucket

    def do_GET(self) -> None:
        if self.path in self.server.gated:
            self.server.gate.wait(WAIT_SECONDS)  # bounded; set by the test, or at teardown
        self.server.hits.append(self.path)  # as asked for, before S3 decodes it
        key = urllib.parse.unquote(self.path)
        self.send_chain(self.server.files.get(key) if self.server.mode == "serve" else None)


class CountingClock:
    """The wall clock, counting its readings: the verifier reads it once as each request
    reaches the chain cache, so the count says how many requests have got that far."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.readings = 0
        self.reached = threading.Event()
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            self.readings += 1
            if self.readings >= self.expected:
                self.reached.set()
        return datetime.now(UTC)


class FixedClock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def bucket(alexa_ca: trustme.CA, signer: AlexaSigner) -> Iterator[Bucket]:
    """The bucket serving Alexa's chain at `CHAIN_PATH`, its gate open unless a test closes it."""
    server = Bucket(server_context(alexa_ca), {CHAIN_PATH: signer.chain_pem})
    server.gate.set()
    with server:
        try:
            yield server
        finally:
            server.gate.set()


@pytest.fixture
def app_for(
    store_url: str, ca_bundle: str, alexa_bundle: str
) -> Callable[..., Any]:
    def build(server: ChainServer, **options: Any) -> Any:
        return verifying_app(store_url, ca_bundle, alexa_bundle, server.origin, **options)

    return build


# --- a cold server ------------------------------------------------------------------------------


def test_cold_server_answers_alexa_through_a_burst_of_fresh_chain_urls(
    bucket: Bucket, signer: AlexaSigner, app_for: Callable[..., Any]
) -> None:
    """The issue's attack: 130 unsigned requests, each naming a chain URL the bucket does not
    have, spend no budget Alexa needs. Alexa's first request arrives only after half the burst,
    while the rest of it is still running, and more follow it."""
    app = app_for(bucket)
    attack_urls = [f"{BUCKET}/echo.api/attack-{index:03d}.pem" for index in range(130)]
    jobs: list[Job] = []
    for index, url in enumerate(attack_urls):
        jobs.append(("attack", lambda url=url: unsigned(app, url)))
        if index >= 65 and index % 5 == 0:
            jobs.append(("alexa", lambda: genuine(app, signer)))
    jobs += [("alexa", lambda: genuine(app, signer)) for _ in range(10)]

    answers = run_concurrently(jobs)

    assert [status for status, _ in answers["alexa"]] == [200] * 23, answers["alexa"]
    assert {status for status, _ in answers["attack"]} == {400}
    hits = hits_of(bucket)
    assert hits[CHAIN_PATH] == 1  # the genuine chain: one download for 23 requests
    assert all(hits[url.removeprefix(BUCKET)] == 1 for url in attack_urls)
    assert sum(hits.values()) == 1 + len(attack_urls)


# --- a warm server ------------------------------------------------------------------------------


def test_warm_server_keeps_alexas_chain_through_spellings_and_unproven_chains(
    bucket: Bucket, signer: AlexaSigner, other_signers: list[AlexaSigner],
    app_for: Callable[..., Any],
) -> None:
    """Once Alexa's chain has verified a request, neither spellings of its URL (which S3 would
    serve) nor more valid chains than the cache holds, named by requests nobody signed, push it
    out. The first half of the burst comes between two of Alexa's requests (Alexa's traffic
    is sparse), the second half while Alexa's requests flow."""
    app = app_for(bucket)  # the default cache size: 16 chains not yet proven
    assert genuine(app, signer)[0] == 200
    assert hits_of(bucket)[CHAIN_PATH] == 1
    others = []
    for index in range(24):
        path = f"/echo.api/other-{index:02d}.pem"
        bucket.files[path] = other_signers[index % len(other_signers)].chain_pem
        others.append(BUCKET + path)
    spellings = encoded_spellings_of_the_real_url(120)
    spellings += ["HTTPS://S3.AMAZONAWS.COM:443/echo.api/./%65cho-api-cert.pem",
                  "https://s3.amazonaws.com/echo.api/%2E%2E/echo.api/echo-api-cert.pem"]

    first_half = [*spellings[:60], *others]
    first = run_concurrently([("attack", lambda url=url: unsigned(app, url))
                              for url in first_half])
    second_half = [*spellings[60:], *others]  # every unproven chain named a second time
    jobs: list[Job] = []
    for index, url in enumerate(second_half):
        jobs.append(("attack", lambda url=url: unsigned(app, url)))
        if index % 5 == 0:
            jobs.append(("alexa", lambda: genuine(app, signer)))
    jobs += [("alexa", lambda: genuine(app, signer)) for _ in range(5)]
    second = run_concurrently(jobs)

    alexa = [status for status, _ in second["alexa"]]
    assert alexa == [200] * ((len(second_half) + 4) // 5 + 5), second["alexa"]
    assert {status for status, _ in first["attack"] + second["attack"]} == {400}
    hits = hits_of(bucket)
    assert hits[CHAIN_PATH] == 1  # never downloaded again
    assert not [path for path in hits if "%" in path or path.startswith("/echo.api/./")]
    assert all(1 <= hits[url.removeprefix(BUCKET)] <= 2 for url in others)


# --- spellings ----------------------------------------------------------------------------------


def test_spellings_of_the_plain_url_share_one_entry_and_other_ones_are_refused(
    bucket: Bucket, signer: AlexaSigner, app_for: Callable[..., Any]
) -> None:
    app = app_for(bucket)
    same = [
        f"{BUCKET}/echo.api/%65cho-api-cert.pem",
        f"{BUCKET}/echo.api/%65%63ho%2dapi-cert%2Epem",
        f"{BUCKET}/%65cho.api/echo-api-cert.pem",
        f"{BUCKET}/echo.api/../echo.api/%65cho-api-cert.pem",
        f"{BUCKET}/echo.api/%2E%2E/echo.api/echo-api-cert.pem",
        "HTTPS://S3.AmazonAWS.com:443/echo.api/echo-api-cert.p%65m",
    ]
    for url in same:
        status, text = genuine(app, signer, url)
        assert status == 200, (url, text)
    assert bucket.hits == [CHAIN_PATH]  # one download, under the plain spelling

    not_plain = [
        "%2565cho-api-cert.pem",   # encoded twice: a "%" is left after decoding
        "echo-api-cert.pem%00",    # a control character
        "echo-api-cert.pem%0A",
        "echo%20api-cert.pem",     # a space
        "echo-api-cert.pem%3Fx=1",  # a query, once decoded
        "echo-api-cert.pem%23x",    # a fragment, once decoded
        "%C3%A9cho-api-cert.pem",  # not ASCII
        "echo%5Capi-cert.pem",     # a backslash
        "echo%2Fapi-cert.pem",     # an encoded slash: a separator to some servers, not others
        "%2F%2Fecho-api-cert.pem",
        "/echo-api-cert.pem",      # an empty segment
        ".%2Fecho-api-cert.pem/",  # a trailing slash names no file
        "echo-api-cert.pem;x",
        "echo-api-cert.pem%zz",    # not an escape at all
        "%",
    ]
    for tail in not_plain:
        url = f"{BUCKET}/echo.api/{tail}"
        for status, text in (genuine(app, signer, url), unsigned(app, url)):
            assert status == 400 and "certificate URL" in text, (url, status, text)
    assert bucket.hits == [CHAIN_PATH]  # nothing was downloaded for any of them


# --- single flight ------------------------------------------------------------------------------


@pytest.mark.parametrize("served", [True, False], ids=["chain", "missing"])
def test_concurrent_cold_requests_for_one_url_share_one_download(
    bucket: Bucket, signer: AlexaSigner, app_for: Callable[..., Any],
    served: bool,
) -> None:
    """The bucket holds its answer until every request has reached the chain cache, so all of
    them are waiting for the same download; the bucket sees that download once. A download that
    fails is shared the same way: every waiter gets its failure."""
    requests = 12
    url = CERT_URL if served else f"{BUCKET}/echo.api/slow-missing.pem"
    bucket.gated = {url.removeprefix(BUCKET)}
    bucket.gate.clear()
    clock = CountingClock(expected=requests)
    app = app_for(bucket, clock=clock, timeout=5.0)

    with ThreadPoolExecutor(max_workers=requests) as pool:
        futures = [pool.submit(genuine, app, signer, url) for _ in range(requests)]
        arrived = clock.reached.wait(WAIT_SECONDS)
        bucket.gate.set()
        answers = [future.result(timeout=WAIT_SECONDS) for future in futures]

    assert arrived
    expected = 200 if served else 400
    assert [status for status, _ in answers] == [expected] * requests, answers
    assert bucket.hits == [url.removeprefix(BUCKET)]


# --- failures are remembered --------------------------------------------------------------------


def test_a_failed_url_is_not_fetched_again_within_the_failure_window(
    bucket: Bucket, signer: AlexaSigner, app_for: Callable[..., Any]
) -> None:
    """A chain URL the bucket does not have is downloaded once, however many requests name
    it, in whatever spelling, and however many are in flight; after the window it is tried
    again (the clock is the test's: nothing waits for the window to pass)."""
    clock = FixedClock()
    app = app_for(bucket, clock=clock, failure_seconds=10)
    path = "/echo.api/gone.pem"
    spellings = [BUCKET + path, f"{BUCKET}/echo.api/%67one.pem", f"{BUCKET}/echo.api/g%6Fne.pem",
                 "HTTPS://S3.AMAZONAWS.COM:443/echo.api/./gon%65.pem"]

    first = run_concurrently([("alexa", lambda url=url: genuine(app, signer, url))
                              for url in spellings * 5])["alexa"]
    clock.now += timedelta(seconds=9)
    within = run_concurrently([("alexa", lambda url=url: genuine(app, signer, url))
                               for url in spellings * 5])["alexa"]

    for status, text in first + within:
        assert status == 400 and "certificate download failed" in text, text
    assert bucket.hits == [path]

    bucket.files[path] = signer.chain_pem  # the bucket has it now
    clock.now += timedelta(seconds=2)  # 11 s after the failure
    assert genuine(app, signer, spellings[1])[0] == 200
    assert bucket.hits == [path, path]

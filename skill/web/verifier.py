"""Amazon's request verification for a self-hosted skill endpoint.

Anyone can POST a JSON envelope to a public HTTPS endpoint, so every request must prove it
came from Alexa: it is signed with a key whose certificate chain Amazon publishes under
`https://s3.amazonaws.com/echo.api/`, and it carries a timestamp that bounds replays.

This is written on `cryptography` rather than the ASK SDK's `ask-sdk-webservice-support`
because that package cannot be imported on OpenSSL >= 3.0.10 (its `oscrypto` dependency
fails to parse the version string), downloads the chain without a timeout, caches without a
bound and turns bad JSON into a 500. The checks and their order follow Amazon's documented
rules ("Verify that requests are sent by Alexa"), cheapest first, so junk traffic is
refused before any network or RSA work.

Nothing here imports Flask: the verifier takes plain headers and bytes so the Lambda
entry point and the tests can use it without a web framework.

Chain downloads are the one thing an unsigned request can make the server spend, since the
signature cannot be checked before the chain is known. So:

* The chain URL is canonicalised before anything else: percent-encoding decoded, dot segments
  resolved, scheme and host lower-cased, the default port dropped. What is left must be
  `https://s3.amazonaws.com/echo.api/<plain path>`, where a plain path holds only letters,
  digits, `.`, `-`, `_`, `~` and `/` between non-empty segments; anything else (a `%` left
  after decoding, an encoded `/`, control characters, non-ASCII) is refused without a
  download. Every spelling of one URL is one cache key, one download, one failure record.
* The cache has two tiers. A chain that verified the signature of a request ("proven": only
  Alexa's key can do that) is kept apart from chains that merely passed the chain check on
  behalf of unsigned requests ("unproven"). Each tier is bounded and least-recently-used
  within itself, so unproven chains only ever push out each other. Both honour expiry.
* Limits are per canonical URL: one download at a time (later requests wait for it, for at
  most the download timeout, and share its chain or its failure), and a URL that failed is
  refused without a download for `failure_seconds` (remembered for a bounded number of URLs).

There is deliberately no global download budget. Per-URL limits bound what each URL costs,
not how many URLs an attacker can name; but a global budget is exactly what an attacker spent
in the attack these rules answer: on a cold server (start-up, a replaced worker, an expired
chain) Alexa's chain is not yet proven, so no budget can tell its first download apart from an
attacker's, and any budget the attacker can exhaust refuses Alexa. Without one, an attacker
buys each download with one request of their own (no amplification), each download is bounded
in time and size and runs on the thread already serving that request (so downloads in flight
never exceed the server's threads), and all memory kept about URLs is bounded. Alexa's chain
is fetched whenever it is needed and, once proven, not again until it expires. What remains
is that while S3 itself is slow, each new URL an attacker names holds the thread serving
that request for up to the download timeout.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import re
import ssl
import threading
import time
import urllib.parse
import urllib.request
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509 import verification as x509_verification

log = logging.getLogger(__name__)

CERT_URL_HEADER = "SignatureCertChainUrl"
SIGNATURE_HEADER = "Signature-256"

CERT_URL_HOST = "s3.amazonaws.com"
CERT_URL_PATH_PREFIX = "/echo.api/"
SIGNING_SAN = "echo-api.amazon.com"

#: Amazon's chain is a few KB; anything much bigger is not it and must not fill memory.
MAX_CHAIN_BYTES = 64 * 1024

#: Amazon's chain URLs are about 60 characters; a longer one is refused before it is parsed,
#: so what is kept in memory or written to the log about a URL stays small.
MAX_CERT_URL_LENGTH = 512
#: How much of a URL a log line shows.
LOGGED_URL_LENGTH = 120

#: A waiter gives the download it shares this long beyond the download timeout, for the chain
#: check that follows the download.
FLIGHT_GRACE_SECONDS = 1.0

#: Skill events (enable/disable, permission and account-link changes) are queued by Amazon
#: and may arrive up to an hour late; refusing them would silently drop e.g. a SkillDisabled
#: that should delete the user's data. The ASK SDKs allow the same hour.
SKILL_EVENT_PREFIX = "AlexaSkillEvent."
DEFAULT_EVENT_SKEW_SECONDS = 3600

_VISIBLE_ASCII = re.compile(r"[\x21-\x7e]+")
_UNPRINTABLE = re.compile(r"[^\x20-\x7e]")
_PLAIN_SEGMENT = re.compile(r"[A-Za-z0-9._~-]+")
#: An encoded "/" is a separator to some servers and part of a name to others.
_ENCODED_SLASH = re.compile(r"%2f", re.IGNORECASE)

_PEM_BLOCK = re.compile(
    rb"-----BEGIN CERTIFICATE-----\r?\n.+?\r?\n-----END CERTIFICATE-----", re.DOTALL
)


class VerificationError(Exception):
    """Raised for any reason a request must be refused.

    `str(exc)` is a short reason that is safe to return to the caller in a JSON error body:
    it never contains key material, certificate contents or a traceback. Details that help
    an operator go to the log instead.
    """


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _loggable(url: str) -> str:
    """A URL as a log line may show it: bounded in length and printable, because the URL may
    have come from anyone."""
    shown = url if len(url) <= LOGGED_URL_LENGTH else url[:LOGGED_URL_LENGTH] + "..."
    return _UNPRINTABLE.sub("?", shown)


# --- trust roots and download -------------------------------------------------------------


def default_ca_file() -> str:
    """The system's trust bundle, or certifi's where the OS has none (slim containers)."""
    cafile = ssl.get_default_verify_paths().cafile
    if cafile and os.path.isfile(cafile):
        return cafile
    import certifi  # only needed on hosts without a system bundle

    return certifi.where()


def load_trust_roots(path: str) -> list[x509.Certificate]:
    """Parse every certificate in a PEM bundle, skipping ones `cryptography` rejects.

    System bundles occasionally carry a legacy root with an encoding the strict parser
    refuses; one odd root must not make every request fail, so blocks are parsed one by one.
    """
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise VerificationError("trust roots unavailable") from exc
    try:
        return x509.load_pem_x509_certificates(data)
    except ValueError:
        pass
    roots = []
    for block in _PEM_BLOCK.findall(data):
        try:
            roots.append(x509.load_pem_x509_certificate(block))
        except ValueError:
            log.debug("skipping unparseable certificate in trust bundle %s", path)
    return roots


def build_ssl_context(cafile: str) -> ssl.SSLContext:
    """A client context that trusts exactly `cafile`, so a custom bundle replaces the
    system roots for the download as well as for the chain check."""
    try:
        return ssl.create_default_context(cafile=cafile)
    except (OSError, ssl.SSLError) as exc:
        raise VerificationError("trust roots unavailable") from exc


def download_pem(
    url: str,
    *,
    ssl_context: ssl.SSLContext,
    timeout: float,
    max_bytes: int = MAX_CHAIN_BYTES,
) -> bytes:
    """Fetch a certificate chain, bounded in time and size.

    The socket timeout alone bounds each read, not the whole transfer, so a server that
    drips one byte per second could hold a worker for minutes; an overall deadline of
    `timeout` is enforced between reads as well. Every failure becomes a VerificationError
    so the caller can answer 400 rather than 500.
    """
    deadline = time.monotonic() + timeout
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=ssl_context))
    try:
        with opener.open(url, timeout=timeout) as response:
            declared = response.headers.get("Content-Length")
            if declared is not None and declared.isdigit() and int(declared) > max_bytes:
                raise VerificationError("certificate chain too large")
            chunks: list[bytes] = []
            size = 0
            while True:
                if time.monotonic() > deadline:
                    raise TimeoutError("certificate download exceeded its deadline")
                # read1 returns what has arrived; read(n) would block until n bytes came.
                chunk = response.read1(min(8192, max_bytes + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
                if size > max_bytes:
                    raise VerificationError("certificate chain too large")
            return b"".join(chunks)
    except VerificationError:
        raise
    except Exception as exc:  # timeouts, refusals, TLS and HTTP errors alike
        log.warning("certificate download failed for %s: %s", _loggable(url), exc)
        raise VerificationError("certificate download failed") from exc


def make_downloader(
    *, ca_bundle: str | None = None, timeout: float = 2.0, max_bytes: int = MAX_CHAIN_BYTES
) -> Callable[[str], bytes]:
    """The default `fetch`: `download_pem` over TLS that trusts `ca_bundle` (or the system).

    The SSL context is built on the first download, not at import or construction, so a
    process that never sees a cold cache never reads the bundle for TLS.
    """
    lock = threading.Lock()
    context: list[ssl.SSLContext] = []

    def fetch(url: str) -> bytes:
        with lock:
            if not context:
                context.append(build_ssl_context(ca_bundle or default_ca_file()))
        return download_pem(url, ssl_context=context[0], timeout=timeout, max_bytes=max_bytes)

    return fetch


# --- individual checks ----------------------------------------------------------------------


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """Flask's headers are case-insensitive already; a plain dict is not."""
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        for key, candidate in headers.items():
            if key.lower() == lowered:
                value = candidate
                break
    return value or None


def check_cert_url(url: str) -> None:
    """Amazon's rules for `SignatureCertChainUrl`, applied to its canonical form.

    Without them an attacker could point us at a chain they control on any host; the chain
    check would still refuse it, but only after we downloaded whatever they served.
    """
    canonical_cert_url(url)


def canonical_cert_url(url: str) -> str:
    """The one spelling of an allowed cert URL: what is fetched, cached, and remembered as
    failed. Raises VerificationError for a URL outside Amazon's rules or not in plain form.

    Scheme and host case, the default port, percent-encoding and dot segments cannot make a
    new cache entry (and so a new download) out of the same chain; a URL that needs more than
    that to become plain is refused, as no spelling Alexa sends needs it.
    """
    if len(url) > MAX_CERT_URL_LENGTH:
        raise VerificationError("certificate URL is too long")
    if not _VISIBLE_ASCII.fullmatch(url):  # urlsplit would silently drop tabs and newlines
        raise VerificationError("certificate URL is invalid")
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise VerificationError("certificate URL is invalid") from exc
    if parts.scheme.lower() != "https":
        raise VerificationError("certificate URL must use https")
    if parts.hostname != CERT_URL_HOST or "@" in parts.netloc:  # hostname is lower-cased
        raise VerificationError("certificate URL host is not allowed")
    if port not in (None, 443):
        raise VerificationError("certificate URL port is not allowed")
    if "?" in url or "#" in url:
        raise VerificationError("certificate URL must not carry a query or fragment")
    return f"https://{CERT_URL_HOST}{_canonical_path(parts.path)}"


def _canonical_path(raw: str) -> str:
    """`raw` percent-decoded and with dot segments resolved (RFC 3986 6.2.2), if it is plain
    and names a file under /echo.api/.

    The path is decoded before it is resolved, so "%2e%2e" is a dot segment and cannot step
    out of /echo.api/ on a server that decodes first; the result is what gets fetched.
    """
    if _ENCODED_SLASH.search(raw):
        raise VerificationError("certificate URL is not in plain form")
    try:
        decoded = urllib.parse.unquote_to_bytes(raw).decode("ascii")
    except UnicodeDecodeError as exc:
        raise VerificationError("certificate URL is not in plain form") from exc
    if not decoded.startswith("/"):
        raise VerificationError("certificate URL path is not allowed")
    segments = decoded[1:].split("/")
    if not all(_PLAIN_SEGMENT.fullmatch(segment) for segment in segments):
        raise VerificationError("certificate URL is not in plain form")  # also: empty segments
    if segments[-1] in (".", ".."):
        raise VerificationError("certificate URL path is not allowed")  # a folder, not a file
    resolved: list[str] = []
    for segment in segments:
        if segment == "..":
            if resolved:
                resolved.pop()
        elif segment != ".":
            resolved.append(segment)
    if len(resolved) < 2 or f"/{resolved[0]}/" != CERT_URL_PATH_PREFIX:
        raise VerificationError("certificate URL path is not allowed")
    return "/" + "/".join(resolved)


def _decode_signature(value: str) -> bytes:
    try:
        return base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise VerificationError("signature is not valid base64") from exc


def _parse_envelope(body: bytes) -> dict:
    try:
        envelope = json.loads(body)
    except RecursionError as exc:  # deeper than the parser goes: no Alexa request is
        raise VerificationError("request body is nested too deeply") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise VerificationError("malformed request body") from exc
    if not isinstance(envelope, dict) or not isinstance(envelope.get("request"), dict):
        raise VerificationError("malformed request body")
    return envelope


def _parse_timestamp(value: object) -> datetime:
    if not isinstance(value, str):
        raise VerificationError("request timestamp is missing")
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError as exc:
        raise VerificationError("request timestamp is invalid") from exc
    if stamp.tzinfo is None:  # Amazon always sends "Z"; treat a bare one as UTC, not local
        stamp = stamp.replace(tzinfo=UTC)
    return stamp


def _application_id(envelope: dict) -> str | None:
    for path in (("context", "System", "application"), ("session", "application")):
        node: object = envelope
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict) and isinstance(node.get("applicationId"), str):
            return node["applicationId"]
    return None


# --- the verifier ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _TrustedChain:
    """What survives of a verified chain: enough to check a signature and notice expiry."""

    public_key: rsa.RSAPublicKey
    not_before: datetime
    not_after: datetime

    def valid_at(self, now: datetime) -> bool:
        return self.not_before <= now <= self.not_after


def _put_bounded(tier: OrderedDict[str, _TrustedChain], url: str, chain: _TrustedChain,
                 size: int) -> None:
    """Insert as most recently used; drop the least recently used beyond `size`."""
    if size <= 0:
        return
    tier[url] = chain
    tier.move_to_end(url)
    while len(tier) > size:
        tier.popitem(last=False)


class _ChainCache:
    """Verified chains by canonical URL, in two tiers that never evict each other.

    A chain enters *unproven*: it passed the chain check, but any unsigned request naming its
    URL could have put it here. It becomes *proven* when a request's signature verifies with its
    key, which only Alexa's requests do. However many chains unsigned requests name, they push
    out only each other, never the chain Alexa signs with. Not thread-safe: the verifier's lock
    guards it.
    """

    def __init__(self, *, proven_size: int, unproven_size: int) -> None:
        self.proven_size = proven_size
        self.unproven_size = unproven_size
        self._proven: OrderedDict[str, _TrustedChain] = OrderedDict()
        self._unproven: OrderedDict[str, _TrustedChain] = OrderedDict()

    def get(self, url: str, now: datetime) -> _TrustedChain | None:
        """The cached chain if it is valid at `now`; one that is not is dropped, so the caller
        fetches a fresh one (Amazon rotates the chain before it expires)."""
        for tier in (self._proven, self._unproven):
            chain = tier.get(url)
            if chain is None:
                continue
            if chain.valid_at(now):
                tier.move_to_end(url)
                return chain
            del tier[url]
        return None

    def add(self, url: str, chain: _TrustedChain) -> None:
        """A freshly downloaded chain: unproven until a signature verifies with it."""
        _put_bounded(self._unproven, url, chain, self.unproven_size)

    def promote(self, url: str, chain: _TrustedChain) -> None:
        """`chain` has verified a request's signature. It is passed in, rather than looked up,
        because unproven chains may have pushed it out of its tier in the meantime."""
        if self._proven.get(url) is chain:
            self._proven.move_to_end(url)
            return
        self._unproven.pop(url, None)
        _put_bounded(self._proven, url, chain, self.proven_size)


class _FailureMemory:
    """URLs whose download or chain check failed, until when; bounded, oldest forgotten first.

    A forgotten URL costs one more download if it is named again, never a wrong answer.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._until: OrderedDict[str, datetime] = OrderedDict()

    def failed(self, url: str, now: datetime) -> bool:
        until = self._until.get(url)
        if until is None:
            return False
        if now < until:
            return True
        del self._until[url]
        return False

    def remember(self, url: str, until: datetime) -> None:
        self._until[url] = until
        self._until.move_to_end(url)
        while len(self._until) > self.size:
            self._until.popitem(last=False)

    def forget(self, url: str) -> None:
        self._until.pop(url, None)


class _Flight:
    """A download in progress: every other request for the same URL waits for it and gets its
    chain or its failure, instead of downloading again."""

    def __init__(self) -> None:
        self._done = threading.Event()
        self._chain: _TrustedChain | None = None
        self._reason = "certificate download failed"

    def finish(self, chain: _TrustedChain | None, reason: str) -> None:
        self._chain, self._reason = chain, reason
        self._done.set()

    def wait(self, timeout: float) -> _TrustedChain:
        if not self._done.wait(timeout):
            raise VerificationError("certificate download failed")
        if self._chain is None:
            # A fresh exception per waiter: one instance raised in many threads would share
            # (and keep growing) a traceback.
            raise VerificationError(self._reason)
        return self._chain


class RequestVerifier:
    """Verifies that an HTTP request really comes from Alexa, and returns its envelope.

    One instance is shared by all worker threads; it caches verified chains by canonical URL
    so that a warm request costs one RSA verification and a JSON parse. `cache_size` bounds the
    chains no request has proven yet, `proven_cache_size` those that verified a signature
    (Amazon signs with one chain at a time, a second one while it rotates).
    """

    def __init__(
        self,
        *,
        skill_id: str | None = None,
        ca_bundle: str | None = None,
        fetch: Callable[[str], bytes] | None = None,
        timeout: float = 2.0,
        cache_size: int = 16,
        proven_cache_size: int = 4,
        max_skew_seconds: int = 150,
        clock: Callable[[], datetime] | None = None,
        max_event_skew_seconds: int = DEFAULT_EVENT_SKEW_SECONDS,
        failure_seconds: int = 10,
        max_failed_urls: int = 1024,
    ) -> None:
        if min(cache_size, proven_cache_size, max_failed_urls) < 0:
            raise ValueError("cache sizes must not be negative")
        self.skill_id = skill_id
        self.ca_bundle = ca_bundle
        self.timeout = timeout
        self.max_skew = timedelta(seconds=max_skew_seconds)
        self.max_event_skew = timedelta(seconds=max(max_event_skew_seconds, max_skew_seconds))
        self.failure_window = timedelta(seconds=failure_seconds)
        self._fetch = fetch or make_downloader(ca_bundle=ca_bundle, timeout=timeout)
        self._clock = clock or _utcnow
        # One lock for the cache, the failure memory and the flights: each is touched for a
        # dictionary operation or two, never across a download or an RSA operation.
        self._lock = threading.Lock()
        self._roots_lock = threading.Lock()  # separate, so parsing roots never blocks cache hits
        self._cache = _ChainCache(proven_size=proven_cache_size, unproven_size=cache_size)
        self._failures = _FailureMemory(max_failed_urls)
        self._flights: dict[str, _Flight] = {}
        self._store: x509_verification.Store | None = None

    # -- public -----------------------------------------------------------------------------

    def verify(self, headers: Mapping[str, str], body: bytes) -> dict:
        """Check everything Amazon requires; return the parsed JSON envelope.

        Raises VerificationError with a short reason for the first check that fails.
        """
        cert_url = _header(headers, CERT_URL_HEADER)
        signature_b64 = _header(headers, SIGNATURE_HEADER)
        if cert_url is None:
            raise VerificationError(f"missing {CERT_URL_HEADER} header")
        if signature_b64 is None:
            raise VerificationError(f"missing {SIGNATURE_HEADER} header")
        url = canonical_cert_url(cert_url)
        signature = _decode_signature(signature_b64)  # junk is refused before any download

        chain = self._trusted_chain(url)
        try:
            chain.public_key.verify(signature, body, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature as exc:
            raise VerificationError("signature does not match the request body") from exc
        with self._lock:
            self._cache.promote(url, chain)

        envelope = _parse_envelope(body)
        request = envelope["request"]
        stamp = _parse_timestamp(request.get("timestamp"))
        request_type = request.get("type")
        is_event = isinstance(request_type, str) and request_type.startswith(SKILL_EVENT_PREFIX)
        allowed = self.max_event_skew if is_event else self.max_skew
        if abs(self._clock() - stamp) > allowed:
            raise VerificationError("request timestamp is too far from now")

        if self.skill_id is not None and _application_id(envelope) != self.skill_id:
            raise VerificationError("request is for another skill")
        return envelope

    # -- chain handling ---------------------------------------------------------------------

    def _trusted_chain(self, url: str) -> _TrustedChain:
        """The verified chain for canonical `url`: cached, shared with a download already in
        progress, or downloaded now. A URL that failed recently is refused at once."""
        now = self._clock()
        with self._lock:
            cached = self._cache.get(url, now)
            if cached is not None:
                return cached
            if self._failures.failed(url, now):
                raise VerificationError("certificate download failed")
            flight = self._flights.get(url)
            leading = flight is None
            if flight is None:
                flight = self._flights[url] = _Flight()
        if not leading:
            return flight.wait(self.timeout + FLIGHT_GRACE_SECONDS)
        return self._lead(url, flight, now)

    def _lead(self, url: str, flight: _Flight, now: datetime) -> _TrustedChain:
        """Download and check the chain for everyone waiting on `flight`.

        Network and chain building happen outside the lock, so one slow download stalls only
        the requests that need that chain. The outcome is recorded (cache or failure memory)
        before the flight is removed, so a request arriving in between finds one or the other.
        """
        chain: _TrustedChain | None = None
        reason = "certificate download failed"
        try:
            chain = self._fetch_and_verify(url, now)
            return chain
        except VerificationError as exc:
            reason = str(exc)
            raise
        finally:
            with self._lock:
                if chain is not None:
                    self._cache.add(url, chain)
                    self._failures.forget(url)
                else:
                    self._failures.remember(url, now + self.failure_window)
                del self._flights[url]
            flight.finish(chain, reason)

    def _fetch_and_verify(self, url: str, now: datetime) -> _TrustedChain:
        try:
            pem = self._fetch(url)
        except VerificationError:
            raise
        except Exception as exc:  # an injected fetch may raise anything
            log.warning("certificate download failed for %s: %s", _loggable(url), exc)
            raise VerificationError("certificate download failed") from exc

        try:
            certs = x509.load_pem_x509_certificates(pem)
        except ValueError as exc:
            raise VerificationError("certificate chain is unreadable") from exc
        leaf, intermediates = certs[0], certs[1:]

        verifier = (
            x509_verification.PolicyBuilder()
            .store(self._trust_store())
            .time(now)
            .build_server_verifier(x509_verification.DNSName(SIGNING_SAN))
        )
        try:
            path = verifier.verify(leaf, intermediates)
        except x509_verification.VerificationError as exc:
            # Expired, not yet valid, wrong SAN, untrusted issuer: cryptography's message says
            # which, but it names certificates, so it goes to the log, not to the caller.
            log.warning("certificate chain from %s refused: %s", _loggable(url), exc)
            raise VerificationError("certificate chain is not trusted") from exc

        try:
            public_key = leaf.public_key()
        except (ValueError, UnsupportedAlgorithm) as exc:
            raise VerificationError("certificate key is unusable") from exc
        if not isinstance(public_key, rsa.RSAPublicKey):
            raise VerificationError("certificate key is not RSA")

        # The whole path must still be valid when a cached entry is reused, so keep the
        # narrowest window; usually that is just the leaf's.
        return _TrustedChain(
            public_key=public_key,
            not_before=max(cert.not_valid_before_utc for cert in path),
            not_after=min(cert.not_valid_after_utc for cert in path),
        )

    def _trust_store(self) -> x509_verification.Store:
        """Parse the roots once, on first use: the system bundle holds ~150 certificates."""
        with self._roots_lock:
            if self._store is None:
                roots = load_trust_roots(self.ca_bundle or default_ca_file())
                if not roots:
                    raise VerificationError("trust roots unavailable")
                self._store = x509_verification.Store(roots)
            return self._store

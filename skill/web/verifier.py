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
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import posixpath
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

#: Skill events (enable/disable, permission and account-link changes) are queued by Amazon
#: and may arrive up to an hour late; refusing them would silently drop e.g. a SkillDisabled
#: that should delete the user's data. The ASK SDKs allow the same hour.
SKILL_EVENT_PREFIX = "AlexaSkillEvent."
DEFAULT_EVENT_SKEW_SECONDS = 3600

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
        log.warning("certificate download failed for %s: %s", url, exc)
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
    """Amazon's rules for `SignatureCertChainUrl`.

    Without them an attacker could point us at a chain they control on any host; the chain
    check would still refuse it, but only after we downloaded whatever they served.
    """
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise VerificationError("certificate URL is invalid") from exc
    if parts.scheme.lower() != "https":
        raise VerificationError("certificate URL must use https")
    if (parts.hostname or "") != CERT_URL_HOST or parts.username or parts.password:
        raise VerificationError("certificate URL host is not allowed")
    if port not in (None, 443):
        raise VerificationError("certificate URL port is not allowed")
    # Check both the literal and the percent-decoded path, so "%2e%2e" cannot step out of
    # /echo.api/ on a server that decodes before resolving.
    for path in (parts.path, urllib.parse.unquote(parts.path)):
        if not posixpath.normpath(path or "/").startswith(CERT_URL_PATH_PREFIX):
            raise VerificationError("certificate URL path is not allowed")
    if parts.query or parts.fragment or url.rstrip().endswith(("?", "#")):
        raise VerificationError("certificate URL must not carry a query or fragment")


def canonical_cert_url(url: str) -> str:
    """The one spelling of an allowed cert URL: what is fetched, and what the cache is keyed on.

    Scheme and host case, the default port and dot segments cannot make a new cache entry
    (and so a new download) out of the same chain.
    """
    check_cert_url(url)
    path = posixpath.normpath(urllib.parse.urlsplit(url).path)
    return f"https://{CERT_URL_HOST}{path}"


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


class RequestVerifier:
    """Verifies that an HTTP request really comes from Alexa, and returns its envelope.

    One instance is shared by all worker threads; it caches verified chains by URL so that
    a warm request costs one RSA verification and a JSON parse.
    """

    def __init__(
        self,
        *,
        skill_id: str | None = None,
        ca_bundle: str | None = None,
        fetch: Callable[[str], bytes] | None = None,
        timeout: float = 2.0,
        cache_size: int = 16,
        max_skew_seconds: int = 150,
        clock: Callable[[], datetime] | None = None,
        max_event_skew_seconds: int = DEFAULT_EVENT_SKEW_SECONDS,
        failure_seconds: int = 10,
        max_downloads_per_minute: int = 30,
    ) -> None:
        if cache_size < 0:
            raise ValueError("cache_size must not be negative")
        self.skill_id = skill_id
        self.ca_bundle = ca_bundle
        self.timeout = timeout
        self.cache_size = cache_size
        self.max_skew = timedelta(seconds=max_skew_seconds)
        self.max_event_skew = timedelta(seconds=max(max_event_skew_seconds, max_skew_seconds))
        self._fetch = fetch or make_downloader(ca_bundle=ca_bundle, timeout=timeout)
        self._clock = clock or _utcnow
        self._lock = threading.Lock()
        self._roots_lock = threading.Lock()  # separate, so parsing roots never blocks cache hits
        self._cache: OrderedDict[str, _TrustedChain] = OrderedDict()
        self._store: x509_verification.Store | None = None
        # A chain that just failed is not fetched again for a little while, and downloads
        # are capped per minute: unsigned requests must not be able to make us fetch at will.
        self.failure_window = timedelta(seconds=failure_seconds)
        self.max_downloads_per_minute = max_downloads_per_minute
        self._failed: OrderedDict[str, datetime] = OrderedDict()
        self._downloads: list[datetime] = []

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

        chain = self._trusted_chain(canonical_cert_url(cert_url))

        try:
            chain.public_key.verify(
                _decode_signature(signature_b64), body, padding.PKCS1v15(), hashes.SHA256()
            )
        except InvalidSignature as exc:
            raise VerificationError("signature does not match the request body") from exc

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
        now = self._clock()
        with self._lock:
            cached = self._cache.get(url)
            if cached is not None:
                if cached.not_before <= now <= cached.not_after:
                    self._cache.move_to_end(url)
                    return cached
                del self._cache[url]  # expired since it was verified: fetch a fresh one
            failed_until = self._failed.get(url)
            if failed_until is not None and now < failed_until:
                raise VerificationError("certificate download failed")
            self._downloads = [t for t in self._downloads if now - t < timedelta(minutes=1)]
            if len(self._downloads) >= self.max_downloads_per_minute:
                log.warning("certificate downloads capped: %d in the last minute",
                            len(self._downloads))
                raise VerificationError("certificate download failed")
            self._downloads.append(now)

        # Network and chain building happen outside the lock so one slow download does not
        # stall requests whose chain is already cached. Two threads may race on a cold URL;
        # both produce the same result and the second simply overwrites the first.
        try:
            chain = self._fetch_and_verify(url, now)
        except VerificationError:
            with self._lock:
                self._failed[url] = now + self.failure_window
                self._failed.move_to_end(url)
                while len(self._failed) > max(self.cache_size, 1) * 4:
                    self._failed.popitem(last=False)
            raise
        with self._lock:
            self._failed.pop(url, None)
        if self.cache_size:
            with self._lock:
                self._cache[url] = chain
                self._cache.move_to_end(url)
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        return chain

    def _fetch_and_verify(self, url: str, now: datetime) -> _TrustedChain:
        try:
            pem = self._fetch(url)
        except VerificationError:
            raise
        except Exception as exc:  # an injected fetch may raise anything
            log.warning("certificate download failed for %s: %s", url, exc)
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
            log.warning("certificate chain from %s refused: %s", url, exc)
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

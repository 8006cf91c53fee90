"""Sign requests the way Alexa does, with a throwaway certificate authority made at start.

`mat-coach try` keeps request verification ON: every envelope the local device page sends is
signed like Alexa's, and the production verifier checks it against this run's own root (and
nothing else), so trying the skill exercises the same path as a request from Amazon. The CA keys
live in memory for one run only; the root certificate, and the loopback server's own TLS key
and certificate, go to this run's private temporary directory, because `ssl` and the verifier
read them from files.

The signing certificate mirrors Amazon's: `CN=echo-api.amazon.com`, a non-critical
subjectAltName for that name, serverAuth usage, issued by an intermediate, so the chain PEM is
"leaf, intermediate" like the one Amazon publishes. The test suite builds its signers with the
same `issue_leaf`, on a trustme CA.
"""

from __future__ import annotations

import base64
import ipaddress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ECHO_API_SAN = "echo-api.amazon.com"
#: Where Amazon publishes its signing chain; local stand-ins serve it at the same path.
CHAIN_PATH = "/echo.api/echo-api-cert.pem"
CERT_URL = f"https://s3.amazonaws.com{CHAIN_PATH}"


def _usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True, key_encipherment=not ca, content_commitment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
        encipher_only=False, decipher_only=False,
    )


def issue_leaf(
    issuer_key: rsa.RSAPrivateKey,
    issuer_cert: x509.Certificate,
    *,
    san: str = ECHO_API_SAN,
    ip: str | None = None,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A new RSA key and its end-entity certificate for DNS name `san` (and `ip`, for a TLS
    server on loopback), valid from a day ago for a year unless told otherwise."""
    now = datetime.now(UTC)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    names: list[x509.GeneralName] = [x509.DNSName(san)]
    if ip:
        names.append(x509.IPAddress(ipaddress.ip_address(ip)))
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, san)]))
        .issuer_name(issuer_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - timedelta(days=1))
        .not_valid_after(not_after or now + timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(ca=False), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH,
                                   ExtendedKeyUsageOID.CLIENT_AUTH]),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
        .sign(issuer_key, hashes.SHA256())
    )
    return key, certificate


def _ca(name: str, issuer: tuple[rsa.RSAPrivateKey, x509.Certificate] | None,
        ) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A CA certificate: self-signed when `issuer` is None, else issued by it."""
    now = datetime.now(UTC)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mat-coach try"),
                         x509.NameAttribute(NameOID.COMMON_NAME, name)])
    signer_key, issuer_name = (key, subject) if issuer is None else (issuer[0],
                                                                     issuer[1].subject)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None if issuer is None
                                             else 0), critical=True)
        .add_extension(_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer_key.public_key()),
            critical=False,
        )
        .sign(signer_key, hashes.SHA256())
    )
    return key, certificate


def pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


@dataclass(frozen=True)
class AlexaSigner:
    """A signing key plus the PEM chain that vouches for it."""

    private_key: rsa.RSAPrivateKey = field(repr=False)
    certificate: x509.Certificate
    chain_pem: bytes  # leaf first, then the issuing CA(s) up to, not including, the root

    def sign(self, body: bytes) -> str:
        """The `Signature-256` header value: base64 RSA-PKCS1v15-SHA256 over the raw body."""
        signature = self.private_key.sign(body, padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(signature).decode("ascii")

    def headers(self, body: bytes, cert_url: str = CERT_URL) -> dict[str, str]:
        """The headers Alexa sends with a signed request."""
        return {
            "SignatureCertChainUrl": cert_url,
            "Signature-256": self.sign(body),
            "Content-Type": "application/json",
        }


class LocalCA:
    """A root and an intermediate made for one run: signs requests, and vouches for the local
    Alexa's loopback HTTPS server."""

    def __init__(self) -> None:
        self._root = _ca("mat-coach try root", None)
        self._intermediate = _ca("mat-coach try intermediate", self._root)
        key, certificate = issue_leaf(*self._intermediate)
        self.signer = AlexaSigner(key, certificate, pem(certificate) + pem(self._intermediate[1]))

    @property
    def root_pem(self) -> bytes:
        return pem(self._root[1])

    def server_files(self) -> tuple[bytes, bytes]:
        """(certificate chain PEM, key PEM) for a TLS server on 127.0.0.1."""
        key, certificate = issue_leaf(*self._intermediate, san="localhost", ip="127.0.0.1")
        key_pem = key.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.TraditionalOpenSSL,
                                    serialization.NoEncryption())
        return pem(certificate) + pem(self._intermediate[1]), key_pem

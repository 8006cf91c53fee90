"""Sign requests the way Alexa does, with a throwaway CA, for tests and benchmarks.

The product only ever verifies; the signing half lives here so it can never ship.

Why the leaf is built by hand instead of with `trustme.CA.issue_cert`: trustme marks the
subjectAltName extension critical while also giving the certificate a non-empty subject,
which the strict Web PKI policy in `cryptography.x509.verification` refuses (RFC 5280
4.2.1.6). Amazon's real signing certificate has `CN=echo-api.amazon.com`, a non-critical
SAN and serverAuth usage; the leaf below mirrors that. By default it is issued by an
intermediate CA so the chain PEM is "leaf, intermediate" like the one Amazon publishes.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ECHO_API_SAN = "echo-api.amazon.com"
#: Where Amazon publishes its signing chain; loopback stand-ins serve it at the same path.
CHAIN_PATH = "/echo.api/echo-api-cert.pem"
CERT_URL = f"https://s3.amazonaws.com{CHAIN_PATH}"


def rsa_ca() -> trustme.CA:
    """A root CA with an RSA key: Amazon's chain is RSA throughout, trustme defaults to ECDSA."""
    return trustme.CA(key_type=trustme.KeyType.RSA)


@dataclass(frozen=True)
class AlexaSigner:
    """A signing key plus the PEM chain that vouches for it."""

    private_key: rsa.RSAPrivateKey = field(repr=False)
    certificate: x509.Certificate
    chain_pem: bytes  # leaf first, then the issuing CA(s) up to, not including, the root

    @classmethod
    def create(
        cls,
        ca: trustme.CA,
        *,
        san: str = ECHO_API_SAN,
        not_after: datetime | None = None,
        not_before: datetime | None = None,
        intermediate: bool = True,
    ) -> AlexaSigner:
        """Issue an RSA leaf for `san`, valid from a day ago for a year unless told otherwise."""
        issuer_ca = ca.create_child_ca(key_type=trustme.KeyType.RSA) if intermediate else ca
        issuer_key = serialization.load_pem_private_key(issuer_ca.private_key_pem.bytes(), None)
        issuer_cert = x509.load_pem_x509_certificate(issuer_ca.cert_pem.bytes())

        now = datetime.now(UTC)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        usage = x509.KeyUsage(
            digital_signature=True,
            key_encipherment=True,
            content_commitment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=False,
            crl_sign=False,
            encipher_only=False,
            decipher_only=False,
        )
        certificate = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, san)]))
            .issuer_name(issuer_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before or now - timedelta(days=1))
            .not_valid_after(not_after or now + timedelta(days=365))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(san)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(usage, critical=True)
            .add_extension(
                x509.ExtendedKeyUsage(
                    [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
                ),
                critical=False,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                critical=False,
            )
            .sign(issuer_key, hashes.SHA256())
        )
        chain_pem = certificate.public_bytes(serialization.Encoding.PEM)
        if intermediate:
            chain_pem += issuer_ca.cert_pem.bytes()
        return cls(private_key=key, certificate=certificate, chain_pem=chain_pem)

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

"""Sign requests the way Alexa does, with a trustme CA, for tests and benchmarks.

The signing itself is the product's (`skill.tryout.signing`, which `mat-coach try` uses with a
throwaway CA of its own); this module issues signers from a trustme CA, with the options tests
need (expired, not yet valid, another name, no intermediate).

Why the leaf is built by hand instead of with `trustme.CA.issue_cert`: trustme marks the
subjectAltName extension critical while also giving the certificate a non-empty subject,
which the strict Web PKI policy in `cryptography.x509.verification` refuses (RFC 5280
4.2.1.6). Amazon's real signing certificate has `CN=echo-api.amazon.com`, a non-critical
SAN and serverAuth usage; `skill.tryout.signing.issue_leaf` mirrors that.
"""

from __future__ import annotations

from datetime import datetime

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from skill.tryout import signing
from skill.tryout.signing import CERT_URL, CHAIN_PATH, ECHO_API_SAN

__all__ = ["CERT_URL", "CHAIN_PATH", "ECHO_API_SAN", "AlexaSigner", "rsa_ca"]


def rsa_ca() -> trustme.CA:
    """A root CA with an RSA key: Amazon's chain is RSA throughout, trustme defaults to ECDSA."""
    return trustme.CA(key_type=trustme.KeyType.RSA)


class AlexaSigner(signing.AlexaSigner):
    """A signing key plus the PEM chain that vouches for it, issued from a trustme CA."""

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
        key, certificate = signing.issue_leaf(issuer_key, issuer_cert, san=san,  # type: ignore[arg-type]
                                              not_before=not_before, not_after=not_after)
        chain_pem = signing.pem(certificate)
        if intermediate:
            chain_pem += issuer_ca.cert_pem.bytes()
        return cls(private_key=key, certificate=certificate, chain_pem=chain_pem)

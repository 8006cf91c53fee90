"""Who a local API call is from, and whether they allowed it: shared by the local Timers and
Reminders APIs, which keep the same rule (allowed until revoked, 401 from then on)."""

from __future__ import annotations

import threading


def owner_of(token: str) -> str:
    """The user a bearer token (or an `Authorization` value) stands for: the header value."""
    return token if token.startswith("Bearer ") else f"Bearer {token}"


class Consent:
    """Per-user permission state: granted unless `revoke`d. Subclasses set up `consent` and
    `lock` (the same lock that guards the rest of their state)."""

    consent: dict[str, bool]
    lock: threading.Lock

    def revoke(self, token: str) -> None:
        """The user has not granted (or has withdrawn) the permission: 401 from now on."""
        with self.lock:
            self.consent[owner_of(token)] = False

    def grant(self, token: str) -> None:
        """The user grants the permission (by voice, or in the Alexa app)."""
        with self.lock:
            self.consent[owner_of(token)] = True

    def granted(self, token: str) -> bool:
        return self.consent.get(owner_of(token)) is not False

"""Runtime settings, read once from the environment.

One frozen object is passed to the skill builder, the web app and the Lambda handler so
that tests can build any of them with explicit values instead of patching the environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_MAX_BODY_BYTES = 128 * 1024


def default_store_url() -> str:
    """The embedded SQLite file under the user's data directory.

    The Lambda artifact leaves platformdirs out (the template always names a store); should a
    function run without one anyway, the writable temp directory keeps it working.
    """
    try:
        from platformdirs import user_data_dir  # only needed when no store is configured
    except ImportError:
        import tempfile

        directory = os.path.join(tempfile.gettempdir(), "mat-coach")
    else:
        directory = user_data_dir("mat-coach", appauthor=False)
    return f"sqlite://{os.path.join(os.path.abspath(directory), 'mat-coach.db')}"


@dataclass(frozen=True)
class Settings:
    """Everything that differs between a laptop, a test and a Lambda deployment."""

    skill_id: str | None = None
    store_url: str | None = None
    ca_bundle: str | None = None
    verify_requests: bool = True
    api_timeout: float = 2.0
    cert_timeout: float = 2.0
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    #: Seeds the choice of spoken variants, so a test's replies repeat run after run;
    #: None (production) picks from the OS's random bytes.
    voice_seed: int | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Read `MAT_COACH_*` variables; explicit keyword overrides win."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {
            "skill_id": env.get("MAT_COACH_SKILL_ID") or None,
            "store_url": env.get("MAT_COACH_STORE") or None,
            "ca_bundle": env.get("MAT_COACH_CA_BUNDLE") or None,
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]

    def resolved_store_url(self) -> str:
        """The configured store, or the embedded default."""
        return self.store_url or default_store_url()

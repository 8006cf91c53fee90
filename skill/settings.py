"""Runtime settings, read once from the environment.

One frozen object is passed to the skill builder, the web app and the Lambda handler so
that tests can build any of them with explicit values instead of patching the environment.
It is also the one place that refuses a configuration no door may run with: outside
development mode, a skill ID is required (`SettingsError`, one line saying what to set).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_MAX_BODY_BYTES = 128 * 1024
SKILL_ID_VARIABLE = "MAT_COACH_SKILL_ID"
ALLOW_ANY_SKILL_VARIABLE = "MAT_COACH_ALLOW_ANY_SKILL"
METRICS_PORT_VARIABLE = "MAT_COACH_METRICS_PORT"
METRICS_HOST_VARIABLE = "MAT_COACH_METRICS_HOST"
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")


class SettingsError(ValueError):
    """A configuration no door may run with; the message is one line saying what to set."""


class MissingSkillId(SettingsError):
    """Verified mode without a skill ID (and without `allow_any_skill`)."""


def _flag(env: Mapping[str, str], name: str) -> bool:
    """A yes/no variable; a value that is neither is refused rather than guessed at."""
    value = env.get(name, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingsError(f"{name}={env.get(name)!r} is not true or false")


def _port(env: Mapping[str, str], name: str) -> int | None:
    """A TCP port, or None when unset; anything else is refused rather than guessed at."""
    value = env.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise SettingsError(f"{name}={env.get(name)!r} is not a port number (1-65535)")
    return int(value)


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
    """Everything that differs between a laptop, a test and a Lambda deployment.

    `verify_requests=False` is development mode (`mat-coach serve --dev`, tests): no signature
    checks at the web door, and no skill ID needed at either door. Otherwise a door without a
    skill ID would answer, and store the users of, any Alexa skill that finds its address, so
    building such settings fails unless `allow_any_skill` says so explicitly.
    """

    skill_id: str | None = None
    #: Answer requests addressed to any skill (`MAT_COACH_ALLOW_ANY_SKILL=true`): only for a
    #: deployment that deliberately serves several skills and checks applicationId itself.
    allow_any_skill: bool = False
    store_url: str | None = None
    ca_bundle: str | None = None
    verify_requests: bool = True
    api_timeout: float = 2.0
    cert_timeout: float = 2.0
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    #: Seeds the choice of spoken variants, so a test's replies repeat run after run;
    #: None (production) picks from the OS's random bytes.
    voice_seed: int | None = None
    #: The Prometheus metrics port of `mat-coach serve` (`MAT_COACH_METRICS_PORT`): None, the
    #: default, serves no metrics at all. Its own port, so it is never exposed with the skill.
    metrics_port: int | None = None
    #: Where that port listens (`MAT_COACH_METRICS_HOST`): loopback unless told otherwise.
    metrics_host: str = "127.0.0.1"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Read `MAT_COACH_*` variables; explicit keyword overrides win."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {
            "skill_id": env.get(SKILL_ID_VARIABLE, "").strip() or None,
            "allow_any_skill": _flag(env, ALLOW_ANY_SKILL_VARIABLE),
            "store_url": env.get("MAT_COACH_STORE") or None,
            "ca_bundle": env.get("MAT_COACH_CA_BUNDLE") or None,
            "metrics_port": _port(env, METRICS_PORT_VARIABLE),
            "metrics_host": env.get(METRICS_HOST_VARIABLE, "").strip() or "127.0.0.1",
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]

    def __post_init__(self) -> None:
        if self.metrics_port is not None and not 0 < self.metrics_port < 65536:
            raise SettingsError(f"metrics port {self.metrics_port} is not a port number")
        if self.verify_requests and not self.skill_id and not self.allow_any_skill:
            raise MissingSkillId(
                f"{SKILL_ID_VARIABLE} is not set: set it to your skill's ID from the Alexa "
                "developer console (amzn1.ask.skill.…), or use `mat-coach serve --dev` for "
                "local testing"
            )

    def resolved_store_url(self) -> str:
        """The configured store, or the embedded default."""
        return self.store_url or default_store_url()

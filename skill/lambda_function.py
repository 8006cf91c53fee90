"""AWS Lambda entry point: `skill.lambda_function.handler`.

Imports only the skill itself (no Flask, no verifier: Alexa's trigger already authenticates
the caller, and the SkillId on the trigger plus `MAT_COACH_SKILL_ID` keep other skills out).
`create_handler(settings)` mirrors the web door's `create_app(settings)`: tests and benchmarks
build a Lambda door from `Settings`; the module-level `handler` AWS calls builds its skill from
the environment on the first invocation and reuses it while the container stays warm.

Without `MAT_COACH_SKILL_ID` the function refuses every event (the invocation fails with one
line saying what to set) unless `MAT_COACH_ALLOW_ANY_SKILL=true` says otherwise: a function
reachable from another skill's trigger would otherwise store that skill's users silently.

Every invocation writes one line to stdout: a CloudWatch embedded-metric-format document that is
both the request's log line and its metrics (`skill.telemetry.emf`), under the invocation's
Lambda request id. Tests pass their own `telemetry` to read those lines.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

from skill.builder import build_skill, intent_names
from skill.dispatch import BadRequest, handle_envelope
from skill.settings import ALLOW_ANY_SKILL_VARIABLE, MissingSkillId, Settings
from skill.telemetry import Telemetry

log = logging.getLogger(__name__)

LambdaHandler = Callable[[object, object], dict]

#: What the function says when it has no skill ID: the Lambda way to set it, not `--dev`.
LAMBDA_MISSING_SKILL_ID = (
    "MAT_COACH_SKILL_ID is not set in the function's environment: deploy template.yaml with "
    f"AlexaSkillId=amzn1.ask.skill.…, or set {ALLOW_ANY_SKILL_VARIABLE}=true to answer any skill"
)


def _settings_from_env() -> Settings:
    try:
        return Settings.from_env()
    except MissingSkillId:
        raise MissingSkillId(LAMBDA_MISSING_SKILL_ID) from None


def lambda_telemetry() -> Telemetry:
    """The Lambda door's recorder: each request's EMF document to stdout."""
    from skill.telemetry.emf import EmfSink

    return Telemetry([EmfSink()], door="lambda", intents=intent_names())


def create_handler(settings: Settings | None = None, *, skill=None, eager: bool = False,
                   telemetry: Telemetry | None = None) -> LambdaHandler:
    """A Lambda handler for `settings` (the environment when None), built on first event.

    `eager` builds the skill now and registers the SnapStart after-restore hook: for the init
    phase that SnapStart snapshots, so that restored copies start with the skill built.
    `telemetry` replaces the door's recorder (`lambda_telemetry`).
    """
    built = [skill]
    recorder = telemetry or lambda_telemetry()
    if eager:
        from skill import snapstart

        if built[0] is None:
            built[0] = build_skill(settings or _settings_from_env())
        snapstart.register_after_restore(lambda: snapstart.after_restore(built[0]))

    def handle(event: object, context: object) -> dict:
        """Answer one Alexa event; a malformed one gets a short error object, not a crash."""
        with recorder.request(event, getattr(context, "aws_request_id", None)) as facts:
            if built[0] is None:
                built[0] = build_skill(settings or _settings_from_env())
            try:
                answer = handle_envelope(built[0], event, context)
            except BadRequest as exc:
                facts.fail(exc.kind)
                log.warning("refused event: %s", exc)
                return {"error": str(exc)}
            facts.read_response(answer)
            return answer

    return handle


#: During the init that SnapStart snapshots (skill.snapstart.SNAPSHOT_INIT) the skill is built
#: at import; otherwise on the first event, so a plain cold start pays only for what it uses.
handler: LambdaHandler = create_handler(
    eager=os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "snap-start"
)

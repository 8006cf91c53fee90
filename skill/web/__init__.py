"""Self-hosted HTTPS endpoint for the skill: a Flask app factory.

`POST /` is the Alexa endpoint, `GET /healthz` a liveness probe. Every request is verified
as Amazon requires before any JSON is trusted; verification is off only when the app is
built with `verify_requests=False` (`mat-coach serve --dev`), and the log says so.

Every `POST /` gets one request line in the log (logger `skill.requests`), refusals included,
and, when `settings.metrics_port` is set, its Prometheus metrics (`skill.web.metrics`): both
from the request's telemetry (`skill.telemetry`).
"""

from __future__ import annotations

import json
import logging

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from skill.builder import build_skill, intent_names
from skill.dispatch import BadRequest, handle_envelope
from skill.settings import Settings
from skill.telemetry import Telemetry
from skill.web.logs import RequestLogSink

log = logging.getLogger(__name__)

#: What every oversized body is told, by the app or by waitress in front of it.
BODY_TOO_LARGE = "request body too large"
#: What a fault of ours is told: nothing more, the cause goes to the log.
INTERNAL_ERROR = "internal error"


def error_json(message: str) -> str:
    """The body of every refusal, from the app or from the server (`skill.web.server`)."""
    return json.dumps({"error": message})


def _error(status: int, message: str) -> Response:
    return Response(error_json(message), status=status, mimetype="application/json")


def web_telemetry(settings: Settings) -> Telemetry:
    """The web door's recorder: the request line, and metrics when a metrics port is set."""
    sinks: list = [RequestLogSink()]
    if settings.metrics_port is not None:
        from skill.web.metrics import process_sink

        sinks.append(process_sink())
    return Telemetry(sinks, door="web", intents=intent_names())


def create_app(settings: Settings | None = None, *, skill=None, verifier=None,
               telemetry: Telemetry | None = None) -> Flask:
    """Build the app. `skill`, `verifier` and `telemetry` may be passed in by tests and
    benchmarks."""
    settings = settings or Settings.from_env()
    recorder = telemetry or web_telemetry(settings)
    app = Flask(__name__)
    # One byte more than the limit: for a body without Content-Length (chunked), werkzeug
    # reads at most MAX_CONTENT_LENGTH bytes and returns them without complaint, so with the
    # limit itself an oversized body would arrive silently cut to exactly the limit. With one
    # byte of slack, `len(body) > max_body_bytes` below tells the two apart (413, not 400).
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes + 1
    skill = skill or build_skill(settings)
    if settings.verify_requests:
        if verifier is None:
            from skill.web.verifier import RequestVerifier

            verifier = RequestVerifier(
                skill_id=settings.skill_id,
                ca_bundle=settings.ca_bundle,
                timeout=settings.cert_timeout,
            )
    else:
        verifier = None
        log.warning("request verification is OFF (development mode): never expose this server")
    app.extensions["mat_coach.skill"] = skill
    app.extensions["mat_coach.verifier"] = verifier

    @app.get("/healthz")
    def healthz() -> Response:
        return Response(json.dumps({"status": "ok"}), mimetype="application/json")

    @app.post("/")
    def alexa() -> Response:
        with recorder.request() as facts:
            length = request.content_length
            if length is not None and length > settings.max_body_bytes:
                facts.fail("too_large")
                return _error(413, BODY_TOO_LARGE)
            try:
                body = request.get_data(cache=False)
            except HTTPException as exc:  # the body did not arrive whole, or was too large
                facts.fail("too_large" if exc.code == 413 else "bad_request")
                raise
            if len(body) > settings.max_body_bytes:
                facts.fail("too_large")
                return _error(413, BODY_TOO_LARGE)
            if verifier is not None:
                from skill.web.verifier import VerificationError

                try:
                    payload = verifier.verify(request.headers, body)
                except VerificationError as exc:
                    facts.fail("unverified")
                    log.warning("request refused: %s", exc)
                    return _error(400, str(exc))
            else:
                try:
                    payload = json.loads(body)
                except RecursionError:
                    facts.fail("bad_request")
                    return _error(400, "request body is nested too deeply")
                except (ValueError, UnicodeDecodeError):
                    facts.fail("bad_request")
                    return _error(400, "malformed request body")
            facts.read_request(payload)
            try:
                answer = handle_envelope(skill, payload)
            except BadRequest as exc:
                facts.fail(exc.kind)
                log.warning("request refused: %s", exc)
                return _error(400, str(exc))
            facts.read_response(answer)
            return Response(
                json.dumps(answer, separators=(",", ":")), mimetype="application/json"
            )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        # What the request itself got wrong (too large, wrong method or path, a body the
        # client stopped sending): its own 4xx status, as JSON.
        status = exc.code or 400
        if status == 413:
            return _error(413, BODY_TOO_LARGE)
        return _error(status, (exc.name or "bad request").lower())

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        # A fault of ours, not of the request: 500, so monitoring can tell a bug from bad
        # input. The traceback goes to the log only.
        log.error("unexpected error: %s", type(exc).__name__, exc_info=exc)
        return _error(500, INTERNAL_ERROR)

    return app

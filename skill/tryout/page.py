"""The device page: one HTML page and the small JSON API it drives a `Device` with.

Its own Flask app, served only by `mat-coach try`; the production endpoint never has these
routes. The page renders every string with `textContent`, never as markup, so whatever a person
types (or the skill answers) is shown, not run. Its language switch offers the locales the
device was started with (`Device.locales`: the models in `interaction_models/` whose language
has word rules), never a list of its own.
"""

from __future__ import annotations

from importlib import resources

from flask import Flask, Response, jsonify, request

from skill.tryout import speech
from skill.tryout.device import Device
from skill.tryout.devices import described
from skill.tryout.languages import language_for

#: A request is a sentence; anything much longer is cut by the understanding anyway.
MAX_TEXT_CHARS = 20_000
STATIC_TYPES = {"index.html": "text/html; charset=utf-8", "page.js": "text/javascript",
                "apl.js": "text/javascript", "page.css": "text/css"}


def _static(name: str) -> bytes:
    return resources.files("skill.tryout").joinpath("static", name).read_bytes()


def create_page_app(device: Device) -> Flask:
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024  # half a minute of 16 kHz speech

    @app.after_request
    def headers(response: Response) -> Response:
        # Loopback only, and no script but the page's own.
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; media-src 'self' blob:; img-src 'self' data:; "
            "style-src 'self'; script-src 'self'; connect-src 'self'")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.get("/")
    def index() -> Response:
        return Response(_static("index.html"), mimetype="text/html")

    @app.get("/favicon.ico")
    def favicon() -> Response:
        return Response(status=204)

    @app.get("/static/<name>")
    def static_file(name: str) -> Response:
        if name not in STATIC_TYPES:
            return Response("not found", status=404)
        return Response(_static(name), content_type=STATIC_TYPES[name])

    def about_language() -> dict:
        """What the page shows of the device's language, and whether the mic can hear it."""
        language = device.language
        installed = speech.voice_input_available()
        hint = (None if installed and language.listens else
                speech.VOICE_EXTRA_HINT if not installed else speech.ENGLISH_ONLY_HINT)
        return {
            "locale": device.locale,
            "language": language.name,
            "invocation": device.understanding.model.invocation,
            "examples": list(language.try_examples),
            "voice_input": installed and language.listens,
            "voice_hint": hint,
        }

    @app.get("/api/about")
    def about() -> Response:
        return jsonify({
            "speech": speech.espeak_path() is not None,
            "skill_endpoint": device.endpoint,
            "locales": [{"locale": locale, "language": language_for(locale).name}
                        for locale in device.locales],
            "devices": described(),
            "device": device.device,
            **about_language(),
        })

    @app.post("/api/locale")
    def locale() -> Response:
        data = request.get_json(silent=True)
        wanted = data.get("locale") if isinstance(data, dict) else None
        if not isinstance(wanted, str) or wanted not in device.locales:
            return jsonify({"error": "not a locale of this device",  # type: ignore[return-value]
                            "locales": list(device.locales)}), 400
        device.switch_locale(wanted)
        return jsonify(about_language())

    @app.post("/api/device")
    def switch_device() -> Response:
        data = request.get_json(silent=True)
        wanted = data.get("device") if isinstance(data, dict) else None
        try:
            device.switch_device(wanted if isinstance(wanted, str) else "")
        except ValueError as exc:
            return jsonify({"error": str(exc)}), 400  # type: ignore[return-value]
        return jsonify({"device": device.device})

    @app.post("/api/start-over")
    def start_over() -> Response:
        device.start_over()
        return jsonify(device.state(10**9))

    @app.post("/api/touch")
    def touch() -> Response:
        data = request.get_json(silent=True)
        arguments = data.get("arguments") if isinstance(data, dict) else None
        if not isinstance(arguments, list) or not all(
                isinstance(a, str | int | float) and not isinstance(a, bool) for a in arguments):
            return jsonify({"error": "arguments must be a list of strings and numbers"}), 400  # type: ignore[return-value]
        return jsonify(device.touch(arguments))

    @app.get("/api/state")
    def state() -> Response:
        try:
            after = int(request.args.get("after", "0"))
        except ValueError:
            after = 0
        return jsonify(device.state(after))

    @app.post("/api/say")
    def say() -> Response:
        data = request.get_json(silent=True)
        text = data.get("text") if isinstance(data, dict) else None
        if not isinstance(text, str):
            text = ""
        return jsonify(device.say(text[:MAX_TEXT_CHARS]))

    @app.post("/api/permission")
    def permission() -> Response:
        data = request.get_json(silent=True)
        allow = bool(data.get("allow")) if isinstance(data, dict) else False
        return jsonify(device.answer_permission(allow))

    @app.post("/api/allow-in-app")
    def allow_in_app() -> Response:
        return jsonify(device.allow_in_app())

    @app.post("/api/clock")
    def clock() -> Response:
        data = request.get_json(silent=True)
        device.clock.set_fast(bool(data.get("fast")) if isinstance(data, dict) else False)
        return jsonify(device.state(10**9))

    @app.get("/api/speech")
    def spoken() -> Response:
        # The voice of the language the words were said in (a reply may still be playing
        # when the switch changes the device's language); the device's own otherwise.
        said_in = request.args.get("locale", "")
        voice = (language_for(said_in).voice_for(said_in) if said_in in device.locales
                 else device.language.voice_for(device.locale))
        audio = speech.synthesize(request.args.get("text", "")[:speech.MAX_SPOKEN_CHARS],
                                  voice=voice)
        if audio is None:
            return Response('{"error": "no speech engine"}', status=404,
                            mimetype="application/json")
        return Response(audio, mimetype="audio/wav")

    @app.post("/api/listen")
    def listen() -> Response:
        if not speech.voice_input_available():
            return jsonify({"error": speech.VOICE_EXTRA_HINT}), 501  # type: ignore[return-value]
        if not device.language.listens:
            return jsonify({"error": speech.ENGLISH_ONLY_HINT}), 501  # type: ignore[return-value]
        from skill.tryout.listening import recognise

        text = recognise(request.get_data(cache=False), device.understanding.model)
        return jsonify({"text": text})

    return app

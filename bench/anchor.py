"""THE ANCHOR: a bare ask-sdk-core "hello world" skill, the yardstick for every figure.

Mat Coach's numbers mean little on their own: "4 ms" is fast or slow only next to what the
SDK itself costs. This module is the smallest skill the ASK SDK tutorials build - a
LaunchRequest handler, one intent handler, `SkillBuilder().lambda_handler()` - and the
smallest Flask endpoint around it (json-load the body, deserialise, invoke, serialise). No
store, no verification, no Alexa API client, no logging set-up: whatever Mat Coach costs above
these is ours to justify.

Flask is imported only inside `create_app`, so the anchor's cold start (the Lambda path)
pays for ask-sdk-core alone, as a real hello-world Lambda would.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill_builder import SkillBuilder
from ask_sdk_core.utils import is_intent_name, is_request_type
from ask_sdk_model import RequestEnvelope, Response

if TYPE_CHECKING:  # the Lambda path must not import Flask
    from flask import Flask

#: The intent the anchor answers; the warm-dispatch figures compare Mat Coach's intents to it.
INTENT_NAME = "HelloWorldIntent"


class LaunchRequestHandler(AbstractRequestHandler):
    """Greets and keeps the session open, like every hello-world template."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("LaunchRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        speech = "Welcome, you can say Hello or Help. Which would you like to try?"
        return handler_input.response_builder.speak(speech).ask(speech).response


class HelloWorldIntentHandler(AbstractRequestHandler):
    """Says hello and ends the session: the cheapest useful intent answer there is."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent_name(INTENT_NAME)(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        return (
            handler_input.response_builder.speak("Hello World!")
            .set_should_end_session(True)
            .response
        )


sb = SkillBuilder()
sb.add_request_handler(LaunchRequestHandler())
sb.add_request_handler(HelloWorldIntentHandler())

#: The Lambda entry point, exactly as ask-sdk-core builds it.
handler = sb.lambda_handler()


def create_app() -> Flask:
    """The bare Flask endpoint: json-load the body, deserialise, invoke, serialise.

    No verification and no error handling beyond Flask's own, so it is a lower bound for
    Mat Coach's route with verification off.
    """
    from flask import Flask, Response, request

    app = Flask(__name__)
    skill = sb.create()

    @app.post("/")
    def alexa() -> Response:
        payload = json.loads(request.get_data())
        envelope = skill.serializer.deserialize(
            payload=json.dumps(payload), obj_type=RequestEnvelope
        )
        answer = skill.serializer.serialize(skill.invoke(request_envelope=envelope, context=None))
        return Response(json.dumps(answer, separators=(",", ":")), mimetype="application/json")

    return app

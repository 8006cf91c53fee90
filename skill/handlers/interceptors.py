"""Request interceptors: what runs before every handler (session hygiene, touches, API budget).

Each request's log line is written by its door, from its telemetry (`skill.telemetry`).
"""

from __future__ import annotations

from ask_sdk_core.dispatch_components import AbstractRequestInterceptor
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.services import ApiClient

from skill.alexa_api import DEFAULT_BUDGET, open_deadline
from skill.domain.offer import Offer
from skill.handlers.turn import SAID_KEY, said_memory


class SessionAttributesInterceptor(AbstractRequestInterceptor):
    """Keep only the session attributes the skill itself writes, in the shape it writes them.

    ask-sdk echoes a request's session attributes back in the response. Alexa only returns
    what we sent, but an unverified request (development mode) could carry anything, and an
    echoed blob would push the response past Alexa's 24 KB limit. The skill keeps two things
    across turns, the pending `Offer` and which variant of each line it last said (so it does
    not repeat itself); everything else is dropped on the way in.
    """

    def process(self, handler_input: HandlerInput) -> None:
        if handler_input.request_envelope.session is None:
            return
        manager = handler_input.attributes_manager
        offer = Offer.from_attributes(manager.session_attributes)
        kept = offer.to_attributes() if offer else {}
        said = said_memory(manager.session_attributes)
        if said:
            kept[SAID_KEY] = said
        manager.session_attributes = kept


#: What a touch on a screen's button arrives as (`SendEvent` in an APL document).
TOUCH_REQUEST = "Alexa.Presentation.APL.UserEvent"


class TouchInterceptor(AbstractRequestInterceptor):
    """A touch becomes the intent request it stands for, before a handler is chosen.

    So the handler of the spoken request answers it (`skill.handlers.touch` says which), and
    no other request pays for reading touches: the module is loaded by the first touch.
    """

    def process(self, handler_input: HandlerInput) -> None:
        envelope = handler_input.request_envelope
        if getattr(envelope.request, "object_type", None) != TOUCH_REQUEST:
            return
        from skill.handlers.touch import spoken_equivalent

        envelope.request = spoken_equivalent(envelope.request)


class ApiBudgetInterceptor(AbstractRequestInterceptor):
    """Give each request one deadline for all its Alexa API calls (see `alexa_api`).

    The client sets its own budget when it has one (`TimeoutApiClient`); any other client
    still gets the default, so calls made together are never waited for without an end.
    """

    def __init__(self, api_client: ApiClient) -> None:
        self.api_client = api_client

    def process(self, handler_input: HandlerInput) -> None:
        start = getattr(self.api_client, "start_request", None)
        if start is not None:
            start()
        else:
            open_deadline(DEFAULT_BUDGET)

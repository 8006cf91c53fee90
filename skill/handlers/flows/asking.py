"""Permission questions: Alexa's own voice consent question, and the card when it is refused.

The question's token says what the user was asking for: a session length for the timers
permission ("20"), a schedule for the reminders one ("reminders:MO,WE,FR@19:00", asked in
`flows.reminders`), so the answer (a Connections.Response) can do it without asking again.
"""

from __future__ import annotations

from ask_sdk_model import Response

from skill.handlers.turn import Turn
from skill.timers import TIMERS_SCOPE


def ask_for(turn: Turn, scope: str, token: str) -> None:
    """Alexa's own voice consent question for `scope`; its answer, a Connections.Response,
    carries `token` back, so the skill knows what the user was asking for."""
    # Imported here: only this reply needs the Connections models, and importing them with
    # the module would charge every Lambda cold start for them.
    from ask_sdk_model.interfaces.connections import SendRequestDirective

    turn.builder.add_directive(SendRequestDirective(
        name="AskFor",
        payload={
            "@type": "AskForPermissionsConsentRequest",
            "@version": "1",
            "permissionScope": scope,
        },
        token=token,
    ))


def card_for(turn: Turn, scope: str) -> None:
    """The card in the Alexa app where the user can allow `scope` with one tap."""
    from ask_sdk_model.ui import AskForPermissionsConsentCard

    turn.builder.set_card(AskForPermissionsConsentCard(permissions=[scope]))


def answering_consent(turn: Turn) -> bool:
    """This request is the answer to our permission question: never ask it again at once."""
    return getattr(turn.request, "object_type", None) == "Connections.Response"


# --- timers ---------------------------------------------------------------------------------
def ask_for_timer_permission(turn: Turn, minutes: int) -> Response:
    """Ask by voice; the answer carries `minutes` as its token."""
    ask_for(turn, TIMERS_SCOPE, str(minutes))
    return turn.tell(turn.say.text("permission.ask"))


def timers_consent_card(turn: Turn) -> None:
    card_for(turn, TIMERS_SCOPE)


def permission_missing(turn: Turn, minutes: int) -> Response:
    """Explain, send the consent card, and offer the plain Alexa timer as a way round."""
    timers_consent_card(turn)
    return turn.tell(turn.say.text("permission.denied", minutes=turn.say.count("minute", minutes)))

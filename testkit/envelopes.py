"""Builders for real Alexa request envelopes, as the Alexa service sends them.

The ids below are the test identity every builder uses unless told otherwise; tests and
benchmarks import them from here instead of spelling them again.
"""

from __future__ import annotations

from skill.timers import TIMERS_SCOPE
from skill.tryout.envelopes import envelope as build_envelope
from skill.tryout.envelopes import new_session_id as new_session_id
from skill.tryout.envelopes import now_stamp as now_stamp

APP_ID = "amzn1.ask.skill.00000000-1111-2222-3333-444444444444"
USER_ID = "amzn1.ask.account.TESTUSER"
DEVICE_ID = "amzn1.ask.device.TESTDEVICE"
ACCESS_TOKEN = "test-access-token"


def envelope(
    request: dict,
    *,
    user_id: str = USER_ID,
    device_id: str = DEVICE_ID,
    api_endpoint: str = "https://127.0.0.1:9",
    application_id: str = APP_ID,
    session_attributes: dict | None = None,
    new_session: bool = True,
    with_session: bool = True,
    scopes: dict | None = None,
    access_token: str | None = ACCESS_TOKEN,
    session_id: str | None = None,
    locale: str | None = None,
    device: str | None = None,
) -> dict:
    """A full request envelope around `request` (built by the product's own builder, which
    `mat-coach try` sends too).

    Each call is a new session (fresh `sessionId`) unless `session_id` is given: a
    conversation (`testkit.conversation.Conversation`) passes the same id turn after turn.
    """
    session = None
    if with_session:
        session = {"new": new_session, "sessionId": session_id or new_session_id(),
                   "attributes": session_attributes or {}}
    return build_envelope(request, application_id=application_id, user_id=user_id,
                          device_id=device_id, api_endpoint=api_endpoint,
                          access_token=access_token, scopes=scopes, session=session,
                          device=device, **({"locale": locale} if locale else {}))


def launch(**kwargs) -> dict:
    return envelope({"type": "LaunchRequest"}, **kwargs)


def slot(name: str, value: str | None = None, resolved_id: str | None = None,
         no_match: bool = False) -> dict:
    """A slot as Alexa sends it, with entity resolution for custom types."""
    data: dict = {"name": name, "confirmationStatus": "NONE"}
    if value is not None:
        data["value"] = value
    if resolved_id is not None or no_match:
        authority = {
            "authority": f"amzn1.er-authority.echo-sdk.{APP_ID}.Type",
            "status": {"code": "ER_SUCCESS_NO_MATCH" if no_match else "ER_SUCCESS_MATCH"},
        }
        if not no_match:
            authority["values"] = [{"value": {"name": value or "", "id": resolved_id}}]
        data["resolutions"] = {"resolutionsPerAuthority": [authority]}
    return data


def intent(name: str, slots: dict | None = None, *, locale: str = "en-US", **kwargs) -> dict:
    """An IntentRequest; `slots` maps slot names to values or to `slot(...)` dicts."""
    built = {}
    for key, value in (slots or {}).items():
        built[key] = value if isinstance(value, dict) else slot(key, value)
    return envelope(
        {
            "type": "IntentRequest",
            "locale": locale,
            "dialogState": "COMPLETED",
            "intent": {"name": name, "confirmationStatus": "NONE", "slots": built},
        },
        **kwargs,
    )


def touch(*arguments: object, token: str = "mat-coach.welcome", **kwargs) -> dict:
    """A touch on a screen's button: the `SendEvent` the document sends, as Alexa delivers it."""
    kwargs.setdefault("device", "echo-show-8")
    return envelope({"type": "Alexa.Presentation.APL.UserEvent", "token": token,
                     "arguments": list(arguments),
                     "source": {"type": "TouchWrapper", "handler": "Press", "id": ""}}, **kwargs)


def session_ended(**kwargs) -> dict:
    return envelope({"type": "SessionEndedRequest", "reason": "USER_INITIATED"}, **kwargs)


def connections_response(status: str, token: str = "20", **kwargs) -> dict:
    """Alexa's answer to our AskFor permission request."""
    return envelope(
        {
            "type": "Connections.Response",
            "name": "AskFor",
            "status": {"code": "200", "message": "OK"},
            "token": token,
            "payload": {
                "permissionScope": TIMERS_SCOPE,
                "status": status,
            },
        },
        **kwargs,
    )


def skill_event(kind: str, **kwargs) -> dict:
    """An AlexaSkillEvent (out of session), e.g. `SkillDisabled`."""
    return envelope(
        {
            "type": f"AlexaSkillEvent.{kind}",
            "body": {"userInformationPersistenceStatus": "NOT_PERSISTED"},
        },
        with_session=False,
        **kwargs,
    )

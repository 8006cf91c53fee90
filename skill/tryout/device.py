"""The local device: what an Echo and Alexa do between a person and the skill.

It hears a typed (or recognised) request, decides what Alexa would send (`understanding`),
wraps it in a real request envelope, signs it like Alexa and POSTs it to the skill's real
endpoint; then it plays Alexa's own parts of the answer: the permission question that a
`Connections.SendRequest` AskFor directive asks for (timers or reminders, whichever scope it
names), the consent card in the Alexa app, a slot asked for again with `Dialog.ElicitSlot`, and
the session kept open or closed as the skill says. Timer announcements, reminders that ring and
progressive responses come from the local Alexa.

The page and the console both drive one `Device`; everything it shows is in plain dicts, so
both render the same turn. The device speaks one language at a time, as an Echo set to a
language does: `switch_locale` changes what the envelopes carry, which model the matcher reads,
and the words Alexa's own questions are said and answered in.
"""

from __future__ import annotations

import html
import json
import re
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import requests

from skill.content import catalogue_for
from skill.timers import TIMERS_SCOPE
from skill.tryout.alexa import LocalAlexa
from skill.tryout.clock import FAST_RATE, TryClock
from skill.tryout.devices import DEFAULT_DEVICE, DEVICES
from skill.tryout.envelopes import envelope, new_session_id
from skill.tryout.languages.rules import Language
from skill.tryout.reminders import SCOPE as REMINDERS_SCOPE
from skill.tryout.reminders import LocalReminder
from skill.tryout.signing import AlexaSigner
from skill.tryout.understanding import Understanding, Understood

#: The identity of this run's user and device, in Alexa's id shapes.
SKILL_ID = "amzn1.ask.skill.00000000-0000-4000-8000-000000007472"
USER_ID = "amzn1.ask.account.LOCALTRY"
DEVICE_ID = "amzn1.ask.device.LOCALTRY"
#: The scopes Alexa asks about, by the name of their lines in `Language.alexa_lines`
#: (Alexa's own words, in the device's language: the page's, not the skill's).
SCOPE_LINES = {TIMERS_SCOPE: "alexa_timers", REMINDERS_SCOPE: "alexa_reminders"}


def speech_text(ssml: object) -> str:
    """What an SSML answer says, as plain text (tags dropped, entities decoded)."""
    if not isinstance(ssml, str):
        return ""
    text = re.sub(r"<[^>]*>", " ", ssml)
    return " ".join(html.unescape(text).split())


@dataclass
class Conversation:
    """The open session, as Alexa keeps it between turns."""

    session_id: str | None = None
    attributes: dict = field(default_factory=dict)
    #: (intent as sent back, slot) when the skill's last answer asked again for a slot.
    eliciting: tuple[dict, str] | None = None
    #: The AskFor token while the permission question waits for an answer.
    permission_token: str | None = None
    #: The scope that question asks for.
    permission_scope: str = TIMERS_SCOPE


class Device:
    """One user's Echo, talking to the skill at `endpoint` and the APIs at `api_origin`."""

    def __init__(self, *, endpoint: str, api_origin: str, signer: AlexaSigner,
                 understanding: Understanding, alexa: LocalAlexa, clock: TryClock,
                 skill_id: str = SKILL_ID, locale: str | None = None,
                 locales: Sequence[str] = (), user_id: str = USER_ID,
                 timeout: float = 10.0) -> None:
        self.endpoint = endpoint
        self.api_origin = api_origin
        self.signer = signer
        self.understanding = understanding
        self.alexa = alexa
        self.clock = clock
        self.skill_id = skill_id
        self.user_id = self.first_user_id = user_id
        self.users = 0  # how many times the person started over as a new user
        self.locale = locale or understanding.model.locale
        #: The locales the device can switch to (those with a model and word rules).
        self.locales = tuple(dict.fromkeys([self.locale, *locales]))
        self._understandings = {self.locale: understanding}
        self.timeout = timeout
        self.token = f"try-{secrets.token_urlsafe(16)}"
        # A new user: neither timers nor reminders are allowed until they say so.
        self.alexa.revoke(self.token)
        self.alexa.reminders.revoke(self.token)
        self.conversation = Conversation()
        #: The scopes the last consent card asked for: what "allow in the app" grants.
        self.card_scopes: tuple[str, ...] = (TIMERS_SCOPE,)
        #: Which device the requests come from (`skill.tryout.devices`): its screen, if any.
        self.device = DEFAULT_DEVICE
        #: The last screen the skill sent (RenderDocument: token, document, data sources).
        self.screen: dict | None = None
        self._http = requests.Session()
        self._http.trust_env = False  # loopback only, never through a proxy
        self._lock = threading.Lock()

    @property
    def zone(self) -> ZoneInfo:
        """The time zone the device is set to (the local Alexa's settings API answers it)."""
        return ZoneInfo(self.alexa.zone)

    @property
    def language(self) -> Language:
        """The word rules (and Alexa's own lines) of the device's language."""
        return self.understanding.language

    def alexa_says(self, key: str) -> str:
        """One of Alexa's own lines in the device's language, naming the skill by its name in
        that language's store ("Mat Coach", "Matten Coach"), as Alexa does."""
        return self.language.alexa_says(key, catalogue_for(self.locale).text("listing.name"))

    def switch_locale(self, locale: str) -> None:
        """Set the device to another of its `locales`: the conversation ends, as it would if
        the Echo's language changed; timers, reminders and permissions stay."""
        if locale not in self.locales:
            raise ValueError(f"no model to try for {locale!r}: {', '.join(self.locales)}")
        with self._lock:
            if locale not in self._understandings:
                self._understandings[locale] = Understanding.for_locale(locale)
            self.understanding = self._understandings[locale]
            self.locale = locale
            self.conversation = Conversation()

    def start_over(self) -> None:
        """Become a new user on the same device: a fresh routine (a new user id), nothing
        allowed yet, and no timers or reminders (they belong to the old user's token)."""
        with self._lock:
            self.users += 1
            self.user_id = f"{self.first_user_id}-{self.users}"
            self.token = f"try-{secrets.token_urlsafe(16)}"
            self.alexa.revoke(self.token)
            self.alexa.reminders.revoke(self.token)
            self.conversation = Conversation()
            self.card_scopes = (TIMERS_SCOPE,)
            self.screen = None

    def switch_device(self, device: str) -> None:
        """Be another device from the next request on: an Echo Dot has no screen, an Echo
        Show or a TV tells the skill its screen. The conversation ends, as moving to another
        device does; timers, reminders and permissions stay (they are the account's)."""
        if device not in DEVICES:
            raise ValueError(f"no such device {device!r}: {', '.join(DEVICES)}")
        with self._lock:
            self.device = device
            self.screen = None
            self.conversation = Conversation()

    # --- what a person does ---------------------------------------------------------------
    def touch(self, arguments: Sequence[object]) -> dict:
        """A touch on a button of the screen: the `SendEvent` its document sends, as Alexa
        delivers it to the skill (in the open session, or a new one)."""
        with self._lock:
            shown = self.screen or {}
            request = {"type": "Alexa.Presentation.APL.UserEvent",
                       "token": str(shown.get("token") or ""),
                       "arguments": list(arguments)[:8],
                       "source": {"type": "TouchWrapper", "handler": "Press", "id": ""}}
            label = " ".join(str(a) for a in arguments[:2])
            return self._send(request, said=f"(touched {label})", understood=None)

    def say(self, text: str) -> dict:
        """One utterance: understood, sent, answered. Returns the turn as the page shows it."""
        with self._lock:
            said = " ".join(str(text).split())
            pending = self.conversation.permission_token
            if pending is not None:
                words = " ".join(self.understanding.understand(said).heard.split())
                allow, deny = words in self.language.allow_words, words in self.language.deny_words
                if allow or deny:
                    return self._permission(allow, said)
                self.conversation.permission_token = None  # the question is dropped
            eliciting = self.conversation.eliciting
            understood = self.understanding.understand(
                said, eliciting=(eliciting[0]["name"], eliciting[1]) if eliciting else None)
            if understood.launch or (understood.invoked and not understood.elicited):
                self.conversation = Conversation()  # "open mat coach" / "ask mat coach ...": new
            request = self._request_for(understood)
            return self._send(request, said=said, understood=understood)

    def answer_permission(self, allow: bool) -> dict:
        """The allow / deny buttons of the permission question."""
        with self._lock:
            return self._permission(allow, "allow" if allow else "deny")

    def allow_in_app(self) -> dict:
        """The consent card's button in the Alexa app: what it asked for is allowed, and the
        skill told."""
        with self._lock:
            scopes = self.card_scopes
            for scope in scopes:
                self._grant(scope)
            request = {
                "type": "AlexaSkillEvent.SkillPermissionChanged",
                "body": {"acceptedPermissions": [{"scope": scope} for scope in scopes]},
            }
            what = " and ".join(SCOPE_LINES.get(s, "alexa_timers").removeprefix("alexa_")
                                for s in scopes)
            return self._send(request, said=f"(allowed {what} in the Alexa app)",
                              understood=None, with_session=False)

    def granted(self, scope: str) -> bool:
        """Whether this user has allowed `scope` (timers or reminders)."""
        if scope == REMINDERS_SCOPE:
            return self.alexa.reminders.granted(self.token)
        return self.alexa.granted(self.token)

    def _grant(self, scope: str) -> None:
        if scope == REMINDERS_SCOPE:
            self.alexa.reminders.grant(self.token)
        elif scope == TIMERS_SCOPE:
            self.alexa.grant(self.token)

    # --- Alexa's part -------------------------------------------------------------------------
    def _permission(self, allow: bool, said: str) -> dict:
        token = self.conversation.permission_token or ""
        scope = self.conversation.permission_scope
        self.conversation = Conversation()
        if allow:
            self._grant(scope)
        request = {
            "type": "Connections.Response",
            "name": "AskFor",
            "status": {"code": "200", "message": "OK"},
            "token": token,
            "payload": {"permissionScope": scope,
                        "status": "ACCEPTED" if allow else "DENIED"},
        }
        answer = f"{SCOPE_LINES.get(scope, 'alexa_timers')}.{'allowed' if allow else 'refused'}"
        return self._send(request, said=said, understood=None,
                          alexa_said=self.alexa_says(answer))

    def _request_for(self, understood: Understood) -> dict:
        if understood.launch:
            return {"type": "LaunchRequest"}
        slots = {s.name: s.to_json(f"amzn1.er-authority.echo-sdk.{self.skill_id}")
                 for s in understood.slots}
        if understood.elicited and self.conversation.eliciting:
            kept = self.conversation.eliciting[0].get("slots") or {}
            slots = {**{k: v for k, v in kept.items() if isinstance(v, dict)},
                     **{k: v for k, v in slots.items()
                        if "value" in v or "slotValue" in v or k not in kept}}
        return {
            "type": "IntentRequest",
            "dialogState": "IN_PROGRESS" if understood.elicited else "COMPLETED",
            "intent": {"name": understood.intent, "confirmationStatus": "NONE",
                       "slots": slots},
        }

    def envelope(self, request: dict, *, with_session: bool = True) -> dict:
        """A full envelope around `request`, as Alexa sends it for this user and device."""
        scopes = {scope: "GRANTED" if self.granted(scope) else "DENIED"
                  for scope in (TIMERS_SCOPE, REMINDERS_SCOPE)}
        session = None
        if with_session:
            conversation = self.conversation
            new = conversation.session_id is None
            if new:
                conversation.session_id = new_session_id()
            session = {"new": new, "sessionId": conversation.session_id,
                       "attributes": conversation.attributes}
        return envelope(request, application_id=self.skill_id, user_id=self.user_id,
                        device_id=DEVICE_ID, api_endpoint=self.api_origin,
                        access_token=self.token, scopes=scopes,
                        session=session, locale=self.locale, device=self.device)

    def _send(self, request: dict, *, said: str, understood: Understood | None,
              with_session: bool = True, alexa_said: str | None = None) -> dict:
        envelope = self.envelope(request, with_session=with_session)
        body = json.dumps(envelope, separators=(",", ":")).encode()
        try:
            reply = self._http.post(self.endpoint, data=body, headers=self.signer.headers(body),
                                    timeout=self.timeout)
            status = reply.status_code
            try:
                answer = reply.json()
            except ValueError:
                answer = {"error": reply.text[:500]}
        except requests.RequestException as exc:
            status, answer = 0, {"error": f"the skill did not answer: {type(exc).__name__}"}
        turn = self._play(answer if status == 200 else {}, with_session)
        turn.update({
            "said": said,
            "alexa_said": alexa_said,
            "understood": understood.to_json() if understood else None,
            "request": envelope,
            "response": answer,
            "status": status,
            "locale": self.locale,
        })
        if status != 200:
            turn["error"] = str(answer.get("error", "no answer")) if isinstance(answer, dict) \
                else "no answer"
        return turn

    def _play(self, answer: dict, with_session: bool) -> dict:
        """Alexa's side of the answer: speech, card, directives, and the session's fate."""
        response = answer.get("response") or {}
        speech = speech_text((response.get("outputSpeech") or {}).get("ssml")
                             or (response.get("outputSpeech") or {}).get("text"))
        reprompt = speech_text(((response.get("reprompt") or {}).get("outputSpeech") or {})
                               .get("ssml"))
        conversation = self.conversation
        conversation.eliciting = None
        question = None
        shown = False
        for directive in response.get("directives") or []:
            kind = directive.get("type")
            if kind == "Connections.SendRequest" and directive.get("name") == "AskFor":
                payload = directive.get("payload") or {}
                scope = payload.get("permissionScope") if isinstance(payload, dict) else None
                conversation.permission_token = str(directive.get("token") or "")
                conversation.permission_scope = scope if scope in SCOPE_LINES else TIMERS_SCOPE
                question = self.alexa_says(
                    f"{SCOPE_LINES[conversation.permission_scope]}.question")
            elif kind == "Alexa.Presentation.APL.RenderDocument":
                self.screen = {"token": directive.get("token"),
                               "document": directive.get("document"),
                               "datasources": directive.get("datasources") or {}}
                shown = True
            elif kind == "Dialog.ElicitSlot":
                intent = directive.get("updatedIntent") or {}
                slot = directive.get("slotToElicit")
                if isinstance(intent, dict) and intent.get("name") and isinstance(slot, str):
                    conversation.eliciting = (intent, slot)
        ends = response.get("shouldEndSession")
        session_open = with_session and (ends is False or (ends is None and bool(reprompt)))
        if session_open:
            conversation.attributes = answer.get("sessionAttributes") or {}
        elif conversation.permission_token is None:
            self.conversation = Conversation()
        else:
            conversation.session_id, conversation.attributes = None, {}
        card = response.get("card")
        if isinstance(card, dict) and card.get("type") == "AskForPermissionsConsent":
            asked = tuple(str(p) for p in card.get("permissions") or [] if p in SCOPE_LINES)
            self.card_scopes = asked or (TIMERS_SCOPE,)
        return {
            "speech": speech,
            "reprompt": reprompt,
            "card": self._card(card) if isinstance(card, dict) else None,
            "permission_question": question,
            "eliciting": conversation.eliciting[1] if conversation.eliciting else None,
            "session_open": session_open,
            "screen": self.screen if shown else None,
        }

    # --- what the page polls ----------------------------------------------------------------
    def state(self, after: int = 0) -> dict:
        """Timers with their time left, reminders with their days and time, and what the
        device has to play since `after`."""
        now = self.alexa.clock()
        timers = [
            {"label": t.label, "remaining": max(0, int(t.remaining(now).total_seconds())),
             "duration": int(t.duration.total_seconds()),
             "paused": t.paused_remaining is not None}
            for t in self.alexa.timers_of(self.token)
            if not t.hidden  # a check-in shows on no screen; it only speaks when it ends
        ]
        events = [{"number": e.number, "kind": e.kind, "text": e.text, "label": e.label,
                   "audible": e.audible}
                  for e in self.alexa.events_after(after, self.token)]
        reminders = [_reminder(r) for r in self.alexa.reminders.reminders_of(self.token)
                     if r.status != "COMPLETED"]
        return {
            "timers": timers,
            "reminders": reminders,
            "events": events,
            "fast": self.clock.fast,
            "clock": datetime.fromtimestamp(int(self.clock.time()), UTC).isoformat(),
            # The device's own time, in the zone it is set to (as the skill reads it).
            "local_clock": datetime.fromtimestamp(int(self.clock.time()), self.zone)
            .strftime("%Y-%m-%d %H:%M:%S"),
            "zone": self.alexa.zone,
            # The device's clock to the millisecond, and how fast it runs: a screen's
            # countdown ticks on it between two polls.
            "clock_ms": int(self.clock.time() * 1000),
            "rate": FAST_RATE if self.clock.fast else 1.0,
            "device": self.device,
            "timers_allowed": self.alexa.granted(self.token),
            "reminders_allowed": self.alexa.reminders.granted(self.token),
            "session_open": self.conversation.session_id is not None,
            "permission_pending": self.conversation.permission_token is not None,
            "locale": self.locale,
        }

    def _card(self, card: dict) -> dict:
        """A card as the Alexa app shows it; a consent card in the device's language."""
        kind = str(card.get("type") or "")
        if kind == "AskForPermissionsConsent":
            permissions = [str(p) for p in card.get("permissions") or []]
            lines = SCOPE_LINES.get(permissions[0] if permissions else TIMERS_SCOPE, "timers")
            return {"type": kind, "title": self.alexa_says(f"{lines}.card.title"),
                    "text": self.alexa_says(f"{lines}.card.text"), "permissions": permissions}
        return {"type": kind, "title": str(card.get("title") or ""),
                "text": str(card.get("content") or card.get("text") or "")}


def _reminder(reminder: LocalReminder) -> dict:
    """A reminder as the page lists it: its days and local time, or its one-off moment."""
    from skill.domain.schedule import DAY_IDS, ScheduleError, WeeklySchedule

    try:
        schedule = WeeklySchedule.from_rules(reminder.rules)
    except ScheduleError:
        scheduled = str((reminder.body.get("trigger") or {}).get("scheduledTime") or "")
        return {"days": [], "time": scheduled.replace("T", " ")[:16], "text": reminder.text}
    return {"days": [DAY_IDS[d].capitalize() for d in schedule.days],
            "time": f"{schedule.hour:02d}:{schedule.minute:02d}", "text": reminder.text}


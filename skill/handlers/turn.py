"""One `Turn` per request: everything a handler needs, derived once.

A handler used to hand `(handler_input, services)` to helper after helper, each deriving the
catalogue, the clock, the routine or the time zone again. A Turn derives each of them at most
once, on first use, and keeps the request's guarantees in one place: the routine is read at
most once, changed at most once (compare-and-set, so a concurrent update is never lost), and
every spoken word passes through `tell` / `ask`, the only places text becomes SSML.

The Alexa API calls a request makes are few and, where they do not depend on each other,
made together (`together`): the list of our timers and the device's time zone are read in
the first wave, each only when the request needs it and does not know it already.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, tzinfo
from functools import cached_property, partial
from typing import TYPE_CHECKING

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.response_helper import ResponseFactory
from ask_sdk_model import Response

from skill.content import Catalogue, catalogue_for, to_ssml
from skill.device_zone import device_zone, known_zone
from skill.domain import people
from skill.domain import routine as rules
from skill.domain.offer import OFFER_KEY, Action, Offer
from skill.services import Services
from skill.store import Record, StoreError
from skill.store.base import user_id_of
from skill.timers import TIMERS_SCOPE, TimersGateway, TimerState, TimersUnavailableError

if TYPE_CHECKING:
    from skill.fanout import Outcome
    from skill.reminders import RemindersGateway

_TURN = "mat_coach.turn"
SAID_KEY = "said"  # session attribute: the variant last said of each line, this conversation
MAX_SAID = 24
log = logging.getLogger(__name__)


def said_memory(attributes: object) -> dict[str, int]:
    """The variants already said in this conversation, as the skill wrote them (or nothing)."""
    raw = attributes.get(SAID_KEY) if isinstance(attributes, dict) else None
    if not isinstance(raw, dict):
        return {}
    return {
        key: index for key, index in list(raw.items())[-MAX_SAID:]
        if isinstance(key, str) and len(key) <= 64 and isinstance(index, int)
        and not isinstance(index, bool) and 0 <= index < 32
    }


def resolved_id_of(value: object) -> str | None:
    """The value id entity resolution matched for a slot, or for one value of a multiple-value
    slot (both carry `resolutions`); None when it matched none."""
    resolutions = getattr(value, "resolutions", None)
    for authority in getattr(resolutions, "resolutions_per_authority", None) or []:
        code = getattr(getattr(getattr(authority, "status", None), "code", None), "value", None)
        if code != "ER_SUCCESS_MATCH":
            continue
        for item in authority.values or []:
            value_id = getattr(getattr(item, "value", None), "id", None)
            if isinstance(value_id, str) and value_id:
                return value_id
    return None


class Turn:
    """The request being answered, as the conversation sees it."""

    def __init__(self, handler_input: HandlerInput, services: Services) -> None:
        self.handler_input = handler_input
        self.services = services
        self.envelope = handler_input.request_envelope
        self.request = self.envelope.request
        self._said = said_memory(self._session_attributes())
        self.say: Catalogue = catalogue_for(getattr(self.request, "locale", None)).with_chooser(
            self._choose)
        self._record: Record | None = None
        self._routine: rules.Routine | None = None
        self._pending: Callable[[rules.Routine], rules.Routine] | None = None
        self._zone: tzinfo | None = None
        self._listing: Outcome | None = None  # the list call's answer, or its failure
        #: The screen the answering handler shows on a device with one (`skill.screens`);
        #: None leaves the choice to what happened (a session started, paused or ended).
        self.screen: str | None = None
        #: Whether this request's change ended the running session (the done screen).
        self.ended_session = False

    @classmethod
    def of(cls, handler_input: HandlerInput, services: Services) -> Turn:
        """The request's Turn, made on first use (exception handlers reuse the handler's)."""
        attributes = handler_input.attributes_manager.request_attributes
        turn = attributes.get(_TURN)
        if turn is None:
            turn = attributes[_TURN] = cls(handler_input, services)
        return turn

    # --- the moment and the place ----------------------------------------------------------
    @cached_property
    def now(self) -> int:
        """Whole epoch seconds, fixed for the whole request."""
        return self.services.now()

    @property
    def zone(self) -> tzinfo:
        """The device's time zone (where the user's week starts); looked up on first use
        unless a wave already brought it (`together(zone=True)`)."""
        if self._zone is None:
            self._zone = device_zone(self.handler_input)
        return self._zone

    # --- what the user said ----------------------------------------------------------------
    def slot(self, name: str) -> object | None:
        """The named slot object of an intent request, if any."""
        slots = getattr(getattr(self.request, "intent", None), "slots", None) or {}
        return slots.get(name) if isinstance(slots, dict) else None

    def slot_value(self, name: str) -> str | None:
        """The raw spoken value of a slot, stripped; None when missing or empty."""
        value = getattr(self.slot(name), "value", None)
        if not isinstance(value, str):
            return None
        return value.strip() or None

    def spoken_values(self) -> list[str]:
        """The words of every slot of the request that has some, in the request's order."""
        slots = getattr(getattr(self.request, "intent", None), "slots", None) or {}
        if not isinstance(slots, dict):
            return []
        return [value for name in slots if (value := self.slot_value(name)) is not None]

    @property
    def locale(self) -> str | None:
        """The request's locale as Alexa sent it (None when it sent none)."""
        locale = getattr(self.request, "locale", None)
        return locale if isinstance(locale, str) else None

    def resolved_id(self, name: str) -> str | None:
        """The custom slot value id that entity resolution matched, if it matched one."""
        return resolved_id_of(self.slot(name))

    # --- the user's routine: read at most once, written at most once ------------------------
    @property
    def user_id(self) -> str:
        return user_id_of(self.envelope)

    @cached_property
    def person(self) -> str | None:
        """The recognised speaker's key (`skill.domain.people`); None: the shared routine."""
        system = getattr(getattr(self.envelope, "context", None), "system", None)
        return people.person_key(getattr(getattr(system, "person", None), "person_id", None))

    def tagged(self, label: str) -> str:
        """A timer or reminder label that says whose it is (Alexa's lists are account-wide)."""
        return people.tagged(label, self.person)

    def owns(self, label: str) -> bool:
        """Whether a timer of ours with this label is the speaker's, not another person's."""
        return people.owns(self.person, label)

    @property
    def routine(self) -> rules.Routine:
        """The speaker's routine, from the one read this request makes."""
        if self._routine is None:
            if self._record is None:
                self._record = self.services.store.load(self.user_id)
            self._routine = rules.Routine.from_attributes(
                people.routine_attributes(self._record.attributes, self.person))
        return self._routine

    @property
    def progress(self) -> rules.Progress:
        """This week's figures, today's load and the streak, as of now."""
        return rules.progress(self.routine, self.now, self.zone)

    def change(self, rule: Callable[[rules.Routine], rules.Routine]) -> None:
        """Stage a pure change to the routine; the reply writes it, with the answer.

        The write happens once, when the turn answers (`tell` / `ask`), so the record keeps
        the answer next to the change and a replay of this request hears it again instead of
        changing anything twice. `rule` may run again on a fresher record if another request
        wrote first (compare-and-set). A second change in one request is a bug.
        """
        if self._pending is not None:
            raise RuntimeError("a request changes the routine at most once")
        self._pending = rule

    @property
    def request_id(self) -> str | None:
        value = getattr(self.request, "request_id", None)
        return value if isinstance(value, str) and value else None

    @property
    def stamped(self) -> int:
        """The request's own timestamp (Alexa's clock) in epoch seconds; 0 when it has none.

        Skill events are stamped by the same clock, so comparing the two needs no allowance
        for the skew between Alexa's clock and ours.
        """
        moment = getattr(self.request, "timestamp", None)
        if not isinstance(moment, datetime):
            return 0
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return int(moment.timestamp())

    def replay(self) -> Response | None:
        """The answer already given, when this very request changed the routine before."""
        answer = self.routine.answer_for(self.request_id)
        if answer is None:
            return None
        return self._reply(answer.speech, answer.reprompt or None)

    def _commit(self, speech: str, reprompt: str | None) -> None:
        rule, self._pending = self._pending, None
        if rule is None:
            return
        now, request_id, person, stamped = self.now, self.request_id, self.person, self.stamped
        ended = [False]

        def apply(attributes: dict) -> dict:
            mine = rules.Routine.from_attributes(people.routine_attributes(attributes, person))
            changed = rule(mine)
            ended[0] = mine.active is not None and changed.active is None
            if request_id:
                answer = rules.Answer(request_id, speech, reprompt)
                changed = rules.remember_answer(changed, answer, now)
            else:
                changed = changed._replace(written=now)
            changed = changed._replace(stamped=stamped)
            return people.with_routine(attributes, person, changed.to_attributes())

        saved = self.services.store.update(self.user_id, apply, first=self._record)
        self.ended_session = ended[0]
        self._record = saved
        self._routine = rules.Routine.from_attributes(
            people.routine_attributes(saved.attributes, person))

    # --- variety: never the same phrasing twice in a row in one conversation ------------------
    def _choose(self, key: str, count: int) -> int:
        last = self._said.get(key)
        index = self.services.rng.choice([i for i in range(count) if i != last] or [0])
        self._remember(key, index)
        return index

    def _remember(self, key: str, index: int) -> None:
        self._said.pop(key, None)
        self._said[key] = index
        while len(self._said) > MAX_SAID:
            self._said.pop(next(iter(self._said)))
        attributes = self._session_attributes()
        if attributes is not None:
            attributes[SAID_KEY] = dict(self._said)

    def once(self, key: str) -> str | None:
        """`key`'s text the first time this conversation needs it, None after that."""
        if key in self._said:
            return None
        text = self.say.text(key)
        self._remember(key, self._said.get(key, 0))
        return text

    # --- the offer a following "yes" agrees to ---------------------------------------------
    def _session_attributes(self) -> dict | None:
        if self.envelope.session is None:
            return None
        return self.handler_input.attributes_manager.session_attributes

    def pending_offer(self) -> Offer | None:
        """The offer the last reply made, left in place (see `take_offer`)."""
        return Offer.from_attributes(self._session_attributes())

    def take_offer(self) -> Offer | None:
        """The pending offer, which this turn answers: it is gone for the turns after."""
        attributes = self._session_attributes()
        offer = Offer.from_attributes(attributes)
        if attributes is not None:
            attributes.pop(OFFER_KEY, None)
        return offer

    def offer(self, action: Action, minutes: int) -> None:
        """Note what a following "yes" would agree to (only inside a conversation)."""
        attributes = self._session_attributes()
        if attributes is not None:
            attributes.update(Offer(action, int(minutes)).to_attributes())

    # --- Alexa APIs -------------------------------------------------------------------------
    @property
    def skill_timers(self) -> list[TimerState]:
        """This skill's timers that exist for the user right now: one list call a request.

        Raises the call's TimersError each time it is read, when the list could not be had.
        """
        if self._listing is None:
            self.together(timers=True)
        assert self._listing is not None
        if self._listing.error is not None:
            raise self._listing.error
        return self._listing.value  # type: ignore[return-value]

    def together(self, calls: Sequence[Callable[[], object]] = (), *, timers: bool = False,
                 zone: bool = False) -> list[Outcome]:
        """Make `calls` in one wave, with this request's reads it does not have yet: the list
        of our timers (`timers`) and the device's time zone (`zone`, only when not cached).

        Returns the outcomes of `calls`, in order; the reads are kept for `skill_timers` and
        `zone`. Prepare every argument before: the calls run on worker threads.
        """
        from skill import fanout  # a request that calls no Alexa API never loads it

        reads: list[tuple[str, Callable[[], object]]] = []
        if timers and self._listing is None:
            reads.append(("timers", self.timers.list))
        if zone and self._zone is None:
            self._zone = known_zone(self.handler_input)
            if self._zone is None:
                reads.append(("zone", partial(device_zone, self.handler_input)))
        outcomes = fanout.together([call for _, call in reads] + list(calls))
        for (read, _), outcome in zip(reads, outcomes, strict=False):
            if read == "timers":
                self._listing = outcome if not isinstance(outcome.error, fanout.Late) else (
                    fanout.Outcome(error=TimersUnavailableError("list: no answer in time")))
            elif outcome.error is None:
                self._zone = outcome.value  # type: ignore[assignment]
            # A zone lookup that never came back is asked again if the request still needs it.
        return outcomes[len(reads):]

    @cached_property
    def timers(self) -> TimersGateway:
        """The Timers API for this user (no API access: every call is a permission miss)."""
        factory = self.handler_input.service_client_factory
        token = getattr(self.envelope.context.system, "api_access_token", None)
        if factory is None or not token:
            return TimersGateway(None)
        return TimersGateway(factory.get_timer_management_service())

    @cached_property
    def reminders(self) -> RemindersGateway:
        """The Reminders API for this user (no API access: every call is a permission miss)."""
        # Imported here: only reminder requests need the reminders models.
        from skill.reminders import RemindersGateway

        factory = self.handler_input.service_client_factory
        token = getattr(self.envelope.context.system, "api_access_token", None)
        if factory is None or not token:
            return RemindersGateway(None)
        return RemindersGateway(factory.get_reminder_management_service())

    @property
    def timers_refused(self) -> bool:
        """True when the request itself says the timers permission is not granted."""
        user = getattr(self.envelope.context.system, "user", None)
        scopes = getattr(getattr(user, "permissions", None), "scopes", None)
        if not isinstance(scopes, dict) or TIMERS_SCOPE not in scopes:
            return False  # not stated: the API call will tell us
        status = getattr(getattr(scopes[TIMERS_SCOPE], "status", None), "value", None)
        return status != "GRANTED"

    # --- the reply --------------------------------------------------------------------------
    @property
    def builder(self) -> ResponseFactory:
        """For cards and directives that go with the words."""
        return self.handler_input.response_builder

    def tell(self, speech: str, *, unsaved: str | None = None) -> Response:
        """Say it and close the session: nothing more is expected of the user.

        A staged change is written first; if the store fails, `unsaved` is said instead
        when given (something already happened that the user must hear about), otherwise
        the store error reaches the apology handler.
        """
        try:
            self._commit(speech, None)
        except StoreError as exc:
            if unsaved is None:
                raise
            log.error("answered, but the routine was not saved: %s", exc)
            return self._reply(unsaved, None)
        return self._reply(speech, None)

    def ask(self, speech: str, reprompt: str) -> Response:
        """Say it and listen; `reprompt` is said if the user stays silent."""
        self._commit(speech, reprompt)
        return self._reply(speech, reprompt)

    def _reply(self, speech: str, reprompt: str | None) -> Response:
        builder = self.builder.speak(to_ssml(speech))
        if reprompt is None:
            builder.set_should_end_session(True)
        else:
            builder.ask(to_ssml(reprompt))
        if self.has_screen:
            # Imported here: only a device with a screen pays for the screens (and their
            # documents are read only when one is sent).
            from skill.screens import show

            show(self, speech)
        return builder.response

    @cached_property
    def has_screen(self) -> bool:
        """Whether the device renders APL (`supportedInterfaces` names it): only then is a
        screen sent, so a voice-only device gets exactly the spoken answer."""
        device = getattr(getattr(self.envelope.context, "system", None), "device", None)
        interfaces = getattr(device, "supported_interfaces", None)
        return getattr(interfaces, "alexa_presentation_apl", None) is not None

    @property
    def known_routine(self) -> rules.Routine | None:
        """The routine as this request read (and wrote) it, without reading it: a screen
        shows what the answer already knows and never costs a store call."""
        return self._routine

    def elicit(self, slot: str, speech: str, reprompt: str) -> Response:
        """Ask again for one slot of this intent with Dialog.ElicitSlot.

        The answer ("twenty minutes") then comes back as this same intent with the slot
        filled, instead of having to match some other sample on its own. The slot is cleared
        in the intent sent back, so the value that was not understood is not kept.
        """
        # Imported here: only this reply needs the dialog models (kept off the cold start).
        from ask_sdk_model import Intent, IntentConfirmationStatus, Slot
        from ask_sdk_model.dialog import ElicitSlotDirective

        intent = getattr(self.request, "intent", None)
        slots = {
            name: Slot(name=name, confirmation_status=getattr(value, "confirmation_status", None))
            for name, value in (getattr(intent, "slots", None) or {}).items()
        }
        slots.setdefault(slot, Slot(name=slot))
        updated = Intent(name=getattr(intent, "name", None), slots=slots,
                         confirmation_status=IntentConfirmationStatus.NONE)
        self.builder.add_directive(ElicitSlotDirective(updated_intent=updated, slot_to_elicit=slot))
        return self.ask(speech, reprompt)

    def prompt(self, key: str, **params: object) -> Response:
        """Ask the line `key`, reprompting with `key.reprompt`."""
        return self.ask(self.say.text(key, **params), self.say.text(f"{key}.reprompt", **params))

    def silence(self) -> Response:
        """No speech at all (session ended, skill events)."""
        return self.builder.response

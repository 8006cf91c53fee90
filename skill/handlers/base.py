"""The shapes every handler takes: a request handler answers one `Turn`.

Handlers stay thin: `respond` reads the Turn, calls a conversation step or a domain rule, and
answers through the Turn's `tell` / `ask`. Two shapes recur and live here once: a handler
for a fixed set of intents, and an answer looked up in the catalogue by a custom slot's id.
"""

from __future__ import annotations

from typing import NamedTuple

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.handlers.turn import Turn
from skill.services import Services


class SkillHandler(AbstractRequestHandler):
    """A request handler with the shared services; subclasses implement `respond`."""

    #: True for handlers that may change the routine or act on Alexa's timers and reminders:
    #: they run one at a time per user (the store's lease), and a replay of a request they
    #: already answered (same requestId) hears the same answer and changes nothing again.
    replay_safe = False
    #: The screen this handler's answers show on a device with one (`skill.screens.SCREENS`);
    #: None: the screen follows what the answer did to the session (started, paused, ended).
    screen: str | None = None

    def __init__(self, services: Services) -> None:
        self.services = services

    def handle(self, handler_input: HandlerInput) -> Response:
        turn = Turn.of(handler_input, self.services)
        turn.screen = self.screen
        if not self.replay_safe:
            return self.respond(turn)
        # The lease is taken before the record is read, so a request that waited reads what
        # the one before it wrote: its replayed answer, or the session it started.
        with self.services.store.lease(turn.user_id):
            replayed = turn.replay()
            if replayed is not None:
                return replayed
            return self.respond(turn)

    def respond(self, turn: Turn) -> Response:
        raise NotImplementedError


class RequestTypeHandler(SkillHandler):
    """A handler for the request types named in `request_types` (launch, events, …)."""

    request_types: tuple[str, ...] = ()

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return getattr(handler_input.request_envelope.request, "object_type", None) in (
            self.request_types
        )


class IntentHandler(SkillHandler):
    """A handler for the intents named in `intent_names`: the common case, said once."""

    intent_names: tuple[str, ...] = ()

    def can_handle(self, handler_input: HandlerInput) -> bool:
        request = handler_input.request_envelope.request
        intent = getattr(request, "intent", None)
        return (
            getattr(request, "object_type", None) == "IntentRequest"
            and getattr(intent, "name", None) in self.intent_names
        )


class AnswerIntentHandler(IntentHandler):
    """An intent answered by one catalogue line, keeping the conversation open."""

    answer_key: str
    reprompt_key: str
    follow_up_key: str | None = None  # the question that keeps the conversation going

    def respond(self, turn: Turn) -> Response:
        return turn.ask(turn.say.join(self.answer_key, self.follow_up_key),
                        turn.say.text(self.reprompt_key))


class Answers(NamedTuple):
    """Where one family of answers lives in the catalogue: the entries by value id, the line
    said once a conversation after the first, the follow-up question and the reprompt."""

    entry_prefix: str  # e.g. "safety.condition." + value id
    once_key: str | None
    follow_up_key: str | None
    reprompt_key: str


#: The two families of looked-up answers. Safety's is here, not in the safety handlers' module,
#: because an explain question can lead to it ("tell me about using it while pregnant") and no
#: handler module imports another.
SAFETY_ANSWERS = Answers("safety.condition.", "safety.disclaimer", "safety.more",
                         "safety.reprompt")
EXPLAIN_ANSWERS = Answers("explain.topic.", None, "explain.more", "explain.reprompt")


class LookupIntentHandler(AnswerIntentHandler):
    """Answers read from the catalogue by the id of one custom slot (explain, safety).

    A resolved id the catalogue knows gets its entry (and `once_key` the first time in a
    conversation); no value at all gets the general answer (`answer_key`). Words that entity
    resolution matched to nothing are read again before they are given up (`rescue`): a known
    value's name or synonym inside them, in any slot of the request, gets that value's answer,
    trying the slot types in order, safety conditions first. Only words that name nothing known
    get the menu of what we know (or `unmatched_entry`). Each answer ends with the follow-up.
    """

    #: The slots that name the entry, in order. More than one when people name the same thing
    #: in differently shaped words ("tell me about {topic}" / "how do I {task}"), each shape a
    #: slot type of its own, so that no sample is filled with words that do not fit it.
    slot_names: tuple[str, ...]
    entry_prefix: str  # e.g. "explain.topic." + slot value id
    unknown_key: str
    once_key: str | None = None  # said after the first entry of a conversation, not again
    #: Slot types whose names are looked for in unresolved words, in order, with the answers a
    #: match leads to: a condition named inside an explain question gets the safety answer.
    rescue: tuple[tuple[str, Answers], ...] = ()
    #: The entry for words that name nothing known, in place of the menu (None: the menu).
    unmatched_entry: str | None = None

    @property
    def answers(self) -> Answers:
        return Answers(self.entry_prefix, self.once_key, self.follow_up_key, self.reprompt_key)

    def entry_id(self, turn: Turn) -> str | None:
        """The catalogue entry asked for: the first of the slots' resolved ids."""
        return next(filter(None, (turn.resolved_id(name) for name in self.slot_names)), None)

    def respond(self, turn: Turn) -> Response:
        say = turn.say
        entry = self.entry_id(turn)
        if entry is not None and f"{self.entry_prefix}{entry}" in say:
            return self.answer(turn, self.answers, entry)
        spoken = turn.spoken_values()
        if not spoken:
            return super().respond(turn)
        found = self.rescued(turn, spoken)
        if found is not None:
            return self.answer(turn, *found)
        if self.unmatched_entry is not None:
            return self.answer(turn, self.answers, self.unmatched_entry)
        return turn.prompt(self.unknown_key)

    def rescued(self, turn: Turn, spoken: list[str]) -> tuple[Answers, str] | None:
        """The answers and value id named inside words entity resolution did not match."""
        if not self.rescue:
            return None
        from skill.content.values import values_for  # read only for unresolved words

        found = values_for(turn.locale).find(spoken, [slot_type for slot_type, _ in self.rescue])
        if found is None:
            return None
        slot_type, value_id = found
        answers = dict(self.rescue)[slot_type]
        if f"{answers.entry_prefix}{value_id}" not in turn.say:
            return None
        return answers, value_id

    @staticmethod
    def answer(turn: Turn, answers: Answers, entry: str) -> Response:
        say = turn.say
        once = turn.once(answers.once_key) if answers.once_key else None
        return turn.ask(say.join(f"{answers.entry_prefix}{entry}", once, answers.follow_up_key),
                        say.text(answers.reprompt_key))

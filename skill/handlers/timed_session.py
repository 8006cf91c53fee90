"""Timed sessions: start, time left, pause, resume and end, each backed by a real Alexa timer.

The user is lying on spikes, so replies that need no answer close the session, and starting
always ends the conversation: the timer's announcement is what tells them to get up.
"""

from __future__ import annotations

from collections.abc import Callable

from ask_sdk_model import Response

from skill.domain import routine as rules
from skill.domain.lengths import LengthOutcome, requested_length
from skill.handlers import flows
from skill.handlers.base import IntentHandler
from skill.handlers.turn import Turn
from skill.timers import TimersError

_UNCLEAR_LENGTH = {
    LengthOutcome.TOO_SHORT: "start.too_short",
    LengthOutcome.TOO_LONG: "start.too_long",
    LengthOutcome.UNCLEAR: "start.unclear",
}


class StartSessionIntentHandler(IntentHandler):
    """"Start a twenty minute session": check the length, then time it."""

    intent_names = ("StartSessionIntent",)
    replay_safe = True

    def respond(self, turn: Turn) -> Response:
        asked = requested_length(turn.slot_value("duration"), turn.slot_value("minutes"))
        if asked.outcome in _UNCLEAR_LENGTH:
            return turn.elicit("duration", turn.say.text(_UNCLEAR_LENGTH[asked.outcome]),
                               turn.say.text("start.length.reprompt"))
        return flows.start_session(turn, asked.minutes)


class TimeLeftIntentHandler(IntentHandler):
    """Read the real timer: it may have been paused or cancelled by the user directly."""

    intent_names = ("TimeLeftIntent",)
    replay_safe = True

    def respond(self, turn: Turn) -> Response:
        say = turn.say
        try:
            known = flows.known_timers(turn)
        except TimersError as exc:
            return flows.timers_unreadable(turn, exc)
        timer = known.tracked or next(iter(known.leftovers), None)
        if timer is not None:
            key = "time_left.paused" if timer.paused else "time_left.running"
            return turn.tell(say.text(key, left=say.duration(timer.remaining_seconds)))
        if known.finished:
            return flows.complete_session(turn, known)
        flows.offer_usual_session(turn)
        return turn.prompt("time_left.none")


class _PauseOrResumeHandler(IntentHandler):
    """Pause and resume differ only in names: which intent, which call, which rule, which words.

    The timer says whether it is paused; the record remembers when a pause began, so paused
    time is never counted as time done. The session's end timer and its check-ins are paused
    or resumed together, in one wave, so the check-ins keep their places in the session (one
    that already spoke is no longer listed). A check-in left behind by a failure, or by an
    earlier request, is brought along by the next pause or resume, even when the end timer
    needs nothing.
    """

    acts_when_paused: bool  # resume acts on a paused session, pause on a running one
    replay_safe = True
    timer_call: str  # TimersGateway method
    rule: Callable[[rules.Routine, int], rules.Routine]
    done_key: str
    nothing_to_do_key: str

    def respond(self, turn: Turn) -> Response:
        say, now = turn.say, turn.now
        try:
            known = flows.known_timers(turn)
        except TimersError as exc:
            return flows.timers_unreadable(turn, exc)
        timer = known.tracked or next(iter(known.leftovers), None)
        if timer is None:
            if known.finished:
                return flows.complete_session(turn, known)
            return self.nothing_running(turn)
        left = say.duration(timer.remaining_seconds)
        behind = [c for c in known.checkins if c.paused == self.acts_when_paused]
        if timer.paused != self.acts_when_paused:
            flows.act_on(turn, behind, self.timer_call)  # quietly: the answer is the same
            return turn.tell(say.text(self.nothing_to_do_key, left=left))
        exists, *others = flows.act_on(turn, [timer, *behind], self.timer_call)
        if isinstance(exists, TimersError):
            return flows.timers_unreadable(turn, exists)
        if not exists:
            return flows.complete_session(turn, known) if timer is known.tracked else turn.tell(
                say.text("time_left.finished"))
        if timer is known.tracked:
            turn.change(lambda r: self.rule(r, now))
        failure = next((r for r in others if isinstance(r, TimersError)), None)
        if failure is not None:  # the session is paused (or resumed); a check-in is not yet
            return flows.timers_unreadable(turn, failure)
        return turn.tell(say.text(self.done_key, left=left))

    def nothing_running(self, turn: Turn) -> Response:
        """No session to act on."""
        return turn.tell(turn.say.text("end.none"))


class PauseIntentHandler(_PauseOrResumeHandler):
    """"Pause": pause the timer and remember when."""

    intent_names = ("AMAZON.PauseIntent",)
    acts_when_paused = False
    timer_call = "pause"
    rule = staticmethod(rules.pause_session)
    done_key = "pause.done"
    nothing_to_do_key = "pause.already"


class ResumeIntentHandler(_PauseOrResumeHandler):
    """"Resume": carry on; the pause is added to the time that does not count."""

    intent_names = ("AMAZON.ResumeIntent",)
    acts_when_paused = True
    timer_call = "resume"
    rule = staticmethod(rules.resume_session)
    done_key = "resume.done"
    nothing_to_do_key = "resume.not_paused"

    def nothing_running(self, turn: Turn) -> Response:
        """"Go on" with no session paused answers the question just asked: Alexa hears "yeah,
        go on" or "carry on" after "shall I start your usual twenty minutes?" as resume. A
        restart offer is not taken so: "keep going" there means keep the running session, and
        a running session never reaches here."""
        offer = turn.pending_offer()
        if offer is not None and offer.action in ("start", "reminder"):
            turn.take_offer()
            return flows.accept_offer(turn, offer)
        return super().nothing_running(turn)


class EndSessionIntentHandler(IntentHandler):
    """"I'm done": cancel the timer and record the minutes actually spent on the mat."""

    intent_names = ("EndSessionIntent",)
    replay_safe = True

    def respond(self, turn: Turn) -> Response:
        return flows.end_session(turn)

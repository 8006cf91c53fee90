"""Timed sessions: start, time left, pause, resume and end, each backed by a real Alexa timer.

The user is lying on spikes, so replies that need no answer close the session, and starting
always ends the conversation: the timer's announcement is what tells them to get up.
"""

from __future__ import annotations

from collections.abc import Callable

from ask_sdk_model import Response

from skill.domain import routine as rules
from skill.domain.lengths import LengthOutcome, requested_length
from skill.domain.session_rules import suggested_minutes
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

    def respond(self, turn: Turn) -> Response:
        asked = requested_length(turn.slot_value("duration"), turn.slot_value("minutes"))
        if asked.outcome in _UNCLEAR_LENGTH:
            return turn.ask(turn.say.text(_UNCLEAR_LENGTH[asked.outcome]),
                            turn.say.text("start.length.reprompt"))
        session = flows.plan(turn, asked.minutes)
        return flows.offer_restart(turn, session) or flows.start_session(turn, session)


class TimeLeftIntentHandler(IntentHandler):
    """Read the real timer: it may have been paused or cancelled by the user directly."""

    intent_names = ("TimeLeftIntent",)

    def respond(self, turn: Turn) -> Response:
        say, active = turn.say, turn.routine.active
        if active is None:
            turn.offer("start", suggested_minutes(turn.routine))
            return turn.prompt("time_left.none")
        try:
            state = turn.timers.state(active.timer_id)
        except TimersError:
            return turn.tell(say.text("timers.unavailable.read"))
        if state is None:
            return flows.complete_session(turn)
        key = "time_left.paused" if state.paused else "time_left.running"
        return turn.tell(say.text(key, left=say.duration(state.remaining_seconds)))


class _PauseOrResumeHandler(IntentHandler):
    """Pause and resume differ only in names: which intent, which call, which rule, which words.

    The record remembers when a pause began, so paused time is never counted as time done.
    """

    acts_when_paused: bool  # resume acts on a paused session, pause on a running one
    timer_call: str  # TimersGateway method
    rule: Callable[[rules.Routine, int], rules.Routine]
    done_key: str
    nothing_to_do_key: str

    def respond(self, turn: Turn) -> Response:
        say, active, now = turn.say, turn.routine.active, turn.now
        if active is None:
            return turn.tell(say.text("end.none"))
        left = say.duration(active.remaining_seconds(now))
        if (active.paused_at is not None) != self.acts_when_paused:
            return turn.tell(say.text(self.nothing_to_do_key, left=left))
        try:
            exists = getattr(turn.timers, self.timer_call)(active.timer_id)
        except TimersError:
            return turn.tell(say.text("timers.unavailable.read"))
        if not exists:
            return flows.complete_session(turn)
        turn.change(lambda r: self.rule(r, now))
        return turn.tell(say.text(self.done_key, left=left))


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


class EndSessionIntentHandler(IntentHandler):
    """"I'm done": cancel the timer and record the minutes actually spent on the mat."""

    intent_names = ("EndSessionIntent",)

    def respond(self, turn: Turn) -> Response:
        say, routine, now = turn.say, turn.routine, turn.now
        if routine.active is None:
            return turn.tell(say.text("end.none"))
        try:
            turn.timers.delete(routine.active.timer_id)
        except TimersError:
            return turn.tell(say.text("timers.unavailable.read"))
        done = rules.end_session(routine, now)[1]
        turn.change(lambda r: rules.end_session(r, now)[0])
        if done <= 0:
            return turn.tell(say.text("end.done_short"))
        return turn.tell(say.text("end.done", done=say.count("minute", done)))

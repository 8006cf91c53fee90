"""Conversation steps that more than one handler takes, each on a `Turn`.

Starting a session is reached from a start request, a "yes" to an offer and the answer to our
permission request; completing a session from time left, pause and resume; describing
progress from launch and "how am I doing". Each step lives here once, so every path into it
behaves the same. Handler modules import this one, never each other.
"""

from __future__ import annotations

import logging

from ask_sdk_model import Response

from skill.domain import routine as rules
from skill.domain.session_rules import SessionPlan, plan_minutes
from skill.handlers.turn import Turn
from skill.store import StoreError
from skill.timers import TIMERS_SCOPE, TimersError, TimersPermissionError, TimersUnavailableError

log = logging.getLogger(__name__)


def plan(turn: Turn, minutes: int | None = None) -> SessionPlan:
    """The session to time for a length within bounds (None: the user's usual length)."""
    return plan_minutes(minutes, turn.routine, turn.progress)


# --- the timers permission ------------------------------------------------------------------
def ask_for_timer_permission(turn: Turn, minutes: int) -> Response:
    """Ask by voice; Alexa answers with a Connections.Response carrying `minutes` as token."""
    # Imported here: only this reply needs the Connections models, and importing them with
    # the module would charge every Lambda cold start for them.
    from ask_sdk_model.interfaces.connections import SendRequestDirective

    turn.builder.add_directive(SendRequestDirective(
        name="AskFor",
        payload={
            "@type": "AskForPermissionsConsentRequest",
            "@version": "1",
            "permissionScope": TIMERS_SCOPE,
        },
        token=str(minutes),
    ))
    return turn.tell(turn.say.text("permission.ask"))


def permission_missing(turn: Turn, minutes: int) -> Response:
    """Explain, send the consent card, and offer the plain Alexa timer as a way round."""
    from ask_sdk_model.ui import AskForPermissionsConsentCard

    turn.builder.set_card(AskForPermissionsConsentCard(permissions=[TIMERS_SCOPE]))
    return turn.tell(turn.say.text("permission.denied", minutes=minutes))


def _answering_consent(turn: Turn) -> bool:
    """This request is the answer to our permission question: never ask it again at once."""
    return getattr(turn.request, "object_type", None) == "Connections.Response"


# --- starting -------------------------------------------------------------------------------
def offer_restart(turn: Turn, session: SessionPlan) -> Response | None:
    """When a session's timer is still running, offer to restart it instead of starting."""
    active = turn.routine.active
    if active is None or active.remaining_seconds(turn.now) <= 0:
        return None
    try:
        state = turn.timers.state(active.timer_id)
    except TimersError:
        state = None
    if state is None:
        return None
    say = turn.say
    turn.offer("restart", session.minutes)
    return turn.ask(
        say.text("start.already_running", left=say.duration(state.remaining_seconds),
                 length=say.text("units.length", n=session.minutes)),
        say.text("start.already_running.reprompt"),
    )


def start_session(turn: Turn, session: SessionPlan) -> Response:
    """Create the timer, record the session, and say so."""
    return _start(turn, session, replacing=None)


def restart_session(turn: Turn, session: SessionPlan) -> Response:
    """Cancel the running session's timer, then start `session` in its place."""
    active = turn.routine.active
    return _start(turn, session, replacing=active.timer_id if active else None)


def _start(turn: Turn, session: SessionPlan, replacing: str | None) -> Response:
    say = turn.say
    after_consent = _answering_consent(turn)
    if not after_consent and turn.timers_refused:
        return ask_for_timer_permission(turn, session.minutes)
    routine = turn.routine
    try:
        if replacing is not None:
            turn.timers.delete(replacing)
        timer_id = turn.timers.create(
            session.minutes,
            label=say.text("timer.label", number=routine.timers_created + 1),
            announcement=say.text("timer.announce"),
            locale=say.locale,
        )
    except TimersPermissionError:
        if after_consent:
            return permission_missing(turn, session.minutes)
        return ask_for_timer_permission(turn, session.minutes)
    except TimersUnavailableError:
        return turn.tell(say.text("timers.unavailable", minutes=session.minutes))
    now = turn.now
    speech = say.join("start.started", *session.notes,
                      length=say.text("units.length", n=session.minutes))
    try:
        turn.change(lambda r: rules.start_session(r, timer_id, session.minutes, now))
    except StoreError as exc:
        log.error("session started but not recorded: %s", exc)
        speech = say.join(speech, "start.not_saved")
    return turn.tell(speech)


# --- finishing ------------------------------------------------------------------------------
def complete_session(turn: Turn) -> Response:
    """The timer already went off: close the session in the record as completed."""
    now = turn.now
    turn.change(lambda r: rules.end_session(r, now, completed=True)[0])
    return turn.tell(turn.say.text("time_left.finished"))


# --- progress -------------------------------------------------------------------------------
def describe_progress(turn: Turn) -> str:
    """One or two sentences: this week against the goal, and the streak when there is one."""
    say, figures = turn.say, turn.progress
    goal = say.count("session", figures.goal)
    if figures.sessions == 0:
        lines = [say.text("progress.none_yet", goal=goal)]
    else:
        lines = [say.text(
            "progress.summary",
            sessions=figures.sessions,
            goal=goal,
            minutes=say.count("minute", figures.minutes),
        )]
        if figures.goal_met:
            lines.append(say.text("progress.goal_met"))
    if figures.streak_weeks >= 2:
        lines.append(say.text("progress.streak", weeks=say.count("week", figures.streak_weeks)))
    return " ".join(lines)

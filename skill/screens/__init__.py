"""Echo Show screens: which one an answer shows, filled from what the answer already knows.

Someone lying on the mat cannot reach a phone, but can look up at a screen: during a session
it shows how long is left, after it the minutes done and how to get up, and "how am I doing"
draws the week. Each screen is an APL document in `documents/` (one JSON file each, with the
look they share in `documents/shared.json`); this module picks the screen for an answer, builds
its data source from the catalogue of the request's language, and adds the
`Alexa.Presentation.APL.RenderDocument` directive.

Only `Turn._reply` calls `show`, and only for a device whose `supportedInterfaces` names APL: a
voice-only device never loads this module and hears exactly what it heard before. A screen
is built from the routine the request already read, never from a new store or API call, and a
screen that cannot be built is left out (logged), never at the cost of the spoken answer.

Which screen: a handler may name one (`SkillHandler.screen`: welcome, progress, an answer);
an answer about the session shows the session as the answer left it - running (the
countdown), paused, or just ended (done). A named answer or progress wins over the session,
so a question asked during a session is answered on screen too; the welcome gives way to
a running session.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime, timedelta, tzinfo
from functools import cache
from typing import TYPE_CHECKING, Protocol

from skill.content import plain
from skill.domain import routine as rules
from skill.domain.checkins import checkins_for
from skill.domain.session_rules import suggested_minutes

if TYPE_CHECKING:
    from ask_sdk_core.response_helper import ResponseFactory

    from skill.content import Catalogue
    from skill.domain.offer import Offer


class Turn(Protocol):
    """What a screen reads of the request being answered (`skill.handlers.turn.Turn`, which
    calls `show`: named here by what is used, so the screens do not import the handlers)."""

    say: Catalogue
    screen: str | None
    ended_session: bool
    now: int

    @property
    def known_routine(self) -> rules.Routine | None: ...
    @property
    def zone(self) -> tzinfo: ...
    @property
    def progress(self) -> rules.Progress: ...
    @property
    def builder(self) -> ResponseFactory: ...
    def pending_offer(self) -> Offer | None: ...

log = logging.getLogger(__name__)

#: Every screen, by the name of its document (`documents/<name>.json`).
SCREENS = ("welcome", "session", "paused", "done", "progress", "answer")
#: The RenderDocument token: touch events from the screen carry it back.
TOKEN_PREFIX = "mat-coach."
#: How long a screen that closes the conversation stays up at most (Alexa's idle timeout,
#: in ms): a countdown stays for the whole session, anything else for a short look.
SHORT_LOOK_MS = 30_000
#: The answers a screen titles, by the name a handler gives (`SkillHandler.screen`).
ANSWER_TITLES = {"answer.explain": "screen.answer.explain", "answer.safety": "screen.answer.safety"}
_DOCUMENTS = os.path.join(os.path.dirname(__file__), "documents")
#: The check-ins still to come, as the screen lists them (`skill.domain.checkins.KINDS`).
_CHECKIN_KEYS = {"checkin.eased": "screen.checkin.eased",
                 "checkin.halfway": "screen.checkin.halfway",
                 "checkin.last_minute": "screen.checkin.last_minute"}
_DAY_KEYS = ("screen.day.mon", "screen.day.tue", "screen.day.wed", "screen.day.thu",
             "screen.day.fri", "screen.day.sat", "screen.day.sun")


@cache
def document(name: str) -> dict:
    """The APL document of screen `name`, with the shared look merged in (read once, on the
    first request that sends it)."""
    shared = _read("shared")
    own = _read(name)
    return {**own, "resources": shared["resources"] + own.get("resources", []),
            "styles": {**shared["styles"], **own.get("styles", {})},
            "layouts": {**shared["layouts"], **own.get("layouts", {})}}


def _read(name: str) -> dict:
    path = os.path.join(_DOCUMENTS, f"{name}.json")
    raw = __spec__.loader.get_data(path)  # type: ignore[union-attr]  # a zip import too
    return json.loads(raw.decode("utf-8"))


def show(turn: Turn, speech: str) -> None:
    """Add the screen for this answer to the response, when there is one to show."""
    response = turn.builder.response
    if any(getattr(d, "object_type", "").startswith("Connections.")
           for d in response.directives or ()):
        return  # Alexa's own permission question has the screen
    try:
        chosen = choose(turn, speech)
    except Exception:  # a screen must never cost the spoken answer
        log.exception("screen not built")
        return
    if chosen is None:
        return
    name, source = chosen
    # Imported here: the APL models are needed only when a screen is sent.
    from ask_sdk_model.interfaces.alexa.presentation.apl import RenderDocumentDirective

    closing = response.should_end_session is True
    if closing and name in ("session", "paused"):
        # The session's screen stays up while the mat is in use: the conversation stays
        # open without the microphone (shouldEndSession left out), as Alexa does for screens.
        turn.builder.set_should_end_session(None)
    sent = dict(document(name))
    keep = source.pop("keepMs", None)
    sent["settings"] = {"idleTimeout": int(keep) if keep else SHORT_LOOK_MS}
    turn.builder.add_directive(RenderDocumentDirective(
        token=TOKEN_PREFIX + name, document=sent, datasources={"screen": source}))


def choose(turn: Turn, speech: str) -> tuple[str, dict] | None:
    """The screen for this answer and its data source, or None to leave the screen as it is."""
    say, named = turn.say, turn.screen
    if named in ANSWER_TITLES:
        return "answer", answer_source(say, named, speech)
    routine = turn.known_routine
    if routine is None:
        return ("welcome", welcome_source(turn, None)) if named == "welcome" else None
    if named == "progress":
        return "progress", progress_source(turn, routine)
    active = routine.active
    if active is not None and active.remaining_seconds(turn.now) > 0:
        if active.paused_at is not None:
            return "paused", paused_source(turn, active)
        return "session", session_source(turn, active)
    if turn.ended_session and routine.history:
        return "done", done_source(say, routine.history[-1])
    if named == "welcome":
        return "welcome", welcome_source(turn, routine)
    return None


# --- data sources: every word from the catalogue, every number already worked out ----------
def _start_button(say: Catalogue, minutes: int) -> dict:
    key = "screen.button.start.one" if minutes == 1 else "screen.button.start.other"
    return {"label": say.text(key, minutes=minutes), "action": "start", "value": minutes}


def _button(say: Catalogue, key: str) -> dict:
    """A touch button: its label, and the action its event asks for (the key's last part)."""
    return {"label": say.text(key), "action": key.rpartition(".")[2], "value": 0}


def _clock(seconds: int) -> str:
    minutes, rest = divmod(max(0, int(seconds)), 60)
    return f"{minutes}:{rest:02d}"


def welcome_source(turn: Turn, routine: rules.Routine | None) -> dict:
    say = turn.say
    offer = turn.pending_offer()
    minutes = offer.minutes if offer is not None and offer.action == "start" else (
        suggested_minutes(routine, turn.now) if routine is not None else
        suggested_minutes(rules.Routine(), turn.now))
    return {"title": say.text("screen.name"), "hint": say.text("screen.welcome.hint"),
            "hintTv": say.text("screen.welcome.hint_tv"),
            "buttons": [_start_button(say, minutes), _button(say, "screen.button.safety"),
                        _button(say, "screen.button.progress")]}


def session_source(turn: Turn, active: rules.ActiveSession) -> dict:
    say, now = turn.say, turn.now
    left = active.remaining_seconds(now)
    ends = now + left
    marks = []
    if active.checkins:
        elapsed = active.elapsed_seconds(now)
        for checkin in checkins_for(active.minutes):
            if checkin.offset > elapsed:
                marks.append({"label": say.text(_CHECKIN_KEYS[checkin.key]),
                              "at": (ends - active.minutes * 60 + checkin.offset) * 1000})
    return {"title": say.text("screen.session.title"), "leftLabel": say.text("screen.session.left"),
            "endsAt": ends * 1000, "left": _clock(left), "calm": say.text("screen.session.calm"),
            "checkinsTitle": say.text("screen.session.checkins") if marks else "",
            "checkins": marks,
            "buttons": [_button(say, "screen.button.pause"), _button(say, "screen.button.end")],
            "keepMs": (left + 60) * 1000}


def paused_source(turn: Turn, active: rules.ActiveSession) -> dict:
    say = turn.say
    left = active.remaining_seconds(turn.now)
    return {"title": say.text("screen.paused.title"), "leftLabel": say.text("screen.session.left"),
            "left": _clock(left), "hint": say.text("screen.paused.hint"),
            "buttons": [_button(say, "screen.button.resume"), _button(say, "screen.button.end")],
            "keepMs": 10 * 60 * 1000}


def done_source(say: Catalogue, entry: rules.SessionEntry) -> dict:
    return {"title": say.text("screen.done.title"), "minutes": say.count("minute", entry.minutes),
            "advice": say.text("screen.done.advice"),
            "buttons": [_button(say, "screen.button.progress")]}


def progress_source(turn: Turn, routine: rules.Routine) -> dict:
    say, figures, zone = turn.say, turn.progress, turn.zone
    local_now = datetime.fromtimestamp(turn.now, zone)
    monday = rules.week_start(local_now).date()
    minutes = [0] * 7
    for entry in routine.history:
        day = datetime.fromtimestamp(entry.started, zone).date()
        if entry.minutes >= 1 and monday <= day < monday + timedelta(days=7):
            minutes[(day - monday).days] += entry.minutes
    tallest = max(max(minutes), 1)
    today = local_now.weekday()
    days = [{"label": say.text(key), "minutes": str(value),
             "percent": max(2, round(value * 100 / tallest)), "today": index == today}
            for index, (key, value) in enumerate(zip(_DAY_KEYS, minutes, strict=True))]
    return {
        "title": say.text("screen.progress.title"),
        "summary": say.text("screen.progress.sessions", sessions=figures.sessions,
                            goal=say.count("session", figures.goal)),
        "minutesLabel": say.text("screen.progress.minutes",
                                 minutes=say.count("minute", figures.minutes)),
        "streak": say.text("screen.progress.streak", weeks=figures.streak_weeks),
        "unit": say.text("screen.progress.unit"), "days": days,
        "buttons": [_start_button(say, suggested_minutes(routine, turn.now))],
    }


def answer_source(say: Catalogue, named: str, speech: str) -> dict:
    return {"title": say.text(ANSWER_TITLES[named]), "text": plain(speech),
            "doctor": say.text("screen.answer.doctor") if named == "answer.safety" else "",
            "buttons": [_button(say, "screen.button.safety") if named != "answer.safety" else
                        _button(say, "screen.button.explain"),
                        _button(say, "screen.button.progress")]}

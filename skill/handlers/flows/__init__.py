"""Conversation steps that more than one handler takes, each on a `Turn`, by capability.

Starting a session is reached from a start request, a "yes" to an offer and the answer to our
permission request; completing a session from time left, pause and resume; describing
progress from launch and "how am I doing". Each step lives here once, so every path into it
behaves the same. Handler modules import this package, never each other.

* `asking`: the permission questions and their cards;
* `reading`: the one list call, sorted against the record (`KnownTimers`);
* `waves`: timers calls made together, and what each outcome means;
* `offers`: the usual session, offered, and the length to time;
* `starting`: start a session (the only way into one), and accept an offer;
* `checkins`: the hidden check-in timers, and turning them on or off;
* `ending`: end, complete, and the rule that records what happened;
* `progress`: this week in words;
* `reminders`: the weekly reminder, its token, its words, and asking for days or a time.

A step's module is loaded when a handler first uses the step (`flows.start_session`), not
with the package: an explain or safety answer on a Lambda cold start loads none of them, and
a launch only the ones it speaks with.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # what each name is, for readers and checkers; loaded on first use below
    from skill.handlers.flows.asking import permission_missing
    from skill.handlers.flows.checkins import set_checkins
    from skill.handlers.flows.ending import complete_session, end_session
    from skill.handlers.flows.offers import offer_usual_session, session_length
    from skill.handlers.flows.progress import describe_progress
    from skill.handlers.flows.reading import KnownTimers, known_timers, timers_unreadable
    from skill.handlers.flows.reminders import (
        ask_reminder_days,
        ask_reminder_time,
        reminder_permission_missing,
        reminders_consent_card,
        schedule_of_token,
        set_weekly_reminder,
        spoken_schedule,
    )
    from skill.handlers.flows.starting import accept_offer, start_session
    from skill.handlers.flows.waves import act_on, cancel

#: Each step's module, by the step's name.
_STEPS = {
    "permission_missing": "asking",
    "set_checkins": "checkins",
    "complete_session": "ending", "end_session": "ending",
    "offer_usual_session": "offers", "session_length": "offers",
    "describe_progress": "progress",
    "KnownTimers": "reading", "known_timers": "reading", "timers_unreadable": "reading",
    "ask_reminder_days": "reminders", "ask_reminder_time": "reminders",
    "reminder_permission_missing": "reminders", "reminders_consent_card": "reminders",
    "schedule_of_token": "reminders", "set_weekly_reminder": "reminders",
    "spoken_schedule": "reminders",
    "accept_offer": "starting", "start_session": "starting",
    "act_on": "waves", "cancel": "waves",
}

__all__ = [
    "KnownTimers", "accept_offer", "act_on", "ask_reminder_days", "ask_reminder_time",
    "cancel", "complete_session", "describe_progress", "end_session", "known_timers",
    "offer_usual_session", "permission_missing", "reminder_permission_missing",
    "reminders_consent_card", "schedule_of_token", "session_length", "set_checkins",
    "set_weekly_reminder", "spoken_schedule", "start_session", "timers_unreadable",
]


def __getattr__(name: str) -> object:
    """Load a step's module on first use, and keep the step here for the next."""
    module = _STEPS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    step = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = step
    return step

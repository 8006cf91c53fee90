"""Conversation steps that more than one handler takes, each on a `Turn`, by capability.

Starting a session is reached from a start request, a "yes" to an offer and the answer to our
permission request; completing a session from time left, pause and resume; describing
progress from launch and "how am I doing". Each step lives here once, so every path into it
behaves the same. Handler modules import this package, never each other.

* `asking`: the permission questions and their cards;
* `reading`: the one list call, sorted against the record (`KnownTimers`);
* `waves`: timers calls made together, and what each outcome means;
* `starting`: plan and start a session (the only way into one), offers;
* `checkins`: the hidden check-in timers, and turning them on or off;
* `ending`: end, complete, and the rule that records what happened;
* `progress`: this week in words;
* `reminders`: the weekly reminder, its token, its words, and asking for days or a time.
"""

from __future__ import annotations

from skill.handlers.flows.asking import permission_missing
from skill.handlers.flows.checkins import set_checkins
from skill.handlers.flows.ending import complete_session, end_session
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
from skill.handlers.flows.starting import (
    accept_offer,
    offer_usual_session,
    session_length,
    start_session,
)
from skill.handlers.flows.waves import act_on, cancel

__all__ = [
    "KnownTimers", "accept_offer", "act_on", "ask_reminder_days", "ask_reminder_time",
    "cancel", "complete_session", "describe_progress", "end_session", "known_timers",
    "offer_usual_session", "permission_missing", "reminder_permission_missing",
    "reminders_consent_card", "schedule_of_token", "session_length", "set_checkins",
    "set_weekly_reminder", "spoken_schedule", "start_session", "timers_unreadable",
]

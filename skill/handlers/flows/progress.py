"""Describing progress: this week against the goal, and the streak (launch, "how am I doing").

The week starts on Monday in the device's time zone, so this is the one answer besides a
start and a reminder that needs the zone: looked up when the process does not know it yet.
"""

from __future__ import annotations

from skill.handlers.turn import Turn


def describe_progress(turn: Turn) -> str:
    """One or two sentences: this week against the goal, and the streak when there is one."""
    say, figures = turn.say, turn.progress
    goal = say.count("session", figures.goal)
    minutes = say.count("minute", figures.minutes)
    if figures.sessions == 0:
        lines = [say.text("progress.none_yet", goal=goal)]
    elif figures.goal_met:
        lines = [say.text("progress.summary_met", sessions=say.count("session", figures.sessions),
                          goal=goal, minutes=minutes)]
    else:
        lines = [say.text("progress.summary", sessions=figures.sessions, goal=goal,
                          minutes=minutes)]
    if figures.streak_weeks >= 2:
        lines.append(say.text("progress.streak", weeks=say.count("week", figures.streak_weeks)))
    return " ".join(lines)

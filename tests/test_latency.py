"""Round trips per request kind: what someone on the mat waits for, counted, not timed.

`testkit.latency.play` sends every request kind through the Lambda door against the loopback
stand-in, which holds each call 80 ms (so calls made together overlap) and counts how many
times the user's calls in flight went from none to some. Speed is the latency bench's to
measure (`python -m bench.latency`); the number of calls one after another is deterministic,
so it is held here: a start, pause, resume, end or restart in two, time left in one, and the
time-zone lookup never on the path of a request that does not speak a time.
"""

from __future__ import annotations

import pytest

from skill import fanout, lambda_function
from skill.builder import build_skill
from skill.settings import Settings
from testkit.alexa_apis import TimersFake
from testkit.checks import check_response
from testkit.latency import KINDS, Measured, play

#: Zone known (a warm process that has served this device within the hour).
ROUND_TRIPS = {
    "explain": 0, "safety": 0, "launch": 0, "progress": 0, "timers permission refused": 0,
    "time left": 1, "start while running (restart offered)": 1,
    "start": 2, "pause": 2, "resume": 2, "yes (restart)": 2, "end": 2,
    "timers permission accepted (starts)": 2,
    "reminder set": 1, "reminders permission accepted (replaces)": 2,
    "reminders list": 1, "reminders stop": 1,
}
#: Calls in all: a session is four timers (the end timer and three check-ins).
CALLS = {"start": 5, "pause": 5, "resume": 5, "end": 5, "yes (restart)": 9}
#: Zone not known: only answers about the week, or a reminder's time, wait for it; a start
#: and an end look it up in a wave they make anyway.
ZONE_UNKNOWN = {**ROUND_TRIPS, "launch": 1, "progress": 1, "reminder set": 2}
ZONE_LOOKUPS = {"start": 1, "yes (restart)": 1, "end": 1, "timers permission accepted (starts)": 1,
                "launch": 1, "progress": 1, "reminder set": 1,
                "reminders permission accepted (replaces)": 1}


@pytest.fixture
def played(settings: Settings, timers_fake: TimersFake, api_endpoint: str, monkeypatch):
    # Idle workers, as a warm Lambda has: calls an earlier test abandoned to a slow stand-in
    # may still hold the shared pool's threads, and a wave then waits its turn for them.
    monkeypatch.setattr(fanout, "_pool", None)
    skill = build_skill(settings)
    handle = lambda_function.create_handler(settings, skill=skill)

    def send(envelope: dict) -> dict:
        return check_response(handle(envelope, None))

    def run(name: str, *, zone_cached: bool) -> dict[str, Measured]:
        # Round trips are counted as the stand-in sees calls in flight: each call is held long
        # enough (0.2 s) that calls sent together overlap even on a loaded machine, where a
        # worker thread may start tens of milliseconds after its sibling.
        measured = play(send, timers_fake, api_endpoint, skill.services.store, run=name,
                        delay=0.2, zone_cached=zone_cached)
        return {m.kind: m for m in measured}

    return run


def test_every_kind_waits_for_as_few_round_trips_as_it_needs(played) -> None:
    measured = played("known", zone_cached=True)
    assert list(measured) == list(KINDS)
    assert {kind: m.round_trips for kind, m in measured.items()} == ROUND_TRIPS
    for kind, calls in CALLS.items():  # not vacuous: the waves carry the session's timers
        assert measured[kind].calls == calls, kind
    assert all(m.zone_calls == 0 for m in measured.values())


def test_the_time_zone_is_looked_up_only_with_other_calls_or_to_speak_a_time(played) -> None:
    measured = played("unknown", zone_cached=False)
    assert {kind: m.round_trips for kind, m in measured.items()} == ZONE_UNKNOWN
    assert {kind: m.zone_calls for kind, m in measured.items() if m.zone_calls} == ZONE_LOOKUPS

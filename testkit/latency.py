"""Every request kind, one after another, with what each cost in time and in Alexa API calls.

Someone on the mat waits in silence until Alexa speaks, and what they wait for is mostly the
skill's calls to Alexa's APIs made one after another. `play` sends one user's requests
through a door (the Lambda handler, in the bench) against the loopback stand-in of the Timers,
Reminders and settings APIs (`testkit.alexa_apis.TimersFake`), each request doing its real
work: a session is started, read, paused, resumed, offered a restart, restarted and ended,
progress is read, the permission questions are answered, and a weekly reminder is set,
replaced, listed and stopped. For each request it records the wall time of the door's call
(the skill's own time), the calls the stand-in received, how many of them were the time-zone
lookup, and the number of sequential round trips as the stand-in saw them (`round_trips`:
how often that user's calls in flight went from none to some).

The user has two sessions behind them this week and has asked for check-ins, so the launch
speaks their week and every session has its end timer and three hidden check-in timers.

The stand-in's `delay` is what makes the figures mean something: at 150 ms a call, five calls
one after another are most of a second of silence, five calls together 150 ms. The bench
(`python -m bench.latency`) prints the table; `tests/test_latency.py` holds the round trips.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC

from skill import device_zone
from skill.domain import routine as rules
from skill.store import UserStore
from testkit import envelopes, reminder_requests
from testkit.alexa_apis import ZONE_PATH, TimersFake
from testkit.checks import speech_of
from testkit.conversation import Conversation

Send = Callable[[dict], dict]


@dataclass(frozen=True)
class Step:
    """One request kind: `send` makes the request on the conversation and returns the answer;
    `timed` False marks a step that only sets the next one up."""

    kind: str
    send: Callable[[Conversation], dict]
    timed: bool = True


@dataclass(frozen=True)
class Measured:
    """What one request cost."""

    kind: str
    seconds: float
    round_trips: int
    calls: int
    zone_calls: int
    speech: str


def _one_shot(build: Callable[[Conversation], dict]) -> Callable[[Conversation], dict]:
    """A request that opens a new session ("Alexa, tell Mat Coach to ...")."""
    def send(talk: Conversation) -> dict:
        talk.reset()
        return build(talk)
    return send


def _intent(name: str, slots: dict | None = None) -> Callable[[Conversation], dict]:
    return _one_shot(lambda talk: talk.intent(name, slots))


TOPIC = {"topic": envelopes.slot("topic", "how does it work", resolved_id="HOW_IT_WORKS")}
CONDITION = {"condition": envelopes.slot("condition", "pregnant", resolved_id="PREGNANCY")}


def _reminder(days: tuple[str, ...], time_said: str) -> Callable[[Conversation], dict]:
    return _one_shot(lambda talk: talk.say(
        reminder_requests.set_reminder, reminder_requests.days_slot(*days), time_said))


def _consent(status: str, token: str, *, reminders: bool = False) -> Callable[[Conversation], dict]:
    build = reminder_requests.reminders_consent if reminders else envelopes.connections_response
    return lambda talk: talk.say(build, status, token)


#: The requests, in an order where each does its real work. The user's sessions have
#: check-ins, so "start" makes four timers and pause, resume, restart and end act on four.
STEPS: tuple[Step, ...] = (
    Step("explain", _intent("ExplainMatIntent", TOPIC)),
    Step("safety", _intent("CheckSafetyIntent", CONDITION)),
    Step("start", _intent("StartSessionIntent", {"duration": "PT20M"})),
    Step("time left", _intent("TimeLeftIntent")),
    Step("pause", _intent("AMAZON.PauseIntent")),
    Step("resume", _intent("AMAZON.ResumeIntent")),
    Step("start while running (restart offered)",
         _intent("StartSessionIntent", {"duration": "PT15M"})),
    Step("yes (restart)", lambda talk: talk.intent("AMAZON.YesIntent")),
    Step("end", _intent("EndSessionIntent")),
    Step("progress", _intent("ProgressIntent")),
    Step("launch", _one_shot(lambda talk: talk.launch())),
    Step("timers permission refused", _consent("DENIED", "20")),
    Step("timers permission accepted (starts)", _consent("ACCEPTED", "20")),
    Step("end, after the consent", _intent("EndSessionIntent"), timed=False),
    Step("reminder set", _reminder(("MONDAY", "THURSDAY"), "19:00")),
    Step("reminders permission accepted (replaces)",
         _consent("ACCEPTED", "reminders:TU,FR@08:30", reminders=True)),
    Step("reminders list", _intent("ListRemindersIntent")),
    Step("reminders stop", _intent("StopRemindersIntent")),
)

KINDS: tuple[str, ...] = tuple(step.kind for step in STEPS if step.timed)


def returning_user(now: int) -> rules.Routine:
    """Two finished twenty-minute sessions earlier today, check-ins chosen."""
    routine = rules.Routine.from_attributes({})
    for hours_ago in (5, 2):
        began = now - hours_ago * 3600
        routine = rules.start_session(routine, f"earlier-{hours_ago}", 20, began)
        routine = rules.end_session(routine, began + 20 * 60, UTC, completed=True)[0]
    return rules.set_checkins(routine, True)


def play(send: Send, fake: TimersFake, api_endpoint: str, store: UserStore, *, run: str,
         delay: float, zone_cached: bool = True) -> list[Measured]:
    """One pass of `STEPS` for a returning user (`returning_user`, written to `store`, the
    skill's) and a device, both named after `run`, every call to the stand-in held `delay`
    seconds.

    `zone_cached` True is a warm process that already knows the device's time zone (it is
    looked up once, untimed, before the first step); False forgets it before every request,
    as a fresh container or a device not heard from within the hour would.
    """
    token, user_id = f"latency-token-{run}", f"amzn1.ask.account.LAT-{run}"
    routine = returning_user(int(time.time()))
    store.update(user_id, lambda _old: routine.to_attributes())
    talk = Conversation(send, api_endpoint=api_endpoint, user_id=user_id,
                        device_id=f"amzn1.ask.device.LAT-{run}", access_token=token)
    owner = f"Bearer {token}"
    device_zone.clear_cache()
    if zone_cached:
        fake.delay = 0.0
        _intent("ProgressIntent")(talk)  # reads the zone, changes nothing
    fake.delay = delay
    measured = []
    try:
        for step in STEPS:
            if not zone_cached:
                device_zone.clear_cache()
            trips, first = fake.round_trips[owner], len(fake.calls)
            started = time.perf_counter()
            answer = step.send(talk)
            seconds = time.perf_counter() - started
            speech = speech_of(answer)
            if "sorry" in speech.lower():
                raise RuntimeError(f"{step.kind}: an apology is not a figure: {speech!r}")
            calls = [c for c in fake.calls[first:] if c.authorization == owner]
            if step.timed:
                measured.append(Measured(
                    step.kind, seconds, fake.round_trips[owner] - trips, len(calls),
                    sum(1 for c in calls if ZONE_PATH.match(c.path)), speech))
    finally:
        fake.delay = 0.0
    return measured

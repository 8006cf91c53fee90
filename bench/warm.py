"""Warm dispatch: time per request once the process is up, the latency a user hears.

Mat Coach answers through `skill.dispatch.handle_envelope` (what both entry points call) with
its real store, a SQLite file in a temp directory, and `MemoryAlexaApi` in place of the Alexa
Timers and settings APIs, so the figures are the skill's own work, not a network's. The anchor
answers through its `SkillBuilder().lambda_handler()`. Both get the same kind of input: an
already-parsed envelope dict, as Lambda hands it over.

Requests are interleaved - one of each kind per round - so a burst of load from another
process lands on every kind alike and the ratios stay fair on a busy machine. Each kind is
warmed up first (catalogue loaded, SQLite connection open, time zone cached).

* launch: a returning user (record with sessions this week), so the progress summary runs;
* explain, safety, help: no store, no API - the pure dispatch cost, compared with the
  anchor's intent (the target);
* start: a fresh userId every time (never the "already running" path): one store read, one
  Timers API create, one store write - including SQLite's commit.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from datetime import UTC
from pathlib import Path

from bench import anchor
from bench.common import Row, bench_skill, ms, percentile, ratio
from skill.dispatch import handle_envelope
from skill.domain.routine import Routine, end_session, start_session
from testkit import envelopes

TARGET_RATIO = 1.5
TARGETED = ("explain", "safety", "help")
RETURNING_USER = "amzn1.ask.account.BENCH-RETURNING"


def _returning_record(skill: object, now: int) -> None:
    """Two finished sessions this week, so launch speaks the user's progress."""
    routine = Routine.from_attributes({})
    for minutes_ago in (90, 30):
        routine = start_session(routine, f"t{minutes_ago}", 20, now - minutes_ago * 60)
        routine = end_session(routine, now - minutes_ago * 60 + 20 * 60, UTC, completed=True)[0]
    skill.services.store.update(RETURNING_USER, lambda _old: routine.to_attributes())


def _envelopes(count: int) -> dict[str, Callable[[int], dict]]:
    """A builder per kind; start gets a fresh userId per request, the others reuse one."""
    launch = envelopes.launch(user_id=RETURNING_USER)
    explain = envelopes.intent("ExplainMatIntent", {
        "topic": envelopes.slot("topic", "how does it work", resolved_id="HOW_IT_WORKS"),
    })
    safety = envelopes.intent("CheckSafetyIntent", {
        "condition": envelopes.slot("condition", "pregnant", resolved_id="PREGNANCY"),
    })
    help_ = envelopes.intent("AMAZON.HelpIntent")
    starts = [
        envelopes.intent("StartSessionIntent", {"duration": "PT20M"},
                         user_id=f"amzn1.ask.account.BENCH-START-{i}",
                         access_token=f"bench-start-token-{i}")
        for i in range(count)
    ]
    return {
        "launch": lambda _i: launch,
        "explain": lambda _i: explain,
        "safety": lambda _i: safety,
        "help": lambda _i: help_,
        "start": lambda i: starts[i],
    }


def measure(requests: int, warmup: int) -> tuple[list[Row], list[str]]:
    """p50/p99 per kind over `requests` timed requests each, plus the anchor's."""
    anchor_launch = envelopes.launch(user_id="amzn1.ask.account.ANCHOR")
    anchor_intent = envelopes.intent(anchor.INTENT_NAME)
    samples: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="mat-coach-bench-") as tmp:
        skill = bench_skill(Path(tmp) / "warm.db")
        _returning_record(skill, int(time.time()))
        # Index `last` is used once, by the answer check, so no start userId repeats.
        last = requests + warmup
        builders = _envelopes(last + 1)

        def mat_coach(kind: str) -> Callable[[int], object]:
            build = builders[kind]
            return lambda i: handle_envelope(skill, build(i))

        calls: dict[str, Callable[[int], object]] = {
            kind: mat_coach(kind) for kind in builders
        }
        calls["anchor launch"] = lambda _i: anchor.handler(anchor_launch, None)
        calls["anchor intent"] = lambda _i: anchor.handler(anchor_intent, None)
        _check_answers(calls, last)
        for i in range(warmup):
            for call in calls.values():
                call(i)
        samples = {kind: [] for kind in calls}
        clock = time.perf_counter
        for i in range(warmup, warmup + requests):
            for kind, call in calls.items():
                started = clock()
                call(i)
                samples[kind].append(clock() - started)
        skill.services.store.close()

    rows = []
    anchor_p50 = {k: percentile(samples[f"anchor {k}"], 50) for k in ("launch", "intent")}
    anchor_p99 = {k: percentile(samples[f"anchor {k}"], 99) for k in ("launch", "intent")}
    for kind in builders:
        ref = "launch" if kind == "launch" else "intent"
        p50, p99 = percentile(samples[kind], 50), percentile(samples[kind], 99)
        targeted = kind in TARGETED
        rows.append(Row(
            f"warm {kind}, p50 (n={requests})", ms(p50),
            f"<= {TARGET_RATIO}x anchor intent" if targeted else "-",
            ms(anchor_p50[ref]), ratio(p50, anchor_p50[ref]),
            (p50 <= TARGET_RATIO * anchor_p50[ref]) if targeted else None,
        ))
        rows.append(Row(f"warm {kind}, p99 (n={requests})", ms(p99), anchor=ms(anchor_p99[ref]),
                        ratio=ratio(p99, anchor_p99[ref])))
    notes = [
        "warm: launch is compared with the anchor's launch, every intent with the anchor's "
        "HelloWorldIntent; store = SQLite file, Alexa APIs = in-memory fake (bench.common)",
    ]
    return rows, notes


def _check_answers(calls: dict[str, Callable[[int], object]], index: int) -> None:
    """A benchmark of error replies would be fast and meaningless: check each kind once."""
    for kind, call in calls.items():
        answer = call(index)
        speech = answer.get("response", {}).get("outputSpeech", {}).get("ssml", "")
        if not speech or "sorry" in speech.lower():
            raise RuntimeError(f"{kind}: unexpected answer {speech!r}")

"""Latency where the user waits: every request kind, with the Alexa APIs answering slowly.

`python -m bench.latency` plays `testkit.latency.STEPS` for a returning user whose sessions
have check-ins (launch, explain, safety, start, time left, pause, resume, a restart offered
and taken, end, progress, the permission answers, a weekly reminder set, replaced, listed and
stopped) through the Lambda handler, built by `create_handler(settings)` as AWS runs it, with
the product's own API client (`TimeoutApiClient`: per-call timeouts, one budget per request)
talking HTTPS to the loopback stand-in of the Timers, Reminders and settings APIs
(`KeepAliveTimersServer`: connections stay open between calls, as Alexa's do, so a call is
not charged a TLS handshake a warm function would not pay). The stand-in holds every call for
an added delay (0, 50, 150 and 300 ms; 150 ms is a realistic figure for Alexa's APIs seen
from a function), so a request's time is mostly its calls made one after another. The
stand-in runs in the bench's own process, so its work (a few milliseconds a call) is inside
the figures too.

Printed, as Markdown:

* per request kind: the sequential round trips the stand-in saw (the number of times the
  user's calls in flight went from none to some; calls made together count once), the total
  calls, and the skill's own time (the handler's wall clock, median of `--runs` passes) at
  each delay. Round trips are read at the delays above zero: at zero, calls made together can
  finish before the next one arrives and would count twice;
* the same requests from a device whose time zone the process does not know yet (a fresh
  container, or a device not heard from within the hour), at 150 ms: round trips, calls, how
  many were the time-zone lookup, and the time.

`--check` holds the targets at 150 ms: start, pause, resume, end and the restart within two
round trips and 350 ms; time left and progress within one; launch, explain, safety and a
refused permission with none; a request that speaks no time of day or week never waits for
the time-zone lookup (with the zone unknown it takes no more round trips than with it known),
and the ones that neither speak nor record one never make it. Exit status 1 when one is missed.

A start whose check-ins could not all be made still answers (the session starts with its end
timer alone): such answers are listed under the table, since a figure for a request that
did less than the others is not the same figure.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import trustme

from bench.__main__ import load_average, machine
from skill import lambda_function
from skill.builder import build_skill
from skill.content import catalogue_for
from skill.settings import Settings
from testkit import envelopes
from testkit.checks import check_response, mentions
from testkit.latency import KINDS, Measured, play
from testkit.loopback import KeepAliveTimersServer

DELAYS_MS = (0, 50, 150, 300)
TARGET_DELAY_MS = 150
#: Kinds that must answer within two sequential round trips and `SESSION_MS` at 150 ms.
SESSION_KINDS = ("start", "pause", "resume", "end", "yes (restart)",
                 "timers permission accepted (starts)")
SESSION_MS = 350.0
SESSION_ROUND_TRIPS = 2
#: Kinds that read and answer: one round trip at most.
READING_KINDS = ("time left", "progress", "start while running (restart offered)")
#: Kinds whose answer needs no Alexa API at all (the zone known: the launch speaks the week).
NO_CALL_KINDS = ("launch", "explain", "safety", "timers permission refused")
#: Kinds that speak no time of day or week and record no session: never a zone lookup.
NO_ZONE_KINDS = ("explain", "safety", "timers permission refused", "time left", "pause",
                 "resume", "start while running (restart offered)", "reminders list",
                 "reminders stop")
#: Kinds whose answer speaks a time of the week or day (progress, a reminder's time), so may
#: wait for the zone when it is unknown: the week's figures and the reminder need it first.
SPEAKS_TIME_KINDS = ("progress", "launch", "reminder set",
                     "reminders permission accepted (replaces)")


def _settings(tmp: Path, ca_bundle: str) -> Settings:
    return Settings(store_url=f"sqlite://{tmp / 'latency.db'}", ca_bundle=ca_bundle,
                    verify_requests=False, skill_id=envelopes.APP_ID)


def measure(delays_ms: Sequence[int], runs: int) -> tuple[dict, list[Measured]]:
    """{delay: {kind: [Measured per run]}} with the zone known, and one pass with it unknown
    at `TARGET_DELAY_MS`."""
    ca = trustme.CA()
    results: dict[int, dict[str, list[Measured]]] = {}
    with tempfile.TemporaryDirectory(prefix="mat-coach-latency-") as tmp_name:
        tmp = Path(tmp_name)
        bundle = tmp / "ca.pem"
        ca.cert_pem.write_to_path(str(bundle))
        settings = _settings(tmp, str(bundle))
        skill = build_skill(settings)
        handle = lambda_function.create_handler(settings, skill=skill)
        store = skill.services.store

        def send(envelope: dict) -> dict:
            return check_response(handle(envelope, None))

        with KeepAliveTimersServer(ca) as server:
            fake, endpoint = server.fake, server.origin
            # Connections (one per thread that calls), caches; with a delay, so that calls made
            # together really run on several workers and each opens its connection now.
            play(send, fake, endpoint, store, run="warm-up", delay=0.02)
            for n in range(runs):
                for delay in delays_ms:  # interleaved, so load on the machine hits all alike
                    print(f"bench.latency: run {n + 1} of {runs}, {delay} ms a call",
                          file=sys.stderr, flush=True)
                    for m in play(send, fake, endpoint, store, run=f"{delay}-{n}",
                                  delay=delay / 1000):
                        results.setdefault(delay, defaultdict(list))[m.kind].append(m)
            print("bench.latency: zone not known yet", file=sys.stderr, flush=True)
            unknown = play(send, fake, endpoint, store, run="zone",
                           delay=TARGET_DELAY_MS / 1000, zone_cached=False)
    return results, unknown


def _ms(samples: list[Measured]) -> float:
    return statistics.median(m.seconds for m in samples) * 1000


def _round_trips(results: dict, kind: str) -> int:
    """The most round trips any delayed run of `kind` took (never read at 0 ms)."""
    delayed = [m.round_trips for delay, kinds in results.items() if delay > 0
               for m in kinds[kind]]
    return max(delayed) if delayed else -1


def _calls(results: dict, kind: str) -> int:
    return max(m.calls for kinds in results.values() for m in kinds[kind])


def degraded(results: dict, unknown: list[Measured]) -> list[str]:
    """Answers that did less than asked: check-ins refused or failed (the budget ran out)."""
    say = catalogue_for("en-US")
    found = []
    runs = [(f"{delay} ms", m) for delay, kinds in sorted(results.items())
            for samples in kinds.values() for m in samples]
    runs += [("zone unknown", m) for m in unknown]
    for where, m in runs:
        for key in ("checkin.failed", "checkin.no_room"):
            if mentions(m.speech, say, key):
                found.append(f"{m.kind} at {where}: {key}")
    return found


def table(results: dict, delays_ms: Sequence[int]) -> str:
    head = ["request kind", "round trips", "calls", *(f"{d} ms/call" for d in delays_ms)]
    rows = [head, ["---"] * len(head)]
    for kind in KINDS:
        trips = _round_trips(results, kind)
        rows.append([kind, str(trips) if trips >= 0 else "-", str(_calls(results, kind)),
                     *(f"{_ms(results[d][kind]):.0f} ms" for d in delays_ms)])
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def unknown_zone_table(unknown: list[Measured]) -> str:
    rows = [["request kind", "round trips", "calls", "zone lookups", f"{TARGET_DELAY_MS} ms/call"],
            ["---"] * 5]
    for m in unknown:
        rows.append([m.kind, str(m.round_trips), str(m.calls), str(m.zone_calls),
                     f"{m.seconds * 1000:.0f} ms"])
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def check(results: dict, unknown: list[Measured]) -> list[str]:
    """The targets missed, one line each (empty: all met)."""
    missed = []
    at = results.get(TARGET_DELAY_MS)
    if at is None:
        return [f"no run at {TARGET_DELAY_MS} ms: nothing to check"]
    trips = {kind: max(m.round_trips for m in at[kind]) for kind in KINDS}
    for kind in SESSION_KINDS:
        if trips[kind] > SESSION_ROUND_TRIPS:
            missed.append(f"{kind}: {trips[kind]} round trips > {SESSION_ROUND_TRIPS}")
        if _ms(at[kind]) > SESSION_MS:
            missed.append(f"{kind}: {_ms(at[kind]):.0f} ms > {SESSION_MS:.0f} ms")
    for kind in READING_KINDS:
        if trips[kind] > 1:
            missed.append(f"{kind}: {trips[kind]} round trips > 1")
    for kind in NO_CALL_KINDS:
        if trips[kind]:
            missed.append(f"{kind}: {trips[kind]} round trips, none needed")
    by_kind = {m.kind: m for m in unknown}
    for kind in KINDS:
        m = by_kind[kind]
        if kind in NO_ZONE_KINDS and m.zone_calls:
            missed.append(f"{kind}: looked the time zone up without speaking a time")
        if kind not in SPEAKS_TIME_KINDS and m.round_trips > trips[kind]:
            missed.append(f"{kind}: waits for the time zone ({m.round_trips} round trips "
                          f"with it unknown, {trips[kind]} with it known)")
    return missed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.latency", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="passes per delay (median)")
    parser.add_argument("--delays", default=",".join(map(str, DELAYS_MS)),
                        help="milliseconds per call, comma-separated")
    parser.add_argument("--quick", action="store_true",
                        help=f"one pass at 0 and {TARGET_DELAY_MS} ms")
    parser.add_argument("--check", action="store_true",
                        help=f"exit 1 when a target at {TARGET_DELAY_MS} ms is missed")
    args = parser.parse_args(argv)
    delays = (0, TARGET_DELAY_MS) if args.quick else tuple(
        int(d) for d in args.delays.split(",") if d.strip())
    runs = 1 if args.quick else max(1, args.runs)
    logging.getLogger("skill").setLevel(logging.ERROR)
    load_before = load_average()
    results, unknown = measure(delays, runs)
    print(f"Mat Coach latency per request kind ({runs} run{'s' if runs > 1 else ''} per "
          f"delay, median skill time)")
    print(f"machine: {machine()}")
    print(f"1-minute load average: {load_before} at start, {load_average()} at end")
    print()
    print(table(results, delays))
    print()
    print(f"Time zone not known yet (a fresh container, or a device not heard from within the "
          f"hour), {TARGET_DELAY_MS} ms a call:")
    print()
    print(unknown_zone_table(unknown))
    print()
    for line in degraded(results, unknown):
        print(f"- did less than asked: {line}")
    missed = check(results, unknown)
    if missed:
        print(f"- targets missed at {TARGET_DELAY_MS} ms: " + "; ".join(missed))
    else:
        print(f"- targets met at {TARGET_DELAY_MS} ms")
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())

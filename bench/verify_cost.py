"""What Amazon's request verification costs on the self-hosted Flask endpoint.

One Mat Coach skill, two apps from the same factory: `create_app(settings, skill=...)` with
verification on, and the same with `verify_requests=False`. Both receive the same signed
explain request through Flask's test client (in-process, so no socket time dilutes the
difference). The signing chain comes from a throwaway CA (`testkit.signing`), is served
by an injected `fetch` and is cached after the first request - the steady state, where a
request costs one RSA-2048 signature check, the URL and timestamp rules and a JSON parse.

The apps run in alternating blocks and each figure is the median block; the added cost is
the median of the per-round differences, so drift in the machine's load cancels out rather
than landing on one side. The anchor's bare Flask
endpoint (no verification at all) is timed in the same rotation for context.
"""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from bench import anchor
from bench.common import MemoryAlexaApi, Row, bench_settings, median, ratio
from skill.builder import build_skill
from skill.web import create_app
from skill.web.verifier import RequestVerifier
from testkit import envelopes
from testkit.signing import AlexaSigner, rsa_ca

TARGET_MS = 0.3


def _per_request(client: object, body: bytes, headers: dict[str, str], count: int) -> float:
    """Seconds per request over one block of `count` posts (each checked for a 200)."""
    clock = time.perf_counter
    started = clock()
    for _ in range(count):
        answer = client.post("/", data=body, headers=headers)
        if answer.status_code != 200:
            raise RuntimeError(f"endpoint answered {answer.status_code}: {answer.get_data()!r}")
    return (clock() - started) / count


def measure(blocks: int, block_size: int) -> tuple[list[Row], list[str]]:
    """Requests per second with verification on and off, and the difference per request."""
    ca = rsa_ca()
    signer = AlexaSigner.create(ca)
    fetched: list[str] = []

    def fetch(url: str) -> bytes:
        fetched.append(url)
        return signer.chain_pem

    with tempfile.TemporaryDirectory(prefix="mat-coach-bench-") as tmp:
        bundle = Path(tmp) / "alexa-ca.pem"
        ca.cert_pem.write_to_path(str(bundle))
        settings = bench_settings(Path(tmp) / "verify.db", verify_requests=True,
                                  ca_bundle=str(bundle))
        skill = build_skill(settings, api_client=MemoryAlexaApi())
        verifier = RequestVerifier(ca_bundle=str(bundle), fetch=fetch)
        apps = {
            "on": create_app(settings, skill=skill, verifier=verifier).test_client(),
            "off": create_app(replace(settings, verify_requests=False), skill=skill).test_client(),
            "anchor": anchor.create_app().test_client(),
        }
        body = json.dumps(envelopes.intent("ExplainMatIntent", {
            "topic": envelopes.slot("topic", "how does it work", resolved_id="HOW_IT_WORKS"),
        })).encode("utf-8")
        anchor_body = json.dumps(envelopes.intent(anchor.INTENT_NAME)).encode("utf-8")
        headers = signer.headers(body)
        # Refused without a signature, accepted with one: the "on" app really verifies.
        unsigned = apps["on"].post("/", data=body, headers={"Content-Type": "application/json"})
        if unsigned.status_code != 400:
            raise RuntimeError("verification is not on: an unsigned request was accepted")
        inputs = {"on": (body, headers), "off": (body, headers),
                  "anchor": (anchor_body, {"Content-Type": "application/json"})}
        for name, client in apps.items():  # warm-up: chain fetched and cached, caches filled
            _per_request(client, *inputs[name], max(block_size // 4, 5))
        times: dict[str, list[float]] = {name: [] for name in apps}
        for _ in range(blocks):
            for name, client in apps.items():
                times[name].append(_per_request(client, *inputs[name], block_size))
        skill.services.store.close()
    if len(fetched) != 1:
        raise RuntimeError(f"certificate chain fetched {len(fetched)} times, expected once")

    on, off, bare = (median(times[name]) for name in ("on", "off", "anchor"))
    # Paired: each round's "on" block minus the "off" block run right before it, so a change
    # in the machine's load between rounds does not show up as verification cost.
    added_ms = median([a - b for a, b in zip(times["on"], times["off"], strict=True)]) * 1000
    total = blocks * block_size
    rows = [
        Row(f"endpoint req/s, verification off (n={total})", f"{1 / off:,.0f} req/s",
            anchor=f"{1 / bare:,.0f} req/s", ratio=ratio(1 / off, 1 / bare)),
        Row(f"endpoint req/s, verification on (n={total})", f"{1 / on:,.0f} req/s",
            anchor=f"{1 / bare:,.0f} req/s", ratio=ratio(1 / on, 1 / bare)),
        Row("verification, added cost per request", f"{added_ms:.3f} ms",
            f"< {TARGET_MS} ms", "-", "-", added_ms < TARGET_MS),
    ]
    notes = [
        "verification: Flask test client, in-process; the anchor column is the bare Flask "
        "endpoint of bench.anchor on its HelloWorldIntent (no verification)",
    ]
    return rows, notes

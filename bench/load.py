"""Load run: `mat-coach serve`'s server with the verified Flask app, 32 clients, 5,000 requests.

`python -m bench.load` (options: `--help`). What it builds, all on 127.0.0.1 and all thrown away
afterwards:

* a throwaway RSA CA (trustme) in a temp directory; the Alexa signing chain (leaf for
  echo-api.amazon.com + intermediate) is issued from it, and so are the TLS certificates of
* a loopback HTTPS "S3" serving that chain (`testkit.loopback.ChainServer`), and
* the Alexa Timers / settings API fake (`testkit.alexa_apis.TimersFake`, threaded);
* the production server (`skill.web.server.serve`: waitress, as `mat-coach serve` runs it)
  serving `testkit.served_app:create()`: the production `create_app` with request verification
  ON and an SQLite store in the temp directory (`--server` picks a former shape to compare).

Each of the 200 users (own userId, deviceId and apiAccessToken) follows a script that cycles
launch, explain, safety, start, time left, end. A user's requests are sent in order by one
client thread (32 threads, each with its own `requests.Session`, share the users; they run in
4 spawned processes of 8 so the load generator's own interpreter lock does not show up as
server latency), so a start always finds the previous session ended: every start should be
acknowledged, no label repeats and no user nears the fake's ten-timer limit. That makes the
closing check exact: each acknowledged start and end is one compare-and-set write, so the
record versions in SQLite (summed over users) must equal the starts and ends acknowledged. A
lost concurrent update would leave the sum short.

An *error* is anything but the expected answer: a transport failure, a non-200, a response
that fails `testkit.checks.check_response`, or speech other than the step's expected text (an
apology such as "couldn't reach your routine" counts). Before the load, the same server is
asked three questions about limits: a 200 KB body with Content-Length, a 200 KB chunked body
without one (both must be 413 with a JSON error), and a tampered signature (400).

Exit status 0 means zero errors, writes stored == changes acknowledged, and the limits held.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import http.client
import json
import math
import multiprocessing
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import requests
from cryptography.hazmat.primitives import serialization

from skill.content import catalogue_for
from skill.store.sqlite import SqliteStore
from testkit import envelopes as env
from testkit.checks import check_response, mentions, opens_with, speech_of
from testkit.loopback import ChainServer, TimersServer, server_context
from testkit.served_app import CHAIN_ORIGIN_ENV
from testkit.servers import DESCRIPTIONS, SHAPES, ServerProcess, loopback_env
from testkit.signing import CHAIN_PATH, AlexaSigner, rsa_ca

ROOT = Path(__file__).resolve().parent.parent
EN = catalogue_for("en-US")
STEPS = ("launch", "explain", "safety", "start", "time_left", "end")
TOPICS = ("WHAT_IS", "HOW_IT_WORKS", "DURATION", "FREQUENCY", "FIRST_TIME", "CLEANING")
CONDITIONS = ("PREGNANCY", "HEART", "DIABETES", "SKIN_INFECTION", "FEVER", "PETS")
BIG_BODY_BYTES = 200 * 1024


#: The lines a correct answer to each step opens with (any variant of any of them).
EXPECTED: dict[str, tuple[str, ...]] = {
    "launch": ("launch.new", "launch.returning"),
    "start": ("start.started",),
    "time_left": ("time_left.running",),
    "end": ("end.done", "end.done_partial", "end.done_short"),
}
APOLOGIES = ("store.unavailable", "error", "start.not_saved")


@dataclass(frozen=True)
class LoadConfig:
    """The shape of one run; the defaults are the figures docs/reliability.md quotes."""

    requests: int = 5000
    clients: int = 32
    client_processes: int = 4
    users: int = 200
    server: str = "waitress"
    threads: int = 8
    request_timeout: float = 10.0


@dataclass
class LoadResult:
    """What one run measured, and whether it held."""

    config: LoadConfig
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wall_seconds: float = 0.0
    acknowledged_starts: int = 0
    acknowledged_changes: int = 0  # starts and ends: each is one write to the user's record
    stored_writes: int = 0
    steps: Counter[str] = field(default_factory=Counter)
    step_latencies: dict[str, list[float]] = field(default_factory=dict)
    limits: dict[str, int] = field(default_factory=dict)

    @property
    def sent(self) -> int:
        return len(self.latencies)

    def percentile_ms(self, pct: float, step: str | None = None) -> float:
        """Nearest-rank percentile of the request latencies (or one step's), in ms."""
        samples = self.latencies if step is None else self.step_latencies.get(step, [])
        ordered = sorted(samples)
        if not ordered:
            return math.nan
        return ordered[max(1, math.ceil(pct / 100 * len(ordered))) - 1] * 1000

    @property
    def throughput(self) -> float:
        return self.sent / self.wall_seconds if self.wall_seconds else 0.0

    @property
    def limits_held(self) -> bool:
        return self.limits == {
            "content-length body over 128 KB": 413,
            "chunked body over 128 KB": 413,
            "tampered signature": 400,
        }

    @property
    def ok(self) -> bool:
        return (
            not self.errors
            and self.sent == self.config.requests
            and self.stored_writes == self.acknowledged_changes
            and self.limits_held
        )

    def table(self) -> str:
        """The summary docs/reliability.md quotes ("Load")."""
        cfg = self.config
        rows = [
            ("requests sent", f"{self.sent}"),
            ("concurrent clients", f"{cfg.clients} ({cfg.client_processes} processes)"),
            ("users", f"{cfg.users}"),
            ("server", DESCRIPTIONS[cfg.server] if cfg.server != "waitress"
             else f"waitress (mat-coach serve), 2 processes x {cfg.threads} threads"),
            ("request verification", "on (signed requests, chain over loopback TLS)"),
            ("cores", f"{os.cpu_count()}"),
            ("p50 latency", f"{self.percentile_ms(50):.1f} ms"),
            ("p99 latency", f"{self.percentile_ms(99):.1f} ms"),
            ("throughput", f"{self.throughput:.0f} req/s"),
            ("wall time", f"{self.wall_seconds:.1f} s"),
            ("errors", f"{len(self.errors)}"),
            ("starts acknowledged", f"{self.acknowledged_starts}"),
            ("changes acknowledged", f"{self.acknowledged_changes}"),
            ("writes stored", f"{self.stored_writes}"),
            ("mix", ", ".join(f"{step} {self.steps[step]}" for step in STEPS)),
        ]
        rows += [
            (f"  {step} p50 / p99", f"{self.percentile_ms(50, step):.1f} / "
                                    f"{self.percentile_ms(99, step):.1f} ms")
            for step in STEPS
        ]
        rows += [(f"limit: {name}", f"HTTP {status}") for name, status in self.limits.items()]
        width = max(len(name) for name, _ in rows)
        lines = [f"{name.ljust(width)}  {value}" for name, value in rows]
        lines += [f"  error: {message}" for message in self.errors[:10]]
        lines.append("RESULT: " + ("PASS" if self.ok else "FAIL"))
        return "\n".join(lines)


@dataclass(frozen=True)
class User:
    """One simulated Alexa account with its own device and API token."""

    index: int

    @property
    def user_id(self) -> str:
        return f"amzn1.ask.account.LOAD{self.index:05d}"

    @property
    def device_id(self) -> str:
        return f"amzn1.ask.device.LOAD{self.index:05d}"

    @property
    def token(self) -> str:
        return f"load-token-{self.index:05d}"


def scripts(config: LoadConfig) -> dict[User, list[str]]:
    """Each user's steps, cycling through STEPS; together exactly `config.requests` steps."""
    base, extra = divmod(config.requests, config.users)
    return {
        User(i): [STEPS[n % len(STEPS)] for n in range(base + (1 if i < extra else 0))]
        for i in range(config.users)
    }


def envelope_for(step: str, user: User, api_endpoint: str, turn: int) -> dict:
    """A real request envelope for one step of one user's script."""
    common = {
        "user_id": user.user_id, "device_id": user.device_id, "api_endpoint": api_endpoint,
        "access_token": user.token, "application_id": env.APP_ID,
    }
    if step == "launch":
        return env.launch(**common)
    if step == "explain":
        topic = TOPICS[(user.index + turn) % len(TOPICS)]
        return env.intent("ExplainMatIntent", {
            "topic": env.slot("topic", topic.lower().replace("_", " "), resolved_id=topic)
        }, **common)
    if step == "safety":
        condition = CONDITIONS[(user.index + turn) % len(CONDITIONS)]
        return env.intent("CheckSafetyIntent", {
            "condition": env.slot("condition", condition.lower(), resolved_id=condition)
        }, **common)
    if step == "start":
        return env.intent("StartSessionIntent", {"duration": "PT20M"}, **common)
    if step == "time_left":
        return env.intent("TimeLeftIntent", **common)
    return env.intent("EndSessionIntent", **common)


def expected_speech(step: str, user: User, turn: int) -> Callable[[str], bool]:
    """What a correct answer to this step says, whichever variant the skill chose."""
    if step == "explain":
        key = f"explain.topic.{TOPICS[(user.index + turn) % len(TOPICS)]}"
        return lambda speech: opens_with(speech, EN, key)
    if step == "safety":
        key = f"safety.condition.{CONDITIONS[(user.index + turn) % len(CONDITIONS)]}"
        return lambda speech: opens_with(speech, EN, key)
    keys = EXPECTED[step]
    return lambda speech: any(opens_with(speech, EN, key) for key in keys)


# --- the run ------------------------------------------------------------------------------


def check_limits(url: str, signer: AlexaSigner, api_endpoint: str) -> dict[str, int]:
    """Ask the real server about the body limit (declared and chunked) and a bad signature."""
    results: dict[str, int] = {}
    host, port = url.removeprefix("http://").split(":")
    big = json.dumps({"pad": "x" * BIG_BODY_BYTES, **env.launch()}).encode()

    answer = requests.post(url, data=big, headers=signer.headers(big), timeout=10)
    results["content-length body over 128 KB"] = _json_error_status(answer.status_code,
                                                                     answer.content)

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(big), 16 * 1024):
            yield big[start:start + 16 * 1024]

    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        # The server may answer before reading it all, as it should; then read that answer.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            conn.request("POST", "/", body=chunks(), encode_chunked=True,
                         headers={**signer.headers(big), "Transfer-Encoding": "chunked"})
        response = conn.getresponse()
        results["chunked body over 128 KB"] = _json_error_status(response.status, response.read())
    finally:
        conn.close()

    body = json.dumps(env.launch(api_endpoint=api_endpoint)).encode()
    headers = signer.headers(body)
    tampered = body.replace(b"LaunchRequest", b"IntentRequest")
    answer = requests.post(url, data=tampered, headers=headers, timeout=10)
    results["tampered signature"] = _json_error_status(answer.status_code, answer.content)
    return results


def _json_error_status(status: int, body: bytes) -> int:
    """The status, or -1 when the body is not the JSON `{"error": ...}` every refusal carries."""
    try:
        payload = json.loads(body)
    except ValueError:
        return -1
    return status if isinstance(payload, dict) and set(payload) == {"error"} else -1


@dataclass(frozen=True)
class Exchange:
    """One request's outcome as sent and received; judged after the timed phase."""

    step: str
    user: User
    turn: int
    status: int
    body: bytes
    elapsed: float
    failure: str | None = None


@dataclass(frozen=True)
class ClientJob:
    """What one client process needs: its threads' users, the server, and the signing key."""

    lanes: list[list[tuple[User, list[str]]]]
    url: str
    key_pem: bytes
    chain_pem: bytes
    api_endpoint: str
    timeout: float
    start_at: float  # wall-clock instant every process starts sending at


def _client_thread(
    users: list[tuple[User, list[str]]], job: ClientJob, signer: AlexaSigner,
    exchanges: list[Exchange], lock: threading.Lock,
) -> None:
    """One client: its users' scripts, interleaved, each user's steps strictly in order."""
    session = requests.Session()
    session.trust_env = False  # loopback only: no proxy, no netrc
    longest = max((len(script) for _, script in users), default=0)
    for turn in range(longest):
        for user, script in users:
            if turn >= len(script):
                continue
            step = script[turn]
            body = json.dumps(envelope_for(step, user, job.api_endpoint, turn)).encode()
            headers = signer.headers(body)
            started = time.monotonic()
            try:
                answer = session.post(job.url, data=body, headers=headers, timeout=job.timeout)
                status, content, failure = answer.status_code, answer.content, None
            except requests.RequestException as exc:
                status, content, failure = 0, b"", f"{type(exc).__name__}: {exc}"
            exchange = Exchange(step, user, turn, status, content,
                                time.monotonic() - started, failure)
            with lock:
                exchanges.append(exchange)
    session.close()


def client_process(job: ClientJob) -> tuple[list[Exchange], float, float]:
    """A process of client threads; returns what they saw and when it began and ended.

    The clients run in a few processes rather than 32 threads of one, because one Python
    process cannot drive 32 connections without its own lock contention showing up as server
    latency. Answers are only recorded here and checked after the timed phase: deserialising
    and parsing them is CPU the load generator would otherwise take from the server.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(job.key_pem, None)
    signer = AlexaSigner(private_key=key,  # type: ignore[arg-type]
                         certificate=x509.load_pem_x509_certificate(job.chain_pem),
                         chain_pem=job.chain_pem)
    exchanges: list[Exchange] = []
    lock = threading.Lock()
    threads = [
        threading.Thread(target=_client_thread, args=(lane, job, signer, exchanges, lock),
                         name=f"load-client-{n}")
        for n, lane in enumerate(job.lanes)
    ]
    time.sleep(max(0.0, min(30.0, job.start_at - time.time())))  # start together
    began = time.time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return exchanges, began, time.time()


def send_load(config: LoadConfig, plan: dict[User, list[str]], url: str, signer: AlexaSigner,
              api_endpoint: str, result: LoadResult) -> list[Exchange]:
    """Run every user's script from `config.clients` threads spread over a few processes."""
    lanes: list[list[tuple[User, list[str]]]] = [[] for _ in range(config.clients)]
    for user, script in plan.items():
        lanes[user.index % config.clients].append((user, script))
    processes = max(1, min(config.client_processes, config.clients))
    key_pem = signer.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    start_at = time.time() + 5.0  # time for the processes to import and build their clients
    jobs = [
        ClientJob(lanes[n::processes], url, key_pem, signer.chain_pem, api_endpoint,
                  config.request_timeout, start_at)
        for n in range(processes)
    ]
    context = multiprocessing.get_context("spawn")  # never fork a process running servers
    with concurrent.futures.ProcessPoolExecutor(processes, mp_context=context) as pool:
        outcomes = list(pool.map(client_process, jobs))
    exchanges = [exchange for part, _, _ in outcomes for exchange in part]
    result.wall_seconds = max(end for _, _, end in outcomes) - min(b for _, b, _ in outcomes)
    for exchange in exchanges:
        result.latencies.append(exchange.elapsed)
        result.step_latencies.setdefault(exchange.step, []).append(exchange.elapsed)
        result.steps[exchange.step] += 1
    return exchanges


def judge(exchanges: list[Exchange], result: LoadResult) -> None:
    """Check every answer: 200, a valid response, and the step's expected speech."""
    for exchange in exchanges:
        step = exchange.step
        error = exchange.failure
        if error is None and exchange.status != 200:
            error = f"HTTP {exchange.status} {exchange.body[:120]!r}"
        if error is None:
            try:
                speech = speech_of(check_response(json.loads(exchange.body)))
            except (AssertionError, ValueError) as exc:
                error = f"invalid response: {type(exc).__name__}: {str(exc)[:120]}"
            else:
                if not expected_speech(step, exchange.user, exchange.turn)(speech) or any(
                    mentions(speech, EN, apology) for apology in APOLOGIES
                ):
                    error = f"unexpected answer {speech[:120]!r}"
        if error is not None:
            result.errors.append(f"{step}: {error}")
        elif step in ("start", "end"):
            result.acknowledged_changes += 1
            result.acknowledged_starts += step == "start"


def stored_writes(db_path: Path, users: list[User]) -> int:
    """Writes that landed: record versions summed over every user, read after the run."""
    store = SqliteStore(str(db_path))
    try:
        return sum(store.load(user.user_id).version for user in users)
    finally:
        store.close()


def run(config: LoadConfig | None = None, *, progress: Callable[[str], None] = print) -> LoadResult:
    """Build everything, run the load, tear everything down, and return the figures."""
    config = config or LoadConfig()
    result = LoadResult(config)
    plan = scripts(config)
    with tempfile.TemporaryDirectory(prefix="mat-coach-load-") as tmp:
        workdir = Path(tmp)
        ca = rsa_ca()
        bundle = workdir / "ca.pem"
        ca.cert_pem.write_to_path(str(bundle))
        signer = AlexaSigner.create(ca)
        db_path = workdir / "load.db"
        with ChainServer(server_context(ca), {CHAIN_PATH: signer.chain_pem}) as chain, \
                TimersServer(ca) as timers:
            environ = loopback_env()
            environ.update({
                "MAT_COACH_STORE": f"sqlite://{db_path}",
                "MAT_COACH_SKILL_ID": env.APP_ID,
                "MAT_COACH_CA_BUNDLE": str(bundle),
                CHAIN_ORIGIN_ENV: chain.origin,
            })
            server = ServerProcess(config.server, workdir, environ, threads=config.threads)
            try:
                server.wait_ready()
                progress(f"{config.server} ready on {server.url}; checking limits")
                result.limits = check_limits(server.url, signer, timers.origin)
                progress(f"sending {config.requests} signed requests from {config.clients} "
                         f"clients for {config.users} users")
                exchanges = send_load(config, plan, server.url, signer, timers.origin, result)
                judge(exchanges, result)
            finally:
                server.stop()
            if result.errors:
                progress(f"server log (tail):\n{server.log_tail()}")
        result.stored_writes = stored_writes(db_path, list(plan))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split(
        "\n", 1)[0])
    defaults = LoadConfig()
    parser.add_argument("--requests", type=int, default=defaults.requests)
    parser.add_argument("--clients", type=int, default=defaults.clients)
    parser.add_argument("--client-processes", type=int, default=defaults.client_processes)
    parser.add_argument("--users", type=int, default=defaults.users)
    parser.add_argument("--server", choices=SHAPES, default=defaults.server,
                        help="waitress is mat-coach serve's; the others are for comparison")
    parser.add_argument("--threads", type=int, default=defaults.threads,
                        help="waitress worker threads")
    args = parser.parse_args(argv)
    config = LoadConfig(requests=args.requests, clients=args.clients,
                        client_processes=args.client_processes, users=args.users,
                        server=args.server, threads=args.threads)
    result = run(config)
    print(result.table(), flush=True)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())

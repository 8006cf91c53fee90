"""Slow-client attack: 200 sockets trickling headers, 200 trickling bodies, while Alexa knocks.

`python -m bench.slow_clients` (options: `--help`) serves the verified app (`testkit.served_app`,
request verification ON, the signing chain over loopback TLS) with one server shape from
`testkit.servers`, and then, all on 127.0.0.1:

1. times `baseline` signed ExplainMatIntent requests on a quiet server;
2. opens the attack: `slow_headers` sockets that send a request line and then one byte of an
   endless header every `trickle` seconds, and `slow_bodies` sockets that send complete
   headers announcing a 64 KB body and then one byte of it every `trickle` seconds. A socket
   the server closes is opened again, so the pressure holds for the whole attack;
3. while the attack holds, sends `requests` signed requests from `concurrency` threads, each
   on a new connection with a `timeout`, and stops sending new ones after `window` seconds;
4. closes everything and reports, per phase, how many requests were answered (HTTP 200 with a
   valid response) and their p50 / p99 latency.

Everything is bounded: the attack ends when the signed requests are done or the window and
their timeouts have passed, and every socket is closed by the time `run` returns.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import json
import math
import selectors
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests

from testkit import envelopes as env
from testkit.checks import check_response
from testkit.loopback import ChainServer, server_context
from testkit.served_app import CHAIN_ORIGIN_ENV
from testkit.servers import DESCRIPTIONS, PRODUCTION, SHAPES, ServerProcess, available, loopback_env
from testkit.signing import CHAIN_PATH, AlexaSigner, rsa_ca

SLOW_BODY_BYTES = 64 * 1024


@dataclass(frozen=True)
class AttackConfig:
    """The shape of one attack; the defaults are the figures docs/performance.md quotes."""

    slow_headers: int = 200
    slow_bodies: int = 200
    requests: int = 100
    concurrency: int = 4
    baseline: int = 20
    timeout: float = 5.0
    window: float = 30.0
    trickle: float = 1.0
    #: The attack's signed requests are started evenly over this many seconds, so they meet
    #: the attack through several trickle turns rather than in one burst.
    spread: float = 5.0


@dataclass
class Phase:
    """The signed requests of one phase: latencies of the answered ones, and what failed."""

    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def sent(self) -> int:
        return len(self.latencies) + len(self.failures)

    @property
    def answered(self) -> int:
        return len(self.latencies)

    def percentile_ms(self, pct: float) -> float:
        """Nearest-rank percentile of the answered requests' latency, in ms."""
        ordered = sorted(self.latencies)
        if not ordered:
            return math.nan
        return ordered[max(1, math.ceil(pct / 100 * len(ordered))) - 1] * 1000

    def summary(self) -> str:
        text = f"{self.answered} of {self.sent} answered"
        if self.latencies:
            text += (f", p50 {self.percentile_ms(50):.1f} ms, "
                     f"p99 {self.percentile_ms(99):.1f} ms")
        return text


@dataclass
class AttackResult:
    """What one server shape did under the attack."""

    shape: str
    config: AttackConfig
    quiet: Phase = field(default_factory=Phase)
    attacked: Phase = field(default_factory=Phase)
    attack_sockets_open: int = 0  # attack sockets still open when the signed requests ended
    attack_reconnects: int = 0
    attack_bytes: int = 0

    def table(self) -> str:
        cfg = self.config
        rows = [
            ("server", DESCRIPTIONS[self.shape]),
            ("attack", f"{cfg.slow_headers} slow-header + {cfg.slow_bodies} slow-body sockets, "
                       f"1 byte per socket every {cfg.trickle:g} s"),
            ("quiet server", self.quiet.summary()),
            ("during the attack", self.attacked.summary()),
            ("attack sockets open at the end", f"{self.attack_sockets_open}"),
            ("attack sockets reopened", f"{self.attack_reconnects}"),
        ]
        width = max(len(name) for name, _ in rows)
        lines = [f"{name.ljust(width)}  {value}" for name, value in rows]
        lines += [f"  failure: {message}" for message in self.attacked.failures[:5]]
        return "\n".join(lines)


class SlowSockets:
    """The attack: sockets that trickle their headers or bodies, from one thread.

    Sends never block (a full send buffer just skips a turn); a socket the server closed is
    opened again on the next turn.
    """

    def __init__(self, host: str, port: int, config: AttackConfig) -> None:
        self.address = (host, port)
        self.config = config
        self.kinds = ["header"] * config.slow_headers + ["body"] * config.slow_bodies
        self.sockets: list[socket.socket | None] = [None] * len(self.kinds)
        self.reconnects = 0
        self.bytes_sent = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="slow-sockets", daemon=True)
        self.first_round = threading.Event()

    def _opening(self, kind: str) -> bytes:
        host = f"{self.address[0]}:{self.address[1]}"
        if kind == "header":
            return f"POST / HTTP/1.1\r\nHost: {host}\r\nX-Slow: ".encode()
        return (f"POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {SLOW_BODY_BYTES}\r\n\r\n{{").encode()

    def _open(self, index: int) -> None:
        sock = socket.create_connection(self.address, timeout=2.0)
        sock.setblocking(False)
        try:
            self.bytes_sent += sock.send(self._opening(self.kinds[index]))
        except OSError:
            sock.close()
            raise
        self.sockets[index] = sock

    def _trickle(self, index: int) -> None:
        sock = self.sockets[index]
        if sock is None:
            try:
                self._open(index)
                self.reconnects += 1
            except OSError:
                pass  # the server is not accepting: try again next turn
            return
        try:
            self.bytes_sent += sock.send(b"a" if self.kinds[index] == "header" else b" ")
        except BlockingIOError:
            pass
        except OSError:  # closed by the server (timeout, limit): an attacker comes back
            sock.close()
            self.sockets[index] = None

    def _drain_closed(self) -> None:
        """Notice sockets the server closed (readable with EOF or an answer) and drop them."""
        selector = selectors.DefaultSelector()
        try:
            for index, sock in enumerate(self.sockets):
                if sock is not None:
                    selector.register(sock, selectors.EVENT_READ, index)
            for key, _ in selector.select(timeout=0):
                sock = self.sockets[key.data]
                if sock is None:
                    continue
                try:
                    data = sock.recv(4096)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if not data or data.startswith(b"HTTP/"):
                    sock.close()
                    self.sockets[key.data] = None
        finally:
            selector.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            for index in range(len(self.kinds)):
                if self._stop.is_set():
                    break
                self._trickle(index)
            self._drain_closed()
            self.first_round.set()
            self._stop.wait(self.config.trickle)

    def open_count(self) -> int:
        return sum(sock is not None for sock in self.sockets)

    def __enter__(self) -> SlowSockets:
        for index in range(len(self.kinds)):
            with contextlib.suppress(OSError):  # counted as closed; the trickle loop retries
                self._open(index)
        self._thread.start()
        self.first_round.wait(timeout=30)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        for index, sock in enumerate(self.sockets):
            if sock is not None:
                sock.close()
                self.sockets[index] = None


def _signed(signer: AlexaSigner, n: int) -> tuple[bytes, dict[str, str]]:
    """A signed ExplainMatIntent (no store write, no Alexa API call), one user per request."""
    envelope = env.intent(
        "ExplainMatIntent", {"topic": env.slot("topic", "how often", resolved_id="FREQUENCY")},
        user_id=f"amzn1.ask.account.SLOW{n:05d}",
    )
    body = json.dumps(envelope).encode()
    return body, signer.headers(body)


def _one(url: str, signer: AlexaSigner, n: int, timeout: float) -> tuple[float | None, str]:
    body, headers = _signed(signer, n)
    started = time.monotonic()
    try:
        # A fresh connection each time: a new Alexa request must also get accepted.
        answer = requests.post(url, data=body, headers={**headers, "Connection": "close"},
                               timeout=timeout)
    except requests.RequestException as exc:
        return None, f"{type(exc).__name__}"
    elapsed = time.monotonic() - started
    if answer.status_code != 200:
        return None, f"HTTP {answer.status_code}"
    try:
        check_response(answer.json())
    except (AssertionError, ValueError) as exc:
        return None, f"invalid response: {str(exc)[:80]}"
    return elapsed, ""


def send_signed(url: str, signer: AlexaSigner, count: int, concurrency: int, timeout: float,
                window: float, *, first: int = 0, spread: float = 0.0) -> Phase:
    """`count` signed requests from `concurrency` threads, the k-th started no earlier than
    k/count of `spread` seconds in; none is started after `window` seconds."""
    phase = Phase()
    lock = threading.Lock()
    began = time.monotonic()
    deadline = began + window
    numbers = iter(range(count))

    def worker() -> None:
        while time.monotonic() < deadline:
            with lock:
                k = next(numbers, None)
            if k is None:
                return
            n = first + k
            time.sleep(max(0.0, began + spread * k / count - time.monotonic()))
            elapsed, failure = _one(url, signer, n, timeout)
            with lock:
                if elapsed is None:
                    phase.failures.append(failure)
                else:
                    phase.latencies.append(elapsed)

    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        for future in [pool.submit(worker) for _ in range(concurrency)]:
            future.result()
    return phase


def run(shape: str = PRODUCTION, config: AttackConfig | None = None, *,
        progress: Callable[[str], None] = print) -> AttackResult:
    """Serve the verified app with `shape`, attack it, and return what the signed requests saw."""
    config = config or AttackConfig()
    result = AttackResult(shape, config)
    with tempfile.TemporaryDirectory(prefix="mat-coach-slow-") as tmp:
        workdir = Path(tmp)
        ca = rsa_ca()
        bundle = workdir / "ca.pem"
        ca.cert_pem.write_to_path(str(bundle))
        signer = AlexaSigner.create(ca)
        with ChainServer(server_context(ca), {CHAIN_PATH: signer.chain_pem}) as chain:
            environ = loopback_env()
            environ.update({
                "MAT_COACH_STORE": f"sqlite://{workdir / 'slow.db'}",
                "MAT_COACH_SKILL_ID": env.APP_ID,
                "MAT_COACH_CA_BUNDLE": str(bundle),
                CHAIN_ORIGIN_ENV: chain.origin,
            })
            with ServerProcess(shape, workdir, environ) as server:
                server.wait_ready()
                progress(f"{shape} ready on {server.url}; {config.baseline} quiet requests")
                result.quiet = send_signed(server.url, signer, config.baseline, 1,
                                           config.timeout, config.window)
                progress(f"attack: {config.slow_headers} + {config.slow_bodies} slow sockets")
                with SlowSockets("127.0.0.1", server.port, config) as attack:
                    result.attacked = send_signed(
                        server.url, signer, config.requests, config.concurrency,
                        config.timeout, config.window, first=config.baseline,
                        spread=config.spread,
                    )
                    result.attack_sockets_open = attack.open_count()
                    result.attack_reconnects = attack.reconnects
                    result.attack_bytes = attack.bytes_sent
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.slow_clients",
                                     description=__doc__.split("\n", 1)[0])
    parser.add_argument("--server", choices=(*SHAPES, "all"), default=PRODUCTION,
                        help="the shape to attack; 'all' compares every available one")
    defaults = AttackConfig()
    parser.add_argument("--requests", type=int, default=defaults.requests)
    parser.add_argument("--slow-headers", type=int, default=defaults.slow_headers)
    parser.add_argument("--slow-bodies", type=int, default=defaults.slow_bodies)
    args = parser.parse_args(argv)
    config = AttackConfig(requests=args.requests, slow_headers=args.slow_headers,
                          slow_bodies=args.slow_bodies)
    shapes = [s for s in SHAPES if available(s)] if args.server == "all" else [args.server]
    ok = True
    for shape in shapes:
        result = run(shape, config, progress=lambda line: print(line, file=sys.stderr))
        print(result.table(), flush=True)
        print(flush=True)
        if shape == PRODUCTION:
            ok = ok and not result.attacked.failures and result.attacked.percentile_ms(99) < 1000
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

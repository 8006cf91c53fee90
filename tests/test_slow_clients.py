"""Slow clients against the production server (`skill.web.server`, what `mat-coach serve` runs).

Bounded and loopback only: every request has a timeout, the attack ends with the signed
requests, and every socket and server process is closed before a test returns. The timing
figures live in docs/performance.md (`python -m bench.slow_clients`); these tests assert what
must hold on any machine: signed requests are answered while the attack holds, and a server out of
connection slots stops accepting rather than spinning on accept().
"""

from __future__ import annotations

import json
import resource
import tempfile
import time
from pathlib import Path

import pytest
import requests

from bench.slow_clients import AttackConfig, SlowSockets, run
from skill.web.server import FD_RESERVE, connection_limit_for
from testkit import envelopes as env
from testkit.loopback import ChainServer, server_context
from testkit.served_app import CHAIN_ORIGIN_ENV
from testkit.servers import ServerProcess, loopback_env
from testkit.signing import CHAIN_PATH, AlexaSigner

pytestmark = pytest.mark.slow


def test_signed_requests_are_answered_during_a_slow_client_attack() -> None:
    config = AttackConfig(slow_headers=200, slow_bodies=200, requests=40, baseline=5,
                          spread=2.0, timeout=5.0, window=20.0)
    result = run("waitress", config, progress=lambda _line: None)
    assert result.quiet.failures == []
    assert result.attacked.sent == config.requests
    assert result.attacked.failures == [], result.attacked.failures[:5]  # none refused
    # The attack held: its sockets were still open, half-sent, when the last answer came.
    assert result.attack_sockets_open >= 0.95 * (config.slow_headers + config.slow_bodies)
    assert result.attack_bytes > 0


def test_connection_limit_stays_under_the_descriptor_limit() -> None:
    for fd_limit in (256, 1024, 8192, 65536):
        limit = connection_limit_for(fd_limit, threads=8)
        assert 8 <= limit <= (fd_limit - FD_RESERVE) // 2
    assert connection_limit_for(1024, threads=8) >= 400  # the attack above fits a default limit


def _limit_descriptors() -> None:
    """Runs in the server's child process before exec: a small, fixed descriptor limit."""
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))


def test_out_of_connection_slots_the_server_waits_instead_of_spinning(
    alexa_ca, signer: AlexaSigner
) -> None:
    """With 256 descriptors per process, 400 slow sockets exceed the connection limit: waitress
    must stop accepting (and say so once), not call accept() into EMFILE on every loop turn,
    and it must answer again once the sockets are gone."""
    config = AttackConfig(slow_headers=400, slow_bodies=0, trickle=0.5)
    with tempfile.TemporaryDirectory(prefix="mat-coach-fd-") as tmp, \
            ChainServer(server_context(alexa_ca), {CHAIN_PATH: signer.chain_pem}) as chain:
        workdir = Path(tmp)
        bundle = workdir / "ca.pem"
        alexa_ca.cert_pem.write_to_path(str(bundle))
        environ = {**loopback_env(), "MAT_COACH_STORE": f"sqlite://{workdir / 'fd.db'}",
                   "MAT_COACH_SKILL_ID": env.APP_ID, "MAT_COACH_CA_BUNDLE": str(bundle),
                   CHAIN_ORIGIN_ENV: chain.origin}
        with ServerProcess("waitress", workdir, environ, preexec_fn=_limit_descriptors) as server:
            server.wait_ready()
            with SlowSockets("127.0.0.1", server.port, config):
                deadline = time.monotonic() + 30
                while "reached the connection limit" not in server.log_text():
                    assert time.monotonic() < deadline, server.log_tail()
                    time.sleep(0.1)
            body = json.dumps(env.launch()).encode()
            answer = requests.post(server.url, data=body, headers=signer.headers(body),
                                   timeout=15)
            assert answer.status_code == 200, answer.text
            log = server.log_text()
    assert "accept() threw" not in log
    assert "Too many open files" not in log

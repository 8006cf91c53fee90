"""What the production server (`skill.web.server`, what `mat-coach serve` runs) refuses itself.

waitress refuses a body of 1 MiB or more before the app sees it (`max_request_body_size`),
and a request it cannot parse or whose headers are over 32 KB; the app refuses bodies over
128 KB. A client must not be able to tell who refused: every oversized body gets
`413 {"error": "request body too large"}` as JSON, and waitress's other refusals are short
JSON errors too, never its plain-text pages.

One server process for the module, started as `mat-coach serve` starts it (`serve`, the
production limits) but with verification off, so an unsigned launch is answered; loopback
only, every socket with a timeout, the process stopped by its own pid.
"""

from __future__ import annotations

import http.client
import json
import os
import select
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from skill.settings import DEFAULT_MAX_BODY_BYTES
from skill.web.server import ServerLimits
from testkit import envelopes as env
from testkit.checks import check_response, speech_of
from testkit.loopback import PROXY_VARIABLES, free_port, wait_until_up

ROOT = Path(__file__).resolve().parent.parent
KIB = 1024
MIB = 1024 * KIB
WAITRESS_LIMIT = ServerLimits().max_request_body_size
TOO_LARGE = {"error": "request body too large"}
TIMEOUT = 15.0

#: `mat-coach serve` without verification: the same `serve()` and limits, one process.
SERVER = """
import sys
from skill.settings import Settings
from skill.web import create_app
from skill.web.server import serve

settings = Settings.from_env(verify_requests=False)
serve(lambda: create_app(settings), "127.0.0.1", int(sys.argv[1]), workers=1)
"""


class Reply(NamedTuple):
    status: int
    content_type: str | None
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


@pytest.fixture(scope="module")
def port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    workdir = tmp_path_factory.mktemp("serve")
    environ = {k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES}
    environ.update(MAT_COACH_STORE=f"sqlite://{workdir / 'mat-coach.db'}",
                   MAT_COACH_SKILL_ID=env.APP_ID)
    number = free_port()
    with (workdir / "server.log").open("wb") as log:
        process = subprocess.Popen([sys.executable, "-c", SERVER, str(number)], cwd=ROOT,
                                   env=environ, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until_up(f"http://127.0.0.1:{number}/healthz", process)
            yield number
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
    assert "Traceback" not in (workdir / "server.log").read_text(errors="replace")


def _head(*headers: str) -> bytes:
    lines = ["POST / HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _chunked(body: bytes, size: int = 64 * KIB, *, last: bool = True) -> bytes:
    """`body` in chunked framing; without its `last` chunk the body never ends."""
    framed = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + size]), body[i:i + size])
                      for i in range(0, len(body), size))
    return framed + (b"0\r\n\r\n" if last else b"")


def exchange(port: int, request: bytes) -> Reply:
    """Send `request` as a proxy would, stopping early if the server answers first; read it.

    A server that refuses a body closes the connection without reading the rest, so the
    sender watches for the answer while it sends rather than blocking on a full buffer.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        sent = 0
        while sent < len(request):
            readable, writable, _ = select.select([sock], [sock], [], TIMEOUT)
            if readable:
                break  # answered before the whole request was sent
            assert writable, "the server neither read nor answered"
            try:
                sent += sock.send(request[sent:sent + 64 * KIB])
            except (BrokenPipeError, ConnectionResetError):
                break
        answer = http.client.HTTPResponse(sock)
        answer.begin()
        return Reply(answer.status, answer.getheader("Content-Type"), answer.read())


def _padded(size: int) -> bytes:
    """A valid LaunchRequest envelope padded with an unknown field to exactly `size` bytes."""
    envelope = env.launch()
    bare = len(json.dumps({"pad": "", **envelope}).encode())
    body = json.dumps({"pad": "p" * (size - bare), **envelope}).encode()
    assert len(body) == size
    return body


SIZES = {"200 KB": 200 * KIB, "1 MiB - 1": MIB - 1, "1 MiB": MIB, "1 MiB + 1": MIB + 1,
         "4 MiB": 4 * MIB}


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
@pytest.mark.parametrize("size", list(SIZES.values()), ids=list(SIZES))
def test_every_oversized_body_gets_the_apps_json_413(port: int, size: int, framing: str) -> None:
    body = _padded(size)
    if framing == "chunked":
        request = _head("Transfer-Encoding: chunked") + _chunked(body)
    else:
        request = _head(f"Content-Length: {size}") + body
    reply = exchange(port, request)
    assert reply.status == 413
    assert reply.content_type == "application/json"
    assert reply.json() == TOO_LARGE


def test_waitress_refuses_a_declared_length_without_reading_the_body(port: int) -> None:
    """Only the headers are sent: the answer cannot have waited for the body."""
    reply = exchange(port, _head(f"Content-Length: {4 * WAITRESS_LIMIT}"))
    assert (reply.status, reply.content_type) == (413, "application/json")
    assert reply.json() == TOO_LARGE


def test_waitress_stops_a_chunked_body_at_its_limit(port: int) -> None:
    """The body never ends: the answer cannot have waited for the rest of it."""
    reply = exchange(port, _head("Transfer-Encoding: chunked")
                     + _chunked(b"p" * (WAITRESS_LIMIT + 64 * KIB), last=False))
    assert (reply.status, reply.content_type) == (413, "application/json")
    assert reply.json() == TOO_LARGE


@pytest.mark.parametrize(("request_bytes", "status", "message"), [
    (_head("X-Padding: " + "h" * (ServerLimits().max_request_header_size + KIB)), 431,
     "request header fields too large"),
    (_head("Content-Length: many"), 400, "bad request"),
    (b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nBroken header line\r\n\r\n", 400, "bad request"),
    (_head("Transfer-Encoding: gzip"), 501, "not implemented"),
], ids=["headers too large", "bad length", "bad header line", "unknown coding"])
def test_waitress_refusals_are_short_json_errors(
    port: int, request_bytes: bytes, status: int, message: str
) -> None:
    reply = exchange(port, request_bytes)
    assert (reply.status, reply.content_type) == (status, "application/json")
    assert reply.json() == {"error": message}  # nothing quoted from the request


def test_a_normal_request_is_still_answered(port: int) -> None:
    body = json.dumps(env.launch()).encode()
    reply = exchange(port, _head(f"Content-Length: {len(body)}") + body)
    assert (reply.status, reply.content_type) == (200, "application/json")
    assert "Welcome to Mat Coach" in speech_of(check_response(reply.json()))


def test_a_body_of_the_apps_limit_is_still_answered_chunked(port: int) -> None:
    body = _padded(DEFAULT_MAX_BODY_BYTES)
    reply = exchange(port, _head("Transfer-Encoding: chunked") + _chunked(body))
    assert (reply.status, reply.content_type) == (200, "application/json")
    check_response(reply.json())


def test_deep_session_attributes_are_answered_through_the_server(port: int) -> None:
    """As deep as json parses on a worker thread: the attributes go, the welcome comes."""
    levels = 950
    envelope = json.dumps(env.launch(session_attributes={"junk": "@deep@"}))
    deep = '{"a":' * (levels - 1) + "{}" + "}" * (levels - 1)
    body = envelope.replace('"@deep@"', deep).encode()
    reply = exchange(port, _head(f"Content-Length: {len(body)}") + body)
    assert (reply.status, reply.content_type) == (200, "application/json")
    assert "Welcome to Mat Coach" in speech_of(check_response(reply.json()))

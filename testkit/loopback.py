"""Loopback servers standing in for Amazon's side, and the helpers every loopback test needs.

Amazon's rules pin the signing-chain URL to `https://s3.amazonaws.com/echo.api/`, so the
verifier's `fetch` is the seam: `loopback_fetch` maps that URL onto a local HTTPS server and
downloads with the product's own downloader (`make_downloader`: timeout, size cap, trust in
exactly one CA bundle). `ChainServer` is that server; it can also answer 404 or hang, which is
what the fault tests need. `TimersServer` mounts `testkit.alexa_apis.TimersFake` on a threaded
loopback HTTPS server; `KeepAliveTimersServer` serves the same fake over connections that stay
open between calls, as Alexa's APIs do, for the latency bench. `free_port`, `closed_origin`
and `wait_until_up` are for tests that start (or must not find) a real server. Nothing here
ever talks to anything but 127.0.0.1.
"""

from __future__ import annotations

import http.server
import logging
import posixpath
import re
import socket
import ssl
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Callable
from types import TracebackType

import requests
import trustme

from skill.web.verifier import make_downloader
from testkit.alexa_apis import TimersFake

#: Variables urllib, requests and botocore read a proxy from; loopback traffic must bypass them.
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY",
                   "ALL_PROXY")


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def closed_origin(scheme: str = "https") -> str:
    """An origin nobody listens on: a service that refuses connections, instantly."""
    return f"{scheme}://127.0.0.1:{free_port()}"


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    """Poll `url` until it answers; fail early if the process died."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server at {url} did not start") from None
            time.sleep(0.1)


def server_context(ca: trustme.CA) -> ssl.SSLContext:
    """A TLS server context with a 127.0.0.1/localhost certificate issued by `ca`."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


def loopback_fetch(
    origin: str, *, ca_bundle: str, timeout: float = 2.0
) -> Callable[[str], bytes]:
    """A `RequestVerifier` fetch that downloads `https://s3.amazonaws.com/<path>` from `origin`.

    The verifier has already checked the URL against Amazon's rules before it calls fetch, so
    only the path is kept (normalised, like the rule check does).
    """
    download = make_downloader(ca_bundle=ca_bundle, timeout=timeout)

    def fetch(url: str) -> bytes:
        path = posixpath.normpath(urllib.parse.urlsplit(url).path or "/")
        return download(origin.rstrip("/") + path)

    return fetch


class ChainHandler(http.server.BaseHTTPRequestHandler):
    """Serves `server.files` by path, or 404s or hangs as `server.mode` says."""

    server: ChainServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        mode = self.server.mode
        self.server.hits.append(self.path)
        if mode == "hang":
            self.server.release.wait(30)  # bounded; released when the server stops
            return
        self.send_chain(self.server.files.get(self.path) if mode == "serve" else None)

    def send_chain(self, body: bytes | None) -> None:
        """Answer with a PEM chain as S3 does, or 404 when there is none."""
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/x-pem-file")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # a benchmark's output is its summary, not one line per download


class ChainServer(http.server.ThreadingHTTPServer):
    """Loopback "S3": serves PEM files by path; `mode` is "serve", "404" or "hang"."""

    daemon_threads = True

    def __init__(
        self,
        context: ssl.SSLContext,
        files: dict[str, bytes] | None = None,
        handler: type[ChainHandler] | None = None,
    ) -> None:
        super().__init__(("127.0.0.1", 0), handler or ChainHandler)
        self.socket = context.wrap_socket(self.socket, server_side=True)
        self.files: dict[str, bytes] = dict(files or {})
        self.mode = "serve"
        self.hits: list[str] = []
        self.release = threading.Event()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        return f"https://127.0.0.1:{self.server_address[1]}"

    def url(self, path: str) -> str:
        return self.origin + path

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that time out and hang up are what the hang mode is for

    def __enter__(self) -> ChainServer:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release.set()
        self.shutdown()
        self.server_close()
        self._thread.join(5)


class TimersServer:
    """`TimersFake` on a threaded loopback HTTPS server (pytest-httpserver).

    The test session and the load run both use this one server; tests reset the fake between
    tests instead of starting a server each.
    """

    def __init__(self, ca: trustme.CA, fake: TimersFake | None = None) -> None:
        from pytest_httpserver import HTTPServer  # a test dependency; the load run has it too

        self.fake = fake or TimersFake()
        self._server = HTTPServer(
            host="127.0.0.1", port=0, ssl_context=server_context(ca), threaded=True
        )
        self._server.expect_request(re.compile(".*")).respond_with_handler(self.fake.handle)
        self._werkzeug_level = logging.NOTSET

    @property
    def origin(self) -> str:
        return f"https://127.0.0.1:{self._server.port}"

    def __enter__(self) -> TimersServer:
        # werkzeug prints one access line per call (with the deviceId in the path) unless its
        # logger is told otherwise; a load run's output is its summary.
        self._werkzeug_level = logging.getLogger("werkzeug").level
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._server.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.clear()
        if self._server.is_running():
            self._server.stop()
        logging.getLogger("werkzeug").setLevel(self._werkzeug_level)


class _KeepAliveHandler(http.server.BaseHTTPRequestHandler):
    """One connection: requests in turn, each answered by the fake, the connection kept."""

    server: KeepAliveTimersServer
    protocol_version = "HTTP/1.1"
    timeout = 30  # an idle connection is closed after this many seconds
    # Headers and body go out in two writes: without TCP_NODELAY the second waits for the
    # client's delayed acknowledgement, 40 ms a call.
    disable_nagle_algorithm = True

    def _answer(self) -> None:
        from werkzeug import Request
        from werkzeug.test import EnvironBuilder

        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        parts = urllib.parse.urlsplit(self.path)
        environ = EnvironBuilder(
            method=self.command, base_url=self.server.origin, path=parts.path,
            query_string=parts.query, headers=dict(self.headers.items()), data=body,
        ).get_environ()
        answer = self.server.fake.handle(Request(environ))
        data = answer.get_data()
        self.send_response(answer.status_code)
        for name, value in answer.headers.items():
            if name.lower() not in ("content-length", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass  # a benchmark's output is its summary, not one line per call


class KeepAliveTimersServer(http.server.ThreadingHTTPServer):
    """`TimersFake` over loopback HTTPS whose connections stay open from call to call.

    Alexa's APIs keep a connection alive, so a warm function pays its TLS handshake once per
    connection, not per call. Werkzeug's development server (behind `TimersServer`) closes
    every connection after one answer, which would charge each call a handshake, on the
    client's side and, in the same process, the server's: noise that hides what a latency
    figure is about.
    """

    daemon_threads = True

    def __init__(self, ca: trustme.CA, fake: TimersFake | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _KeepAliveHandler)
        self.socket = server_context(ca).wrap_socket(self.socket, server_side=True)
        self.fake = fake or TimersFake()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        return f"https://127.0.0.1:{self.server_address[1]}"

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hangs up on an idle connection is not an error

    def __enter__(self) -> KeepAliveTimersServer:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(5)

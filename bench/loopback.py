"""Loopback stand-ins for Amazon's side of a self-hosted endpoint, for the load run and tests.

Amazon's rules pin the signing-chain URL to `https://s3.amazonaws.com/echo.api/`, so the
verifier's `fetch` is the seam: `loopback_fetch` maps that URL onto a local HTTPS server and
downloads with the product's own downloader (`make_downloader`: timeout, size cap, trust in
exactly one CA bundle). `ChainServer` is that server; it can also answer 404 or hang, which is
what the fault tests need. `TimersServer` mounts `tests.timers_fake.TimersFake` on a threaded
loopback HTTPS server. Nothing here ever talks to anything but 127.0.0.1.
"""

from __future__ import annotations

import http.server
import logging
import posixpath
import re
import ssl
import threading
import urllib.parse
from collections.abc import Callable
from types import TracebackType

import trustme

from skill.web.verifier import make_downloader

CHAIN_PATH = "/echo.api/echo-api-cert.pem"
CERT_URL = f"https://s3.amazonaws.com{CHAIN_PATH}"


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
        body = self.server.files.get(self.path) if mode == "serve" else None
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
    """`TimersFake` on a threaded loopback HTTPS server (pytest-httpserver, as in the tests)."""

    def __init__(self, ca: trustme.CA) -> None:
        from pytest_httpserver import HTTPServer

        from tests.timers_fake import TimersFake

        self.fake = TimersFake()
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

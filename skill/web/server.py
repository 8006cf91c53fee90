"""The production HTTP server behind `mat-coach serve`: waitress, set so slow clients cannot
hold it.

Chosen by measurement (`python -m bench.slow_clients`, figures in docs/performance.md):
waitress reads each request whole - headers and body - in its event loop before a worker
thread sees it, so sockets that trickle their headers or bodies cost a file descriptor and a
little memory each, never a worker. gunicorn's sync and gthread workers (the previous
production command) block a worker per slow socket until their 30 s timeout; 200 such sockets
answered none of the signed requests sent meanwhile.

What is set here, and why:

* `connection_limit` follows the process's file-descriptor limit (raised to its hard limit
  first), leaving a reserve for the app's own files and sockets (SQLite, the chain download,
  the Alexa APIs). Past the limit waitress stops accepting - connections wait in the kernel's
  backlog - instead of calling accept() into EMFILE on every loop turn, which is a busy loop.
* `asyncore_use_poll`: select() cannot watch descriptors numbered above 1024.
* `channel_timeout` closes connections idle that long; `cleanup_interval` is how often it looks.
  Every byte received resets the idle clock and waitress has no limit on a request's total
  read time, so a socket that trickles a byte now and then is never closed for it (only a
  size limit ends it): the reverse proxy in front bounds read times (docs/deploy.md).
* `max_request_header_size` is far above an Alexa request's headers and far below waitress's
  256 KB default. `max_request_body_size` (1 MiB) is above the app's own 128 KB limit, which
  answers bodies between the two; larger ones waitress refuses itself, without passing them
  on or reading further: at the headers when `Content-Length` says so, once 1 MiB of a
  chunked body (framing included) has arrived.

waitress writes its own refusals (400 malformed request, 413, 431 headers too large, 501
unknown transfer coding, 500 if the app raises past Flask) with its channel's error task, as
plain text. The channel here (`JsonErrorChannel`) swaps in an error task that says the same
as the app, as JSON: a client sees `{"error": "request body too large"}` for every oversized
body, whoever refused it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import resource
import signal
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

from waitress import create_server
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer
from waitress.task import ErrorTask

from skill.web import BODY_TOO_LARGE, INTERNAL_ERROR, error_json

log = logging.getLogger(__name__)

#: Descriptors kept back from connections for the app itself and a margin for bursts.
FD_RESERVE = 64
#: No more connections than this even when the descriptor limit allows it: poll() walks them
#: all on every loop turn.
MAX_CONNECTIONS = 4096
#: The descriptor limit the server raises its soft limit to, at most.
FD_TARGET = 8192
#: Worker processes: Python runs one thread at a time per process, so cores need processes.
DEFAULT_WORKERS = 2


@dataclass(frozen=True)
class ServerLimits:
    """waitress's knobs as `mat-coach serve` sets them."""

    threads: int = 8
    connection_limit: int = 1000
    channel_timeout: int = 20
    cleanup_interval: int = 5
    max_request_header_size: int = 32 * 1024
    max_request_body_size: int = 1024 * 1024
    backlog: int = 1024

    def waitress_kwargs(self) -> dict[str, object]:
        """The keyword arguments `waitress.create_server` takes for these limits."""
        return {
            "threads": self.threads,
            "connection_limit": self.connection_limit,
            "channel_timeout": self.channel_timeout,
            "cleanup_interval": self.cleanup_interval,
            "max_request_header_size": self.max_request_header_size,
            "max_request_body_size": self.max_request_body_size,
            "backlog": self.backlog,
            "asyncore_use_poll": True,
            "ident": "mat-coach",
        }


def raise_fd_limit(target: int = FD_TARGET) -> int:
    """Raise the soft descriptor limit towards `target` (never above the hard limit); return it.

    Many systems start services with a soft limit of 1024 and a far higher hard limit: the
    difference is free connections.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = target if hard == resource.RLIM_INFINITY else min(target, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):
            pass  # keep the limit we have; the connection limit follows it
    return int(soft) if soft != resource.RLIM_INFINITY else MAX_CONNECTIONS + FD_RESERVE


def connection_limit_for(fd_limit: int, threads: int) -> int:
    """How many connections fit under `fd_limit` with room for the app's own descriptors.

    A connection may briefly hold a second descriptor (a request body spooled to a temp file),
    and each worker thread may hold a few of the app's (a store file, an API socket).
    """
    reserve = FD_RESERVE + 4 * threads
    return max(8, min(MAX_CONNECTIONS, (fd_limit - reserve) // 2))


def production_limits(threads: int = ServerLimits.threads) -> ServerLimits:
    """The limits for this process: the descriptor limit raised, the connection limit under it."""
    return ServerLimits(threads=threads,
                        connection_limit=connection_limit_for(raise_fd_limit(), threads))


#: What waitress's own refusals say, by status; any other says its reason phrase, lowercased
#: (as the app says its 404 and 405).
_SERVER_ERRORS = {413: BODY_TOO_LARGE, 500: INTERNAL_ERROR}


class JsonErrorTask(ErrorTask):
    """waitress's error response as the app gives its own: `{"error": ...}`, JSON.

    The status stays waitress's; the detail waitress would add ("exceeds max_body of ...",
    a parser message quoting the request) is left out, as the app leaves out its own.
    """

    def execute(self) -> None:
        error = self.request.error
        body = error_json(_SERVER_ERRORS.get(error.code, error.reason.lower())).encode()
        self.status = f"{error.code} {error.reason}"
        self.response_headers.append(("Content-Type", "application/json"))
        self.set_close_on_finish()  # as waitress does: the stream is not to be trusted
        self.content_length = len(body)
        self.write(body)


class JsonErrorChannel(HTTPChannel):
    """waitress's connection, with its refusals written by `JsonErrorTask`."""

    error_task_class = JsonErrorTask


def create_waitress(app: object, sock: socket.socket, limits: ServerLimits) -> BaseWSGIServer:
    """waitress serving `app` on `sock` with `limits`, its own refusals answered as JSON.

    `create_server` takes no channel class, so it is set on the server it returns, before its
    loop runs and so before any connection is accepted.
    """
    server = create_server(app, sockets=[sock], **limits.waitress_kwargs())
    if not isinstance(server, BaseWSGIServer):  # one socket gives one server, not a group
        raise TypeError(f"waitress returned {type(server).__name__} for one socket")
    server.channel_class = JsonErrorChannel
    return server


def _run_waitress(app: object, sock: socket.socket, limits: ServerLimits) -> None:
    """One process's server loop on the shared listening socket, until SIGTERM or SIGINT."""
    server = create_waitress(app, sock, limits)

    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        server.run()  # returns on KeyboardInterrupt, after stopping its threads
    finally:
        server.close()


def listening_socket(host: str, port: int, backlog: int = ServerLimits.backlog) -> socket.socket:
    """The one socket every worker process accepts from (IPv4 or IPv6, as `host` says)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    return sock


def serve(app_factory: Callable[[], object], host: str, port: int, *,
          threads: int = ServerLimits.threads, workers: int = DEFAULT_WORKERS) -> None:
    """Serve the WSGI app `app_factory()` builds until SIGTERM or SIGINT.

    With `workers` > 1 the listening socket is bound here and that many processes are forked,
    each building its own app (its own store connection and HTTP sessions) and running
    waitress on the shared socket; the kernel hands each connection to one of them. Python
    runs one thread at a time per process, so one process per core is what turns cores into
    throughput. A worker that dies is replaced; SIGTERM stops them all.
    """
    limits = production_limits(threads)
    sock = listening_socket(host, port, limits.backlog)
    log.info("waitress: %d process(es) x %d threads, at most %d connections each, idle ones "
             "closed after %d s", workers, limits.threads, limits.connection_limit,
             limits.channel_timeout)
    if workers <= 1:
        _run_waitress(app_factory(), sock, limits)
        return
    _supervise(app_factory, sock, limits, workers)


def _start_worker(app_factory: Callable[[], object], sock: socket.socket,
                  limits: ServerLimits) -> int:
    pid = os.fork()
    if pid == 0:  # the worker: never returns into the supervisor's code
        status = 0
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # the supervisor says when to stop
            _run_waitress(app_factory(), sock, limits)
        except BaseException:
            log.exception("worker %d failed", os.getpid())
            status = 1
        finally:
            logging.shutdown()
            os._exit(status)
    return pid


class _Stop(Exception):
    """Raised by the supervisor's signal handler to leave its wait for a child."""


def _supervise(app_factory: Callable[[], object], sock: socket.socket, limits: ServerLimits,
               workers: int) -> None:
    """Fork `workers` processes, replace any that dies, stop them all on SIGTERM or SIGINT."""

    def stop(_signum: int, _frame: object) -> None:
        raise _Stop

    pids: set[int] = set()
    restarts: list[float] = []
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        for _ in range(workers):
            pids.add(_start_worker(app_factory, sock, limits))
        while pids:
            try:
                pid, status = os.waitpid(-1, 0)
            except ChildProcessError:
                break
            if pid not in pids:
                continue
            pids.discard(pid)
            now = time.monotonic()
            restarts = [t for t in restarts if now - t < 60] + [now]
            if len(restarts) > 5 * workers:
                log.error("workers keep dying (last status %d); stopping", status)
                break
            log.warning("worker %d exited (status %d); starting another", pid, status)
            pids.add(_start_worker(app_factory, sock, limits))
    except _Stop:
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    for pid in pids:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
    sock.close()

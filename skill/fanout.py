"""Alexa API calls that do not depend on each other, made together.

Someone on the mat waits in silence until Alexa speaks, and at 150 ms a call, five calls one
after another are most of a second. A session's end timer and its check-ins, the timers a
pause or an end acts on, the old session's timers a restart cancels: none needs another's
answer, so they go out in one wave and the request waits for the slowest, not for the sum.

Every call keeps its own timeout (`skill.alexa_api.TimeoutApiClient`, never past the
request's deadline), and the `Deadline` also bounds the wait for the calls workers took: one
not back by then is reported as `Late`. It ends on its own, and whatever it did is found by
the next request, which lists the timers before acting (the timers are the truth).

The workers are a small pool shared by the process, made on the first wave rather than at
import: a Lambda cold start that answers without an API call pays for neither threads nor
`concurrent.futures`. A worker taking a call is handed the request's deadline for the time of
the call (`skill.alexa_api.work_for`), so all the calls of a request spend from one budget.
Only the calls run on workers: ask-sdk's request and response objects are not thread-safe, so
everything a call needs is prepared on the request's own thread.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from skill.alexa_api import request_deadline, when_waiting, work_for

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

#: Calls on workers at once in one process (each wave's first call runs on the request's own
#: thread). A session has at most four timers of ours and a restart touches two sessions'
#: worth, so a Lambda function, one request at a time, never queues; on `mat-coach serve`
#: (eight request threads a process) two restarts or five starts go out at once, and more
#: wait their turn, bounded by their deadlines.
MAX_WORKERS = 16
#: How long past the deadline an answer already on its way is still read.
GRACE_SECONDS = 0.2

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


class Late(Exception):
    """The request's deadline passed before this call came back: its effect is unknown."""


class Outcome(NamedTuple):
    """What one call gave: its value, or the exception it raised (`Late` when it never said)."""

    value: object = None
    error: BaseException | None = None


def _workers() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        with _pool_lock:
            if _pool is None:
                from concurrent.futures import ThreadPoolExecutor

                _pool = ThreadPoolExecutor(MAX_WORKERS, thread_name_prefix="alexa-api")
    return _pool


def _run(call: Callable[[], object]) -> Outcome:
    try:
        return Outcome(call())
    except Exception as exc:  # reported to the caller, which knows what each failure means
        return Outcome(error=exc)


class _Wave:
    """One wave's calls, waiting in line for whoever takes them first: the caller, and the
    workers woken when a call goes out to wait on the network."""

    def __init__(self, calls: Sequence[Callable[[], object]]) -> None:
        from collections import deque

        self.deadline = request_deadline()
        self.line = deque(enumerate(calls))
        self.outcomes: list[Outcome | None] = [None] * len(calls)
        self.left = len(calls)
        self.answered = threading.Condition()
        self.waking = 0  # workers asked for that have not started yet
        self.helpers: list[Future[None]] = []

    def take(self) -> None:
        """Make calls from the line until it is empty. When a call is about to wait on the
        network, workers are woken for the calls still in line."""
        when_waiting(self._wake_for_the_rest)
        try:
            while True:
                try:
                    index, call = self.line.popleft()  # atomic: each call is taken once
                except IndexError:
                    return
                outcome = _run(call)
                with self.answered:
                    self.outcomes[index] = outcome
                    self.left -= 1
                    self.answered.notify()
        finally:
            when_waiting(None)

    def _wake_for_the_rest(self) -> None:
        """A worker for each call left in line, less those already on their way."""
        with self.answered:
            wanted = len(self.line) - self.waking
            if wanted <= 0:
                return
            self.waking += wanted
        pool = _workers()
        # Each worker runs in a copy of the waking thread's context, so what the request
        # records of its calls (`skill.telemetry`) follows them onto the workers.
        self.helpers.extend(pool.submit(contextvars.copy_context().run, self._help)
                            for _ in range(wanted))

    def _help(self) -> None:  # on a worker, spending from the request's deadline
        with self.answered:
            self.waking -= 1
        work_for(self.deadline)
        try:
            self.take()
        finally:
            work_for(None)

    def outcomes_by_the_deadline(self) -> list[Outcome]:
        """Wait for the calls workers took (none, when the caller took them all), until the
        deadline; a worker not started by then finds nothing left and is not needed."""
        deadline = self.deadline
        timeout = None if deadline is None else max(0.0, deadline.left()) + GRACE_SECONDS
        with self.answered:
            self.answered.wait_for(lambda: self.left == 0, timeout)
            found = list(self.outcomes)
        for helper in list(self.helpers):
            helper.cancel()
        return [outcome if outcome is not None
                else Outcome(error=Late("no answer before the request's deadline"))
                for outcome in found]


def together(calls: Sequence[Callable[[], object]]) -> list[Outcome]:
    """Run `calls` at once and return their outcomes in the same order.

    The calls wait in one line. The caller takes the first; when it is about to wait on the
    network (the client says so: `skill.alexa_api.waiting`), a worker is woken for each call
    still in line, so they are all out within a millisecond or so and wait together. A call
    that waits on nothing (an API answered in memory) wakes nobody, and the caller simply
    takes the next: handing calls to other threads would cost more than the calls. With every
    worker busy (other requests' waves) the caller makes them all itself. A lone call never
    leaves the caller's thread.
    """
    if len(calls) <= 1:
        return [_run(call) for call in calls]
    wave = _Wave(calls)
    wave.take()
    return wave.outcomes_by_the_deadline()

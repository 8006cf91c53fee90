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

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from skill.alexa_api import request_deadline, work_for

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

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


def together(calls: Sequence[Callable[[], object]]) -> list[Outcome]:
    """Run `calls` at once and return their outcomes in the same order.

    The calls wait in one line; the caller takes from it, one call after another, and so do
    workers woken for the purpose, each call going to whoever takes it first. A call to
    Alexa spends most of its time waiting on the network, with the interpreter free, so the
    workers take the others while the caller's is out and they all wait together. A call
    that waits on nothing (an API answered in memory) keeps the interpreter, and the caller
    simply makes the next: no hand-over to another thread, which costs more than the call.
    And with every worker busy (other requests' waves) the caller makes them all itself.
    A lone call never leaves the caller's thread.
    """
    if len(calls) <= 1:
        return [_run(call) for call in calls]
    from collections import deque

    deadline = request_deadline()
    line = deque(enumerate(calls))
    outcomes: list[Outcome | None] = [None] * len(calls)
    answered = threading.Condition()
    left = [len(calls)]

    def take_all() -> None:
        while True:
            try:
                index, call = line.popleft()  # atomic: each call is taken once
            except IndexError:
                return
            outcome = _run(call)
            with answered:
                outcomes[index] = outcome
                left[0] -= 1
                answered.notify()

    def take_for_the_request() -> None:  # on a worker
        work_for(deadline)
        try:
            take_all()
        finally:
            work_for(None)

    pool = _workers()
    helpers = [pool.submit(take_for_the_request) for _ in calls[1:]]
    take_all()
    # Wait only for the calls workers took (none, when the caller took them all), until the
    # deadline; a helper not started by then finds nothing left and is not needed.
    timeout = None if deadline is None else max(0.0, deadline.left()) + GRACE_SECONDS
    with answered:
        answered.wait_for(lambda: left[0] == 0, timeout)
        found = list(outcomes)
    for helper in helpers:
        helper.cancel()
    return [outcome if outcome is not None
            else Outcome(error=Late("no answer before the request's deadline"))
            for outcome in found]

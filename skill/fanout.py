"""Alexa API calls that do not depend on each other, made together.

Someone on the mat waits in silence until Alexa speaks, and at 150 ms a call, five calls one
after another are most of a second. A session's end timer and its check-ins, the timers a
pause or an end acts on, the old session's timers a restart cancels: none needs another's
answer, so they go out in one wave and the request waits for the slowest, not for the sum.

Every call keeps its own timeout (`skill.alexa_api.TimeoutApiClient`), and the request's
`Deadline` bounds the wait for all of them: a call not back by then is reported as `Late`. One
still queued (other requests filled the pool) is cancelled and never goes out; one already
sent ends on its own, and whatever it did is found by the next request, which lists the timers
before acting (the timers are the truth).

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

from skill.alexa_api import Deadline, request_deadline, work_for

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


def _run_for(deadline: Deadline | None, call: Callable[[], object]) -> Outcome:
    """`call` on a worker, spending from the deadline of the request that made it."""
    work_for(deadline)
    try:
        return _run(call)
    finally:
        work_for(None)


def together(calls: Sequence[Callable[[], object]]) -> list[Outcome]:
    """Run `calls` at once and return their outcomes in the same order.

    A lone call runs on the caller's thread (no hand-over for nothing); with several, the
    caller makes the first itself while the workers make the rest.
    """
    if len(calls) <= 1:
        return [_run(call) for call in calls]
    from concurrent.futures import wait

    pool = _workers()
    deadline = request_deadline()
    futures: list[Future[Outcome]] = [pool.submit(_run_for, deadline, call) for call in calls[1:]]
    first = _run(calls[0])
    timeout = None if deadline is None else max(0.0, deadline.left()) + GRACE_SECONDS
    done, _ = wait(futures, timeout=timeout)
    outcomes = [first]
    for future in futures:
        if future in done:
            outcomes.append(future.result())
        else:
            future.cancel()  # still queued: it never goes out
            outcomes.append(Outcome(error=Late("no answer before the request's deadline")))
    return outcomes


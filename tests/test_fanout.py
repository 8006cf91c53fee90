"""Calls made together (`skill.fanout`): really at once, in order, within the request's deadline.

Nothing here measures speed (the latency bench does): concurrency is shown by calls that can
only finish when all of them have started (a barrier), and the deadline by calls that never
finish on their own.
"""

from __future__ import annotations

import threading
import time

import pytest
from ask_sdk_core.exceptions import ApiClientException

from skill import fanout
from skill.alexa_api import TimeoutApiClient, open_deadline, request_deadline


def test_calls_run_at_once_and_come_back_in_order() -> None:
    open_deadline(5.0)
    count = 4
    barrier = threading.Barrier(count, timeout=5)  # broken unless all four are in flight

    def call(n: int):
        return lambda: (barrier.wait(), n)[1]

    outcomes = fanout.together([call(n) for n in range(count)])
    assert [o.value for o in outcomes] == list(range(count))
    assert all(o.error is None for o in outcomes)


def test_each_failure_is_its_own_and_the_rest_still_happen() -> None:
    open_deadline(5.0)
    done = []

    def fails() -> None:
        raise ValueError("refused")

    outcomes = fanout.together([fails, lambda: done.append(1) or "ok", fails])
    assert isinstance(outcomes[0].error, ValueError) and isinstance(outcomes[2].error, ValueError)
    assert outcomes[1] == fanout.Outcome("ok") and done == [1]


def test_a_lone_call_stays_on_the_callers_thread() -> None:
    (outcome,) = fanout.together([threading.current_thread])
    assert outcome.value is threading.current_thread()
    assert fanout.together([]) == []


def test_every_call_of_a_request_reads_the_same_deadline() -> None:
    deadline = open_deadline(5.0)
    outcomes = fanout.together([request_deadline, request_deadline, request_deadline])
    assert [o.value for o in outcomes] == [deadline] * 3
    other = open_deadline(5.0)  # the next request on this thread gets its own
    assert fanout.together([request_deadline, request_deadline])[1].value is other


def test_a_spent_budget_fails_calls_at_once_on_every_worker() -> None:
    client = TimeoutApiClient(timeout=1.0, budget=0.01)
    client.start_request()
    while request_deadline().left() > 0:  # let the budget run out (bounded: 10 ms)
        time.sleep(0.005)
    outcomes = fanout.together([client._call_timeout] * 3)
    assert all(isinstance(o.error, ApiClientException) for o in outcomes)
    assert "budget" in str(outcomes[2].error)


def test_calls_still_out_at_the_deadline_are_late_and_queued_ones_never_go_out() -> None:
    release = threading.Event()
    started = []
    lock = threading.Lock()

    def hangs() -> str:
        with lock:
            started.append(1)
        release.wait(10)  # bounded; released below
        return "too late"

    open_deadline(0.05)
    try:
        calls = [lambda: "quick", *[hangs] * (fanout.MAX_WORKERS + 2)]
        outcomes = fanout.together(calls)
        assert outcomes[0] == fanout.Outcome("quick")
        assert all(isinstance(o.error, fanout.Late) for o in outcomes[1:])
    finally:
        release.set()
    # Once everything queued before it has run, count: the pool held at most MAX_WORKERS of
    # the hanging calls, and the ones queued behind them were cancelled, not run late.
    open_deadline(10.0)
    fanout.together([lambda: None] * (2 * fanout.MAX_WORKERS))
    assert 1 <= len(started) <= fanout.MAX_WORKERS


@pytest.fixture(autouse=True)
def _fresh_deadline():
    """Tests here open deadlines on the test thread; leave none behind for the next test."""
    yield
    open_deadline(60.0)

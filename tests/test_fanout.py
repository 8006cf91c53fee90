"""Calls made together (`skill.fanout`): really at once, in order, within the request's deadline.

Nothing here measures speed (the latency bench does): concurrency is shown by calls that can
only finish when all of them have started (a barrier), the deadline by a call that does not
finish on its own, and the caller's share by a pool with every worker busy. A call stands for
one to Alexa by saying, as `TimeoutApiClient` does, that it is about to wait (`waiting()`).
"""

from __future__ import annotations

import threading
import time

import pytest
from ask_sdk_core.exceptions import ApiClientException

from skill import fanout
from skill.alexa_api import TimeoutApiClient, open_deadline, request_deadline, waiting


def test_calls_run_at_once_and_come_back_in_order() -> None:
    open_deadline(5.0)
    count = 4
    barrier = threading.Barrier(count, timeout=5)  # broken unless all four are in flight

    def call(n: int):
        return lambda: (waiting(), barrier.wait(), n)[2]

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
    barrier = threading.Barrier(3, timeout=5)  # three threads: the caller and two workers

    def call() -> tuple[threading.Thread, object]:
        waiting()
        barrier.wait()
        return threading.current_thread(), request_deadline()

    outcomes = fanout.together([call, call, call])
    threads = {o.value[0] for o in outcomes}
    assert len(threads) == 3 and threading.current_thread() in threads
    assert [o.value[1] for o in outcomes] == [deadline] * 3
    other = open_deadline(5.0)  # the next request on this thread gets its own
    assert fanout.together([call, call, call])[2].value[1] is other


def test_a_spent_budget_fails_calls_at_once_on_every_worker() -> None:
    client = TimeoutApiClient(timeout=1.0, budget=0.01)
    client.start_request()
    while request_deadline().left() > 0:  # let the budget run out (bounded: 10 ms)
        time.sleep(0.005)
    barrier = threading.Barrier(3, timeout=5)  # each call on a thread of its own

    def call() -> float:
        waiting()
        barrier.wait()
        return client._call_timeout()

    outcomes = fanout.together([call] * 3)
    assert all(isinstance(o.error, ApiClientException) for o in outcomes)
    assert "budget" in str(outcomes[2].error)


def test_a_client_spends_only_from_a_budget_it_opened() -> None:
    """A thread that served a request and later calls through another client (a tool's, a
    test's) is not held to that request's long-past deadline."""
    served = TimeoutApiClient(timeout=1.0, budget=0.0)
    served.start_request()  # that request's budget is spent at once
    with pytest.raises(ApiClientException):
        served._call_timeout()
    assert TimeoutApiClient(timeout=1.0)._call_timeout() == 1.0


def test_a_call_a_worker_took_that_outlives_the_deadline_is_late() -> None:
    taken, release = threading.Event(), threading.Event()

    def hangs() -> str:  # unlike a real call, bounded by nothing but this test
        taken.set()
        release.wait(10)
        return "too late"

    def first() -> str:
        waiting()
        taken.wait(5)  # the caller stays busy until a worker has the other call
        return "in time"

    open_deadline(0.05)
    try:
        outcomes = fanout.together([first, hangs])
    finally:
        release.set()
    assert outcomes[0] == fanout.Outcome("in time")
    assert isinstance(outcomes[1].error, fanout.Late)


def test_with_every_worker_busy_the_caller_makes_the_calls_itself() -> None:
    open_deadline(5.0)
    busy, release = threading.Semaphore(0), threading.Event()

    def occupies() -> None:
        busy.release()
        release.wait(10)

    pool = fanout._workers()
    try:
        for _ in range(fanout.MAX_WORKERS):
            pool.submit(occupies)
        for _ in range(fanout.MAX_WORKERS):
            assert busy.acquire(timeout=5)  # every worker is taken
        outcomes = fanout.together([lambda: (waiting(), threading.current_thread())[1]] * 3)
    finally:
        release.set()
    assert [o.value for o in outcomes] == [threading.current_thread()] * 3


def test_calls_that_wait_on_nothing_stay_with_the_caller() -> None:
    """An API answered in memory never waits: the caller makes one call after another, as
    handing them to other threads would cost more than the calls."""
    open_deadline(5.0)
    outcomes = fanout.together([threading.current_thread] * 4)
    assert [o.value for o in outcomes] == [threading.current_thread()] * 4


@pytest.fixture(autouse=True)
def _fresh_deadline():
    """Tests here open deadlines on the test thread; leave none behind for the next test."""
    yield
    open_deadline(60.0)

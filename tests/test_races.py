"""Two requests for one user at the same moment, and replays, through both doors.

Alexa retries a slow request, delivers one twice, or two Echos speak at once: each of those
requests lists the timers, and without serialisation both find none and both create one. The
tests below send such pairs with real concurrency (threads released together by a barrier)
against the production server (waitress, two processes, verification on) and against two
Lambda handlers (two "instances") sharing a DynamoDB table on moto. The Timers stand-in
answers each call after a delay, so the two requests overlap for certain. Every thread is
joined with a timeout; everything runs on loopback and stops by itself.
"""

from __future__ import annotations

import json
import tempfile
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import time_machine

from skill import lambda_function
from skill.content import catalogue_for
from skill.settings import Settings
from skill.store import open_store
from testkit import envelopes as env
from testkit.alexa_apis import TimersFake
from testkit.checks import check_response, opens_with, says, speech_of
from testkit.loopback import ChainServer, TimersServer, server_context
from testkit.moto import create_table
from testkit.served_app import CHAIN_ORIGIN_ENV
from testkit.servers import ServerProcess, loopback_env
from testkit.signing import CHAIN_PATH, AlexaSigner

EN = catalogue_for("en-US")
TRIALS = 12
#: Each Timers call answers this much later: the two requests' list calls overlap.
API_DELAY = 0.05


def simultaneously(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls on threads released together; their results in the calls' order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int, call: Callable[[], Any]) -> None:
        barrier.wait(timeout=10)
        try:
            results[index] = call()
        except BaseException as exc:  # reported below, on the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads), "a request never came back"
    if errors:
        raise errors[0]
    return results


def user(n: int) -> dict[str, str]:
    """One user's identity: their own userId, device and API token (so their own timers)."""
    return {"user_id": f"amzn1.ask.account.RACE{n:03d}", "device_id": f"amzn1.ask.device.RACE{n}",
            "access_token": f"race-token-{n}"}


def start(who: dict[str, str], api_endpoint: str, duration: str = "PT20M") -> dict:
    """A one-shot "start a session" (a new request id every call)."""
    return env.intent("StartSessionIntent", {"duration": duration}, api_endpoint=api_endpoint,
                      **who)


def started(said: str, minutes: int = 20) -> bool:
    return opens_with(said, EN, "start.started", length=f"{minutes} minute session")


def offered_restart(said: str) -> bool:
    return opens_with(said, EN, "start.already_running")


def assert_one_session(fake: TimersFake, store_url: str, who: dict[str, str]) -> None:
    """Exactly one end timer of ours runs, and the record's one running session is it."""
    timers = fake.visible_timers(who["access_token"])
    assert len(timers) == 1, [t.label for t in timers]
    store = open_store(store_url)
    try:
        active = store.load(who["user_id"]).attributes.get("active")
    finally:
        store.close()
    assert active and active["timer"] == timers[0].id
    recorded = set(active.get("ci") or [])
    assert {t.id for t in fake.hidden_timers(who["access_token"])} == recorded


# --- the production server: waitress, two processes, verification on ---------------------------


@pytest.fixture(scope="module")
def served(alexa_ca, signer: AlexaSigner) -> Iterator[tuple[str, str, TimersFake, str]]:
    """`mat-coach serve`'s server with its chain on a loopback bucket and a slow Timers API.

    Yields the server's URL, the Timers API's origin, the Timers stand-in and the store URL.
    """
    fake = TimersFake()
    with tempfile.TemporaryDirectory(prefix="mat-coach-race-") as tmp, \
            ChainServer(server_context(alexa_ca), {CHAIN_PATH: signer.chain_pem}) as chain, \
            TimersServer(alexa_ca, fake) as timers:
        workdir = Path(tmp)
        bundle = workdir / "ca.pem"
        alexa_ca.cert_pem.write_to_path(str(bundle))
        store_url = f"sqlite://{workdir / 'race.db'}"
        environ = {**loopback_env(), "MAT_COACH_STORE": store_url,
                   "MAT_COACH_SKILL_ID": env.APP_ID, "MAT_COACH_CA_BUNDLE": str(bundle),
                   CHAIN_ORIGIN_ENV: chain.origin}
        with ServerProcess("waitress", workdir, environ) as server:
            server.wait_ready()
            fake.delay = API_DELAY
            yield server.url, timers.origin, fake, store_url


def post_signed(url: str, signer: AlexaSigner, body: bytes) -> str:
    answer = requests.post(url, data=body, headers=signer.headers(body), timeout=15)
    assert answer.status_code == 200, answer.text
    return speech_of(check_response(answer.json()))


def test_the_same_signed_start_twice_at_once_makes_one_session(served, signer: AlexaSigner):
    url, api, fake, store_url = served
    for n in range(TRIALS):
        who = user(n)
        body = json.dumps(start(who, api)).encode()  # one request, delivered twice
        first, second = simultaneously(lambda body=body: post_signed(url, signer, body),
                                       lambda body=body: post_signed(url, signer, body))
        assert started(first) and second == first  # the second hears the first's answer
        assert_one_session(fake, store_url, who)


def test_two_different_starts_at_once_make_one_session(served, signer: AlexaSigner):
    url, api, fake, store_url = served
    for n in range(TRIALS, 2 * TRIALS):
        who = user(n)
        bodies = [json.dumps(start(who, api)).encode() for _ in range(2)]
        answers = simultaneously(*(lambda b=b: post_signed(url, signer, b) for b in bodies))
        assert sorted(map(started, answers)) == [False, True], answers
        assert any(offered_restart(said) for said in answers), answers
        assert_one_session(fake, store_url, who)


def test_a_touch_and_a_spoken_start_at_once_make_one_session(served, signer: AlexaSigner):
    """A touch on the screen's start button while the user says "start": two requests, one
    session, whichever comes first (the touch runs the spoken start's handler)."""
    url, api, fake, store_url = served
    for n in range(3 * TRIALS, 3 * TRIALS + TRIALS // 2):
        who = user(n)
        bodies = [json.dumps(env.touch("start", 20, api_endpoint=api, **who)).encode(),
                  json.dumps(env.intent("StartSessionIntent", {"duration": "PT20M"},
                                        api_endpoint=api, device="echo-show-8", **who)).encode()]
        answers = simultaneously(*(lambda b=b: post_signed(url, signer, b) for b in bodies))
        assert sorted(map(started, answers)) == [False, True], answers
        assert any(offered_restart(said) for said in answers), answers
        assert_one_session(fake, store_url, who)


# --- two Lambda instances on one DynamoDB table ------------------------------------------------


@pytest.fixture
def lambda_pair(moto_url: str, dynamodb_env, ca_bundle: str) -> tuple[list[Callable], str]:
    """Two handlers built as two warm Lambda instances would be, sharing one table."""
    dynamodb_env(moto_url)
    store_url = f"dynamodb://{create_table(moto_url)}"
    settings = Settings(store_url=store_url, ca_bundle=ca_bundle, verify_requests=False,
                        api_timeout=2.0, voice_seed=0, skill_id=env.APP_ID)
    handlers = [lambda_function.create_handler(settings) for _ in range(2)]

    def invoker(handle: Callable) -> Callable[[dict], str]:
        def invoke(envelope: dict) -> str:
            return speech_of(check_response(handle(json.loads(json.dumps(envelope)), None)))
        return invoke

    return [invoker(h) for h in handlers], store_url


def test_concurrent_lambda_invocations_make_one_session_counted_once(
    lambda_pair, timers_fake: TimersFake, api_endpoint: str,
):
    (one, other), store_url = lambda_pair
    timers_fake.delay = API_DELAY
    for n in range(TRIALS):
        who = user(100 + n)
        same = start(who, api_endpoint)
        first, second = simultaneously(lambda same=same: one(same),
                                       lambda same=same: other(same))
        assert started(first) and second == first
        assert_one_session(timers_fake, store_url, who)
        answers = simultaneously(lambda who=who: one(start(who, api_endpoint, "PT10M")),
                                 lambda who=who: other(start(who, api_endpoint, "PT10M")))
        assert all(offered_restart(said) for said in answers), answers  # one runs already
        assert_one_session(timers_fake, store_url, who)
    # Ten minutes on, each user ends their one session: it counts once, ten minutes.
    timers_fake.delay = 0.0
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=10), tick=True):
        for n in range(TRIALS):
            who = user(100 + n)
            said = one(env.intent("EndSessionIntent", api_endpoint=api_endpoint, **who))
            assert says(said, EN, "end.done", done="10 minutes"), said
            store = open_store(store_url)
            history = store.load(who["user_id"]).attributes["history"]
            store.close()
            assert [entry["m"] for entry in history] == [10]
            assert not timers_fake.timers_of(who["access_token"])


# --- replays -----------------------------------------------------------------------------------


def test_a_replay_after_many_other_requests_changes_nothing(
    entry_point, settings: Settings, timers_fake: TimersFake, api_endpoint: str,
):
    """A start, its end, then thirty other requests that write: the start sent again within
    the window hears its first answer and starts nothing."""
    send = entry_point(settings)
    who = user(500)
    first = start(who, api_endpoint)
    answer = speech_of(send(first))
    assert started(answer)
    send(env.intent("EndSessionIntent", api_endpoint=api_endpoint, **who))
    for goal in [2, 3, 4, 5, 6] * 6:
        send(env.intent("SetGoalIntent", {"count": str(goal)}, api_endpoint=api_endpoint, **who))
    assert speech_of(send(first)) == answer
    assert not timers_fake.timers_of(who["access_token"])  # the session ended stays ended
    assert len(timers_fake.created()) == 1


def test_a_request_that_cannot_get_its_turn_says_so(
    settings: Settings, timers_fake: TimersFake, api_endpoint: str, monkeypatch,
):
    """Another request of the user's holds the lease past our wait: the user hears that, and
    nothing is created."""
    from skill.store import base

    monkeypatch.setattr(base, "LEASE_WAIT_SECONDS", 0.1)
    who = user(600)
    held = open_store(settings.store_url)
    try:
        with held.lease(who["user_id"]):
            door = lambda_function.create_handler(settings)
            said = speech_of(check_response(door(start(who, api_endpoint), None)))
            assert says(said, EN, "store.busy"), said
    finally:
        held.close()
    assert not timers_fake.created()

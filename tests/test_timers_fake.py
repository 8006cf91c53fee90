"""The Timers API fake keeps Amazon's documented rules, one test per rule.

Every skill test that touches timers trusts this fake, so a rule it forgets is a rule the
skill is never tested against. Each test below fails if its rule is taken out of
`testkit.alexa_apis`. Calls go over HTTPS to the same loopback server the skill tests use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
import requests
import time_machine
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model.services.timer_management import TimersResponse

from testkit.alexa_apis import (
    DUPLICATE_LABEL,
    INVALID_REQUEST,
    MAX_TIMERS,
    MAX_TIMERS_REACHED,
    NOT_FOUND,
    UNAUTHORIZED,
    TimersFake,
)

NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


class TimersApi:
    """One user's view of the Timers API: their bearer token on every call."""

    def __init__(self, origin: str, ca_bundle: str, token: str | None) -> None:
        self.origin = origin
        self.session = requests.Session()
        self.session.trust_env = False  # loopback only
        self.session.verify = ca_bundle
        if token is not None:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str = "", body: dict | None = None) -> requests.Response:
        return self.session.request(method, f"{self.origin}/v1/alerts/timers{path}", json=body,
                                    timeout=5)

    def create(self, label: str = "", duration: str = "PT20M") -> requests.Response:
        body: dict = {
            "duration": duration,
            "creationBehavior": {"displayExperience": {"visibility": "VISIBLE"}},
            "triggeringBehavior": {"operation": {"type": "NOTIFY_ONLY"},
                                   "notificationConfig": {"playAudible": True}},
        }
        if label:
            body["timerLabel"] = label
        return self.call("POST", body=body)

    def created_id(self, label: str = "", duration: str = "PT20M") -> str:
        answer = self.create(label, duration)
        assert answer.status_code == 200, answer.text
        return answer.json()["id"]

    def listed(self) -> dict:
        answer = self.call("GET")
        assert answer.status_code == 200, answer.text
        return answer.json()


@pytest.fixture
def api(
    timers_fake: TimersFake, api_endpoint: str, ca_bundle: str
) -> Iterator[Callable[[str | None], TimersApi]]:
    """Build a `TimersApi` for a token: `api("alice")`; the fake starts empty."""
    made: list[TimersApi] = []

    def build(token: str | None) -> TimersApi:
        made.append(TimersApi(api_endpoint, ca_bundle, token))
        return made[-1]

    yield build
    for client in made:
        client.session.close()


def code(answer: requests.Response) -> tuple[int, str]:
    return answer.status_code, answer.json()["code"]


# --- labels ---------------------------------------------------------------------------------


def test_a_label_is_unique_among_the_users_timers(api):
    alice, bob = api("alice"), api("bob")
    assert alice.create("Mat session").status_code == 200
    assert code(alice.create("Mat session")) == (400, DUPLICATE_LABEL)
    assert bob.create("Mat session").status_code == 200  # another user's labels are theirs
    assert alice.create("").status_code == alice.create("").status_code == 200  # no label: fine


def test_a_personal_timers_label_is_taken_too(api, timers_fake: TimersFake):
    timers_fake.add_personal_timers("alice", 2, labels=["pasta"])
    alice = api("alice")
    assert code(alice.create("pasta")) == (400, DUPLICATE_LABEL)
    assert alice.create("Mat session").status_code == 200


# --- the limit of ten, personal timers included ---------------------------------------------


def test_the_eleventh_timer_is_refused(api):
    alice = api("alice")
    for n in range(MAX_TIMERS):
        assert alice.create(f"timer {n}").status_code == 200
    assert code(alice.create("one too many")) == (400, MAX_TIMERS_REACHED)
    assert api("bob").create("timer 0").status_code == 200  # the limit is per user


def test_personal_timers_count_toward_the_limit_but_are_never_listed(api, timers_fake):
    timers_fake.add_personal_timers("alice", MAX_TIMERS - 1)
    alice = api("alice")
    assert alice.create("Mat session").status_code == 200
    refused = alice.create("Mat session 2")
    assert code(refused) == (400, MAX_TIMERS_REACHED)
    assert MAX_TIMERS_REACHED != DUPLICATE_LABEL  # a skill can tell the two refusals apart
    listed = alice.listed()
    assert listed["totalCount"] == 1 and [t["timerLabel"] for t in listed["timers"]] == [
        "Mat session"]


def test_a_body_that_is_no_timer_is_an_invalid_request(api):
    alice = api("alice")
    assert code(alice.create("too long", duration="PT2H1M")) == (400, INVALID_REQUEST)
    assert code(alice.call("POST", body={"timerLabel": "no duration"})) == (400, INVALID_REQUEST)


def _announcing(visibility: object, audible: object) -> dict:
    return {"duration": "PT2M", "timerLabel": "quiet",
            "creationBehavior": {"displayExperience": {"visibility": visibility}},
            "triggeringBehavior": {
                "operation": {"type": "ANNOUNCE",
                              "textToAnnounce": [{"locale": "en-US", "text": "Halfway."}]},
                "notificationConfig": {"playAudible": audible}}}


def test_visibility_and_play_audible_are_required_and_checked(api):
    alice = api("alice")
    for visibility, audible in (("SHOWN", True), ("HIDDEN", "no"), (None, True)):
        answer = alice.call("POST", body=_announcing(visibility, audible))
        assert code(answer) == (400, INVALID_REQUEST), (visibility, audible)
    body = _announcing("HIDDEN", True)
    del body["triggeringBehavior"]["notificationConfig"]
    assert code(alice.call("POST", body=body)) == (400, INVALID_REQUEST)


def test_a_hidden_silent_timer_is_kept_as_such_and_still_speaks(api, timers_fake: TimersFake):
    alice = api("alice")
    with time_machine.travel(NOON, tick=False) as clock:
        answer = alice.call("POST", body=_announcing("HIDDEN", False))
        assert answer.status_code == 200, answer.text
        (timer,) = timers_fake.hidden_timers("alice")
        assert timer.hidden and not timer.audible and timers_fake.visible_timers("alice") == []
        assert [t["id"] for t in alice.listed()["timers"]] == [timer.id]  # listed like any
        clock.shift(timedelta(minutes=3))
        (spoke,) = timers_fake.events_after(0, "alice")
        assert (spoke.text, spoke.audible) == ("Halfway.", False)


# --- listing and cancelling all -------------------------------------------------------------


def test_the_list_holds_only_this_users_timers_shortest_first_in_the_documented_shape(api):
    alice, bob = api("alice"), api("bob")
    long_id = alice.created_id("long", "PT50M")
    short_id = alice.created_id("short", "PT5M")
    bob.created_id("bob's")
    listed = alice.listed()
    assert set(listed) == {"timers", "totalCount", "nextToken"}
    assert listed["totalCount"] == 2 and listed["nextToken"] is None
    assert [t["id"] for t in listed["timers"]] == [short_id, long_id]
    for timer in listed["timers"]:  # each entry is what GET on the timer answers
        assert timer == alice.call("GET", f"/{timer['id']}").json()
    parsed = DefaultSerializer().deserialize(alice.call("GET").text, TimersResponse)
    assert parsed.total_count == 2 and parsed.timers[0].timer_label == "short"


def test_cancel_all_cancels_only_this_users_timers(api):
    alice, bob = api("alice"), api("bob")
    alice.created_id("one")
    alice.created_id("two")
    bobs = bob.created_id("bob's")
    assert alice.call("DELETE").status_code == 200
    assert alice.listed()["totalCount"] == 0
    assert [t["id"] for t in bob.listed()["timers"]] == [bobs]


def test_another_users_timer_does_not_exist_for_you(api):
    alice, bob = api("alice"), api("bob")
    timer_id = alice.created_id("mine")
    for method, path in (("GET", ""), ("DELETE", ""), ("POST", "/pause"), ("POST", "/resume")):
        assert code(bob.call(method, f"/{timer_id}{path}")) == (404, NOT_FOUND)
    assert alice.call("GET", f"/{timer_id}").status_code == 200


# --- permission -------------------------------------------------------------------------------


def test_without_the_permission_every_timers_call_is_a_401(api, timers_fake, api_endpoint,
                                                           ca_bundle):
    alice, bob = api("alice"), api("bob")
    timer_id = alice.created_id("before")
    timers_fake.revoke("alice")
    for method, path in (("POST", ""), ("GET", ""), ("DELETE", ""), ("GET", f"/{timer_id}"),
                         ("POST", f"/{timer_id}/pause"), ("POST", f"/{timer_id}/resume"),
                         ("DELETE", f"/{timer_id}")):
        answer = alice.call(method, path, {"duration": "PT5M"} if method == "POST" else None)
        assert code(answer) == (401, UNAUTHORIZED), (method, path)
    assert bob.create("bob's").status_code == 200  # only alice said no
    # The time zone needs no permission: the settings API still answers her device.
    zone = alice.session.get(f"{api_endpoint}/v2/devices/d1/settings/System.timeZone", timeout=5)
    assert zone.status_code == 200
    timers_fake.grant("alice")
    assert alice.call("GET", f"/{timer_id}").status_code == 200


def test_a_call_without_a_token_is_a_401(api):
    assert code(api(None).call("GET")) == (401, UNAUTHORIZED)


# --- timers that went off -------------------------------------------------------------------


OPERATIONS = (("GET", ""), ("POST", "/pause"), ("POST", "/resume"), ("DELETE", ""))


def test_a_timer_past_its_trigger_time_went_off_for_every_operation(api):
    alice = api("alice")
    with time_machine.travel(NOON, tick=False) as clock:
        # One timer per operation, so each operation is the first to meet a gone timer.
        gone = [alice.created_id(f"gone {n}", "PT10M") for n in range(len(OPERATIONS))]
        paused = alice.created_id("paused", "PT10M")
        assert alice.call("POST", f"/{paused}/pause").status_code == 200
        clock.shift(timedelta(minutes=9, seconds=59))
        assert alice.call("GET", f"/{gone[0]}").status_code == 200  # one second to go
        clock.shift(timedelta(seconds=1))
        for timer_id, (method, path) in zip(gone, OPERATIONS, strict=True):
            answer = alice.call(method, f"/{timer_id}{path}")
            assert code(answer) == (404, NOT_FOUND), (method, path)
        assert [t["id"] for t in alice.listed()["timers"]] == [paused]  # paused: never rings
        assert alice.create("gone 0").status_code == 200  # its label is free again


def test_a_timer_that_went_off_is_not_listed(api):
    alice = api("alice")
    with time_machine.travel(NOON, tick=False) as clock:
        alice.created_id("short", "PT5M")
        kept = alice.created_id("long", "PT30M")
        clock.shift(timedelta(minutes=6))
        listed = alice.listed()  # the first call after it rang: nothing else cleared it
    assert [t["id"] for t in listed["timers"]] == [kept] and listed["totalCount"] == 1

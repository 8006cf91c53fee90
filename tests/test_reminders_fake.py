"""The Reminders API stand-in keeps the documented rules, one test per rule.

Every skill test that sets a reminder trusts this stand-in, so a rule it forgets is a rule the
skill is never tested against. Calls go over HTTPS to the loopback server the timers tests use
(the Timers stand-in hands `/v1/alerts/reminders` to it), and in process through
`InProcessAlexaApi`, which the scripted transcript uses.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator

import pytest
import requests
from ask_sdk_model.services import ApiClientRequest

from testkit.alexa_apis import InProcessAlexaApi, TimersFake
from testkit.reminders_fake import (
    INVALID_ALERT_INFO,
    INVALID_PUSH_NOTIFICATION,
    INVALID_RECURRENCE,
    INVALID_REQUEST,
    INVALID_SCHEDULED_TIME,
    INVALID_TIME_ZONE,
    INVALID_TRIGGER,
    MAX_REMINDERS,
    MAX_REMINDERS_EXCEEDED,
    NOT_FOUND,
    OUT_OF_SESSION,
    UNAUTHORIZED,
    RemindersFake,
)

WEEKLY = {
    "requestTime": "2026-11-29T19:30:00.000",
    "trigger": {
        "type": "SCHEDULED_ABSOLUTE",
        "scheduledTime": "2026-11-30T19:00:00.000",
        "timeZoneId": "Europe/London",
        "recurrence": {
            "startDateTime": "2026-11-29T19:30:00.000",
            "recurrenceRules": ["FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=19;BYMINUTE=0;BYSECOND=0"],
        },
    },
    "alertInfo": {"spokenInfo": {"content": [{"locale": "en-GB", "text": "Time for your mat."}]}},
    "pushNotification": {"status": "ENABLED"},
}


class RemindersApi:
    """One user's view of the Reminders API: their bearer token on every call."""

    def __init__(self, origin: str, ca_bundle: str, token: str | None) -> None:
        self.origin = origin
        self.session = requests.Session()
        self.session.trust_env = False  # loopback only
        self.session.verify = ca_bundle
        if token is not None:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str = "", body: object = None) -> requests.Response:
        return self.session.request(method, f"{self.origin}/v1/alerts/reminders{path}",
                                    json=body, timeout=5)

    def created(self, body: dict | None = None) -> str:
        answer = self.call("POST", body=body or WEEKLY)
        assert answer.status_code == 200, answer.text
        return answer.json()["alertToken"]

    def tokens(self) -> list[str]:
        answer = self.call("GET")
        assert answer.status_code == 200, answer.text
        return [alert["alertToken"] for alert in answer.json()["alerts"]]


@pytest.fixture
def reminders_fake(timers_fake: TimersFake) -> RemindersFake:
    """The Reminders stand-in behind the shared loopback server, empty for this test."""
    return timers_fake.reminders


@pytest.fixture
def api(reminders_fake: RemindersFake, api_endpoint: str,
        ca_bundle: str) -> Iterator[Callable[[str | None], RemindersApi]]:
    made: list[RemindersApi] = []

    def build(token: str | None) -> RemindersApi:
        made.append(RemindersApi(api_endpoint, ca_bundle, token))
        return made[-1]

    yield build
    for client in made:
        client.session.close()


def error_code(answer: requests.Response) -> str:
    return answer.json()["code"]


# --- the documented paths ---------------------------------------------------------------------
def test_create_get_list_and_delete(api, reminders_fake: RemindersFake) -> None:
    alice = api("alice")
    answer = alice.call("POST", body=WEEKLY)
    assert answer.status_code == 200
    token = answer.json()["alertToken"]
    assert answer.json()["status"] == "ON" and answer.json()["href"].endswith(token)

    listed = alice.call("GET").json()
    assert listed["totalCount"] == "1" and listed["links"] is None
    (alert,) = listed["alerts"]
    assert alert["alertToken"] == token
    assert alert["trigger"] == WEEKLY["trigger"] and alert["alertInfo"] == WEEKLY["alertInfo"]

    assert alice.call("GET", f"/{token}").json()["trigger"]["timeZoneId"] == "Europe/London"
    assert alice.call("DELETE", f"/{token}").status_code == 200
    assert alice.call("GET", f"/{token}").status_code == 404
    assert error_code(alice.call("DELETE", f"/{token}")) == NOT_FOUND
    assert alice.tokens() == []
    assert reminders_fake.paths("POST") == ["/v1/alerts/reminders"]


def test_an_update_replaces_the_reminder(api) -> None:
    alice = api("alice")
    token = alice.created()
    daily = copy.deepcopy(WEEKLY)
    daily["trigger"]["recurrence"]["recurrenceRules"] = ["FREQ=DAILY;BYHOUR=8;BYMINUTE=0"]
    answer = alice.call("PUT", f"/{token}", daily)
    assert answer.status_code == 200 and answer.json()["version"] == "2"
    assert alice.call("GET", f"/{token}").json()["trigger"] == daily["trigger"]


def test_an_unknown_token_is_a_404(api) -> None:
    alice = api("alice")
    for method in ("GET", "DELETE"):
        answer = alice.call(method, "/amzn1.alert.nobody")
        assert answer.status_code == 404 and error_code(answer) == NOT_FOUND


# --- consent and tokens -----------------------------------------------------------------------
def test_without_the_permission_every_call_is_a_401(api, reminders_fake: RemindersFake) -> None:
    alice, bob = api("alice"), api("bob")
    token = alice.created()
    reminders_fake.revoke("alice")
    for method, path, body in [("POST", "", WEEKLY), ("GET", "", None),
                               ("GET", f"/{token}", None), ("DELETE", f"/{token}", None),
                               ("PUT", f"/{token}", WEEKLY)]:
        answer = alice.call(method, path, body)
        assert answer.status_code == 401 and error_code(answer) == UNAUTHORIZED, method
    assert bob.call("GET").status_code == 200  # one user's refusal is not another's
    reminders_fake.grant("alice")
    assert alice.tokens() == [token]


def test_a_call_without_a_token_is_a_401(api) -> None:
    assert api(None).call("GET").status_code == 401


def test_revoking_timers_leaves_reminders_alone(api, timers_fake: TimersFake) -> None:
    timers_fake.revoke("alice")
    assert api("alice").call("POST", body=WEEKLY).status_code == 200


def test_out_of_session_tokens_may_read_and_delete_but_not_create(
        api, reminders_fake: RemindersFake) -> None:
    alice = api("alice")
    token = alice.created()
    reminders_fake.out_of_session("alice")
    for method, path in [("POST", ""), ("PUT", f"/{token}")]:
        answer = alice.call(method, path, WEEKLY)
        assert answer.status_code == 403 and error_code(answer) == OUT_OF_SESSION
    assert alice.tokens() == [token]
    assert alice.call("DELETE", f"/{token}").status_code == 200


# --- only this skill's reminders, per user ------------------------------------------------------
def test_the_list_holds_only_this_skills_reminders_of_this_user(
        api, reminders_fake: RemindersFake) -> None:
    alice, bob = api("alice"), api("bob")
    mine = [alice.created(), alice.created()]
    bobs = bob.created()
    other_skill = reminders_fake.add_other_skill_reminder("alice", WEEKLY)
    assert alice.tokens() == mine
    assert bob.tokens() == [bobs]
    for token in (bobs, other_skill):
        assert alice.call("GET", f"/{token}").status_code == 404
        assert alice.call("DELETE", f"/{token}").status_code == 404
    assert bob.tokens() == [bobs]


def test_the_limit_per_skill_per_user(api, reminders_fake: RemindersFake) -> None:
    assert MAX_REMINDERS == reminders_fake.max_reminders == 100
    reminders_fake.max_reminders = 3  # the same rule, cheaper to reach
    alice, bob = api("alice"), api("bob")
    reminders_fake.add_other_skill_reminder("alice")  # another skill's do not count
    tokens = [alice.created() for _ in range(3)]
    refused = alice.call("POST", body=WEEKLY)
    assert refused.status_code == 400 and error_code(refused) == MAX_REMINDERS_EXCEEDED
    assert bob.call("POST", body=WEEKLY).status_code == 200  # per user
    assert alice.call("DELETE", f"/{tokens[0]}").status_code == 200
    assert alice.call("POST", body=WEEKLY).status_code == 200  # a slot freed


# --- the body ------------------------------------------------------------------------------------
def _parent(body: dict, path: str) -> tuple[dict | list, str | int]:
    """The container holding `path` ("a.b.0.c") and the key or index in it."""
    node: dict | list = body
    *parents, last = path.split(".")
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node, int(last) if isinstance(node, list) else last


def _without(path: str) -> Callable[[dict], None]:
    def change(body: dict) -> None:
        node, key = _parent(body, path)
        del node[key]  # type: ignore[arg-type]

    return change


def _setting(path: str, value: object) -> Callable[[dict], None]:
    def change(body: dict) -> None:
        node, key = _parent(body, path)
        node[key] = value  # type: ignore[index]

    return change


RULES = "trigger.recurrence.recurrenceRules"
CONTENT = "alertInfo.spokenInfo.content"
INVALID_BODIES = [
    ("no requestTime", _without("requestTime"), INVALID_REQUEST),
    ("requestTime not a time", _setting("requestTime", "yesterday"), INVALID_REQUEST),
    ("no trigger", _without("trigger"), INVALID_TRIGGER),
    ("unknown trigger type", _setting("trigger.type", "SCHEDULED_SOMETIME"), INVALID_TRIGGER),
    ("relative without an offset", _setting("trigger.type", "SCHEDULED_RELATIVE"),
     INVALID_TRIGGER),
    ("UTC scheduledTime with a zone", _setting("trigger.scheduledTime", "2026-11-30T19:00:00Z"),
     INVALID_SCHEDULED_TIME),
    ("offset scheduledTime with a zone",
     _setting("trigger.scheduledTime", "2026-11-30T19:00:00.000+00:00"), INVALID_SCHEDULED_TIME),
    ("scheduledTime not a time", _setting("trigger.scheduledTime", "7pm"),
     INVALID_SCHEDULED_TIME),
    ("unknown zone", _setting("trigger.timeZoneId", "Mars/Olympus_Mons"), INVALID_TIME_ZONE),
    ("offset for a zone", _setting("trigger.timeZoneId", "+05:30"), INVALID_TIME_ZONE),
    ("empty zone", _setting("trigger.timeZoneId", ""), INVALID_TIME_ZONE),
    ("rules not a list", _setting(RULES, "FREQ=DAILY;BYHOUR=8"), INVALID_RECURRENCE),
    ("no rules", _setting(RULES, []), INVALID_RECURRENCE),
    ("rule without FREQ", _setting(f"{RULES}.0", "BYDAY=MO;BYHOUR=19"), INVALID_RECURRENCE),
    ("rule with a bad day", _setting(f"{RULES}.0", "FREQ=WEEKLY;BYDAY=MONDAY;BYHOUR=19"),
     INVALID_RECURRENCE),
    ("rule with hour 24", _setting(f"{RULES}.0", "FREQ=WEEKLY;BYDAY=MO;BYHOUR=24"),
     INVALID_RECURRENCE),
    ("rule with unknown part", _setting(f"{RULES}.0", "FREQ=WEEKLY;AT=7pm"), INVALID_RECURRENCE),
    ("rules without a start", _without("trigger.recurrence.startDateTime"), INVALID_RECURRENCE),
    ("end before start", _setting("trigger.recurrence.endDateTime", "2026-01-01T00:00:00.000"),
     INVALID_RECURRENCE),
    ("no spoken content", _setting(CONTENT, []), INVALID_ALERT_INFO),
    ("no alertInfo", _without("alertInfo"), INVALID_ALERT_INFO),
    ("content without a locale", _without(f"{CONTENT}.0.locale"), INVALID_ALERT_INFO),
    ("a locale that is a language", _setting(f"{CONTENT}.0.locale", "english"),
     INVALID_ALERT_INFO),
    ("empty text", _setting(f"{CONTENT}.0.text", "  "), INVALID_ALERT_INFO),
    ("text too long", _setting(f"{CONTENT}.0.text", "x" * 251), INVALID_ALERT_INFO),
    ("ssml that is not speak", _setting(f"{CONTENT}.0.ssml", "hello"), INVALID_ALERT_INFO),
    ("unknown push status", _setting("pushNotification.status", "LOUD"),
     INVALID_PUSH_NOTIFICATION),
]


@pytest.mark.parametrize(("change", "code"), [case[1:] for case in INVALID_BODIES],
                         ids=[case[0] for case in INVALID_BODIES])
def test_a_body_that_breaks_a_rule_is_refused(api, change: Callable[[dict], None],
                                              code: str) -> None:
    alice = api("alice")
    body = copy.deepcopy(WEEKLY)
    change(body)
    answer = alice.call("POST", body=body)
    assert answer.status_code == 400 and error_code(answer) == code, answer.text
    token = alice.created()
    assert alice.call("PUT", f"/{token}", body).status_code == 400  # updates obey them too
    assert alice.tokens() == [token]  # nothing refused was kept


def test_a_body_that_is_not_an_object_is_refused(api) -> None:
    for body in (None, [], "reminder"):
        answer = api("alice").call("POST", body=body)
        assert answer.status_code == 400 and error_code(answer) == INVALID_REQUEST


@pytest.mark.parametrize("change", [
    _without("pushNotification"),
    _without("trigger.scheduledTime"),  # with recurrenceRules the rules say when
    _setting("trigger.recurrence.endDateTime", "2027-11-29T00:00:00.000"),
    _setting(f"{CONTENT}.0.ssml", "<speak>Time for your mat.</speak>"),
    _setting(f"{CONTENT}.0.text", "x" * 250),
    _setting("trigger.timeZoneId", "Asia/Kolkata"),
    _setting("trigger.timeZoneId", "America/Los_Angeles"),
    _setting("trigger.recurrence", {"freq": "WEEKLY", "byDay": ["MO"]}),  # deprecated form
])
def test_valid_variations_are_accepted(api, change: Callable[[dict], None]) -> None:
    body = copy.deepcopy(WEEKLY)
    change(body)
    answer = api("alice").call("POST", body=body)
    assert answer.status_code == 200, answer.text


def test_a_scheduled_time_without_a_zone_may_carry_an_offset(api) -> None:
    body = copy.deepcopy(WEEKLY)
    del body["trigger"]["timeZoneId"]
    del body["trigger"]["recurrence"]
    body["trigger"]["scheduledTime"] = "2026-11-30T19:00:00Z"
    assert api("alice").call("POST", body=body).status_code == 200


def test_the_text_limit_is_a_knob(api, reminders_fake: RemindersFake) -> None:
    reminders_fake.max_text_length = 10
    answer = api("alice").call("POST", body=WEEKLY)
    assert answer.status_code == 400 and error_code(answer) == INVALID_ALERT_INFO


# --- failures on demand, and the two ways in ----------------------------------------------------
@pytest.mark.parametrize("status", [429, 500, 503])
def test_a_failure_on_demand(api, reminders_fake: RemindersFake, status: int) -> None:
    reminders_fake.fail_status = status
    assert api("alice").call("GET").status_code == status


def test_an_outage_of_every_api_reaches_reminders_too(api, timers_fake: TimersFake) -> None:
    timers_fake.fail_status = 503
    assert api("alice").call("GET").status_code == 503


def test_garbage_on_demand(api, reminders_fake: RemindersFake) -> None:
    reminders_fake.garbage = True
    answer = api("alice").call("GET")
    assert answer.status_code == 200
    with pytest.raises(ValueError):
        answer.json()


def test_reminders_and_timers_share_one_origin(api, api_endpoint: str, ca_bundle: str,
                                               timers_fake: TimersFake) -> None:
    alice = api("alice")
    alice.created()
    timers = alice.session.get(f"{api_endpoint}/v1/alerts/timers", timeout=5)
    assert timers.status_code == 200 and timers.json()["timers"] == []
    assert len(timers_fake.reminders.reminders_of("alice")) == 1


def test_the_in_process_client_reaches_reminders() -> None:
    api = InProcessAlexaApi()
    request = ApiClientRequest(url="https://api.local/v1/alerts/reminders", method="POST",
                               headers=[("Authorization", "Bearer alice")], body=WEEKLY)
    answer = api.invoke(request)
    assert answer.status_code == 200, answer.body
    assert [r.token for r in api.fake.reminders.reminders_of("alice")] == [
        json.loads(answer.body)["alertToken"]]


def test_reset_forgets_the_reminders(api, timers_fake: TimersFake) -> None:
    api("alice").created()
    timers_fake.reset()
    assert timers_fake.reminders.reminders_of("alice") == []

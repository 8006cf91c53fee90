"""The Reminders seam against the stand-in, over the skill's real HTTP client.

Each test drives `skill.reminders.RemindersGateway` through ask-sdk-model's
`ReminderManagementServiceClient` and the product's `TimeoutApiClient` over loopback HTTPS,
so what reaches the stand-in is the JSON Alexa would get, and what comes back goes through
ask-sdk-model's deserialiser, the AlertInfo trap included.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest
from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model.services import ApiConfiguration
from ask_sdk_model.services.reminder_management import (
    AlertInfo,
    GetRemindersResponse,
    ReminderManagementServiceClient,
)

from skill import reminders as reminders_module
from skill.alexa_api import TimeoutApiClient
from skill.domain.schedule import WeeklySchedule
from skill.reminders import (
    RemindersGateway,
    RemindersLimitError,
    RemindersPermissionError,
    RemindersRejectedError,
    RemindersUnavailableError,
    repair_alert_info_type,
)
from testkit.alexa_apis import TimersFake
from testkit.reminders_fake import (
    INVALID_ALERT_INFO,
    INVALID_TIME_ZONE,
    MAX_REMINDERS_EXCEEDED,
    RemindersFake,
    request_body_invalid,
)

MON_WED_FRI = WeeklySchedule((0, 2, 4), 19, 0)
EVERY_DAY = WeeklySchedule(tuple(range(7)), 8, 0)
#: Sunday 29 November 2026, 19:30 UTC.
SUNDAY_EVENING_UTC = datetime(2026, 11, 29, 19, 30, tzinfo=UTC)
TEXT = "Time for your mat."

Build = Callable[..., RemindersGateway]


@pytest.fixture
def reminders_fake(timers_fake: TimersFake) -> RemindersFake:
    return timers_fake.reminders


@pytest.fixture
def gateway(reminders_fake: RemindersFake, api_endpoint: str, ca_bundle: str) -> Build:
    """`gateway(token="alice", endpoint=None, timeout=1.0)`: one user's gateway."""

    def build(token: str = "alice", endpoint: str | None = None,
              timeout: float = 1.0) -> RemindersGateway:
        api_client = TimeoutApiClient(timeout=timeout, ca_bundle=ca_bundle)
        configuration = ApiConfiguration(
            serializer=DefaultSerializer(), api_client=api_client,
            authorization_value=token, api_endpoint=endpoint or api_endpoint)
        return RemindersGateway(ReminderManagementServiceClient(configuration))

    return build


def create(gateway: RemindersGateway, schedule: WeeklySchedule = MON_WED_FRI,
           zone: str = "Europe/London", now: datetime = SUNDAY_EVENING_UTC) -> str:
    return gateway.create_weekly(schedule, text=TEXT, locale="en-GB", zone=ZoneInfo(zone),
                                 now=now)


# --- what reaches the API ---------------------------------------------------------------------
@pytest.mark.parametrize(("zone", "start", "first"), [
    # Sunday 19:30 in London: the first ring is Monday 19:00.
    ("Europe/London", "2026-11-29T19:30:00", "2026-11-30T19:00:00"),
    # Still Sunday 11:30 in Los Angeles: also Monday 19:00, local.
    ("America/Los_Angeles", "2026-11-29T11:30:00", "2026-11-30T19:00:00"),
    # Already Monday 01:00 in Kolkata: the same Monday at 19:00.
    ("Asia/Kolkata", "2026-11-30T01:00:00", "2026-11-30T19:00:00"),
])
def test_a_weekly_reminder_is_naive_local_time_plus_the_zone(
        gateway: Build, reminders_fake: RemindersFake, zone: str, start: str,
        first: str) -> None:
    token = create(gateway(), zone=zone)
    (stored,) = reminders_fake.reminders_of("alice")
    assert stored.token == token
    body = stored.body
    assert request_body_invalid(body) is None
    assert body["requestTime"] == start
    assert body["trigger"] == {
        "type": "SCHEDULED_ABSOLUTE",
        "scheduledTime": first,
        "timeZoneId": zone,
        "recurrence": {
            "startDateTime": start,
            "recurrenceRules": ["FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=19;BYMINUTE=0;BYSECOND=0"],
        },
    }
    assert body["alertInfo"] == {"spokenInfo": {"content": [{"locale": "en-GB", "text": TEXT}]}}
    assert body["pushNotification"] == {"status": "ENABLED"}


def test_every_day_is_one_reminder_with_one_rule(gateway: Build,
                                                 reminders_fake: RemindersFake) -> None:
    create(gateway(), EVERY_DAY)
    (stored,) = reminders_fake.reminders_of("alice")
    assert stored.body["trigger"]["recurrence"]["recurrenceRules"] == [
        "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYHOUR=8;BYMINUTE=0;BYSECOND=0"]


def test_push_notifications_can_be_off(gateway: Build, reminders_fake: RemindersFake) -> None:
    gateway().create_weekly(MON_WED_FRI, text=TEXT, locale="en-US", zone=UTC,
                            now=SUNDAY_EVENING_UTC, push_notification=False)
    (stored,) = reminders_fake.reminders_of("alice")
    assert stored.body["pushNotification"] == {"status": "DISABLED"}
    assert stored.body["trigger"]["timeZoneId"] == "UTC"


def test_a_reminder_needs_words(gateway: Build, reminders_fake: RemindersFake) -> None:
    with pytest.raises(ValueError):
        gateway().create_weekly(MON_WED_FRI, text=" ", locale="en-GB", zone=UTC,
                                now=SUNDAY_EVENING_UTC)
    assert reminders_fake.calls == []


# --- reading back ---------------------------------------------------------------------------------
def test_list_reads_back_the_schedules_through_ask_sdk_model(gateway: Build) -> None:
    alice = gateway()
    weekly = create(alice, MON_WED_FRI, "Asia/Kolkata")
    daily = create(alice, EVERY_DAY, "America/Los_Angeles")
    listed = alice.list()
    assert [(r.alert_token, r.schedule, r.zone, r.text, r.status, r.active) for r in listed] == [
        (weekly, MON_WED_FRI, "Asia/Kolkata", TEXT, "ON", True),
        (daily, EVERY_DAY, "America/Los_Angeles", TEXT, "ON", True),
    ]
    assert alice.get(weekly) == listed[0]


def test_the_list_is_this_users_and_this_skills(gateway: Build,
                                                reminders_fake: RemindersFake) -> None:
    create(gateway("bob"))
    reminders_fake.add_other_skill_reminder("alice")
    assert gateway().list() == []


def test_a_completed_reminder_is_listed_but_not_active(gateway: Build,
                                                        reminders_fake: RemindersFake) -> None:
    create(gateway())
    reminders_fake.reminders_of("alice")[0].status = "COMPLETED"
    (state,) = gateway().list()
    assert state.status == "COMPLETED" and not state.active


def test_an_older_by_day_reminder_still_reads(gateway: Build,
                                              reminders_fake: RemindersFake) -> None:
    """Before `recurrenceRules`, a weekly reminder was `freq` and `byDay` plus scheduledTime."""
    token = create(gateway())
    stored = reminders_fake.reminders_of("alice")[0]
    stored.body["trigger"] = {"type": "SCHEDULED_ABSOLUTE",
                              "scheduledTime": "2026-11-30T07:30:00.000",
                              "timeZoneId": "Europe/London",
                              "recurrence": {"freq": "WEEKLY", "byDay": ["MO", "TH"]}}
    assert gateway().get(token).schedule == WeeklySchedule((0, 3), 7, 30)


def test_a_one_off_or_unreadable_rule_has_no_schedule(gateway: Build,
                                                      reminders_fake: RemindersFake) -> None:
    token = create(gateway())
    stored = reminders_fake.reminders_of("alice")[0]
    stored.body["trigger"]["recurrence"]["recurrenceRules"] = ["FREQ=MONTHLY;BYMONTHDAY=1"]
    assert gateway().get(token).schedule is None
    del stored.body["trigger"]["recurrence"]
    assert gateway().get(token).schedule is None


def test_get_and_delete_of_a_reminder_that_is_gone(gateway: Build) -> None:
    alice = gateway()
    token = create(alice)
    assert alice.delete(token) is True
    assert alice.delete(token) is False  # deleted in the Alexa app meanwhile: fine
    assert alice.get(token) is None
    assert alice.list() == []


# --- every failure, one exception each -----------------------------------------------------------
def test_no_api_access_is_a_missing_permission() -> None:
    gateway = RemindersGateway(None)
    for call in (lambda: create(gateway), gateway.list, lambda: gateway.get("t"),
                 lambda: gateway.delete("t")):
        with pytest.raises(RemindersPermissionError):
            call()


def test_without_consent_every_call_is_a_permission_error(gateway: Build,
                                                          reminders_fake: RemindersFake) -> None:
    alice = gateway()
    token = create(alice)
    reminders_fake.revoke("alice")
    for call in (lambda: create(alice), alice.list, lambda: alice.get(token),
                 lambda: alice.delete(token)):
        with pytest.raises(RemindersPermissionError):
            call()


def test_an_out_of_session_token_cannot_create(gateway: Build,
                                               reminders_fake: RemindersFake) -> None:
    reminders_fake.out_of_session("alice")
    with pytest.raises(RemindersPermissionError, match="403"):
        create(gateway())


def test_the_limit_is_its_own_error(gateway: Build, reminders_fake: RemindersFake) -> None:
    reminders_fake.max_reminders = 1
    alice = gateway()
    create(alice)
    with pytest.raises(RemindersLimitError) as caught:
        create(alice)
    assert MAX_REMINDERS_EXCEEDED in str(caught.value)


def test_a_refused_create_says_why(gateway: Build, reminders_fake: RemindersFake) -> None:
    reminders_fake.max_text_length = 5  # the reminder's words are more than Alexa takes
    with pytest.raises(RemindersRejectedError) as caught:
        create(gateway())
    assert caught.value.code == INVALID_ALERT_INFO
    assert not isinstance(caught.value, RemindersLimitError)


class MarsTime(tzinfo):
    """A zone whose name Alexa does not know (an IANA database newer than Amazon's, say)."""

    key = "Mars/Olympus_Mons"

    def utcoffset(self, moment: datetime | None) -> timedelta:
        return timedelta(0)

    def dst(self, moment: datetime | None) -> timedelta:
        return timedelta(0)


def test_a_zone_the_api_does_not_know_is_refused(gateway: Build) -> None:
    with pytest.raises(RemindersRejectedError) as caught:
        gateway().create_weekly(MON_WED_FRI, text=TEXT, locale="en-GB", zone=MarsTime(),
                                now=SUNDAY_EVENING_UTC)
    assert caught.value.code == INVALID_TIME_ZONE


@pytest.mark.parametrize("status", [429, 500, 503, 504])
def test_an_outage_is_unavailable(gateway: Build, reminders_fake: RemindersFake,
                                  status: int) -> None:
    alice = gateway()
    token = create(alice)
    reminders_fake.fail_status = status
    for call in (lambda: create(alice), alice.list, lambda: alice.get(token),
                 lambda: alice.delete(token)):
        with pytest.raises(RemindersUnavailableError):
            call()


def test_garbage_is_unavailable(gateway: Build, reminders_fake: RemindersFake) -> None:
    reminders_fake.garbage = True
    with pytest.raises(RemindersUnavailableError):
        gateway().list()
    with pytest.raises(RemindersUnavailableError):
        create(gateway())


def test_a_refused_connection_is_unavailable(gateway: Build, closed_endpoint: str) -> None:
    with pytest.raises(RemindersUnavailableError):
        gateway(endpoint=closed_endpoint).list()


def test_a_slow_api_is_cut_off_by_the_clients_timeout(gateway: Build,
                                                      timers_fake: TimersFake) -> None:
    timers_fake.delay = 0.6  # the stand-ins' shared server answers late
    with pytest.raises(RemindersUnavailableError):
        gateway(timeout=0.2).list()


# --- the AlertInfo trap --------------------------------------------------------------------------
def _list_body() -> str:
    return json.dumps({"alerts": [{
        "alertToken": "t1", "status": "ON",
        "trigger": {"type": "SCHEDULED_ABSOLUTE", "timeZoneId": "Europe/London",
                    "recurrence": {"startDateTime": "2026-11-29T19:30:00.000",
                                   "recurrenceRules": [MON_WED_FRI.recurrence_rule()]}},
        "alertInfo": {"spokenInfo": {"content": [{"locale": "en-GB", "text": TEXT}]}},
    }], "totalCount": "1", "links": None})


def test_the_broken_type_name_fails_to_deserialise_and_the_repair_fixes_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    broken = {"spoken_info": reminders_module._BROKEN_SPOKEN_INFO + ".SpokenInfo"}
    monkeypatch.setattr(AlertInfo, "deserialized_types", broken)  # as ask-sdk-model ships it
    with pytest.raises(SerializationException, match="alert_info_spoken_info"):
        DefaultSerializer().deserialize(_list_body(), GetRemindersResponse)

    assert repair_alert_info_type() is True
    parsed = DefaultSerializer().deserialize(_list_body(), GetRemindersResponse)
    assert parsed.alerts[0].alert_info.spoken_info.content[0].text == TEXT
    assert repair_alert_info_type() is False  # once is enough
    assert AlertInfo.deserialized_types["spoken_info"] == reminders_module._SPOKEN_INFO


def test_the_trap_is_still_there_upstream() -> None:
    """When ask-sdk-model ships the module it names, the repair has nothing left to do and
    `repair_alert_info_type` leaves the type map alone; this test then says it can go."""
    import importlib.util

    assert importlib.util.find_spec(reminders_module._BROKEN_SPOKEN_INFO) is None


def test_a_type_map_that_already_resolves_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    fine = {"spoken_info": reminders_module._SPOKEN_INFO}
    monkeypatch.setattr(AlertInfo, "deserialized_types", fine)
    assert repair_alert_info_type() is False
    assert AlertInfo.deserialized_types is fine

"""Operability: one structured line per request and metrics from the same facts, at both doors.

A conversation through each door (the Lambda handler writing CloudWatch EMF documents, the Flask
route writing JSON log lines and Prometheus metrics) produces one request line per request, each
parsed and checked field by field (`testkit.telemetry.check_request_line`), every EMF document
checked against the format's rules (`check_emf`), the Prometheus exposition read by
prometheus_client's own parser, and the figures each door reports equal to what really happened
(the sessions, check-ins and reminders the Alexa fakes saw created, the API calls they
answered). Failures - the Timers API down or unreachable, the store down or throttled or losing
races, bad envelopes, a request no handler claims - each have their outcome and their count.
Nothing anywhere carries a user's, person's or device's id, a token, a slot value or Alexa's
request or session id.
"""

from __future__ import annotations

import io
import json
import sys
import tomllib
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine

import skill
from skill import lambda_function, telemetry
from skill.builder import build_skill, intent_names
from skill.domain.people import PERSON_SCOPE
from skill.reminders import REMINDERS_SCOPE
from skill.settings import Settings
from skill.store import ConflictError, ThrottledError, UserStore
from skill.store.sqlite import SqliteStore
from skill.telemetry import RequestFacts, Telemetry
from skill.telemetry.emf import METRIC_NAMES, EmfSink
from skill.telemetry.observed import classify
from skill.timers import TIMERS_SCOPE
from skill.web import create_app
from testkit import envelopes as env
from testkit.alexa_apis import TimersFake
from testkit.checks import check_response
from testkit.conversation import Conversation
from testkit.entry_points import ENTRY_POINTS
from testkit.reminder_requests import days_slot, set_reminder
from testkit.telemetry import (
    DoorRecorder,
    check_emf,
    check_request_line,
    emf_documents,
    leaks,
    prometheus_samples,
)

ROOT = Path(__file__).resolve().parent.parent
MONDAY_NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
#: What the user says that must never reach a log line or a metric: a health condition, in
#: the words spoken and as the value id the model resolved it to.
CONDITION_SAID, CONDITION_ID = "expecting a baby", "PREGNANCY"
PERSON_ID = "amzn1.ask.person.TELEMETRYPERSON"


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(MONDAY_NOON, tick=False) as traveller:
        yield traveller


@pytest.fixture(params=sorted(ENTRY_POINTS))
def door(request: pytest.FixtureRequest) -> str:
    return request.param


def _identity() -> dict[str, str]:
    return {"user_id": "amzn1.ask.account.TELEMETRYUSER", "device_id":
            "amzn1.ask.device.TELEMETRYDEVICE", "access_token": "telemetry-secret-token"}


def _with_person(envelope: dict) -> dict:
    envelope["context"]["System"]["person"] = {"personId": PERSON_ID}
    return envelope


def _secrets(chat: Conversation) -> list[str]:
    """Everything of the user's that a line or metric must not hold."""
    said = [chat.turns[i][0] for i in range(len(chat.turns))]
    alexa_ids = [r["request"]["requestId"] for r in said]
    alexa_ids += [r["session"]["sessionId"] for r in said if "session" in r]
    return [*_identity().values(), PERSON_ID, CONDITION_SAID, CONDITION_ID, "amzn1.",
            *alexa_ids]


# --- a whole conversation, through each door ---------------------------------------------------
def test_a_conversation_gives_one_checked_line_per_request_and_the_true_figures(
    door: str, settings: Settings, timers_fake: TimersFake, api_endpoint: str,
    clock: time_machine.Traveller,
) -> None:
    recorder = DoorRecorder(door)
    send = ENTRY_POINTS[door](settings, telemetry=recorder.telemetry)
    chat = Conversation(send, api_endpoint=api_endpoint, **_identity())
    timers_fake.zone = "Europe/London"

    chat.launch()  # 1 a newcomer: asked
    chat.intent("ExplainMatIntent", {"topic": env.slot("topic", "what", "WHAT_IS")})  # 2
    chat.intent("CheckSafetyIntent",  # 3 a health condition, named
                {"condition": env.slot("condition", CONDITION_SAID, CONDITION_ID)})
    chat.reset()
    chat.intent("StartSessionIntent", {"duration": "PT20M"})  # 4 started, with check-ins
    chat.intent("TimeLeftIntent")  # 5
    clock.shift(timedelta(minutes=5))
    chat.intent("EndSessionIntent")  # 6 ended early
    chat.intent("StartSessionIntent", {"duration": "PT10M"})  # 7 started
    clock.shift(timedelta(minutes=11))
    chat.intent("TimeLeftIntent")  # 8 the timer rang: completed
    chat.intent("AMAZON.FallbackIntent")  # 9
    chat.intent("NoSuchIntent")  # 10 nobody handles it: an error of ours
    chat.reset()
    chat.intent("StartSessionIntent", {"duration": "PT20M"},  # 11 permission asked
                scopes={TIMERS_SCOPE: "DENIED"})
    chat.connections_response("DENIED")  # 12 and refused
    timers_fake.fail_status = 500
    chat.intent("StartSessionIntent", {"duration": "PT20M"})  # 13 the Timers API is down
    timers_fake.fail_status = None
    chat.say(set_reminder, days_slot("MONDAY"), "19:00")  # 14 a weekly reminder
    chat.say(lambda **kw: _with_person(env.launch(**kw)))  # 15 a recognised person
    chat.session_ended()  # 16 silent

    lines = recorder.lines()
    assert len(lines) == len(chat.turns) == 16
    for line in lines:
        assert check_request_line(line, extra=_door_extras(door)) == [], line
    assert [line["door"] for line in lines] == ["lambda" if door == "lambda" else "web"] * 16
    kinds = [line.get("intent", line["type"]) for line in lines]
    assert kinds == [
        "LaunchRequest", "ExplainMatIntent", "CheckSafetyIntent", "StartSessionIntent",
        "TimeLeftIntent", "EndSessionIntent", "StartSessionIntent", "TimeLeftIntent",
        "AMAZON.FallbackIntent", "other", "StartSessionIntent", "Connections.Response",
        "StartSessionIntent", "SetReminderIntent", "LaunchRequest", "SessionEndedRequest"]
    outcomes = [line["outcome"] for line in lines]
    assert outcomes[:4] == ["asked", "asked", "asked", "answered"]
    assert outcomes[9] == "no_handler" and lines[9]["level"] == "ERROR"
    assert outcomes[15] == "silent"
    assert [line["cold"] for line in lines] == [True] + [False] * 15
    assert lines[3]["events"]["sessionStarted"] == 1 and lines[3]["events"]["checkInsCreated"]
    assert lines[5]["events"] == {"sessionEndedEarly": 1}
    assert lines[7]["events"] == {"sessionCompleted": 1}
    assert lines[10]["permissionAsked"] == "timers"
    assert lines[11]["permissionAnswer"] == {"scope": "timers", "answer": "DENIED"}
    assert lines[12]["api"] == [{"api": "timers", "op": "list", "status": 500,
                                 "ms": lines[12]["api"][0]["ms"]}]
    assert lines[13]["events"] == {"reminderSet": 1}
    assert [c["op"] for c in lines[13]["api"] if c["api"] == "reminders"] == ["create"]
    assert all(line["storeMs"] > 0 for line in (lines[0], lines[3], lines[13]))
    assert lines[2]["storeMs"] == 0 and lines[2]["api"] == []  # a safety answer reads nothing

    # Every API call the fakes answered is in a line, with the operation its path means.
    called = Counter(classify(c.method, c.path) for c in timers_fake.calls)
    logged = Counter((c["api"], c["op"]) for line in lines for c in line["api"])
    assert logged == called and called["timers", "create"] >= 4

    metrics = recorder.metrics()
    assert metrics.requests() == 16
    assert metrics.requests("StartSessionIntent") == 4
    assert metrics.requests("AMAZON.FallbackIntent") == metrics.count("Fallbacks") == 1
    assert metrics.count("SessionsStarted") == 2 == len(timers_fake.created())
    assert metrics.count("CheckInsCreated") == len(timers_fake.created(hidden=True)) > 0
    assert metrics.count("SessionsCompleted") == metrics.count("SessionsEndedEarly") == 1
    assert metrics.count("RemindersSet") == 1
    assert metrics.count("ColdStarts") == 1
    assert metrics.errors() == 1  # the request nobody handles
    assert metrics.questions("timers") == metrics.answers("timers", "DENIED") == 1
    assert metrics.api_errors("timers", "500") == 1
    assert metrics.api_calls("timers") == called_api(called, "timers")
    assert metrics.api_calls("reminders") == called_api(called, "reminders") == 1
    assert metrics.api_calls("settings") == called_api(called, "settings")

    if door == "lambda":
        for document, text in recorder.documents():
            assert check_emf(document, text) == [], text
    else:
        samples = prometheus_samples(recorder.exposition())
        assert samples["matcoach_build_info", (("release", skill.__version__),)] == 1
        assert samples["matcoach_request_duration_seconds_count", ()] == 16
    assert leaks(recorder.texts(), _secrets(chat)) == []


def called_api(called: Counter, api: str) -> int:
    return sum(n for (name, _op), n in called.items() if name == api)


def _door_extras(door: str) -> set[str]:
    """What a Lambda line carries beyond the line's own fields: its metrics."""
    if door != "lambda":
        return {"timestamp", "logger"}
    return {"_aws", "Intent", *METRIC_NAMES}


# --- failures ----------------------------------------------------------------------------------
def test_an_unreachable_api_and_a_broken_store_are_told_apart(
    door: str, settings: Settings, closed_endpoint: str, tmp_path: Path,
) -> None:
    recorder = DoorRecorder(door)
    send = ENTRY_POINTS[door](settings, telemetry=recorder.telemetry)
    send(env.intent("StartSessionIntent", {"duration": "PT20M"}, api_endpoint=closed_endpoint))
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    broken = ENTRY_POINTS[door](
        Settings(store_url=f"sqlite://{blocker / 'x.db'}", verify_requests=False),
        telemetry=recorder.telemetry)
    broken(env.launch())

    unreachable, store_down = recorder.lines()
    assert {c["status"] for c in unreachable["api"]} == {"unreachable"}
    assert unreachable["outcome"] == "answered"  # "the timers are not reachable, try again"
    assert store_down["outcome"] == "store_unavailable" and store_down["level"] == "ERROR"
    assert store_down["events"] == {"storeErrors": 1}
    metrics = recorder.metrics()
    assert metrics.api_errors("timers", "unreachable") == 1
    assert metrics.errors() == 1


class RacingStore(SqliteStore):
    """A store where another request wins the first `races` writes; a lost race is retried as
    DynamoDB's store retries it (read again, apply again), not under SQLite's write lock."""

    races = 0
    update_contended = UserStore.update_contended

    def save_if_version(self, user_id: str, attributes: dict, version: int) -> bool:
        if self.races:
            self.races -= 1
            super().save_if_version(user_id, {**attributes, "goal": 5}, version)
            return False
        return super().save_if_version(user_id, attributes, version)


class ThrottledStore(SqliteStore):
    """DynamoDB refusing for capacity, as the store reports it after its own retry."""

    def load(self, user_id: str):
        raise ThrottledError("dynamodb read failed: ClientError")


def test_conflicts_and_throttles_are_counted(door: str, settings: Settings, tmp_path: Path,
                                             timers_fake: TimersFake, api_endpoint: str) -> None:
    recorder = DoorRecorder(door)
    racing = RacingStore(str(tmp_path / "racing.db"))
    send = ENTRY_POINTS[door](settings, store=racing, telemetry=recorder.telemetry)
    send(env.intent("SetGoalIntent", {"count": "4"}, api_endpoint=api_endpoint))
    racing.races = 2
    send(env.intent("SetGoalIntent", {"count": "5"}, api_endpoint=api_endpoint))
    throttled = ENTRY_POINTS[door](settings, store=ThrottledStore(str(tmp_path / "t.db")),
                                   telemetry=recorder.telemetry)
    throttled(env.launch(api_endpoint=api_endpoint))

    calm, raced, refused = recorder.lines()
    assert "events" not in calm
    assert raced["events"] == {"storeConflicts": 2} and raced["outcome"] == "answered"
    assert refused["outcome"] == "store_throttled"
    assert refused["events"] == {"storeThrottles": 1, "storeErrors": 1}
    metrics = recorder.metrics()
    assert metrics.count("StoreConflicts") == 2 and metrics.count("StoreThrottles") == 1


def test_a_store_that_keeps_losing_names_the_conflict(door: str, settings: Settings,
                                                      tmp_path: Path, api_endpoint: str) -> None:
    recorder = DoorRecorder(door)
    racing = RacingStore(str(tmp_path / "racing.db"))
    racing.update_contended = _always_conflict  # type: ignore[method-assign]
    racing.races = 1
    send = ENTRY_POINTS[door](settings, store=racing, telemetry=recorder.telemetry)
    send(env.intent("SetGoalIntent", {"count": "4"}, api_endpoint=api_endpoint))
    (line,) = recorder.lines()
    assert line["outcome"] == "store_conflict" and line["level"] == "ERROR"


def _always_conflict(user_id: str, change: Callable[[dict], dict]) -> object:
    change({})
    raise ConflictError("too many concurrent updates for one user")


def test_refused_envelopes_are_lines_too(settings: Settings) -> None:
    """Through the Lambda handler and the Flask route: a line for what could not be answered."""
    lambda_recorder, web_recorder = DoorRecorder("lambda"), DoorRecorder("flask")
    handle = lambda_function.create_handler(settings, telemetry=lambda_recorder.telemetry)
    secret = "amzn1.ask.account.REFUSEDUSER"
    bad = env.launch(user_id=secret)
    bad["context"]["System"]["application"] = [secret]
    assert "error" in handle(bad, None)
    assert "error" in handle(["not", "an", "envelope"], None)
    assert "error" in handle(env.launch(application_id="amzn1.ask.skill.someone-else"), None)
    client = create_app(settings, telemetry=web_recorder.telemetry).test_client()
    assert client.post("/", data=json.dumps(bad)).status_code == 400
    assert client.post("/", data=b"{not json").status_code == 400
    assert client.post("/", data=b"x" * (settings.max_body_bytes + 10)).status_code == 413

    outcomes = [line["outcome"] for line in lambda_recorder.lines() + web_recorder.lines()]
    assert outcomes == ["bad_request", "bad_request", "wrong_skill",
                        "bad_request", "bad_request", "too_large"]
    for recorder in (lambda_recorder, web_recorder):
        for line in recorder.lines():
            assert line["level"] == "WARNING"
            assert check_request_line(line, extra=_door_extras(recorder.door)) == []
        assert leaks(recorder.texts(), [secret]) == []
    assert lambda_recorder.metrics().emf["Refusals", ()] == 3


def test_a_verified_door_names_what_it_refused(
    verified: Callable, signer, store_url: str, ca_bundle: str,
) -> None:
    from testkit.entry_points import signed_post

    recorder = DoorRecorder("flask")
    app = _verified_app_with(recorder, verified, store_url, ca_bundle)
    stale = env.launch()
    stale["request"]["timestamp"] = "2020-01-01T00:00:00Z"
    assert signed_post(app, signer, stale).status_code == 400
    assert signed_post(app, signer, env.launch()).status_code == 200
    refused, answered = recorder.lines()
    assert refused["outcome"] == "unverified" and refused["type"] == "other"
    assert answered["outcome"] == "asked" and answered["type"] == "LaunchRequest"


def _verified_app_with(recorder: DoorRecorder, verified: Callable, store_url: str,
                       ca_bundle: str):
    """The verified test client's app, rebuilt with its verifier and `recorder`."""
    verifier = verified().application.extensions["mat_coach.verifier"]
    settings = Settings(store_url=store_url, ca_bundle=ca_bundle, skill_id=env.APP_ID)
    return create_app(settings, verifier=verifier, telemetry=recorder.telemetry).test_client()


# --- the format checkers catch what they are for ---------------------------------------------
def _good_document() -> dict:
    facts = RequestFacts("0123abcd", door="lambda", cold=True, started=0.0,
                         intents=intent_names())
    facts.read_request(env.intent("AMAZON.HelpIntent"))
    facts.read_response({"response": {"outputSpeech": {}, "shouldEndSession": False}})
    facts.api.append(telemetry.ApiCall("timers", "list", 503, 12.5))
    stream = io.StringIO()
    EmfSink(stream, space="Test").emit(facts)
    return json.loads(stream.getvalue().splitlines()[0])


@pytest.mark.parametrize("damage", [
    lambda d: d.pop("_aws"),
    lambda d: d["_aws"].update(Timestamp="now"),
    lambda d: d["_aws"]["CloudWatchMetrics"][0].update(Extra=1),
    lambda d: d.update(Intent=7),  # a dimension that is not a string
    lambda d: d.pop("Intent"),  # a dimension with no member
    lambda d: d.update(Latency="fast"),  # a metric that is not a number
    lambda d: d.update(Latency=list(range(101))),  # more than 100 values
    lambda d: d["_aws"]["CloudWatchMetrics"][1]["Metrics"].extend(
        {"Name": f"M{i}"} for i in range(100)),  # more than 100 definitions
    lambda d: d["_aws"]["CloudWatchMetrics"][0]["Metrics"][0].update(Unit="Requests"),
    lambda d: d["_aws"]["CloudWatchMetrics"][0].update(Dimensions=[[f"D{i}" for i in range(10)]]),
    lambda d: d["_aws"]["CloudWatchMetrics"][0].update(Dimensions=[["Latency"]]),
])
def test_the_emf_checker_refuses_what_the_format_forbids(damage) -> None:
    document = _good_document()
    assert check_emf(document, json.dumps(document)) == []
    damage(document)
    assert check_emf(document)


@pytest.mark.parametrize(("field", "value"), [
    ("intent", "amzn1.ask.account.X"), ("type", "SomethingElse"), ("locale", "amzn1"),
    ("outcome", "fine"), ("ms", -1), ("cold", "yes"), ("release", "9.9"),
    ("api", [{"api": "timers", "op": "list", "status": 200}]),
    ("api", [{"api": "timers", "op": "amzn1.timer.1", "status": 200, "ms": 1}]),
    ("events", {"userId": 1}), ("userId", "amzn1.ask.account.X"),
])
def test_the_line_checker_refuses_what_a_line_may_not_hold(field: str, value: object) -> None:
    line = _good_document()
    assert check_request_line(line, extra=_door_extras("lambda")) == []
    line[field] = value
    assert check_request_line(line, extra=_door_extras("lambda"))


# --- what the line is made of -------------------------------------------------------------------
def test_nothing_from_the_request_is_copied_unless_it_is_known() -> None:
    facts = RequestFacts("x", door="web", cold=False, started=0.0, intents=intent_names())
    envelope = env.intent("AMAZON.HelpIntent", locale="en-US")
    envelope["request"]["type"] = "amzn1.ask.account.PLANTED"
    envelope["request"]["locale"] = ["not", "a", "locale"]
    facts.read_request(envelope)
    assert (facts.type, facts.locale, facts.intent) == ("other", "other", None)
    facts.read_request(env.intent({"unhashable": True}))  # type: ignore[arg-type]
    assert facts.intent == "other"
    screen = env.launch()
    screen["context"]["System"]["device"]["supportedInterfaces"]["Alexa.Presentation.APL"] = {}
    facts.read_request(screen)
    assert facts.screen is True


def test_api_calls_are_named_by_the_shape_of_their_path_never_its_ids() -> None:
    origin = "https://api.amazonalexa.com"
    assert classify("POST", f"{origin}/v1/alerts/timers") == ("timers", "create")
    assert classify("GET", f"{origin}/v1/alerts/timers") == ("timers", "list")
    assert classify("DELETE", f"{origin}/v1/alerts/timers/amzn1.timer.X") == ("timers", "delete")
    assert classify("POST", f"{origin}/v1/alerts/timers/amzn1.timer.X/pause") == (
        "timers", "pause")
    assert classify("POST", f"{origin}/v1/alerts/reminders") == ("reminders", "create")
    assert classify("DELETE", f"{origin}/v1/alerts/reminders/tok") == ("reminders", "delete")
    assert classify("GET", f"{origin}/v2/devices/amzn1.ask.device.X/settings/System.timeZone"
                    ) == ("settings", "time_zone")
    assert classify("GET", f"{origin}/v9/anything/amzn1.ask.device.X") == ("other", "other")


def test_the_scopes_are_the_ones_the_skill_asks_for() -> None:
    assert set(telemetry.SCOPES) == {TIMERS_SCOPE, REMINDERS_SCOPE, PERSON_SCOPE}


def test_the_release_is_the_package_version() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert skill.__version__ == telemetry.RELEASE == project["version"]


def test_a_sink_that_fails_never_fails_the_request(settings: Settings, caplog) -> None:
    class Broken:
        def emit(self, facts: RequestFacts) -> None:
            raise OSError("disk full")

    handle = lambda_function.create_handler(
        settings, telemetry=Telemetry([Broken()], door="lambda", intents=intent_names()))
    check_response(handle(env.intent("AMAZON.HelpIntent"), None))
    assert "request telemetry not written (Broken): OSError" in caplog.text


def test_the_lambda_door_writes_its_lines_to_stdout_under_the_invocation_id(
    settings: Settings, capsys: pytest.CaptureFixture[str],
) -> None:
    class Context:
        aws_request_id = "8f3c2a1e-1111-2222-3333-444455556666"

    handle = lambda_function.create_handler(settings)
    check_response(handle(env.intent("AMAZON.HelpIntent"), Context()))
    ((document, text),) = emf_documents(capsys.readouterr().out)
    assert check_emf(document, text) == []
    assert document["correlationId"] == Context.aws_request_id
    assert document["intent"] == "AMAZON.HelpIntent" and document["cold"] is True


def test_api_calls_made_on_another_thread_count_when_run_in_the_request_context() -> None:
    """The contract for fanned-out calls: submit them with the request's context."""
    import contextvars
    from concurrent.futures import ThreadPoolExecutor

    recorder = Telemetry([], door="web")
    with recorder.request() as facts, ThreadPoolExecutor(2) as pool:
        context = contextvars.copy_context()
        pool.submit(context.run, telemetry.api_call, "timers", "list", 200, 0.01).result()
        pool.submit(telemetry.api_call, "timers", "list", 200, 0.01).result()  # no context
    assert [(c.api, c.status) for c in facts.api] == [("timers", 200)]


def test_metrics_are_off_unless_a_port_is_set(tmp_path: Path) -> None:
    """Without a metrics port the web door never imports prometheus_client."""
    import subprocess

    code = ("import sys\nfrom skill.settings import Settings\nfrom skill.web import create_app\n"
            f"create_app(Settings(store_url='sqlite://{tmp_path / 'm.db'}', "
            "verify_requests=False))\n"
            "print('prometheus_client' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, check=True, timeout=60)
    assert result.stdout.strip() == "False"


def test_the_web_door_counts_into_the_process_metrics_when_a_port_is_set(
    settings: Settings,
) -> None:
    from prometheus_client import REGISTRY, generate_latest

    def started() -> float:
        samples = prometheus_samples(generate_latest(REGISTRY).decode())
        return samples.get(("matcoach_requests_total",
                            (("intent", "AMAZON.HelpIntent"), ("outcome", "asked"))), 0)

    app = create_app(Settings(store_url=settings.store_url, verify_requests=False,
                              metrics_port=9464))
    before = started() if "prometheus_client" in sys.modules else 0
    response = app.test_client().post("/", data=json.dumps(env.intent("AMAZON.HelpIntent")))
    assert response.status_code == 200
    assert started() == before + 1


def test_building_the_skill_keeps_the_store_and_client_behind_their_watchers(
    settings: Settings,
) -> None:
    from skill.telemetry.observed import ObservedApiClient
    from skill.telemetry.store import ObservedStore

    built = build_skill(settings)
    assert isinstance(built.api_client, ObservedApiClient)
    assert isinstance(built.services.store, ObservedStore)

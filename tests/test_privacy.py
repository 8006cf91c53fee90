"""Privacy: a disabled skill forgets the user everywhere, and logs never identify anyone.

1. `AlexaSkillEvent.SkillDisabled` deletes the user's record from SQLite and from DynamoDB
   (moto over HTTP), through the Flask route and through the Lambda handler; other users'
   records stay, and the next launch treats the user as new. With verification ON, the event is
   accepted (and deleted) even when Amazon delivers it 50 minutes late.
2. Logs: a varied conversation, including failures (Timers API down, store down, malformed
   envelopes, refused signatures, an intent nobody handles), runs through both entry points with
   the `skill` loggers at DEBUG and everything else at INFO. No captured message, traceback
   included, may contain a userId, deviceId, API access token or a fragment of request JSON.
   The same holds for each request's line and metrics: the Lambda door's EMF documents on
   stdout, the web door's request lines and its Prometheus exposition, each line parsed and
   checked against its format; a safety question's condition appears in none of them.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import trustme

from skill import lambda_function
from skill.content import catalogue_for
from skill.settings import Settings
from skill.store import Record, UserStore, open_store
from skill.web import create_app
from testkit import envelopes as env
from testkit.alexa_apis import TimersFake
from testkit.checks import check_response, says, speech_of
from testkit.conversation import Conversation
from testkit.entry_points import ENTRY_POINTS, SenderFactory, flask_sender, signed_post
from testkit.loopback import ChainServer
from testkit.moto import create_table
from testkit.signing import AlexaSigner, rsa_ca
from testkit.telemetry import check_emf, check_request_line, emf_documents

EN = catalogue_for("en-US")
OTHER_USER = "amzn1.ask.account.OTHERUSER"
OTHER_DEVICE = "amzn1.ask.device.OTHERDEVICE"
OTHER_TOKEN = "other-access-token"

Send = Callable[[dict], dict]


@pytest.fixture(params=["sqlite", "dynamodb"])
def store_url_any(
    request: pytest.FixtureRequest, tmp_path: Path, dynamodb_env: Callable[[str], None]
) -> str:
    """A store URL as deployments write it; DynamoDB is found through boto3's environment."""
    if request.param == "sqlite":
        return f"sqlite://{tmp_path / 'privacy.db'}"
    url = request.getfixturevalue("moto_url")
    dynamodb_env(url)
    return f"dynamodb://{create_table(url)}"


@pytest.fixture
def entry(entry_point: SenderFactory, ca_bundle: str) -> Callable[[str], Send]:
    """Build a sender for a store URL through one entry point (dev mode for Flask)."""

    def build(store_url: str) -> Send:
        return entry_point(Settings(store_url=store_url, ca_bundle=ca_bundle,
                                    verify_requests=False))

    return build


def start_for(user_id: str, device_id: str, token: str, api_endpoint: str) -> dict:
    return env.intent("StartSessionIntent", {"duration": "PT20M"}, user_id=user_id,
                      device_id=device_id, access_token=token, api_endpoint=api_endpoint)


def record_of(store: UserStore, user_id: str) -> Record:
    return store.load(user_id)


def test_skill_disabled_forgets_only_that_user_in_every_store_and_entry_point(
    store_url_any: str, entry: Callable[[str], Send], timers_fake: TimersFake, api_endpoint: str,
) -> None:
    send = entry(store_url_any)
    send(start_for(env.USER_ID, env.DEVICE_ID, env.ACCESS_TOKEN, api_endpoint))
    send(start_for(OTHER_USER, OTHER_DEVICE, OTHER_TOKEN, api_endpoint))
    store = open_store(store_url_any)
    other_before = record_of(store, OTHER_USER)
    assert record_of(store, env.USER_ID).version >= 1 and other_before.version >= 1

    answer = send(env.skill_event("SkillDisabled", api_endpoint=api_endpoint))
    assert "outputSpeech" not in answer["response"]

    assert record_of(store, env.USER_ID) == Record({}, 0)
    assert record_of(store, OTHER_USER) == other_before
    # Forgotten means forgotten: coming back is a first visit, not "welcome back".
    welcome = send(env.launch(api_endpoint=api_endpoint))
    assert says(speech_of(welcome), EN, "launch.new")
    store.close()


def test_skill_disabled_leaves_nothing_in_the_sqlite_file(
    tmp_path: Path, entry: Callable[[str], Send], timers_fake: TimersFake, api_endpoint: str,
) -> None:
    """Not only unreadable through the store: no row anywhere in the file holds the id."""
    db = tmp_path / "privacy.db"
    send = entry(f"sqlite://{db}")
    send(start_for(env.USER_ID, env.DEVICE_ID, env.ACCESS_TOKEN, api_endpoint))
    send(env.skill_event("SkillDisabled", api_endpoint=api_endpoint))
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT id, attributes FROM users").fetchall()
        rows += conn.execute("SELECT id, owner FROM leases").fetchall()
    assert all(env.USER_ID not in f"{row}" for row in rows)


# --- SkillDisabled with verification ON, delivered late ---------------------------------------


def test_late_skill_disabled_through_the_verified_route_deletes(
    store_url_any: str, ca_bundle: str, verified: Callable[..., Any], signer: AlexaSigner,
    timers_fake: TimersFake, api_endpoint: str,
) -> None:
    client = verified(Settings(store_url=store_url_any, ca_bundle=ca_bundle, skill_id=env.APP_ID))
    started = signed_post(client, signer, start_for(env.USER_ID, env.DEVICE_ID, env.ACCESS_TOKEN,
                                               api_endpoint))
    assert started.status_code == 200, started.get_data(as_text=True)
    store = open_store(store_url_any)
    assert record_of(store, env.USER_ID).version == 1
    # The user started that session, then disabled the skill: the record's last write
    # (55 minutes ago, by our clock and by the request's stamp) is older than the event
    # (50 minutes ago), so the event deletes it.
    written = int((datetime.now(UTC) - timedelta(minutes=55)).timestamp())
    store.update(env.USER_ID, lambda attributes: {**attributes, "t": written, "ta": written})

    event = env.skill_event("SkillDisabled", api_endpoint=api_endpoint)
    late = datetime.now(UTC) - timedelta(minutes=50)
    event["request"]["timestamp"] = late.strftime("%Y-%m-%dT%H:%M:%SZ")
    answer = signed_post(client, signer, event)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    check_response(answer.get_json())
    assert record_of(store, env.USER_ID) == Record({}, 0)
    store.close()


# --- logs -------------------------------------------------------------------------------------

#: Loggers of the test's own servers, not the product: werkzeug (pytest-httpserver's Timers
#: fake) prints access lines whose URL paths carry the deviceId (`/v2/devices/<id>/settings`).
#: The product never runs werkzeug's server in production (gunicorn, Lambda), and the Timers
#: API is Amazon's; so those records are left out of the scan, and only them.
TEST_SERVER_LOGGERS = ("werkzeug",)

#: A health condition as said and as resolved: never in a log line or a metric.
CONDITION_SAID, CONDITION_ID = "my heart condition", "HEART"
#: Fragments of request JSON: a body (or a slice of one) logged anywhere would contain these.
BODY_FRAGMENTS = ('"requestId"', '"apiAccessToken"', '"userId"', '"deviceId"', '"context"',
                  "amzn1.echo-api.request", "amzn1.echo-api.session")


def _identity(tag: str) -> tuple[str, str, str]:
    """A userId, deviceId and token unique to this test, so a hit cannot be a coincidence."""
    unique = uuid.uuid4().hex[:10].upper()
    return (f"amzn1.ask.account.{tag}{unique}", f"amzn1.ask.device.{tag}{unique}",
            f"token-{tag.lower()}-{unique.lower()}")


def _conversation(send: Send, who: tuple[str, str, str], api_endpoint: str, closed: str,
                  timers_fake: TimersFake) -> None:
    """Every kind of request, the happy paths and the failing ones, session state carried."""
    user_id, device_id, token = who
    chat = Conversation(send, api_endpoint=api_endpoint, user_id=user_id, device_id=device_id,
                        access_token=token)

    chat.launch()
    chat.intent("ExplainMatIntent", {"topic": env.slot("topic", "what", resolved_id="WHAT_IS")})
    chat.intent("CheckSafetyIntent", {"condition": env.slot("condition", "ufo", no_match=True)})
    chat.intent("CheckSafetyIntent", {"condition": env.slot("condition", CONDITION_SAID,
                                                            resolved_id=CONDITION_ID)})
    chat.intent("StartSessionIntent", {"duration": "PT25M"})
    chat.intent("TimeLeftIntent")
    timers_fake.garbage = True  # the Timers API answers nonsense, then fails, mid-session
    assert says(speech_of(chat.intent("TimeLeftIntent")), EN, "timers.unavailable.read")
    timers_fake.garbage = False
    timers_fake.fail_status = 500
    assert says(speech_of(chat.intent("AMAZON.PauseIntent")), EN, "timers.unavailable.read")
    timers_fake.fail_status = None
    chat.intent("AMAZON.PauseIntent")
    chat.intent("AMAZON.ResumeIntent")
    chat.intent("ProgressIntent")
    chat.intent("SetGoalIntent", {"count": "4"})
    chat.intent("StartSessionIntent", {"duration": "PT10M"})  # offers a restart
    chat.intent("AMAZON.YesIntent")  # accepts the offer carried in the session
    chat.intent("EndSessionIntent")
    chat.intent("AMAZON.HelpIntent")
    chat.intent("AMAZON.FallbackIntent")
    chat.intent("NoSuchIntent")  # no handler: the catch-all logs a traceback
    chat.connections_response("DENIED")
    chat.session_ended()
    # A second device of the same user whose zone is not cached, with both APIs refusing.
    refused = chat.intent("StartSessionIntent", {"duration": "PT20M"}, api_endpoint=closed,
                          device_id=f"{device_id}-KITCHEN")
    assert says(speech_of(refused), EN, "timers.unavailable", minutes=EN.count("minute", 20))
    timers_fake.fail_status = 500
    chat.intent("StartSessionIntent", {"duration": "PT20M"})
    timers_fake.fail_status = None
    chat.say(env.skill_event, "SkillPermissionChanged")
    chat.say(env.skill_event, "SkillDisabled")


def _scan(records: list[logging.LogRecord], secrets: list[str]) -> list[str]:
    """Every captured line, traceback included, that carries a secret or a body fragment."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    leaks = []
    for record in records:
        if record.name.split(".")[0] in TEST_SERVER_LOGGERS:
            continue
        text = formatter.format(record)
        for needle in (*secrets, *BODY_FRAGMENTS):
            if needle.lower() in text.lower():
                leaks.append(f"{needle!r} in {record.name}: {text[:300]}")
    return leaks


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="skill")
    return caplog


def test_logs_carry_no_identifiers_or_bodies_through_both_entry_points(
    logs: pytest.LogCaptureFixture, tmp_path: Path, ca_bundle: str, timers_fake: TimersFake,
    api_endpoint: str, closed_endpoint: str, capsys: pytest.CaptureFixture[str],
) -> None:
    secrets: list[str] = [CONDITION_SAID, CONDITION_ID]
    for name, build in ENTRY_POINTS.items():
        who = _identity(name.upper())
        secrets.extend(who)
        # The web door with its metrics on, so the Prometheus exposition is scanned too.
        settings = Settings(store_url=f"sqlite://{tmp_path / name}.db", ca_bundle=ca_bundle,
                            verify_requests=False, metrics_port=9464)
        _conversation(build(settings), who, api_endpoint, closed_endpoint, timers_fake)

    # The store failing: its path runs through a file, so it cannot even be opened.
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    who = _identity("NOSTORE")
    secrets.extend(who)
    broken = flask_sender(Settings(store_url=f"sqlite://{blocker / 'x.db'}", ca_bundle=ca_bundle,
                                   verify_requests=False))
    assert says(speech_of(broken(env.launch(user_id=who[0], device_id=who[1], access_token=who[2],
                                            api_endpoint=api_endpoint))), EN, "store.unavailable")

    # Envelopes that are refused, through the Flask route and the Lambda handler.
    who = _identity("REFUSED")
    secrets.extend(who)
    client = create_app(Settings(store_url=f"sqlite://{tmp_path / 'refused.db'}",
                                 verify_requests=False)).test_client()
    bad = env.launch(user_id=who[0], device_id=who[1], access_token=who[2])
    bad["context"]["System"]["application"] = [who[0]]
    assert client.post("/", data=json.dumps(bad), content_type="application/json"
                       ).status_code == 400
    assert client.post("/", data=json.dumps(bad)[:-7], content_type="application/json"
                       ).status_code == 400
    assert "error" in lambda_function.create_handler(
        Settings(store_url=f"sqlite://{tmp_path / 'refused.db'}", skill_id=env.APP_ID))(bad, None)

    web_lines = [json.loads(r.getMessage()) for r in logs.records if r.name == "skill.requests"]
    assert len(web_lines) > 20, "the web door's request lines were not captured"
    assert {line["outcome"] for line in web_lines} >= {
        "asked", "answered", "silent", "no_handler", "store_unavailable", "bad_request"}
    lambda_out = capsys.readouterr().out
    lambda_lines = []
    for document, text in emf_documents(lambda_out):
        assert check_emf(document, text) == [], text
        if document.get("message") == "request":
            lambda_lines.append(document)
    assert len(lambda_lines) > 20, "the Lambda door's EMF lines were not captured"
    for line in web_lines + [_line_only(d) for d in lambda_lines]:
        assert check_request_line(line) == [], line
    assert any(r.exc_info for r in logs.records), "no traceback was captured to scan"
    messages = " ".join(r.getMessage() for r in logs.records)
    for expected in ("timers get_timers failed",
                     "device time zone unavailable", "store unavailable", "refused event"):
        assert expected in messages, f"no {expected!r} line: the failure paths were not reached"
    assert _scan(logs.records, secrets) == []
    from prometheus_client import REGISTRY, generate_latest

    exposition = generate_latest(REGISTRY).decode()
    assert "matcoach_requests_total" in exposition
    for text in (lambda_out, exposition):
        found = [needle for needle in (*secrets, *BODY_FRAGMENTS, "amzn1.")
                 if needle.lower() in text.lower()]
        assert found == [], f"{found} in {text[:300]}"


def _line_only(document: dict) -> dict:
    """An EMF document's request-line fields (its metrics and `_aws` left out)."""
    from skill.telemetry.emf import METRIC_NAMES

    return {k: v for k, v in document.items()
            if k not in METRIC_NAMES and k not in ("_aws", "Intent")}


def test_verifier_logs_carry_no_identifiers(
    logs: pytest.LogCaptureFixture, tmp_path: Path, ca_bundle: str, verified: Callable[..., Any],
    chain_server: ChainServer, signer: AlexaSigner, alexa_ca: trustme.CA,
) -> None:
    """Refusals at the door: bad signature, untrusted chain, download failures, stale stamps."""
    who = _identity("VERIFY")
    ids = {"user_id": who[0], "device_id": who[1], "access_token": who[2]}
    store_url = f"sqlite://{tmp_path / 'verified.db'}"
    client = verified(Settings(store_url=store_url, ca_bundle=ca_bundle, skill_id=env.APP_ID))
    body = json.dumps(env.launch(**ids)).encode()

    assert signed_post(client, signer, env.launch(**ids)).status_code == 200
    tampered = body.replace(b"LaunchRequest", b"IntentRequest")
    assert client.post("/", data=tampered, headers=signer.headers(body)).status_code == 400
    stale = env.launch(**ids)
    stale["request"]["timestamp"] = "2020-01-01T00:00:00Z"
    assert signed_post(client, signer, stale).status_code == 400
    stranger = AlexaSigner.create(rsa_ca())  # a chain from a CA nobody trusts
    chain_server.files["/echo.api/stranger.pem"] = stranger.chain_pem
    strange_url = "https://s3.amazonaws.com/echo.api/stranger.pem"
    assert client.post("/", data=body, headers=stranger.headers(body, strange_url)
                       ).status_code == 400
    chain_server.mode = "404"
    missing_url = "https://s3.amazonaws.com/echo.api/missing.pem"
    assert client.post("/", data=body, headers=signer.headers(body, missing_url)
                       ).status_code == 400

    warnings = [r for r in logs.records if r.name.startswith("skill.web")]
    assert any("certificate" in r.getMessage() for r in warnings)
    assert _scan(logs.records, list(who)) == []

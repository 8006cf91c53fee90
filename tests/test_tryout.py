"""`mat-coach try` without a browser: its understanding, its device, its servers and console.

The device page's own browser test is tests/test_try_page.py. Everything here runs on loopback
against the real endpoint with request verification on, as `mat-coach try` does.
"""

from __future__ import annotations

import ast
import io
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests

from skill.content import catalogue_for
from skill.handlers.explain import TOPIC_QUESTIONS
from skill.settings import Settings
from skill.tryout import speech
from skill.tryout.device import Device
from skill.tryout.model import FALLBACK, InteractionModel
from skill.tryout.page import create_page_app
from skill.tryout.runner import TryOut
from skill.tryout.signing import LocalCA
from skill.tryout.understanding import MAX_UTTERANCE_CHARS, Slot, Understanding
from skill.web import create_app
from testkit import nlu
from testkit.languages import LANGUAGES, OTHERS, SpokenLanguage
from testkit.loopback import free_port, wait_until_up

ROOT = Path(__file__).resolve().parent.parent
SAFETY_INTENTS = ("CheckSafetyIntent", "SafetyTipsIntent")
#: A locale with no model: the try-out refuses it and names the ones it has.
NO_MODEL = "ja-JP"


@pytest.fixture(scope="module")
def understanding() -> Understanding:
    return Understanding.for_locale("en-US")


@pytest.fixture(scope="module")
def tryout() -> Iterator[TryOut]:
    with TryOut(voice_seed=11) as running:
        yield running


@pytest.fixture
def device(tryout: TryOut) -> Device:
    """A fresh user on the running try-out: new token, no timers allowed, real clock."""
    assert tryout.device is not None
    old = tryout.device
    fresh = Device(endpoint=old.endpoint, api_origin=old.api_origin, signer=old.signer,
                   understanding=old.understanding, alexa=old.alexa, clock=old.clock)
    fresh.clock.set_fast(False)
    return fresh


def wait_for(condition, timeout: float = 15.0, what: str = "condition"):
    """Poll `condition` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


# --- understanding ---------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "intent", "slots"), [
    ("is it safe if I'm pregnant", "CheckSafetyIntent", {"condition": "PREGNANCY"}),
    ("Alexa, ask Mat Coach how long is left", "TimeLeftIntent", {}),
    ("start a twenty minute session", "StartSessionIntent", {"minutes": "20"}),
    ("start a session for half an hour", "StartSessionIntent", {"duration": "PT30M"}),
    ("set my goal to four sessions a week", "SetGoalIntent", {"count": "4"}),
    ("how am I doing", "ProgressIntent", {}),
    ("is it safe if I'm pregnent", "CheckSafetyIntent", {"condition": "PREGNANCY"}),
    ("what's the weather in Paris", FALLBACK, {}),
    ("yes", "AMAZON.YesIntent", {}),
])
def test_typed_requests_are_understood_from_the_model(
        understanding: Understanding, text: str, intent: str, slots: dict[str, str]) -> None:
    heard = understanding.understand(text)
    assert not heard.launch and heard.intent == intent, heard.how
    got = {s.name: s.resolved_id if s.custom else s.value
           for s in heard.slots if s.value is not None}
    assert got == slots


def test_the_invocation_alone_is_a_launch(understanding: Understanding) -> None:
    assert understanding.understand("Alexa, open Mat Coach").launch
    one_shot = understanding.understand("ask mat coach to start a session")
    assert not one_shot.launch and one_shot.invoked
    assert one_shot.intent == "StartSessionIntent"


def test_an_elicited_answer_fills_the_slot_the_skill_asked_for(
        understanding: Understanding) -> None:
    answer = understanding.understand("twenty minutes",
                                      eliciting=("StartSessionIntent", "duration"))
    assert answer.elicited and answer.intent == "StartSessionIntent"
    assert {s.name: s.value for s in answer.slots} == {"duration": "PT20M", "minutes": None}
    # Outside an elicitation the same words are not a request of their own.
    assert not understanding.understand("twenty minutes").elicited


def test_slots_carry_entity_resolution_as_alexa_sends_it() -> None:
    matched = Slot("condition", "SafetyCondition", "pregnant", "PREGNANCY").to_json("auth")
    resolution = matched["resolutions"]["resolutionsPerAuthority"][0]
    assert resolution["status"]["code"] == "ER_SUCCESS_MATCH"
    assert resolution["values"][0]["value"] == {"name": "pregnant", "id": "PREGNANCY"}
    unmatched = Slot("condition", "SafetyCondition", "gout").to_json("auth")
    assert (unmatched["resolutions"]["resolutionsPerAuthority"][0]["status"]["code"]
            == "ER_SUCCESS_NO_MATCH")
    assert Slot("duration", "AMAZON.DURATION", "PT5M").to_json("auth") == {
        "name": "duration", "confirmationStatus": "NONE", "value": "PT5M"}
    assert "value" not in Slot("minutes", "AMAZON.NUMBER").to_json("auth")


@pytest.mark.parametrize(("said", "value"), [
    ("seven pm", "19:00"), ("7 pm", "19:00"), ("7pm", "19:00"), ("seven p.m.", "19:00"),
    ("seven in the evening", "19:00"), ("half past six", "18:30"), ("noon", "12:00"),
    ("twelve noon", "12:00"), ("midnight", "00:00"), ("7:30 pm", "19:30"),
    ("seven oh five pm", "19:05"), ("a quarter to eight", "07:45"),
    ("quarter past seven in the morning", "07:15"), ("six thirty am", "06:30"),
    ("eight at night", "20:00"), ("nineteen thirty", "19:30"), ("19:00", "19:00"),
    ("seven o'clock", "07:00"), ("twelve am", "00:00"), ("12 pm", "12:00"),
    ("in the morning", "MO"), ("in the afternoon", "AF"), ("in the evening", "EV"),
    ("this evening", "EV"), ("at night", "NI"),
    ("half nine in the morning", "09:30"), ("half six", "18:30"),  # British "half nine"
    ("half an hour", None), ("mondays", None), ("twenty minutes", None), ("nineteen am", None),
])
def test_times_of_day_are_filled_as_alexa_fills_amazon_time(said: str, value: str | None,
                                                            ) -> None:
    from skill.domain.schedule import FuzzyTimeError, parse_time
    from skill.tryout.words import parse_time as spoken_time

    assert spoken_time(said) == value
    if value is not None and ":" in value:
        assert parse_time(value) == tuple(int(p) for p in value.split(":"))  # the skill's reading
    elif value is not None:
        with pytest.raises(FuzzyTimeError):  # a part of the day: the skill asks for a time
            parse_time(value)


def test_a_bare_number_is_a_time_only_where_a_sample_frames_one() -> None:
    from skill.tryout.words import find_time

    assert find_time(["at", "seven"]) == ("07:00", 1, 2)
    assert find_time(["four", "sessions", "a", "week"], strict=True) is None
    assert find_time(["seven"], whole=True) == ("07:00", 0, 1)
    assert find_time(["seven", "pm", "on", "mondays"], whole=True) is None


def test_a_multiple_value_slot_carries_every_day_as_alexa_sends_them(
        understanding: Understanding) -> None:
    assert understanding.model.intents["SetReminderIntent"].multiple == frozenset({"days"})
    heard = understanding.understand("remind me to use my mat on mondays and fridays at seven pm")
    assert heard.intent == "SetReminderIntent"
    slots = {s.name: s for s in heard.slots}
    assert slots["days"].values == (("mondays", "MONDAY"), ("fridays", "FRIDAY"))
    assert slots["time"].value == "19:00"
    days = slots["days"].to_json("auth")
    assert "value" not in days and days["slotValue"]["type"] == "List"
    assert [(v["type"], v["value"],
             v["resolutions"]["resolutionsPerAuthority"][0]["values"][0]["value"]["id"])
            for v in days["slotValue"]["values"]] == [
        ("Simple", "mondays", "MONDAY"), ("Simple", "fridays", "FRIDAY")]
    # A pause (a comma) separates values as "and" does; a part of the day is the time.
    commas = understanding.understand("remind me every monday, wednesday and friday in the evening")
    by_name = {s.name: s for s in commas.slots}
    assert [i for _, i in by_name["days"].values] == ["MONDAY", "WEDNESDAY", "FRIDAY"]
    assert by_name["time"].value == "EV"
    answer = understanding.understand("tuesdays and thursdays",
                                      eliciting=("SetReminderIntent", "days"))
    assert [i for _, i in {s.name: s for s in answer.slots}["days"].values] == [
        "TUESDAY", "THURSDAY"]
    # A model without the flag gets one plain value, as Alexa sends it there.
    plain = InteractionModel.load("en-IN").intents["SetReminderIntent"]
    assert plain.multiple == frozenset()


def test_the_model_is_read_at_run_time(understanding: Understanding) -> None:
    model = InteractionModel.load("en-US")
    assert understanding.model.intents.keys() == model.intents.keys()
    assert model.elicitations["StartSessionIntent"]["duration"] in model.prompts
    # A made-up model: the matcher knows only what it is given.
    tiny = Understanding(InteractionModel.from_json({"interactionModel": {"languageModel": {
        "invocationName": "tea timer",
        "intents": [{"name": "BrewIntent", "samples": ["brew a pot"]},
                    {"name": "AMAZON.StopIntent", "samples": []}],
        "types": []}}}))
    assert tiny.understand("brew a pot").intent == "BrewIntent"
    assert tiny.understand("stop").intent == "AMAZON.StopIntent"
    assert tiny.understand("open tea timer").launch
    assert tiny.understand("is it safe if I'm pregnant").intent == FALLBACK


def test_long_and_marked_up_input_is_bounded(understanding: Understanding) -> None:
    heard = understanding.understand("how long is left " * 2000)
    assert len(heard.said) <= MAX_UTTERANCE_CHARS
    started = time.perf_counter()
    understanding.understand("<b>" * 5000)
    assert time.perf_counter() - started < 5
    assert understanding.understand("<script>alert(1)</script>").intent == FALLBACK


def _heldout_figures(understanding: Understanding | None, path: Path,
                     locale: str = "en-US") -> tuple[float, float, list[str]]:
    """(intents right, out of domain to fallback, safety lines heard as a start): with an
    understanding, the lines of its locale; with none, every line by its own locale's model."""
    examples = [e for e in nlu.load_heldout(path) if understanding is None or e.locale == locale]
    inside = [e for e in examples if e.intent != FALLBACK]
    outside = [e for e in examples if e.intent == FALLBACK]
    right, rejected, harmful = 0, 0, []
    readers: dict[str, Understanding] = {}
    for example in examples:
        if understanding is None and example.locale not in readers:
            readers[example.locale] = Understanding.for_locale(example.locale)
        reader = understanding or readers[example.locale]
        heard = reader.understand(example.text)
        intent = "LaunchRequest" if heard.launch else heard.intent
        if intent in TOPIC_QUESTIONS:  # "how often should I use it" is answered as explained
            intent = "ExplainMatIntent"
        if example.intent == FALLBACK:
            rejected += intent == FALLBACK
        else:
            right += intent == example.intent
        if example.intent in SAFETY_INTENTS and intent in nlu.FORBIDDEN_FOR_SAFETY:
            harmful.append(example.text)
    return right / len(inside), rejected / len(outside), harmful


#: (intent, out of domain -> fallback) floors for the page's word matcher where a set sits below
#: the usual 65 % / 70 %: a few out-of-domain lines of the later sets use the skill's own words,
#: and since a condition or topic named anywhere reaches its intent when no sample is close
#: (safety first: 'what are the symptoms of a heart attack' hears the heart caution, not the
#: fallback), out of domain on the first and fourth sets gave up 5 and 3 lines for 2-8 points
#: of intent on every set.
LEXICAL_FLOORS = {"held-out": (0.65, 0.64), "fourth": (0.75, 0.60), "fifth": (0.74, 0.64),
                  "sixth": (0.70, 0.64), "seventh": (0.69, 0.64)}


@pytest.mark.parametrize("name", sorted(nlu.HELDOUT_SETS))
def test_the_lexical_matcher_understands_most_held_out_requests(
        understanding: Understanding, name: str) -> None:
    """Floors for the page's word matcher (measured with the en-US model: 80.9 % of intents and
    65.2 % of out-of-domain requests sent to fallback on the first set, 84.0 / 78.6 on the
    blind, 92.2 / 72.2 on the unseen, 81.1 / 61.9 on the fourth, 87.3 / 85.7 on the fifth,
    88.9 / 91.7 on the sixth, 84.6 / 66.7 on the seventh); a safety question never starts a
    timer."""
    in_domain, to_fallback, harmful = _heldout_figures(understanding, nlu.HELDOUT_SETS[name])
    intent_floor, fallback_floor = LEXICAL_FLOORS.get(name, (0.65, 0.70))
    assert in_domain >= intent_floor
    assert to_fallback >= fallback_floor
    assert harmful == []


@pytest.mark.parametrize("spoken", [lang for lang in OTHERS if lang.heldout],
                         ids=lambda lang: lang.locale)
def test_the_lexical_matcher_reads_each_languages_held_out_requests_in_its_words(
        spoken: SpokenLanguage) -> None:
    """Each language's blind set (two writers blind to the model, regional speech included)
    through the page's matcher, held to the figures in `testkit.languages` (German: 54.3 % of
    intents on arrival, 70.2 % since a condition or topic named anywhere reaches its intent
    when no sample is close, every out-of-domain request to fallback). Lower than English:
    compounds and inflections defeat a word matcher more often (Alexa's recognition is not a
    word matcher). A safety question never starts a timer."""
    assert spoken.heldout_path is not None
    in_domain, to_fallback, harmful = _heldout_figures(None, spoken.heldout_path)
    intent_floor, fallback_floor = spoken.matcher_floors
    assert in_domain >= intent_floor
    assert to_fallback >= fallback_floor
    assert harmful == []


# --- the device, through the real endpoint ------------------------------------------------------
def test_a_whole_session_on_the_fast_clock(device: Device) -> None:
    launch = device.say("open mat coach")
    assert launch["status"] == 200 and "Mat Coach" in launch["speech"]
    assert launch["request"]["request"]["type"] == "LaunchRequest" and launch["session_open"]
    safety = device.say("is it safe if I'm pregnant")
    assert safety["understood"]["intent"] == "CheckSafetyIntent"
    assert "pregnan" in safety["speech"].lower()
    device.clock.set_fast(True)
    asked = device.say("start a one minute session")
    # Before consent the local Alexa answers 401 and the skill asks with Connections.SendRequest.
    assert asked["permission_question"]
    assert [d["type"] for d in asked["response"]["response"]["directives"]] == [
        "Connections.SendRequest"]
    assert device.state()["timers"] == []
    started = device.say("yes")
    assert started["request"]["request"]["type"] == "Connections.Response"
    assert started["request"]["request"]["payload"]["status"] == "ACCEPTED"
    assert "1 minute" in started["speech"]
    timer = device.state()["timers"][0]
    assert 0 < timer["remaining"] <= 60 and timer["duration"] == 60
    event = wait_for(lambda: device.state()["events"], what="the timer's announcement")[0]
    assert event["kind"] == "timer" and event["text"]
    assert device.state()["timers"] == []
    progress = device.say("how am I doing")
    assert progress["understood"]["intent"] == "ProgressIntent"
    assert "1 of" in progress["speech"]


def test_a_weekly_reminder_is_asked_for_set_listed_rung_and_stopped(device: Device) -> None:
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    asked = device.say("remind me to use my mat on mondays and fridays at seven pm")
    slots = asked["request"]["request"]["intent"]["slots"]
    assert [v["value"] for v in slots["days"]["slotValue"]["values"]] == ["mondays", "fridays"]
    assert slots["time"]["value"] == "19:00"
    # Before consent the Reminders API answers 401 and the skill asks for the reminders scope.
    [directive] = asked["response"]["response"]["directives"]
    assert directive["payload"]["permissionScope"] == "alexa::alerts:reminders:skill:readwrite"
    assert "reminders" in asked["permission_question"] and device.state()["reminders"] == []
    set_ = device.say("yes")
    request = set_["request"]["request"]
    assert request["type"] == "Connections.Response"
    assert request["payload"] == {"permissionScope": "alexa::alerts:reminders:skill:readwrite",
                                  "status": "ACCEPTED"}
    assert set_["alexa_said"] == "Reminders allowed."
    assert "Monday" in set_["speech"] and "Friday" in set_["speech"], set_["speech"]
    assert not device.state()["timers_allowed"]  # reminders only: timers are another scope
    [listed] = device.state()["reminders"]
    assert (listed["days"], listed["time"]) == (["Monday", "Friday"], "19:00")
    told = device.say("what reminders do I have")
    assert told["understood"]["intent"] == "ListRemindersIntent"
    assert "Monday" in told["speech"] and "Friday" in told["speech"], told["speech"]

    # A reminder a few minutes ahead on the fast clock rings within seconds.
    device.clock.set_fast(True)
    zone = ZoneInfo(device.alexa.zone)
    due = datetime.fromtimestamp(device.clock.time(), zone) + timedelta(minutes=4)
    when = f"{due.hour % 12 or 12}:{due.minute:02d} {'am' if due.hour < 12 else 'pm'}"
    day = due.strftime("%A").lower()
    # (Monday's or Friday's may have rung already, should the fast clock have passed one.)
    seen = max((e["number"] for e in device.state()["events"]), default=0)
    soon = device.say(f"remind me to use my mat on {day} at {when}")
    assert soon["understood"]["intent"] == "SetReminderIntent" and soon["status"] == 200
    [listed] = device.state()["reminders"]  # the new schedule replaces the old one
    assert (listed["days"], listed["time"]) == ([day.capitalize()], f"{due:%H:%M}")
    rung = wait_for(lambda: [e for e in device.state(seen)["events"] if e["kind"] == "reminder"],
                    what="the reminder to ring")
    assert len(rung) == 1 and rung[0]["text"] == listed["text"] and rung[0]["text"]
    assert device.state()["reminders"] == [listed]  # weekly: it rings again next week

    stopped = device.say("stop my reminders")
    assert stopped["understood"]["intent"] == "StopRemindersIntent"
    assert stopped["speech"] and device.state()["reminders"] == []


def test_the_local_reminders_ring_weekly_on_their_clock() -> None:
    from datetime import UTC, datetime, timedelta

    from skill.tryout.reminders import LocalReminders

    monday = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
    now = [monday]
    local = LocalReminders(clock=lambda: now[0])
    body = {"requestTime": "2026-11-23T18:00:00",
            "trigger": {"type": "SCHEDULED_ABSOLUTE", "scheduledTime": "2026-11-23T20:30:00",
                        "timeZoneId": "Europe/Berlin",
                        "recurrence": {"startDateTime": "2026-11-23T18:00:00",
                                       "recurrenceRules": [
                                           "FREQ=WEEKLY;BYDAY=MO,TH;BYHOUR=20;BYMINUTE=30"]}},
            "alertInfo": {"spokenInfo": {"content": [{"locale": "en-US", "text": "Mat!"}]}}}
    from werkzeug import Request
    from werkzeug.test import EnvironBuilder

    created = local.handle(Request(EnvironBuilder(
        method="POST", path="/v1/alerts/reminders", json=body,
        headers={"Authorization": "Bearer me"}).get_environ()))
    assert created.status_code == 200
    assert local.due(monday + timedelta(hours=1, minutes=29)) == []  # 20:29 in Berlin
    [rang] = local.due(monday + timedelta(hours=1, minutes=30))
    assert rang.text == "Mat!" and local.due(monday + timedelta(hours=2)) == []
    assert rang.next_ring == datetime(2026, 11, 26, 19, 30, tzinfo=UTC)  # Thursday, 20:30 CET
    assert [r.text for r in local.due(datetime(2026, 11, 30, tzinfo=UTC))] == ["Mat!"]
    assert rang.status == "ON"  # weekly: never completed


def test_denied_timers_get_the_consent_card_and_the_app_can_allow_them(device: Device) -> None:
    device.say("start a ten minute session")
    denied = device.answer_permission(False)
    assert denied["request"]["request"]["payload"]["status"] == "DENIED"
    assert denied["card"]["type"] == "AskForPermissionsConsent" and denied["speech"]
    assert not device.state()["timers_allowed"]
    allowed = device.allow_in_app()
    assert allowed["status"] == 200 and device.state()["timers_allowed"]
    assert allowed["request"]["request"]["type"] == "AlexaSkillEvent.SkillPermissionChanged"
    started = device.say("ask mat coach to start a ten minute session")
    assert not started["permission_question"] and device.state()["timers"]


@pytest.mark.parametrize("text", ["", "   ", "a" * 10_000, "<script>alert('x')</script>",
                                  "<img src=x onerror=alert(1)>", "\u202e\u0000 ?!"])
def test_bad_input_gets_a_spoken_helpful_answer(device: Device, text: str) -> None:
    turn = device.say(text)
    assert turn["status"] == 200
    assert turn["understood"]["intent"] == FALLBACK
    assert len(turn["speech"].split()) >= 5  # said, and says what one can do


def test_the_endpoint_verifies_every_request(tryout: TryOut, device: Device) -> None:
    envelope = device.envelope({"type": "LaunchRequest"})
    body = json.dumps(envelope).encode()
    unsigned = requests.post(tryout.skill_url, data=body, timeout=10,
                             headers={"Content-Type": "application/json"})
    assert unsigned.status_code == 400
    stranger = LocalCA().signer  # right shape, wrong root
    forged = requests.post(tryout.skill_url, data=body, headers=stranger.headers(body),
                           timeout=10)
    assert forged.status_code == 400
    signed = requests.post(tryout.skill_url, data=body, headers=device.signer.headers(body),
                           timeout=10)
    assert signed.status_code == 200


# --- the page's API, and what production never has ----------------------------------------------
def test_the_page_api(device: Device) -> None:
    client = create_page_app(device).test_client()
    page = client.get("/")
    assert page.status_code == 200 and b"demonstration" in page.data
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert b"<script>" not in page.data  # no inline script: the CSP allows none
    about = client.get("/api/about").get_json()
    assert about["voice_input"] == speech.voice_input_available()
    if not about["voice_input"]:
        assert "[voice]" in about["voice_hint"]
        refused = client.post("/api/listen", data=b"\x00\x00")
        assert refused.status_code == 501 and "[voice]" in refused.get_json()["error"]
    turn = client.post("/api/say", json={"text": "open mat coach"}).get_json()
    assert turn["status"] == 200 and turn["speech"]
    assert client.post("/api/say", data="not json").get_json()["status"] == 200
    assert client.get("/static/../page.py").status_code == 404
    spoken = client.get("/api/speech?text=hello")
    assert spoken.status_code == (200 if speech.espeak_path() else 404)


def test_serve_never_has_the_device_page(tmp_path: Path) -> None:
    app = create_app(Settings(verify_requests=False, store_url=f"sqlite://{tmp_path / 'x.db'}"))
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    assert {"/", "/healthz"} <= rules <= {"/", "/healthz", "/static/<path:filename>"}
    for path in (ROOT / "skill").rglob("*.py"):
        if "tryout" in path.parts or path.name == "cli.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith("skill.tryout"), path
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("skill.tryout") for a in node.names), path


# --- the console, and the command -------------------------------------------------------------
def test_the_console_plays_a_session_and_announces_the_timer(device: Device) -> None:
    out = io.StringIO()
    announced = threading.Event()

    class Watched(io.StringIO):
        def write(self, text: str) -> int:
            if "[timer" in text:
                announced.set()
            return out.write(text)

    def lines() -> Iterator[str]:
        yield from ("open mat coach\n", "/fast\n", "start a one minute session\n", "yes\n")
        assert announced.wait(15), "no announcement"
        yield "how am I doing\n"

    from skill.tryout.command import console

    assert console(device, lines(), Watched(), speak=False) == 0
    text = out.getvalue()
    assert "understood: LaunchRequest" in text
    assert "would like to use your timers" in text
    assert text.index("[timer") < text.index("understood: ProgressIntent")


def test_mat_coach_try_starts_without_a_browser(tmp_path: Path) -> None:
    port = free_port()
    environment = {**os.environ, "HOME": str(tmp_path), "DISPLAY": ""}
    process = subprocess.Popen(
        [sys.executable, "-m", "skill.cli", "try", "--no-browser", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environment,
        cwd=tmp_path,
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_until_up(url, process, timeout=60)
        page = requests.get(url, timeout=30)
        assert page.status_code == 200 and "demonstration" in page.text
        turn = requests.post(url + "api/say", json={"text": "open mat coach"}, timeout=30)
        assert turn.json()["status"] == 200
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
    assert f"device page is on {url}" in output
    assert "verification on" in output


# --- voice input (optional) -----------------------------------------------------------------------
def test_the_voice_grammar_is_built_from_the_model() -> None:
    from skill.tryout.listening import grammar

    model = InteractionModel.load("en-US")
    text = grammar(model)
    assert text.startswith("#JSGF V1.0;")
    assert "is it safe if i'm <type_SafetyCondition>" in text
    assert "<type_SafetyCondition> = (" in text and "pregnant" in text
    assert "( open | launch ) mat coach" in text
    # A word the dictionary cannot say drops its samples, not the grammar.
    assert "pregnant" not in grammar(model, known=lambda word: word != "pregnant")


@pytest.mark.slow
@pytest.mark.skipif(not (speech.voice_input_available() and speech.espeak_path()),
                    reason="needs the voice extra (pocketsphinx) and espeak-ng")
def test_spoken_words_are_recognised_offline() -> None:
    import wave

    import numpy as np

    from skill.tryout.listening import SAMPLE_RATE, recognise

    audio = speech.synthesize("open mat coach")
    assert audio is not None
    with wave.open(io.BytesIO(audio)) as wav:
        rate = wav.getframerate()
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(float)
    resampled = np.interp(np.arange(0, len(samples), rate / SAMPLE_RATE),
                          np.arange(len(samples)), samples)
    noisy = resampled + np.random.default_rng(1).normal(0, 30, len(resampled))  # a room
    assert recognise(noisy.astype("<i2").tobytes(), InteractionModel.load("en-US")) == (
        "open mat coach")


# --- an elicited slot, the local Alexa's clock and the fast clock --------------------------------
def test_an_unclear_length_is_asked_again_and_the_answer_fills_it(device: Device) -> None:
    device.alexa.grant(device.token)
    asked = device.say("start a session for two days")
    slot = asked["request"]["request"]["intent"]["slots"]["duration"]
    assert slot["value"] == "P2D"  # as Alexa fills AMAZON.DURATION
    assert asked["eliciting"] == "duration" and asked["session_open"]
    answered = device.say("twenty minutes")
    request = answered["request"]["request"]
    assert request["intent"]["name"] == "StartSessionIntent"
    assert request["dialogState"] == "IN_PROGRESS"
    assert request["intent"]["slots"]["duration"]["value"] == "PT20M"
    assert not answered["request"]["session"]["new"]
    assert "20 minute" in answered["speech"]
    assert device.state()["timers"][0]["duration"] == 20 * 60


def test_a_goal_without_its_number_is_asked_for_and_a_bare_number_answers(device: Device) -> None:
    device.say("open mat coach")
    asked = device.say("set myself a goal")
    assert asked["request"]["request"]["intent"]["name"] == "SetGoalIntent"
    assert asked["eliciting"] == "count" and asked["session_open"]
    answered = device.say("four")
    request = answered["request"]["request"]
    assert request["intent"]["name"] == "SetGoalIntent"
    assert request["intent"]["slots"]["count"]["value"] == "4"
    assert "4 sessions" in answered["speech"]


def test_the_local_alexa_announces_and_reports_times_on_the_wall_clock() -> None:
    from datetime import UTC, datetime, timedelta

    from werkzeug import Request
    from werkzeug.test import EnvironBuilder

    from skill.tryout.alexa import LocalAlexa

    noon = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    now = {"fast": noon, "wall": noon}
    alexa = LocalAlexa(clock=lambda: now["fast"], wall=lambda: now["wall"])

    def call(method: str, path: str, body: dict | None = None) -> object:
        return alexa.handle(Request(EnvironBuilder(
            method=method, path=path, json=body,
            headers={"Authorization": "Bearer me"}).get_environ()))

    timer = {"duration": "PT10M", "timerLabel": "mat",
             "creationBehavior": {"displayExperience": {"visibility": "VISIBLE"}},
             "triggeringBehavior": {"operation": {
                 "type": "ANNOUNCE", "textToAnnounce": [{"locale": "en-US", "text": "Up!"}]},
                 "notificationConfig": {"playAudible": True}}}
    alexa.revoke("me")
    assert call("POST", "/v1/alerts/timers", timer).status_code == 401
    alexa.grant("me")
    assert call("POST", "/v1/alerts/timers", timer).status_code == 200
    now["fast"] = noon + timedelta(minutes=4)  # four fast minutes, one real second
    now["wall"] = noon + timedelta(seconds=1)
    listed = json.loads(call("GET", "/v1/alerts/timers").get_data())["timers"]
    assert listed[0]["triggerTime"] == "2026-11-23T12:06:01.000Z"  # wall + 6 minutes left
    assert alexa.events_after(0, "me") == []
    now["fast"] = noon + timedelta(minutes=10)
    [event] = alexa.events_after(0, "me")
    assert (event.kind, event.text, event.label) == ("timer", "Up!", "mat")
    assert alexa.events_after(event.number, "me") == [] and alexa.timers_of("me") == []
    spoken = call("POST", "/v1/directives",
                  {"header": {"requestId": "r"},
                   "directive": {"type": "VoicePlayer.Speak", "speech": "One moment"}})
    assert spoken.status_code == 204
    assert alexa.events_after(event.number, "me")[0].text == "One moment"


def test_the_fast_clock_runs_sixty_times_faster_and_never_back() -> None:
    from skill.tryout.clock import FAST_RATE, TryClock

    wall = [1000.0]
    clock = TryClock(wall=lambda: wall[0])
    wall[0] += 10
    assert clock.time() == 1010.0
    clock.set_fast(True)
    wall[0] += 1
    assert clock.time() == 1010.0 + FAST_RATE
    clock.set_fast(False)
    before = clock.time()
    wall[0] += 1
    assert clock.time() == before + 1


def test_ci_installs_chromium_and_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = [block.strip() for block in readme.split("```bash\n")[1:3]]
    commands = [block.split("\n```", 1)[0] for block in commands]
    assert commands[0].endswith(".venv/bin/mat-coach try")
    assert "[test]" not in commands[0]  # the first command needs no test extra
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    install = next(i for i, line in enumerate(lines) if "apt-get install -y chromium" in line)
    assert lines[install].startswith("command -v chromium >/dev/null ||")
    assert lines[-1] == commands[1] and install < len(lines) - 1


# --- another language on the same device ---------------------------------------------------------
@pytest.fixture(params=OTHERS, ids=lambda lang: lang.locale)
def spoken(request: pytest.FixtureRequest) -> SpokenLanguage:
    return request.param


@pytest.fixture
def other_device(tryout: TryOut, spoken: SpokenLanguage) -> Device:
    """A new user (no session, no routine, nothing allowed) whose Echo speaks another
    language, on the running try-out, real clock."""
    import secrets

    from skill.tryout.model import available_locales

    old = tryout.device
    assert old is not None
    fresh = Device(endpoint=old.endpoint, api_origin=old.api_origin, signer=old.signer,
                   understanding=Understanding.for_locale(spoken.locale), alexa=old.alexa,
                   clock=old.clock, locales=available_locales(),
                   user_id=f"amzn1.ask.account.LOCALTRY{secrets.token_hex(8).upper()}")
    fresh.clock.set_fast(False)
    return fresh


def test_the_locales_to_try_are_the_models_that_have_word_rules() -> None:
    from skill.tryout.languages import language_codes
    from skill.tryout.model import available_locales

    models = sorted(p.stem for p in (ROOT / "interaction_models").glob("*-*.json"))
    assert available_locales() == tuple(m for m in models if m[:2] in language_codes())
    assert {lang.locale for lang in LANGUAGES.values()} <= set(available_locales())


def test_a_device_sends_its_language_and_hears_answers_in_it(other_device: Device,
                                                            spoken: SpokenLanguage) -> None:
    from skill.content import catalogue_for
    from testkit.checks import mentions, says

    say, said, locale = catalogue_for(spoken.locale), spoken.phrases, spoken.locale
    alexa = other_device.language
    name = catalogue_for(spoken.locale).text("listing.name")
    assert other_device.locale == locale and alexa.code == spoken.code
    launch = other_device.say(said.open)
    assert launch["request"]["request"]["locale"] == locale and launch["locale"] == locale
    assert says(launch["speech"], say, "launch.new"), launch["speech"]
    asked = other_device.say(said.start_twenty)
    assert asked["request"]["request"]["intent"]["slots"]["duration"]["value"] == "PT20M"
    assert asked["permission_question"] == alexa.alexa_says("alexa_timers.question", name)
    allowed = other_device.say(said.yes_gladly)  # the language's yes answers Alexa's question
    assert allowed["request"]["request"]["payload"]["status"] == "ACCEPTED"
    assert allowed["alexa_said"] == alexa.alexa_says("alexa_timers.allowed", name)
    assert mentions(allowed["speech"], say, "start.started",
                    length=say.count("length", 20)), allowed["speech"]
    weekly = other_device.say(said.evening)
    slots = weekly["request"]["request"]["intent"]["slots"]
    assert slots["time"]["value"] == "19:30"
    assert [v["value"] for v in slots["days"]["slotValue"]["values"]] == [said.evening_day]
    refused = other_device.say(said.no)
    assert refused["request"]["request"]["payload"]["status"] == "DENIED"
    assert refused["alexa_said"] == alexa.alexa_says("alexa_reminders.refused", name)
    assert refused["card"]["title"] == alexa.alexa_says("alexa_reminders.card.title", name)


def test_switching_the_language_starts_a_new_conversation_in_it(other_device: Device,
                                                                spoken: SpokenLanguage) -> None:
    other_device.say(spoken.phrases.open)
    assert other_device.conversation.session_id is not None
    other_device.switch_locale("en-GB")
    assert other_device.conversation.session_id is None  # a new conversation
    heard = other_device.say("open mat coach")
    assert heard["understood"]["launch"] and heard["request"]["request"]["locale"] == "en-GB"
    assert re.search(r"(?i)\b(you|your|the)\b", heard["speech"]), heard["speech"]  # English
    with pytest.raises(ValueError, match=NO_MODEL):
        other_device.switch_locale(NO_MODEL)
    assert other_device.locale == "en-GB"


def test_the_page_switches_language_and_speaks_with_its_voice(other_device: Device,
                                                              spoken: SpokenLanguage,
                                                              monkeypatch) -> None:
    voices: list[str] = []
    monkeypatch.setattr(speech, "synthesize",
                        lambda text, voice="en-us", **kw: voices.append(voice) or b"RIFF")
    rules = other_device.language
    other_device.switch_locale("en-US")
    client = create_page_app(other_device).test_client()
    about = client.get("/api/about").get_json()
    assert {"locale": spoken.locale, "language": rules.name} in about["locales"]
    assert {"locale": "en-US", "language": "English"} in about["locales"]
    assert about["locale"] == "en-US" and about["examples"][0] == "open mat coach"
    assert client.post("/api/locale", json={"locale": "../../etc"}).status_code == 400
    assert client.post("/api/locale", json={}).status_code == 400
    switched = client.post("/api/locale", json={"locale": spoken.locale}).get_json()
    assert (switched["locale"], switched["language"]) == (spoken.locale, rules.name)
    assert switched["examples"][0] == spoken.phrases.open.lower()
    assert not switched["voice_input"] and switched["voice_hint"]  # English-only recogniser
    assert client.get("/api/state").get_json()["locale"] == spoken.locale
    turn = client.post("/api/say", json={"text": spoken.phrases.open}).get_json()
    assert turn["locale"] == spoken.locale
    assert turn["request"]["request"]["locale"] == spoken.locale
    client.get("/api/speech?text=Hallo")
    client.get("/api/speech?text=Hello&locale=en-US")  # a reply said before the switch
    client.get("/api/speech?text=Hallo&locale=xx-XX")  # not the device's: its own voice
    assert voices == [rules.voice, "en-us", rules.voice]


def test_the_console_talks_each_language(other_device: Device, spoken: SpokenLanguage) -> None:
    from skill.tryout.command import console

    rules = other_device.language
    name = catalogue_for(spoken.locale).text("listing.name")
    out = io.StringIO()
    lines = [f"{spoken.phrases.open.lower()}\n", f"{spoken.phrases.start_ten}\n", "/deny\n"]
    assert console(other_device, iter(lines), out, speak=False) == 0
    text = out.getvalue()
    assert f"in {rules.name} ({spoken.locale})" in text
    assert spoken.phrases.open.lower() in text
    assert "understood: LaunchRequest" in text
    assert "understood: StartSessionIntent duration=PT10M" in text
    assert f"Alexa: {rules.alexa_says('alexa_timers.question', name)}" in text
    assert f"Alexa: {rules.alexa_says('alexa_timers.refused', name)}" in text


def test_mat_coach_try_names_the_locales_it_has(capsys) -> None:
    import argparse

    from skill.tryout.command import add_arguments, run

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert run(parser.parse_args(["--locale", NO_MODEL, "--console"])) == 2
    assert "de-DE" in capsys.readouterr().err
    assert parser.parse_args([]).locale == "en-US"


# --- screens, a new user, the device's zone ----------------------------------------------------
def test_the_page_switches_device_and_sends_touches(device: Device) -> None:
    device.start_over()  # a user of its own: no session left running by another test
    client = create_page_app(device).test_client()
    about = client.get("/api/about").get_json()
    names = [d["name"] for d in about["devices"]]
    assert names[0] == about["device"] == "echo-dot" and "echo-show-8" in names
    assert next(d for d in about["devices"] if d["name"] == "echo-dot")["viewport"] is None
    tv = next(d for d in about["devices"] if d["name"] == "fire-tv")["viewport"]
    assert (tv["mode"], tv["width"], tv["height"]) == ("tv", 960, 540)  # dp at 320 dpi

    voice = client.post("/api/say", json={"text": "open mat coach"}).get_json()
    assert voice["screen"] is None
    assert voice["request"]["context"]["System"]["device"]["supportedInterfaces"] == {}
    assert client.post("/api/device", json={"device": "echo-show-5"}).get_json() == {
        "device": "echo-show-5"}
    shown = client.post("/api/say", json={"text": "open mat coach"}).get_json()
    assert shown["request"]["context"]["Viewport"]["pixelWidth"] == 960
    assert shown["screen"]["token"] == "mat-coach.welcome"
    touched = client.post("/api/touch", json={"arguments": ["progress", 0]}).get_json()
    assert touched["request"]["request"]["type"] == "Alexa.Presentation.APL.UserEvent"
    assert touched["request"]["request"]["token"] == "mat-coach.welcome"
    assert touched["status"] == 200 and touched["speech"]
    assert touched["screen"]["token"] == "mat-coach.progress"

    for bad in ({"device": "echo-show-99"}, {"device": 3}, "not json"):
        refused = client.post("/api/device", json=bad)
        assert refused.status_code == 400 and "error" in refused.get_json()
    for bad in ({"arguments": "start"}, {"arguments": [{"x": 1}]}, {"arguments": [True]}, {}):
        refused = client.post("/api/touch", json=bad)
        assert refused.status_code == 400 and "error" in refused.get_json()


def test_starting_over_is_a_new_user_with_nothing_allowed_or_set(device: Device) -> None:
    device.alexa.grant(device.token)
    device.say("open mat coach")
    device.say("start a two minute session")
    assert device.state(10**9)["timers"]
    old_user = device.user_id
    device.start_over()
    assert device.user_id != old_user
    fresh = device.state(10**9)
    assert fresh["timers"] == [] and fresh["reminders"] == []
    assert fresh["timers_allowed"] is False and fresh["reminders_allowed"] is False
    welcome = device.say("open mat coach")
    assert welcome["request"]["context"]["System"]["user"]["userId"] == device.user_id
    assert catalogue_line_said(welcome["speech"], "launch.new")


def catalogue_line_said(speech_said: str, key: str) -> bool:
    from skill.content import catalogue_for
    from testkit.checks import says

    return says(speech_said, catalogue_for("en-US"), key)


def test_the_device_clock_and_timer_labels_are_in_the_device_zone() -> None:
    with TryOut(voice_seed=3, zone="Pacific/Chatham", page=False) as tryout:
        assert tryout.page_url == ""  # the console's try-out serves no page
        device = tryout.device
        assert device is not None
        state = device.state(10**9)
        assert state["zone"] == "Pacific/Chatham"
        local = datetime.fromtimestamp(state["clock_ms"] // 1000, ZoneInfo("Pacific/Chatham"))
        assert state["local_clock"] == local.strftime("%Y-%m-%d %H:%M:%S")
        device.alexa.grant(device.token)
        device.say("start a five minute session")
        (timer,) = device.state(10**9)["timers"]
        shown = re.search(r"(\d\d):(\d\d)", timer["label"])
        assert shown is not None, timer["label"]
        labelled = local.replace(hour=int(shown.group(1)), minute=int(shown.group(2)))
        # Chatham is 12:45 or 13:45 ahead of UTC: a label in UTC (or this machine's zone)
        # would be far from the device's local time.
        assert abs((labelled - local).total_seconds()) <= 120


def test_mat_coach_try_refuses_a_zone_it_does_not_know(capsys) -> None:
    import argparse

    from skill.tryout.command import add_arguments, run

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert run(parser.parse_args(["--zone", "Mars/Olympus", "--console"])) == 2
    assert "not a time zone" in capsys.readouterr().err


def test_the_voice_hint_names_the_install_command_the_readme_uses() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first = readme.split("```bash\n")[1].split("\n```", 1)[0]
    install = re.search(r"(\S+/pip install -e) \.", first)
    assert install is not None
    assert f"{install.group(1)} '.[voice]'" in speech.VOICE_EXTRA_HINT


def test_the_console_on_an_echo_show_says_which_screen_it_shows() -> None:
    from skill.tryout.command import console

    with TryOut(voice_seed=2, page=False, device="echo-show-5") as tryout:
        assert tryout.device is not None and tryout.device.device == "echo-show-5"
        out = io.StringIO()
        assert console(tryout.device, iter(["open mat coach\n", "how am I doing\n"]), out,
                       speak=False) == 0
    text = out.getvalue()
    assert text.index("[screen] welcome") < text.index("[screen] progress")

"""Echo Show screens through both doors: which screen each answer shows, what it says, that
Amazon's APL validator accepts every document and data source sent, and that a device without
a screen gets exactly the spoken answer it always got."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine

from skill.content import catalogue_for
from skill.screens import SCREENS, document
from skill.timers import TIMERS_SCOPE
from skill.tryout.devices import DEVICES
from testkit import apl_check
from testkit import envelopes as env
from testkit.checks import speech_of
from testkit.conversation import Conversation

EN, DE = catalogue_for("en-US"), catalogue_for("de-DE")
MONDAY_NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
SHOW = "echo-show-8"
SCREEN_DEVICES = sorted(name for name, screen in DEVICES.items() if screen is not None)


def play(send, api_endpoint: str, device: str | None, locale: str = "en-US",
         user_id: str = env.USER_ID) -> list[dict]:
    """One user's week in requests that between them show every screen: open, ask about
    safety and the mat, start, ask the time left, pause, resume, end, and ask about the week."""
    talk = Conversation(send, api_endpoint=api_endpoint, device=device, locale=locale,
                        user_id=user_id)
    answers = []
    with time_machine.travel(MONDAY_NOON, tick=False) as clock:
        answers.append(talk.launch())
        answers.append(talk.intent("CheckSafetyIntent", {
            "condition": env.slot("condition", "pregnant", "PREGNANCY")}))
        answers.append(talk.intent("AboutMatIntent"))
        talk.reset()
        answers.append(talk.intent("StartSessionIntent", {"minutes": "20"}))
        clock.shift(timedelta(minutes=4))
        answers.append(talk.intent("TimeLeftIntent"))
        answers.append(talk.intent("AMAZON.PauseIntent"))
        clock.shift(timedelta(minutes=2))
        answers.append(talk.intent("AMAZON.ResumeIntent"))
        clock.shift(timedelta(minutes=3))
        answers.append(talk.intent("EndSessionIntent"))
        talk.reset()
        answers.append(talk.intent("ProgressIntent"))
    return answers


EXPECTED = ["welcome", "answer", "answer", "session", "session", "paused", "session", "done",
            "progress"]


@pytest.fixture
def shown(send, api_endpoint, timers_fake) -> list[dict]:
    return play(send, api_endpoint, SHOW)


def test_each_answer_shows_its_screen(shown):
    assert [apl_check.screen_name(answer) for answer in shown] == EXPECTED
    assert set(EXPECTED) == set(SCREENS)


def test_every_document_and_data_source_sent_is_valid(shown, send, api_endpoint):
    """English and German, on a round screen too: every RenderDocument the week sent."""
    reason = apl_check.unavailable()
    if reason:
        pytest.skip(reason)
    german = play(send, api_endpoint, "echo-spot", "de-DE", user_id="amzn1.ask.account.DE")
    entries = [{"name": f"{i}-{apl_check.screen_name(answer)}",
                "document": apl_check.screen_of(answer)["document"],
                "datasources": apl_check.screen_of(answer)["datasources"]}
               for i, answer in enumerate(shown + german)]
    assert len(entries) == 2 * len(EXPECTED)
    findings = apl_check.validate(entries)
    assert set(findings) == {entry["name"] for entry in entries}
    assert {name: found for name, found in findings.items() if found} == {}


def test_the_validator_finds_a_broken_document():
    reason = apl_check.unavailable()
    if reason:
        pytest.skip(reason)
    broken = json.loads(json.dumps(document("welcome")))
    broken["mainTemplate"]["item"]["item"]["items"][0]["fontSzie"] = "20dp"
    del broken["type"]
    findings = apl_check.validate([{"name": "broken", "document": broken,
                                    "datasources": {"screen": []}}])
    assert len(findings["broken"]) >= 2


def _paths(value: object) -> set[str]:
    """Every `payload.screen.<field>` a document reads."""
    return set(re.findall(r"payload\.screen\.(\w+)", json.dumps(value)))


def test_every_field_a_document_reads_is_in_its_data_source(shown):
    for answer in shown:
        sent = apl_check.screen_of(answer)
        source = sent["datasources"]["screen"]
        assert _paths(sent["document"]) <= set(source), apl_check.screen_name(answer)
        assert all(isinstance(button["label"], str) and button["label"]
                   for button in source.get("buttons", []))


def test_responses_stay_within_alexas_limits(shown):
    sizes = [len(json.dumps(answer).encode("utf-8")) for answer in shown]
    assert max(sizes) <= apl_check.MAX_APL_RESPONSE_BYTES
    assert max(sizes) <= 24 * 1024  # the documents are small enough for the stricter limit too


def test_the_countdown_ticks_on_the_device_from_the_session_end(shown):
    started = shown[3]
    source = apl_check.screen_of(started)["datasources"]["screen"]
    assert source["endsAt"] == int((MONDAY_NOON + timedelta(minutes=20)).timestamp()) * 1000
    text = json.dumps(apl_check.screen_of(started)["document"])
    assert "utcTime" in text and "payload.screen.endsAt" in text
    # The screen stays up with the microphone closed while the session runs.
    assert "shouldEndSession" not in started["response"]
    assert apl_check.screen_of(started)["document"]["settings"]["idleTimeout"] >= 20 * 60_000
    # New users get check-ins: the ones still to come are listed, each with its moment.
    assert [mark["label"] for mark in source["checkins"]] == [
        EN.text("screen.checkin.eased"), EN.text("screen.checkin.halfway"),
        EN.text("screen.checkin.last_minute")]
    later = apl_check.screen_of(shown[4])["datasources"]["screen"]
    assert [mark["label"] for mark in later["checkins"]] == [
        EN.text("screen.checkin.halfway"), EN.text("screen.checkin.last_minute")]


def test_paused_done_progress_and_answers_say_what_happened(shown):
    paused = apl_check.screen_of(shown[5])["datasources"]["screen"]
    assert paused["left"] == "16:00"
    assert paused["hint"] == EN.text("screen.paused.hint")
    done = apl_check.screen_of(shown[7])["datasources"]["screen"]
    assert done["minutes"] == EN.count("minute", 7)
    assert done["advice"] == EN.text("screen.done.advice")
    week = apl_check.screen_of(shown[8])["datasources"]["screen"]
    assert [day["label"] for day in week["days"]] == [
        EN.text(f"screen.day.{d}") for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")]
    assert [day["minutes"] for day in week["days"]] == ["7", "0", "0", "0", "0", "0", "0"]
    assert week["days"][0]["today"] and week["days"][0]["percent"] == 100
    safety = apl_check.screen_of(shown[1])["datasources"]["screen"]
    assert safety["title"] == EN.text("screen.answer.safety")
    assert safety["doctor"] == EN.text("screen.answer.doctor")
    assert EN.text("safety.condition.PREGNANCY") in safety["text"]
    about = apl_check.screen_of(shown[2])["datasources"]["screen"]
    assert about["title"] == EN.text("screen.answer.explain") and about["doctor"] == ""


def test_a_device_without_a_screen_hears_exactly_the_same(entry_point, settings, api_endpoint,
                                                          timers_fake, tmp_path):
    """Two skills with the same voice seed and fresh stores, one user each: the only
    difference a screen makes is the screen (and a session's screen staying up)."""
    with_screen = play(entry_point(settings), api_endpoint, SHOW)
    timers_fake.reset()
    other = replace(settings, store_url=f"sqlite:///{tmp_path / 'voice.db'}")
    without = play(entry_point(other), api_endpoint, None)
    for screen, voice in zip(with_screen, without, strict=True):
        assert not apl_check.screens_of(voice)
        body = dict(screen["response"])
        body["directives"] = [d for d in body.get("directives", [])
                              if d["type"] != apl_check.RENDER_DOCUMENT]
        if not body["directives"]:
            del body["directives"]
        if "shouldEndSession" not in body:  # the session's screen stays up; the voice closes
            assert voice["response"]["shouldEndSession"] is True
            body["shouldEndSession"] = True
        assert body == voice["response"]


@pytest.mark.parametrize("device", SCREEN_DEVICES)
def test_every_screen_size_gets_the_screens(send, api_endpoint, timers_fake, device):
    answer = Conversation(send, api_endpoint=api_endpoint, device=device).launch()
    assert apl_check.screen_name(answer) == "welcome"


def test_documents_adapt_to_round_small_large_and_tv_viewports():
    conditions = " ".join(r.get("when", "") for r in document("session")["resources"])
    for viewport in ("viewport.shape == 'round'", "viewport.mode == 'tv'",
                     "viewport.height < 600", "viewport.width >= 1600"):
        assert viewport in conditions


def test_screens_speak_the_request_language(send, api_endpoint, timers_fake):
    answers = play(send, api_endpoint, SHOW, locale="de-DE")
    assert [apl_check.screen_name(answer) for answer in answers] == EXPECTED
    welcome = apl_check.screen_of(answers[0])["datasources"]["screen"]
    assert welcome["title"] == DE.text("screen.name") != EN.text("screen.name")
    week = apl_check.screen_of(answers[-1])["datasources"]["screen"]
    assert week["days"][0]["label"] == DE.text("screen.day.mon")


# --- touch ------------------------------------------------------------------------------------
def test_a_touch_on_start_starts_the_session_a_spoken_start_would(send, api_endpoint,
                                                                   timers_fake):
    answer = send(env.touch("start", 15, api_endpoint=api_endpoint))
    assert timers_fake.created()[0]["duration"] == "PT15M"
    assert apl_check.screen_name(answer) == "session"
    assert EN.count("length", 15) in speech_of(answer)


def test_a_touch_asks_the_same_permission_question_as_voice(send, api_endpoint, timers_fake):
    denied = {TIMERS_SCOPE: "DENIED"}
    touched = send(env.touch("start", 20, api_endpoint=api_endpoint, scopes=denied))
    spoken = send(env.intent("StartSessionIntent", {"minutes": "20"}, api_endpoint=api_endpoint,
                             scopes=denied, device=SHOW))
    (directive,) = touched["response"]["directives"]
    assert directive["type"] == "Connections.SendRequest" and directive["token"] == "20"
    assert touched["response"] == spoken["response"]
    assert not timers_fake.paths("POST")


@pytest.mark.parametrize(("action", "screen"), [("safety", "answer"), ("explain", "answer"),
                                                ("progress", "progress")])
def test_touches_answer_as_their_spoken_requests(send, api_endpoint, timers_fake, action,
                                                 screen):
    answer = send(env.touch(action, api_endpoint=api_endpoint))
    assert apl_check.screen_name(answer) == screen
    assert speech_of(answer)


def test_touch_and_voice_interleave_on_one_session(send, api_endpoint, timers_fake):
    talk = Conversation(send, api_endpoint=api_endpoint, device=SHOW)
    with time_machine.travel(MONDAY_NOON, tick=False) as clock:
        talk.say(env.touch, "start", 10)
        clock.shift(timedelta(minutes=2))
        assert apl_check.screen_name(talk.intent("AMAZON.PauseIntent")) == "paused"
        assert apl_check.screen_name(talk.say(env.touch, "resume")) == "session"
        clock.shift(timedelta(minutes=3))
        ended = talk.say(env.touch, "end")
    assert apl_check.screen_name(ended) == "done"
    assert apl_check.screen_of(ended)["datasources"]["screen"]["minutes"] == EN.count("minute", 5)
    assert len(timers_fake.created()) == 1  # one session, one end timer: no touch doubled it


def test_an_unknown_touch_says_what_to_try(send, api_endpoint):
    answer = send(env.touch("dance", api_endpoint=api_endpoint))
    assert apl_check.screen_name(answer) == "welcome"
    assert speech_of(answer) and answer["response"]["reprompt"]


LOADS = """
import json, sys
from skill.lambda_function import create_handler
from skill.settings import Settings
from testkit import envelopes as env

handle = create_handler(Settings(store_url=sys.argv[1], skill_id=env.APP_ID,
                                 verify_requests=False))
seen = []
for device in (None, "echo-show-8"):
    handle(env.launch(device=device), None)
    seen.append(["skill.screens" in sys.modules, "skill.handlers.touch" in sys.modules])
print(json.dumps(seen))
"""


def test_only_a_request_that_sends_a_screen_loads_the_screens(tmp_path):
    """A voice-only request on a Lambda cold start pays for no screen (`bench.deployed`
    measures the whole cold start); the documents are read by the first screen sent."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", LOADS, f"sqlite:///{tmp_path / 'r.db'}"],
                          capture_output=True, text=True, timeout=120, check=True,
                          cwd=Path(__file__).parents[1])
    voice, screen = json.loads(done.stdout.strip().splitlines()[-1])
    assert voice == [False, False]
    assert screen == [True, False]  # a screen is sent; no touch has come yet


def test_the_readme_test_command_installs_the_validator_where_npm_is():
    """The README's test command (which `.ci/run` runs last, after installing node and npm)
    installs the validator from its lock file, and skips that step on a machine without npm."""
    root = Path(__file__).parents[1]
    lines = (root / ".ci" / "run").read_text("utf-8").splitlines()
    command = lines[-1]
    assert f"{{ ! command -v npm >/dev/null || {apl_check.INSTALL}; }}" in command
    assert command.index(apl_check.INSTALL) < command.index("-m pytest")
    assert any(line.startswith("command -v npm >/dev/null ||") for line in lines[:-1])
    lock = json.loads((apl_check.APL_DIR / "package-lock.json").read_text("utf-8"))
    assert "node_modules/apl-suggester" in lock["packages"]

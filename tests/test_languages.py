"""Every language is data: a catalogue, a model source, its clock and its claims list.

A language lacking a line English has, or carrying placeholders English does not fill, fails
here; so does a claim word in any variant of any line. And a new language needs no code: the
product, copied as it is, speaks a made-up one from nothing but its data files.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from skill.content import Catalogue
from skill.deploy.models import build_model
from testkit.checks import banned_claims

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "skill" / "content"
ENGLISH = json.loads((CONTENT / "en.json").read_text("utf-8"))
#: Every language's base catalogue (regional files such as en-GB.json only override lines).
LANGUAGES = sorted(p.stem for p in CONTENT.glob("*.json") if re.fullmatch(r"[a-z]{2}", p.stem))
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _lines(value: object) -> list[str]:
    return list(value) if isinstance(value, list) else [value]  # type: ignore[list-item]


def _catalogue(language: str) -> dict:
    data = json.loads((CONTENT / f"{language}.json").read_text("utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


def test_german_is_among_the_languages() -> None:
    assert {"en", "de"} <= set(LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_every_line_english_has(language: str) -> None:
    ours = _catalogue(language)
    english = {k: v for k, v in ENGLISH.items() if not k.startswith("_")}
    assert set(ours) == set(english)
    for key, value in english.items():
        # Lines heard often keep as many phrasings as English has.
        assert len(_lines(ours[key])) == len(_lines(value)), key
        expected = set(PLACEHOLDER.findall(" ".join(_lines(value))))
        for line in _lines(ours[key]):
            found = set(PLACEHOLDER.findall(line))
            # A singular may spell its number out ("eine Minute"); a 24-hour clock has no am/pm,
            # and one o'clock may be said in words ("la una").
            allowed = {"period", "hour"} if key.startswith("reminders.time.") else (
                {"n"} if key.endswith(".one") else set())
            assert found <= expected and expected - found <= allowed, (key, line)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_line_of_any_language_makes_a_claim(language: str) -> None:
    claims = banned_claims()
    assert language in claims, f"{language} needs its own banned-claims list"
    for key, value in _catalogue(language).items():
        for line in _lines(value):
            assert not claims[language].search(line), (key, line)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_names_its_clock(language: str) -> None:
    assert _catalogue(language)["reminders.time.clock"] in ("12", "24")


def test_one_oclock_has_a_form_of_its_own() -> None:
    """Spanish says "a la una" beside "a las siete", Italian "all'una" beside "alle sette":
    the clock reads a `.one` line for the hour one, and every language has one."""
    lines = {"reminders.time.clock": ("24",), "reminders.time.oclock": ("las {hour}",),
             "reminders.time.oclock.one": ("la una",),
             "reminders.time.minutes": ("las {hour}:{minute}",),
             "reminders.time.minutes.one": ("la una y {minute}",)}
    clock = Catalogue("xx-XX", lines)
    assert [clock.clock_time(h, m) for h, m in ((1, 0), (1, 30), (13, 0), (19, 5))] == [
        "la una", "la una y 30", "las 13", "las 19:05"]
    for language in LANGUAGES:
        assert {"reminders.time.oclock.one", "reminders.time.minutes.one"} <= set(
            _catalogue(language)), language


_SPEAK = """
import json, sys
from skill.lambda_function import create_handler
from skill.settings import Settings
from testkit import envelopes as env

handle = create_handler(Settings(store_url=sys.argv[1], verify_requests=False))
answer = handle(env.envelope({"type": "LaunchRequest", "locale": "nl-NL"}), None)
print(json.dumps(answer))
"""


def test_a_new_language_needs_only_data(tmp_path: Path) -> None:
    """The product copied unchanged, plus a pseudo-Dutch catalogue and model source (every
    English line marked "[nl]"): a Dutch request is answered in it, and its model builds."""
    copy = tmp_path / "checkout"
    for part in ("skill", "testkit", "interaction_models"):
        shutil.copytree(ROOT / part, copy / part,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    pseudo = {k: v if k.startswith("_") or k == "reminders.time.clock" else
              [f"[nl] {line}" for line in v] if isinstance(v, list) else f"[nl] {v}"
              for k, v in ENGLISH.items()}
    (copy / "skill" / "content" / "nl.json").write_text(json.dumps(pseudo), "utf-8")
    source = json.loads((ROOT / "interaction_models" / "source" / "en.json").read_text("utf-8"))
    source["interactionModel"]["languageModel"]["invocationName"] = "mat coach nl"
    (copy / "interaction_models" / "source" / "nl.json").write_text(json.dumps(source), "utf-8")

    model = build_model("nl-NL", root=copy)
    assert model["interactionModel"]["languageModel"]["invocationName"] == "mat coach nl"
    result = subprocess.run(
        [sys.executable, "-c", _SPEAK, f"sqlite://{tmp_path / 'nl.db'}"],
        cwd=copy, env={"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=60, check=True)
    answer = result.stdout.strip().splitlines()[-1]  # after the handler's own request line
    speech = json.loads(answer)["response"]["outputSpeech"]["ssml"]
    assert speech.startswith("<speak>[nl] "), speech

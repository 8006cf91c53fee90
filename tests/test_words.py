"""Every language's word rules against its cases: numbers, lengths, times of day, the skill's
name around a request.

Each language keeps its cases as data (`testkit/data/words/<code>.json`): what Alexa's
recognition hands over for a phrase (AMAZON.NUMBER digits, AMAZON.DURATION ISO-8601,
AMAZON.TIME "HH:MM" or a part-of-day code, nothing at all), checked against the rules in
`skill/tryout/languages/<code>.py`. A new language brings a file; this test reads it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skill.domain.schedule import parse_time as skill_reads_time
from skill.tryout.languages import language_codes, language_for

CASES_DIR = Path(__file__).resolve().parent.parent / "testkit" / "data" / "words"
CASES = {path.stem: json.loads(path.read_text("utf-8"))
         for path in sorted(CASES_DIR.glob("*.json"))}


def _cases(section: str) -> list:
    return [pytest.param(code, *case, id=f"{code}-{case[0] if isinstance(case, list) else case}")
            if isinstance(case, list) else pytest.param(code, case, id=f"{code}-{case}")
            for code, cases in CASES.items() for case in cases.get(section, [])]


def test_every_language_but_english_has_its_cases() -> None:
    """English keeps its cases beside the matcher's own tests (test_tryout, test_nlu)."""
    assert set(CASES) == set(language_codes()) - {"en"}
    for code, cases in CASES.items():
        for section in ("normalise", "numbers", "durations", "times", "launch", "one_shot"):
            assert len(cases.get(section, [])) >= 5, (code, section)


@pytest.mark.parametrize(("code", "text", "expected"), _cases("normalise"))
def test_normalise_keeps_the_languages_letters(code: str, text: str, expected: str) -> None:
    assert language_for(code).normalise(text) == expected


@pytest.mark.parametrize(("code", "text", "expected"), _cases("numbers"))
def test_numbers_as_words_and_digits(code: str, text: str, expected: str | None) -> None:
    assert language_for(code).parse_number(text) == expected


@pytest.mark.parametrize(("code", "text", "expected"), _cases("durations"))
def test_lengths_as_alexa_fills_amazon_duration(code: str, text: str,
                                                 expected: str | None) -> None:
    assert language_for(code).parse_duration(text) == expected


@pytest.mark.parametrize(("code", "said", "value"), _cases("times"))
def test_times_of_day_as_alexa_fills_amazon_time(code: str, said: str, value: str | None) -> None:
    rules = language_for(code)
    found = rules.find_time(rules.normalise(said).split(), whole=True)
    assert (found[0] if found else None) == value
    if value is not None and ":" in value:
        assert skill_reads_time(value) == tuple(int(p) for p in value.split(":"))


@pytest.mark.parametrize(("code", "said"), _cases("launch"))
def test_launch_forms(code: str, said: str) -> None:
    rules = language_for(code)
    assert rules.launch_pattern(CASES[code]["invocation"]).match(rules.normalise(said))


@pytest.mark.parametrize(("code", "said", "handed_over"), _cases("one_shot"))
def test_one_shot_forms_hand_over_the_request(code: str, said: str, handed_over: str) -> None:
    rules, invocation = language_for(code), CASES[code]["invocation"]
    heard = rules.normalise(said)
    assert not rules.launch_pattern(invocation).match(heard)
    lead, tail = rules.one_shot_lead(invocation), rules.one_shot_tail(invocation)
    assert tail.sub("", lead.sub("", heard, count=1), count=1).strip() == handed_over
    # The offline measure strips the same carriers from text as typed.
    typed = rules.invocation_pattern(invocation.title()).sub(" ", said).strip(" ,.")
    assert rules.normalise(typed) == handed_over


@pytest.mark.parametrize("code", sorted(CASES))
def test_english_carriers_do_not_open_another_language(code: str) -> None:
    rules, invocation = language_for(code), CASES[code]["invocation"]
    assert not rules.launch_pattern(invocation).match(f"open {invocation}")
    asked = f"ask {invocation} how long is left"
    assert rules.one_shot_lead(invocation).sub("", asked) == asked

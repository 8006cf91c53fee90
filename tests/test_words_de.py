"""German word rules of the offline matcher beyond the tables every language has.

The tables (numbers, lengths, times of day, the skill's name around a request) are data in
`testkit/data/words/de.json`, read by test_words.py; here: which rules a locale gets, calendar
lengths, a time inside a request, and a small German model read by the matcher.
"""

from __future__ import annotations

import pytest

from skill.tryout.languages import UnknownLanguage, language_codes, language_for
from skill.tryout.model import InteractionModel
from skill.tryout.understanding import Understanding

DE = language_for("de-DE")


# --- which rules a locale gets ----------------------------------------------------------------
def test_a_locale_finds_its_language_by_code() -> None:
    assert {"en", "de"} <= set(language_codes())
    assert language_for("de-DE") is language_for("de-AT") is DE
    assert language_for("en-GB").code == "en" and DE.code == "de"
    assert (DE.name, DE.voice) == ("Deutsch", "de")
    with pytest.raises(UnknownLanguage, match=r"languages/xx\.py"):
        language_for("xx-XX")
    with pytest.raises(UnknownLanguage):
        language_for("rules")  # the shared module is no language


def test_english_letters_of_other_languages_are_kept_too() -> None:
    english = language_for("en-US")
    assert english.normalise("crème brûlée, señor") == "crème brûlée señor"
    assert english.normalise("athlete's foot") == "athletes foot"  # as before


# --- lengths, times (the tables: testkit/data/words/de.json) ----------------------------------
def test_calendar_lengths_are_durations_the_skill_asks_about_again() -> None:
    assert DE.find_calendar(["für", "zwei", "tage"], set()) == ("P2D", 1, 3)
    assert DE.find_calendar(["eine", "woche"], set()) == ("P1W", 0, 2)


def test_a_time_is_found_inside_a_request_and_tomorrow_is_no_morning() -> None:
    assert DE.parse_time("erinnere mich um sieben Uhr morgen") == "07:00"
    assert DE.find_time(["um", "neunzehn", "uhr"]) == ("19:00", 1, 3)
    assert DE.find_time(["morgen"]) is None
    # A bare hour is a time only where a sample frames it as one.
    assert DE.find_time(["um", "sieben"]) == ("07:00", 1, 2)
    assert DE.find_time(["vier", "sitzungen", "pro", "woche"], strict=True) is None
    assert DE.find_time(["sieben"], whole=True) == ("07:00", 0, 1)


# --- a German model, read by the matcher -------------------------------------------------------
TINY = {"interactionModel": {"languageModel": {
    "invocationName": "matten coach",
    "intents": [
        {"name": "StartSessionIntent",
         "slots": [{"name": "duration", "type": "AMAZON.DURATION"}],
         "samples": ["starte eine sitzung", "starte eine sitzung von {duration}",
                     "{duration} auf der matte"]},
        {"name": "TimeLeftIntent", "samples": ["wie lange noch", "wie viel zeit bleibt"]},
        {"name": "SetReminderIntent",
         "slots": [{"name": "days", "type": "Days", "multipleValues": {"enabled": True}},
                   {"name": "time", "type": "AMAZON.TIME"}],
         "samples": ["erinnere mich {days} um {time}", "erinnere mich {days} {time}"]},
        {"name": "SetGoalIntent", "slots": [{"name": "count", "type": "AMAZON.NUMBER"}],
         "samples": ["setze mein ziel auf {count} sitzungen pro woche"]},
        {"name": "AMAZON.StopIntent", "samples": []},
        {"name": "AMAZON.YesIntent", "samples": []},
    ],
    "types": [{"name": "Days", "values": [
        {"id": "MONDAY", "name": {"value": "montag", "synonyms": ["montags"]}},
        {"id": "FRIDAY", "name": {"value": "freitag", "synonyms": ["freitags"]}}]}],
}}}


@pytest.fixture(scope="module")
def tiny() -> Understanding:
    return Understanding(InteractionModel.from_json(TINY, "de-DE"))


def _slots(heard) -> dict[str, object]:
    return {s.name: [i for _, i in s.values] if s.values else s.value
            for s in heard.slots if s.value is not None}


def test_the_matcher_reads_a_german_model_with_german_rules(tiny: Understanding) -> None:
    assert tiny.language is DE
    assert tiny.understand("Öffne Matten Coach").launch
    one_shot = tiny.understand("frag Matten Coach, wie lange noch")
    assert one_shot.invoked and one_shot.intent == "TimeLeftIntent"
    started = tiny.understand("starte eine Sitzung von einer halben Stunde")
    assert (started.intent, _slots(started)) == ("StartSessionIntent", {"duration": "PT30M"})
    assert _slots(tiny.understand("starte eine Sitzung")) == {}  # "eine" is no length
    goal = tiny.understand("setze mein Ziel auf fünf Sitzungen pro Woche")
    assert (goal.intent, _slots(goal)) == ("SetGoalIntent", {"count": "5"})
    weekly = tiny.understand("erinnere mich montags und freitags um neunzehn Uhr")
    assert (weekly.intent, _slots(weekly)) == (
        "SetReminderIntent", {"days": ["MONDAY", "FRIDAY"], "time": "19:00"})
    evening = tiny.understand("erinnere mich freitags halb acht abends")
    assert _slots(evening) == {"days": ["FRIDAY"], "time": "19:30"}


def test_an_elicited_german_answer_fills_the_slot(tiny: Understanding) -> None:
    answer = tiny.understand("eine Viertelstunde", eliciting=("StartSessionIntent", "duration"))
    assert answer.elicited and _slots(answer) == {"duration": "PT15M"}


def test_german_built_in_intents_are_known_natively(tiny: Understanding) -> None:
    assert tiny.understand("stopp").intent == "AMAZON.StopIntent"
    assert tiny.understand("ja bitte").intent == "AMAZON.YesIntent"
    assert "stop it" not in tiny.model.intents["AMAZON.StopIntent"].samples  # no English

"""German word rules of the offline matcher: numbers, lengths, times of day, the invocation.

Each case is what Alexa's German recognition hands over for a phrase (AMAZON.NUMBER digits,
AMAZON.DURATION ISO-8601, AMAZON.TIME "HH:MM" or a part-of-day code), checked against the
rules in `skill/tryout/languages/de.py`; the English ones stay in test_tryout.py and test_nlu.py.
"""

from __future__ import annotations

import pytest

from skill.domain.schedule import parse_time as skill_reads_time
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


@pytest.mark.parametrize(("text", "expected"), [
    ("Größe, Übelkeit & Schwäche", "größe übelkeit und schwäche"),
    ("Ist es sicher, wenn ich schwanger bin?", "ist es sicher wenn ich schwanger bin"),
    ("wie geht\u2019s", "wie gehts"),
    ("Café mañana", "café mañana"),
    ("1,5 Stunden", "1.5 stunden"), ("1.000", "1000"), ("19:30 Uhr", "19 30 uhr"),
    ("19.30 Uhr", "19 30 uhr"),
    ("u\u0308ber", "über"),  # a combining umlaut is one letter
])
def test_normalise_keeps_german_letters(text: str, expected: str) -> None:
    assert DE.normalise(text) == expected


def test_english_letters_of_other_languages_are_kept_too() -> None:
    english = language_for("en-US")
    assert english.normalise("crème brûlée, señor") == "crème brûlée señor"
    assert english.normalise("athlete's foot") == "athletes foot"  # as before


# --- numbers --------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("eins", "1"), ("zwei", "2"), ("zwo", "2"), ("neunzehn", "19"), ("zwanzig", "20"),
    ("dreißig", "30"), ("fünfundzwanzig", "25"), ("einundzwanzig", "21"),
    ("zwei und zwanzig", "22"), ("hundert", "100"), ("einhundertfünf", "105"),
    ("ein hundert", "100"), ("hundertundeins", "101"), ("21", "21"), ("2,5", "2.5"),
    ("setze mein Ziel auf vier Sitzungen pro Woche", "4"),
    ("eine", "1"), ("einen", "1"),  # an answer on its own: "wie viele?" "eine"
    ("starte eine Sitzung", None),  # an article, not a number
    ("acht zehn", "8"),  # two numbers, not eighteen
    ("ich will viermal die Woche auf die Matte", "4"), ("zwölfmal", "12"),
    ("sag das noch einmal", None),  # "once more", not a count
    ("keine Zahl hier", None),
])
def test_numbers_as_words_and_digits(text: str, expected: str | None) -> None:
    assert DE.parse_number(text) == expected


# --- lengths --------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("zwanzig Minuten", "PT20M"), ("eine Minute", "PT1M"), ("eine halbe Stunde", "PT30M"),
    ("in einer halben Stunde", "PT30M"), ("eine Viertelstunde", "PT15M"),
    ("viertel Stunde", "PT15M"), ("dreiviertel Stunde", "PT45M"),
    ("eine Dreiviertelstunde", "PT45M"), ("drei Viertelstunden", "PT45M"),
    ("anderthalb Stunden", "PT1H30M"), ("eineinhalb Stunden", "PT1H30M"),
    ("zweieinhalb Stunden", "PT2H30M"), ("1,5 Stunden", "PT1H30M"),
    ("zwei Stunden", "PT2H"), ("eine Stunde", "PT1H"),
    ("eine Stunde und zehn Minuten", "PT1H10M"), ("eine Stunde zwanzig", "PT1H20M"),
    ("eine Stunde und eine halbe", "PT1H30M"), ("2 Std", "PT2H"), ("20 Min", "PT20M"),
    ("neunzig Sekunden", "PT90S"), ("eine halbe Minute", "PT30S"),
    ("starte eine zehnminütige Sitzung", "PT10M"), ("eine Zehn-Minuten-Sitzung", "PT10M"),
    ("zwanzig", None), ("ein paar Minuten", None), ("", None),
])
def test_lengths_as_alexa_fills_amazon_duration(text: str, expected: str | None) -> None:
    assert DE.parse_duration(text) == expected


def test_calendar_lengths_are_durations_the_skill_asks_about_again() -> None:
    assert DE.find_calendar(["für", "zwei", "tage"], set()) == ("P2D", 1, 3)
    assert DE.find_calendar(["eine", "woche"], set()) == ("P1W", 0, 2)


# --- times of day ---------------------------------------------------------------------------
@pytest.mark.parametrize(("said", "value"), [
    ("neunzehn Uhr", "19:00"), ("19 Uhr", "19:00"), ("19uhr", "19:00"),
    ("sieben Uhr abends", "19:00"), ("sieben Uhr am Abend", "19:00"),
    ("sieben Uhr morgens", "07:00"), ("sieben Uhr früh", "07:00"),
    ("halb acht", "07:30"), ("halb acht abends", "19:30"), ("halb eins", "12:30"),
    ("viertel nach sieben", "07:15"), ("viertel vor acht", "07:45"),
    ("dreiviertel acht", "07:45"), ("drei viertel acht", "07:45"), ("viertel acht", "07:15"),
    ("zehn nach sieben", "07:10"), ("zwanzig vor acht", "07:40"),
    ("dreiviertel sieben", "06:45"), ("sechs Uhr", "06:00"),  # as said: no evening guessed
    ("fünf nach halb acht", "07:35"), ("fünf vor halb acht", "07:25"),
    ("viertel vor neunzehn Uhr", "18:45"),
    ("neunzehn Uhr dreißig", "19:30"), ("neunzehn dreißig", "19:30"), ("19:30", "19:30"),
    ("19.30 Uhr", "19:30"), ("sieben Uhr fünf", "07:05"),
    ("zwölf Uhr mittags", "12:00"), ("ein Uhr mittags", "13:00"),
    ("elf Uhr nachts", "23:00"), ("zwei Uhr nachts", "02:00"), ("null Uhr", "00:00"),
    ("mittags", "12:00"), ("am Mittag", "12:00"), ("Mitternacht", "00:00"),
    ("morgens", "MO"), ("vormittags", "MO"), ("am Morgen", "MO"), ("nachmittags", "AF"),
    ("abends", "EV"), ("heute Abend", "EV"), ("nachts", "NI"), ("in der Nacht", "NI"),
    ("zwanzig Minuten", None), ("eine halbe Stunde", None), ("montags", None),
    ("dreiviertel Stunde", None),
])
def test_times_of_day_as_alexa_fills_amazon_time(said: str, value: str | None) -> None:
    words = DE.normalise(said).split()
    found = DE.find_time(words, whole=True)
    assert (found[0] if found else None) == value
    if value is not None and ":" in value:
        assert skill_reads_time(value) == tuple(int(p) for p in value.split(":"))


def test_a_time_is_found_inside_a_request_and_tomorrow_is_no_morning() -> None:
    assert DE.parse_time("erinnere mich um sieben Uhr morgen") == "07:00"
    assert DE.find_time(["um", "neunzehn", "uhr"]) == ("19:00", 1, 3)
    assert DE.find_time(["morgen"]) is None
    # A bare hour is a time only where a sample frames it as one.
    assert DE.find_time(["um", "sieben"]) == ("07:00", 1, 2)
    assert DE.find_time(["vier", "sitzungen", "pro", "woche"], strict=True) is None
    assert DE.find_time(["sieben"], whole=True) == ("07:00", 0, 1)


# --- the skill's name around a request --------------------------------------------------------
@pytest.mark.parametrize("said", ["öffne Matten Coach", "Öffne bitte Matten Coach",
                                  "starte Matten Coach", "Alexa, starte Matten Coach",
                                  "sprich mit Matten Coach", "Matten Coach"])
def test_german_launch_forms(said: str) -> None:
    assert DE.launch_pattern("matten coach").match(DE.normalise(said))


@pytest.mark.parametrize(("said", "handed_over"), [
    ("frag Matten Coach, wie lange noch", "wie lange noch"),
    ("frage Matten Coach wie lange noch", "wie lange noch"),
    ("sag Matten Coach, dass ich fertig bin", "ich fertig bin"),
    ("bitte Matten Coach, eine Sitzung zu starten", "eine sitzung zu starten"),
    ("öffne Matten Coach und starte eine Sitzung", "starte eine sitzung"),
    ("starte eine Sitzung mit Matten Coach", "starte eine sitzung"),
    ("wie lange noch bei Matten Coach", "wie lange noch"),
])
def test_german_one_shot_forms_hand_over_the_request(said: str, handed_over: str) -> None:
    heard = DE.normalise(said)
    assert not DE.launch_pattern("matten coach").match(heard)
    lead, tail = DE.one_shot_lead("matten coach"), DE.one_shot_tail("matten coach")
    assert tail.sub("", lead.sub("", heard, count=1), count=1).strip() == handed_over
    # The offline measure strips the same carriers from text as typed.
    typed = DE.invocation_pattern("Matten Coach").sub(" ", said).strip(" ,.")
    assert DE.normalise(typed) == handed_over


def test_english_carriers_do_not_open_a_german_skill() -> None:
    assert not DE.launch_pattern("matten coach").match("open matten coach")
    assert DE.one_shot_lead("matten coach").sub("", "ask matten coach wie lange noch") == (
        "ask matten coach wie lange noch")


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

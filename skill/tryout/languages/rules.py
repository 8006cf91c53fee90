"""What every language's word rules provide, and the pieces that no language changes.

Alexa turns "twenty five minutes" into `PT25M`, "einundzwanzig" into `21` and "seven pm" or
"sieben Uhr abends" into `19:00` before the skill ever sees a request. The local device page
(`mat-coach try`) and the offline measure of the interaction model (`testkit.nlu`) do the same
offline, so both read one `Language` per locale: a small module per language in this package
(`en.py`, `de.py`) holds that language's words and the three readings that differ in shape
between languages (numbers, lengths, times of day); the scanning, the ISO forms, the clock
arithmetic and the invocation patterns built from carrier words are written once, here.
Pure standard library: the page runs without the test extras.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import ClassVar, TypeVar

T = TypeVar("T")
Words = Sequence[str]

#: Apostrophes as keyboards and recognisers write them, all read as one.
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})

#: How a time said with a part of the day is read on the clock (`Language.clock`).
AM, PM, NIGHT, MIDDAY = "am", "pm", "night", "midday"


# --- pieces no language changes ---------------------------------------------------------------
def find_phrase(words: list[str], phrase: list[str], taken: set[int]) -> int | None:
    """Start index of `phrase` as whole words in `words`, avoiding taken positions."""
    n = len(phrase)
    for start in range(len(words) - n + 1):
        if words[start:start + n] == phrase and not taken & set(range(start, start + n)):
            return start
    return None


def phrase_end(words: Words, start: int, phrases: Sequence[tuple[str, ...]]) -> int | None:
    """Where the first of `phrases` that stands at `start` ends ("am abend" at 3 ends at 5);
    None when none does."""
    for phrase in phrases:
        if tuple(words[start:start + len(phrase)]) == phrase:
            return start + len(phrase)
    return None


def iso_duration(parts: Mapping[str, Fraction]) -> str:
    """ISO-8601 with the units as spoken; a fraction moves down a unit (1.5 h -> PT1H30M),
    fractions of a second are rounded."""
    hours = parts.get("hour", Fraction(0))
    minutes = parts.get("minute", Fraction(0)) + (hours - int(hours)) * 60
    seconds = parts.get("second", Fraction(0)) + (minutes - int(minutes)) * 60
    out = "".join(f"{amount}{letter}" for amount, letter in
                  ((int(hours), "H"), (int(minutes), "M"), (round(seconds), "S")) if amount)
    return "PT" + (out or "0M")


def duration_seconds(iso: str) -> float | None:
    """Total seconds of a PT..H..M..S duration (what `slots_match` compares); None if not one."""
    match = re.fullmatch(r"PT(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?",
                         iso or "")
    if not match or not any(match.groups()):
        return None
    h, m, s = (float(g) if g else 0.0 for g in match.groups())
    return h * 3600 + m * 60 + s


def _first(words: Words, at: Callable[[int], tuple[T, int] | None],
           taken: set[int] | None, whole: bool) -> tuple[T, int, int] | None:
    """The first value `at(start)` reads among words not yet `taken`: (value, start, end).
    `whole`: the words must be that value and nothing else."""
    taken = taken or set()
    for start in range(len(words)):
        if start in taken:
            continue
        found = at(start)
        if found and not taken & set(range(start, found[1])):
            if whole and (start != 0 or found[1] != len(words)):
                return None
            return found[0], start, found[1]
        if whole:
            return None
    return None


def _alternatives(phrases: Sequence[str], gap: str) -> str:
    """A regex alternation of phrases, their words separated by `gap` (longest first)."""
    ordered = sorted(dict.fromkeys(phrases), key=lambda p: (-len(p), p))
    return "|".join(gap.join(re.escape(w) for w in p.split()) for p in ordered)


class Language:
    """One language's word rules. A subclass per language sets the words below and reads
    numbers, lengths and times of day (`number_at`, `duration_at`, `time_at`) its own way."""

    #: The language code of the locales it serves ("de" for de-DE, de-AT, ...).
    code: ClassVar[str] = ""
    #: The language's own name, for the page's language switch.
    name: ClassVar[str] = ""
    #: The espeak-ng voice that reads this language.
    voice: ClassVar[str] = ""
    #: Another espeak-ng voice for some of its locales ("es-MX": "es-419").
    regional_voices: ClassVar[Mapping[str, str]] = {}
    #: Whether the optional offline recogniser (pocketsphinx, English only) can hear it.
    listens: ClassVar[bool] = False
    #: "&" said aloud, and the word that joins values in a list ("mondays and fridays").
    and_word: ClassVar[str] = ""
    #: Words that separate the values of a multiple-value slot, as a pause does.
    list_words: ClassVar[frozenset[str]] = frozenset()
    #: What an apostrophe becomes: "" drops it ("athlete's" is "athletes").
    apostrophe: ClassVar[str] = ""
    #: Words that carry little meaning on their own; they count a third when comparing.
    light_words: ClassVar[frozenset[str]] = frozenset()
    #: Words of spoken lengths and times, never "corrected" into a word of the model.
    unit_words: ClassVar[frozenset[str]] = frozenset()
    #: Words of the calendar lengths Alexa fills as AMAZON.DURATION ("two days" -> P2D).
    calendar_units: ClassVar[Mapping[str, str]] = {}
    #: Articles that mean one before a calendar unit ("a week" -> P1W).
    one_words: ClassVar[frozenset[str]] = frozenset()
    #: Without am/pm or a part of the day, these hours are read as afternoon or evening.
    bare_pm_hours: ClassVar[range] = range(1, 7)

    # --- around the skill's name: what opens it, what wraps a one-shot request ----------------
    wake_words: ClassVar[tuple[str, ...]] = ("alexa",)
    #: Said before the name to open the skill ("open mat coach").
    launch_verbs: ClassVar[tuple[str, ...]] = ()
    #: Said between such a verb and the name without changing anything ("öffne bitte ...").
    launch_fillers: ClassVar[tuple[str, ...]] = ()
    #: Said after the name when only opening it ("mat coach please").
    launch_tails: ClassVar[tuple[str, ...]] = ()
    #: Said before the name to hand it a request ("ask mat coach ...").
    one_shot_verbs: ClassVar[tuple[str, ...]] = ()
    #: Words between the name and the request, dropped with it ("ask mat coach *to* ...").
    connectors: ClassVar[tuple[str, ...]] = ()
    #: Words before the name at the end of a request ("... *with* mat coach").
    tail_words: ClassVar[tuple[str, ...]] = ()

    # --- what Alexa itself knows and says in this language --------------------------------
    #: Short, generic samples of the built-in intents, standing in for Alexa's own training.
    builtin_samples: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    #: Spoken fillers for built-in slot types when the offline measure expands a sample.
    builtin_fills: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    #: Answers to Alexa's permission question, as heard (normalised).
    allow_words: ClassVar[frozenset[str]] = frozenset()
    deny_words: ClassVar[frozenset[str]] = frozenset()
    #: Alexa's own lines around a permission (the skill's catalogue does not hold them: Alexa,
    #: not the skill, says them), `{name}` being the skill's name.
    alexa_lines: ClassVar[Mapping[str, str]] = {}
    #: A few requests the page suggests trying.
    try_examples: ClassVar[tuple[str, ...]] = ()

    def __repr__(self) -> str:
        return f"<Language {self.code}>"

    def _part_of_day_at(self, words: list[str], start: int) -> tuple[str, int] | None:
        """A part of the day said at `start` ("abends", "por la tarde"): (code, end index).
        Each language that reads one says how."""
        return None

    def _named_time_at(self, words: list[str], start: int, noon: Sequence[tuple[str, ...]],
                       midnight: Sequence[tuple[str, ...]]) -> tuple[str, int] | None:
        """What a time of day said by name fills AMAZON.TIME with, before any clock time is
        read: a part of the day's code ("EV"), noon ("12:00") or midnight ("00:00")."""
        part = self._part_of_day_at(words, start)
        if part is not None:
            return part
        for value, phrases in (("12:00", noon), ("00:00", midnight)):
            end = phrase_end(words, start, phrases)
            if end is not None:
                return value, end
        return None

    def voice_for(self, locale: str) -> str:
        """The espeak-ng voice for one of the language's locales: a region's own where
        espeak-ng has one (Latin American Spanish), the language's otherwise."""
        return self.regional_voices.get(locale, self.voice)

    # --- what each language reads its own way -----------------------------------------------
    def numerals(self, text: str) -> str:
        """Digit separators as this language writes them: thousands joined, a decimal point
        marked "\\x00" (it survives the punctuation that `normalise` drops)."""
        return re.sub(r"(?<=\d)\.(?=\d)", "\x00", text)

    def number_at(self, words: Words, start: int) -> tuple[Fraction, int] | None:
        """A number spoken at `words[start]`: (value, end index) or None."""
        raise NotImplementedError

    def duration_at(self, words: Words, start: int) -> tuple[dict[str, Fraction], int] | None:
        """A length spoken at `words[start]`: (amount per unit, end index) or None."""
        raise NotImplementedError

    def time_at(self, words: Words, start: int, strict: bool) -> tuple[str, int] | None:
        """A time of day spoken at `words[start]`: ("HH:MM" or a part-of-day code, end index).

        `strict` wants something that makes it a time (a clock word, minutes, a part of the
        day): a bare "seven" is a time only where a sample frames it as one.
        """
        raise NotImplementedError

    # --- text as entity resolution sees it ------------------------------------------------
    def normalise(self, text: str) -> str:
        """Lower case, letters of any language kept, "&" said, apostrophes as the language
        treats them, dotted and spelled-out letters joined ("D.V.T." == "d v t" == "dvt"),
        other punctuation as spaces."""
        text = unicodedata.normalize("NFC", text).translate(_APOSTROPHES).lower()
        text = self.numerals(text.replace("&", f" {self.and_word} "))
        text = text.replace("'", self.apostrophe)
        text = re.sub(r"\b([^\W\d_])\.", r"\1 ", text)  # d.v.t. -> d v t
        text = re.sub(r"[^\w\x00{} ]+", " ", text).replace("\x00", ".")
        words = text.split()
        joined: list[str] = []
        run: list[str] = []
        for word in [*words, ""]:
            if len(word) == 1 and word.isalpha():
                run.append(word)
                continue
            if len(run) >= 2:
                joined.append("".join(run))
            else:
                joined.extend(run)
            run = []
            if word:
                joined.append(word)
        return " ".join(joined)

    # --- numbers, lengths, times: found in words --------------------------------------------
    def parse_number_words(self, words: Words, start: int = 0) -> tuple[Fraction, int] | None:
        """`number_at`, under the name the matchers have always called it by."""
        return self.number_at(words, start) if start < len(words) else None

    def find_number(self, words: Words, taken: set[int] | None = None,
                    whole: bool = False) -> tuple[str, int, int] | None:
        """The first number in `words`: (AMAZON.NUMBER value, start, end)."""
        def at(start: int) -> tuple[str, int] | None:
            found = self.number_at(words, start)
            if found is None:
                return None
            value, end = found
            return (str(value.numerator) if value.denominator == 1
                    else f"{float(value):g}"), end
        return _first(words, at, taken, whole)

    def find_duration(self, words: Words, taken: set[int] | None = None,
                      whole: bool = False) -> tuple[str, int, int] | None:
        """The first length in `words`: (AMAZON.DURATION value, start, end)."""
        found = _first(words, lambda start: self.duration_at(words, start), taken, whole)
        return (iso_duration(found[0]), found[1], found[2]) if found else None

    def find_time(self, words: Words, taken: set[int] | None = None, whole: bool = False,
                  strict: bool = False) -> tuple[str, int, int] | None:
        """The first time of day in `words`: (AMAZON.TIME value, start, end). `whole`: the
        words must be that time and nothing else; `strict`: see `time_at`."""
        return _first(words, lambda start: self.time_at(words, start, strict), taken, whole)

    def find_calendar(self, words: Words, taken: set[int]) -> tuple[str, int, int] | None:
        """"two days", "a week": lengths Alexa still fills as AMAZON.DURATION (P2D, P1W),
        which the skill then asks about again; `duration_at` knows only hours to seconds."""
        for start in range(len(words)):
            if start in taken:
                continue
            if words[start] in self.one_words and start + 1 < len(words):
                amount, end = 1, start + 1
            else:
                number = self.parse_number_words(words, start)
                if number is None or number[0].denominator != 1:
                    continue
                amount, end = int(number[0]), number[1]
            if (end < len(words) and words[end] in self.calendar_units
                    and not taken & set(range(start, end + 1))):
                return f"P{amount}{self.calendar_units[words[end]]}", start, end + 1
        return None

    def parse_number(self, text: str) -> str | None:
        """The first number spoken in `text` as a digit string ("twenty one" -> "21")."""
        found = self.find_number(self.normalise(text).split())
        return found[0] if found else None

    def parse_duration(self, text: str) -> str | None:
        """The first length spoken in `text` as ISO-8601 ("half an hour" -> "PT30M")."""
        found = self.find_duration(self.normalise(text).split())
        return found[0] if found else None

    def parse_time(self, text: str) -> str | None:
        """The first time of day spoken in `text` as AMAZON.TIME sends it ("seven pm" ->
        "19:00", "in the evening" -> "EV"); None when there is none."""
        found = self.find_time(self.normalise(text).split())
        return found[0] if found else None

    def clock(self, hour: int, minute: int, meridiem: str | None,
              two_digits: bool) -> str | None:
        """"HH:MM" for an hour as said, read with its part of the day (AM, PM, NIGHT, MIDDAY)
        or, without one, with `bare_pm_hours`; None when they contradict ("19 am")."""
        if not (0 <= minute <= 59 and 0 <= hour <= 24):
            return None
        if hour > 12:
            return None if meridiem == AM or hour == 24 else f"{hour:02d}:{minute:02d}"
        if meridiem is None:
            if hour in self.bare_pm_hours and not two_digits:
                hour += 12
        elif meridiem == AM:
            hour = 0 if hour == 12 else hour
        elif meridiem == NIGHT:
            hour = 0 if hour == 12 else hour + 12 if hour >= 6 else hour
        elif meridiem == MIDDAY:  # "ein Uhr mittags" is 13:00, "elf Uhr mittags" 11:00
            hour = hour if hour >= 10 else hour + 12
        else:  # PM
            hour = hour if hour == 12 else hour + 12
        return f"{hour:02d}:{minute:02d}"

    # --- the skill's name around a request -------------------------------------------------
    def _name(self, invocation: str, gap: str) -> str:
        words = self.normalise(invocation).split()
        return gap.join(re.escape(w) for w in words) or "(?!)"

    def _optional(self, phrases: Sequence[str], gap: str) -> str:
        return f"(?:(?:{_alternatives(phrases, gap)}){gap})?" if phrases else ""

    def launch_pattern(self, invocation: str) -> re.Pattern[str]:
        """Normalised words that only open the skill: "open mat coach", "öffne Matten Coach"."""
        gap = r"\s+"
        tails = (rf"(?:{gap}(?:{_alternatives(self.launch_tails, gap)}))?"
                 if self.launch_tails else "")
        return re.compile(
            rf"^{self._optional(self.wake_words, gap)}{self._optional(self.launch_verbs, gap)}"
            rf"{self._optional(self.launch_fillers, gap)}{self._name(invocation, gap)}{tails}$")

    def one_shot_lead(self, invocation: str) -> re.Pattern[str]:
        """The normalised lead-in of a one-shot request: "ask mat coach (to) ..."."""
        gap = r"\s+"
        return re.compile(
            rf"^{self._optional(self.wake_words, gap)}{self._optional(self.one_shot_verbs, gap)}"
            rf"{self._optional(self.launch_fillers, gap)}{self._name(invocation, gap)}{gap}"
            rf"{self._optional(self.connectors, gap)}")

    def one_shot_tail(self, invocation: str) -> re.Pattern[str]:
        """The normalised end of a one-shot request: "... with mat coach"."""
        gap = r"\s+"
        return re.compile(rf"{gap}(?:{_alternatives(self.tail_words, gap)}){gap}"
                          rf"{self._name(invocation, gap)}$")

    def invocation_pattern(self, invocation: str) -> re.Pattern[str] | None:
        """What wraps a one-shot request in text as typed, commas and all (the offline
        measure strips it): "ask mat coach (to) ...", "... with mat coach"."""
        if not self.normalise(invocation).split():
            return None
        gap = r"[\s,]+"
        name = self._name(invocation, gap)
        connectors = _alternatives(self.connectors, gap)
        return re.compile(
            rf"^\s*{self._optional(self.wake_words, gap)}"
            rf"{self._optional(self.one_shot_verbs, gap)}"
            rf"{self._optional(self.launch_fillers, gap)}{name}\b[\s,]*"
            rf"(?:(?:{connectors})\b)?"
            rf"|[\s,]+(?:{_alternatives(self.tail_words, gap)}){gap}{name}[\s.!?]*$",
            re.IGNORECASE,
        )

    # --- Alexa's own part ---------------------------------------------------------------------
    def alexa_says(self, key: str, skill_name: str) -> str:
        """One of Alexa's own lines (`alexa_lines`), with the skill's name in it."""
        return self.alexa_lines[key].format(name=skill_name)

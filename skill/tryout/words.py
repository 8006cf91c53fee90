"""Words as a speech recogniser hands them over: normalised text, spoken numbers, durations and
times of day.

Alexa turns "twenty five minutes" into `PT25M`, "twenty one" into `21` and "seven pm" into
`19:00` before the skill ever sees a request; the local device page (`mat-coach try`) has to
do the same offline, and the offline measure of the interaction model (`testkit.nlu`) needs the
very same rules, so they live here once, in pure Python (nothing beyond the standard library).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import TypeVar

# --- text normalisation, as entity resolution sees words -----------------------------------------
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})


def normalise(text: str) -> str:
    """Lower case, "&" -> "and", apostrophes dropped ("athlete's" == "athletes"), dotted and
    spelled-out letters joined ("D.V.T." == "d v t" == "dvt"), other punctuation as spaces."""
    text = text.translate(_APOSTROPHES).lower().replace("&", " and ")
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)  # 1,000
    text = text.replace("'", "")
    text = re.sub(r"(?<=\d)\.(?=\d)", "\x00", text)  # keep decimal points
    text = re.sub(r"\b([a-z])\.", r"\1 ", text)  # d.v.t. -> d v t
    text = re.sub(r"[^a-z0-9\x00{}_ ]+", " ", text).replace("\x00", ".")
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


def find_phrase(words: list[str], phrase: list[str], taken: set[int]) -> int | None:
    """Start index of `phrase` as whole words in `words`, avoiding taken positions."""
    n = len(phrase)
    for start in range(len(words) - n + 1):
        if words[start:start + n] == phrase and not taken & set(range(start, start + n)):
            return start
    return None


# --- numbers and durations ----------------------------------------------------------------------
_UNITS = {w: i for i, w in enumerate((
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen"))}
_TENS = {w: 10 * (i + 2) for i, w in enumerate((
    "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"))}
_SCALES = {"hundred": 100, "thousand": 1000}
_UNIT_WORDS = {
    "hour": "hour", "hours": "hour", "hr": "hour", "hrs": "hour",
    "minute": "minute", "minutes": "minute", "min": "minute", "mins": "minute",
    "second": "second", "seconds": "second", "sec": "second", "secs": "second",
}


def parse_number_words(words: Sequence[str], start: int = 0) -> tuple[Fraction, int] | None:
    """A number spoken at `words[start]`: digits ("25", "2.5") or words ("twenty one",
    "a hundred and five"); returns (value, end index) or None. "a"/"an" count as one only
    before "hundred"/"thousand" (the duration parser handles "an hour" itself)."""
    if start >= len(words):
        return None
    first = words[start]
    if re.fullmatch(r"\d+(\.\d+)?", first):
        return Fraction(first), start + 1
    total, current, i, seen, last = 0, 0, start, False, ""
    while i < len(words):
        word = words[i]
        if word in ("a", "an") and not seen and i + 1 < len(words) and words[i + 1] in _SCALES:
            current, seen, last = 1, True, "unit"
        elif word in _UNITS and (last in ("", "scale", "and")
                                 or (last == "tens" and 0 < _UNITS[word] < 10)):
            current += _UNITS[word]
            seen, last = True, "teen" if _UNITS[word] >= 10 else "unit"
        elif word in _TENS and last in ("", "scale", "and"):
            current += _TENS[word]
            seen, last = True, "tens"
        elif word in _SCALES and seen and last != "scale":
            if _SCALES[word] == 1000:
                total += max(current, 1) * 1000
                current = 0
            else:
                current = max(current, 1) * 100
            last = "scale"
        elif (word == "and" and last == "scale" and i + 1 < len(words)
              and (words[i + 1] in _UNITS or words[i + 1] in _TENS)):
            last = "and"
        else:
            break
        i += 1
    if not seen:
        return None
    return Fraction(total + current), i


def _duration_at(words: Sequence[str], start: int) -> tuple[dict[str, Fraction], int] | None:
    """A duration spoken at `words[start]`: parts per unit and the end index."""
    w = list(words)

    def at(i: int, *expected: str) -> bool:
        return w[i:i + len(expected)] == list(expected)

    i = start
    # "half an hour", "half hour", "a quarter of an hour", "three quarters of an hour"
    for lead, amount in ((("half",), Fraction(1, 2)), (("a", "half"), Fraction(1, 2)),
                         (("a", "quarter"), Fraction(1, 4)), (("quarter",), Fraction(1, 4)),
                         (("three", "quarters"), Fraction(3, 4))):
        if at(i, *lead):
            j = i + len(lead)
            j += 1 if at(j, "of") else 0
            j += 1 if w[j:j + 1] in (["an"], ["a"]) else 0
            if j < len(w) and _UNIT_WORDS.get(w[j]) in ("hour", "minute"):
                return {_UNIT_WORDS[w[j]]: amount}, j + 1
    parts: dict[str, Fraction] = {}
    end = None
    while i < len(w):
        if w[i] in ("a", "an") and i + 1 < len(w) and w[i + 1] in _UNIT_WORDS:
            amount, j = Fraction(1), i + 1
        else:
            number = parse_number_words(w, i)
            if number is None:
                break
            amount, j = number
        if at(j, "and", "a", "half"):  # "one and a half hours"
            amount, j = amount + Fraction(1, 2), j + 3
        if j >= len(w) or w[j] not in _UNIT_WORDS:
            break
        unit = _UNIT_WORDS[w[j]]
        j += 1
        if at(j, "and", "a", "half"):  # "an hour and a half"
            amount, j = amount + Fraction(1, 2), j + 3
        parts[unit] = parts.get(unit, Fraction(0)) + amount
        end = j
        i = j + 1 if at(j, "and") else j  # "one hour and twenty minutes"
    return (parts, end) if end is not None else None


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


def parse_duration(text: str) -> str | None:
    """The first duration spoken in `text` as ISO-8601 ("half an hour" -> "PT30M")."""
    found = find_duration(normalise(text).split())
    return found[0] if found else None


def parse_number(text: str) -> str | None:
    """The first number spoken in `text` as a digit string ("twenty one" -> "21")."""
    found = find_number(normalise(text).split())
    return found[0] if found else None


T = TypeVar("T")


def _first(words: Sequence[str], at: Callable[[int], tuple[T, int] | None],
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


def find_duration(words: Sequence[str], taken: set[int] | None = None,
                  whole: bool = False) -> tuple[str, int, int] | None:
    """The first length in `words`: (AMAZON.DURATION value, start, end)."""
    found = _first(words, lambda start: _duration_at(words, start), taken, whole)
    return (iso_duration(found[0]), found[1], found[2]) if found else None


def find_number(words: Sequence[str], taken: set[int] | None = None,
                whole: bool = False) -> tuple[str, int, int] | None:
    """The first number in `words`: (AMAZON.NUMBER value, start, end)."""
    return _first(words, lambda start: _number_at(words, start), taken, whole)


def _number_at(words: Sequence[str], start: int) -> tuple[str, int] | None:
    found = parse_number_words(words, start)
    if found is None:
        return None
    value, end = found
    text = str(value.numerator) if value.denominator == 1 else f"{float(value):g}"
    return text, end


# --- times of day (AMAZON.TIME) ------------------------------------------------------------------
#: A part of the day said without a time: Alexa's AMAZON.TIME sends these codes, not a guess.
PARTS_OF_DAY = {"morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI",
                "tonight": "NI"}
_PART_LEADS = (("in", "the"), ("this",), ("at",), ("every",), ("each",), ())
_MERIDIEM = {"am": "am", "pm": "pm"}
_PAST_TO = {"half": 30, "quarter": 15}
#: Without am, pm or a part of the day, an hour from one to six is read as afternoon or
#: evening ("half past six" is 18:30): nobody sets a mat reminder for six in the morning by
#: saying "six" alone, and Alexa resolves such hours from context the same way.
_BARE_PM_HOURS = range(1, 7)


def _part_of_day_at(words: Sequence[str], start: int) -> tuple[str, int] | None:
    """"in the evening", "this morning", "at night", "tonight": (part, end index)."""
    for lead in _PART_LEADS:
        end = start + len(lead)
        if tuple(words[start:end]) == lead and end < len(words) and words[end] in PARTS_OF_DAY:
            if lead == ("at",) and words[end] != "night":
                continue  # "at evening" is not said; "at night" is
            return words[end], end + 1
    return None


def _hour_at(words: Sequence[str], start: int) -> tuple[int, int, bool] | None:
    """An hour (0-23) as one word or one number: (hour, end index, said as two digits)."""
    if start >= len(words):
        return None
    found = parse_number_words(words, start)
    if found is None or found[0].denominator != 1 or found[1] != start + 1:
        return None
    hour = int(found[0])
    return (hour, start + 1, words[start].isdigit() and len(words[start]) == 2) \
        if 0 <= hour <= 23 else None


def _minutes_at(words: Sequence[str], start: int) -> tuple[int, int] | None:
    """The minutes after an hour: "thirty", "forty five", "oh five", "05" (10-59, or 0-9
    with "oh" or as two digits)."""
    if start >= len(words):
        return None
    word = words[start]
    if re.fullmatch(r"\d\d", word):
        return (int(word), start + 1) if int(word) <= 59 else None
    if word in ("oh", "o") and start + 1 < len(words) and words[start + 1] in _UNITS:
        value = _UNITS[words[start + 1]]
        return (value, start + 2) if 0 < value < 10 else None
    found = parse_number_words(words, start)
    if found is None or found[0].denominator != 1 or not 10 <= found[0] <= 59:
        return None
    return int(found[0]), found[1]


def _meridiem_at(words: Sequence[str], start: int) -> tuple[str, int] | None:
    """"am"/"pm" (also "p m", joined by `normalise`) or a part of the day after a time."""
    if start < len(words) and words[start] in _MERIDIEM:
        return _MERIDIEM[words[start]], start + 1
    return _part_of_day_at(words, start)


def _clock(hour: int, minute: int, meridiem: str | None, two_digits: bool) -> str | None:
    """"HH:MM" for an hour as said, read with its am/pm or part of the day."""
    if hour > 12:
        return None if meridiem in ("am", "morning") else f"{hour:02d}:{minute:02d}"
    if meridiem is None:
        if hour in _BARE_PM_HOURS and not two_digits:
            hour += 12
    elif meridiem in ("am", "morning"):
        hour = 0 if hour == 12 else hour
    elif meridiem == "night":
        hour = 0 if hour == 12 else hour + 12 if hour >= 6 else hour
    else:  # pm, afternoon, evening, tonight
        hour = hour if hour == 12 else hour + 12
    return f"{hour:02d}:{minute:02d}"


def _clock_then_meridiem(w: list[str], hour: int, minute: int,
                         end: int) -> tuple[str, int] | None:
    """The clock time `hour`:`minute`, with an "am"/"in the evening" said at `end` if any."""
    meridiem = _meridiem_at(w, end)
    clock = _clock(hour, minute, meridiem[0] if meridiem else None, False)
    return (clock, meridiem[1] if meridiem else end) if clock else None


def _time_at(words: Sequence[str], start: int, strict: bool) -> tuple[str, int] | None:
    """A time of day spoken at `words[start]`: ("HH:MM" or a part-of-day code, end index).

    `strict` wants something that makes it a time (am/pm, o'clock, minutes, "past", a part of
    the day, noon): a bare "seven" is a time only where a sample frames it as one.
    """
    w = list(words)
    part = _part_of_day_at(w, start)
    if part is not None:
        return PARTS_OF_DAY[part[0]], part[1]
    i = start
    if w[i:i + 2] == ["twelve", "noon"] or w[i:i + 2] == ["12", "noon"]:
        return "12:00", i + 2
    if w[i:i + 2] in (["twelve", "midnight"], ["12", "midnight"]):
        return "00:00", i + 2
    if i < len(w) and w[i] in ("noon", "midday"):
        return "12:00", i + 1
    if i < len(w) and w[i] == "midnight":
        return "00:00", i + 1
    joined = re.fullmatch(r"(\d{1,2})(am|pm)", w[i]) if i < len(w) else None
    if joined:  # "7pm"
        clock = _clock(int(joined.group(1)), 0, joined.group(2), False)
        return (clock, i + 1) if clock and int(joined.group(1)) <= 12 else None
    # "half past six", "a quarter to eight", "ten past seven", "twenty five minutes to nine"
    j = i + (1 if i < len(w) and w[i] == "a" else 0)
    before: tuple[int, int] | None = None
    if j < len(w) and w[j] in _PAST_TO:
        before = _PAST_TO[w[j]], j + 1
    else:
        number = parse_number_words(w, i)
        if number is not None and number[0].denominator == 1 and 1 <= number[0] <= 29:
            before = int(number[0]), number[1]
            if w[before[1]:before[1] + 1] in (["minutes"], ["minute"]):
                before = before[0], before[1] + 1
    if before is not None and before[1] < len(w) and w[before[1]] in ("past", "after", "to"):
        hour = _hour_at(w, before[1] + 1)
        if hour is not None and 1 <= hour[0] <= 12:
            if w[before[1]] == "to":  # "a quarter to eight": 7:45
                minutes, hour_said = 60 - before[0], (hour[0] - 2) % 12 + 1
            else:
                minutes, hour_said = before[0], hour[0]
            return _clock_then_meridiem(w, hour_said, minutes, hour[1])
    if i < len(w) and w[i] == "half":  # British "half nine" is half past nine
        hour = _hour_at(w, i + 1)
        if hour is not None and 1 <= hour[0] <= 12:
            return _clock_then_meridiem(w, hour[0], 30, hour[1])
    hour = _hour_at(w, i)
    if hour is None:
        return None
    value, end, two_digits = hour
    minute, marked = 0, False
    minutes = _minutes_at(w, end)
    if minutes is not None:
        minute, end, marked = minutes[0], minutes[1], True
    if end < len(w) and w[end] in ("oclock", "o'clock"):
        end, marked = end + 1, True
    meridiem = _meridiem_at(w, end)
    if meridiem is not None:
        end, marked = meridiem[1], True
    if not marked and (strict or (end < len(w) and w[end] in _UNIT_WORDS)):
        return None  # "twenty minutes" is a length, not eight in the evening
    if value == 0 and meridiem is not None:
        return None
    clock = _clock(value, minute, meridiem[0] if meridiem else None, two_digits)
    return (clock, end) if clock else None


def find_time(words: Sequence[str], taken: set[int] | None = None, whole: bool = False,
              strict: bool = False) -> tuple[str, int, int] | None:
    """The first time of day in `words`: (AMAZON.TIME value, start, end). `whole`: the words
    must be that time and nothing else; `strict`: see `_time_at`."""
    return _first(words, lambda start: _time_at(words, start, strict), taken, whole)


def parse_time(text: str) -> str | None:
    """The first time of day spoken in `text` as AMAZON.TIME sends it ("seven pm" -> "19:00",
    "in the evening" -> "EV"); None when there is none."""
    found = find_time(normalise(text).split())
    return found[0] if found else None


def invocation_pattern(invocation: str) -> re.Pattern[str] | None:
    """What wraps a one-shot request: "ask mat coach (to) ...", "... with mat coach"."""
    words = normalise(invocation).split()
    if not words:
        return None
    name = r"[\s,]+".join(re.escape(w) for w in words)
    return re.compile(
        rf"^\s*(?:alexa[\s,]+)?(?:(?:ask|tell|open|launch|use)[\s,]+)?{name}\b[\s,]*"
        rf"(?:(?:to|for|about|if|whether|that|and)\b)?"
        rf"|[\s,]+(?:with|using|on|from|in)[\s,]+{name}[\s.!?]*$",
        re.IGNORECASE,
    )

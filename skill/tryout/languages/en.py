"""English word rules: "twenty one", "an hour and a half", "half past six", "seven pm".

Every English locale (en-US, en-GB, en-CA, en-AU, en-IN) reads its words with these; a
regional word belongs in that locale's interaction model, not here.
"""

from __future__ import annotations

import re
from fractions import Fraction

from skill.tryout.languages.rules import AM, NIGHT, PM, Language, Words

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
#: A part of the day said without a time: Alexa's AMAZON.TIME sends these codes, not a guess.
PARTS_OF_DAY = {"morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI",
                "tonight": "NI"}
#: How a part of the day said after a time reads the clock ("seven in the evening").
_PART_CLOCK = {"morning": AM, "afternoon": PM, "evening": PM, "night": NIGHT, "tonight": PM}
_PART_LEADS = (("in", "the"), ("this",), ("at",), ("every",), ("each",), ())
_MERIDIEM = {"am": AM, "pm": PM}
_PAST_TO = {"half": 30, "quarter": 15}
_LIGHT = """a an the i im me my mine is are am was be it its to of for and or do does did can could
would will should you your please on in at with about this that just so some now then hey okay ok
alexa um uh like"""
_NEVER_CORRECTED = ("hour hours hr hrs minute minutes min mins second seconds sec secs half quarter"
                    " quarters am pm noon midday midnight oclock")

_CALENDAR = {"day": "D", "days": "D", "week": "W", "weeks": "W", "month": "M", "months": "M",
             "year": "Y", "years": "Y"}
#: Short samples of the built-in intents, standing in for Alexa's own English training.
_BUILTIN_SAMPLES = {
    "AMAZON.StopIntent": (
        "stop", "stop it", "quit", "exit", "off", "be quiet", "shut up", "goodbye",
        "that's all", "enough", "I'm leaving", "stop talking",
    ),
    "AMAZON.CancelIntent": (
        "cancel", "cancel that", "cancel it", "never mind", "forget it", "nevermind",
        "don't do that", "cancel please",
    ),
    "AMAZON.HelpIntent": (
        "help", "help me", "what can you do", "what can I say", "I need help",
        "what are my options", "how do I use this skill", "I'm confused", "what do I do",
    ),
    "AMAZON.YesIntent": (
        "yes", "yeah", "yes please", "sure", "okay", "yep", "of course", "sounds good",
        "why not", "go ahead", "alright", "definitely",
    ),
    "AMAZON.NoIntent": (
        "no", "nope", "no thanks", "no thank you", "not now", "I don't think so", "nah",
        "not really", "no way",
    ),
    "AMAZON.PauseIntent": (
        "pause", "pause it", "pause the timer", "hold on", "wait", "pause please",
        "hang on a second", "pause for a moment",
    ),
    "AMAZON.ResumeIntent": (
        "resume", "continue", "keep going", "carry on", "unpause", "resume the timer",
        "go on", "pick up where we left off", "start again from where it stopped",
    ),
    "AMAZON.NavigateHomeIntent": (
        "go home", "go to the home screen", "home", "back to home", "exit to the home screen",
    ),
    "AMAZON.RepeatIntent": ("repeat", "say that again", "repeat that", "what did you say"),
    "AMAZON.StartOverIntent": ("start over", "restart", "start from the beginning"),
}
#: What the offline measure fills built-in slots with when it expands a sample.
_BUILTIN_FILLS = {
    "AMAZON.DURATION": ("twenty minutes", "ten minutes", "half an hour", "fifteen minutes",
                        "an hour", "five minutes"),
    "AMAZON.NUMBER": ("four", "fifteen", "three", "twenty", "ten", "five"),
    "AMAZON.FirstName": ("Sam", "Alex"),
    "AMAZON.TIME": ("seven am", "half past six"),
    "AMAZON.DATE": ("tomorrow", "monday"),
}
#: Alexa's own words around a permission: its question, its answer, the Alexa app's card.
_ALEXA_LINES = {
    "alexa_timers.question": "{name} would like to use your timers. Do you allow it?",
    "alexa_reminders.question": "{name} would like to create reminders. Do you allow it?",
    "alexa_timers.allowed": "Timers allowed.",
    "alexa_timers.refused": "Timers not allowed.",
    "alexa_reminders.allowed": "Reminders allowed.",
    "alexa_reminders.refused": "Reminders not allowed.",
    "alexa_timers.card.title": "{name} would like to use your timers",
    "alexa_timers.card.text": "Allow {name} to set timers for your sessions.",
    "alexa_reminders.card.title": "{name} would like to create reminders",
    "alexa_reminders.card.text": "Allow {name} to remind you to use your mat.",
}


class English(Language):
    code = "en"
    name = "English"
    voice = "en-us"
    listens = True
    and_word = "and"
    list_words = frozenset({"and", "or", "plus"})
    apostrophe = ""
    light_words = frozenset(_LIGHT.split())
    unit_words = frozenset(_NEVER_CORRECTED.split())
    calendar_units = _CALENDAR
    one_words = frozenset({"a", "an"})
    #: Without am, pm or a part of the day, an hour from one to six is read as afternoon or
    #: evening ("half past six" is 18:30): nobody sets a mat reminder for six in the morning
    #: by saying "six" alone, and Alexa resolves such hours from context the same way.
    bare_pm_hours = range(1, 7)

    launch_verbs = ("open", "launch", "start", "use", "talk to", "run", "begin")
    launch_tails = ("please", "now")
    one_shot_verbs = ("ask", "tell", "open", "launch", "use", "start")
    connectors = ("to", "for", "about", "if", "whether", "that", "and")
    tail_words = ("with", "using", "on", "from", "in")

    builtin_samples = _BUILTIN_SAMPLES
    builtin_fills = _BUILTIN_FILLS
    allow_words = frozenset({"yes", "yeah", "yep", "sure", "ok", "okay", "allow", "allow it",
                             "yes please", "i allow", "grant"})
    deny_words = frozenset({"no", "nope", "deny", "no thanks", "dont", "do not allow", "never"})
    alexa_lines = _ALEXA_LINES
    try_examples = ("open mat coach", "is it safe if I'm pregnant", "start a one minute session",
                    "ask mat coach how long is left", "how am I doing",
                    "remind me to use my mat on Mondays and Fridays at seven pm")

    def numerals(self, text: str) -> str:
        text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)  # 1,000
        return super().numerals(text)  # keep decimal points

    # --- numbers and lengths ------------------------------------------------------------------
    def number_at(self, words: Words, start: int) -> tuple[Fraction, int] | None:
        """Digits ("25", "2.5") or words ("twenty one", "a hundred and five"). "a"/"an" count
        as one only before "hundred"/"thousand" (`duration_at` reads "an hour" itself)."""
        if start >= len(words):
            return None
        first = words[start]
        if re.fullmatch(r"\d+(\.\d+)?", first):
            return Fraction(first), start + 1
        total, current, i, seen, last = 0, 0, start, False, ""
        while i < len(words):
            word = words[i]
            if (word in ("a", "an") and not seen and i + 1 < len(words)
                    and words[i + 1] in _SCALES):
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

    def duration_at(self, words: Words, start: int) -> tuple[dict[str, Fraction], int] | None:
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
                number = self.number_at(w, i)
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

    # --- times of day (AMAZON.TIME) -----------------------------------------------------------
    def _part_of_day_at(self, words: Words, start: int) -> tuple[str, int] | None:
        """"in the evening", "this morning", "at night", "tonight": (part, end index)."""
        for lead in _PART_LEADS:
            end = start + len(lead)
            if (tuple(words[start:end]) == lead and end < len(words)
                    and words[end] in PARTS_OF_DAY):
                if lead == ("at",) and words[end] != "night":
                    continue  # "at evening" is not said; "at night" is
                return words[end], end + 1
        return None

    def _hour_at(self, words: Words, start: int) -> tuple[int, int, bool] | None:
        """An hour (0-23) as one word or one number: (hour, end index, said as two digits)."""
        if start >= len(words):
            return None
        found = self.number_at(words, start)
        if found is None or found[0].denominator != 1 or found[1] != start + 1:
            return None
        hour = int(found[0])
        return (hour, start + 1, words[start].isdigit() and len(words[start]) == 2) \
            if 0 <= hour <= 23 else None

    def _minutes_at(self, words: Words, start: int) -> tuple[int, int] | None:
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
        found = self.number_at(words, start)
        if found is None or found[0].denominator != 1 or not 10 <= found[0] <= 59:
            return None
        return int(found[0]), found[1]

    def _meridiem_at(self, words: Words, start: int) -> tuple[str, int] | None:
        """"am"/"pm" (also "p m", joined by `normalise`) or a part of the day after a time."""
        if start < len(words) and words[start] in _MERIDIEM:
            return _MERIDIEM[words[start]], start + 1
        part = self._part_of_day_at(words, start)
        return (_PART_CLOCK[part[0]], part[1]) if part else None

    def _clock_then_meridiem(self, w: list[str], hour: int, minute: int,
                             end: int) -> tuple[str, int] | None:
        """The clock time `hour`:`minute`, with an "am"/"in the evening" said at `end` if any."""
        meridiem = self._meridiem_at(w, end)
        clock = self.clock(hour, minute, meridiem[0] if meridiem else None, False)
        return (clock, meridiem[1] if meridiem else end) if clock else None

    def time_at(self, words: Words, start: int, strict: bool) -> tuple[str, int] | None:
        w = list(words)
        part = self._part_of_day_at(w, start)
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
            clock = self.clock(int(joined.group(1)), 0, _MERIDIEM[joined.group(2)], False)
            return (clock, i + 1) if clock and int(joined.group(1)) <= 12 else None
        # "half past six", "a quarter to eight", "ten past seven", "twenty five minutes to nine"
        j = i + (1 if i < len(w) and w[i] == "a" else 0)
        before: tuple[int, int] | None = None
        if j < len(w) and w[j] in _PAST_TO:
            before = _PAST_TO[w[j]], j + 1
        else:
            number = self.number_at(w, i)
            if number is not None and number[0].denominator == 1 and 1 <= number[0] <= 29:
                before = int(number[0]), number[1]
                if w[before[1]:before[1] + 1] in (["minutes"], ["minute"]):
                    before = before[0], before[1] + 1
        if before is not None and before[1] < len(w) and w[before[1]] in ("past", "after", "to"):
            hour = self._hour_at(w, before[1] + 1)
            if hour is not None and 1 <= hour[0] <= 12:
                if w[before[1]] == "to":  # "a quarter to eight": 7:45
                    minutes, hour_said = 60 - before[0], (hour[0] - 2) % 12 + 1
                else:
                    minutes, hour_said = before[0], hour[0]
                return self._clock_then_meridiem(w, hour_said, minutes, hour[1])
        if i < len(w) and w[i] == "half":  # British "half nine" is half past nine
            hour = self._hour_at(w, i + 1)
            if hour is not None and 1 <= hour[0] <= 12:
                return self._clock_then_meridiem(w, hour[0], 30, hour[1])
        hour = self._hour_at(w, i)
        if hour is None:
            return None
        value, end, two_digits = hour
        minute, marked = 0, False
        minutes = self._minutes_at(w, end)
        if minutes is not None:
            minute, end, marked = minutes[0], minutes[1], True
        if end < len(w) and w[end] in ("oclock", "o'clock"):
            end, marked = end + 1, True
        meridiem = self._meridiem_at(w, end)
        if meridiem is not None:
            end, marked = meridiem[1], True
        if not marked and (strict or (end < len(w) and w[end] in _UNIT_WORDS)):
            return None  # "twenty minutes" is a length, not eight in the evening
        if value == 0 and meridiem is not None:
            return None
        clock = self.clock(value, minute, meridiem[0] if meridiem else None, two_digits)
        return (clock, end) if clock else None


LANGUAGE = English()

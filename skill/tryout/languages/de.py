"""German word rules: "einundzwanzig", "eine halbe Stunde", "halb acht", "sieben Uhr abends".

German writes numbers as one word ("fünfundzwanzig", "einhundertfünf"), says the half hour
before the hour ("halb acht" is 07:30), counts quarters towards the next hour as well as past
the last ("viertel nach sieben", "viertel vor acht", "dreiviertel acht"), tells lengths in
fractions of an hour ("eine Viertelstunde", "anderthalb Stunden"), uses the 24-hour clock
("neunzehn Uhr dreißig") and a decimal comma ("1,5 Stunden"). "ein", "eine" are articles as
often as numbers: they count as one before a unit, before "hundert" or standing alone.
"""

from __future__ import annotations

import re
from fractions import Fraction

from skill.tryout.languages.rules import AM, MIDDAY, NIGHT, PM, Language, Words, phrase_end

_ONES = {"null": 0, "eins": 1, "zwei": 2, "zwo": 2, "drei": 3, "vier": 4, "fünf": 5,
         "sechs": 6, "sieben": 7, "acht": 8, "neun": 9}
#: The ones as they begin a compound: "einundzwanzig", "einhundert".
_LEADING_ONES = {"ein": 1, **{w: n for w, n in _ONES.items() if n > 1}}
_TEENS = {"zehn": 10, "elf": 11, "zwölf": 12, "dreizehn": 13, "vierzehn": 14, "fünfzehn": 15,
          "sechzehn": 16, "siebzehn": 17, "achtzehn": 18, "neunzehn": 19}
_TENS = {"zwanzig": 20, "dreißig": 30, "dreissig": 30, "vierzig": 40, "fünfzig": 50,
         "sechzig": 60, "siebzig": 70, "achtzig": 80, "neunzig": 90}
_SCALES = (("tausend", 1000), ("hundert", 100))
#: "ein", "eine", ... (and the spoken "ne"): one before a unit, an article elsewhere.
_ARTICLES = frozenset({"ein", "eine", "einen", "einem", "einer", "eines", "ne", "nen"})
#: A number said in pieces is joined back only across these ("zwei und zwanzig").
_JOINS = ("und", "hundert", "tausend")
_MAX_NUMBER_WORDS = 5

#: Units of length, with how much of the unit one of them is ("Viertelstunde": a quarter hour).
_UNIT_WORDS: dict[str, tuple[str, Fraction]] = {
    **dict.fromkeys(("stunde", "stunden", "std", "stdn"), ("hour", Fraction(1))),
    **dict.fromkeys(("minute", "minuten", "min", "mins"), ("minute", Fraction(1))),
    **dict.fromkeys(("sekunde", "sekunden", "sek", "sec", "secs"), ("second", Fraction(1))),
    **dict.fromkeys(("viertelstunde", "viertelstunden"), ("hour", Fraction(1, 4))),
    **dict.fromkeys(("dreiviertelstunde", "dreiviertelstunden"), ("hour", Fraction(3, 4))),
}
#: Units that are a length on their own, without a number: "in einer Dreiviertelstunde".
_LENGTH_ALONE = frozenset({"viertelstunde", "dreiviertelstunde"})
#: "eine zehnminütige Sitzung": a length folded into an adjective.
_ADJECTIVE = re.compile(r"(.+?)(minütig|stündig|sekündig)(e|en|er|es|em)?")
_ADJECTIVE_UNITS = {"minütig": "minute", "stündig": "hour", "sekündig": "second"}
#: Fractions said before a unit: "eine halbe Stunde", "dreiviertel Stunde".
_FRACTIONS = {"halbe": Fraction(1, 2), "halben": Fraction(1, 2), "halber": Fraction(1, 2),
              "viertel": Fraction(1, 4), "dreiviertel": Fraction(3, 4)}
_FRACTION_PREFIXES = {"halb": Fraction(1, 2), "viertel": Fraction(1, 4),
                      "dreiviertel": Fraction(3, 4)}

#: A part of the day said without a time: the codes Alexa's AMAZON.TIME sends for it.
_PARTS = {"morgens": "MO", "frühmorgens": "MO", "vormittags": "MO", "nachmittags": "AF",
          "abends": "EV", "spätabends": "EV", "nachts": "NI"}
#: The same as nouns, which need a word before them ("morgen" alone is tomorrow).
_PART_NOUNS = {"morgen": "MO", "früh": "MO", "vormittag": "MO", "nachmittag": "AF",
               "abend": "EV", "nacht": "NI"}
_NOUN_LEADS = (("heute", "am"), ("in", "der"), ("am",), ("heute",), ("jeden",), ("jede",),
               ("diesen",), ("diese",))
_PART_CLOCK = {"MO": AM, "AF": PM, "EV": PM, "NI": NIGHT}
_NOON = (("zu", "mittag"), ("am", "mittag"), ("mittags",), ("mittag",))
_MIDNIGHT = (("mitternacht",),)

_LIGHT = """ein eine einen einem einer eines der die das den dem des ich mich mir mein meine meinen
meinem meiner ist sind bin war es zu zum zur von vom für und oder kann können könnte würde wird soll
du dich dir dein deine bitte auf in im an am mit über so jetzt dann mal doch denn hey okay ok alexa
äh ähm eigentlich gerade halt also da eh schon geh ganz nun ne nen man wir uns sie er is des i a"""
_NEVER_CORRECTED = """stunde stunden std minute minuten min sekunde sekunden sek halb halbe halben
viertel dreiviertel viertelstunde dreiviertelstunde anderthalb eineinhalb uhr mittag mittags
mitternacht morgens vormittags nachmittags abends nachts früh"""

_CALENDAR = {**dict.fromkeys(("tag", "tage", "tagen"), "D"),
             **dict.fromkeys(("woche", "wochen"), "W"),
             **dict.fromkeys(("monat", "monate", "monaten"), "M"),
             **dict.fromkeys(("jahr", "jahre", "jahren"), "Y")}
#: Short samples of the built-in intents, standing in for Alexa's own German training.
_BUILTIN_SAMPLES = {
    "AMAZON.StopIntent": (
        "stopp", "stop", "hör auf", "aufhören", "beenden", "beende", "sei still", "ruhe",
        "tschüss", "das wars", "das reicht", "schluss", "ende",
    ),
    "AMAZON.CancelIntent": (
        "abbrechen", "brich ab", "abbruch", "vergiss es", "lass es", "lass gut sein",
        "doch nicht", "egal", "abbrechen bitte",
    ),
    "AMAZON.HelpIntent": (
        "hilfe", "hilf mir", "was kannst du", "was kann ich sagen", "ich brauche hilfe",
        "welche möglichkeiten habe ich", "ich bin verwirrt",
        "was soll ich tun",
    ),
    "AMAZON.YesIntent": (
        "ja", "jawohl", "ja bitte", "klar", "sicher", "okay", "gerne", "genau", "na klar",
        "auf jeden fall", "jep", "passt",
    ),
    "AMAZON.NoIntent": (
        "nein", "nee", "nö", "nein danke", "jetzt nicht", "lieber nicht", "eher nicht",
        "auf keinen fall", "nicht wirklich",
    ),
    "AMAZON.PauseIntent": (
        "pause", "pausieren", "pausiere", "anhalten", "halt an", "warte", "moment",
        "warte kurz", "mach eine pause", "pausiere den timer",
    ),
    "AMAZON.ResumeIntent": (
        "weiter", "fortsetzen", "fortfahren", "mach weiter", "weitermachen", "setz fort",
        "timer fortsetzen", "weiter geht's", "mach da weiter wo wir aufgehört haben",
    ),
    "AMAZON.NavigateHomeIntent": (
        "startbildschirm", "zum startbildschirm", "zurück zum startbildschirm", "nach hause",
    ),
    "AMAZON.RepeatIntent": ("wiederholen", "wiederhole das", "sag das noch mal",
                            "was hast du gesagt"),
    "AMAZON.StartOverIntent": ("von vorne", "neu starten", "noch mal von vorne anfangen"),
}
#: What the offline measure fills built-in slots with when it expands a sample.
_BUILTIN_FILLS = {
    "AMAZON.DURATION": ("zwanzig minuten", "zehn minuten", "eine halbe stunde",
                        "fünfzehn minuten", "eine stunde", "fünf minuten"),
    "AMAZON.NUMBER": ("vier", "fünfzehn", "drei", "zwanzig", "zehn", "fünf"),
    "AMAZON.FirstName": ("Sam", "Alex"),
    "AMAZON.TIME": ("sieben uhr morgens", "halb sieben"),
    "AMAZON.DATE": ("morgen", "montag"),
}
#: Alexa's own words around a permission: its question, its answer, the Alexa app's card.
_ALEXA_LINES = {
    "alexa_timers.question": "{name} möchte deine Timer verwenden. Erlaubst du das?",
    "alexa_reminders.question": "{name} möchte Erinnerungen erstellen. Erlaubst du das?",
    "alexa_timers.allowed": "Timer erlaubt.",
    "alexa_timers.refused": "Timer nicht erlaubt.",
    "alexa_reminders.allowed": "Erinnerungen erlaubt.",
    "alexa_reminders.refused": "Erinnerungen nicht erlaubt.",
    "alexa_timers.card.title": "{name} möchte deine Timer verwenden",
    "alexa_timers.card.text": "Erlaube {name}, Timer für deine Sitzungen zu stellen.",
    "alexa_reminders.card.title": "{name} möchte Erinnerungen erstellen",
    "alexa_reminders.card.text": "Erlaube {name}, dich an deine Matte zu erinnern.",
}


def _below_hundred(word: str) -> int | None:
    """0-99 as one word: "sieben", "zwölf", "dreißig", "fünfundzwanzig"."""
    for table in (_ONES, _TEENS, _TENS):
        if word in table:
            return table[word]
    ones, joined, tens = word.partition("und")
    if joined and ones in _LEADING_ONES and tens in _TENS:
        return _LEADING_ONES[ones] + _TENS[tens]
    return None


def number_word(word: str) -> int | None:
    """A whole number written as one German word (below a million): "einhundertfünf"."""
    for scale, size in _SCALES:
        head, found, tail = word.partition(scale)
        if not found:
            continue
        if head in ("", "ein"):
            count: int | None = 1
        elif size == 1000:
            count = number_word(head)
        else:
            count = _LEADING_ONES.get(head)
        tail = tail.removeprefix("und")  # "hundertundfünf"
        rest = number_word(tail) if tail else 0
        if not count or rest is None or rest >= size:
            return None
        return count * size + rest
    return _below_hundred(word)


def _with_half(word: str) -> Fraction | None:
    """"anderthalb", "eineinhalb", "zweieinhalb": a number and a half, as one word."""
    if word == "anderthalb":
        return Fraction(3, 2)
    if not word.endswith("einhalb"):
        return None
    head = word.removesuffix("einhalb")
    if head in ("", "ein"):
        return Fraction(1, 2) + (1 if head else 0)
    whole = number_word(head)
    return None if whole is None else whole + Fraction(1, 2)


def _joinable(left: str, right: str) -> bool:
    return left in _JOINS or right in _JOINS or left.endswith(_JOINS[1:]) \
        or right.startswith(_JOINS[1:])


class German(Language):
    code = "de"
    name = "Deutsch"
    voice = "de"
    and_word = "und"
    list_words = frozenset({"und", "oder", "sowie", "plus"})
    apostrophe = ""  # "geht's" is "gehts" in the samples and in what is said alike
    light_words = frozenset(_LIGHT.split())
    unit_words = frozenset(_NEVER_CORRECTED.split())
    calendar_units = _CALENDAR
    one_words = frozenset({"ein", "eine", "einen", "einem", "einer"})
    #: Unlike English, an hour is read as said: German speakers name the evening ("achtzehn
    #: Uhr", "sechs Uhr abends") when they mean it, and the German held-out writers read
    #: "um dreiviertel sieben" as 06:45.
    bare_pm_hours = range(0)

    launch_verbs = ("öffne", "öffnen", "starte", "starten", "aktiviere", "benutze", "nutze",
                    "sprich mit", "rede mit")
    launch_fillers = ("bitte", "mal")
    launch_tails = ("bitte", "jetzt")
    one_shot_verbs = ("frag", "frage", "sag", "sage", "bitte", "öffne", "starte")
    connectors = ("ob", "dass", "und", "nach", "um")
    tail_words = ("mit", "bei", "über", "von", "in", "auf")

    builtin_samples = _BUILTIN_SAMPLES
    builtin_fills = _BUILTIN_FILLS
    allow_words = frozenset({"ja", "jawohl", "jep", "klar", "sicher", "okay", "ok", "gerne",
                             "gern", "ja bitte", "ja gerne", "ja klar", "erlauben", "erlaube",
                             "zulassen", "ich erlaube es", "ich erlaube das", "einverstanden"})
    deny_words = frozenset({"nein", "nee", "nö", "ne", "nein danke", "ablehnen", "verweigern",
                            "nicht erlauben", "niemals", "auf keinen fall", "lieber nicht"})
    alexa_lines = _ALEXA_LINES
    try_examples = ("öffne matten coach", "ist es sicher, wenn ich schwanger bin",
                    "starte eine sitzung von einer minute", "frag matten coach, wie lange noch",
                    "erinnere mich montags und freitags um neunzehn uhr")

    def numerals(self, text: str) -> str:
        """"1.000" is a thousand, "2,5" two and a half, "19.30" and "19:30" a time."""
        text = re.sub(r"(?<=\d)\.(?=\d{3}\b)", "", text)
        text = re.sub(r"(?<=\d),(?=\d)", "\x00", text)
        return re.sub(r"(?<=\d)\.(?=\d)", " ", text)

    # --- numbers and lengths ------------------------------------------------------------------
    def number_at(self, words: Words, start: int) -> tuple[Fraction, int] | None:
        """Digits ("25", "2.5") or words, one ("einundzwanzig") or in pieces joined by "und",
        "hundert", "tausend" ("zwei und zwanzig", "ein hundert fünf"), or how many times
        ("viermal"). An article is one before "hundert" or when nothing follows it (an
        answer: "eine")."""
        if start >= len(words):
            return None
        first = words[start]
        if re.fullmatch(r"\d+(\.\d+)?", first):
            return Fraction(first), start + 1
        best: tuple[Fraction, int] | None = None
        for end in range(start + 1, min(len(words), start + _MAX_NUMBER_WORDS) + 1):
            if end > start + 1 and not _joinable(words[end - 2], words[end - 1]):
                break
            value = number_word("".join(words[start:end]))
            if value is not None:
                best = Fraction(value), end
        if best is None and first in _ARTICLES and start + 1 == len(words):
            return Fraction(1), start + 1
        # "viermal die Woche"; not "einmal", which is "once more" as often as it is one
        if best is None and first.endswith("mal"):
            times = number_word(first.removesuffix("mal"))
            if times is not None and times >= 2:
                return Fraction(times), start + 1
        return best

    def _amount_at(self, w: list[str], i: int) -> tuple[Fraction, int] | None:
        """How many of a unit: "eine" (before a unit), "eine halbe", "drei viertel",
        "anderthalb", "zweieinhalb", "zwei einhalb", "zwanzig", "1.5"."""
        word, after = w[i], w[i + 1] if i + 1 < len(w) else ""
        if word in _ARTICLES:
            if after in _FRACTIONS:
                return _FRACTIONS[after], i + 2
            return (Fraction(1), i + 1) if after in _UNIT_WORDS else None
        if word == "drei" and after == "viertel":
            return Fraction(3, 4), i + 2
        if word in _FRACTIONS:
            return _FRACTIONS[word], i + 1
        half = _with_half(word)
        if half is not None:
            return half, i + 1
        number = self.number_at(w, i)
        if number is None:
            return None
        amount, j = number
        if j < len(w) and w[j] == "einhalb":
            amount, j = amount + Fraction(1, 2), j + 1
        return amount, j

    @staticmethod
    def _folded(word: str) -> tuple[str, Fraction] | None:
        """A length in one word: "viertelstunde", "zehnminütige", "halbstündigen"."""
        if word in _LENGTH_ALONE:
            return _UNIT_WORDS[word]
        match = _ADJECTIVE.fullmatch(word)
        if match is None:
            return None
        head = match.group(1)
        amount = _FRACTION_PREFIXES.get(head)
        if amount is None:
            whole = number_word(head)
            amount = Fraction(whole) if whole else _with_half(head)
        return (_ADJECTIVE_UNITS[match.group(2)], amount) if amount else None

    def duration_at(self, words: Words, start: int) -> tuple[dict[str, Fraction], int] | None:
        w = list(words)
        parts: dict[str, Fraction] = {}
        end = None
        i = start
        while i < len(w):
            folded = self._folded(w[i])
            if folded is not None:
                unit, amount, j = folded[0], folded[1], i + 1
            else:
                found = self._amount_at(w, i)
                if found is None:
                    break
                amount, j = found
                if j >= len(w) or w[j] not in _UNIT_WORDS:
                    break
                unit, size = _UNIT_WORDS[w[j]]
                amount, j = amount * size, j + 1
                if unit == "hour" and size == 1:  # "eine Stunde zwanzig": minutes, unnamed
                    k = j + (1 if w[j:j + 1] == ["und"] else 0)
                    minutes = self.number_at(w, k) if k < len(w) else None
                    if (minutes is not None and minutes[0].denominator == 1
                            and 10 <= minutes[0] <= 59
                            and (minutes[1] >= len(w) or w[minutes[1]] not in _UNIT_WORDS)):
                        parts["minute"] = parts.get("minute", Fraction(0)) + minutes[0]
                        j = minutes[1]
            # "eine Stunde und eine halbe" (but "... und eine halbe Minute" is a part of its own)
            if (w[j:j + 3] == ["und", "eine", "halbe"]
                    and (j + 3 >= len(w) or w[j + 3] not in _UNIT_WORDS)):
                amount, j = amount + Fraction(1, 2), j + 3
            parts[unit] = parts.get(unit, Fraction(0)) + amount
            end = j
            i = j + 1 if w[j:j + 1] == ["und"] else j  # "eine Stunde und zehn Minuten"
        return (parts, end) if end is not None else None

    # --- times of day (AMAZON.TIME) -----------------------------------------------------------
    @staticmethod
    def _part_of_day_at(w: list[str], start: int) -> tuple[str, int] | None:
        """"abends", "am Abend", "heute Nacht", "in der Früh": (code, end index)."""
        if start < len(w) and w[start] in _PARTS:
            return _PARTS[w[start]], start + 1
        for lead in _NOUN_LEADS:
            end = start + len(lead)
            if tuple(w[start:end]) == lead and end < len(w) and w[end] in _PART_NOUNS:
                return _PART_NOUNS[w[end]], end + 1
        return None

    def _meridiem_at(self, w: list[str], start: int) -> tuple[str, int] | None:
        """What follows a clock time and says which half of the day: "abends", "früh",
        "am Morgen", "mittags"."""
        if w[start:start + 1] == ["früh"]:
            return AM, start + 1
        noon = phrase_end(w, start, _NOON)
        if noon is not None:
            return MIDDAY, noon
        part = self._part_of_day_at(w, start)
        return (_PART_CLOCK[part[0]], part[1]) if part else None

    def _hour_at(self, w: list[str], start: int) -> tuple[int, int, bool] | None:
        """An hour (0-24), a number or "ein" ("ein Uhr"): (hour, end, said as two digits)."""
        if start >= len(w):
            return None
        if w[start] == "ein":
            return 1, start + 1, False
        found = self.number_at(w, start)
        if found is None or found[0].denominator != 1 or not 0 <= found[0] <= 24:
            return None
        return int(found[0]), found[1], len(w[start]) == 2 and w[start].isdigit()

    def _minutes_at(self, w: list[str], start: int, after_uhr: bool) -> tuple[int, int] | None:
        """Minutes after an hour: after "Uhr" any of 0-59 ("sieben Uhr fünf"), without it
        10-59 or two digits ("neunzehn dreißig", "19 30"); never the number of a length."""
        found = self.number_at(w, start)
        if found is None or found[0].denominator != 1:
            return None
        if found[1] < len(w) and w[found[1]] in _UNIT_WORDS:
            return None
        minute = int(found[0])
        two_digits = len(w[start]) == 2 and w[start].isdigit()
        if minute > 59 or not (after_uhr or two_digits or minute >= 10):
            return None
        return minute, found[1]

    def _relative_at(self, w: list[str], i: int) -> tuple[int, int, int] | None:
        """Times said towards an hour: "halb acht", "viertel nach sieben", "viertel vor acht",
        "dreiviertel acht", "viertel acht", "zehn nach sieben", "fünf vor halb acht":
        (hour, minute, end index)."""
        offset, j = 0, i
        if w[i] == "viertel" and w[i + 1:i + 2] in (["nach"], ["vor"]):
            offset, j = 15, i + 1
        elif w[i] in ("viertel", "dreiviertel") or w[i:i + 2] == ["drei", "viertel"]:
            hour = self._hour_at(w, i + (2 if w[i] == "drei" else 1))
            if hour is None or not 1 <= hour[0] <= 24:
                return None
            minutes = hour[0] * 60 - (15 if w[i] != "viertel" else 45)
            return *divmod(minutes, 60), hour[1]
        elif w[i] != "halb":
            number = self.number_at(w, i)
            if number is None or number[0].denominator != 1 or not 1 <= number[0] <= 29:
                return None
            offset, j = int(number[0]), number[1]
            j += 1 if w[j:j + 1] in (["minuten"], ["minute"]) else 0
        if offset:
            if w[j:j + 1] not in (["nach"], ["vor"]):
                return None
            sign, j = (1 if w[j] == "nach" else -1), j + 1
        else:
            sign = 0
        half = w[j:j + 1] == ["halb"]
        hour = self._hour_at(w, j + (1 if half else 0))
        if hour is None or not 1 <= hour[0] <= 24:
            return None
        end = hour[1] + (1 if w[hour[1]:hour[1] + 1] == ["uhr"] and not half else 0)
        minutes = hour[0] * 60 - (30 if half else 0) + sign * offset
        return *divmod(minutes, 60), end

    def time_at(self, words: Words, start: int, strict: bool) -> tuple[str, int] | None:
        w = list(words)
        if start >= len(w):
            return None
        named = self._named_time_at(w, start, _NOON, _MIDNIGHT)
        if named is not None:
            return named
        relative = self._relative_at(w, start)
        if relative is not None:
            hour, minute, end = relative
            if hour > 12:  # towards a 24-hour hour: "viertel vor neunzehn Uhr"
                return f"{hour:02d}:{minute:02d}", end
            meridiem = self._meridiem_at(w, end)
            clock = self.clock((hour - 1) % 12 + 1, minute,
                               meridiem[0] if meridiem else None, False)
            return (clock, meridiem[1] if meridiem else end) if clock else None
        joined = re.fullmatch(r"(\d{1,2})uhr", w[start])  # "19uhr"
        if joined:
            hour: tuple[int, int, bool] | None = (int(joined.group(1)), start + 1,
                                                 len(joined.group(1)) == 2)
            uhr = True
        else:
            hour = self._hour_at(w, start)
            uhr = hour is not None and w[hour[1]:hour[1] + 1] == ["uhr"]
        if hour is None or hour[0] > 24:
            return None
        value, end, two_digits = hour
        end += 1 if uhr and not joined else 0
        minute, marked = 0, uhr
        minutes = self._minutes_at(w, end, uhr) if end < len(w) else None
        if minutes is not None:
            minute, end, marked = minutes[0], minutes[1], True
            end += 1 if not uhr and w[end:end + 1] == ["uhr"] else 0  # "19 30 Uhr"
        meridiem = self._meridiem_at(w, end)
        if meridiem is not None:
            end, marked = meridiem[1], True
        if not marked and (strict or (end < len(w) and w[end] in _UNIT_WORDS)):
            return None  # "zwanzig Minuten" is a length, not eight in the evening
        if value == 0 and meridiem is not None:
            return None
        clock = self.clock(0 if value == 24 else value, minute,
                           meridiem[0] if meridiem else None, two_digits or value == 24)
        return (clock, end) if clock else None


LANGUAGE = German()

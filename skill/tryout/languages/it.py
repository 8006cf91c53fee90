"""Italian word rules: "ventuno", "mezz'ora", "un'ora e mezza", "alle sette di sera".

Italian writes numbers as one word and drops a vowel where two meet ("ventuno", "trentotto",
"centouno"); "un", "uno", "una" are articles as often as numbers, and count as one before a unit
or standing alone. Lengths come in halves and quarters of an hour ("mezz'ora", "un quarto
d'ora", "tre quarti d'ora", "un'ora e mezza"). The clock is 24-hour ("alle diciannove e trenta")
or says its part of the day ("alle sette di sera", "le tre del pomeriggio", "le due di notte"),
counts minutes on past the hour or back from the next ("le otto meno un quarto" is 07:45), and
names one o'clock "l'una". An apostrophe joins two words ("un'ora", "dell'ansia"), so it is read
as a space: both words stay words. The decimal mark is a comma ("1,5 ore").
"""

from __future__ import annotations

import re
from fractions import Fraction

from skill.tryout.languages.rules import AM, MIDDAY, NIGHT, PM, Language, Words

_ONES = {"zero": 0, "uno": 1, "un": 1, "una": 1, "due": 2, "tre": 3, "tré": 3, "quattro": 4,
         "cinque": 5, "sei": 6, "sette": 7, "otto": 8, "nove": 9}
#: The ones as they end a compound: "ventuno", "trentatré", "quarantotto".
_TRAILING_ONES = {"uno": 1, "due": 2, "tre": 3, "tré": 3, "quattro": 4, "cinque": 5, "sei": 6,
                  "sette": 7, "otto": 8, "nove": 9}
_TEENS = {"dieci": 10, "undici": 11, "dodici": 12, "tredici": 13, "quattordici": 14,
          "quindici": 15, "sedici": 16, "diciassette": 17, "diciotto": 18, "diciannove": 19}
_TENS = {"venti": 20, "trenta": 30, "quaranta": 40, "cinquanta": 50, "sessanta": 60,
         "settanta": 70, "ottanta": 80, "novanta": 90}
#: "un", "uno", "una": one before a unit or standing alone, an article elsewhere.
_ARTICLES = frozenset({"un", "uno", "una"})
_MAX_NUMBER_WORDS = 3

_UNIT_WORDS: dict[str, str] = {
    **dict.fromkeys(("ora", "ore", "h"), "hour"),
    **dict.fromkeys(("minuto", "minuti", "min"), "minute"),
    **dict.fromkeys(("secondo", "secondi", "sec"), "second"),
}
#: Fractions of an hour or a minute said as words: "mezz'ora", "mezzo minuto", "mezzora".
_HALF = frozenset({"mezza", "mezzo", "mezz"})

#: A part of the day said without a time: the codes Alexa's AMAZON.TIME sends for it.
_PART_WORDS = {"mattina": "MO", "mattino": "MO", "mattinata": "MO", "stamattina": "MO",
               "stamani": "MO", "pomeriggio": "AF", "sera": "EV", "serata": "EV",
               "stasera": "EV", "notte": "NI", "nottata": "NI", "stanotte": "NI"}
#: Words that lead a part of the day ("di sera", "la mattina", "nel pomeriggio", "in serata").
_PART_LEADS = ("di", "del", "della", "la", "il", "al", "alla", "nel", "nella", "in", "verso",
               "ogni", "tutte", "le")
_PART_CLOCK = {"MO": AM, "AF": PM, "EV": PM, "NI": NIGHT}
_NOON = frozenset({"mezzogiorno", "mezzodì"})
_MIDNIGHT = frozenset({"mezzanotte"})
#: Words right before an hour that make it a time of day ("alle sette", "all'una", "le otto").
_CLOCK_LEADS = frozenset({"alle", "all", "le", "l", "dalle", "verso", "ore", "entro", "per"})

_LIGHT = """il lo la i gli le l un uno una un di del dello della dei degli delle a al allo alla ai
agli alle all da dal dalla in nel nella su sul sulla per con tra fra e o ed che se mi ti ci si me te
ne è sono ho hai ha mio mia miei mie tuo tua questo questa quello quella io tu lui lei noi voi
ma poi allora adesso ora già ancora anche pure proprio dai ok okay alexa ehm eh beh boh senti
scusa favore un po"""
_NEVER_CORRECTED = """ora ore minuto minuti min secondo secondi sec mezza mezzo mezz mezzora
quarto quarti mezzogiorno mezzanotte mattina mattino pomeriggio sera notte stasera stanotte
stamattina meno alle all"""

_CALENDAR = {**dict.fromkeys(("giorno", "giorni"), "D"),
             **dict.fromkeys(("settimana", "settimane"), "W"),
             **dict.fromkeys(("mese", "mesi"), "M"),
             **dict.fromkeys(("anno", "anni"), "Y")}
#: Short samples of the built-in intents, standing in for Alexa's own Italian training.
_BUILTIN_SAMPLES = {
    "AMAZON.StopIntent": (
        "stop", "basta", "smettila", "esci", "fine", "zitta", "silenzio", "ciao",
        "è tutto", "spegniti", "chiudi", "stai zitta",
    ),
    "AMAZON.CancelIntent": (
        "annulla", "annullare", "lascia perdere", "dimentica", "niente", "annulla per favore",
        "no lascia stare", "non fa niente",
    ),
    "AMAZON.HelpIntent": (
        "aiuto", "aiutami per favore", "cosa puoi fare", "cosa posso fare", "mi serve aiuto",
        "quali opzioni ho", "come si usa", "non ho capito come funziona", "che devo fare",
    ),
    "AMAZON.YesIntent": (
        "sì", "si", "certo", "sì certo", "ok", "va bene", "volentieri", "esatto", "perfetto",
        "d'accordo", "sicuro", "assolutamente",
    ),
    "AMAZON.NoIntent": (
        "no", "no grazie", "non ora", "non adesso", "direi di no", "meglio di no",
        "assolutamente no", "per niente", "nemmeno",
    ),
    "AMAZON.PauseIntent": (
        "pausa", "metti in pausa", "pausa per favore", "ferma", "fermati", "aspetta un po'",
        "metti in pausa il tempo", "sospendi",
    ),
    "AMAZON.ResumeIntent": (
        "riprendi", "continua pure", "vai avanti pure", "riparti", "riprendi il tempo",
        "riprendi da dove eri", "ricomincia da dove ti eri fermata",
    ),
    "AMAZON.NavigateHomeIntent": (
        "vai alla home", "torna alla schermata iniziale", "schermata iniziale", "home",
    ),
    "AMAZON.RepeatIntent": ("ripeti", "puoi ripetere", "ripetilo", "cosa hai detto"),
    "AMAZON.StartOverIntent": ("ricomincia da capo", "ricomincia", "dall'inizio"),
}
#: What the offline measure fills built-in slots with when it expands a sample.
_BUILTIN_FILLS = {
    "AMAZON.DURATION": ("venti minuti", "dieci minuti", "mezz'ora", "quindici minuti",
                        "un'ora", "cinque minuti"),
    "AMAZON.NUMBER": ("quattro", "quindici", "tre", "venti", "dieci", "cinque"),
    "AMAZON.FirstName": ("Giulia", "Marco"),
    "AMAZON.TIME": ("sette di sera", "sei e mezza"),
    "AMAZON.DATE": ("domani", "lunedì"),
}
#: Alexa's own words around a permission: its question, its answer, the Alexa app's card.
_ALEXA_LINES = {
    "alexa_timers.question": "{name} vorrebbe usare i tuoi timer. Lo consenti?",
    "alexa_reminders.question": "{name} vorrebbe creare dei promemoria. Lo consenti?",
    "alexa_timers.allowed": "Timer consentiti.",
    "alexa_timers.refused": "Timer non consentiti.",
    "alexa_reminders.allowed": "Promemoria consentiti.",
    "alexa_reminders.refused": "Promemoria non consentiti.",
    "alexa_timers.card.title": "{name} vorrebbe usare i tuoi timer",
    "alexa_timers.card.text": "Consenti a {name} di impostare i timer delle tue sessioni.",
    "alexa_reminders.card.title": "{name} vorrebbe creare dei promemoria",
    "alexa_reminders.card.text": "Consenti a {name} di ricordarti il tappetino.",
}


def _below_hundred(word: str) -> int | None:
    """0-99 as one word: "sette", "diciannove", "trenta", "ventuno", "trentatré"."""
    for table in (_ONES, _TEENS, _TENS):
        if word in table:
            return table[word]
    for tens_word, tens in _TENS.items():
        # "venti" + "due", or the elided "vent" + "uno" / "otto"
        for head in (tens_word, tens_word[:-1]):
            if word.startswith(head) and word != head:
                ones = _TRAILING_ONES.get(word[len(head):])
                elided = head != tens_word
                if ones and elided == (ones in (1, 8)):
                    return tens + ones
    return None


def number_word(word: str) -> int | None:
    """A whole number written as one Italian word (below a million): "centoventi", "duemila"."""
    for scale, size, one in (("mila", 1000, "mille"), ("cento", 100, "cento")):
        if word == one:
            return size
        if word.startswith(one) and size == 1000:  # "milleduecento"
            rest = number_word(word[len(one):])
            return size + rest if rest is not None and rest < size else None
        head, found, tail = word.partition(scale)
        if not found:
            continue
        if size == 100:
            count = 1 if head == "" else _TRAILING_ONES.get(head)
            if count is None or head in ("uno",):
                return None
        else:
            count = number_word(head) if head else None
            if not count or count < 2:
                return None
        rest = number_word(tail) if tail else 0
        if rest is None or rest >= size:
            return None
        return count * size + rest
    return _below_hundred(word)


class Italian(Language):
    code = "it"
    name = "Italiano"
    voice = "it"
    and_word = "e"
    list_words = frozenset({"e", "ed", "o", "oppure", "più"})
    apostrophe = " "  # "un'ora" is "un ora", "dell'ansia" is "dell ansia"
    light_words = frozenset(_LIGHT.split())
    unit_words = frozenset(_NEVER_CORRECTED.split())
    calendar_units = _CALENDAR
    one_words = frozenset({"un", "uno", "una"})
    #: An hour is read as said: Italians name the evening ("alle diciannove", "alle sette di
    #: sera") when they mean it, and Alexa's Italian clock is 24-hour.
    bare_pm_hours = range(0)

    launch_verbs = ("apri", "avvia", "lancia", "inizia", "attiva", "usa", "fai partire",
                    "parla con", "gioca con")
    launch_fillers = ("per favore", "pure")
    launch_tails = ("per favore", "adesso", "ora")
    #: "di' a" as typed and "di a" as normalised (the apostrophe reads as a space).
    one_shot_verbs = ("chiedi a", "di a", "di' a", "di\u2019 a", "dì a", "dici a", "domanda a",
                      "apri", "avvia", "usa", "chiedi")
    connectors = ("di", "se", "che", "e", "per")
    tail_words = ("con", "su", "a", "da", "in", "tramite")

    builtin_samples = _BUILTIN_SAMPLES
    builtin_fills = _BUILTIN_FILLS
    allow_words = frozenset({"sì", "si", "certo", "ok", "okay", "va bene", "consenti",
                             "consento", "lo consento", "sì consento", "sì grazie",
                             "sì certo", "d'accordo", "d accordo", "autorizza", "permetti",
                             "volentieri", "sì volentieri", "certo che sì"})
    deny_words = frozenset({"no", "no grazie", "non consento", "nego", "rifiuta", "rifiuto",
                            "non ora", "mai", "per niente", "meglio di no", "non permettere"})
    alexa_lines = _ALEXA_LINES
    try_examples = ("apri coach del tappetino", "è sicuro se sono incinta",
                    "avvia una sessione di un minuto", "chiedi a coach del tappetino quanto manca",
                    "come sto andando",
                    "ricordami il lunedì e il venerdì alle diciannove")

    def numerals(self, text: str) -> str:
        """"1.000" is a thousand, "1,5" one and a half, "19.30" and "19:30" a time."""
        text = re.sub(r"(?<=\d)\.(?=\d{3}\b)", "", text)
        text = re.sub(r"(?<=\d),(?=\d)", "\x00", text)
        return re.sub(r"(?<=\d)[.:](?=\d)", " ", text)

    # --- numbers and lengths ------------------------------------------------------------------
    def number_at(self, words: Words, start: int) -> tuple[Fraction, int] | None:
        """Digits ("25", "2.5") or words, one ("ventuno", "centocinque") or a tens word and its
        ones apart ("venti due"). An article is one only when nothing follows it (an answer:
        "una")."""
        if start >= len(words):
            return None
        first = words[start]
        if re.fullmatch(r"\d+(\.\d+)?", first):
            return Fraction(first), start + 1
        if first in _ARTICLES:
            return (Fraction(1), start + 1) if start + 1 == len(words) else None
        value = number_word(first)
        if value is None:
            return None
        end = start + 1
        if first in _TENS and end < len(words) and words[end] in _TRAILING_ONES:
            value, end = value + _TRAILING_ONES[words[end]], end + 1
        return Fraction(value), end

    def _amount_at(self, w: list[str], i: int) -> tuple[Fraction, int] | None:
        """How many of a unit: "un" (before a unit), "venti", "1.5", "tre quarti"."""
        word, after = w[i], w[i + 1] if i + 1 < len(w) else ""
        if word in _ARTICLES:
            return (Fraction(1), i + 1) if after in _UNIT_WORDS else None
        return self.number_at(w, i)

    @staticmethod
    def _fraction_of_hour_at(w: list[str], i: int) -> tuple[dict[str, Fraction], int] | None:
        """"mezz'ora", "mezzora", "una mezz'ora", "un quarto d'ora", "tre quarti d'ora",
        "mezzo minuto"."""
        j = i + (1 if w[i:i + 1] in (["una"], ["un"]) and w[i + 1:i + 2] in (
            ["mezz"], ["mezzora"], ["quarto"]) else 0)
        if w[j:j + 1] == ["mezzora"]:
            return {"hour": Fraction(1, 2)}, j + 1
        if w[j:j + 2] == ["mezz", "ora"]:
            return {"hour": Fraction(1, 2)}, j + 2
        if w[j:j + 2] in (["mezzo", "minuto"], ["mezzo", "secondo"]):
            return {_UNIT_WORDS[w[j + 1]]: Fraction(1, 2)}, j + 2
        amount, k = None, j
        if w[j:j + 1] == ["quarto"]:
            amount, k = Fraction(1, 4), j + 1
        elif w[j:j + 2] == ["tre", "quarti"]:
            amount, k = Fraction(3, 4), j + 2
        if amount is None:
            return None
        if w[k:k + 2] in (["d", "ora"], ["di", "ora"]):
            return {"hour": amount}, k + 2
        if w[k:k + 1] == ["dora"]:
            return {"hour": amount}, k + 1
        return None

    def duration_at(self, words: Words, start: int) -> tuple[dict[str, Fraction], int] | None:
        w = list(words)
        fraction = self._fraction_of_hour_at(w, start)
        if fraction is not None:
            return fraction
        parts: dict[str, Fraction] = {}
        end = None
        i = start
        while i < len(w):
            found = self._amount_at(w, i)
            if found is None:
                break
            amount, j = found
            if j >= len(w) or w[j] not in _UNIT_WORDS:
                break
            unit = _UNIT_WORDS[w[j]]
            j += 1
            # "un'ora e mezza", "un minuto e mezzo", "un'ora e un quarto", "un'ora e venti"
            if w[j:j + 1] == ["e"]:
                tail = w[j + 1:j + 3]
                if tail[:1] and tail[0] in _HALF:
                    amount, j = amount + Fraction(1, 2), j + 2
                elif tail in (["un", "quarto"], ["quarto"]) or tail[:1] == ["quarto"]:
                    amount = amount + Fraction(1, 4)
                    j += 3 if tail[0] == "un" else 2
                elif tail == ["tre", "quarti"]:
                    amount, j = amount + Fraction(3, 4), j + 3
                elif unit == "hour":
                    minutes = self.number_at(w, j + 1)
                    if (minutes is not None and minutes[0].denominator == 1
                            and 1 <= minutes[0] <= 59
                            and (minutes[1] >= len(w) or w[minutes[1]] not in _UNIT_WORDS)):
                        parts["minute"] = parts.get("minute", Fraction(0)) + minutes[0]
                        j = minutes[1]
            parts[unit] = parts.get(unit, Fraction(0)) + amount
            end = j
            i = j + 1 if w[j:j + 1] == ["e"] else j  # "un'ora e dieci minuti"
        return (parts, end) if end is not None else None

    # --- times of day (AMAZON.TIME) -----------------------------------------------------------
    @staticmethod
    def _part_of_day_at(w: list[str], start: int) -> tuple[str, int] | None:
        """"di sera", "la mattina", "nel pomeriggio", "stasera", "sera": (code, end index)."""
        i = start
        while i < len(w) and w[i] in _PART_LEADS and i - start < 2:
            i += 1
        if i < len(w) and w[i] in _PART_WORDS:
            return _PART_WORDS[w[i]], i + 1
        return None

    def _meridiem_at(self, w: list[str], start: int) -> tuple[str, int] | None:
        """What follows a clock time and says which half of the day: "di sera", "del
        pomeriggio", "di notte", "del mattino"."""
        if w[start:start + 1] and w[start] in _PART_LEADS:
            part = self._part_of_day_at(w, start)
            if part is not None:
                return _PART_CLOCK[part[0]], part[1]
        if w[start:start + 2] in (["a", "mezzogiorno"], ["di", "giorno"]):
            return MIDDAY, start + 2
        return None

    def _hour_at(self, w: list[str], start: int) -> tuple[int, int, bool] | None:
        """An hour (0-24): a number, or "una" after "l'", "all'", "le": (hour, end, said as two
        digits)."""
        if start >= len(w):
            return None
        if w[start] == "una" and start > 0 and w[start - 1] in _CLOCK_LEADS:
            return 1, start + 1, False
        found = self.number_at(w, start)
        if found is None or found[0].denominator != 1 or not 0 <= found[0] <= 24:
            return None
        return int(found[0]), found[1], len(w[start]) == 2 and w[start].isdigit()

    def _minutes_at(self, w: list[str], start: int) -> tuple[int, int] | None:
        """Minutes after an hour: "e mezza", "e un quarto", "e tre quarti", "e venti", "meno
        un quarto", "meno dieci", or two digits straight after it ("19 30")."""
        if start >= len(w):
            return None
        word = w[start]
        if word in ("e", "meno"):
            sign, i = (1 if word == "e" else -1), start + 1
            tail = w[i:i + 2]
            if tail[:1] and tail[0] in _HALF and sign > 0:
                return 30, i + 1
            if tail[:1] == ["quarto"]:
                return 15 * sign, i + 1
            if tail == ["un", "quarto"]:
                return 15 * sign, i + 2
            if tail == ["tre", "quarti"] and sign > 0:
                return 45, i + 2
            found = self.number_at(w, i)
            if found is None or found[0].denominator != 1 or not 1 <= found[0] <= 59:
                return None
            if found[1] < len(w) and w[found[1]] in _UNIT_WORDS and w[found[1]] not in (
                    "minuti", "minuto"):
                return None
            end = found[1] + (1 if w[found[1]:found[1] + 1] in (["minuti"], ["minuto"]) else 0)
            if sign < 0 and found[0] > 30:
                return None
            return int(found[0]) * sign, end
        if len(word) == 2 and word.isdigit() and int(word) <= 59:
            return int(word), start + 1
        return None

    def time_at(self, words: Words, start: int, strict: bool) -> tuple[str, int] | None:
        w = list(words)
        if start >= len(w):
            return None
        if w[start] in _NOON or w[start] in _MIDNIGHT:  # "mezzogiorno e mezzo"
            hour = 12 if w[start] in _NOON else 0
            minutes = self._minutes_at(w, start + 1)
            minute, end = (minutes[0], minutes[1]) if minutes and minutes[0] > 0 else (
                0, start + 1)
            return f"{hour:02d}:{minute:02d}", end
        i, marked = start, False
        if w[i] == "ore" and i + 1 < len(w):  # "alle ore diciannove"
            i, marked = i + 1, True
        hour = self._hour_at(w, i)
        if hour is None:
            return self._part_of_day_at(w, start) if i == start else None
        value, end, two_digits = hour
        if end < len(w) and w[end] in _UNIT_WORDS:
            return None  # "due ore", "venti minuti": a length, not a time
        marked = marked or (start > 0 and w[start - 1] in _CLOCK_LEADS) or w[i] == "una"
        minute = 0
        minutes = self._minutes_at(w, end)
        if minutes is not None:
            minute, end, marked = minutes[0], minutes[1], True
        meridiem = self._meridiem_at(w, end)
        if meridiem is not None:
            end, marked = meridiem[1], True
        if not marked and strict:
            return None
        if value == 0 and meridiem is not None:
            return None
        if minute < 0:  # "le otto meno un quarto": back from the hour
            value, minute = (value - 1) % 24, 60 + minute
        clock = self.clock(0 if value == 24 else value, minute,
                           meridiem[0] if meridiem else None, two_digits or value == 24)
        return (clock, end) if clock else None


LANGUAGE = Italian()

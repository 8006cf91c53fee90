"""French word rules: "vingt et un", "une demi-heure", "sept heures et demie", "19 h 30".

French counts in twenties past sixty ("soixante-dix" is 70, "quatre-vingt-dix" 90), while
Belgium and Switzerland say "septante", "huitante" (or "octante") and "nonante": every form is
read. Lengths come in halves and quarters of an hour ("une demi-heure", "un quart d'heure",
"une heure et demie", "trois quarts d'heure"); the clock is the 24-hour one ("dix-neuf heures
trente", "19 h 30"), a time before the hour is said with "moins" ("huit heures moins le quart"
is 07:45), and the part of the day follows the hour ("sept heures du soir"). Hyphens and
apostrophes become spaces ("dix-neuf" is "dix neuf", "d'heure" is "d heure"), so a sample and
what is said split into the same words. "un" and "une" are articles as often as numbers: they
count as one before a unit or standing alone.
"""

from __future__ import annotations

import re
from fractions import Fraction

from skill.tryout.languages.rules import AM, NIGHT, PM, Language, Words

_UNITS = {"zéro": 0, "zero": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4,
          "cinq": 5, "six": 6, "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "onze": 11,
          "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16}
_TENS = {"vingt": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60,
         "septante": 70, "huitante": 80, "octante": 80, "nonante": 90}
#: "un", "une": one before a unit or alone (an answer), an article elsewhere.
_ARTICLES = frozenset({"un", "une"})
_MAX_NUMBER_WORDS = 8

#: Units of length and how much of the unit one of them is.
_UNIT_WORDS: dict[str, tuple[str, Fraction]] = {
    **dict.fromkeys(("heure", "heures", "h", "hr", "hrs"), ("hour", Fraction(1))),
    **dict.fromkeys(("minute", "minutes", "min", "mins", "mn"), ("minute", Fraction(1))),
    **dict.fromkeys(("seconde", "secondes", "sec", "secs", "s"), ("second", Fraction(1))),
}
#: Fractions said before a unit: "une demi-heure", "un quart d'heure", "trois quarts d'heure".
_FRACTIONS = {"demi": Fraction(1, 2), "demie": Fraction(1, 2), "quart": Fraction(1, 4),
              "quarts": Fraction(1, 4)}
#: What "et ..." adds after a unit: "une heure et demie", "une heure et quart".
_AND_FRACTIONS = {"demi": Fraction(1, 2), "demie": Fraction(1, 2), "quart": Fraction(1, 4)}

#: A part of the day said without a time: the codes Alexa's AMAZON.TIME sends for it.
_PART_NOUNS = {"matin": "MO", "matinée": "MO", "après midi": "AF", "aprèm": "AF",
               "soir": "EV", "soirée": "EV", "nuit": "NI"}
#: Words before a part of the day that make it one ("le soir", "ce soir", "dans la soirée").
_PART_LEADS = (("dans", "la"), ("dans", "l"), ("en", "fin", "de"), ("dans", "le"), ("le",),
               ("la",), ("l",), ("ce",), ("cet",), ("cette",), ("en",), ("chaque",),
               ("tous", "les"), ("toutes", "les"))
_PART_CLOCK = {"MO": AM, "AF": PM, "EV": PM, "NI": NIGHT}
#: After an hour: "du matin", "de l'après-midi", "du soir", "de la nuit".
_MERIDIEM_LEADS = (("du",), ("de", "l"), ("de", "la"), ("dans", "la"), ("le",), ("au",))

_LIGHT = """un une le la les l de du des d à a au aux et ou je j me m moi mon ma mes tu te t toi
ton ta tes il elle on nous vous votre vos ce c ça ca cet cette est es suis sont être y en pour par
sur avec dans que qu qui quoi s si ne n pas plus bien alors donc euh hum bon ben voilà là oui
alexa ok okay s il te plaît stp svp peu petit petite"""
_NEVER_CORRECTED = """heure heures h minute minutes min mn seconde secondes sec demi demie quart
quarts midi minuit matin matinée soir soirée nuit après midi moins pile"""

_CALENDAR = {**dict.fromkeys(("jour", "jours", "journée", "journées"), "D"),
             **dict.fromkeys(("semaine", "semaines"), "W"),
             **dict.fromkeys(("mois",), "M"),
             **dict.fromkeys(("an", "ans", "année", "années"), "Y")}
#: Short samples of the built-in intents, standing in for Alexa's own French training.
_BUILTIN_SAMPLES = {
    "AMAZON.StopIntent": (
        "stop", "arrête", "arrête toi", "tais toi", "chut", "au revoir", "quitter", "quitte",
        "sortir", "c'est tout", "ça suffit", "fin", "ferme",
    ),
    "AMAZON.CancelIntent": (
        "annule", "annuler", "annulation", "oublie", "peu importe", "non rien",
        "laisse", "finalement non", "annule s'il te plaît",
    ),
    "AMAZON.HelpIntent": (
        "aide", "à l'aide", "aide moi", "qu'est ce que je peux faire", "je ne comprends pas",
        "comment on fait", "quelles sont les options", "je ne sais pas quoi dire",
    ),
    "AMAZON.YesIntent": (
        "oui", "ouais", "oui merci", "d'accord", "ok", "okay", "volontiers", "avec plaisir",
        "exactement", "c'est ça", "allez", "bien sûr que oui",
    ),
    "AMAZON.NoIntent": (
        "non", "nan", "non merci", "pas maintenant", "surtout pas", "pas vraiment",
        "certainement pas", "jamais de la vie", "pas du tout",
    ),
    "AMAZON.PauseIntent": (
        "pause", "mets pause", "mets en pause", "attends", "attends un peu", "suspends",
        "une seconde", "pause s'il te plaît", "fais pause",
    ),
    "AMAZON.ResumeIntent": (
        "reprends", "reprise", "reprendre", "continue", "continuer", "on continue",
        "relance", "poursuis", "reprends là où on en était",
    ),
    "AMAZON.NavigateHomeIntent": (
        "accueil", "retour à l'accueil", "écran d'accueil", "menu principal",
    ),
    "AMAZON.RepeatIntent": ("répète", "tu peux répéter", "redis le", "qu'est ce que tu as dit"),
    "AMAZON.StartOverIntent": ("recommence", "reprends depuis le début",
                               "recommencer depuis le début"),
}
#: What the offline measure fills built-in slots with when it expands a sample.
_BUILTIN_FILLS = {
    "AMAZON.DURATION": ("vingt minutes", "dix minutes", "une demi heure", "un quart d'heure",
                        "une heure", "cinq minutes"),
    "AMAZON.NUMBER": ("quatre", "quinze", "trois", "vingt", "dix", "cinq"),
    "AMAZON.FirstName": ("Camille", "Louis"),
    "AMAZON.TIME": ("sept heures du matin", "dix neuf heures"),
    "AMAZON.DATE": ("demain", "lundi"),
}
#: Alexa's own words around a permission: its question, its answer, the Alexa app's card.
_ALEXA_LINES = {
    "alexa_timers.question": "{name} souhaite utiliser vos minuteurs. Vous l'autorisez?",
    "alexa_reminders.question": "{name} souhaite créer des rappels. Vous l'autorisez?",
    "alexa_timers.allowed": "Minuteurs autorisés.",
    "alexa_timers.refused": "Minuteurs non autorisés.",
    "alexa_reminders.allowed": "Rappels autorisés.",
    "alexa_reminders.refused": "Rappels non autorisés.",
    "alexa_timers.card.title": "{name} souhaite utiliser vos minuteurs",
    "alexa_timers.card.text": "Autorisez {name} à régler des minuteurs pour vos séances.",
    "alexa_reminders.card.title": "{name} souhaite créer des rappels",
    "alexa_reminders.card.text": "Autorisez {name} à vous rappeler votre tapis.",
}


def _below_hundred(w: Words, i: int) -> tuple[int, int] | None:
    """0-99 at `w[i]`: "sept", "dix sept", "vingt et un", "soixante douze", "quatre vingt
    dix neuf", "septante trois": (value, end index), the longest reading."""
    word = w[i] if i < len(w) else ""
    if word == "quatre" and w[i + 1:i + 2] in (["vingt"], ["vingts"]):
        tens, j = 80, i + 2
    elif word in _TENS:
        tens, j = _TENS[word], i + 1
    elif word == "dix" and w[i + 1:i + 2] and w[i + 1] in ("sept", "huit", "neuf"):
        return 10 + _UNITS[w[i + 1]], i + 2
    elif word in _UNITS:
        return _UNITS[word], i + 1
    else:
        return None
    # After a ten: "et un", "et une", "et onze" (21, 31 ... 71); a unit; or, after soixante
    # and quatre-vingt, a number from ten to nineteen ("soixante dix", "quatre vingt douze").
    if w[j:j + 1] == ["et"] and w[j + 1:j + 2] and w[j + 1] in ("un", "une", "onze") \
            and tens != 80:
        if w[j + 1] == "onze":
            return (tens + 11, j + 2) if tens == 60 else (tens, j)
        return tens + 1, j + 2
    rest = _below_hundred(w, j) if j < len(w) and w[j] not in _TENS else None
    if rest is None or (w[j] == "quatre" and w[j + 1:j + 2] in (["vingt"], ["vingts"])):
        return tens, j
    value, end = rest
    if (tens in (60, 80) and 1 <= value <= 19) or 1 <= value <= 9:
        if w[j] in _ARTICLES and tens != 80:  # "vingt une" is not said; "vingt un" neither
            return tens, j
        return tens + value, end
    return tens, j


def _below_thousand(w: Words, i: int) -> tuple[int, int] | None:
    """0-999: "cent", "deux cents", "cent cinq", or below a hundred."""
    head = _below_hundred(w, i)
    if w[i:i + 1] in (["cent"], ["cents"]):
        count, j = 1, i + 1
    elif head and head[0] in range(2, 10) and w[head[1]:head[1] + 1] in (["cent"], ["cents"]):
        count, j = head[0], head[1] + 1
    else:
        return head
    rest = _below_hundred(w, j) if j < len(w) else None
    return (count * 100 + rest[0], rest[1]) if rest and rest[0] else (count * 100, j)


def number_words(w: Words, i: int) -> tuple[int, int] | None:
    """A whole number spoken in words below a million: (value, end index)."""
    if w[i:i + 1] == ["mille"]:
        thousands, j = 1, i + 1
    else:
        head = _below_thousand(w, i)
        if head is None:
            return None
        if w[head[1]:head[1] + 1] not in (["mille"],) or head[0] < 2:
            return head
        thousands, j = head[0], head[1] + 1
    rest = _below_thousand(w, j) if j < len(w) else None
    return (thousands * 1000 + rest[0], rest[1]) if rest and rest[0] else (thousands * 1000, j)


class French(Language):
    code = "fr"
    name = "Français"
    voice = "fr"
    and_word = "et"
    list_words = frozenset({"et", "ou", "puis", "plus"})
    apostrophe = " "  # "d'heure" is "d heure", "l'utiliser" "l utiliser", in samples as said
    light_words = frozenset(_LIGHT.split())
    unit_words = frozenset(_NEVER_CORRECTED.split())
    calendar_units = _CALENDAR
    one_words = frozenset({"un", "une"})
    #: The 24-hour clock: an hour is read as said ("sept heures" is 07:00); the evening is
    #: named when it is meant ("dix-neuf heures", "sept heures du soir").
    bare_pm_hours = range(0)

    launch_verbs = ("ouvre", "ouvrir", "lance", "lancer", "démarre", "démarrer", "active",
                    "activer", "parle à", "parler à", "parle avec", "utilise", "joue")
    launch_fillers = ("la skill", "l application", "le jeu", "moi", "donc")
    launch_tails = ("s il te plaît", "s il vous plaît", "stp", "maintenant")
    one_shot_verbs = ("demande à", "demande", "dis à", "dis", "ouvre", "lance")
    connectors = ("de", "d", "si", "que", "qu", "et", "pour")
    tail_words = ("avec", "sur", "dans", "de", "par")

    builtin_samples = _BUILTIN_SAMPLES
    builtin_fills = _BUILTIN_FILLS
    allow_words = frozenset({"oui", "ouais", "d accord", "ok", "okay", "bien sûr", "volontiers",
                             "oui merci", "oui bien sûr", "autoriser", "j autorise",
                             "je l autorise", "oui je l autorise", "vas y", "c est bon",
                             "avec plaisir", "oui volontiers", "oui avec plaisir",
                             "oui d accord", "oui vas y", "ok vas y", "oui c est bon",
                             "bien sûr que oui", "oui bien sûr que oui", "j accepte"})
    deny_words = frozenset({"non", "nan", "non merci", "refuser", "je refuse", "refuse",
                            "pas question", "jamais", "surtout pas", "non je refuse",
                            "ne pas autoriser", "pas maintenant", "non pas maintenant",
                            "non merci pas maintenant", "je n autorise pas"})
    alexa_lines = _ALEXA_LINES
    try_examples = ("ouvre coach tapis", "est ce que c'est sans danger si je suis enceinte",
                    "lance une séance pendant une minute",
                    "demande à coach tapis combien de temps il reste",
                    "rappelle moi le lundi et le vendredi à dix neuf heures")

    def numerals(self, text: str) -> str:
        """"1 000" and "1.000" are a thousand, "1,5" one and a half, "19:30" and "19h30" a
        time ("19 h 30")."""
        text = re.sub(r"(?<=\d)[.\u00a0\u202f ](?=\d{3}\b)", "", text)
        text = re.sub(r"(?<=\d),(?=\d)", "\x00", text)
        text = re.sub(r"\b(\d{1,2})\s*h\s*(\d{2})\b", r"\1 h \2", text)
        text = re.sub(r"\b(\d{1,2})h\b", r"\1 h", text)
        return re.sub(r"(?<=\d)[.:](?=\d)", " ", text)

    # --- numbers and lengths ------------------------------------------------------------------
    def number_at(self, words: Words, start: int) -> tuple[Fraction, int] | None:
        """Digits ("25", "2.5") or words ("vingt et un", "quatre vingt dix", "nonante"). An
        article ("un", "une") is one only when nothing follows it (an answer: "une")."""
        if start >= len(words):
            return None
        first = words[start]
        if re.fullmatch(r"\d+(\.\d+)?", first):
            return Fraction(first), start + 1
        found = number_words(words, start)
        if found is None:
            return None
        if first in _ARTICLES and found[1] == start + 1 and start + 1 != len(words):
            return None
        return Fraction(found[0]), found[1]

    def _amount_at(self, w: list[str], i: int) -> tuple[Fraction, int] | None:
        """How many of a unit: "une" (before a unit), "une demi", "un quart", "trois quarts",
        "vingt", "1.5"."""
        word, after = w[i], w[i + 1] if i + 1 < len(w) else ""
        if word in _ARTICLES:
            if after in _FRACTIONS:
                return _FRACTIONS[after], i + 2
            return (Fraction(1), i + 1) if after in _UNIT_WORDS else None
        if word in _FRACTIONS:  # "demi heure", "quart d'heure"
            return _FRACTIONS[word], i + 1
        number = self.number_at(w, i)
        if number is None:
            return None
        amount, j = number
        if w[j:j + 1] == ["quarts"]:
            return amount / 4, j + 1
        return amount, j

    def duration_at(self, words: Words, start: int) -> tuple[dict[str, Fraction], int] | None:
        w = list(words)
        parts: dict[str, Fraction] = {}
        end = None
        i = start
        while i < len(w):
            found = self._amount_at(w, i)
            if found is None:
                break
            amount, j = found
            if w[j:j + 1] == ["d"] and w[j + 1:j + 2] in (["heure"], ["heures"]):
                j += 1  # "un quart d'heure", "trois quarts d'heure"
            if j >= len(w) or w[j] not in _UNIT_WORDS:
                break
            if w[j] in ("h", "s") and found[1] - i == 1 and w[i] in _ARTICLES:
                break  # "une h" is no length; "2 h" is
            unit, size = _UNIT_WORDS[w[j]]
            amount, j = amount * size, j + 1
            if w[j:j + 1] == ["et"] and w[j + 1:j + 2] and w[j + 1] in _AND_FRACTIONS \
                    and (unit == "hour" or w[j + 1] != "quart"):
                amount, j = amount + _AND_FRACTIONS[w[j + 1]], j + 2
            elif unit == "hour" and size == 1:  # "une heure vingt": minutes, unnamed
                minutes = self.number_at(w, j) if j < len(w) else None
                if (minutes is not None and minutes[0].denominator == 1
                        and 1 <= minutes[0] <= 59
                        and (minutes[1] >= len(w) or w[minutes[1]] not in _UNIT_WORDS)):
                    parts["minute"] = parts.get("minute", Fraction(0)) + minutes[0]
                    j = minutes[1]
            parts[unit] = parts.get(unit, Fraction(0)) + amount
            end = j
            i = j + 1 if w[j:j + 1] == ["et"] else j  # "une heure et dix minutes"
        return (parts, end) if end is not None else None

    # --- times of day (AMAZON.TIME) -----------------------------------------------------------
    @staticmethod
    def _part_noun_at(w: list[str], i: int) -> tuple[str, int] | None:
        if w[i:i + 2] == ["après", "midi"]:
            return "AF", i + 2
        if i < len(w) and w[i] in _PART_NOUNS:
            return _PART_NOUNS[w[i]], i + 1
        return None

    def _part_of_day_at(self, w: list[str], start: int) -> tuple[str, int] | None:
        """"le soir", "ce matin", "dans l'après-midi", "cette nuit", "en soirée"."""
        for lead in _PART_LEADS:
            end = start + len(lead)
            if tuple(w[start:end]) == lead:
                noun = self._part_noun_at(w, end)
                if noun is not None:
                    return noun
        return None

    def _meridiem_at(self, w: list[str], start: int) -> tuple[str, int] | None:
        """What follows an hour and says which half of the day: "du soir", "du matin", "de
        l'après-midi", "de la nuit"."""
        for lead in _MERIDIEM_LEADS:
            end = start + len(lead)
            if tuple(w[start:end]) == lead:
                noun = self._part_noun_at(w, end)
                if noun is not None:
                    return _PART_CLOCK[noun[0]], noun[1]
        return None

    def _hour_at(self, w: list[str], start: int) -> tuple[int, int, bool] | None:
        """An hour (0-24) in digits or words, "une" included ("une heure"): (hour, end, said
        as two digits)."""
        if start >= len(w):
            return None
        if w[start] in _ARTICLES:
            return 1, start + 1, False
        found = self.number_at(w, start)
        if found is None or found[0].denominator != 1 or not 0 <= found[0] <= 24:
            return None
        return int(found[0]), found[1], len(w[start]) == 2 and w[start].isdigit()

    def _minutes_at(self, w: list[str], start: int, after_clock: bool) -> tuple[int, int] | None:
        """Minutes after an hour: "et demie", "et quart", "moins le quart", "moins dix", or a
        number (after "heures" any of 0-59, without it 10-59); never the number of a length."""
        if w[start:start + 2] in (["et", "demie"], ["et", "demi"]):
            return 30, start + 2
        if w[start:start + 2] == ["et", "quart"]:
            return 15, start + 2
        if w[start:start + 1] == ["moins"]:
            j = start + 1 + (1 if w[start + 1:start + 2] == ["le"] else 0)
            if w[j:j + 1] == ["quart"]:
                return -15, j + 1
            found = self.number_at(w, j)
            if found and found[0].denominator == 1 and 1 <= found[0] <= 29:
                return -int(found[0]), found[1] + (1 if w[found[1]:found[1] + 1] in (
                    ["minutes"], ["minute"]) else 0)
            return None
        found = self.number_at(w, start)
        if found is None or found[0].denominator != 1:
            return None
        if found[1] < len(w) and w[found[1]] in _UNIT_WORDS and w[found[1]] != "h":
            return None
        minute = int(found[0])
        two_digits = len(w[start]) == 2 and w[start].isdigit()
        if minute > 59 or not (after_clock or two_digits or minute >= 10):
            return None
        return minute, found[1]

    def time_at(self, words: Words, start: int, strict: bool) -> tuple[str, int] | None:
        w = list(words)
        if start >= len(w):
            return None
        part = self._part_of_day_at(w, start)
        if part is not None:
            return part
        if w[start] in ("midi", "minuit"):
            hour, end, two_digits, clock_word = (12 if w[start] == "midi" else 0), start + 1, \
                True, True
        else:
            found = self._hour_at(w, start)
            if found is None:
                return None
            hour, end, two_digits = found
            clock_word = w[end:end + 1] in (["heure"], ["heures"], ["h"])
            if w[start] in _ARTICLES and not clock_word:
                return None
            end += 1 if clock_word else 0
        minute, marked = 0, clock_word
        minutes = self._minutes_at(w, end, clock_word) if end < len(w) else None
        if minutes is not None:
            minute, end, marked = minutes[0], minutes[1], True
        if w[end:end + 1] == ["pile"]:
            end += 1
        meridiem = self._meridiem_at(w, end)
        if meridiem is not None:
            end, marked = meridiem[1], True
        if not marked and (strict or (end < len(w) and w[end] in _UNIT_WORDS)):
            return None  # "vingt minutes" is a length, not eight in the evening
        total = hour * 60 + minute
        if minute < 0:  # "huit heures moins le quart": before the hour
            hour, minute = divmod(total, 60)
        if w[start] in ("midi", "minuit"):
            return f"{hour % 24:02d}:{minute:02d}", end
        clock = self.clock(0 if hour == 24 else hour, minute,
                           meridiem[0] if meridiem else None, two_digits or hour == 24)
        return (clock, end) if clock else None


LANGUAGE = French()

"""Spanish word rules: "veinticinco", "media hora", "a las siete de la tarde", "y cuarto".

Spanish writes the numbers to thirty as one word ("dieciséis", "veintiuno") and the rest in
pieces joined by "y" ("treinta y cinco"); it tells lengths in fractions of an hour ("media hora",
"un cuarto de hora", "una hora y media") and softens them ("cinco minutitos"); it says a time
with its article ("a las siete", "a la una") and the part of the day after it ("de la tarde",
"de la noche", in Mexico "en la noche"), counts minutes past or before the hour ("y cuarto",
"menos diez") and also reads the 24-hour clock aloud ("las diecinueve treinta"); "a. m." and
"p. m." are heard in Latin America. "un", "una" are articles as often as numbers: they count
as one before a unit or standing alone. Every Spanish locale (es-ES, es-MX, es-US) reads its
words with these; Latin American locales speak with espeak-ng's Latin American voice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from fractions import Fraction
from typing import ClassVar

from skill.tryout.languages.rules import AM, MIDDAY, NIGHT, PM, Language, Words, phrase_end

_ONES = {"cero": 0, "uno": 1, "un": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5,
         "seis": 6, "siete": 7, "ocho": 8, "nueve": 9}
_TEENS = {"diez": 10, "once": 11, "doce": 12, "trece": 13, "catorce": 14, "quince": 15,
          "dieciséis": 16, "dieciseis": 16, "diecisiete": 17, "dieciocho": 18,
          "diecinueve": 19, "veinte": 20}
_TWENTIES = {f"veinti{w}": 20 + n for w, n in (
    ("uno", 1), ("ún", 1), ("un", 1), ("una", 1), ("dós", 2), ("dos", 2), ("trés", 3),
    ("tres", 3), ("cuatro", 4), ("cinco", 5), ("séis", 6), ("seis", 6), ("siete", 7),
    ("ocho", 8), ("nueve", 9))}
_TENS = {"treinta": 30, "cuarenta": 40, "cincuenta": 50, "sesenta": 60, "setenta": 70,
         "ochenta": 80, "noventa": 90}
_HUNDREDS = {"cien": 100, "ciento": 100, "doscientos": 200, "doscientas": 200,
             "trescientos": 300, "trescientas": 300, "cuatrocientos": 400,
             "quinientos": 500, "seiscientos": 600, "setecientos": 700, "ochocientos": 800,
             "novecientos": 900}
#: "un", "una" (and "uno"): one before a unit or standing alone, an article elsewhere.
_ARTICLES = frozenset({"un", "una"})

#: Units of length, with how much of the unit one of them is.
_UNIT_WORDS: dict[str, tuple[str, Fraction]] = {
    **dict.fromkeys(("hora", "horas", "horita", "horitas", "h", "hr", "hrs"),
                    ("hour", Fraction(1))),
    **dict.fromkeys(("minuto", "minutos", "minutito", "minutitos", "min", "mins"),
                    ("minute", Fraction(1))),
    **dict.fromkeys(("segundo", "segundos", "segundito", "seg", "segs"),
                    ("second", Fraction(1))),
}
#: "media hora", "medio minuto": a half before the unit.
_HALVES = frozenset({"media", "medio"})

#: A part of the day said without a time: the codes Alexa's AMAZON.TIME sends for it.
_PART_NOUNS = {"mañana": "MO", "madrugada": "MO", "tarde": "AF", "tardecita": "AF",
               "noche": "NI", "nochecita": "EV"}
#: What leads a part of the day ("mañana" alone is tomorrow, "tarde" alone is late).
_PART_LEADS = (("por", "la"), ("en", "la"), ("de", "la"), ("a", "la"), ("esta",), ("cada",),
               ("todas", "las"), ("por", "las"), ("en", "las"))
_PART_CLOCK = {"MO": AM, "AF": PM, "EV": PM, "NI": NIGHT}
_AFTER_TIME = (("de", "la"), ("por", "la"), ("en", "la"))
_MERIDIEM = {"am": AM, "pm": PM}
_NOON = (("del", "mediodía"), ("al", "mediodía"), ("a", "mediodía"), ("mediodía",),
         ("las", "doce", "del", "mediodía"), ("medio", "día"))
_MIDNIGHT = (("a", "medianoche"), ("la", "medianoche"), ("medianoche",))
#: Nouns that make a number after "las" a count, not a time.
_COUNTED = frozenset({"sesiones", "sesión", "veces", "semanas", "días", "personas"})
#: Minutes said past or before the hour.
_PAST = {"media": 30, "cuarto": 15}

_LIGHT = """el la los las lo un una unos unas de del a al en y o que me mi mis tu tus te se le
es está están son soy estoy por para con sin sobre esto esta este eso esa ese ya pues bueno
vale hola oye alexa eh em este porfa favor si sí no muy más mas como cómo qué que quiero puedo
puedes hay ahora ahorita algo"""
_NEVER_CORRECTED = """hora horas horita minuto minutos minutito minutitos segundo segundos min
seg media medio cuarto cuartos mediodía medianoche mañana tarde noche madrugada punto am pm
menos"""

_CALENDAR = {**dict.fromkeys(("día", "días", "dia", "dias"), "D"),
             **dict.fromkeys(("semana", "semanas"), "W"),
             **dict.fromkeys(("mes", "meses"), "M"),
             **dict.fromkeys(("año", "años"), "Y")}
#: Short samples of the built-in intents, standing in for Alexa's own Spanish training.
_BUILTIN_SAMPLES = {
    "AMAZON.StopIntent": (
        "para", "detente", "stop", "basta", "adiós", "cállate", "silencio", "sal", "salir",
        "apágate", "eso es todo", "para ya", "terminar",
    ),
    "AMAZON.CancelIntent": (
        "cancela", "cancelar", "olvídalo", "déjalo", "no importa", "anula", "cancela eso",
        "cancelar por favor",
    ),
    "AMAZON.HelpIntent": (
        "ayuda", "ayúdame", "qué puedes hacer", "qué puedo decir", "necesito ayuda",
        "qué opciones tengo", "no sé qué hacer", "cómo funciona esto",
    ),
    "AMAZON.YesIntent": (
        "sí", "sí por favor", "claro", "vale", "de acuerdo", "venga", "perfecto",
        "por supuesto", "adelante", "sí claro", "okey", "dale",
    ),
    "AMAZON.NoIntent": (
        "no", "no gracias", "ahora no", "de momento no", "no quiero", "para nada", "nop",
        "no no", "creo que no",
    ),
    "AMAZON.PauseIntent": (
        "pausa", "pausar", "pon en pausa", "un momento", "detén el temporizador",
        "pausa por favor", "espera un poco", "haz una pausa",
    ),
    "AMAZON.ResumeIntent": (
        "continúa", "reanuda", "continuar", "reanudar", "sigue por donde iba",
        "reanuda el temporizador", "sigue por favor", "continúa por favor",
    ),
    "AMAZON.NavigateHomeIntent": (
        "inicio", "ir al inicio", "pantalla de inicio", "vuelve al inicio",
    ),
    "AMAZON.RepeatIntent": ("repite", "repítelo", "qué has dicho", "puedes repetir"),
    "AMAZON.StartOverIntent": ("empieza de nuevo", "vuelve a empezar", "desde el principio"),
}
#: What the offline measure fills built-in slots with when it expands a sample.
_BUILTIN_FILLS = {
    "AMAZON.DURATION": ("veinte minutos", "diez minutos", "media hora", "quince minutos",
                        "una hora", "cinco minutos"),
    "AMAZON.NUMBER": ("cuatro", "quince", "tres", "veinte", "diez", "cinco"),
    "AMAZON.FirstName": ("Lucía", "Pablo"),
    "AMAZON.TIME": ("las siete de la mañana", "las seis y media"),
    "AMAZON.DATE": ("mañana", "el lunes"),
}
#: Alexa's own words around a permission: its question, its answer, the Alexa app's card.
_ALEXA_LINES = {
    "alexa_timers.question": "{name} quiere usar tus temporizadores. ¿Lo permites?",
    "alexa_reminders.question": "{name} quiere crear recordatorios. ¿Lo permites?",
    "alexa_timers.allowed": "Temporizadores permitidos.",
    "alexa_timers.refused": "Temporizadores no permitidos.",
    "alexa_reminders.allowed": "Recordatorios permitidos.",
    "alexa_reminders.refused": "Recordatorios no permitidos.",
    "alexa_timers.card.title": "{name} quiere usar tus temporizadores",
    "alexa_timers.card.text": "Permite que {name} ponga temporizadores para tus sesiones.",
    "alexa_reminders.card.title": "{name} quiere crear recordatorios",
    "alexa_reminders.card.text": "Permite que {name} te recuerde usar la esterilla.",
}


def _below_hundred(words: Words, start: int) -> tuple[int, int] | None:
    """0-99 at `words[start]`: one word ("siete", "dieciséis", "veintiuno", "cuarenta") or
    tens joined by "y" ("treinta y cinco")."""
    word = words[start]
    for table in (_ONES, _TEENS, _TWENTIES):
        if word in table:
            return table[word], start + 1
    if word in _TENS:
        if (start + 2 < len(words) + 0 and words[start + 1:start + 2] == ["y"]
                and start + 2 < len(words) and words[start + 2] in _ONES
                and _ONES[words[start + 2]] > 0):
            return _TENS[word] + _ONES[words[start + 2]], start + 3
        return _TENS[word], start + 1
    return None


def _number_words(words: Words, start: int) -> tuple[int, int] | None:
    """A whole number said in words: "ciento cinco", "mil doscientos", "treinta y dos"."""
    total, i = 0, start
    if words[i] == "mil":
        total, i = 1000, i + 1
    else:
        found = _hundreds_at(words, i)
        if found is None:
            return None
        value, i = found
        if i < len(words) and words[i] == "mil":
            total, i = value * 1000, i + 1
        else:
            return value, i
    rest = _hundreds_at(words, i) if i < len(words) else None
    if rest is not None:
        total, i = total + rest[0], rest[1]
    return total, i


def _hundreds_at(words: Words, start: int) -> tuple[int, int] | None:
    """0-999: "ciento cinco", "doscientos treinta y uno", "cien", "veinte"."""
    word = words[start]
    if word in _HUNDREDS:
        value, i = _HUNDREDS[word], start + 1
        if word != "cien" and i < len(words):
            rest = _below_hundred(words, i)
            if rest is not None and rest[0] > 0:
                value, i = value + rest[0], rest[1]
        return value, i
    return _below_hundred(words, start)


class Spanish(Language):
    code = "es"
    name = "Español"
    voice = "es"
    #: espeak-ng's Latin American voice for the Latin American locales.
    regional_voices: ClassVar[Mapping[str, str]] = {"es-MX": "es-419", "es-US": "es-419"}
    and_word = "y"
    list_words = frozenset({"y", "e", "o", "más"})
    apostrophe = ""
    light_words = frozenset(_LIGHT.split())
    unit_words = frozenset(_NEVER_CORRECTED.split())
    calendar_units = _CALENDAR
    one_words = frozenset({"un", "una"})
    #: As in English, an hour from one to six said alone is read as afternoon or evening:
    #: "a las seis y media" sets a mat reminder at 18:30, not before dawn.
    bare_pm_hours = range(1, 7)

    launch_verbs = ("abre", "abrir", "inicia", "iniciar", "activa", "lanza", "empieza",
                    "arranca", "usa", "habla con", "quiero hablar con", "pon")
    launch_fillers = ("la skill", "la aplicación")
    launch_tails = ("por favor", "ya")
    one_shot_verbs = ("pide a", "pídele a", "dile a", "pregunta a", "pregúntale a", "pide",
                      "dile", "pregunta", "abre", "inicia")
    connectors = ("que", "si", "y")
    tail_words = ("con", "en", "de", "desde", "usando")

    builtin_samples = _BUILTIN_SAMPLES
    builtin_fills = _BUILTIN_FILLS
    allow_words = frozenset({"sí", "si", "claro", "vale", "venga", "de acuerdo", "ok", "okey",
                             "sí por favor", "sí claro", "permitir", "permítelo", "lo permito",
                             "adelante", "por supuesto", "dale", "sí gracias", "claro que sí",
                             "órale", "sale"})
    deny_words = frozenset({"no", "no gracias", "denegar", "no permitir", "no lo permito",
                            "nunca", "de ninguna manera", "mejor no", "ni hablar", "rechazar",
                            "ahora no", "ahorita no"})
    alexa_lines = _ALEXA_LINES
    try_examples = ("abre coach de esterilla", "es segura si estoy embarazada",
                    "empieza una sesión de un minuto",
                    "pregunta a coach de esterilla cuánto tiempo queda", "cómo voy",
                    "recuérdame usar la esterilla los lunes y los viernes a las siete de la tarde")

    def numerals(self, text: str) -> str:
        """"1.000" is a thousand, "2,5" two and a half, "19:30" and "19.30" a time."""
        text = re.sub(r"(?<=\d)\.(?=\d{3}\b)", "", text)
        text = re.sub(r"(?<=\d),(?=\d)", "\x00", text)
        return re.sub(r"(?<=\d)\.(?=\d)", " ", text)

    # --- numbers and lengths ------------------------------------------------------------------
    def number_at(self, words: Words, start: int) -> tuple[Fraction, int] | None:
        """Digits ("25", "2.5") or words ("veinticinco", "treinta y cinco", "ciento cinco").
        "un", "una" count as one only standing alone (an answer: "una")."""
        if start >= len(words):
            return None
        first = words[start]
        if re.fullmatch(r"\d+(\.\d+)?", first):
            return Fraction(first), start + 1
        if first in _ARTICLES:
            return (Fraction(1), start + 1) if start + 1 == len(words) else None
        found = _number_words(words, start)
        return (Fraction(found[0]), found[1]) if found else None

    def _amount_at(self, w: list[str], i: int) -> tuple[Fraction, int] | None:
        """How many of a unit: "una" (before a unit), "media", "un cuarto de", "tres cuartos
        de", "veinte", "1.5"."""
        word, after = w[i], w[i + 1] if i + 1 < len(w) else ""
        if word in _ARTICLES:
            if after in _HALVES:
                return Fraction(1, 2), i + 2
            if after == "cuarto" and w[i + 2:i + 3] == ["de"]:
                return Fraction(1, 4), i + 3
            return (Fraction(1), i + 1) if after in _UNIT_WORDS else None
        if word in _HALVES:
            return Fraction(1, 2), i + 1
        if word == "cuarto" and after == "de":
            return Fraction(1, 4), i + 2
        if word == "tres" and after == "cuartos" and w[i + 2:i + 3] == ["de"]:
            return Fraction(3, 4), i + 3
        return self.number_at(w, i)

    def duration_at(self, words: Words, start: int) -> tuple[dict[str, Fraction], int] | None:
        w = list(words)
        parts: dict[str, Fraction] = {}
        end = None
        i = start
        # "hora y media", "minuto y medio": the unit said alone means one of it.
        if i < len(w) and w[i] in _UNIT_WORDS and w[i] not in ("h", "min", "seg") and (
                w[i + 1:i + 3] in (["y", "media"], ["y", "medio"], ["y", "cuarto"])):
            unit = _UNIT_WORDS[w[i]][0]
            extra = Fraction(1, 4) if w[i + 2] == "cuarto" else Fraction(1, 2)
            return {unit: 1 + extra}, i + 3
        while i < len(w):
            found = self._amount_at(w, i)
            if found is None:
                break
            amount, j = found
            if j >= len(w) or w[j] not in _UNIT_WORDS:
                break
            unit, size = _UNIT_WORDS[w[j]]
            amount, j = amount * size, j + 1
            # "una hora y media", "dos horas y cuarto", "un minuto y medio"
            if w[j:j + 2] in (["y", "media"], ["y", "medio"]):
                amount, j = amount + Fraction(1, 2), j + 2
            elif w[j:j + 2] == ["y", "cuarto"]:
                amount, j = amount + Fraction(1, 4), j + 2
            elif unit == "hour" and amount.denominator == 1:
                # "una hora y veinte": minutes, unnamed
                k = j + (1 if w[j:j + 1] == ["y"] else 0)
                minutes = self.number_at(w, k) if k < len(w) else None
                if (minutes is not None and minutes[0].denominator == 1
                        and 5 <= minutes[0] <= 59
                        and (minutes[1] >= len(w) or w[minutes[1]] not in _UNIT_WORDS)):
                    parts["minute"] = parts.get("minute", Fraction(0)) + minutes[0]
                    j = minutes[1]
            parts[unit] = parts.get(unit, Fraction(0)) + amount
            end = j
            i = j + 1 if w[j:j + 1] == ["y"] else j  # "una hora y diez minutos"
        return (parts, end) if end is not None else None

    # --- times of day (AMAZON.TIME) -----------------------------------------------------------
    def _part_of_day_at(self, w: list[str], start: int) -> tuple[str, int] | None:
        """"por la tarde", "en la noche", "esta noche", "de madrugada": (code, end index)."""
        for lead in _PART_LEADS:
            end = start + len(lead)
            if tuple(w[start:end]) == lead and end < len(w) and w[end] in _PART_NOUNS:
                return _PART_NOUNS[w[end]], end + 1
        if w[start:start + 2] == ["de", "madrugada"]:
            return "NI", start + 2
        return None

    def _meridiem_at(self, w: list[str], start: int) -> tuple[str, int] | None:
        """What follows a clock time and says which half of the day: "de la tarde",
        "en la noche", "de la madrugada", "del mediodía", "p. m."."""
        if start < len(w) and w[start] in _MERIDIEM:
            return _MERIDIEM[w[start]], start + 1
        noon = phrase_end(w, start, (("del", "mediodía"), ("al", "mediodía")))
        if noon is not None:
            return MIDDAY, noon
        for lead in _AFTER_TIME:
            end = start + len(lead)
            if tuple(w[start:end]) == lead and end < len(w) and w[end] in _PART_NOUNS:
                code = _PART_NOUNS[w[end]]
                return (AM if w[end] == "madrugada" else _PART_CLOCK[code]), end + 1
        if w[start:start + 2] == ["de", "madrugada"]:
            return AM, start + 2
        return None

    def _hour_at(self, w: list[str], start: int) -> tuple[int, int, bool] | None:
        """An hour (0-24): a number, or "una" ("la una"): (hour, end, said as two digits)."""
        if start >= len(w):
            return None
        if w[start] in ("una", "un", "uno"):
            return 1, start + 1, False
        found = self.number_at(w, start)
        if found is None or found[0].denominator != 1 or not 0 <= found[0] <= 24:
            return None
        return int(found[0]), found[1], len(w[start]) == 2 and w[start].isdigit()

    def _minutes_at(self, w: list[str], start: int) -> tuple[int, int, bool] | None:
        """Minutes after an hour: "y media", "y cuarto", "y diez", "menos cuarto", "menos
        cinco", "en punto", or a number said straight after ("diecinueve treinta", "19 30"):
        (signed minutes, end index, whether they mark the words as a time)."""
        if w[start:start + 2] == ["en", "punto"]:
            return 0, start + 2, True
        if w[start:start + 1] in (["y"], ["menos"]):
            sign = 1 if w[start] == "y" else -1
            k = start + 1
            if k < len(w) and w[k] in _PAST:
                return sign * _PAST[w[k]], k + 1, True
            found = self.number_at(w, k) if k < len(w) else None
            if found is None or found[0].denominator != 1 or not 1 <= found[0] <= 59:
                return None
            end = found[1]
            if end < len(w) and w[end] in _UNIT_WORDS and _UNIT_WORDS[w[end]][0] != "minute":
                return None
            end += 1 if w[end:end + 1] in (["minutos"], ["minuto"]) else 0
            return sign * int(found[0]), end, True
        found = self.number_at(w, start)
        if found is None or found[0].denominator != 1:
            return None
        if found[1] < len(w) and w[found[1]] in _UNIT_WORDS:
            return None
        minute = int(found[0])
        two_digits = len(w[start]) == 2 and w[start].isdigit()
        if minute > 59 or not (two_digits or minute >= 10):
            return None
        return minute, found[1], True

    def time_at(self, words: Words, start: int, strict: bool) -> tuple[str, int] | None:
        w = list(words)
        if start >= len(w):
            return None
        named = self._named_time_at(w, start, _NOON, _MIDNIGHT)
        if named is not None:
            return named
        i = start
        # "a las siete", "a la una", "las diecinueve": the article is part of the time
        if w[i:i + 2] in (["a", "las"], ["a", "la"]):
            i += 2
        elif w[i:i + 1] in (["las"], ["la"]) and i + 1 < len(w):
            i += 1
        said_article = i > start
        hour = self._hour_at(w, i)
        if hour is None or hour[0] > 24:
            return None
        value, end, two_digits = hour
        marked = said_article
        if end < len(w) and w[end] in _COUNTED:
            return None  # "las dos sesiones", "a las tres veces": a count, not a time
        # "diecinueve horas" is a time; "dos horas" a length unless said with its article
        if w[end:end + 1] in (["horas"], ["h"]) and (value > 12 or said_article):
            end, marked = end + 1, True
        minute = 0
        minutes = self._minutes_at(w, end) if end < len(w) else None
        if minutes is not None:
            minute, end = minutes[0], minutes[1]
            marked = marked or minutes[2]
            end += 1 if w[end:end + 1] in (["horas"], ["h"]) else 0  # "19 30 horas"
        meridiem = self._meridiem_at(w, end)
        if meridiem is not None:
            end, marked = meridiem[1], True
        if not marked and (strict or (end < len(w) and w[end] in _UNIT_WORDS)):
            return None  # "veinte minutos" is a length, not eight in the evening
        if value == 0 and meridiem is not None:
            return None
        total = (0 if value == 24 else value) * 60 + minute
        if minute < 0:  # "las ocho menos cuarto" is 07:45
            hour_value, minute = divmod(total, 60)
            hour_value = hour_value if hour_value or value == 24 else 12
        else:
            hour_value = 0 if value == 24 else value
        if hour_value > 12:
            clock = self.clock(hour_value, minute, None, True)
            return (clock, end) if clock else None
        clock = self.clock(hour_value, minute, meridiem[0] if meridiem else None,
                           two_digits or value == 24)
        return (clock, end) if clock else None


LANGUAGE = Spanish()

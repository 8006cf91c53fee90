"""What the tests say and expect in each language the skill speaks, as data.

A language is data in the product (catalogue, model source, word rules); it is data in the
tests too. Every test that holds a conversation in a language, measures its held-out set,
looks for its doctor or reads its suggestions takes the words from one entry here, so a new
language is a new entry (and its data files), never a copied test. What can be read from the
product's own data (a catalogue line, Alexa's own words in `skill.tryout.languages`) is read
there; what is here is what a person says, and the few words a check looks for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"

#: Words an English reply nearly always has. A reply in another language must hold none of
#: them, except the ones that language writes too (French "minutes"): `english_words`.
ENGLISH_WORDS = ("the", "your", "you", "and", "with", "session", "left", "minutes", "please",
                 "sorry")


@dataclass(frozen=True)
class Phrasebook:
    """What a person says, in one language, in the conversations the tests hold."""

    #: Opens the skill.
    open: str
    #: Starts a twenty-minute session (Alexa fills PT20M).
    start_twenty: str
    #: Starts a one-minute session (PT1M): the page's fast clock runs it out.
    start_one: str
    #: Starts a ten-minute session (PT10M), typed in the console.
    start_ten: str
    #: A yes to Alexa's own question, with a word of warmth; a bare yes; a bare no.
    yes_gladly: str
    yes: str
    no: str
    #: A one-shot request naming the skill: how long is left.
    ask_time_left: str
    #: A safety question naming pregnancy.
    pregnant: str
    #: A weekly reminder on Mondays and Fridays at 19:00, and the day words as said in it.
    weekly: str
    weekly_days: tuple[str, str]
    #: A weekly reminder on Tuesdays at half past seven in the evening (19:30), and the day word.
    evening: str
    evening_day: str


@dataclass(frozen=True)
class SpokenLanguage:
    """One language the skill speaks, as the tests need it."""

    code: str
    #: The skill's name as Alexa listens for it in this language (the model's invocation).
    invocation: str
    #: The locale its conversations are held in (the language's first store).
    locale: str
    #: A time zone of that store: timer labels show its clock.
    zone: str
    #: Matches the doctor a named condition sends the user to (lowercased text).
    doctor: str
    #: Everyday carriers around a condition's name: a statement with a question, a trailing
    #: question, the shortest follow-up.
    safety_carriers: tuple[str, ...]
    #: Carriers around a complaint ("does it help with {x}").
    complaint_carriers: tuple[str, ...]
    #: How a line introduces a phrasing to say ("Try asking: ..."), with a `phrase` group.
    hint: str
    #: The word that joins the last of several suggested phrasings ("or").
    or_word: str
    #: The page quoting its conversation (the transcript block), relative to the repository.
    transcript_page: str
    #: Words that name a condition the model leaves unresolved, and that condition.
    unresolved: tuple[str, str]
    #: How a reminder on Mondays and Fridays at 19:00 is said back.
    weekly_said: tuple[str, str]
    #: What the store description must say (regular expressions): not a substitute for a
    #: health professional, and whom to call in an emergency.
    disclaimer: str = ""
    emergency: str = ""
    #: Words that make a sentence an invitation to speak ("say", "sag"): a reply that keeps
    #: the microphone open ends with a question or one of them.
    invitation: str = ""
    #: What the user says in the conversation the pages quote, scene by scene (None: the
    #: check-in, which the Echo speaks unasked), and how that check-in is captioned.
    quoted_lines: tuple[str | None, ...] = ()
    checkin_note: str = ""
    #: What a person says in the conversations.
    phrases: Phrasebook | None = None
    #: The set written blind in this language, measured by the word matcher (English sets
    #: live in `testkit.nlu` and are measured by the embedding stand-in too).
    heldout: str | None = None
    #: Its name among the held-out sets, the share answered on topic as last measured less one
    #: line's worth, and how many safety questions still reach the fallback or the menu.
    set_name: str | None = None
    answered_floor: float = 0.0
    safety_unanswered: int = 0
    #: The page's word matcher on that set: (share of intents right, share of out-of-domain
    #: lines sent to the fallback), as last measured less a line's worth.
    matcher_floors: tuple[float, float] = (0.0, 0.0)

    @property
    def heldout_path(self) -> Path | None:
        return DATA / self.heldout if self.heldout else None

    @property
    def doctor_pattern(self) -> re.Pattern[str]:
        return re.compile(self.doctor, re.I)

    @property
    def hint_pattern(self) -> re.Pattern[str]:
        return re.compile(self.hint, re.I)

    def english_words(self, catalogue_text: str) -> re.Pattern[str]:
        """English words a reply in this language must not hold: the common English ones its
        own catalogue never writes (case matters: German "Minute" is not "minute")."""
        own = set(re.findall(r"\w+", catalogue_text))
        return re.compile(r"\b(" + "|".join(w for w in ENGLISH_WORDS if w not in own) + r")\b")


ENGLISH = SpokenLanguage(
    code="en", invocation="mat coach", locale="en-US", zone="America/New_York",
    doctor=r"\bdoctor\b",
    safety_carriers=("I have {x}, is it okay to use it", "{x} - can I still lie on it",
                     "what about {x}"),
    complaint_carriers=("will it help my {x}", "does it help with {x}", "is it good for {x}"),
    hint=r"\b(?:say|ask|asking|saying)(?: me)?: (?P<phrase>[^.?!]+)", or_word="or",
    transcript_page="README.md",
    unresolved=("being pregnant again", "PREGNANCY"),
    weekly_said=("Mondays and Fridays", "7 pm"),
    disclaimer=r"not a substitute for professional medical advice",
    emergency=r"in an emergency, call your local emergency number",
    invitation=r"\b(say|ask|try|you can|just say)\b",
    quoted_lines=("Alexa, open mat coach.", "Yes.", None, "How much time is left?", "Pause.",
                  "Alexa, ask mat coach to resume.", "Alexa, open mat coach.", "Yes.",
                  "Alexa, tell mat coach I'm done.", "Alexa, open mat coach.", "Yes.",
                  "Mondays, Wednesdays and Fridays.", "At seven in the evening."),
    checkin_note="check-in, two minutes in",
)

GERMAN = SpokenLanguage(
    code="de", invocation="matten coach", locale="de-DE", zone="Europe/Berlin",
    doctor=r"arzt|ärzt",  # Kinderarzt, Hautärztin: the doctor inside a compound too
    safety_carriers=("ich habe {x}, ist das okay", "{x}, darf ich mich trotzdem drauflegen",
                     "was ist mit {x}"),
    complaint_carriers=("hilft das bei {x}", "ist das gut für {x}", "bringt das was bei {x}"),
    hint=r"\b(?:sag|sagen|frag|fragen|beispiel|oder): (?P<phrase>[^.?!]+)", or_word="oder",
    transcript_page="docs/conversation.md",
    unresolved=("meine schwangerschaft im fünften monat", "PREGNANCY"),
    weekly_said=("montags und freitags", "19 Uhr"),
    disclaimer=r"kein Ersatz für professionelle medizinische Beratung",
    emergency=r"im Notfall wähle die 112",
    invitation=r"\b(sag|frag|probier|du kannst)\w*",
    quoted_lines=("Alexa, öffne Matten Coach.", "Ja.", None, "Wie lange noch?", "Pause.",
                  "Alexa, sag Matten Coach, weiter.", "Alexa, öffne Matten Coach.", "Ja.",
                  "Alexa, sag Matten Coach, ich bin fertig.", "Alexa, öffne Matten Coach.", "Ja.",
                  "Montags, mittwochs und freitags.", "Um sieben Uhr abends."),
    checkin_note="Zwischenmeldung nach zwei Minuten",
    phrases=Phrasebook(
        open="öffne Matten Coach", start_twenty="starte eine Sitzung für zwanzig Minuten",
        start_one="starte eine Sitzung von einer Minute",
        start_ten="starte eine sitzung von zehn minuten", yes_gladly="ja gerne", yes="ja",
        no="nein", ask_time_left="frag Matten Coach, wie lange noch",
        pregnant="ist das sicher, wenn ich schwanger bin",
        weekly="erinnere mich montags und freitags um neunzehn uhr",
        weekly_days=("montags", "freitags"),
        evening="erinnere mich dienstags um halb acht abends", evening_day="dienstags"),
    heldout="heldout_de.jsonl", set_name="german", answered_floor=0.712, safety_unanswered=12,
    matcher_floors=(0.69, 0.9),
)

SPANISH = SpokenLanguage(
    code="es", invocation="coach de esterilla", locale="es-ES", zone="Europe/Madrid",
    doctor=r"\bm[eé]dic|\bdoctor|pediatra",
    safety_carriers=("tengo {x}, puedo usarla igualmente", "{x}, puedo tumbarme igualmente",
                     "y con {x}"),
    complaint_carriers=("me ayudará con {x}", "sirve para {x}", "es buena para {x}"),
    hint=r"\b(?:di|dime|decir|pregunta|preguntar|prueba|ejemplo|o): (?P<phrase>[^.?!]+)",
    or_word="o",
    transcript_page="docs/conversation.md",
    unresolved=("mi embarazo de cinco meses", "PREGNANCY"),
    weekly_said=("los lunes y los viernes", "las 19"),
    disclaimer=r"no sustituye el consejo médico profesional",
    emergency=r"en caso de emergencia, llama al (112|911)",
    invitation=r"\b(di|dime|pregunta|pregúntame|prueba|puedes|hazme)\b",
    quoted_lines=("Alexa, abre Coach de Esterilla.", "Sí.", None, "¿Cuánto tiempo queda?",
                  "Pausa.", "Alexa, pide a Coach de Esterilla que continúe.",
                  "Alexa, abre Coach de Esterilla.", "Sí.",
                  "Alexa, dile a Coach de Esterilla que ya he terminado.",
                  "Alexa, abre Coach de Esterilla.", "Sí.",
                  "Los lunes, los miércoles y los viernes.", "A las siete de la tarde."),
    checkin_note="aviso a los dos minutos",
    phrases=Phrasebook(
        open="abre Coach de Esterilla", start_twenty="empieza una sesión de veinte minutos",
        start_one="empieza una sesión de un minuto",
        start_ten="empieza una sesión de diez minutos", yes_gladly="sí, claro", yes="sí",
        no="no", ask_time_left="pregunta a Coach de Esterilla cuánto tiempo queda",
        pregnant="es segura si estoy embarazada",
        weekly="recuérdame usar la esterilla los lunes y los viernes a las siete de la tarde",
        weekly_days=("los lunes", "los viernes"),
        evening="recuérdame usar la esterilla los martes a las siete y media de la tarde",
        evening_day="los martes"),
    heldout="heldout_es.jsonl", set_name="spanish", answered_floor=0.703, safety_unanswered=5,
    matcher_floors=(0.717, 0.72),
)

ITALIAN = SpokenLanguage(
    code="it", invocation="coach del tappetino", locale="it-IT", zone="Europe/Rome",
    doctor=r"\bmedic[oi]\b",
    safety_carriers=("ho {x}, va bene lo stesso", "{x}, posso stendermi sopra lo stesso",
                     "e con {x}"),
    complaint_carriers=("mi aiuta con {x}", "serve per {x}", "è utile per {x}"),
    hint=r"(?:\bdi'|\b(?:dire|chiedi|chiedere|esempio|oppure)): (?P<phrase>[^.?!]+)",
    or_word="oppure",
    transcript_page="docs/conversation.md",
    unresolved=("di nuovo incinta dopo due anni", "PREGNANCY"),
    weekly_said=("il lunedì e il venerdì", "alle 19"),
    disclaimer=r"non sostituisce il parere di un medico",
    emergency=r"in caso di emergenza chiama il 112",
    invitation=r"\bdi'|\b(dimmi|chiedi\w*|prova\w*|puoi|rispondi)\b",
    quoted_lines=("Alexa, apri Coach del Tappetino.", "Sì.", None, "Quanto manca?", "Pausa.",
                  "Alexa, chiedi a Coach del Tappetino di riprendere.",
                  "Alexa, apri Coach del Tappetino.", "Sì.",
                  "Alexa, chiedi a Coach del Tappetino di terminare la sessione.",
                  "Alexa, apri Coach del Tappetino.", "Sì.",
                  "Il lunedì, il mercoledì e il venerdì.", "Alle sette di sera."),
    checkin_note="avviso intermedio dopo due minuti",
    phrases=Phrasebook(
        open="apri Coach del Tappetino", start_twenty="avvia una sessione di venti minuti",
        start_one="avvia una sessione di un minuto",
        start_ten="avvia una sessione di dieci minuti", yes_gladly="sì volentieri", yes="sì",
        no="no", ask_time_left="chiedi a Coach del Tappetino quanto manca",
        pregnant="è sicuro se sono incinta",
        weekly="ricordami il lunedì e il venerdì alle diciannove",
        weekly_days=("il lunedì", "il venerdì"),
        evening="ricordami il martedì alle sette e mezza di sera", evening_day="il martedì"),
    heldout="heldout_it.jsonl", set_name="italian", answered_floor=0.619, safety_unanswered=9,
    matcher_floors=(0.624, 0.666),
)

FRENCH = SpokenLanguage(
    code="fr", invocation="coach tapis", locale="fr-FR", zone="Europe/Paris",
    doctor=r"médecin",
    safety_carriers=("j'ai {x}, est-ce que je peux utiliser le tapis",
                     "{x}, je peux quand même m'allonger dessus", "et avec {x}"),
    complaint_carriers=("est-ce que ça aide pour {x}", "c'est bon pour {x}",
                        "ça fait quelque chose pour {x}"),
    hint=r"\b(?:dites|demandez|dire|demander|exemple)\s?: (?P<phrase>[^.?!]+)", or_word="ou",
    transcript_page="docs/conversation.md",
    unresolved=("ma grossesse au cinquième mois", "PREGNANCY"),
    weekly_said=("le lundi et le vendredi", "19 h"),
    disclaimer=r"ne remplacent pas l'avis d'un professionnel de santé",
    emergency=r"en cas d'urgence, appelez le (112|911)",  # 112 in Europe, 911 in Québec
    invitation=r"\b(dites|demandez|essayez|vous pouvez)\b",
    quoted_lines=("Alexa, ouvre Coach Tapis.", "Oui.", None, "Il reste combien de temps?",
                  "Pause.", "Alexa, demande à Coach Tapis de reprendre.",
                  "Alexa, ouvre Coach Tapis.", "Oui.", "Alexa, dis à Coach Tapis que j'ai fini.",
                  "Alexa, ouvre Coach Tapis.", "Oui.", "Le lundi, le mercredi et le vendredi.",
                  "À sept heures du soir."),
    checkin_note="point d'étape, après deux minutes",
    phrases=Phrasebook(
        open="ouvre Coach Tapis", start_twenty="lance une séance de vingt minutes",
        start_one="lance une séance pendant une minute",
        start_ten="lance une séance de dix minutes", yes_gladly="oui volontiers", yes="oui",
        no="non", ask_time_left="demande à Coach Tapis combien de temps il reste",
        pregnant="est-ce que c'est sans danger si je suis enceinte",
        weekly="rappelle-moi le lundi et le vendredi à dix-neuf heures",
        weekly_days=("le lundi", "le vendredi"),
        evening="rappelle-moi le mardi à sept heures et demie du soir", evening_day="le mardi"),
    heldout="heldout_fr.jsonl", set_name="french", answered_floor=0.729, safety_unanswered=7,
    matcher_floors=(0.769, 0.857),
)

#: Every language, English first; a new language is one more entry.
LANGUAGES: dict[str, SpokenLanguage] = {lang.code: lang for lang in (ENGLISH, GERMAN,
                                                                      SPANISH, ITALIAN, FRENCH)}
#: The languages besides English: each holds the English conversations in its own words.
OTHERS: tuple[SpokenLanguage, ...] = tuple(
    lang for lang in LANGUAGES.values() if lang.code != "en")
#: The held-out sets written in a language other than English, by set name.
WORD_SETS: dict[str, Path] = {
    lang.set_name: lang.heldout_path for lang in OTHERS
    if lang.set_name and lang.heldout_path is not None}


def language(locale: str) -> SpokenLanguage:
    """The entry for a locale ("de-DE" -> German)."""
    return LANGUAGES[locale.split("-")[0].lower()]

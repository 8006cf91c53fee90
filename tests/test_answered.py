"""Answered, not just understood: a question reaches the answer it asked for.

The checks go the whole way a user's words go: the offline understanding resolves them (the
embedding stand-in for English, the word matcher for every language), the Lambda handler
answers the request Alexa would send, and the reply is read for its meaning
(`testkit.answered`). Safety comes first: no safety question that names a condition may reach
the fallback or the menu, in any carrier; Stop, Cancel, Pause and Help stay Alexa's own; a
complaint hears its own careful answer; words entity resolution left unmatched are read again
before the menu is said; and the phrasings the skill itself suggests are samples.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import numpy as np
import pytest

from skill.content import catalogue_for
from skill.content.values import values_for
from skill.deploy import LOCALES
from skill.tryout.languages import language_for
from skill.tryout.model import builtin_samples
from testkit import answered, envelopes, nlu
from testkit.checks import mentions, says, speech_of
from testkit.languages import LANGUAGES, OTHERS, WORD_SETS, language

ROOT = Path(__file__).resolve().parent.parent
#: The built-ins the skill's own intents must leave alone; Stop and Cancel end alike.
PROTECTED = {"AMAZON.StopIntent": {"AMAZON.StopIntent", "AMAZON.CancelIntent"},
             "AMAZON.CancelIntent": {"AMAZON.StopIntent", "AMAZON.CancelIntent"},
             "AMAZON.PauseIntent": {"AMAZON.PauseIntent"},
             "AMAZON.HelpIntent": {"AMAZON.HelpIntent"}}
#: (locale, understanding) pairs: English through both stand-ins, every other language through
#: the word matcher.
MEASURES = [("en-US", "embeddings"), *[(lang.locale, "words") for lang in LANGUAGES.values()]]
#: The main locale of every language.
MAIN_LOCALES = [lang.locale for lang in LANGUAGES.values()]


@functools.cache
def _resolver(locale: str) -> nlu.Resolver:
    """One embedding resolver per locale for the whole module: building one embeds and
    calibrates every sample of the model."""
    return nlu.Resolver.from_model(nlu.MODELS_DIR / f"{locale}.json")


def _understand(how: str) -> answered.Understand:
    return answered.by_words() if how == "words" else answered.by_embeddings(_resolver)


def _names(locale: str, slot_type: str) -> dict[str, list[str]]:
    model = json.loads((nlu.MODELS_DIR / f"{locale}.json").read_text("utf-8"))
    for known in model["interactionModel"]["languageModel"]["types"]:
        if known["name"] == slot_type:
            return {v["id"]: [v["name"]["value"], *v["name"].get("synonyms", [])]
                    for v in known["values"]}
    raise AssertionError(f"{locale} has no {slot_type}")


def _lines(locale: str, slot_type: str, carriers: str, intent: str, slot: str,
           prefix: str) -> list[answered.Line]:
    """Every name of every value of a slot type, in each of the language's carriers
    (`carriers`: the field of `SpokenLanguage` that holds them)."""
    return [answered.Line(carrier.format(x=name), locale, intent, {slot: value_id},
                          (f"{prefix}{value_id}",))
            for value_id, names in _names(locale, slot_type).items() for name in names
            for carrier in getattr(language(locale), carriers)]


@pytest.mark.parametrize(("locale", "how"), MEASURES)
def test_every_condition_in_every_carrier_reaches_its_safety_answer(locale: str, how: str) -> None:
    lines = _lines(locale, "SafetyCondition", "safety_carriers", "CheckSafetyIntent", "condition",
                   "safety.condition.")
    assert len(lines) >= 150
    report = answered.measure(lines, _understand(how), source=f"{locale} safety carriers")
    wrong = [(v.line.text, v.heard.intent, v.heard.slots) for v in report.verdicts
             if not v.on_topic or v.heard.intent != "CheckSafetyIntent"]
    assert not wrong, f"{len(wrong)} of {len(lines)}: {wrong[:15]}"


def test_no_fallback_sample_sits_nearer_a_safety_question_than_the_safety_samples() -> None:
    """A near miss the model declares ("is it safe to go for a run with a cold") must not be
    the nearest sample to a real safety question: such samples are reworded or removed."""
    resolver = _resolver("en-US")
    lines = _lines("en-US", "SafetyCondition", "safety_carriers", "CheckSafetyIntent",
                   "condition", "safety.condition.")
    sims = resolver.embedder.encode([line.text for line in lines]) @ resolver.vectors.T
    owners = np.array(resolver.intents)[resolver._owner_intent]
    safety = np.isin(owners, nlu.SAFETY_INTENTS)
    fallback = owners == nlu.FALLBACK
    nearer = [line.text for line, row in zip(lines, sims, strict=True)
              if row[fallback].max() >= row[safety].max()]
    assert not nearer


@pytest.mark.parametrize(("locale", "how"), MEASURES)
def test_every_complaint_hears_its_own_answer(locale: str, how: str) -> None:
    lines = _lines(locale, "MatComplaint", "complaint_carriers", "ExplainMatIntent", "topic",
                   "explain.topic.")
    report = answered.measure(lines, _understand(how), source=f"{locale} complaints")
    wrong = [(v.line.text, v.heard.intent, v.heard.slots) for v in report.verdicts
             if not v.on_topic]
    assert not wrong, f"{len(wrong)} of {len(lines)}: {wrong[:15]}"


@pytest.mark.parametrize("locale", MAIN_LOCALES)
def test_complaint_answers_report_send_to_a_doctor_and_never_claim(locale: str) -> None:
    say = catalogue_for(locale)
    ids = set(_names(locale, "MatComplaint")) | {"OTHER_COMPLAINT"}
    for value_id in ids:
        for variant in say.variants(f"explain.topic.{value_id}"):
            assert language(locale).doctor_pattern.search(variant), variant
            assert variant not in say.variants("explain.topic.BENEFITS")


@pytest.mark.parametrize(("locale", "how"), MEASURES)
def test_stop_cancel_pause_and_help_stay_alexas_own(locale: str, how: str) -> None:
    understand = _understand(how)
    wrong = []
    for intent, samples in builtin_samples(locale).items():
        if intent not in PROTECTED:
            continue
        for text in samples:
            line = answered.Line(text, locale, intent, {}, ("goodbye",))
            heard = understand(line, {})
            if heard.intent not in PROTECTED[intent]:
                wrong.append((text, intent, heard.intent))
    assert not wrong


# --- item: unresolved words are read again -------------------------------------------------
def _unmatched(intent: str, slot: str, words: str, locale: str = "en-US") -> dict:
    return envelopes.intent(intent, {slot: envelopes.slot(slot, words, no_match=True)},
                            locale=locale)


@pytest.mark.parametrize(("intent", "slot", "words", "key"), [
    ("CheckSafetyIntent", "condition", "being pregnant again", "safety.condition.PREGNANCY"),
    ("CheckSafetyIntent", "condition", "recently got a pacemaker fitted", "safety.condition.HEART"),
    ("ExplainMatIntent", "topic", "using it while pregnant", "safety.condition.PREGNANCY"),
    ("ExplainMatIntent", "topic", "cleaning the spikes after", "explain.topic.CLEANING"),
    ("MatBenefitsIntent", "complaint", "my stiff neck after work", "explain.topic.NECK"),
    ("MatBenefitsIntent", "complaint", "my knees", "explain.topic.OTHER_COMPLAINT"),
    ("ExplainMatIntent", "topic", "the weather in spain", "explain.unknown"),
])
def test_unresolved_words_are_read_again_before_the_menu(send, intent: str, slot: str,
                                                          words: str, key: str) -> None:
    """A condition inside unmatched words gets that condition's answer (a longer name wins
    within a type, and safety comes before any other type); only words naming nothing known
    hear the menu."""
    reply = speech_of(send(_unmatched(intent, slot, words)))
    assert mentions(reply, catalogue_for("en-US"), key), reply


@pytest.mark.parametrize("locale", MAIN_LOCALES)
def test_unresolved_words_are_read_again_in_every_language(send, locale: str) -> None:
    words, condition = language(locale).unresolved
    reply = speech_of(send(_unmatched("CheckSafetyIntent", "condition", words, locale)))
    assert mentions(reply, catalogue_for(locale), f"safety.condition.{condition}"), reply


def test_words_with_no_resolution_block_are_read_too(send) -> None:
    """Alexa may send the words with no `resolutions` at all: read them the same way."""
    request = envelopes.intent("CheckSafetyIntent",
                               {"condition": envelopes.slot("condition", "type two diabetes")})
    assert says(speech_of(send(request)).split(" I'm not")[0],
                catalogue_for("en-US"), "safety.condition.DIABETES")


def test_every_locale_knows_its_values() -> None:
    for locale in LOCALES:
        for slot_type in ("SafetyCondition", "MatComplaint", "MatTopic"):
            for value_id, names in _names(locale, slot_type).items():
                said = f"so {names[-1]} then"
                assert values_for(locale).find([said], [slot_type]) == (slot_type, value_id)


# --- the canonical way to ask is a sample ---------------------------------------------------
SKIP_HINTS = re.compile(r"^alexa\b", re.I)  # "say: Alexa, set a timer...": Alexa's, not ours
#: Lines that ask for one slot's value ("which days?", "how many minutes?"): the suggested
#: answer is a value said alone, which the dialog's slot elicitation takes, not a sample.
ELICITING = re.compile(r"\.ask_|length\.reprompt|^start\.(too|unclear)|^goal\.(ask|invalid)"
                       r"|^reminders\.(ask|when)")


def _hints(locale: str) -> set[str]:
    """The phrasings the skill's own lines suggest ("Try asking: how often should I use it?"),
    and the manifest's example phrases without the wake word and invocation."""
    say = catalogue_for(locale)
    or_word = re.escape(language(locale).or_word)
    found = set()
    for key in say:
        if ELICITING.search(key):
            continue
        for variant in say.variants(key):
            for match in language(locale).hint_pattern.finditer(variant):
                if SKIP_HINTS.search(match.group("phrase")):
                    continue
                # "You can say: start a session, how much time is left, or how am I doing."
                for phrase in re.split(rf",\s*(?:{or_word}\s+)?", match.group("phrase")):
                    phrase = re.sub(rf"^{or_word}:\s*", "", phrase.strip(" .?!"), flags=re.I)
                    if phrase and "{" not in phrase:
                        found.add(phrase)
    found |= _documented(locale)
    manifest = json.loads((ROOT / "skill-package-src" / "skill.json").read_text("utf-8"))
    locales = manifest["manifest"]["publishingInformation"]["locales"]
    invocation = json.loads((nlu.MODELS_DIR / f"{locale}.json").read_text("utf-8"))[
        "interactionModel"]["languageModel"]["invocationName"]
    connectors = "|".join(re.escape(c) for c in language_for(locale).connectors)
    for phrase in locales.get(locale, {}).get("examplePhrases", []):
        rest = re.sub(rf"^alexa,?\s+(?:\w+\s+){{0,2}}{re.escape(invocation)}\b\s*"
                      rf"(?:to|and|,|(?:{connectors})\b)?\s*", "", phrase.strip(), flags=re.I)
        if rest and rest.lower() != phrase.strip().lower():
            found.add(rest)
    return found


#: The page that suggests more to ask, beside the quoted conversation.
MORE_TO_ASK = {"en": ROOT / "docs" / "conversation.md"}


def _documented(locale: str) -> set[str]:
    """What the README and the docs suggest saying: the user's lines of the quoted
    conversation (after the wake word and the invocation) and the "other things to ask"."""
    spoken = language(locale)
    invocation = json.loads((nlu.MODELS_DIR / f"{locale}.json").read_text("utf-8"))[
        "interactionModel"]["languageModel"]["invocationName"]
    # the words between the name and the request ("to", "que"), as the language's rules drop them
    connectors = "|".join(re.escape(c) for c in language_for(locale).connectors)
    found = set()
    page = (ROOT / spoken.transcript_page).read_text("utf-8")
    marker = f"--locale {locale} -->" if spoken.code != "en" else "--markdown -->"
    quoted = page[page.index(marker):page.index("<!-- end of transcript -->", page.index(marker))]
    turns = re.findall(r"\*\*(User|Alexa):\*\*(?: \*\([^)]*\)\*:)? (.+?)\s*$", quoted, re.M)
    for (who, said), (_, before) in zip(turns[1:], turns, strict=False):
        if who != "User" or "?" in before:
            continue  # an answer to the skill's question ("Mondays and Fridays") is a slot value
        rest = re.sub(rf"^alexa,?\s+(?:\w+\s+){{0,2}}{re.escape(invocation)}\b,?\s*"
                      rf"(?:(?:{connectors})\s+)?", "", said.strip(" ."), flags=re.I)
        if rest and rest.lower() != said.strip(" .").lower():
            found.add(rest)  # "Alexa, tell mat coach I'm done." -> "I'm done"
        elif not said.lower().startswith("alexa"):
            found.add(said.strip(" ."))  # "How much time is left?"
    if spoken.code in MORE_TO_ASK:
        text = MORE_TO_ASK[spoken.code].read_text("utf-8")
        start = text.index("Other things to ask:")
        paragraph = text[start:text.index("\n\n", start)]
        found |= set(re.findall(r'"([^"]+)"', paragraph.split("An unclear length")[0]))
    alexas = {_plain(x) for samples in builtin_samples(locale).values() for x in samples}
    return {f for f in found if _plain(f) not in alexas}  # "pause", "resume": Alexa's own


def _expanded_samples(locale: str) -> set[str]:
    """Every sample, custom slots filled with each of their names, built-in slots left as a
    `{slot}` marker (`_is_sample` lets any words stand there)."""
    model = json.loads((nlu.MODELS_DIR / f"{locale}.json").read_text("utf-8"))
    language = model["interactionModel"]["languageModel"]
    names = {t["name"]: [n for v in t["values"] for n in (v["name"]["value"],
                                                           *v["name"].get("synonyms", []))]
             for t in language["types"]}
    out = set()
    for intent in language["intents"]:
        types = {s["name"]: s["type"] for s in intent.get("slots", [])}
        for sample in intent.get("samples", []):
            filled = [sample]
            for slot in re.findall(r"\{(\w+)\}", sample):
                if types.get(slot) in names:
                    filled = [f.replace(f"{{{slot}}}", n) for f in filled
                              for n in names[types[slot]]]
            out.update(re.sub(r"\{\w+\}", "SLOT", _plain(f)) for f in filled)
    return out


def _is_sample(phrase: str, samples: set[str]) -> bool:
    plain = _plain(phrase)
    if plain in samples:
        return True
    return any("SLOT" in s and re.fullmatch(re.escape(s).replace("SLOT", ".+"), plain)
               for s in samples)


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[^\w'{} ]", " ", text.lower()).split())


@pytest.mark.parametrize("locale", MAIN_LOCALES)
def test_the_phrasings_the_skill_suggests_are_samples(locale: str) -> None:
    hints = _hints(locale)
    assert len(hints) >= 4, hints
    samples = _expanded_samples(locale)
    missing = sorted(h for h in hints if not _is_sample(h, samples))
    assert not missing


@pytest.mark.parametrize("locale", [locale for locale in LOCALES if locale.startswith("en")])
def test_plain_i_am_forms_are_samples_where_im_is(locale: str) -> None:
    """English only: the plain "I am" beside every safety sample said with "I'm"."""
    samples = _expanded_samples(locale)
    model = json.loads((nlu.MODELS_DIR / f"{locale}.json").read_text("utf-8"))
    missing = [s for i in model["interactionModel"]["languageModel"]["intents"]
               if i["name"] in ("CheckSafetyIntent", "SafetyTipsIntent")
               for s in i.get("samples", []) if re.search(r"\bI'm\b", s)
               and _plain(s.replace("I'm", "I am")) not in
               {_plain(x) for x in i.get("samples", [])}]
    assert not missing
    assert samples


def test_no_heldout_line_is_a_sample_of_its_model() -> None:
    """A held-out line equal to a sample measures nothing: such lines leave their set."""
    sets = {**nlu.HELDOUT_SETS, **WORD_SETS}
    samples = {locale: _expanded_samples(locale) for locale in LOCALES}
    copies = [(name, line.text) for name, path in sets.items()
              for line in answered.load_lines(path)
              if _plain(line.text) in samples[line.locale]]
    assert not copies


# --- the end-to-end figure per held-out set -------------------------------------------------
#: Share answered on topic, as measured when the model last changed, less one line's worth
#: (`python -m bench.answered` prints the full report). The goal is 90 % on every set.
#: Other languages' sets are measured by the word matcher; their floors are in
#: `testkit.languages`, with the safety questions each still sends to the fallback (said in
#: words no sample or synonym of that language holds). Every English set sends none.
ANSWERED_FLOORS = {"held-out": 0.974, "blind": 0.986, "unseen": 0.972, "fourth": 0.946,
                   "fifth": 0.970, "sixth": 0.941, "seventh": 0.950,
                   **{lang.set_name: lang.answered_floor for lang in OTHERS if lang.set_name}}
SAFETY_UNANSWERED = {lang.set_name: lang.safety_unanswered for lang in OTHERS}


@pytest.fixture(scope="module")
def answered_reports() -> dict[str, answered.AnsweredReport]:
    resolvers: dict[str, nlu.Resolver] = {}
    return {name: answered.report_for(name, resolvers=resolvers) for name in ANSWERED_FLOORS}


@pytest.mark.parametrize("name", sorted(ANSWERED_FLOORS))
def test_each_held_out_set_is_answered_on_topic(answered_reports, name: str) -> None:
    report = answered_reports[name]
    assert report.share >= ANSWERED_FLOORS[name], answered.format_report(report)
    assert report.share >= answered.GOAL or name in SAFETY_UNANSWERED
    unsafe = report.safety_unanswered()
    assert len(unsafe) <= SAFETY_UNANSWERED.get(name, 0), [
        v.line.text for v in unsafe]

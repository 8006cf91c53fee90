"""An offline stand-in for Alexa's language understanding, to measure the interaction model.

Alexa's NLU cannot run here, so this approximates it with sentence embeddings
(`testkit.embeddings`) and scores an interaction model (`interaction_models/<locale>.json`, ASK
format) against utterances people actually say. It reads whatever model it is given and assumes
nothing of its content beyond the ASK format: intents and samples come and go.

How a request is understood (`Resolver.resolve`):

* **Intent** — every sample is embedded; a sample with `{slot}` placeholders is first filled
  with real values so it reads like speech (custom types: names and synonyms taken round-robin
  across the value ids, so every id shows up; AMAZON.DURATION / AMAZON.NUMBER: a few spoken
  lengths and numbers). An intent's score is its nearest sample's cosine similarity. Built-in
  intents the model declares (stop, cancel, help, ...) get a short generic sample list in the
  model's language (`Language.builtin_samples`), as Alexa knows them natively, plus whatever
  samples the model adds. Slots of built-in types are filled with that language's spoken
  lengths, numbers and times (`Language.builtin_fills`).
* **Out of domain** — when the best score is under a threshold, the answer is
  AMAZON.FallbackIntent. The threshold is calibrated per model, never on the held-out set: the
  model's own samples, each scored leave-one-template-out (all fillings of the same sample are
  left out too, or a sample would find its own near-copy), against `OOD_CALIBRATION`, a list of
  requests this skill does not handle; the threshold maximising balanced accuracy wins. A model
  may also give AMAZON.FallbackIntent samples of its own, as Alexa allows, to extend its
  out-of-domain model with near misses ("buy an acupressure mat", "clean my yoga mat"): an
  utterance nearest to one of those falls back whatever its score. They never count as
  in-domain evidence in the calibration. A sample that frames the words exactly around a value's
  name or synonym ("{condition} can I still lie on it" and "months along") takes them whatever
  sounds nearer, as Alexa weighs a known slot value.
* **Custom slots** — as Alexa fills them: first a sample whose words frame the utterance exactly
  ("is it safe if I have {condition}") captures the slot's words, and entity resolution matches
  them to a value name or synonym (case, apostrophes, "&" and spelled letters normalised): the
  whole words, else the longest name inside them. Without a framing sample, the longest
  *distinctive* name said anywhere counts (one with a word the samples never use around their
  slots: "pregnant" is, "the mat" is not). When no name is said, meaning decides: the value of
  the nearest filled sample, if it is clearly nearer than samples filled with other values, else
  the value whose names are nearest by embedding, if close (`VALUE_THRESHOLD`). Framed words
  that match nothing arrive unresolved (ER_SUCCESS_NO_MATCH); unframed, there is no slot.
  Slots that no sample holds together ("tell me about {topic}" / "how do I {task}") are
  alternatives: unframed words fill only the one the nearest sample holds.
* **Built-in slots** — AMAZON.DURATION and AMAZON.NUMBER are parsed from words or digits
  ("twenty five minutes" -> PT25M, "an hour and a half" -> PT1H30M, "twenty one" -> 21), for the
  intents that declare such a slot. Durations keep the units spoken, as Alexa does: "ninety
  minutes" is PT90M, "an hour" PT1H, "ninety seconds" PT90S; a fraction moves to the next smaller
  unit (PT1H30M, PT2M30S). Comparisons (`slots_match`) go by total length, so PT90M == PT1H30M.

`envelope_for(resolution, locale)` turns a resolution into the IntentRequest Alexa would send,
and `evaluate` / `format_report` / `check_failures` measure a held-out set (`bench.nlu` prints
them). Embeddings of the expanded samples are cached in the process and on disk under the
system's temp directory (`MAT_COACH_NLU_CACHE` overrides), keyed by the sentences and a hash of
the weights — never inside the repository.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from skill.handlers.explain import TOPIC_QUESTIONS, ExplainMatIntentHandler
from skill.tryout.languages import language_for
from skill.tryout.model import InteractionModel, builtin_samples
from skill.tryout.understanding import SampleTemplate, sample_template, span_fits
from skill.tryout.words import duration_seconds, normalise
from skill.tryout.words import find_phrase as _find_phrase
from skill.tryout.words import iso_duration as iso_duration
from skill.tryout.words import parse_duration as parse_duration
from skill.tryout.words import parse_number as parse_number
from skill.tryout.words import parse_number_words as parse_number_words
from testkit.embeddings import Embedder, default_embedder

ROOT = Path(__file__).resolve().parent.parent
MODELS_DIR = ROOT / "interaction_models"
HELDOUT_PATH = Path(__file__).resolve().parent / "data" / "heldout_utterances.jsonl"
#: A second set, written later and blind (its author read neither the model nor the first
#: set): after the first set had guided changes to the model, this one is the honest measure.
BLIND_PATH = Path(__file__).resolve().parent / "data" / "heldout_blind.jsonl"
#: A third set, written blind to the model and to both sets above once they had guided the
#: model's second round of changes. Its lines that happened to equal a sample were dropped (they
#: measure nothing). It chose one change only: a further batch of samples that scored worse on it.
UNSEEN_PATH = Path(__file__).resolve().parent / "data" / "heldout_unseen.jsonl"
#: A fourth, written blind to the model and to every set above after the last change, asked
#: for less obvious phrasings than the most common one: the hardest of the four, only measured.
FOURTH_PATH = Path(__file__).resolve().parent / "data" / "heldout_fourth.jsonl"
#: A fifth, written blind by two writers (British and Indian English; American, Canadian and
#: Australian) after the first four had guided a third round; it includes the reminder and
#: check-in intents. Measured once, then it guided a fourth round.
FIFTH_PATH = Path(__file__).resolve().parent / "data" / "heldout_fifth.jsonl"
#: A sixth, written blind by two more writers (people lying on the mat, terse; a shared household)
#: after the fourth round: measured once, then it guided a fifth.
SIXTH_PATH = Path(__file__).resolve().parent / "data" / "heldout_sixth.jsonl"
#: A seventh, written blind by two more writers (relaxed Australians and Canadians mid-session, a
#: grandparent new to speakers; polite Indian and British English, a sceptical partner, a busy
#: parent) after the fifth and sixth rounds, which it did not guide.
SEVENTH_PATH = Path(__file__).resolve().parent / "data" / "heldout_seventh.jsonl"
HELDOUT_SETS = {"held-out": HELDOUT_PATH, "blind": BLIND_PATH, "unseen": UNSEEN_PATH,
                "fourth": FOURTH_PATH, "fifth": FIFTH_PATH, "sixth": SIXTH_PATH,
                "seventh": SEVENTH_PATH}

FALLBACK = "AMAZON.FallbackIntent"
DURATION = "AMAZON.DURATION"
NUMBER = "AMAZON.NUMBER"
TIME = "AMAZON.TIME"

#: How many fillings one sample with a custom slot gets at most (spread across the value ids).
FILLS_PER_SAMPLE = 24
#: How close the utterance (or captured words) must be to a value's name or synonyms for entity
#: resolution by embedding when no synonym occurs word for word. Below it: no match.
VALUE_THRESHOLD = 0.5
#: How close the utterance must be to a filled sample for that sample's value to be taken.
FILLED_THRESHOLD = 0.6
#: ...and how much nearer than the nearest sample filled with any other value.
FILLED_MARGIN = 0.02

#: Requests this skill does not handle, for calibrating the fallback threshold only. Some are
#: far away (weather, music), some are deliberately near the domain (another mat, another
#: timer, another "is it safe"), because those are the ones a threshold must get right.
OOD_CALIBRATION: tuple[str, ...] = (
    "will I need an umbrella on thursday",
    "play some jazz",
    "do you know any riddles",
    "set a reminder for the dentist on friday",
    "put eggs on the grocery list",
    "dim the bedroom lamp",
    "who won the football game last night",
    "how tall is mount everest",
    "order more double a batteries",
    "call my sister",
    "what's the population of brazil",
    "read me the headlines",
    "how do you make pancakes",
    "translate good morning into italian",
    "book a table for two tonight",
    "remind me to water the plants",
    "how much protein is in an egg",
    "what time does the pharmacy close",
    "convert ten miles to kilometres",
    "find a yoga class near me",
    "buy a new yoga mat",
    "how do I fix a dripping tap",
    "sing me a song",
    "who wrote the great gatsby",
    "what's on my calendar tomorrow",
    "send a text to my husband",
    "how far away is the moon",
    "what should I cook for dinner",
    "is it going to rain this weekend",
    "start the washing machine",
    "tell me about the history of egypt",
    "is it safe to swim after eating",
    "how long does it take to roast a chicken",
    "what's my bank balance",
    "where is my parcel",
    "set the thermostat to twenty one degrees",
    "play the sound of ocean waves",
    "what's a good stretch for tight hamstrings",
    "is chocolate poisonous for cats",
    "what's the price of petrol today",
    "flip a coin",
    "what day of the week is it",
    "wake me up at seven",
    "how do I get red wine out of a carpet",
    "what's the score in the tennis",
    "recommend a podcast",
    "how many teaspoons in a tablespoon",
    "open the garage door",
    "what movies are showing tonight",
    "give me a recipe for banana bread",
    "how do I get to the train station",
    "set a timer for the rice on the stove",
    "what's the news today",
    "lock the front door",
)


def without_invocation(invocation: re.Pattern[str] | None, text: str) -> str:
    """`text` without a one-shot lead-in ("ask mat coach ...") matched by `invocation`."""
    if invocation is None:
        return text
    stripped = invocation.sub(" ", text).strip(" ,.")
    return stripped or text


# --- the model, as read --------------------------------------------------------------------------
@dataclass(frozen=True)
class SlotValue:
    """A filled slot: `value` is what Alexa puts in `slot.value` (the spoken words for custom
    types, the canonical form for built-ins: "PT25M", "4"); `resolved_id` is entity
    resolution's match for custom types, None when it matched nothing (or for built-ins)."""

    value: str
    resolved_id: str | None = None
    slot_type: str = ""

    @property
    def custom(self) -> bool:
        return not self.slot_type.startswith("AMAZON.")


@dataclass(frozen=True)
class Resolution:
    """What the offline NLU understood: an intent, its filled slots and the winning score."""

    text: str
    intent: str
    slots: dict[str, SlotValue]
    score: float
    runner_up: tuple[str, float] | None = None
    #: Every slot the intent declares, filled or not: Alexa sends the unfilled ones empty.
    declared: tuple[str, ...] = ()


@dataclass(frozen=True)
class Calibration:
    """The fallback threshold and how well it separated the calibration sets."""

    threshold: float
    balanced_accuracy: float
    in_domain_kept: float  # share of the model's own samples (leave-one-out) above it
    ood_rejected: float  # share of OOD_CALIBRATION below it
    in_domain_count: int
    ood_count: int


def load_model(model: str | Path | Mapping[str, Any]) -> dict[str, Any]:
    """The `languageModel` of an interaction model given as a path, a locale or a dict."""
    if isinstance(model, Mapping):
        data: Mapping[str, Any] = model
    else:
        path = Path(model)
        if not path.suffix and not path.exists():
            path = MODELS_DIR / f"{model}.json"
        data = json.loads(path.read_text(encoding="utf-8"))
    if "interactionModel" in data:
        data = data["interactionModel"]
    if "languageModel" in data:
        data = data["languageModel"]
    return dict(data)


# --- the resolver ------------------------------------------------------------------------------
_SLOT = re.compile(r"\{(\w+)\}")


class Resolver:
    """Understands text against one interaction model; build with `Resolver.from_model`.

    Words are read with the rules of the model's language (`locale`): its numbers, lengths,
    times of day, invocation forms and the built-in intents' samples."""

    def __init__(self, language_model: Mapping[str, Any], embedder: Embedder, *,
                 ood_sentences: Sequence[str] = OOD_CALIBRATION,
                 cache_dir: Path | None = None, locale: str = "en-US") -> None:
        self.embedder = embedder
        self.locale = locale
        self.language = language = language_for(locale)
        self.invocation = language.invocation_pattern(
            str(language_model.get("invocationName", "")))
        #: The model's own setting for how readily Alexa falls back (LOW unless it says so).
        configuration = language_model.get("modelConfiguration", {}) or {}
        self.sensitivity = str(
            (configuration.get("fallbackIntentSensitivity", {}) or {}).get("level") or "LOW")
        self.types = InteractionModel.from_json({"languageModel": language_model}, locale).types
        builtins = builtin_samples(locale)
        self.intents: list[str] = []
        self.slot_types: dict[str, dict[str, str]] = {}
        self.templates: list[SampleTemplate] = []
        sentences: list[str] = []
        owners: list[tuple[str, int]] = []  # (intent, template index) per sentence
        self._fill_ids: list[dict[str, str]] = []  # slot -> value id each sentence was filled with
        cursor: dict[str, int] = defaultdict(int)
        for intent in language_model.get("intents", []) or []:
            name = intent["name"]
            slots = {s["name"]: s["type"] for s in intent.get("slots", []) or []}
            samples = list(dict.fromkeys(
                [*(intent.get("samples", []) or []), *builtins.get(name, ())]))
            if not samples:
                continue  # a built-in Alexa has no native samples for here: never chosen
            self.intents.append(name)
            self.slot_types[name] = slots
            for sample in samples:
                index = len(self.templates)
                self.templates.append(sample_template(name, sample, slots, language))
                for filled, ids in self._fillings(sample, slots, cursor):
                    sentences.append(filled)
                    owners.append((name, index))
                    self._fill_ids.append(ids)
        if not sentences:
            raise ValueError("the interaction model has no samples to resolve against")
        #: Words the samples themselves use around their slots: a value name made only of these
        #: ("the mat", "use it") says little when it turns up outside a framed slot.
        self.carrier_words = {w for t in self.templates for w in t.own_words}
        #: The sets of slots each intent's samples hold together (Alexa fills one sample's).
        self._slot_groups: dict[str, list[set[str]]] = defaultdict(list)
        for template in self.templates:
            self._slot_groups[template.intent].append(set(template.slots))
        self.sentences = sentences
        self._owner_intent = np.array([self.intents.index(i) for i, _ in owners])
        self._owner_template = np.array([t for _, t in owners])
        #: Sentences of the skill's own intents; the model's AMAZON.FallbackIntent samples (the
        #: near misses it declares out of domain) are the rest.
        self._in_domain = np.array([i != FALLBACK for i, _ in owners])
        self.vectors = _cached_encode(embedder, sentences, cache_dir)
        self._value_index: list[tuple[str, str, str]] = [  # (type, id, phrase)
            (type_name, value.id, phrase)
            for type_name, values in self.types.items() for value in values
            for phrase in value.phrases
        ]
        self._value_vectors = _cached_encode(
            embedder, [p for _, _, p in self._value_index] or ["-"], cache_dir)
        self.calibration = self._calibrate(list(ood_sentences))
        self.threshold = self.calibration.threshold

    @classmethod
    def from_model(cls, model: str | Path | Mapping[str, Any], embedder: Embedder | None = None,
                   **kwargs: Any) -> Resolver:
        """A resolver for an interaction model (path, locale name or dict), default weights;
        a model named by locale or by a file named for one reads that locale's words."""
        if not isinstance(model, Mapping) and "locale" not in kwargs:
            named = Path(model).stem
            if re.fullmatch(r"[a-z]{2,3}-[A-Z]{2}", named):
                kwargs["locale"] = named
        return cls(load_model(model), embedder or default_embedder(), **kwargs)

    # --- expanding samples ----------------------------------------------------------------
    def _round_robin(self, slot_type: str) -> list[tuple[str, str]]:
        """(id, phrase): every name first, then every first synonym, and so on, so that a
        sample taking the next few entries meets many ids, not one id's synonyms."""
        values = self.types.get(slot_type, [])
        longest = max((len(v.phrases) for v in values), default=0)
        return [(v.id, v.phrases[k]) for k in range(longest) for v in values
                if k < len(v.phrases)]

    def _fillings(self, sample: str, slots: Mapping[str, str],
                  cursor: dict[str, int]) -> list[tuple[str, dict[str, str]]]:
        """The sample as sentences people say: each slot filled with real values."""
        names = list(dict.fromkeys(_SLOT.findall(sample)))
        if not names:
            return [(sample, {})]
        choices: dict[str, list[tuple[str, str]]] = {}
        for name in names:
            slot_type = slots.get(name, "")
            if self.types.get(slot_type):
                pool = self._round_robin(slot_type)
                take = min(len(pool), FILLS_PER_SAMPLE)
                start = cursor[slot_type]  # the next sample continues where this one stops
                cursor[slot_type] = (start + take) % len(pool)
                choices[name] = [pool[(start + k) % len(pool)] for k in range(take)]
            else:
                fills = self.language.builtin_fills.get(slot_type, ("something",))
                choices[name] = [("", v) for v in fills]
        out: dict[str, dict[str, str]] = {}
        for k in range(max(len(c) for c in choices.values())):  # zipped, not a product
            picked = {n: c[k % len(c)] for n, c in choices.items()}
            text = _SLOT.sub(lambda m, p=picked: p[m.group(1)][1], sample)
            out.setdefault(text, {n: i for n, (i, _) in picked.items() if i})
        return list(out.items())


    # --- calibration ------------------------------------------------------------------------
    def _calibrate(self, ood: list[str]) -> Calibration:
        """Threshold maximising balanced accuracy: own samples (leave-one-template-out) vs OOD."""
        first_of_template: dict[int, int] = {}
        for row, template in enumerate(self._owner_template):
            first_of_template.setdefault(int(template), row)
        rows = np.array(sorted(r for r in first_of_template.values() if self._in_domain[r]))
        sims = self.vectors[rows] @ self.vectors.T
        sims[self._owner_template[rows][:, None] == self._owner_template[None, :]] = -1.0
        sims[:, ~self._in_domain] = -1.0
        inside = sims.max(axis=1)
        outside = ((self.embedder.encode(ood) @ self.vectors[self._in_domain].T).max(axis=1)
                   if ood else np.zeros(0))
        threshold, best = _best_threshold(inside, outside, self.sensitivity)
        return Calibration(
            threshold=threshold,
            balanced_accuracy=best,
            in_domain_kept=float((inside >= threshold).mean()),
            ood_rejected=float((outside < threshold).mean()) if len(outside) else 0.0,
            in_domain_count=len(inside),
            ood_count=len(outside),
        )

    # --- resolving --------------------------------------------------------------------------
    def strip_invocation(self, text: str) -> str:
        """"ask mat coach how long is left" -> "how long is left", as Alexa hands it over."""
        return without_invocation(self.invocation, text)

    def resolve(self, text: str) -> Resolution:
        """The intent and slots Alexa would most likely send for `text`."""
        return self.resolve_many([text])[0]

    def resolve_many(self, texts: Sequence[str]) -> list[Resolution]:
        """`resolve` for many texts, embedded in batches."""
        spoken = [self.strip_invocation(t) for t in texts]
        vectors = self.embedder.encode(spoken)
        sims = vectors @ self.vectors.T
        out = []
        for text, vector, row in zip(spoken, vectors, sims, strict=True):
            scores = np.full(len(self.intents), -1.0)
            np.maximum.at(scores, self._owner_intent, row)
            order = np.argsort(-scores, kind="stable")
            best = int(order[0])
            score = float(scores[best])
            runner = ((self.intents[int(order[1])], float(scores[order[1]]))
                      if len(order) > 1 else None)
            intent = self.intents[best]
            exact = self._exact_frame(text)
            if exact is not None:
                if exact != intent:
                    intent, runner = exact, (intent, score)
                    score = float(scores[self.intents.index(exact)])
                out.append(Resolution(text, intent, self._slots(intent, text, vector, row),
                                      score, runner, tuple(self.slot_types.get(intent, {}))))
                continue
            if intent == FALLBACK:  # nearest to a near miss the model itself declares
                out.append(Resolution(text, FALLBACK, {}, score, runner))
                continue
            if score < self.threshold:
                out.append(Resolution(text, FALLBACK, {}, score, (intent, score)))
                continue
            out.append(Resolution(text, intent, self._slots(intent, text, vector, row), score,
                                  runner, tuple(self.slot_types.get(intent, {}))))
        return out

    def _exact_frame(self, text: str) -> str | None:
        """The one intent with a sample that frames `text` word for word around a name or
        synonym of its custom slot ("{condition} can I still lie on it" and "months along"):
        Alexa takes such a match whatever else sounds near, as the measure does here."""
        joined = " ".join(self.language.normalise(text).split())
        found: set[str] = set()
        for template in self.templates:
            if template.pattern is None or len(template.slots) != 1:
                continue
            name = template.slots[0]
            slot_type = self.slot_types.get(template.intent, {}).get(name)
            if slot_type not in self.types:
                continue
            match = template.pattern.match(joined)
            if not match:
                continue
            span = match.group(name).strip()
            if any(self.language.normalise(p) == span
                   for value in self.types[slot_type] for p in value.phrases):
                found.add(template.intent)
        return found.pop() if len(found) == 1 else None

    def _slots(self, intent: str, text: str, vector: np.ndarray,
               row: np.ndarray) -> dict[str, SlotValue]:
        declared = self.slot_types.get(intent, {})
        if not declared:
            return {}
        language = self.language
        words = language.normalise(text).split()
        filled: dict[str, SlotValue] = {}
        taken: set[int] = set()
        for name, span in self._capture(intent, " ".join(words), declared).items():
            slot_type = declared[name]
            if slot_type in self.types:
                filled[name] = self._custom(intent, name, slot_type, span.split(), text, row)
            else:
                filled[name] = self._builtin_from_span(slot_type, span)
            start = _find_phrase(words, span.split(), taken)
            if start is not None:
                taken |= set(range(start, start + len(span.split())))
        # No sample frames the words: look for anything slot-like, durations before numbers.
        # Alexa fills only slots that one sample holds together; slots that no sample holds
        # together are alternatives ("tell me about {topic}" / "how do I {task}"), and of
        # custom ones the nearest sample's comes first.
        own = np.flatnonzero(self._owner_intent == self.intents.index(intent))
        nearest = self.templates[int(self._owner_template[own[np.argmax(row[own])]])].slots
        groups = self._slot_groups[intent]
        for name in sorted((n for n in declared if n not in filled),
                           key=lambda n: (declared[n] in self.types and n not in nearest,
                                          declared[n] == NUMBER)):
            if not any({name, *filled} <= group for group in groups):
                continue
            slot_type = declared[name]
            if slot_type in self.types:
                free = [w if i not in taken else "" for i, w in enumerate(words)]
                value = self._custom(intent, name, slot_type, free, text, row, framed=False)
                if value is not None:
                    filled[name] = value
            elif slot_type == DURATION:
                duration = language.find_duration(words, taken)
                if duration:
                    taken |= set(range(duration[1], duration[2]))
                    filled[name] = SlotValue(duration[0], None, slot_type)
            elif slot_type == TIME:
                time_of_day = language.find_time(words, taken)
                if time_of_day:
                    taken |= set(range(time_of_day[1], time_of_day[2]))
                    filled[name] = SlotValue(time_of_day[0], None, slot_type)
            elif slot_type == NUMBER and not any(v.slot_type == DURATION
                                                 for v in filled.values()):
                # A length already heard ("a ten minute one") leaves no bare number behind.
                number = language.find_number(words, taken)
                if number:
                    taken |= set(range(number[1], number[2]))
                    filled[name] = SlotValue(number[0], None, slot_type)
        return {name: filled[name] for name in declared if name in filled}

    def _custom(self, intent: str, name: str, slot_type: str, words: list[str], text: str,
                row: np.ndarray, *, framed: bool = True) -> SlotValue | None:
        """Entity resolution of a custom slot, from the most to the least certain evidence.

        `words` are the slot's framed words, or (`framed=False`) the whole utterance.

        1. the framed words are exactly a value's name or synonym;
        2. the longest *distinctive* name or synonym said word for word (one with a word the
           samples do not use around their slots: "pregnant" is, "the mat" is not);
        3. by meaning — unframed only: the value of the nearest filled sample of this intent,
           when it is close (`FILLED_THRESHOLD`) and clearly nearer than any sample filled with
           another value (`FILLED_MARGIN`; otherwise the shared carrier words, not the value,
           made it near); then, framed or not, the value whose name or synonym is nearest to the
           words, if close (`VALUE_THRESHOLD`);
        4. a non-distinctive name said word for word;
        5. framed words that match nothing arrive unresolved (ER_SUCCESS_NO_MATCH); without
           framed words there is no slot at all (None).
        """
        spoken = " ".join(w for w in words if w)
        shown = spoken if framed else text.strip()
        if framed:
            for value in self.types[slot_type]:
                if any(self.language.normalise(p) == spoken for p in value.phrases):
                    return SlotValue(spoken, value.id, slot_type)
        literal = self._longest_value(slot_type, words, set())
        if literal and not set(literal[1]) <= self.carrier_words:
            return SlotValue(spoken if framed else " ".join(literal[1]), literal[0], slot_type)
        value_id = None if framed else self._nearest_filled(intent, name, row)
        if value_id is None:
            vector = self.embedder.encode([shown])[0]
            value_id = self._nearest_value(slot_type, vector)
        if value_id is not None:
            return SlotValue(shown, value_id, slot_type)
        if literal:
            return SlotValue(spoken if framed else " ".join(literal[1]), literal[0], slot_type)
        return SlotValue(spoken, None, slot_type) if framed else None

    def _nearest_filled(self, intent: str, name: str, row: np.ndarray) -> str | None:
        """The value the nearest filled sample of `intent` carries, when the value shows."""
        index = self.intents.index(intent)
        best_per_value: dict[str, float] = {}
        for j in np.flatnonzero(self._owner_intent == index):
            value_id = self._fill_ids[j].get(name)
            if value_id is not None and row[j] > best_per_value.get(value_id, -1.0):
                best_per_value[value_id] = float(row[j])
        ranked = sorted(best_per_value.items(), key=lambda item: -item[1])
        if not ranked or ranked[0][1] < FILLED_THRESHOLD:
            return None
        if len(ranked) > 1 and ranked[0][1] - ranked[1][1] < FILLED_MARGIN:
            return None
        return ranked[0][0]

    def _capture(self, intent: str, joined: str, declared: Mapping[str, str]) -> dict[str, str]:
        """Slot words framed by the most specific sample of `intent` that matches exactly."""
        best: tuple[int, int] | None = None
        best_spans: dict[str, str] = {}
        for template in self.templates:
            if template.intent != intent or template.pattern is None:
                continue
            match = template.pattern.match(joined)
            if not match:
                continue
            spans = {name: match.group(name).strip() for name in template.slots}
            if not all(span_fits(declared.get(n, ""), s, self.language)
                       for n, s in spans.items()):
                continue
            rank = (template.literal, -len(spans))
            if best is None or rank > best:
                best, best_spans = rank, spans
        return best_spans

    def _builtin_from_span(self, slot_type: str, span: str) -> SlotValue:
        words = span.split()
        found = None
        if slot_type == DURATION:
            found = self.language.find_duration(words, whole=True)
        elif slot_type == NUMBER:
            found = self.language.find_number(words, whole=True)
        elif slot_type == TIME:  # "seven pm" -> 19:00, as Alexa fills AMAZON.TIME
            found = self.language.find_time(words, whole=True)
        return SlotValue(found[0] if found else span, None, slot_type)

    def _longest_value(self, slot_type: str, words: list[str],
                       taken: set[int]) -> tuple[str, list[str], int] | None:
        """Entity resolution word for word: the longest name or synonym present."""
        best: tuple[str, list[str], int] | None = None
        for value in self.types.get(slot_type, []):
            for phrase in value.phrases:
                phrase_words = self.language.normalise(phrase).split()
                if not phrase_words or (best and len(phrase_words) <= len(best[1])):
                    continue
                start = _find_phrase(words, phrase_words, taken)
                if start is not None:
                    best = (value.id, phrase_words, start)
        return best

    def _nearest_value(self, slot_type: str, vector: np.ndarray) -> str | None:
        """Entity resolution by meaning: the value whose name or synonym is nearest, if near."""
        rows = [i for i, (t, _, _) in enumerate(self._value_index) if t == slot_type]
        if not rows:
            return None
        sims = self._value_vectors[rows] @ vector
        best = int(np.argmax(sims))
        if sims[best] < VALUE_THRESHOLD:
            return None
        return self._value_index[rows[best]][1]


#: Alexa's fallback sensitivity, as the share of the model's own samples (scored leave-one-out)
#: the threshold must keep: LOW falls back least. MEDIUM and HIGH favour rejecting
#: out-of-domain speech more, down to the plain balanced-accuracy cut.
SENSITIVITY_KEEP = {"LOW": 0.97, "MEDIUM": 0.93, "HIGH": 0.0}


def _best_threshold(inside: np.ndarray, outside: np.ndarray,
                    sensitivity: str = "HIGH") -> tuple[float, float]:
    """The cut between two score sets with the best balanced accuracy (widest gap on ties),
    lowered if need be until it keeps the share of in-domain samples `sensitivity` asks for."""
    cut, accuracy = _balanced_cut(inside, outside)
    keep = SENSITIVITY_KEEP.get(sensitivity.upper(), 0.0)
    if keep and (inside >= cut).mean() < keep:
        cut = float(np.quantile(inside, 1.0 - keep))
        accuracy = float(((inside >= cut).mean() + (outside < cut).mean()) / 2) if len(
            outside) else 1.0
    return cut, accuracy


def _balanced_cut(inside: np.ndarray, outside: np.ndarray) -> tuple[float, float]:
    if not len(outside):
        return float(inside.min()) - 1e-6, 1.0
    points = np.unique(np.concatenate([inside, outside]))
    candidates = np.concatenate([[points[0] - 1e-6], (points[:-1] + points[1:]) / 2,
                                 [points[-1] + 1e-6]])
    best = (-1.0, -1.0, 0.0)
    for k, cut in enumerate(candidates):
        accuracy = ((inside >= cut).mean() + (outside < cut).mean()) / 2
        gap = (points[k] - points[k - 1]) if 0 < k < len(points) else 0.0
        if (accuracy, gap) > best[:2]:
            best = (float(accuracy), float(gap), float(cut))
    return best[2], best[0]


def _cache_dir() -> Path:
    return Path(os.environ.get("MAT_COACH_NLU_CACHE")
                or Path(tempfile.gettempdir()) / "mat-coach-nlu")


def _cached_encode(embedder: Embedder, sentences: Sequence[str],
                   cache_dir: Path | None) -> np.ndarray:
    """Embeddings of `sentences`, reused from disk when the sentences and weights are the same."""
    key = hashlib.sha256("\n".join([embedder.fingerprint, *sentences]).encode()).hexdigest()
    path = (cache_dir or _cache_dir()) / f"{key[:32]}.npy"
    try:
        vectors = np.load(path)
        if vectors.shape == (len(sentences), embedder.dimension):
            return vectors
    except (OSError, ValueError):
        pass
    vectors = embedder.encode(sentences)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        with partial.open("wb") as handle:
            np.save(handle, vectors)
        os.replace(partial, path)
    except OSError:
        pass  # a read-only temp dir only costs the next run the embedding time
    return vectors


# --- the envelope Alexa would send -------------------------------------------------------------
def envelope_for(resolution: Resolution, locale: str = "en-US", **envelope_kwargs: Any) -> dict:
    """The IntentRequest envelope Alexa would send for `resolution` (`testkit.envelopes`).

    Custom slots carry entity resolution (ER_SUCCESS_MATCH with the id, or
    ER_SUCCESS_NO_MATCH); built-in slots carry their canonical value; slots the intent declares
    but the utterance did not fill arrive as Alexa sends them, present with no value.
    """
    from testkit import envelopes

    slots: dict[str, dict] = {name: envelopes.slot(name) for name in resolution.declared}
    for name, value in resolution.slots.items():
        if value.custom:
            slots[name] = envelopes.slot(name, value.value, resolved_id=value.resolved_id,
                                         no_match=value.resolved_id is None)
        else:
            slots[name] = envelopes.slot(name, value.value)
    return envelopes.intent(resolution.intent, slots, locale=locale, **envelope_kwargs)


# --- measuring a held-out set ------------------------------------------------------------------
@dataclass(frozen=True)
class Example:
    """One held-out line: what a person said and what they meant."""

    text: str
    locale: str
    intent: str
    slots: dict[str, str]


def load_heldout(path: str | Path = HELDOUT_PATH) -> list[Example]:
    """The held-out utterances (JSON lines: text, locale, intent, slots)."""
    examples = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            examples.append(Example(row["text"], row.get("locale", "en-US"), row["intent"],
                                    {k: str(v) for k, v in (row.get("slots") or {}).items()}))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: not a held-out line ({exc})") from exc
    return examples


def comparable_slots(slots: Mapping[str, SlotValue]) -> dict[str, str]:
    """A resolution's slots as the held-out file writes them: ids for custom types, values
    for built-ins; an unresolved custom value is kept as "?" (it is a slot, just unmatched)."""
    return {name: (value.resolved_id or "?") if value.custom else value.value
            for name, value in slots.items()}


#: A session length said as a bare number of minutes ("a {minutes} minute session") and as a
#: duration ("a {duration} session") are one request: `requested_length` in the start handler
#: reads either slot and plans them alike, so the measure compares them alike too.
LENGTH_SLOTS = {"minutes": "duration"}


def _as_lengths(slots: Mapping[str, str]) -> dict[str, str]:
    out = dict(slots)
    for number, duration in LENGTH_SLOTS.items():
        if number in out and duration not in out and out[number].isdigit():
            out[duration] = f"PT{int(out.pop(number))}M"
    return out


def slots_match(expected: Mapping[str, str], got: Mapping[str, str]) -> bool:
    """Same slot names with the same values; durations compare by length (PT90M == PT1H30M),
    and a length in minutes equals the same length as a duration (`LENGTH_SLOTS`)."""
    expected, got = _as_lengths(expected), _as_lengths(got)
    if set(expected) != set(got):
        return False
    for name, want in expected.items():
        have = got[name]
        if want == have:
            continue
        want_s, have_s = duration_seconds(want), duration_seconds(have)
        if want_s is None or want_s != have_s:
            return False
    return True


@dataclass
class Outcome:
    example: Example
    resolution: Resolution

    @property
    def understood(self) -> tuple[str, dict[str, str]]:
        """The intent and slots as the skill answers them: a topic question ("how often should
        I use it", its own intent) is the explain intent with that topic (`TOPIC_QUESTIONS`), and
        the explain intent's topic is whichever of its slots names it ("how do I {task}"), or
        the complaint a benefits question names ("will it help my {complaint}")."""
        slots = comparable_slots(self.resolution.slots)
        topic = TOPIC_QUESTIONS.get(self.resolution.intent)
        if topic is not None:
            # "will it help my neck": a complaint named in a benefits question is its topic
            return "ExplainMatIntent", {"topic": slots.get("complaint") or topic}
        if self.resolution.intent == "ExplainMatIntent":
            named = [slots.pop(name) for name in ExplainMatIntentHandler.slot_names
                     if name in slots]
            if named:
                slots["topic"] = named[0]
        return self.resolution.intent, slots

    @property
    def intent_ok(self) -> bool:
        return self.understood[0] == self.example.intent

    @property
    def slots_ok(self) -> bool:
        return self.intent_ok and slots_match(self.example.slots, self.understood[1])

    @property
    def in_domain(self) -> bool:
        return self.example.intent != FALLBACK


@dataclass
class Report:
    """Everything `format_report` prints and `check_failures` judges."""

    outcomes: list[Outcome]
    calibrations: dict[str, Calibration]
    seconds: float
    source: str
    calibration_overlap: list[str] = field(default_factory=list)

    def subset(self, locale: str | None = None) -> list[Outcome]:
        return [o for o in self.outcomes if locale is None or o.example.locale == locale]

    def figures(self, locale: str | None = None) -> dict[str, float | int]:
        rows = self.subset(locale)
        inside = [o for o in rows if o.in_domain]
        outside = [o for o in rows if not o.in_domain]

        def share(items: list[Outcome], test: Any) -> float:
            return sum(1 for o in items if test(o)) / len(items) if items else float("nan")

        return {
            "lines": len(rows),
            "in_domain": len(inside),
            "out_of_domain": len(outside),
            "intent_in_domain": share(inside, lambda o: o.intent_ok),
            "intent_slots_in_domain": share(inside, lambda o: o.slots_ok),
            "intent_overall": share(rows, lambda o: o.intent_ok),
            "intent_slots_overall": share(rows, lambda o: o.slots_ok),
            "ood_to_fallback": share(outside, lambda o: o.resolution.intent == FALLBACK),
            "in_domain_to_fallback": share(inside, lambda o: o.resolution.intent == FALLBACK),
        }

    def confusions(self) -> list[tuple[str, str, int, str]]:
        """(expected, got, count, one example) for wrong intents, most frequent first."""
        counts: Counter[tuple[str, str]] = Counter()
        example: dict[tuple[str, str], str] = {}
        for o in self.outcomes:
            if not o.intent_ok:
                key = (o.example.intent, o.resolution.intent)
                counts[key] += 1
                example.setdefault(key, o.example.text)
        return [(e, g, n, example[(e, g)]) for (e, g), n in counts.most_common()]

    def slot_errors(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.intent_ok and not o.slots_ok]


def evaluate(examples: Sequence[Example], *, models_dir: Path = MODELS_DIR,
             embedder: Embedder | None = None, locales: Sequence[str] | None = None,
             source: str = "", cache_dir: Path | None = None) -> Report:
    """Resolve each example with the model of its own locale and collect the outcomes."""
    started = time.perf_counter()
    embedder = embedder or default_embedder()
    chosen = [e for e in examples if locales is None or e.locale in locales]
    resolvers: dict[str, Resolver] = {}
    outcomes: list[Outcome] = []
    by_locale: dict[str, list[Example]] = defaultdict(list)
    for example in chosen:
        by_locale[example.locale].append(example)
    for locale, group in sorted(by_locale.items()):
        path = models_dir / f"{locale}.json"
        if not path.is_file():
            raise FileNotFoundError(f"no interaction model for {locale} ({path.name})")
        resolver = resolvers[locale] = Resolver.from_model(path, embedder, cache_dir=cache_dir,
                                                           locale=locale)
        for example, resolution in zip(group, resolver.resolve_many([e.text for e in group]),
                                       strict=True):
            outcomes.append(Outcome(example, resolution))
    known = {normalise(e.text) for e in examples}
    for path in HELDOUT_SETS.values():  # calibration must stay apart from every held-out set
        if path.is_file():
            known |= {normalise(e.text) for e in load_heldout(path)}
    overlap = [s for s in OOD_CALIBRATION if normalise(s) in known]
    return Report(outcomes, {k: r.calibration for k, r in resolvers.items()},
                  time.perf_counter() - started, source, overlap)


# --- judging and printing ------------------------------------------------------------------------
TARGETS = {"intent_in_domain": 0.95, "intent_slots_in_domain": 0.90, "ood_to_fallback": 0.80}
#: Safety questions must never start a timer or resume one: that is the harm the check guards.
SAFETY_INTENTS = ("CheckSafetyIntent", "SafetyTipsIntent")
FORBIDDEN_FOR_SAFETY = ("StartSessionIntent", "AMAZON.ResumeIntent")


def check_failures(report: Report) -> list[str]:
    """Why the report misses its targets; empty when it meets them all."""
    figures = report.figures()
    failures = [f"{name} {figures[name]:.1%} < {target:.0%}"
                for name, target in TARGETS.items()
                if not figures[name] >= target]
    for o in report.outcomes:
        if o.example.intent in SAFETY_INTENTS and o.resolution.intent in FORBIDDEN_FOR_SAFETY:
            failures.append(f"safety question sent to {o.resolution.intent}: {o.example.text!r}")
    failures += [f"calibration sentence is also held out: {s!r}"
                 for s in report.calibration_overlap]
    return failures


def format_report(report: Report, *, confusions: int = 12, slot_errors: int = 10) -> str:
    """The human-readable summary `python -m bench.nlu` prints."""
    lines = [f"held-out set: {report.source} ({len(report.outcomes)} lines)"]

    def block(title: str, figures: Mapping[str, float | int]) -> list[str]:
        return [
            f"{title}: {figures['lines']} lines ({figures['in_domain']} in domain, "
            f"{figures['out_of_domain']} out of domain)",
            f"  intent accuracy        in domain {figures['intent_in_domain']:7.1%}   "
            f"overall {figures['intent_overall']:7.1%}",
            f"  intent+slot accuracy   in domain {figures['intent_slots_in_domain']:7.1%}   "
            f"overall {figures['intent_slots_overall']:7.1%}",
            f"  out of domain -> fallback {figures['ood_to_fallback']:7.1%}   "
            f"in domain wrongly -> fallback {figures['in_domain_to_fallback']:7.1%}",
        ]

    lines += block("all lines", report.figures())
    for locale in sorted({o.example.locale for o in report.outcomes}):
        lines += block(locale, report.figures(locale))
        calibration = report.calibrations.get(locale)
        if calibration is None:  # Alexa's own answers: no threshold of ours to show
            continue
        lines.append(
            f"  fallback threshold {calibration.threshold:.3f} (balanced accuracy "
            f"{calibration.balanced_accuracy:.1%}: keeps {calibration.in_domain_kept:.1%} of "
            f"{calibration.in_domain_count} own samples, rejects {calibration.ood_rejected:.1%}"
            f" of {calibration.ood_count} calibration sentences)")
    found = report.confusions()
    lines.append(f"top intent confusions (expected -> got, count, example): {len(found)} kinds")
    lines += [f"  {e} -> {g}  x{n}  e.g. {text!r}" for e, g, n, text in found[:confusions]]
    errors = report.slot_errors()
    lines.append(f"slot errors with the right intent: {len(errors)}")
    for o in errors[:slot_errors]:
        lines.append(f"  {o.example.text!r}: expected {o.example.slots}, "
                     f"got {o.understood[1]}")  # as answered: a topic question's topic
    if report.calibration_overlap:
        lines.append(f"WARNING: {len(report.calibration_overlap)} calibration sentences are "
                     "also in the held-out set")
    lines.append(f"time: {report.seconds:.1f} s")
    return "\n".join(lines)

"""Offline, pure-Python understanding of typed (or recognised) requests for `mat-coach try`.

This is a demonstration, not Alexa's recognition: Alexa's language understanding is a trained
service that cannot run here. What it does, read from the interaction model at run time:

1. **The invocation** — "open mat coach" alone is a LaunchRequest; "ask mat coach (to) ..." and
   "... with mat coach" are one-shot requests, handed over without the invocation words.
2. **An answer to an elicitation** — when the skill asked again for a slot (Dialog.ElicitSlot),
   the slot's own samples ("for {duration}", "{duration}") are tried first, as Alexa does.
3. **Exact samples** — a sample whose words frame the utterance exactly ("is it safe if I
   have {condition}") wins; its slots take the framed words.
4. **Closest sample** — otherwise the samples are compared word by word (slot values, numbers and
   durations tagged as their slot type, small typos forgiven) and the best intent is taken when
   it is close enough; under the threshold the answer is AMAZON.FallbackIntent, unless
5. **A value named anywhere** — the words name a value of a custom slot type that one intent
   alone takes ("schwangerschaft", "a clot in my leg"): that intent, with that value.

Slots are filled as Alexa fills them: AMAZON.DURATION and AMAZON.NUMBER spoken as words or digits
become ISO-8601 and integers, AMAZON.TIME becomes "HH:MM" (or a part of the day, "EV"), custom
slots go through entity resolution (name or synonym, case and apostrophes ignored) and carry the
value id, or ER_SUCCESS_NO_MATCH when framed words match nothing. A slot the model marks
`multipleValues` carries every value said ("mondays and fridays") as a List, each value
resolved on its own. When the optional embedding resolver of `bench.nlu` is installed it is
not needed here: everything below is the standard library.

Numbers, lengths, times of day, the invocation's carrier words ("ask", "frag"), the light words
and the built-in intents' samples are the model's language's (`skill.tryout.languages`, found
by the model's locale), so a German model is read with German words and nothing here names one.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from skill.tryout.languages import language_for
from skill.tryout.languages.rules import Language, find_phrase
from skill.tryout.model import DURATION, FALLBACK, NUMBER, TIME, InteractionModel
from skill.tryout.words import ENGLISH

#: Longer text is cut: a spoken request is a sentence, and a page must not be able to make the
#: matcher (or the skill) chew on a novel.
MAX_UTTERANCE_CHARS = 300
#: The closest sample's score must reach this, else the request is AMAZON.FallbackIntent.
THRESHOLD = 0.55
#: Captured words longer than this are not a slot value but a sample that framed too loosely.
MAX_SLOT_WORDS = 8
#: English words that carry little meaning on their own (each language has its own:
#: `Language.light_words`); they count a third as much when comparing.
LIGHT_WORDS = ENGLISH.light_words
_SLOT = re.compile(r"\{(\w+)\}")


def span_fits(slot_type: str, span: str, language: Language = ENGLISH) -> bool:
    """Whether words a sample framed can be this slot's value: a built-in slot's words must be
    wholly its type (a length, a number, a time); any slot's words are a few, not a sentence
    that a loose frame swallowed."""
    words = span.split()
    if not words or len(words) > MAX_SLOT_WORDS:
        return False
    if slot_type == DURATION:
        return language.find_duration(words, whole=True) is not None
    if slot_type == NUMBER:
        return language.find_number(words, whole=True) is not None
    if slot_type == TIME:
        return language.find_time(words, whole=True) is not None
    return True


@dataclass(frozen=True)
class Slot:
    """A slot as the request will carry it: `value` None means declared but not filled."""

    name: str
    slot_type: str
    value: str | None = None  # the words said (all of them, for a multiple-value slot)
    resolved_id: str | None = None  # the first value's id for a multiple-value slot
    #: A multiple-value slot's values, (words, id or None) each; empty for a plain slot.
    values: tuple[tuple[str, str | None], ...] = ()

    @property
    def custom(self) -> bool:
        return not self.slot_type.startswith("AMAZON.")

    def to_json(self, authority: str) -> dict:
        """The slot as Alexa sends it, with entity resolution for a filled custom slot; a
        multiple-value slot as `slotValue` of type List, one Simple value per value said."""
        data: dict = {"name": self.name, "confirmationStatus": "NONE"}
        if self.value is None:
            return data
        if self.values:
            data["slotValue"] = {"type": "List", "values": [
                {"type": "Simple", "value": words,
                 "resolutions": self._resolutions(authority, words, value_id)}
                for words, value_id in self.values]}
            return data
        data["value"] = self.value
        if self.custom:
            data["resolutions"] = self._resolutions(authority, self.value, self.resolved_id)
        return data

    def _resolutions(self, authority: str, words: str, value_id: str | None) -> dict:
        status = "ER_SUCCESS_MATCH" if value_id else "ER_SUCCESS_NO_MATCH"
        resolution: dict = {"authority": f"{authority}.{self.slot_type}",
                            "status": {"code": status}}
        if value_id:
            resolution["values"] = [{"value": {"name": words, "id": value_id}}]
        return {"resolutionsPerAuthority": [resolution]}


@dataclass(frozen=True)
class Understood:
    """What the page heard and what it will send: a launch, or an intent with its slots."""

    said: str
    heard: str  # normalised, invocation removed: what the matcher compared
    launch: bool
    intent: str | None
    slots: tuple[Slot, ...]
    how: str  # in a few words, why: shown on the page
    score: float
    invoked: bool  # the user named the skill ("open ...", "ask mat coach ...")
    elicited: bool = False  # the answer to the skill's Dialog.ElicitSlot

    def to_json(self) -> dict:
        return {
            "said": self.said, "heard": self.heard, "launch": self.launch,
            "intent": self.intent, "how": self.how, "score": round(self.score, 3),
            "invoked": self.invoked, "elicited": self.elicited,
            "slots": [{"name": s.name, "type": s.slot_type, "value": s.value,
                       "id": s.resolved_id, "values": [list(v) for v in s.values]}
                      for s in self.slots],
        }


@dataclass(frozen=True)
class SampleTemplate:
    """One sample, read once: the offline measure (`testkit.nlu`) reads samples with it too."""

    intent: str
    text: str
    pattern: re.Pattern[str] | None  # full match over normalised words; None without slots
    words: tuple[str, ...]  # normalised, slots as "<Type>" tokens
    literal: int  # how many of the sample's own words it has
    slots: tuple[str, ...]

    @property
    def own_words(self) -> tuple[str, ...]:
        """The sample's own words, its slots left out."""
        return tuple(w for w in self.words if not w.startswith("<"))


def sample_template(intent: str, sample: str, slots: Mapping[str, str],
                    language: Language = ENGLISH) -> SampleTemplate:
    """The sample as a full-match pattern over normalised words, slots as lazy groups."""
    tokens: list[str] = []
    words: list[str] = []
    names: list[str] = []
    literal = 0
    for part in re.split(r"(\{\w+\})", sample):
        match = _SLOT.fullmatch(part)
        if match:
            name = match.group(1)
            tokens.append(f"(?P<{name}>.+?)" if name not in names else f"(?P={name})")
            names.append(name)
            words.append(f"<{slots.get(name, name)}>")
            continue
        found = language.normalise(part).split()
        literal += len(found)
        words += found
        tokens += [re.escape(w) for w in found]
    pattern = re.compile("^" + " ".join(tokens) + "$") if names else None
    return SampleTemplate(intent, sample, pattern, tuple(words), literal,
                          tuple(dict.fromkeys(names)))


class Understanding:
    """Understands text against one interaction model (`Understanding.for_locale`), with the
    word rules of the model's language."""

    def __init__(self, model: InteractionModel) -> None:
        self.model = model
        self.language = language = language_for(model.locale)
        self._invocation = language.normalise(model.invocation)
        self._launch = language.launch_pattern(model.invocation)
        self._lead = language.one_shot_lead(model.invocation)
        self._tail = language.one_shot_tail(model.invocation)
        self.templates: list[SampleTemplate] = []
        self._elsewhere: dict[str, frozenset[str]] = {}
        for intent in model.intents.values():
            # AMAZON.FallbackIntent samples, when a model gives some, are near misses that
            # must fall back: matching one is an answer like any other.
            for sample in intent.samples:
                self.templates.append(
                    sample_template(intent.name, sample, intent.slots, language))
        # The skill's own name is a word it knows: "matten" is never "corrected" to "matte".
        self.vocabulary = sorted({w for t in self.templates for w in t.words
                                  if not w.startswith("<")}
                                 | {w for values in model.types.values() for v in values
                                    for p in v.phrases for w in language.normalise(p).split()}
                                 | set(self._invocation.split()))

    @classmethod
    def for_locale(cls, locale: str = "en-US") -> Understanding:
        return cls(InteractionModel.load(locale))

    # --- the request ----------------------------------------------------------------------
    def understand(self, text: str, *, eliciting: tuple[str, str] | None = None) -> Understood:
        """What Alexa would most likely send for `text`.

        `eliciting` is (intent, slot) when the skill's last reply asked again for that slot.
        """
        said = " ".join(text.split())[:MAX_UTTERANCE_CHARS]
        words = self.language.normalise(said).split()
        heard = " ".join(self._correct(words))
        if self._launch.match(heard):
            return Understood(said, heard, True, None, (), "the skill's name on its own", 1.0,
                              True)
        stripped = self._tail.sub("", self._lead.sub("", heard, count=1), count=1).strip()
        invoked = stripped != heard
        heard = stripped
        if eliciting:
            answer = self._elicited(heard, *eliciting)
            if answer is not None:
                return Understood(said, heard, False, eliciting[0], answer,
                                  f"answer to the question for {eliciting[1]}", 1.0, invoked,
                                  elicited=True)
        if not heard:
            return Understood(said, heard, False, FALLBACK, (), "nothing to match", 0.0,
                              invoked)
        exact = self._exact(heard)
        if exact is not None:
            template, slots = exact
            return Understood(said, heard, False, template.intent, slots,
                              f'matches the sample "{template.text}"', 1.0, invoked)
        template, score = self._closest(heard)
        if template is None or score < THRESHOLD:
            named = self._named(heard.split())
            if named is not None:
                intent, phrase = named
                return Understood(said, heard, False, intent,
                                  self._free_slots(intent, heard.split()),
                                  f'names "{" ".join(phrase)}", which only {intent} takes',
                                  score, invoked)
            near = f' (nearest: "{template.text}", {score:.2f})' if template else ""
            return Understood(said, heard, False, FALLBACK, (),
                              f"no sample close enough{near}", score, invoked)
        slots = self._free_slots(template.intent, heard.split())
        return Understood(said, heard, False, template.intent, slots,
                          f'closest sample "{template.text}" ({score:.2f})', score, invoked)

    def _named(self, words: list[str]) -> tuple[str, list[str]] | None:
        """The intent whose own slot values are named in the words when no sample is close:
        Alexa weighs a known value heavily, so "is a clot in my leg a worry" reaches the safety
        question that alone takes "a clot in my leg". Only custom slot types one intent alone
        declares count, the longest name said wins, and a name must be distinctive: one whose
        words all occur in other intents' samples ("back", as in "lie on your back") names
        nothing."""
        best: tuple[str, list[str]] | None = None
        for intent, slot_type in self._sole_types:
            found = self._longest_value(slot_type, words)
            if found is None or set(found[1]) <= self._words_elsewhere(intent):
                continue
            if best is None or len(found[1]) > len(best[1]):
                best = (intent, found[1])
        return best

    def _words_elsewhere(self, intent: str) -> frozenset[str]:
        """Every word the samples of the other intents use, their slots left out (near misses
        the model declares as fallback samples borrow the skill's words on purpose)."""
        if intent not in self._elsewhere:
            self._elsewhere[intent] = frozenset(
                w for t in self.templates if t.intent not in (intent, FALLBACK)
                for w in t.own_words)
        return self._elsewhere[intent]

    @cached_property
    def _sole_types(self) -> tuple[tuple[str, str], ...]:
        """(intent, slot type) for each custom slot type one intent alone declares, taking one
        value (a list slot, such as reminder days, is said about many things)."""
        owners: dict[str, list[str]] = {}
        for intent in self.model.intents.values():
            for name, slot_type in intent.slots.items():
                if slot_type in self.model.types and name not in intent.multiple:
                    owners.setdefault(slot_type, []).append(intent.name)
        return tuple((intents[0], slot_type) for slot_type, intents in owners.items()
                     if len(set(intents)) == 1)

    def _correct(self, words: list[str]) -> list[str]:
        """Small typos forgiven: an unknown word of four letters or more becomes the nearest
        word the model knows, when it is very near ("pregnent" -> "pregnant")."""
        known = self._known
        language = self.language
        out = []
        for word in words:
            if (word in known or len(word) < 4 or word in language.unit_words
                    or language.parse_number_words([word]) is not None):
                out.append(word)
                continue
            close = difflib.get_close_matches(word, self.vocabulary, n=1, cutoff=0.84)
            out.append(close[0] if close else word)
        return out

    @cached_property
    def _known(self) -> frozenset[str]:
        return frozenset(self.vocabulary)

    def _declared(self, intent: str) -> dict[str, str]:
        model = self.model.intents.get(intent)
        return dict(model.slots) if model else {}

    def _multiple(self, intent: str) -> frozenset[str]:
        """The intent's slots that take several values (`multipleValues` in the model)."""
        model = self.model.intents.get(intent)
        return model.multiple if model else frozenset()

    def _all_slots(self, intent: str, filled: dict[str, Slot]) -> tuple[Slot, ...]:
        """Every declared slot, filled or empty, in the model's order."""
        return tuple(filled.get(name) or Slot(name, slot_type)
                     for name, slot_type in self._declared(intent).items())

    def _elicited(self, heard: str, intent: str, slot: str) -> tuple[Slot, ...] | None:
        declared = self._declared(intent)
        slot_type = declared.get(slot)
        if slot_type is None:
            return None
        samples = self.model.intents[intent].slot_samples.get(slot, ()) or (f"{{{slot}}}",)
        for sample in samples:
            template = sample_template(intent, sample, declared, self.language)
            if template.pattern is None:
                continue
            match = template.pattern.match(heard)
            if match and all(span_fits(declared.get(n, ""), match.group(n), self.language)
                             for n in template.slots):
                multiple = self._multiple(intent)
                filled = {n: self._from_span(n, declared[n], match.group(n), n in multiple)
                          for n in template.slots}
                return self._all_slots(intent, filled)
        return None

    def _exact(self, heard: str) -> tuple[SampleTemplate, tuple[Slot, ...]] | None:
        """The most specific sample that frames the utterance exactly."""
        best: tuple[tuple[int, int, int], SampleTemplate, dict[str, Slot]] | None = None
        for template in self.templates:
            if template.pattern is None:
                if " ".join(template.words) != heard:
                    continue
                filled: dict[str, Slot] = {}
            else:
                match = template.pattern.match(heard)
                if not match:
                    continue
                declared = self._declared(template.intent)
                spans = {n: match.group(n).strip() for n in template.slots}
                if not all(span_fits(declared.get(n, ""), s, self.language)
                           for n, s in spans.items()):
                    continue
                if TIME in declared.values() and any(
                        self._hides_time(declared.get(n, ""), s) for n, s in spans.items()):
                    continue  # "on mondays in the evening" is days and a time, not days
                multiple = self._multiple(template.intent)
                filled = {n: self._from_span(n, declared.get(n, ""), s, n in multiple)
                          for n, s in spans.items()}
                if any(s.custom and not s.resolved_id for s in filled.values()):
                    # Framed words that name no value: a carrier sample ("how {topic}") framing
                    # another request. Alexa would send them unresolved; here the closest
                    # sample decides, which is what a person meant far more often.
                    continue
            rank = (template.literal, -len(filled))
            if best is None or rank > best[0]:
                best = (rank, template, filled)
        if best is None:
            return None
        _, template, filled = best
        return template, self._all_slots(template.intent, filled)


    def _hides_time(self, slot_type: str, span: str) -> bool:
        """A custom slot's span with a time of day left over once its values are taken."""
        if slot_type.startswith("AMAZON."):
            return False
        words = span.split()
        taken: set[int] = set()
        self._every_value(slot_type, words, taken)
        return self.language.find_time(words, taken, strict=True) is not None

    def _from_span(self, name: str, slot_type: str, span: str, multiple: bool = False) -> Slot:
        words = span.split()
        language = self.language
        if slot_type == DURATION:
            found = language.find_duration(words, whole=True)
            return Slot(name, slot_type, found[0] if found else span)
        if slot_type == NUMBER:
            found = language.find_number(words, whole=True)
            return Slot(name, slot_type, found[0] if found else span)
        if slot_type == TIME:
            found = language.find_time(words, whole=True)
            return Slot(name, slot_type, found[0] if found else span)
        if multiple and not slot_type.startswith("AMAZON."):
            return self._values_slot(name, slot_type, words)
        for value in self.model.types.get(slot_type, ()):
            if any(language.normalise(p) == span for p in value.phrases):
                return Slot(name, slot_type, span, value.id)
        longest = self._longest_value(slot_type, words)
        return Slot(name, slot_type, span, longest[0] if longest else None)

    def _longest_value(self, slot_type: str, words: list[str],
                       taken: set[int] | None = None) -> tuple[str, list[str], int] | None:
        """Entity resolution word for word: the longest name or synonym present."""
        best: tuple[str, list[str], int] | None = None
        for value in self.model.types.get(slot_type, ()):
            for phrase in value.phrases:
                phrase_words = self.language.normalise(phrase).split()
                if not phrase_words or (best and len(phrase_words) <= len(best[1])):
                    continue
                start = find_phrase(words, phrase_words, taken or set())
                if start is not None:
                    best = (value.id, phrase_words, start)
        return best

    def _values_slot(self, name: str, slot_type: str, words: list[str]) -> Slot:
        """A multiple-value slot from framed words: split where "and" or a pause (a comma,
        gone after normalising) separates values, each piece resolved on its own; a piece that
        names several values ("monday wednesday") gives each, one naming none stays as said."""
        pieces: list[list[str]] = [[]]
        for word in words:
            if word in self.language.list_words:
                pieces.append([])
            else:
                pieces[-1].append(word)
        values: list[tuple[str, str | None]] = []
        for piece in (p for p in pieces if p):
            found = self._every_value(slot_type, piece)
            values += found or [(" ".join(piece), None)]
        first = next((value_id for _, value_id in values if value_id), None)
        return Slot(name, slot_type, " ".join(words), first, tuple(values))

    def _every_value(self, slot_type: str, words: list[str],
                     taken: set[int] | None = None) -> list[tuple[str, str | None]]:
        """Every value named in `words`, longest names first, in the order said; the
        positions used are added to `taken`."""
        taken = taken if taken is not None else set()
        found: list[tuple[int, str, str]] = []
        while (longest := self._longest_value(slot_type, words, taken)) is not None:
            value_id, phrase, start = longest
            taken |= set(range(start, start + len(phrase)))
            found.append((start, " ".join(phrase), value_id))
        return [(words_said, value_id) for _, words_said, value_id in sorted(found)]

    def _free_slots(self, intent: str, words: list[str]) -> tuple[Slot, ...]:
        """Slots found anywhere in the words (no sample frames them): durations before
        numbers, custom values by their longest name or synonym said word for word."""
        declared = self._declared(intent)
        multiple = self._multiple(intent)
        language = self.language
        filled: dict[str, Slot] = {}
        taken: set[int] = set()
        for name in sorted(declared, key=lambda n: declared[n] == NUMBER):
            slot_type = declared[name]
            if slot_type == TIME:
                found = (language.find_time(words, taken, strict=True)
                         or language.find_time(words, taken))
                if found:
                    taken |= set(range(found[1], found[2]))
                    filled[name] = Slot(name, slot_type, found[0])
            elif name in multiple and not slot_type.startswith("AMAZON."):
                values = self._every_value(slot_type, words, taken)
                if values:
                    said = f" {language.and_word} ".join(v for v, _ in values)
                    filled[name] = Slot(name, slot_type, said, values[0][1], tuple(values))
            elif slot_type == DURATION:
                found = (language.find_duration(words, taken)
                         or language.find_calendar(words, taken))
                if found:
                    taken |= set(range(found[1], found[2]))
                    filled[name] = Slot(name, slot_type, found[0])
            elif slot_type == NUMBER:
                if any(s.slot_type == DURATION for s in filled.values()):
                    continue  # "a ten minute one" leaves no bare number behind
                found = language.find_number(words, taken)
                if found:
                    taken |= set(range(found[1], found[2]))
                    filled[name] = Slot(name, slot_type, found[0])
            else:
                longest = self._longest_value(slot_type, words, taken)
                if longest:
                    value_id, phrase, start = longest
                    taken |= set(range(start, start + len(phrase)))
                    filled[name] = Slot(name, slot_type, " ".join(phrase), value_id)
        return self._all_slots(intent, filled)

    # --- closest sample ---------------------------------------------------------------------
    def _tagged(self, words: list[str]) -> list[str]:
        """The words with durations, numbers and slot values replaced by their type's tag."""
        out = list(words)
        language = self.language
        taken: set[int] = set()
        while (found := language.find_duration(out, taken)) is not None:
            _, start, end = found
            out[start:end] = [f"<{DURATION}>"] + [""] * (end - start - 1)
            taken |= set(range(start, end))
        # Only a time said as one ("seven pm", "half past six"): a bare number stays a number.
        while (found := language.find_time(out, taken, strict=True)) is not None:
            _, start, end = found
            out[start:end] = [f"<{TIME}>"] + [""] * (end - start - 1)
            taken |= set(range(start, end))
        while (found := language.find_number(out, taken)) is not None:
            _, start, end = found
            out[start:end] = [f"<{NUMBER}>"] + [""] * (end - start - 1)
            taken |= set(range(start, end))
        for slot_type in self.model.types:
            while (longest := self._longest_value(slot_type, out, taken)) is not None:
                _, phrase, start = longest
                out[start:start + len(phrase)] = [f"<{slot_type}>"] + [""] * (len(phrase) - 1)
                taken |= set(range(start, start + len(phrase)))
        return [w for w in out if w]

    def _closest(self, heard: str) -> tuple[SampleTemplate | None, float]:
        words = heard.split()
        forms = [words]
        tagged = self._tagged(words)
        if tagged != words:
            forms.append(tagged)
        best: tuple[float, SampleTemplate | None] = (0.0, None)
        light = self.language.light_words
        for template in self.templates:
            score = max(_similarity(form, list(template.words), light) for form in forms)
            if score > best[0]:
                best = (score, template)
        return best[1], best[0]


def _weight(word: str, light: frozenset[str]) -> float:
    if word.startswith("<"):
        return 1.5  # a slot value of the right type says much about the intent
    return 1.0 / 3 if word in light else 1.0


def _similarity(said: list[str], sample: list[str], light: frozenset[str] = LIGHT_WORDS,
                ) -> float:
    """Weighted word overlap (F1, `light` words counting a third) blended with word order."""
    if not said or not sample:
        return 0.0
    common: dict[str, int] = {}
    for word in set(said) & set(sample):
        common[word] = min(said.count(word), sample.count(word))
    overlap = sum(_weight(w, light) * n for w, n in common.items())
    if overlap == 0:
        return 0.0
    precision = overlap / sum(_weight(w, light) for w in said)
    recall = overlap / sum(_weight(w, light) for w in sample)
    f1 = 2 * precision * recall / (precision + recall)
    order = difflib.SequenceMatcher(None, said, sample, autojunk=False).ratio()
    return 0.75 * f1 + 0.25 * order

"""The interaction model's structure, checked without any language model.

Alexa matches what people say against these samples and slot values, so shapes that make it
guess wrong are refused here: a sample made of a built-in slot alone (it would swallow every
unmatched phrase), a slot-less sample in an intent whose answer needs the slot (the question
would lose its topic), a sample or synonym claimed twice, a bare carrier that would take any
noun phrase, and held-out test utterances copied into the model.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from skill.builder import HANDLER_CLASSES
from skill.deploy import LOCALES, models
from skill.handlers.base import LookupIntentHandler
from skill.handlers.explain import TopicQuestionIntentHandler
from testkit import nlu
from testkit.languages import WORD_SETS

ROOT = Path(__file__).resolve().parent.parent
HELDOUT_SETS = sorted((ROOT / "testkit" / "data").glob("heldout*.jsonl"))
SLOT = re.compile(r"\{(\w+)\}")
#: Words that make a request out of any noun phrase ("tell me X", "what is X", "X please").
CARRIER_WORDS = {"tell", "me", "give", "please", "about", "explain", "say", "talk", "more", "some",
                 "what", "what's", "is", "are", "how", "can", "i"}
#: Intents whose answer depends on their slot: every one of their samples must carry it.
#: (A lookup handler also answers its slot-less general intent, which declares no such slot; a
#: topic question answers its own topic when its optional slot is empty, as "will it help?".)
_DECLARED = {
    intent["name"]: {slot["name"] for slot in intent.get("slots", [])}
    for intent in json.loads((ROOT / "interaction_models" / "en-US.json").read_text("utf-8"))[
        "interactionModel"]["languageModel"]["intents"]
}
SLOT_DEPENDENT = {
    name: handler.slot_names
    for handler in HANDLER_CLASSES if issubclass(handler, LookupIntentHandler)
    and not issubclass(handler, TopicQuestionIntentHandler)
    for name in handler.intent_names if set(handler.slot_names) <= _DECLARED.get(name, set())
}


def _model(locale: str) -> dict:
    return json.loads((ROOT / "interaction_models" / f"{locale}.json").read_text("utf-8"))


def _intents(locale: str) -> list[dict]:
    return _model(locale)["interactionModel"]["languageModel"]["intents"]


def _normal(text: str) -> str:
    return " ".join(SLOT.sub("{}", text.lower()).split())


@pytest.mark.parametrize("locale", LOCALES)
def test_written_models_are_current_with_their_source(locale: str) -> None:
    assert models.model_text(locale) == (
        ROOT / "interaction_models" / f"{locale}.json").read_text("utf-8"), (
        "run `mat-coach build-models` after editing interaction_models/source")


def test_the_staleness_check_notices_an_edit(tmp_path: Path) -> None:
    (tmp_path / "interaction_models" / "source").mkdir(parents=True)
    for path in (ROOT / models.SOURCE_DIR).glob("*.json"):
        (tmp_path / models.SOURCE_DIR / path.name).write_text(path.read_text("utf-8"))
    models.write_models(tmp_path)
    assert models.stale_models(tmp_path) == []
    target = tmp_path / "interaction_models" / "en-GB.json"
    target.write_text(target.read_text("utf-8").replace("poorly", "peaky"))
    assert models.stale_models(tmp_path) == ["en-GB"]


@pytest.mark.parametrize("locale", LOCALES)
def test_no_sample_is_a_built_in_slot_alone(locale: str) -> None:
    for intent in _intents(locale):
        built_in = {s["name"] for s in intent.get("slots", []) if s["type"].startswith("AMAZON.")}
        for sample in intent.get("samples", []):
            rest = SLOT.sub("", sample).strip()
            named = set(SLOT.findall(sample))
            assert rest or not named <= built_in, f"{intent['name']}: {sample!r}"


@pytest.mark.parametrize("locale", LOCALES)
def test_slot_dependent_intents_always_carry_their_slot(locale: str) -> None:
    """Every sample names the topic or condition, in exactly one of the slots that can."""
    assert SLOT_DEPENDENT == {"ExplainMatIntent": ("topic", "task"),
                              "CheckSafetyIntent": ("condition",)}
    for intent in _intents(locale):
        slots = SLOT_DEPENDENT.get(intent["name"], ())
        for sample in intent.get("samples", []) if slots else []:
            named = [slot for slot in slots if f"{{{slot}}}" in sample]
            assert len(named) == 1, f"{intent['name']}: {sample!r} names {named or 'nothing'}"


@pytest.mark.parametrize("locale", LOCALES)
def test_no_sample_is_claimed_by_two_intents_or_twice(locale: str) -> None:
    seen: dict[str, str] = {}
    for intent in _intents(locale):
        for sample in intent.get("samples", []):
            key = _normal(sample)
            assert key not in seen, f"{sample!r} in {intent['name']} and {seen[key]}"
            seen[key] = intent["name"]


#: The one bare carrier allowed, safety first: "what about {condition}" also takes "what about
#: the weather", which then hears the cautious general safety answer; without it, "what about
#: my blood thinners" after a safety answer would hear the fallback.
SAFETY_FOLLOW_UP = {"CheckSafetyIntent": {"what about {condition}"}}


@pytest.mark.parametrize("locale", LOCALES)
def test_no_bare_carrier_that_takes_any_noun_phrase(locale: str) -> None:
    for intent in _intents(locale):
        for sample in intent.get("samples", []):
            if not SLOT.search(sample) or sample in SAFETY_FOLLOW_UP.get(intent["name"], ()):
                continue
            words = set(re.findall(r"[a-z']+", SLOT.sub(" ", sample.lower())))
            assert words - CARRIER_WORDS, f"{intent['name']}: {sample!r} is a bare carrier"


@pytest.mark.parametrize("locale", LOCALES)
def test_no_synonym_belongs_to_two_values(locale: str) -> None:
    for slot_type in _model(locale)["interactionModel"]["languageModel"]["types"]:
        owner: dict[str, str] = {}
        for value in slot_type["values"]:
            for text in (value["name"]["value"], *value["name"].get("synonyms", [])):
                key = text.lower()
                assert owner.get(key, value["id"]) == value["id"], (
                    f"{slot_type['name']}: {text!r} is both {owner[key]} and {value['id']}")
                owner[key] = value["id"]


@pytest.mark.parametrize("locale", LOCALES)
def test_rich_sample_sets(locale: str) -> None:
    for intent in _intents(locale):
        name = intent["name"]
        if name.startswith("AMAZON."):
            continue
        floor = 40 if name in SLOT_DEPENDENT else 30
        assert len(intent.get("samples", [])) >= floor, name


def test_the_structure_checks_catch_bad_shapes() -> None:
    bare = "{duration}"
    assert not SLOT.sub("", bare).strip()
    assert not set(re.findall(r"[a-z']+", SLOT.sub(" ", "tell me {topic}"))) - CARRIER_WORDS
    assert not set(re.findall(r"[a-z']+", SLOT.sub(" ", "what is {topic}"))) - CARRIER_WORDS
    assert set(re.findall(r"[a-z']+", SLOT.sub(" ", "is it safe with {condition}"))) - (
        CARRIER_WORDS)


@pytest.mark.parametrize("heldout", HELDOUT_SETS, ids=lambda p: p.stem)
def test_no_held_out_utterance_is_a_sample(heldout: Path) -> None:
    """A held-out set measures how the model generalises; copied into it, it measures nothing."""
    assert len(HELDOUT_SETS) == len(nlu.HELDOUT_SETS) + len(WORD_SETS)  # every set is read
    lines = [json.loads(line) for line in heldout.read_text("utf-8").splitlines() if line]
    assert len(lines) >= 120  # the least a set may hold (a language's blind set)
    for locale in LOCALES:
        samples = {_normal(s) for i in _intents(locale) for s in i.get("samples", [])}
        plain = {s for s in samples if "{}" not in s}
        language = locale.split("-")[0]  # "pause" is a German sample and an English line
        copied = [line["text"] for line in lines if _normal(line["text"]) in plain
                  and line["locale"].split("-")[0] == language]
        assert not copied, f"{locale}: held-out utterances found among the samples: {copied}"

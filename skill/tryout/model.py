"""The interaction model as `mat-coach try` reads it: intents, samples, slot types, dialog.

Read at run time from `interaction_models/<locale>.json`, never hard-coded, so the local page
understands whatever the model says today. Built-in intents (yes, no, stop, ...) that the model
declares get a short generic list of samples in the model's language (`Language.builtin_samples`),
standing in for what Alexa knows natively; the offline measure (`testkit.nlu`) uses the same.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skill.tryout.languages import UnknownLanguage, language_code, language_codes, language_for

FALLBACK = "AMAZON.FallbackIntent"
DURATION = "AMAZON.DURATION"
NUMBER = "AMAZON.NUMBER"
TIME = "AMAZON.TIME"

# --- what Alexa knows natively ----------------------------------------------------------------
#: Short, generic English samples for the built-in intents, standing in for Alexa's own
#: training; each language has its own (`Language.builtin_samples`). Only the built-ins a model
#: declares are candidates; the model's own samples for them are added.
BUILTIN_SAMPLES: Mapping[str, tuple[str, ...]] = language_for("en").builtin_samples


def builtin_samples(locale: str) -> Mapping[str, tuple[str, ...]]:
    """The built-in intents' samples in the language of `locale`; none for a language that
    has no word rules (its model's own samples are all the matcher gets)."""
    try:
        return language_for(locale).builtin_samples
    except UnknownLanguage:
        return {}


@dataclass(frozen=True)
class SlotTypeValue:
    """One value of a custom slot type: its id, then its name and synonyms."""

    id: str
    phrases: tuple[str, ...]


@dataclass(frozen=True)
class IntentModel:
    """One intent: its slots (name -> type), samples, and per-slot samples for elicitation.

    `multiple` names the slots whose `multipleValues` is enabled: Alexa sends those as a List
    of values ("mondays and fridays"), so the page must too.
    """

    name: str
    slots: dict[str, str]
    samples: tuple[str, ...]
    slot_samples: dict[str, tuple[str, ...]] = field(default_factory=dict)
    multiple: frozenset[str] = frozenset()


@dataclass(frozen=True)
class InteractionModel:
    """The parts of an ASK interaction model that understanding needs."""

    locale: str
    invocation: str
    intents: dict[str, IntentModel]
    types: dict[str, tuple[SlotTypeValue, ...]]
    #: intent -> slot -> the prompt ids the dialog model elicits it with.
    elicitations: dict[str, dict[str, str]]
    prompts: dict[str, tuple[str, ...]]

    @classmethod
    def from_json(cls, data: Mapping[str, Any], locale: str = "en-US") -> InteractionModel:
        """Read a whole interaction model (`{"interactionModel": ...}`) or its inner part."""
        root = data.get("interactionModel", data)
        language = root.get("languageModel", {}) or {}
        types: dict[str, tuple[SlotTypeValue, ...]] = {}
        for slot_type in language.get("types", []) or []:
            values = []
            for entry in slot_type.get("values", []) or []:
                name = entry.get("name", {}) or {}
                phrases = [name.get("value", ""), *(name.get("synonyms", []) or [])]
                phrases = [p for p in dict.fromkeys(p.strip() for p in phrases) if p]
                if phrases:
                    values.append(SlotTypeValue(entry.get("id") or phrases[0], tuple(phrases)))
            types[slot_type["name"]] = tuple(values)
        intents: dict[str, IntentModel] = {}
        builtins = builtin_samples(locale)
        for intent in language.get("intents", []) or []:
            name = intent["name"]
            slots = intent.get("slots", []) or []
            samples = [*(intent.get("samples", []) or []), *builtins.get(name, ())]
            intents[name] = IntentModel(
                name,
                {s["name"]: s["type"] for s in slots},
                tuple(dict.fromkeys(samples)),
                {s["name"]: tuple(s.get("samples", []) or []) for s in slots if s.get("samples")},
                frozenset(s["name"] for s in slots
                          if ((s.get("multipleValues") or {}).get("enabled")) is True),
            )
        elicitations: dict[str, dict[str, str]] = {}
        for intent in (root.get("dialog", {}) or {}).get("intents", []) or []:
            for slot in intent.get("slots", []) or []:
                prompt = (slot.get("prompts", {}) or {}).get("elicitation")
                if prompt:
                    elicitations.setdefault(intent["name"], {})[slot["name"]] = prompt
        prompts = {
            prompt["id"]: tuple(v.get("value", "") for v in prompt.get("variations", []) or [])
            for prompt in root.get("prompts", []) or []
        }
        return cls(locale, str(language.get("invocationName", "")), intents, types,
                   elicitations, prompts)

    @classmethod
    def load(cls, locale: str = "en-US", models_dir: Path | None = None) -> InteractionModel:
        """The written model for `locale` from the checkout's `interaction_models/`."""
        path = (models_dir or default_models_dir()) / f"{locale}.json"
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise FileNotFoundError(
                f"no interaction model at {path}: `mat-coach try` reads the models of a "
                "checkout (pip install -e .)") from exc
        return cls.from_json(json.loads(text), locale)


def default_models_dir() -> Path:
    """`interaction_models/` next to the `skill` package, as in a checkout."""
    return Path(__file__).resolve().parent.parent.parent / "interaction_models"


def available_locales(models_dir: Path | None = None) -> tuple[str, ...]:
    """The locales there is something to try in: a written model in `interaction_models/`
    whose language has word rules (`skill.tryout.languages`), sorted."""
    folder = models_dir or default_models_dir()
    return tuple(sorted(
        path.stem for path in folder.glob("*.json")
        if re.fullmatch(r"[a-z]{2,3}-[A-Z]{2}", path.stem)
        and language_code(path.stem) in language_codes()))

"""Every locale's interaction model, generated from one source per language (`mat-coach
build-models`).

`interaction_models/source/<language>.json` (`en.json`, `de.json`, …) holds the model every
locale of that language shares; a small overlay per locale (`en-GB.json`, …) adds the phrasings
and words of that region. The files Alexa reads, `interaction_models/<locale>.json`, are written
from them, so an intent, a sample or a synonym is added once and no locale can drift; a test
fails when a written file is stale. A new language is a new source file, and a new region of
it an overlay: nothing here names a language.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

from skill.deploy import LOCALES, REPO_ROOT, PackagingError, read_json

SOURCE_DIR = "interaction_models/source"


def language_of(locale: str) -> str:
    """The language part of an Alexa locale: `de` for `de-DE`, `en` for `en-GB`."""
    return locale.split("-", 1)[0].lower()


def _without_comments(value: object) -> object:
    if isinstance(value, dict):
        return {k: _without_comments(v) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, list):
        return [_without_comments(v) for v in value]
    return value


def build_model(locale: str, root: Path | None = None) -> dict:
    """The interaction model for `locale`: its language's source plus that locale's overlay."""
    source = Path(root or REPO_ROOT) / SOURCE_DIR
    model = copy.deepcopy(read_json(source / f"{language_of(locale)}.json"))
    overlay_path = source / f"{locale}.json"
    overlay = read_json(overlay_path) if overlay_path.exists() else {}
    language = model["interactionModel"]["languageModel"]
    intents = {intent["name"]: intent for intent in language["intents"]}
    for name, samples in (overlay.get("samples") or {}).items():
        if name not in intents:
            raise PackagingError(f"{overlay_path}: no intent {name} in the shared model")
        intents[name].setdefault("samples", []).extend(samples)
    types = {slot_type["name"]: slot_type for slot_type in language["types"]}
    for type_name, values in (overlay.get("synonyms") or {}).items():
        if type_name not in types:
            raise PackagingError(f"{overlay_path}: no slot type {type_name}")
        by_id = {value["id"]: value for value in types[type_name]["values"]}
        for value_id, synonyms in values.items():
            if value_id not in by_id:
                raise PackagingError(f"{overlay_path}: no {type_name} value {value_id}")
            by_id[value_id]["name"].setdefault("synonyms", []).extend(synonyms)
    # Alexa fills multiple-value slots in some English locales only: a locale without them
    # lists the slots that take one value there (the handler reads either shape).
    for name, slot_names in (overlay.get("singleValueSlots") or {}).items():
        if name not in intents:
            raise PackagingError(f"{overlay_path}: no intent {name} in the shared model")
        slots = {slot["name"]: slot for slot in intents[name].get("slots", [])}
        for slot_name in slot_names:
            if slot_name not in slots:
                raise PackagingError(f"{overlay_path}: no slot {slot_name} in {name}")
            slots[slot_name].pop("multipleValues", None)
    return _without_comments(model)  # type: ignore[return-value]


def model_text(locale: str, root: Path | None = None) -> str:
    """The file as written: stable key order and indentation, so diffs stay readable."""
    return json.dumps(build_model(locale, root), indent=2, ensure_ascii=False) + "\n"


#: Where the skill finds the words each locale's model knows per custom slot type
#: (`skill.content.values`): written beside the models, read only when a slot is unresolved.
VALUES_DIR = "skill/content/values"


def values_text(locale: str, root: Path | None = None) -> str:
    """The names and synonyms of every custom slot value of `locale`'s model, by type and id:
    what the skill reads again in words entity resolution could not match."""
    language = build_model(locale, root)["interactionModel"]["languageModel"]
    known = {
        slot_type["name"]: {value["id"]: [value["name"]["value"],
                                          *value["name"].get("synonyms", [])]
                            for value in slot_type.get("values", [])}
        for slot_type in language.get("types", [])
    }
    return json.dumps(known, indent=1, ensure_ascii=False) + "\n"


def _written(root: Path) -> list[tuple[Path, str, object]]:
    """(file, locale, builder) for every file generated from the model sources."""
    return [pair for locale in LOCALES for pair in (
        (root / "interaction_models" / f"{locale}.json", locale, model_text),
        (root / VALUES_DIR / f"{locale}.json", locale, values_text),
    )]


def stale_models(root: Path | None = None) -> list[str]:
    """Locales whose written model (or slot values) differs from what the source builds."""
    root = Path(root or REPO_ROOT)
    stale = []
    for target, locale, build in _written(root):
        current = target.exists() and target.read_text("utf-8") == build(locale, root)
        if not current and locale not in stale:
            stale.append(locale)
    return stale


def write_models(root: Path | None = None) -> list[Path]:
    """Write every locale's model and slot values from the source; returns the files written."""
    root = Path(root or REPO_ROOT)
    written = []
    for target, locale, build in _written(root):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(build(locale, root), encoding="utf-8")
        written.append(target)
    return written

"""Every English locale the skill ships: same model shape as en-US, and every request answered.

The regional models may word samples and synonyms differently, but intents, slots, slot types
and value IDs must be identical, because the handlers and the content catalogue are keyed on
them. Regional catalogues only override lines of `en.json`, never add new ones.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope
from ask_smapi_model.v1.skill.interaction_model import InteractionModelData

from skill.builder import HANDLER_CLASSES, build_skill
from skill.content import catalogue_for
from skill.deploy import LOCALES
from skill.settings import Settings
from testkit import envelopes as env
from testkit.checks import MEDICAL_CLAIM, mentions, speech_of
from testkit.languages import language

ROOT = Path(__file__).resolve().parent.parent
MODELS_DIR = ROOT / "interaction_models"
CONTENT_DIR = ROOT / "skill" / "content"
REGIONAL = [loc for loc in LOCALES if loc != "en-US"]
BASE_CATALOGUE = json.loads((CONTENT_DIR / "en.json").read_text("utf-8"))


def _language_model(locale: str) -> dict:
    data = json.loads((MODELS_DIR / f"{locale}.json").read_text("utf-8"))
    return data["interactionModel"]["languageModel"]


def _shape(locale: str) -> dict:
    """What the code depends on: intents with their slots, and each type's value IDs."""
    model = _language_model(locale)
    return {
        "invocation": model["invocationName"],
        "intents": {
            i["name"]: sorted((s["name"], s["type"]) for s in i.get("slots", []))
            for i in model["intents"]
        },
        "types": {t["name"]: sorted(v["id"] for v in t["values"]) for t in model["types"]},
    }


def test_a_model_for_every_locale_and_no_other() -> None:
    assert sorted(p.stem for p in MODELS_DIR.glob("*.json")) == sorted(LOCALES)


@pytest.mark.parametrize("locale", LOCALES)
def test_model_deserialises(locale: str) -> None:
    text = (MODELS_DIR / f"{locale}.json").read_text("utf-8")
    serializer = DefaultSerializer()
    data = serializer.deserialize(text, InteractionModelData)
    invocation = data.interaction_model.language_model.invocation_name
    assert invocation == language(locale).invocation
    # A misspelled key would be dropped by the model classes and missed by Alexa.
    assert serializer.serialize(data) == json.loads(text)


@pytest.mark.parametrize("locale", REGIONAL)
def test_model_has_the_shape_of_en_us(locale: str) -> None:
    """Every intent, slot and value id English has, whatever the language's invocation."""
    ours, english = _shape(locale), _shape("en-US")
    ours.pop("invocation")
    english.pop("invocation")
    assert ours == english


@pytest.mark.parametrize("locale", LOCALES)
def test_no_sample_or_synonym_twice(locale: str) -> None:
    model = _language_model(locale)
    samples = [s.lower() for i in model["intents"] for s in i.get("samples", [])]
    assert len(samples) == len(set(samples))
    for slot_type in model["types"]:
        words = [
            w.lower() for v in slot_type["values"]
            for w in (v["name"]["value"], *v["name"].get("synonyms", []))
        ]
        assert len(words) == len(set(words)), slot_type["name"]


@pytest.mark.parametrize("locale", LOCALES)
def test_every_intent_has_a_handler(locale: str) -> None:
    skill = build_skill(Settings(store_url="sqlite:///unused.db", verify_requests=False))
    handlers = [cls(skill.services) for cls in HANDLER_CLASSES]
    for intent in _language_model(locale)["intents"]:
        envelope = env.intent(intent["name"], locale=locale)
        request = skill.serializer.deserialize(json.dumps(envelope), RequestEnvelope)
        handler_input = HandlerInput(request_envelope=request)
        assert any(h.can_handle(handler_input) for h in handlers), (locale, intent["name"])


def _request(kind: str, locale: str) -> dict:
    if kind == "launch":
        return env.envelope({"type": "LaunchRequest", "locale": locale})
    if kind == "ended":
        return env.envelope({"type": "SessionEndedRequest", "reason": "USER_INITIATED",
                             "locale": locale})
    if kind == "explain":
        return env.intent("ExplainMatIntent", {"topic": env.slot("topic", "cost", "COST")},
                          locale=locale)
    if kind == "safety":
        return env.intent(
            "CheckSafetyIntent", {"condition": env.slot("condition", "pregnant", "PREGNANCY")},
            locale=locale,
        )
    return env.intent(kind, locale=locale)


KINDS = ["launch", "explain", "safety", "AMAZON.HelpIntent", "AMAZON.StopIntent",
         "AMAZON.FallbackIntent", "ended"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("locale", LOCALES)
def test_every_request_type_answers_in_every_locale(send, locale: str, kind: str) -> None:
    answer = send(_request(kind, locale))  # checked against Alexa's rules by the fixture
    speech = speech_of(answer)
    if kind == "ended":
        assert not speech
        return
    assert speech
    say = catalogue_for(locale)
    expected = {
        "explain": "explain.topic.COST",
        "safety": "safety.condition.PREGNANCY",
        "AMAZON.HelpIntent": "help",
        "AMAZON.StopIntent": "goodbye",
        "AMAZON.FallbackIntent": "fallback",
    }.get(kind)
    if expected:
        assert mentions(speech, say, expected)


@pytest.mark.parametrize("locale", REGIONAL)
def test_regional_catalogue_only_overrides(locale: str) -> None:
    path = CONTENT_DIR / f"{locale}.json"
    if not path.exists():
        pytest.skip(f"{locale} speaks exactly like its language's catalogue")
    regional = {k: v for k, v in json.loads(path.read_text("utf-8")).items()
                if not k.startswith("_")}
    # A region overrides its own language's lines (es-MX overrides es.json, not en.json).
    language = json.loads((CONTENT_DIR / f"{locale.split('-')[0]}.json").read_text("utf-8"))
    for key, text in regional.items():
        assert key in BASE_CATALOGUE, f"{locale} adds {key}, which en.json lacks"
        assert text != language[key], f"{locale} repeats {key} unchanged"
        for line in text if isinstance(text, list) else [text]:
            placeholders = set(re.findall(r"{(\w+)}", line))
            base = language[key] if isinstance(language[key], list) else [language[key]]
            expected = set(re.findall(r"{(\w+)}", base[0]))
            # A region may read the clock the other way: a 12-hour time adds am/pm.
            allowed = {"period"} if key.startswith("reminders.time.") else set()
            assert expected - allowed <= placeholders <= expected | allowed, key
            assert "<" not in line and ">" not in line, key
            assert not MEDICAL_CLAIM.search(line), key
        assert catalogue_for(locale).variants(key) == (tuple(text) if isinstance(text, list)
                                                       else (text,))


def test_prices_are_not_in_a_foreign_currency() -> None:
    """A listener outside the US hears the price as US dollars, not as local ones."""
    for locale in REGIONAL:
        if locale.startswith("en-"):
            assert "US dollars" in catalogue_for(locale).text("explain.topic.COST"), locale

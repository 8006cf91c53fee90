"""The interaction model and the content catalogue agree with each other and with the code."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from ask_sdk_core.serialize import DefaultSerializer
from ask_smapi_model.v1.skill.interaction_model import InteractionModelData

from skill.builder import HANDLER_CLASSES, build_skill
from skill.content import catalogue_for
from skill.settings import Settings
from testkit import envelopes as env
from testkit.checks import MEDICAL_CLAIM
from testkit.languages import language

ROOT = Path(__file__).resolve().parent.parent
MODELS = sorted((ROOT / "interaction_models").glob("*.json"))
EN_US = json.loads((ROOT / "interaction_models" / "en-US.json").read_text())
LANGUAGE_MODEL = EN_US["interactionModel"]["languageModel"]
BUILT_INS_HANDLED = {
    "AMAZON.HelpIntent", "AMAZON.CancelIntent", "AMAZON.StopIntent", "AMAZON.NavigateHomeIntent",
    "AMAZON.FallbackIntent", "AMAZON.PauseIntent", "AMAZON.ResumeIntent", "AMAZON.YesIntent",
    "AMAZON.NoIntent",
}


def _skill():
    return build_skill(Settings(store_url="sqlite:///unused.db", verify_requests=False))


def _handles(skill, envelope: dict) -> bool:
    from ask_sdk_core.handler_input import HandlerInput
    from ask_sdk_model import RequestEnvelope

    request = skill.serializer.deserialize(json.dumps(envelope), RequestEnvelope)
    handler_input = HandlerInput(request_envelope=request)
    return any(
        handler.can_handle(handler_input=handler_input)
        for handler in skill.request_dispatcher.request_mappers[0].request_handler_chains
        for handler in [handler.request_handler]
    )


@pytest.mark.parametrize("path", MODELS, ids=lambda p: p.name)
def test_model_deserialises_and_is_well_formed(path):
    data = DefaultSerializer().deserialize(path.read_text(), InteractionModelData)
    language_model = data.interaction_model.language_model
    assert language_model.invocation_name == language(path.stem).invocation
    samples = [s.lower() for i in language_model.intents for s in (i.samples or [])]
    assert len(samples) == len(set(samples)), "a sample utterance appears twice"
    for slot_type in language_model.types:
        for value in slot_type.values:
            assert value.id, f"{slot_type.name} has a value without an id"
    for intent in language_model.intents:
        if not intent.name.startswith("AMAZON."):
            assert len(intent.samples) >= 10, intent.name
        slot_names = {slot.name for slot in intent.slots or []}
        for sample in intent.samples or []:
            assert set(re.findall(r"{(\w+)}", sample)) <= slot_names, sample


def test_every_model_intent_has_a_handler_and_back():
    skill = _skill()
    model_intents = {i["name"] for i in LANGUAGE_MODEL["intents"]}
    for name in model_intents:
        assert _handles(skill, env.intent(name)), f"no handler for {name}"
    handled_custom = {
        name for cls in HANDLER_CLASSES for name in getattr(cls, "intent_names", ())
    }
    assert len(handled_custom) >= 16
    assert handled_custom <= model_intents, handled_custom - model_intents
    assert model_intents >= BUILT_INS_HANDLED
    assert {"AMAZON.FallbackIntent", "AMAZON.HelpIntent", "AMAZON.StopIntent",
            "AMAZON.CancelIntent"} <= model_intents


def test_handler_list_is_one_explicit_list_of_classes():
    assert len(HANDLER_CLASSES) == len(set(HANDLER_CLASSES)) >= 18


def _slot_ids(type_name: str) -> set[str]:
    for slot_type in LANGUAGE_MODEL["types"]:
        if slot_type["name"] == type_name:
            return {v["id"] for v in slot_type["values"]}
    raise AssertionError(type_name)


def test_every_slot_id_has_content_and_back():
    say = catalogue_for("en-US")
    topics = {k.rsplit(".", 1)[1] for k in say if k.startswith("explain.topic.")}
    conditions = {k.rsplit(".", 1)[1] for k in say if k.startswith("safety.condition.")}
    # A complaint ("will it help my neck") is a topic of its own, with words of its own, and
    # one more entry answers a complaint the model does not know.
    assert _slot_ids("MatTopic") | _slot_ids("MatComplaint") | {"OTHER_COMPLAINT"} == topics
    assert not _slot_ids("MatTopic") & _slot_ids("MatComplaint")
    assert _slot_ids("MatTask") <= topics  # "how do I {task}": the same answers, other words
    assert _slot_ids("SafetyCondition") == conditions


def _literal_keys() -> set[str]:
    """String literals in the package that name catalogue keys."""
    say = catalogue_for("en-US")
    namespaces = {k.split(".", 1)[0] for k in say}
    found = set()
    for path in (ROOT / "skill").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                value = node.value
                dotted = re.fullmatch(r"[a-z_]+(\.[a-z_]+)+", value)
                if dotted and value.split(".")[0] in namespaces:
                    found.add(value)
    return found


def test_every_key_the_code_names_exists():
    say = catalogue_for("en-US")
    keys = _literal_keys()
    assert len(keys) > 40
    missing = sorted(k for k in keys if k not in say and not k.startswith("units."))
    assert missing == []


def test_catalogue_text_is_plain_short_and_claim_free():
    raw = json.loads((ROOT / "skill" / "content" / "en.json").read_text())
    for key, value in raw.items():
        if key.startswith("_"):
            continue
        for text in value if isinstance(value, list) else [value]:
            assert "<" not in text and ">" not in text, key
            assert not MEDICAL_CLAIM.search(text), key
            assert len(text.split()) <= 40, key

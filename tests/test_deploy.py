"""Deployment artefacts: the SAM template, the skill manifest, the ASK project and the Lambda zip.

Each is checked the way its consumer would read it (cfn-lint and the SAM translator, the SMAPI
model classes, a bare interpreter that sees only the unpacked zip), so a deployment fails
here rather than in a console. Nothing here talks to AWS, Amazon or a package index: the zip
is built from the installed environment.
"""

from __future__ import annotations

import copy
import importlib
import importlib.util
import json
import os
import re
import stat
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from ask_sdk_core.serialize import DefaultSerializer
from ask_smapi_model.v1.skill.manifest.skill_manifest_envelope import SkillManifestEnvelope
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from skill import cli, deploy
from skill.builder import build_skill
from skill.content import catalogue_for
from skill.deploy import ask_project
from skill.deploy import lambda_zip as zip_builder
from skill.domain.people import PERSON_SCOPE
from skill.reminders import REMINDERS_SCOPE
from skill.settings import Settings
from skill.timers import TIMERS_SCOPE
from testkit import envelopes as env
from testkit.checks import check_response, speech_of
from testkit.languages import language

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_TEXT = (ROOT / "template.yaml").read_text("utf-8")
MANIFEST_TEXT = (ROOT / ask_project.MANIFEST_SOURCE).read_text("utf-8")
MANIFEST = json.loads(MANIFEST_TEXT)["manifest"]
LAMBDA_REGIONS = ["us-east-1", "eu-west-1", "us-west-2"]  # where Alexa's trigger runs
SKILL_ID = "amzn1.ask.skill.0a1b2c3d-4e5f-6789-abcd-ef0123456789"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:mat-coach-SkillFunction-AbC123"
# Only the self-hosted endpoint needs these; the Lambda zip must not carry them.
WEB_ONLY = {"flask", "cryptography", "waitress", "platformdirs", "prometheus-client"}


@pytest.fixture
def aws_offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A region, and no user-level AWS or cfn-lint configuration from outside the test."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.chdir(tmp_path)  # cfn-lint also looks for a project .cfnlintrc here


# ---------------------------------------------------------------------------------------------
# SAM template


def _lint(text: str) -> list[str]:
    from cfnlint.api import lint
    from cfnlint.config import ManualArgs

    matches = lint(text, config=ManualArgs(regions=LAMBDA_REGIONS, include_checks=["I"]))
    return [f"{m.rule.id} {m.message}" for m in matches]


def _decode(text: str) -> dict:
    from cfnlint.decode import decode_str

    template, errors = decode_str(text)
    assert not errors, errors
    return json.loads(json.dumps(template))  # plain dicts and strs for the translator


def _translate(template: dict) -> dict:
    """What CloudFormation would get after `sam deploy` uploaded the local zip to S3."""
    from samtranslator.translator.transform import transform

    class NoManagedPolicies:
        """The real loader asks IAM for AWS managed policy ARNs; the template names none."""

        def load(self) -> dict[str, str]:
            return {}

    template = copy.deepcopy(template)
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            assert not str(resource["Properties"]["CodeUri"]).startswith("s3://")
            resource["Properties"]["CodeUri"] = "s3://deploy-bucket/mat-coach-lambda.zip"
    return transform(template, {"AlexaSkillId": SKILL_ID}, NoManagedPolicies())


def _alexa_trigger_problems(template: dict) -> list[str]:
    """Our own rule on top of cfn-lint: one AlexaSkill trigger, locked to the skill's ID.

    SAM accepts the event without a SkillId, but then any skill could invoke the function.
    """
    problems = []
    functions = {
        name: resource for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }
    if len(functions) != 1:
        problems.append(f"expected one function, found {sorted(functions)}")
    for name, function in functions.items():
        events = function["Properties"].get("Events") or {}
        alexa = [e for e in events.values() if e.get("Type") == "AlexaSkill"]
        if len(alexa) != 1:
            problems.append(f"{name}: expected one AlexaSkill event, found {len(alexa)}")
        for event in alexa:
            skill_id = (event.get("Properties") or {}).get("SkillId")
            if skill_id != {"Ref": "AlexaSkillId"}:
                problems.append(f"{name}: AlexaSkill event SkillId is {skill_id!r}")
    return problems


def test_template_passes_cfn_lint(aws_offline: None) -> None:
    assert _lint(TEMPLATE_TEXT) == []


def test_lint_catches_a_misspelled_event_type(aws_offline: None) -> None:
    broken = TEMPLATE_TEXT.replace("Type: AlexaSkill\n", "Type: AlexaSkil\n")
    assert broken != TEMPLATE_TEXT
    assert _lint(broken)


def test_alexa_trigger_is_locked_to_the_skill_id() -> None:
    template = _decode(TEMPLATE_TEXT)
    assert _alexa_trigger_problems(template) == []
    unlocked = copy.deepcopy(template)
    del unlocked["Resources"]["SkillFunction"]["Properties"]["Events"]["Alexa"]["Properties"]
    assert _alexa_trigger_problems(unlocked)


def test_skill_id_parameter_accepts_only_skill_ids() -> None:
    parameter = _decode(TEMPLATE_TEXT)["Parameters"]["AlexaSkillId"]
    pattern = re.compile(parameter["AllowedPattern"])
    assert pattern.fullmatch(SKILL_ID)
    assert pattern.fullmatch(env.APP_ID)
    assert not pattern.fullmatch("amzn1.ask.account.TESTUSER")
    assert not pattern.fullmatch("")


def test_sam_translator_produces_the_intended_resources(aws_offline: None) -> None:
    resources = _translate(_decode(TEMPLATE_TEXT))["Resources"]
    by_type: dict[str, list[dict]] = {}
    for resource in resources.values():
        by_type.setdefault(resource["Type"], []).append(resource)

    (function,) = by_type["AWS::Lambda::Function"]
    props = function["Properties"]
    assert props["Handler"] == "skill.lambda_function.handler"
    assert props["Runtime"] == f"python{zip_builder.LAMBDA_PYTHON}"
    assert props["Architectures"] == ["arm64"]
    assert 256 <= props["MemorySize"] <= 1024
    assert 3 <= props["Timeout"] <= 10  # Alexa gives up after about eight seconds
    assert props["Environment"]["Variables"] == {
        "MAT_COACH_STORE": {"Fn::Sub": "dynamodb://${UserTable}"},
        "MAT_COACH_SKILL_ID": {"Ref": "AlexaSkillId"},
        "MAT_COACH_METRICS_NAMESPACE": {"Fn::Sub": "MatCoach/${AWS::StackName}"},
    }
    assert props["LoggingConfig"]["LogGroup"] == {"Ref": "SkillLogGroup"}

    (permission,) = by_type["AWS::Lambda::Permission"]
    assert permission["Properties"]["Principal"] == "alexa-appkit.amazon.com"
    assert permission["Properties"]["EventSourceToken"] == {"Ref": "AlexaSkillId"}

    (table,) = by_type["AWS::DynamoDB::Table"]
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"
    tprops = table["Properties"]
    assert tprops["BillingMode"] == "PAY_PER_REQUEST"
    assert tprops["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert tprops["AttributeDefinitions"] == [{"AttributeName": "id", "AttributeType": "S"}]
    assert tprops["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert tprops["SSESpecification"] == {"SSEEnabled": True}

    (log_group,) = by_type["AWS::Logs::LogGroup"]
    assert log_group["Properties"]["RetentionInDays"]

    (role,) = by_type["AWS::IAM::Role"]
    assert role["Properties"]["PermissionsBoundary"] == {"Ref": "SkillPermissionsBoundary"}
    (boundary,) = by_type["AWS::IAM::ManagedPolicy"]
    documents = [p["PolicyDocument"] for p in role["Properties"]["Policies"]]
    documents.append(boundary["Properties"]["PolicyDocument"])
    for document in documents:
        for statement in document["Statement"]:
            resources_named = statement["Resource"]
            if not isinstance(resources_named, list):
                resources_named = [resources_named]
            assert "*" not in resources_named, statement
            # Every grant names our table or our log group, never another resource.
            assert all(
                "UserTable" in json.dumps(r) or "SkillLogGroup" in json.dumps(r)
                for r in resources_named
            ), statement


def test_template_outputs_the_alias_arn_alexa_invokes() -> None:
    outputs = _decode(TEMPLATE_TEXT)["Outputs"]
    # The `live` alias (tests/test_snapstart.py): the trigger's permission is on it alone.
    assert outputs["SkillFunctionArn"]["Value"] == {"Ref": "SkillFunction.Alias"}


def _evaluate(value: object, parameters: dict[str, str], conditions: dict) -> object:
    """CloudFormation's Fn::If / Fn::Equals / Ref on parameters: enough for these checks."""
    if isinstance(value, dict) and len(value) == 1:
        (name, argument), = value.items()
        if name == "Ref" and argument in parameters:
            return parameters[argument]
        if name == "Fn::Equals":
            left, right = (_evaluate(a, parameters, conditions) for a in argument)
            return left == right
        if name == "Fn::If":
            condition, yes, no = argument
            chosen = yes if _evaluate(conditions[condition], parameters, conditions) else no
            return _evaluate(chosen, parameters, conditions)
    return value


def _snapstart_for(value: str | None) -> object:
    template = _decode(TEMPLATE_TEXT)
    parameters = {name: spec.get("Default") for name, spec in template["Parameters"].items()}
    if value is not None:
        parameters["SnapStart"] = value
    function = template["Resources"]["SkillFunction"]["Properties"]
    return _evaluate(function["SnapStart"], parameters, template["Conditions"])


def test_snapstart_is_a_parameter_that_is_off_by_default() -> None:
    parameter = _decode(TEMPLATE_TEXT)["Parameters"]["SnapStart"]
    assert parameter["Default"] == "false"
    assert sorted(parameter["AllowedValues"]) == ["false", "true"]
    assert _snapstart_for(None) == {"ApplyOn": "None"}
    assert _snapstart_for("true") == {"ApplyOn": "PublishedVersions"}


def test_alexa_invokes_a_published_alias(aws_offline: None) -> None:
    function = _decode(TEMPLATE_TEXT)["Resources"]["SkillFunction"]["Properties"]
    assert function["AutoPublishAlias"] == "live"
    # Switching the parameter changes the version's description, so a new version (with its
    # snapshot, when on) is published even when the code is the same.
    assert "${SnapStart}" in json.dumps(function["VersionDescription"])
    resources = _translate(_decode(TEMPLATE_TEXT))["Resources"]
    by_type: dict[str, list[tuple[str, dict]]] = {}
    for name, resource in resources.items():
        by_type.setdefault(resource["Type"], []).append((name, resource))
    ((alias_name, alias),) = by_type["AWS::Lambda::Alias"]
    ((version_name, version),) = by_type["AWS::Lambda::Version"]
    assert alias["Properties"]["FunctionVersion"] == {"Fn::GetAtt": [version_name, "Version"]}
    assert version["DeletionPolicy"] == "Delete"  # a replaced version is not kept
    ((_, permission),) = by_type["AWS::Lambda::Permission"]
    assert permission["Properties"]["FunctionName"] == {"Ref": alias_name}
    assert permission["Properties"]["EventSourceToken"] == {"Ref": "AlexaSkillId"}
    ((_, function_out),) = by_type["AWS::Lambda::Function"]
    assert function_out["Properties"]["SnapStart"]["Fn::If"][0] == "SnapStartOn"


def test_template_handler_and_store_match_the_code() -> None:
    props = _decode(TEMPLATE_TEXT)["Resources"]["SkillFunction"]["Properties"]
    module_name, _, attribute = props["Handler"].rpartition(".")
    assert callable(getattr(importlib.import_module(module_name), attribute))
    from skill.store import dynamodb

    assert dynamodb.ATTRIBUTES == "attributes" and dynamodb.VERSION == "version"
    assert props["CodeUri"].endswith(".zip")


# ---------------------------------------------------------------------------------------------
# Skill manifest


def _models() -> dict[str, dict]:
    return {
        locale: json.loads((ROOT / ask_project.MODELS_DIR / f"{locale}.json").read_text("utf-8"))
        for locale in deploy.LOCALES
    }


def test_manifest_deserialises_and_round_trips_exactly() -> None:
    serializer = DefaultSerializer()
    envelope = serializer.deserialize(MANIFEST_TEXT, SkillManifestEnvelope)
    assert envelope.manifest.manifest_version.value == "1.0"
    # Unknown or misspelled keys vanish on the way through the model classes.
    assert serializer.serialize(envelope) == json.loads(MANIFEST_TEXT)


def test_manifest_publishing_information() -> None:
    publishing = MANIFEST["publishingInformation"]
    assert set(publishing["locales"]) == set(deploy.LOCALES)
    assert publishing["category"] == "HEALTH_AND_FITNESS"
    for locale, info in publishing["locales"].items():
        spoken = language(locale)
        # The store's name is the one the skill says of itself, and Alexa says in consent.
        assert info["name"] == catalogue_for(locale).text("listing.name"), locale
        assert 0 < len(info["summary"]) <= 160, locale
        assert 0 < len(info["description"]) <= 4000, locale
        assert re.search(spoken.disclaimer, info["description"], re.I), locale
        assert re.search(spoken.emergency, info["description"], re.I), locale
        assert info["keywords"] and all(k.strip() for k in info["keywords"]), locale
        # The developer console shows three example phrases; more would not be displayed.
        assert 1 <= len(info["examplePhrases"]) <= 3, locale


def test_manifest_privacy_permissions_and_events() -> None:
    privacy = MANIFEST["privacyAndCompliance"]
    assert privacy["allowsPurchases"] is False
    assert privacy["usesPersonalInfo"] is False
    assert privacy["isChildDirected"] is False
    assert privacy["isExportCompliant"] is True
    assert privacy["containsAds"] is False
    # The scopes the skill asks for by voice (an AskFor for an undeclared scope fails), and
    # the speaker recognition its per-person routines use.
    assert {p["name"] for p in MANIFEST["permissions"]} == {
        TIMERS_SCOPE, REMINDERS_SCOPE, PERSON_SCOPE}
    assert MANIFEST["events"]["subscriptions"] == [{"eventName": "SKILL_DISABLED"}]
    placeholder = {"uri": ask_project.ENDPOINT_PLACEHOLDER}
    assert MANIFEST["apis"]["custom"]["endpoint"] == placeholder
    assert MANIFEST["events"]["endpoint"] == placeholder


def test_the_skill_handles_the_event_it_subscribes_to() -> None:
    skill = build_skill(Settings(store_url="sqlite:///unused.db", verify_requests=False))
    from ask_sdk_core.handler_input import HandlerInput
    from ask_sdk_model import RequestEnvelope

    request = skill.serializer.deserialize(
        json.dumps(env.skill_event("SkillDisabled")), RequestEnvelope
    )
    handler_input = HandlerInput(request_envelope=request)
    from skill.handlers.lifecycle import SkillDisabledHandler

    assert SkillDisabledHandler(skill.services).can_handle(handler_input)


#: How people address a skill by voice, per language: the words that open it, and the verbs
#: (with the words that may follow the name) that hand it a request in one go.
_CARRIERS = {
    "en": {"launch": ("open", "start", "launch", "begin", "talk to", "load", "run", "play"),
           "one_shot": ("ask", "tell", "use", "have"),
           "connectors": ("to ", "for ", "about ", "if ", "whether ", "that ", "")},
    "de": {"launch": ("öffne", "starte", "spiele", "aktiviere"),
           "one_shot": ("frag", "frage", "sag", "sage", "bitte"),
           "connectors": ("dass ", "ob ", "nach ", "")},
    "es": {"launch": ("abre", "inicia", "activa", "lanza"),
           "one_shot": ("pide a", "pídele a", "dile a", "pregunta a", "pregúntale a"),
           "connectors": ("que ", "si ", "")},
    "it": {"launch": ("apri", "avvia", "lancia", "inizia"),
           "one_shot": ("chiedi a", "di' a", "dì a", "domanda a"),
           "connectors": ("di ", "se ", "che ", "")},
    "fr": {"launch": ("ouvre", "lance", "démarre", "active"),
           "one_shot": ("demande à", "dis à"),
           "connectors": ("de ", "d'", "si ", "que ", "")},
}


def _utterance(phrase: str, invocation: str, language: str = "en") -> str | None:
    """The part of an example phrase that Alexa matches against the sample utterances.

    "Alexa, open mat coach" launches (empty string); "Alexa, ask mat coach to X" gives "x".
    `None` means the phrase does not name the skill in a form Alexa understands.
    """
    assert phrase.startswith("Alexa, "), phrase
    words = re.sub(r"\s+", " ", phrase[len("Alexa, "):]).strip().rstrip(".?!").lower()
    carriers = _CARRIERS[language]
    if any(words == f"{verb} {invocation}" for verb in carriers["launch"]):
        return ""
    for connector in carriers["connectors"]:
        for verb in carriers["one_shot"]:
            prefix = f"{verb} {invocation} {connector}"
            if words.startswith(prefix) and len(words) > len(prefix):
                return words[len(prefix):]
    return None


_NUMBER_WORD = (
    r"(?:\d+|zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
    r"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|"
    r"seventy|eighty|ninety|hundred|thousand|and)"
)
_NUMBER = rf"{_NUMBER_WORD}(?:[ -]{_NUMBER_WORD})*"
_BUILT_IN = {
    "AMAZON.NUMBER": _NUMBER,
    "AMAZON.DURATION": rf"(?:(?:{_NUMBER}|an?) (?:seconds?|minutes?|hours?)|half an hour)",
}


def _sample_pattern(sample: str, slots: dict[str, str], types: dict[str, list[str]]) -> re.Pattern:
    """A sample utterance as a regex; a slot accepts only what its type could resolve."""
    parts = []
    for piece in re.split(r"(\{\w+\})", sample.lower()):
        if piece.startswith("{"):
            slot_type = slots[piece[1:-1]]
            if slot_type in types:
                parts.append("(?:" + "|".join(re.escape(v) for v in types[slot_type]) + ")")
            else:
                parts.append(_BUILT_IN.get(slot_type, ".+?"))
        else:
            parts.append(re.escape(piece))
    return re.compile("".join(parts))


def _matching_intents(utterance: str, model: dict) -> list[str]:
    language_model = model["interactionModel"]["languageModel"]
    types = {
        t["name"]: [
            text.lower() for v in t["values"]
            for text in (v["name"]["value"], *v["name"].get("synonyms", []))
        ]
        for t in language_model.get("types", [])
    }
    found = []
    for intent in language_model["intents"]:
        slots = {s["name"]: s["type"] for s in intent.get("slots", [])}
        for sample in intent.get("samples", []):
            if _sample_pattern(sample, slots, types).fullmatch(utterance):
                found.append(intent["name"])
                break
    return found


@pytest.mark.parametrize("locale", deploy.LOCALES)
def test_example_phrases_resolve_to_sample_utterances(locale: str) -> None:
    model = _models()[locale]
    invocation = model["interactionModel"]["languageModel"]["invocationName"]
    phrases = MANIFEST["publishingInformation"]["locales"][locale]["examplePhrases"]
    language = locale.split("-")[0]
    assert _utterance(phrases[0], invocation, language) is not None, (
        "the first phrase must name the skill")
    for phrase in phrases:
        utterance = _utterance(phrase, invocation, language)
        assert utterance is not None, f"{phrase!r} does not invoke {invocation!r}"
        if utterance:
            assert _matching_intents(utterance, model), f"{phrase!r} matches no sample"


def test_phrase_matcher_rejects_what_alexa_would_not_resolve() -> None:
    model = _models()["en-US"]
    assert _utterance("Alexa, open mat coaches", "mat coach") is None
    assert _utterance("Alexa, ask mat coach to start a twenty minute session",
                      "mat coach") == "start a twenty minute session"
    assert _matching_intents("start a twenty minute session", model) == ["StartSessionIntent"]
    assert _matching_intents("is it safe if i'm pregnant", model) == ["CheckSafetyIntent"]
    assert _matching_intents("is it safe if i'm a unicorn", model) == []
    assert _matching_intents("make me a sandwich", model) == []
    # A bare length matches no intent: it is only heard as the answer to Dialog.ElicitSlot.
    assert _matching_intents("twenty minutes", model) == []
    assert _matching_intents("set my goal to four", model) == ["SetGoalIntent"]


# ---------------------------------------------------------------------------------------------
# ASK CLI project


def test_ask_project_with_a_lambda_endpoint(tmp_path: Path, capsys) -> None:
    out = tmp_path / "ask"
    assert cli.main(["ask-project", str(out), "--endpoint", ARN]) == 0
    assert "wrote" in capsys.readouterr().out
    resources = json.loads((out / "ask-resources.json").read_text())
    assert resources["askcliResourcesVersion"] == "2020-03-31"
    assert resources["profiles"]["default"]["skillMetadata"]["src"] == "./skill-package"

    text = (out / "skill-package" / "skill.json").read_text()
    assert ask_project.ENDPOINT_PLACEHOLDER not in text
    manifest = DefaultSerializer().deserialize(text, SkillManifestEnvelope).manifest
    assert manifest.apis.custom.endpoint.uri == ARN
    assert manifest.apis.custom.endpoint.ssl_certificate_type is None
    assert manifest.events.endpoint.uri == ARN
    assert json.loads(text)["manifest"]["publishingInformation"] == MANIFEST[
        "publishingInformation"
    ]
    permissions = {p["name"] for p in json.loads(text)["manifest"]["permissions"]}
    assert permissions >= {TIMERS_SCOPE, REMINDERS_SCOPE}  # what the skill asks for by voice

    models = sorted(p.name for p in (out / "skill-package/interactionModels/custom").iterdir())
    assert models == sorted(f"{locale}.json" for locale in deploy.LOCALES)
    for locale in deploy.LOCALES:
        copied = out / "skill-package/interactionModels/custom" / f"{locale}.json"
        assert copied.read_bytes() == (ROOT / "interaction_models" / f"{locale}.json").read_bytes()


def test_ask_project_with_an_https_endpoint(tmp_path: Path) -> None:
    url = "https://skill.example.org/alexa"
    ask_project.write_ask_project(tmp_path, endpoint=url, ssl_certificate_type="Wildcard")
    manifest = json.loads((tmp_path / "skill-package" / "skill.json").read_text())["manifest"]
    expected = {"uri": url, "sslCertificateType": "Wildcard"}
    assert manifest["apis"]["custom"]["endpoint"] == expected
    assert manifest["events"]["endpoint"] == expected


def test_ask_project_keeps_ask_cli_state_and_resources(tmp_path: Path) -> None:
    state = tmp_path / ".ask" / "ask-states.json"
    state.parent.mkdir()
    state.write_text('{"profiles": {"default": {"skillId": "amzn1.ask.skill.kept"}}}')
    resources = tmp_path / "ask-resources.json"
    resources.write_text('{"custom": true}')
    written = ask_project.write_ask_project(tmp_path, endpoint=ARN)
    assert resources not in written
    assert json.loads(resources.read_text()) == {"custom": True}
    assert "amzn1.ask.skill.kept" in state.read_text()


def test_ask_project_records_an_existing_skill_id(tmp_path: Path) -> None:
    assert cli.main(["ask-project", str(tmp_path), "--endpoint", ARN, "--skill-id", SKILL_ID]) == 0
    states = json.loads((tmp_path / ".ask" / "ask-states.json").read_text())
    assert states["askcliStatesVersion"] == "2020-03-31"
    assert states["profiles"]["default"]["skillId"] == SKILL_ID
    # A later run keeps what the ASK CLI added, such as its deploy hash.
    states["profiles"]["default"]["skillMetadata"] = {"lastDeployHash": "abc"}
    (tmp_path / ".ask" / "ask-states.json").write_text(json.dumps(states))
    ask_project.write_ask_project(tmp_path, endpoint=ARN, skill_id=env.APP_ID)
    states = json.loads((tmp_path / ".ask" / "ask-states.json").read_text())
    assert states["profiles"]["default"] == {
        "skillId": env.APP_ID, "skillMetadata": {"lastDeployHash": "abc"},
    }


def test_ask_project_refuses_a_bad_skill_id(tmp_path: Path, capsys) -> None:
    command = ["ask-project", str(tmp_path / "out"), "--endpoint", ARN, "--skill-id", "x"]
    assert cli.main(command) == 2
    assert "not an Alexa skill ID" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_ask_project_without_endpoint_keeps_placeholder_and_warns(tmp_path: Path, capsys) -> None:
    assert cli.main(["ask-project", str(tmp_path)]) == 0
    assert "--endpoint" in capsys.readouterr().err
    text = (tmp_path / "skill-package" / "skill.json").read_text()
    assert ask_project.ENDPOINT_PLACEHOLDER in text


@pytest.mark.parametrize(
    "endpoint",
    ["http://insecure.example.org/", "arn:aws:lambda:us-east-1:123:function:x", "mat-coach", ""],
)
def test_ask_project_refuses_a_bad_endpoint(tmp_path: Path, capsys, endpoint: str) -> None:
    assert cli.main(["ask-project", str(tmp_path / "out"), "--endpoint", endpoint]) == 2
    assert "neither a Lambda function ARN" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_ask_project_explains_a_missing_checkout(tmp_path: Path) -> None:
    with pytest.raises(deploy.PackagingError, match="source checkout") as caught:
        ask_project.write_ask_project(tmp_path / "out", endpoint=ARN, root=tmp_path)
    assert "skill.json" in str(caught.value) and "en-US.json" in str(caught.value)


# ---------------------------------------------------------------------------------------------
# Lambda zip


@pytest.fixture(scope="session")
def lambda_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once per run through the real command, from the installed environment."""
    out = tmp_path_factory.mktemp("lambda") / "mat-coach-lambda.zip"
    assert cli.main(["lambda-zip", str(out)]) == 0
    print(f"\nLambda zip: {out.stat().st_size} bytes ({out.stat().st_size / 1e6:.2f} MB)")
    return out


@pytest.fixture(scope="session")
def unpacked(lambda_zip: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("task")  # plays the part of /var/task
    with zipfile.ZipFile(lambda_zip) as zf:
        zf.extractall(folder)
    return folder


def _live_requirements(distribution: str) -> list[str]:
    """Requires-Dist entries that apply on the Lambda runtime, extras not requested."""
    environment = {
        "python_version": zip_builder.LAMBDA_PYTHON,
        "python_full_version": zip_builder.LAMBDA_PYTHON + ".0",
        "sys_platform": "linux", "platform_system": "Linux",
        "platform_machine": "aarch64", "implementation_name": "cpython",
        "platform_python_implementation": "CPython", "os_name": "posix", "extra": "",
    }
    names = []
    for line in metadata.requires(distribution) or []:
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate(environment):
            names.append(canonicalize_name(requirement.name))
    return names


def _runtime_closure() -> set[str]:
    """mat-coach's run-time dependencies (DynamoDB extra included), transitively, minus
    what the Lambda runtime provides and what only the self-hosted endpoint needs."""
    roots = set(_live_requirements("mat-coach"))
    for line in metadata.requires("mat-coach") or []:
        requirement = Requirement(line)
        if requirement.marker and requirement.marker.evaluate({"extra": "dynamodb"}):
            roots.add(canonicalize_name(requirement.name))
    stop = {canonicalize_name(n) for n in zip_builder.LAMBDA_PROVIDED} | WEB_ONLY
    closure: set[str] = set()
    pending = roots - stop
    while pending:
        name = pending.pop()
        closure.add(name)
        pending |= set(_live_requirements(name)) - stop - closure
    return closure


def test_lambda_distribution_list_is_exactly_what_the_skill_needs() -> None:
    shipped = {canonicalize_name(n) for n in zip_builder.LAMBDA_DISTRIBUTIONS}
    assert len(shipped) == len(zip_builder.LAMBDA_DISTRIBUTIONS)
    assert shipped == _runtime_closure()


def test_lambda_zip_contents(lambda_zip: Path) -> None:
    size = lambda_zip.stat().st_size
    assert size < zip_builder.MAX_ZIP_BYTES
    with zipfile.ZipFile(lambda_zip) as zf:
        infos = zf.infolist()
    names = [i.filename for i in infos]
    top = {n.split("/", 1)[0].lower() for n in names}
    assert "skill" in top and "ask_sdk_core" in top and "tzdata" in top
    assert not top & set(zip_builder.FORBIDDEN_TOP_LEVEL)
    assert not [n for n in names if n.startswith(("skill/web/", "bin/"))]
    # `mat-coach try` (local device page, its resolver and stand-in Alexa) never ships.
    assert not [n for n in names if n.startswith("skill/tryout/")]
    assert any(p.suffix == ".py" for p in (zip_builder.PACKAGE_DIR / "tryout").iterdir())
    assert "skill/cli.py" not in names and "skill/deploy/__init__.py" not in names
    assert "skill/lambda_function.py" in names and "skill/content/en-GB.json" in names
    # the words each model knows, read again when a slot arrives unresolved
    assert {f"skill/content/values/{locale}.json" for locale in deploy.LOCALES} <= set(names)
    assert not [n for n in names if n.endswith((".so", ".pyd"))]
    # Bytecode only for the runtime's version (tests/test_lambda_bytecode.py), if any.
    tag = ".cpython-" + zip_builder.LAMBDA_PYTHON.replace(".", "") + ".pyc"
    assert not [n for n in names if n.endswith(".pyc") and not n.endswith(tag)]
    for info in infos:
        assert stat.S_IMODE(info.external_attr >> 16) & 0o444 == 0o444, info.filename


def _boto_folder(tmp_path: Path) -> Path:
    """boto3 and its own dependencies, as the Lambda runtime provides them, and nothing else."""
    folder = tmp_path / "runtime"
    folder.mkdir()
    for name in ("boto3", "botocore", "jmespath", "s3transfer"):
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.submodule_search_locations, name
        (folder / name).symlink_to(next(iter(spec.submodule_search_locations)))
    return folder


_RUNNER = r"""
import importlib.util, json, sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
import skill
from skill.lambda_function import handler
import ask_sdk_dynamodb.adapter  # the DynamoDB store's import, against the provided boto3
events = json.load(sys.stdin)
print(json.dumps({
    "skill_file": skill.__file__,
    "responses": [handler(event, None) for event in events],
    "absent": {name: importlib.util.find_spec(name) is None
               for name in ("flask", "werkzeug", "cryptography", "waitress", "platformdirs",
                            "prometheus_client")},
}))
"""


def test_unpacked_zip_answers_alone(unpacked: Path, tmp_path: Path) -> None:
    events = [
        env.launch(api_endpoint="https://127.0.0.1:9"),
        env.intent("ExplainMatIntent", {"topic": env.slot("topic", "how often", "FREQUENCY")},
                   api_endpoint="https://127.0.0.1:9"),
    ]
    # -I: no user site, no PYTHON* variables, no script folder; -S: no site-packages at all.
    # So the only third-party code on the path is the unpacked zip and the boto3 folder.
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", _RUNNER, str(unpacked), str(_boto_folder(tmp_path))],
        input=json.dumps(events), capture_output=True, text=True, cwd=tmp_path, timeout=120,
        env={
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(tmp_path),
            "MAT_COACH_STORE": f"sqlite:///{tmp_path / 'x.db'}",
            "MAT_COACH_SKILL_ID": env.APP_ID,  # template.yaml always sets it
            # Lambda always sets these; ask-sdk's adapter builds a boto3 resource on import.
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": str(tmp_path / "aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "aws-credentials"),
        },
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert Path(answer["skill_file"]).is_relative_to(unpacked)
    assert all(answer["absent"].values()), answer["absent"]
    launch, explain = (check_response(r) for r in answer["responses"])
    assert speech_of(launch).startswith("Welcome")
    frequency = catalogue_for("en-US").text("explain.topic.FREQUENCY")
    assert frequency in speech_of(explain)


# ---------------------------------------------------------------------------------------------
# Operating: log format and retention, alarms, the dashboard (docs/operating.md)

ALARMS = ("FunctionErrorsAlarm", "ThrottlesAlarm", "DurationAlarm", "AlexaApiErrorRateAlarm",
          "DynamoDbThrottlesAlarm", "FallbackRiseAlarm")
OUR_NAMESPACE = {"Fn::Sub": "MatCoach/${AWS::StackName}"}


def _emf_dimension_sets() -> dict[str, set[tuple[str, ...]]]:
    """Each metric the Lambda door writes, with the dimension sets it is written under."""
    from skill.telemetry import ApiCall, RequestFacts
    from skill.telemetry.emf import documents

    facts = RequestFacts("x", door="lambda", cold=True, started=0.0)
    facts.read_request(env.intent("AMAZON.FallbackIntent"))
    facts.api.append(ApiCall("timers", "list", 500, 1.0))
    facts.asked, facts.answer = "timers", ("timers", "DENIED")
    sets: dict[str, set[tuple[str, ...]]] = {}
    for document in documents(facts, space="MatCoach/test", timestamp_ms=0):
        for directive in document["_aws"]["CloudWatchMetrics"]:
            for metric in directive["Metrics"]:
                sets.setdefault(metric["Name"], set()).update(
                    tuple(sorted(keys)) for keys in directive["Dimensions"])
    return sets


def _alarm_metrics(alarm: dict) -> list[dict]:
    props = alarm["Properties"]
    if "Metrics" in props:
        return [q["MetricStat"]["Metric"] for q in props["Metrics"] if "MetricStat" in q]
    return [{key: props[key] for key in ("Namespace", "MetricName", "Dimensions") if key in props}]


def _metric_problems(template: dict) -> list[str]:
    """Alarm and dashboard metrics of our namespace that the code never writes as named."""
    written = _emf_dimension_sets()
    problems = []
    for name in ALARMS:
        for metric in _alarm_metrics(template["Resources"][name]):
            if metric["Namespace"] != OUR_NAMESPACE:
                continue
            dims = tuple(sorted(d["Name"] for d in metric.get("Dimensions", [])))
            if dims not in written.get(metric["MetricName"], set()):
                problems.append(f"{name}: {metric['MetricName']} {dims} is never written")
    body = _dashboard(template)
    for widget in body["widgets"]:
        for row in widget.get("properties", {}).get("metrics", []):
            first = row[0]
            if isinstance(first, dict):  # a SEARCH: its namespace and dimensions, its name
                found = re.search(r"\{MatCoach/stack((?:,\w+)*)\} MetricName=\"(\w+)\"",
                                  first["expression"])
                if found is None:
                    problems.append(f"unreadable search {first['expression']}")
                    continue
                dims = tuple(sorted(filter(None, found.group(1).split(","))))
                if dims not in written.get(found.group(2), set()):
                    problems.append(f"dashboard: {found.group(2)} {dims} is never written")
            elif first in ("MatCoach/stack", ".") and isinstance(row[1], str):
                namespace_row = first == "MatCoach/stack" or _previous_namespace(
                    widget, row) == "MatCoach/stack"
                if namespace_row and () not in written.get(row[1], set()):
                    problems.append(f"dashboard: {row[1]} () is never written")
    return problems


def _previous_namespace(widget: dict, row: list) -> str | None:
    """The namespace a "." row repeats: the nearest explicit one above it."""
    rows = widget["properties"]["metrics"]
    for earlier in reversed(rows[:rows.index(row)]):
        if isinstance(earlier[0], str) and earlier[0] not in (".", "..."):
            return earlier[0]
    return None


def _dashboard(template: dict) -> dict:
    """The dashboard body with its ${...} references filled in, parsed as JSON."""
    text, variables = template["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    assert set(variables) == {"Space"}
    filled = re.sub(r"\$\{([^}]+)\}", lambda m: {
        "Space": "MatCoach/stack", "AWS::StackName": "stack", "AWS::Region": "us-east-1",
    }.get(m.group(1), f"ref-{m.group(1)}"), text)
    return json.loads(filled)


def test_the_function_logs_json_and_keeps_logs_for_a_bounded_time() -> None:
    template = _decode(TEMPLATE_TEXT)
    logging_config = template["Resources"]["SkillFunction"]["Properties"]["LoggingConfig"]
    assert logging_config["LogFormat"] == "JSON"
    assert logging_config["ApplicationLogLevel"] == "INFO"  # the request lines are INFO
    retention = template["Parameters"]["LogRetentionDays"]
    assert retention["Default"] <= 30 and max(retention["AllowedValues"]) <= 365
    log_group = template["Resources"]["SkillLogGroup"]["Properties"]
    assert log_group["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_every_alarm_notifies_the_topic_and_an_email_only_when_given(aws_offline: None) -> None:
    template = _decode(TEMPLATE_TEXT)
    alarms = {name: r for name, r in template["Resources"].items()
              if r["Type"] == "AWS::CloudWatch::Alarm"}
    assert sorted(alarms) == sorted(ALARMS)
    for alarm in alarms.values():
        props = alarm["Properties"]
        assert props["AlarmActions"] == props["OKActions"] == [{"Ref": "AlarmTopic"}]
        assert props["TreatMissingData"] == "notBreaching"  # no traffic is not an incident
        assert "docs/operating.md" in props["AlarmDescription"]
    subscription = template["Resources"]["AlarmEmailSubscription"]
    assert subscription["Condition"] == "HasAlarmEmail"
    assert subscription["Properties"]["Endpoint"] == {"Ref": "AlarmEmail"}
    email = template["Parameters"]["AlarmEmail"]
    assert email["Default"] == ""
    pattern = re.compile(email["AllowedPattern"])
    assert pattern.fullmatch("") and pattern.fullmatch("ops@example.org")
    assert not pattern.fullmatch("not an address")
    resources = _translate(_decode(TEMPLATE_TEXT))["Resources"]
    kinds = [r["Type"] for r in resources.values()]
    assert kinds.count("AWS::CloudWatch::Alarm") == len(ALARMS)
    assert kinds.count("AWS::CloudWatch::Dashboard") == 1


def test_the_duration_alarm_fires_at_four_fifths_of_the_timeout() -> None:
    template = _decode(TEMPLATE_TEXT)
    timeout = template["Resources"]["SkillFunction"]["Properties"]["Timeout"]
    alarm = template["Resources"]["DurationAlarm"]["Properties"]
    assert alarm["MetricName"] == "Duration" and alarm["Statistic"] == "Maximum"
    assert alarm["Threshold"] == timeout * 1000 * 0.8


def test_alarms_and_dashboard_watch_metrics_the_code_writes() -> None:
    template = _decode(TEMPLATE_TEXT)
    assert _metric_problems(template) == []
    body = _dashboard(template)
    assert {w["type"] for w in body["widgets"]} == {"text", "alarm", "metric", "log"}
    (alarm_widget,) = [w for w in body["widgets"] if w["type"] == "alarm"]
    assert len(alarm_widget["properties"]["alarms"]) == len(ALARMS)
    (log_widget,) = [w for w in body["widgets"] if w["type"] == "log"]
    from testkit.telemetry import LINE_FIELDS

    query = log_widget["properties"]["query"]
    fields = re.search(r"fields ([^|]+)\|", query).group(1)
    assert {f.strip() for f in fields.split(",")} - {"@timestamp"} <= LINE_FIELDS


def test_the_metric_check_catches_a_name_the_code_never_writes() -> None:
    broken = TEMPLATE_TEXT.replace('[".", "SessionsCompleted"]', '[".", "SessionsFinished"]')
    broken = broken.replace("MetricName: AlexaApiErrors\n", "MetricName: AlexaApiFailures\n")
    assert broken.count("SessionsFinished") == 1 and broken.count("AlexaApiFailures") == 1
    problems = _metric_problems(_decode(broken))
    assert len(problems) == 2, problems

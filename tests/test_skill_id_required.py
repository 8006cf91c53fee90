"""Outside development mode a skill ID is required, at both doors, unless explicitly waived.

The rule lives in `Settings` (one place); the web door meets it when the app is built
(`mat-coach serve` turns it into one line on stderr, see tests/test_endpoint.py), the Lambda
door on its first event, with a line that says how a deployment sets it.
"""

from __future__ import annotations

import pytest

from skill import lambda_function
from skill.settings import MissingSkillId, Settings, SettingsError
from skill.web import create_app
from testkit import envelopes as env


@pytest.fixture
def no_skill_env(monkeypatch: pytest.MonkeyPatch, store_url: str) -> None:
    """A process environment with a store and neither MAT_COACH_SKILL_ID nor the waiver."""
    monkeypatch.delenv("MAT_COACH_SKILL_ID", raising=False)
    monkeypatch.delenv("MAT_COACH_ALLOW_ANY_SKILL", raising=False)
    monkeypatch.setenv("MAT_COACH_STORE", store_url)


def test_verified_settings_need_a_skill_id() -> None:
    with pytest.raises(MissingSkillId) as caught:
        Settings(store_url="sqlite:///unused.db")
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("MAT_COACH_SKILL_ID is not set")
    assert "mat-coach serve --dev" in message
    # Development mode, an explicit waiver, or a skill ID: each is a valid configuration.
    assert Settings(verify_requests=False).skill_id is None
    assert Settings(allow_any_skill=True).allow_any_skill
    assert Settings(skill_id=env.APP_ID).skill_id == env.APP_ID


@pytest.mark.parametrize(("value", "allowed"), [("true", True), ("1", True), ("TRUE", True),
                                                ("false", False), ("", False), ("0", False)])
def test_the_waiver_reads_as_a_yes_or_no(value: str, allowed: bool) -> None:
    environ = {"MAT_COACH_ALLOW_ANY_SKILL": value}
    if allowed:
        assert Settings.from_env(environ).allow_any_skill
    else:
        with pytest.raises(MissingSkillId):
            Settings.from_env(environ)


def test_a_waiver_that_is_neither_yes_nor_no_is_refused() -> None:
    with pytest.raises(SettingsError, match="MAT_COACH_ALLOW_ANY_SKILL='maybe'"):
        Settings.from_env({"MAT_COACH_ALLOW_ANY_SKILL": "maybe", "MAT_COACH_SKILL_ID": "x"})


def test_a_blank_skill_id_counts_as_none() -> None:
    with pytest.raises(MissingSkillId):
        Settings.from_env({"MAT_COACH_SKILL_ID": "   "})


def test_web_door_refuses_to_build_without_a_skill_id(no_skill_env: None) -> None:
    with pytest.raises(MissingSkillId, match="MAT_COACH_SKILL_ID is not set"):
        create_app()
    assert create_app(Settings.from_env(verify_requests=False)) is not None  # --dev


def test_lambda_refuses_every_event_without_a_skill_id(no_skill_env: None) -> None:
    handler = lambda_function.create_handler()  # as the module-level `handler` is built
    for _ in range(2):  # not only the first event: it never starts answering
        with pytest.raises(MissingSkillId) as caught:
            handler(env.launch(), None)
        assert str(caught.value) == lambda_function.LAMBDA_MISSING_SKILL_ID
    assert "\n" not in lambda_function.LAMBDA_MISSING_SKILL_ID
    assert "AlexaSkillId" in lambda_function.LAMBDA_MISSING_SKILL_ID
    assert "MAT_COACH_ALLOW_ANY_SKILL=true" in lambda_function.LAMBDA_MISSING_SKILL_ID


def test_lambda_with_the_skill_id_answers_only_its_skill(
    no_skill_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAT_COACH_SKILL_ID", env.APP_ID)
    handler = lambda_function.create_handler()
    assert "response" in handler(env.launch(), None)
    assert "error" in handler(env.launch(application_id="amzn1.ask.skill.someone-else"), None)


def test_lambda_answers_any_skill_only_when_told_to(
    no_skill_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAT_COACH_ALLOW_ANY_SKILL", "true")
    handler = lambda_function.create_handler()
    answer = handler(env.launch(application_id="amzn1.ask.skill.someone-else"), None)
    assert "response" in answer

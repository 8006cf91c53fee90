"""`python -m bench.alexa_nlu`: the held-out sets through Alexa's Utterance Profiler.

The profiler is played over loopback HTTPS by `testkit.profiler_fake` with the documented path,
token, stage, locale and body rules and ask-smapi-model's response shape. Its answers come from
the offline resolver, so the real-Alexa path must report exactly what `bench.nlu` reports: any
difference is the client's (a lost slot, a lead-in left on, a fallback misread).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
import trustme

from bench import alexa_nlu
from testkit import nlu
from testkit.profiler_fake import ProfilerFake, ProfilerServer

SKILL = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"
TOKEN = "Atza|local-test-token"
LOCALES = ("en-US", "en-GB", "en-AU", "en-CA", "en-IN")


@pytest.fixture(scope="module")
def resolvers() -> dict[str, nlu.Resolver]:
    return {locale: nlu.Resolver.from_model(nlu.MODELS_DIR / f"{locale}.json")
            for locale in LOCALES}


@pytest.fixture(scope="module")
def server(ca: trustme.CA, resolvers: dict[str, nlu.Resolver]) -> Iterator[ProfilerServer]:
    fake = ProfilerFake(SKILL, TOKEN, LOCALES,
                        brain=lambda locale, text: resolvers[locale].resolve(text))
    with ProfilerServer(ca, fake) as running:
        yield running


@pytest.fixture
def profiler(server: ProfilerServer, ca_bundle: str) -> Iterator[alexa_nlu.Profiler]:
    server.fake.heard.clear()
    server.fake.throttle_next = 0
    waits: list[float] = []
    session = requests.Session()
    session.verify = ca_bundle
    session.trust_env = False  # loopback only, whatever proxy the machine has
    client = alexa_nlu.Profiler(SKILL, TOKEN, api=server.origin, session=session,
                                pause=waits.append)
    client.waits = waits  # type: ignore[attr-defined]
    yield client
    session.close()


def test_alexas_answers_are_judged_exactly_as_the_offline_ones(profiler, server,
                                                               resolvers) -> None:
    examples = nlu.load_heldout(nlu.FIFTH_PATH)
    offline = nlu.evaluate(examples)
    online = alexa_nlu.evaluate(examples, profiler)
    assert online.figures() == offline.figures()
    def verdicts(report: nlu.Report) -> dict[tuple[str, str], bool]:
        return {(o.example.locale, o.example.text): o.slots_ok for o in report.outcomes}

    assert verdicts(online) == verdicts(offline)  # line by line, not only in sum
    assert len(server.fake.heard) == len(examples)
    # The profiler hears the request inside the skill: one-shot lead-ins are taken off.
    assert sorted(server.fake.heard) == sorted(
        (e.locale, resolvers[e.locale].strip_invocation(e.text)) for e in examples)
    assert ("en-US", "how much time is remaining") in server.fake.heard  # "ask mat coach ..."
    report = nlu.format_report(online)
    assert "fallback threshold" not in report  # no threshold of ours in Alexa's answers
    assert "intent accuracy" in report


def test_a_custom_slot_keeps_its_matched_id_and_a_built_in_its_value(profiler) -> None:
    safety = alexa_nlu.evaluate([nlu.Example("is it safe if I'm pregnant", "en-US",
                                             "CheckSafetyIntent", {"condition": "PREGNANCY"}),
                                 nlu.Example("start a twenty minute session", "en-GB",
                                             "StartSessionIntent", {"duration": "PT20M"})],
                                profiler)
    pregnant, start = safety.outcomes
    assert pregnant.resolution.slots["condition"].resolved_id == "PREGNANCY"
    assert pregnant.resolution.slots["condition"].custom
    assert pregnant.slots_ok and start.slots_ok


def test_throttling_is_waited_out_and_counted_once(profiler, server) -> None:
    server.fake.throttle_next = 2
    report = alexa_nlu.evaluate([nlu.Example("how long is left", "en-US", "TimeLeftIntent", {})],
                                profiler)
    assert report.outcomes[0].intent_ok
    assert profiler.waits == [0.0, 0.0]  # Retry-After: 0, as the stand-in said
    assert len(server.fake.heard) == 1


def test_endless_throttling_stops_the_run_with_a_reason(profiler, server) -> None:
    server.fake.throttle_next = alexa_nlu.ATTEMPTS
    with pytest.raises(alexa_nlu.ProfilerRefused, match="kept failing"):
        profiler.profile("en-US", "how long is left")
    assert len(profiler.waits) == alexa_nlu.ATTEMPTS - 1


@pytest.mark.parametrize(("change", "reason"), [
    ({"token": "expired"}, "access token was refused"),
    ({"skill_id": "amzn1.ask.skill.someone-else"}, "no built en-US model"),
    ({"stage": "beta"}, "malformed"),
])
def test_refusals_say_what_was_refused(server, ca_bundle: str, change: dict, reason: str) -> None:
    session = requests.Session()
    session.verify = ca_bundle
    session.trust_env = False
    options = {"skill_id": SKILL, "token": TOKEN, "stage": "development"} | change
    client = alexa_nlu.Profiler(options["skill_id"], options["token"], stage=options["stage"],
                                api=server.origin, session=session, pause=lambda _: None)
    heard = len(server.fake.heard)
    with pytest.raises(alexa_nlu.ProfilerRefused, match=reason):
        client.profile("en-US", "how long is left")
    assert len(server.fake.heard) == heard  # refused before anything was answered


def test_a_locale_without_a_built_model_is_named(profiler) -> None:
    with pytest.raises(alexa_nlu.ProfilerRefused, match="no built en-NZ model"):
        profiler.profile("en-NZ", "how long is left")


def test_the_command_needs_a_token_and_says_how_to_get_one(monkeypatch, capsys) -> None:
    monkeypatch.delenv("ASK_ACCESS_TOKEN", raising=False)
    assert alexa_nlu.main(["--skill-id", SKILL]) == 2
    assert "ask util generate-lwa-tokens" in capsys.readouterr().err


def test_the_command_prints_the_report_and_checks_the_targets(
        server, ca_bundle: str, monkeypatch, capsys, tmp_path) -> None:
    lines = tmp_path / "few.jsonl"
    lines.write_text(
        '{"text": "ask mat coach how long is left", "locale": "en-US", '
        '"intent": "TimeLeftIntent"}\n'
        '{"text": "what is the weather like", "locale": "en-US", '
        '"intent": "AMAZON.FallbackIntent"}\n', encoding="utf-8")
    monkeypatch.setenv("ASK_ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", ca_bundle)
    for variable in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy",
                     "ALL_PROXY"):
        monkeypatch.delenv(variable, raising=False)
    code = alexa_nlu.main(["--skill-id", SKILL, "--api", server.origin, "--heldout", str(lines),
                           "--check"])
    out = capsys.readouterr().out
    assert "held-out set: few.jsonl (2 lines)" in out
    assert code == 0, out
    monkeypatch.setenv("ASK_ACCESS_TOKEN", "expired")
    assert alexa_nlu.main(["--skill-id", SKILL, "--api", server.origin,
                           "--heldout", str(lines)]) == 2
    assert "access token was refused" in capsys.readouterr().err

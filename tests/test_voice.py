"""The voice, as someone lying on spikes hears it: brief, varied, inviting when it listens,
honest about health, and in our own words.

Every figure here comes from `testkit.transcript`, the same replies `python -m bench.transcript`
prints: scenes that reach every handler path, played with several random seeds.
"""

from __future__ import annotations

import itertools
import random
import statistics

import pytest

from skill.builder import build_skill
from skill.content import PAUSE, catalogue_for, to_ssml
from skill.dispatch import handle_envelope
from skill.settings import Settings
from testkit import envelopes as env
from testkit import transcript as t
from testkit.checks import check_response, mentions, speech_of
from testkit.languages import LANGUAGES, OTHERS, language

EN = catalogue_for("en-US")


@pytest.fixture(scope="module")
def played() -> t.Transcript:
    return t.script()


#: Every language the skill speaks is held to the English figures.
LOCALES = tuple(lang.locale for lang in LANGUAGES.values())


@pytest.fixture(scope="module", params=LOCALES)
def spoken(request: pytest.FixtureRequest) -> tuple[str, t.Transcript]:
    """The whole transcript in one language: (locale, replies)."""
    return request.param, t.script(locale=request.param)


def test_replies_are_brief(spoken: tuple[str, t.Transcript]) -> None:
    _, played = spoken
    figures = played.figures()
    assert figures["replies"] >= 120
    assert figures["median_words"] <= 20
    assert figures["p90_words"] <= 35


def test_the_lines_heard_most_are_briefest(spoken: tuple[str, t.Transcript]) -> None:
    _, played = spoken

    def words(scene: str) -> list[int]:
        found = [r.words for r in played.distinct() if r.scene == scene]
        assert found, scene
        return found

    assert max(words("yes to the usual")) <= 12  # a returning user's start confirmation
    assert max(words("launch, new user")) <= 35  # the first welcome teaches, briefly
    assert statistics.median(words("time left, running")) <= 12


@pytest.mark.parametrize("locale", LOCALES)
def test_lines_heard_often_have_at_least_three_variants(locale: str) -> None:
    say = catalogue_for(locale)
    for key in t.FREQUENT:
        assert len(say.variants(key)) >= 3, key


def test_a_conversation_never_repeats_a_phrasing_twice_in_a_row(tmp_path) -> None:
    skill = build_skill(Settings(store_url=f"sqlite://{tmp_path / 'v.db'}", verify_requests=False),
                        rng=random.Random(7))
    attributes: dict = {}
    session = env.new_session_id()
    said = []
    for turn in range(12):
        answer = handle_envelope(skill, env.intent(
            "AMAZON.FallbackIntent", session_id=session, new_session=turn == 0,
            session_attributes=attributes))
        attributes = answer["sessionAttributes"]
        said.append(speech_of(answer))
    assert all(a != b for a, b in itertools.pairwise(said))
    assert len(set(said)) == len(EN.variants("fallback"))  # and every variant is heard


def test_the_disclaimer_is_said_once_per_conversation(tmp_path) -> None:
    skill = build_skill(Settings(store_url=f"sqlite://{tmp_path / 'd.db'}", verify_requests=False),
                        rng=random.Random(3))
    attributes: dict = {}
    session = env.new_session_id()
    heard = []
    for turn, condition in enumerate(("PREGNANCY", "HEART", "DIABETES")):
        answer = handle_envelope(skill, env.intent(
            "CheckSafetyIntent", {"condition": env.slot("condition", "x", resolved_id=condition)},
            session_id=session, new_session=turn == 0, session_attributes=attributes))
        attributes = answer["sessionAttributes"]
        heard.append(mentions(speech_of(answer), EN, "safety.disclaimer"))
    assert heard == [True, False, False]


def test_a_reply_that_listens_ends_with_a_question_or_an_invitation(spoken) -> None:
    locale, played = spoken
    listening = [r for r in played.distinct() if r.open_mic]
    assert len(listening) >= 60
    assert [r.speech for r in listening if not t.ends_inviting(r.speech, locale)] == []
    assert all(r.reprompt for r in listening)


def test_a_reply_that_closes_never_asks(spoken) -> None:
    _, played = spoken
    closing = [r for r in played.distinct() if not r.open_mic and r.speech]
    assert len(closing) >= 30
    assert [r.speech for r in closing if r.speech.rstrip().endswith("?")] == []


def test_pausing_says_how_to_come_back_from_outside_the_skill(played) -> None:
    for reply in played.distinct():
        if reply.scene in ("pause", "pause again", "time left, paused"):
            assert not reply.open_mic
            assert "ask mat coach to resume" in reply.speech.lower(), reply.speech


def test_opening_while_paused_says_it_is_paused(played) -> None:
    replies = [r.speech for r in played.distinct() if r.scene == "launch while paused"]
    assert replies
    for speech in replies:
        lowered = speech.lower()
        assert "paused" in lowered or "on hold" in lowered, speech
        assert "running" not in lowered and "still going" not in lowered, speech


def test_no_line_makes_a_health_claim() -> None:
    lines = list(t.catalogue_lines())
    assert len(lines) >= 150
    assert [key for key, line in lines if t.BANNED.search(line)] == []
    assert t.BANNED.search("it will relieve pain") and t.BANNED.search("a proven therapy")


@pytest.mark.parametrize("locale", LOCALES)
def test_every_named_condition_says_ask_your_doctor_first(locale: str) -> None:
    say, doctor = catalogue_for(locale), language(locale).doctor_pattern
    for key in say:
        if not key.startswith("safety.condition.") or key.endswith(("PETS", "FALLING_ASLEEP")):
            continue
        for line in say.variants(key):
            assert doctor.search(line), key
            assert "if you're unsure" not in line.lower(), key
    for line in say.variants("safety.unknown"):
        assert doctor.search(line.split(".")[0]), (
            "an unlisted condition: doctor first")


def test_the_benefits_answer_claims_no_research_results() -> None:
    for line in EN.variants("explain.topic.BENEFITS"):
        lowered = line.lower()
        assert "modest" in lowered
        assert not any(w in lowered for w in ("pain", "headache", "migraine", "research"))


def test_no_run_of_six_words_from_the_source_article() -> None:
    hashes = t.article_hashes()
    assert len(hashes) > 500
    runs = [(key, run) for key, line in t.catalogue_lines() for run in t.article_runs(line, hashes)]
    assert runs == []


def test_the_article_check_finds_a_copied_run() -> None:
    # Six words of the article, recognised by their hash only (the text is not in the repo).
    words = ["a", "b", "c", "d", "e", "f"]
    assert t.article_runs("a b c d e f", {t.shingle_hash(words)}) == ["a b c d e f"]


def test_pauses_become_short_breaks_in_valid_ssml() -> None:
    ssml = to_ssml(f"Lie down slowly. {PAUSE} Breathe & relax.")
    assert ssml == 'Lie down slowly.<break time="400ms"/>Breathe &amp; relax.'
    uses = [key for key in EN for line in EN.variants(key) if PAUSE in line]
    assert uses and all(not key.startswith(("timer.", "units.")) for key in uses)
    for key in uses:
        assert all(line.count(PAUSE) <= 2 for line in EN.variants(key)), key


def test_every_reply_is_valid_for_alexa(played) -> None:
    # The transcript replays through dispatch; here one of each through the checker as well.
    skill = build_skill(Settings(store_url="sqlite:///unused-voice.db", verify_requests=False),
                        rng=random.Random(1))
    for key in ("AMAZON.HelpIntent", "AMAZON.FallbackIntent", "AboutMatIntent"):
        check_response(handle_envelope(skill, env.intent(key)))


def test_the_pages_quote_the_transcript(spoken) -> None:
    locale, played = spoken
    pages = t.pages_quoting(t.DATA.parent.parent, locale)
    assert len(pages) == 1, f"{locale}: quoted on {len(pages)} pages, not one"
    assert t.quoted(pages[0], locale) == t.quoted_samples(played, locale).strip(), (
        f"run `python -m bench.transcript --markdown --locale {locale}` and paste it into "
        f"{pages[0].name}")


@pytest.mark.parametrize("locale", [lang.locale for lang in OTHERS])
def test_the_front_page_quotes_the_start_of_each_language(locale: str) -> None:
    """One short sample per language on the README, kept current like the long ones."""
    pages = t.pages_quoting(t.DATA.parent.parent, locale, short=True)
    assert [page.name for page in pages] == ["README.md"]
    assert t.quoted(pages[0], locale, short=True) == t.quoted_samples(
        t.script(locale=locale), locale, short=True).strip(), (
        f"run `python -m bench.transcript --markdown --short --locale {locale}` and paste it "
        "into README.md")


def test_a_voice_seed_makes_replies_repeat_run_after_run(tmp_path) -> None:
    def replies(seed: int | None) -> list[str]:
        settings = Settings(store_url=f"sqlite://{tmp_path / f'{seed}.db'}",
                            verify_requests=False, voice_seed=seed)
        skill = build_skill(settings)
        return [speech_of(handle_envelope(skill, env.intent("AMAZON.FallbackIntent")))
                for _ in range(8)]

    assert replies(5) == replies(5)  # seeded (tests): the same phrasings, in the same order
    assert len(set(replies(5))) > 1  # and still varied
